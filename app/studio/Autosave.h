#pragma once
// Autosave and recovery after a crash. While a document has unsaved changes it is written every
// 30 s to the autosave folder (XDG data: ~/.local/share/Neurite/Neurite Studio/autosave) as
// autosave-<pid>-<n>.json; a clean close deletes it. A file whose process no longer runs is what a
// crash left behind: the welcome page offers it for recovery.
#include "app/studio/Document.h"

#include <QDateTime>
#include <QTimer>

class Autosave : public QObject {
    Q_OBJECT
public:
    Autosave(Document* doc, QObject* parent = nullptr);
    ~Autosave() override;                               // a clean close: the file goes

    void saveNow();                                     // if modified; also what the timer does
    QString file() const { return file_; }

    struct Leftover {
        QString file;
        QString modelName;
        QDateTime saved;
    };
    static QList<Leftover> leftovers();                 // files of processes that are gone
    static QString folder();

private:
    Document* doc_;
    QString file_;
    QTimer timer_;
};
