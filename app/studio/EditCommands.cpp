#include "app/studio/EditCommands.h"

#include <algorithm>

using namespace neurite;

AddNodesCommand::AddNodesCommand(Document* doc, std::vector<Node> nodes, std::vector<Edge> edges, const QString& text)
    : doc_(doc), nodes_(std::move(nodes)), edges_(std::move(edges))
{
    setText(text);
}

void AddNodesCommand::redo()
{
    const Document::Batch batch(doc_);
    for (const Node& n : nodes_)
        doc_->insertNode(n, int(doc_->graph().nodes.size()));
    for (const Edge& e : edges_)
        doc_->insertEdge(e, int(doc_->graph().edges.size()));
}

void AddNodesCommand::undo()
{
    const Document::Batch batch(doc_);
    for (auto e = edges_.rbegin(); e != edges_.rend(); ++e)
        doc_->removeEdge(*e);
    for (auto n = nodes_.rbegin(); n != nodes_.rend(); ++n)
        doc_->removeNode(n->id);
}

RemoveItemsCommand::RemoveItemsCommand(Document* doc, const std::vector<std::string>& nodeIds,
                                       const std::vector<Edge>& edges)
    : doc_(doc)
{
    const ModelGraph& g = doc->graph();
    auto removedNode = [&](const std::string& id) { return std::find(nodeIds.begin(), nodeIds.end(), id) != nodeIds.end(); };
    for (int i = 0; i < int(g.nodes.size()); ++i)
        if (removedNode(g.nodes[i].id))
            nodes_.emplace_back(i, g.nodes[i]);
    for (int i = 0; i < int(g.edges.size()); ++i) {
        const Edge& e = g.edges[i];
        if (removedNode(e.from.node) || removedNode(e.to.node) || std::find(edges.begin(), edges.end(), e) != edges.end())
            edges_.emplace_back(i, e);
    }
    if (nodes_.size() == 1)
        setText(QObject::tr("Delete %1").arg(QString::fromStdString(nodes_[0].second.id)));
    else if (nodes_.empty())
        setText(QObject::tr("Delete %n connection(s)", nullptr, int(edges_.size())));
    else
        setText(QObject::tr("Delete %n node(s)", nullptr, int(nodes_.size())));
}

void RemoveItemsCommand::redo()
{
    const Document::Batch batch(doc_);
    for (const auto& [index, e] : edges_)
        doc_->removeEdge(e);
    for (const auto& [index, n] : nodes_)
        doc_->removeNode(n.id);
}

void RemoveItemsCommand::undo()
{
    const Document::Batch batch(doc_);
    for (const auto& [index, n] : nodes_)
        doc_->insertNode(n, index);
    for (const auto& [index, e] : edges_)
        doc_->insertEdge(e, index);
}

ConnectCommand::ConnectCommand(Document* doc, Edge edge) : doc_(doc), edge_(std::move(edge))
{
    const auto& edges = doc->graph().edges;
    for (int i = 0; i < int(edges.size()); ++i)
        if (edges[i].to == edge_.to)
            replaced_.emplace(i, edges[i]);
    setText(QObject::tr("Connect %1 → %2")
                .arg(QString::fromStdString(edge_.from.node), QString::fromStdString(edge_.to.node)));
}

void ConnectCommand::redo()
{
    const Document::Batch batch(doc_);
    if (replaced_)
        doc_->removeEdge(replaced_->second);
    doc_->insertEdge(edge_, int(doc_->graph().edges.size()));
}

void ConnectCommand::undo()
{
    const Document::Batch batch(doc_);
    doc_->removeEdge(edge_);
    if (replaced_)
        doc_->insertEdge(replaced_->second, replaced_->first);
}

MoveNodesCommand::MoveNodesCommand(Document* doc, std::vector<Move> moves, const QString& text, bool nudge)
    : doc_(doc), moves_(std::move(moves)), nudge_(nudge)
{
    setText(text);
}

bool MoveNodesCommand::mergeWith(const QUndoCommand* other)
{
    const auto* next = static_cast<const MoveNodesCommand*>(other);
    if (next->moves_.size() != moves_.size())
        return false;
    for (std::size_t i = 0; i < moves_.size(); ++i)
        if (next->moves_[i].id != moves_[i].id)
            return false;
    for (std::size_t i = 0; i < moves_.size(); ++i)
        moves_[i].to = next->moves_[i].to;
    return true;
}

void MoveNodesCommand::apply(bool forward)
{
    const Document::Batch batch(doc_);
    for (const Move& m : moves_) {
        const QPointF p = forward ? m.to : m.from;
        doc_->setNodePosition(m.id, p.x(), p.y());
    }
}

void MoveNodesCommand::redo() { apply(true); }
void MoveNodesCommand::undo() { apply(false); }

SetAttributeCommand::SetAttributeCommand(Document* doc, std::string node, std::string name, nlohmann::json value,
                                         bool finished)
    : doc_(doc), node_(std::move(node)), name_(std::move(name)), after_(std::move(value)), finished_(finished)
{
    if (const Node* n = doc->graph().find(node_); n && n->attrs.contains(name_))
        before_ = n->attrs[name_];
    setText(QObject::tr("Set %1.%2").arg(QString::fromStdString(node_), QString::fromStdString(name_)));
}

void SetAttributeCommand::redo() { doc_->setAttribute(node_, name_, after_); }
void SetAttributeCommand::undo() { doc_->setAttribute(node_, name_, before_); }

bool SetAttributeCommand::mergeWith(const QUndoCommand* other)
{
    const auto* next = static_cast<const SetAttributeCommand*>(other);
    if (finished_ || next->node_ != node_ || next->name_ != name_)
        return false;
    after_ = next->after_;
    finished_ = next->finished_;
    setObsolete(after_ == before_);  // scrubbed back to where it started: nothing to undo
    return true;
}

RenameNodeCommand::RenameNodeCommand(Document* doc, std::string from, std::string to)
    : doc_(doc), from_(std::move(from)), to_(std::move(to))
{
    setText(QObject::tr("Rename %1 → %2").arg(QString::fromStdString(from_), QString::fromStdString(to_)));
}

SetTrainingCommand::SetTrainingCommand(Document* doc, nlohmann::json training)
    : doc_(doc), before_(doc->graph().training), after_(std::move(training))
{
    setText(QObject::tr("Change training settings"));
}

bool SetTrainingCommand::mergeWith(const QUndoCommand* other)
{
    after_ = static_cast<const SetTrainingCommand*>(other)->after_;
    setObsolete(after_ == before_);
    return true;
}
