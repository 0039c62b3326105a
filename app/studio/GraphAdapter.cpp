#include "app/studio/GraphAdapter.h"

#include "app/studio/EditCommands.h"
#include "app/studio/LayerText.h"
#include "engine/graph/Catalogue.h"

#include <QSet>
#include <cmath>

using namespace neurite;

GraphAdapter::GraphAdapter(Document* doc, QObject* parent) : NodeGraphModel(parent), doc_(doc)
{
    connect(doc, &Document::graphChanged, this, &NodeGraphModel::changed);
}

QStringList GraphAdapter::nodeIds() const
{
    QStringList ids;
    for (const Node& n : doc_->graph().nodes)
        ids << QString::fromStdString(n.id);
    return ids;
}

NodeGraphNode GraphAdapter::node(const QString& qid) const
{
    const std::string id = qid.toStdString();
    const Node* n = doc_->graph().find(id);
    NodeGraphNode out;
    if (!n)
        return out;
    out.id = qid;
    out.title = QString::fromStdString(n->type);
    out.pos = QPointF(n->x, n->y);
    if (const LayerSpec* spec = Catalogue::instance().find(n->type)) {
        out.accent = categoryColour(spec->category);
        out.details = keyAttributes(*n, *spec);
        for (const auto& p : spec->inputs)
            out.inputs << QString::fromStdString(p);
        for (const auto& p : spec->outputs)
            out.outputs << QString::fromStdString(p);
    } else {
        out.accent = categoryColour("");
        out.inputs << QStringLiteral("in");
        out.outputs << QStringLiteral("out");
    }
    const GraphAnalysis& a = doc_->analysis();
    if (auto it = a.nodes.find(id); it != a.nodes.end() && it->second.shaped) {
        const NodeInfo& info = it->second;
        QStringList cost;
        if (info.params)
            cost << countText(double(info.params)) + tr(" params");
        if (info.flops)
            cost << countText(double(info.flops)) + tr(" FLOPs");
        out.footer = QStringLiteral("→ ") + shapeText(info.output);
        if (!cost.isEmpty())
            out.footer += '\n' + cost.join(QStringLiteral(" · "));
    } else {
        out.footer = tr("→ ? (no shape yet)");
    }
    QStringList problems;
    bool onlyWarnings = true;
    for (const Diagnostic& d : a.problems) {
        if (d.nodeId != id)
            continue;
        problems << QString::fromStdString(d.message) +
                        (d.hint.empty() ? QString() : QStringLiteral("\nHint: ") + QString::fromStdString(d.hint));
        onlyWarnings &= d.warning;
    }
    out.problem = problems.join(QStringLiteral("\n\n"));
    out.warningOnly = !problems.isEmpty() && onlyWarnings;
    if (auto badge = badges_.find(qid); badge != badges_.end()) {
        out.badge = badge->glyph;
        out.badgeColour = badge->colour;
        out.badgeTip = badge->tip;
    }
    return out;
}

void GraphAdapter::setBadges(const QHash<QString, NodeBadge>& badges)
{
    if (badges == badges_)
        return;
    badges_ = badges;
    emit changed();
}

QList<NodeGraphConnection> GraphAdapter::connections() const
{
    QList<NodeGraphConnection> out;
    const GraphAnalysis& a = doc_->analysis();
    for (const Edge& e : doc_->graph().edges) {
        NodeGraphConnection c{{QString::fromStdString(e.from.node), QString::fromStdString(e.from.port)},
                              {QString::fromStdString(e.to.node), QString::fromStdString(e.to.port)},
                              {}};
        if (auto it = a.nodes.find(e.from.node); it != a.nodes.end() && it->second.shaped)
            c.label = shapeText(it->second.output);
        out << c;
    }
    return out;
}

bool GraphAdapter::reaches(const std::string& from, const std::string& to) const
{
    QSet<QString> seen;
    std::vector<std::string> stack{from};
    while (!stack.empty()) {
        const std::string at = stack.back();
        stack.pop_back();
        if (at == to)
            return true;
        if (seen.contains(QString::fromStdString(at)))
            continue;
        seen.insert(QString::fromStdString(at));
        for (const Edge& e : doc_->graph().edges)
            if (e.from.node == at)
                stack.push_back(e.to.node);
    }
    return false;
}

bool GraphAdapter::canConnect(const NodeGraphPort& from, const NodeGraphPort& to, QString* reason) const
{
    auto refuse = [&](const QString& why) {
        if (reason)
            *reason = why;
        return false;
    };
    const Node* source = doc_->graph().find(from.node.toStdString());
    const Node* target = doc_->graph().find(to.node.toStdString());
    if (!source || !target)
        return refuse(tr("That node no longer exists."));
    if (source == target)
        return refuse(tr("A layer cannot feed itself."));
    const LayerSpec* targetSpec = Catalogue::instance().find(target->type);
    if (targetSpec && targetSpec->inputs.empty())
        return refuse(tr("'%1' is an Input: data enters the network there, nothing can feed it.").arg(to.node));
    const Edge edge{{source->id, from.port.toStdString()}, {target->id, to.port.toStdString()}};
    for (const Edge& e : doc_->graph().edges)
        if (e == edge)
            return refuse(tr("'%1' already feeds '%2' there.").arg(from.node, to.node));
    if (reaches(target->id, source->id))
        return refuse(tr("That would make a cycle: '%1' already feeds '%2'. A network is a graph without cycles.")
                          .arg(to.node, from.node));
    return true;
}

void GraphAdapter::connectPorts(const NodeGraphPort& from, const NodeGraphPort& to)
{
    doc_->push(new ConnectCommand(doc_, Edge{{from.node.toStdString(), from.port.toStdString()},
                                             {to.node.toStdString(), to.port.toStdString()}}));
}

void GraphAdapter::moveNodes(const QList<QString>& ids, const QList<QPointF>& positions, bool nudge)
{
    std::vector<MoveNodesCommand::Move> moves;
    for (int i = 0; i < ids.size(); ++i)
        if (const Node* n = doc_->graph().find(ids[i].toStdString()))
            moves.push_back({n->id, QPointF(n->x, n->y), positions[i]});
    if (moves.empty())
        return;
    const QString text = moves.size() == 1 ? tr("Move %1").arg(ids.first()) : tr("Move %n node(s)", nullptr, int(moves.size()));
    doc_->push(new MoveNodesCommand(doc_, std::move(moves), text, nudge));
}

void GraphAdapter::removeItems(const QStringList& nodeIds, const QList<NodeGraphConnection>& connections)
{
    std::vector<std::string> ids;
    for (const QString& id : nodeIds)
        ids.push_back(id.toStdString());
    std::vector<Edge> edges;
    for (const NodeGraphConnection& c : connections)
        edges.push_back({{c.from.node.toStdString(), c.from.port.toStdString()}, {c.to.node.toStdString(), c.to.port.toStdString()}});
    doc_->push(new RemoveItemsCommand(doc_, ids, edges));
}

void GraphAdapter::dropItem(const QString& layerType, QPointF scenePos)
{
    addLayer(layerType, scenePos);
}

void GraphAdapter::addLayer(const QString& layerType, QPointF scenePos)
{
    const LayerSpec* spec = Catalogue::instance().find(layerType.toStdString());
    if (!spec)
        return;
    Node node;
    node.type = spec->type;
    const QString base = spec->role == LayerRole::Loss ? QStringLiteral("loss") : layerType.toLower();
    node.id = doc_->uniqueId(base).toStdString();
    // The card's header under the cursor, on the grid.
    node.x = std::round((scenePos.x() - 100) / 20) * 20;
    node.y = std::round((scenePos.y() - 12) / 20) * 20;
    // Never exactly on another card (double-clicking the palette twice): cascade down and right.
    auto taken = [&] {
        for (const Node& other : doc_->graph().nodes)
            if (std::abs(other.x - node.x) < 20 && std::abs(other.y - node.y) < 20)
                return true;
        return false;
    };
    while (taken()) {
        node.x += 40;
        node.y += 40;
    }
    doc_->push(new AddNodesCommand(doc_, {node}, {}, tr("Add %1").arg(QString::fromStdString(node.id))));
}
