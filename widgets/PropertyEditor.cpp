#include "widgets/PropertyEditor.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QRegularExpressionValidator>
#include <QSpinBox>
#include <limits>

PropertyEditor::PropertyEditor(QWidget* parent) : QWidget(parent), form_(new QFormLayout(this))
{
    form_->setContentsMargins(0, 0, 0, 0);
    form_->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
}

QWidget* PropertyEditor::editor(const QString& name) const
{
    return findChild<QWidget*>(QStringLiteral("property:") + name);
}

void PropertyEditor::setProperties(const QList<Property>& properties)
{
    bool sameForm = properties.size() == properties_.size();
    for (int i = 0; sameForm && i < properties.size(); ++i)
        sameForm = properties[i].name == properties_[i].name && properties[i].kind == properties_[i].kind &&
                   properties[i].choices == properties_[i].choices;
    properties_ = properties;
    if (!sameForm)
        return rebuild();
    for (const Property& p : properties_)
        if (QWidget* e = editor(p.name); e && !e->hasFocus())
            setValue(e, p);
}

void PropertyEditor::setValue(QWidget* e, const Property& p)
{
    const QSignalBlocker block(e);
    if (auto* spin = qobject_cast<QSpinBox*>(e))
        spin->setValue(p.value.toInt());
    else if (auto* dspin = qobject_cast<QDoubleSpinBox*>(e))
        dspin->setValue(p.value.toDouble());
    else if (auto* check = qobject_cast<QCheckBox*>(e))
        check->setChecked(p.value.toBool());
    else if (auto* combo = qobject_cast<QComboBox*>(e))
        combo->setCurrentText(p.value.toString());
    else if (auto* line = qobject_cast<QLineEdit*>(e))
        line->setText(p.value.toString());
}

void PropertyEditor::rebuild()
{
    while (form_->rowCount() > 0)
        form_->removeRow(0);
    for (const Property& p : properties_) {
        const QString name = p.name;
        QWidget* e = nullptr;
        switch (p.kind) {
        case Property::Int: {
            auto* spin = new QSpinBox;
            spin->setRange(p.min < p.max ? int(p.min) : std::numeric_limits<int>::min(),
                           p.min < p.max ? int(p.max) : std::numeric_limits<int>::max());
            connect(spin, &QSpinBox::valueChanged, this, [this, name](int v) { emit edited(name, v, false); });
            connect(spin, &QSpinBox::editingFinished, this, [this, name, spin] { emit edited(name, spin->value(), true); });
            e = spin;
            break;
        }
        case Property::Float: {
            auto* spin = new QDoubleSpinBox;
            spin->setDecimals(6);
            spin->setStepType(QAbstractSpinBox::AdaptiveDecimalStepType);
            spin->setRange(p.min < p.max ? p.min : -1e12, p.min < p.max ? p.max : 1e12);
            connect(spin, &QDoubleSpinBox::valueChanged, this, [this, name](double v) { emit edited(name, v, false); });
            connect(spin, &QDoubleSpinBox::editingFinished, this,
                    [this, name, spin] { emit edited(name, spin->value(), true); });
            e = spin;
            break;
        }
        case Property::Bool: {
            auto* check = new QCheckBox;
            connect(check, &QCheckBox::toggled, this, [this, name](bool v) { emit edited(name, v, true); });
            e = check;
            break;
        }
        case Property::Choice: {
            auto* combo = new QComboBox;
            combo->addItems(p.choices);
            connect(combo, &QComboBox::textActivated, this, [this, name](const QString& v) { emit edited(name, v, true); });
            e = combo;
            break;
        }
        case Property::IntList:
        case Property::Text: {
            auto* line = new QLineEdit;
            const QString pattern = p.kind == Property::IntList ? QStringLiteral(R"(\s*-?\d+(\s*[,×x]\s*-?\d+)*\s*)")
                                                                : p.pattern;
            if (!pattern.isEmpty())
                line->setValidator(new QRegularExpressionValidator(QRegularExpression(pattern), line));
            connect(line, &QLineEdit::editingFinished, this, [this, name, line] {
                if (line->hasAcceptableInput())
                    emit edited(name, line->text(), true);
            });
            e = line;
            break;
        }
        }
        e->setObjectName(QStringLiteral("property:") + name);
        e->setToolTip(p.help);
        setValue(e, p);
        auto* label = new QLabel(name);
        label->setToolTip(p.help);
        form_->addRow(label, e);
    }
}
