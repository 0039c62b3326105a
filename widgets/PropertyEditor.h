#pragma once
// An editor for a small list of typed properties: numbers with ranges (spin boxes), choices
// (combo box), booleans (check box), integer lists and text (line edits validated as typed).
// It knows nothing of layers. `edited` fires while a value changes (finished = false: typing,
// scrubbing) and once more when the edit is done (finished = true: Enter, focus out, a click).
#include <QList>
#include <QStringList>
#include <QVariant>
#include <QWidget>

class QFormLayout;

struct Property {
    enum Kind { Int, Float, Bool, Choice, IntList, Text };
    QString name;
    Kind kind = Text;
    QVariant value;                     // int, double, bool, QString (Choice, Text), QList<int> as "1, 28, 28" text
    double min = 0, max = 0;            // min == max: no range
    QStringList choices;
    QString help;                       // tooltip
    QString pattern;                    // Text: a regular expression the text must match
};

class PropertyEditor : public QWidget {
    Q_OBJECT
public:
    explicit PropertyEditor(QWidget* parent = nullptr);

    // Rebuilds the editors when the names or kinds differ; otherwise updates the values in place
    // (so an editor being typed in keeps its focus and cursor).
    void setProperties(const QList<Property>& properties);
    QWidget* editor(const QString& name) const;          // objectName "property:<name>"

signals:
    void edited(const QString& name, const QVariant& value, bool finished);

private:
    void rebuild();
    void setValue(QWidget* editor, const Property& property);

    QFormLayout* form_;
    QList<Property> properties_;
};
