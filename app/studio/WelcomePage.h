#pragma once
// The page shown on start: New blank model, the example models as templates, recent files, and
// work to recover after a crash. A template opens on the canvas in two clicks from launch.
#include <QWidget>

class QVBoxLayout;

class WelcomePage : public QWidget {
    Q_OBJECT
public:
    explicit WelcomePage(QWidget* parent = nullptr);

    struct Template {
        QString resource;                               // ":/models/cnn.json"
        QString title, description;
    };
    static QList<Template> templates();
    void setRecentFiles(const QStringList& files);
    void setRecoverable(const QList<QPair<QString, QString>>& files);  // (file, label)

signals:
    void newBlank();
    void templateChosen(const QString& resource);
    void openRequested(const QString& path);            // empty: ask with a dialog
    void recoverRequested(const QString& autosaveFile);

private:
    QVBoxLayout* recent_;
    QVBoxLayout* recover_;
};
