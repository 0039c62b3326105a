#include "app/studio/StudioSettings.h"

#include <QFileInfo>

void StudioSettings::addRecentFile(const QString& path)
{
    QStringList files = recentFiles();
    const QString absolute = QFileInfo(path).absoluteFilePath();
    files.removeAll(absolute);
    files.prepend(absolute);
    while (files.size() > 8)
        files.removeLast();
    settings_.setValue(kRecent, files);
}
