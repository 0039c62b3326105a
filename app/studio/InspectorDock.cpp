#include "app/studio/InspectorDock.h"

#include "app/studio/Document.h"
#include "app/studio/EditCommands.h"
#include "app/studio/LayerMaths.h"
#include "app/studio/LayerText.h"
#include "engine/export/PyTorchCode.h"
#include "engine/graph/Catalogue.h"
#include "widgets/PropertyEditor.h"

#include <QFontDatabase>
#include <QLabel>
#include <QLineEdit>
#include <QRegularExpressionValidator>
#include <QScrollArea>
#include <QStackedLayout>
#include <QVBoxLayout>

using namespace neurite;

namespace {

QLabel* sectionLabel(const QString& text)
{
    auto* l = new QLabel(text);
    QFont f = l->font();
    f.setBold(true);
    l->setFont(f);
    l->setContentsMargins(0, 8, 0, 0);
    return l;
}

QLabel* wrapped(bool mono = false)
{
    auto* l = new QLabel;
    l->setWordWrap(true);
    l->setTextInteractionFlags(Qt::TextSelectableByMouse);
    if (mono)
        l->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    return l;
}

Property::Kind propertyKind(AttrKind kind)
{
    switch (kind) {
    case AttrKind::Int: return Property::Int;
    case AttrKind::Float: return Property::Float;
    case AttrKind::Bool: return Property::Bool;
    case AttrKind::Choice: return Property::Choice;
    case AttrKind::IntList: return Property::IntList;
    }
    return Property::Text;
}

} // namespace

InspectorDock::InspectorDock(Document* doc, QWidget* parent) : QDockWidget(tr("Inspector"), parent), doc_(doc)
{
    setObjectName(QStringLiteral("InspectorDock"));
    auto* scroll = new QScrollArea;
    scroll->setWidgetResizable(true);
    auto* page = new QWidget;
    pages_ = new QStackedLayout(page);
    placeholder_ = new QLabel(tr("Select a layer on the canvas to see its attributes, its maths with this model's "
                                 "shapes and its PyTorch equivalent."));
    placeholder_->setWordWrap(true);
    placeholder_->setAlignment(Qt::AlignTop | Qt::AlignLeft);
    placeholder_->setMargin(8);
    body_ = new QWidget;
    auto* v = new QVBoxLayout(body_);
    title_ = new QLabel;
    QFont big = title_->font();
    big.setPointSizeF(big.pointSizeF() * 1.3);
    big.setBold(true);
    title_->setFont(big);
    name_ = new QLineEdit;
    name_->setObjectName(QStringLiteral("inspector:name"));
    name_->setValidator(new QRegularExpressionValidator(QRegularExpression(QStringLiteral("[A-Za-z_][A-Za-z0-9_\\-]*")), name_));
    nameError_ = wrapped();
    nameError_->setStyleSheet(QStringLiteral("color: #D63636"));
    summary_ = wrapped();
    properties_ = new PropertyEditor;
    maths_ = wrapped(true);
    maths_->setObjectName(QStringLiteral("inspector:maths"));
    cost_ = wrapped();
    problems_ = wrapped();
    problems_->setStyleSheet(QStringLiteral("color: #D63636"));
    pytorch_ = wrapped(true);
    onnx_ = wrapped();
    onnx_->setObjectName(QStringLiteral("inspector:onnx"));
    v->addWidget(title_);
    v->addWidget(name_);
    v->addWidget(nameError_);
    v->addWidget(problems_);
    v->addWidget(summary_);
    v->addWidget(sectionLabel(tr("Attributes")));
    v->addWidget(properties_);
    v->addWidget(sectionLabel(tr("Maths")));
    v->addWidget(maths_);
    v->addWidget(cost_);
    v->addWidget(sectionLabel(tr("PyTorch")));
    v->addWidget(pytorch_);
    v->addWidget(sectionLabel(tr("ONNX export")));
    v->addWidget(onnx_);
    v->addStretch();
    pages_->addWidget(placeholder_);
    pages_->addWidget(body_);
    scroll->setWidget(page);
    setWidget(scroll);

    connect(doc, &Document::graphChanged, this, &InspectorDock::refresh);
    connect(properties_, &PropertyEditor::edited, this, &InspectorDock::applyEdit);
    connect(name_, &QLineEdit::editingFinished, this, &InspectorDock::applyRename);
    refresh();
}

void InspectorDock::showNodes(const QStringList& ids)
{
    const QString next = ids.size() == 1 ? ids.first() : QString();
    placeholder_->setText(ids.size() > 1 ? tr("%n layers selected.", nullptr, int(ids.size()))
                                         : tr("Select a layer on the canvas to see its attributes, its maths with "
                                              "this model's shapes and its PyTorch equivalent."));
    if (next != id_)
        nameError_->clear();
    id_ = next;
    refresh();
}

QString InspectorDock::mathsText() const { return maths_->text(); }

void InspectorDock::refresh()
{
    const Node* node = id_.isEmpty() ? nullptr : doc_->graph().find(id_.toStdString());
    const LayerSpec* spec = node ? Catalogue::instance().find(node->type) : nullptr;
    pages_->setCurrentWidget(spec ? body_ : static_cast<QWidget*>(placeholder_));
    if (!spec)
        return;
    const GraphAnalysis& a = doc_->analysis();
    const auto infoIt = a.nodes.find(node->id);
    const NodeInfo info = infoIt != a.nodes.end() ? infoIt->second : NodeInfo{};

    title_->setText(QString::fromStdString(spec->type) + QStringLiteral("  ·  ") + QString::fromStdString(spec->category));
    if (!name_->hasFocus())
        name_->setText(id_);
    summary_->setText(QString::fromStdString(spec->summary));

    QList<Property> props;
    for (const AttrSpec& as : spec->attrs) {
        Property p;
        p.name = QString::fromStdString(as.name);
        p.kind = propertyKind(as.kind);
        p.min = as.min;
        p.max = as.max;
        for (const auto& c : as.choices)
            p.choices << QString::fromStdString(c);
        p.help = QString::fromStdString(as.help);
        const nlohmann::json& v = node->attrs.contains(as.name) ? node->attrs[as.name] : as.defaultValue;
        switch (as.kind) {
        case AttrKind::Int: p.value = v.is_number() ? v.get<int>() : 0; break;
        case AttrKind::Float: p.value = v.is_number() ? v.get<double>() : 0.0; break;
        case AttrKind::Bool: p.value = v.is_boolean() && v.get<bool>(); break;
        default: p.value = attrValueText(v); break;
        }
        props << p;
    }
    properties_->setProperties(props);

    QStringList problems;
    for (const Diagnostic& d : a.problems)
        if (d.nodeId == node->id)
            problems << QStringLiteral("⚠ ") + QString::fromStdString(d.message) +
                            (d.hint.empty() ? QString() : QStringLiteral(" — ") + QString::fromStdString(d.hint));
    problems_->setText(problems.join('\n'));
    problems_->setVisible(!problems.isEmpty());

    const QStringList maths = layerMaths(*node, info, a.batch);
    maths_->setText(maths.isEmpty() ? QString::fromStdString(spec->maths) + tr("\n(shapes appear once the input is connected)")
                                    : maths.join('\n'));
    if (info.shaped) {
        QStringList cost{tr("%1 FLOPs per sample (%2 per batch of %3)")
                             .arg(countText(double(info.flops)), countText(double(info.flops) * double(a.batch)))
                             .arg(a.batch)};
        if (info.params)
            cost << tr("%1 parameters (%2)").arg(countText(double(info.params)), bytesText(double(info.params) * 4));
        cost << tr("output %1 per batch").arg(bytesText(double(info.activationBytes)));
        cost_->setText(cost.join(QStringLiteral(" · ")));
    } else {
        cost_->clear();
    }
    const std::string module = spec->role == LayerRole::Input ? std::string() : pytorchModule(*node, info);
    pytorch_->setText(module.empty() ? tr("(the input: the x passed to forward())")
                                     : QStringLiteral("self.%1 = %2").arg(QString::fromStdString(pythonName(node->id)),
                                                                          QString::fromStdString(module)));
    onnx_->setText(QString::fromStdString(spec->onnx));   // the catalogue's mapping, as the exporter writes it
}

void InspectorDock::applyEdit(const QString& qname, const QVariant& value, bool finished)
{
    const Node* node = doc_->graph().find(id_.toStdString());
    const LayerSpec* spec = node ? Catalogue::instance().find(node->type) : nullptr;
    const AttrSpec* as = spec ? spec->attr(qname.toStdString()) : nullptr;
    if (!as)
        return;
    nlohmann::json v;
    switch (as->kind) {
    case AttrKind::Int: v = value.toInt(); break;
    case AttrKind::Float: v = value.toDouble(); break;
    case AttrKind::Bool: v = value.toBool(); break;
    case AttrKind::Choice: v = value.toString().toStdString(); break;
    case AttrKind::IntList: {
        v = nlohmann::json::array();
        for (const QString& part : value.toString().split(QRegularExpression(QStringLiteral("[,×x\\s]+")), Qt::SkipEmptyParts))
            v.push_back(part.toInt());
        break;
    }
    }
    const nlohmann::json stored = v == as->defaultValue ? nlohmann::json() : v;  // defaults are not written
    const nlohmann::json current = node->attrs.contains(as->name) ? node->attrs[as->name] : nlohmann::json();
    if (stored == current) {
        // No change: only close an open merge, so the next edit starts a new command.
        const auto* top = dynamic_cast<const SetAttributeCommand*>(doc_->undoStack()->command(doc_->undoStack()->index() - 1));
        if (!(finished && top && top->isOpenFor(node->id, as->name)))
            return;
    }
    doc_->push(new SetAttributeCommand(doc_, node->id, as->name, stored, finished));
}

void InspectorDock::applyRename()
{
    const QString next = name_->text().trimmed();
    if (id_.isEmpty() || next == id_)
        return;
    if (next.isEmpty() || doc_->graph().find(next.toStdString())) {
        nameError_->setText(next.isEmpty() ? tr("A layer needs a name.") : tr("'%1' is already taken.").arg(next));
        name_->setText(id_);
        return;
    }
    nameError_->clear();
    doc_->push(new RenameNodeCommand(doc_, id_.toStdString(), next.toStdString()));
    id_ = next;
    emit renamed(next);
    refresh();
}
