#pragma once
// Every problem the engine finds in the model, errors first; clicking one selects its node.
#include <QDockWidget>

class Document;
class QListWidget;

class ProblemsDock : public QDockWidget {
    Q_OBJECT
public:
    ProblemsDock(Document* doc, QWidget* parent = nullptr);
    QListWidget* list() const { return list_; }

signals:
    void nodeClicked(const QString& id);

private:
    void refresh();
    Document* doc_;
    QListWidget* list_;
};
