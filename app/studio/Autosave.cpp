#include "app/studio/Autosave.h"

#include "engine/core/Error.h"
#include "engine/graph/ModelJson.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QRegularExpression>
#include <QStandardPaths>

QString Autosave::folder()
{
    return QStandardPaths::writableLocation(QStandardPaths::AppDataLocation) + QStringLiteral("/autosave");
}

Autosave::Autosave(Document* doc, QObject* parent) : QObject(parent), doc_(doc)
{
    static int counter = 0;
    file_ = folder() + QStringLiteral("/autosave-%1-%2.json").arg(QCoreApplication::applicationPid()).arg(++counter);
    timer_.setInterval(30'000);
    connect(&timer_, &QTimer::timeout, this, &Autosave::saveNow);
    timer_.start();
}

Autosave::~Autosave() { QFile::remove(file_); }

void Autosave::saveNow()
{
    if (!doc_->isModified()) {
        QFile::remove(file_);
        return;
    }
    QDir().mkpath(folder());
    try {
        neurite::saveModel(doc_->graph(), file_.toStdString());
    } catch (const neurite::Error& e) {
        qWarning("autosave: %s", e.what());  // the next tick tries again; the document is untouched
    }
}

QList<Autosave::Leftover> Autosave::leftovers()
{
    QList<Leftover> out;
    static const QRegularExpression name(QStringLiteral("^autosave-(\\d+)-\\d+\\.json$"));
    for (const QFileInfo& f : QDir(folder()).entryInfoList({QStringLiteral("autosave-*.json")}, QDir::Files, QDir::Time)) {
        const auto m = name.match(f.fileName());
        if (!m.hasMatch() || QFileInfo::exists(QStringLiteral("/proc/") + m.captured(1)))
            continue;  // still running (or not ours)
        QString model = f.fileName();
        try {
            model = QString::fromStdString(neurite::loadModel(f.absoluteFilePath().toStdString()).name);
        } catch (const neurite::Error&) {
        }
        out << Leftover{f.absoluteFilePath(), model, f.lastModified()};
    }
    return out;
}
