#pragma once
// The inspector: for the selected layer its name, its attributes with the right editors, its
// explanation, its maths with this model's shapes, its cost, its problems and its PyTorch line.
// Edits become undo commands on the document.
#include <QDockWidget>

class Document;
class PropertyEditor;
class QLabel;
class QLineEdit;
class QStackedLayout;

class InspectorDock : public QDockWidget {
    Q_OBJECT
public:
    InspectorDock(Document* doc, QWidget* parent = nullptr);

    void showNodes(const QStringList& ids);             // the selection; one node is inspected
    QString nodeId() const { return id_; }
    PropertyEditor* properties() const { return properties_; }
    QLineEdit* nameEdit() const { return name_; }
    QString mathsText() const;                          // what the maths section shows, for tests

signals:
    void renamed(const QString& newId);                 // after a rename, to keep it selected

private:
    void refresh();
    void applyEdit(const QString& name, const QVariant& value, bool finished);
    void applyRename();

    Document* doc_;
    QString id_;
    QLabel* title_;
    QLineEdit* name_;
    QLabel* nameError_;
    QLabel* summary_;
    PropertyEditor* properties_;
    QLabel* maths_;
    QLabel* cost_;
    QLabel* problems_;
    QLabel* pytorch_;
    QLabel* onnx_;                       // the ONNX operators the layer is exported as
    QStackedLayout* pages_;                             // the placeholder, or the body
    QWidget* body_;
    QLabel* placeholder_;
};
