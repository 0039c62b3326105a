#pragma once
// The model as PyTorch code (the text the PyTorch export writes), regenerated after every edit,
// read-only and copyable. Selecting a node highlights its lines; clicking a layer's line selects
// its node. While the model has errors, the last valid code stays, greyed, under the reason.
#include <QDockWidget>

class Document;
class QLabel;
class QPlainTextEdit;

class CodeDock : public QDockWidget {
    Q_OBJECT
public:
    CodeDock(Document* doc, QWidget* parent = nullptr);
    QPlainTextEdit* editor() const { return text_; }
    QString code() const;

public slots:
    void highlightNode(const QString& id);

signals:
    void nodeClicked(const QString& id);

private:
    void regenerate();
    void cursorMoved();

    Document* doc_;
    QLabel* status_;
    QPlainTextEdit* text_;
    QString highlighted_;
    bool moving_ = false;
};
