#include "widgets/nodegraph/NodeGraphScene.h"

#include "widgets/nodegraph/EdgeItem.h"
#include "widgets/nodegraph/NodeItem.h"

#include <QGraphicsPathItem>
#include <QGraphicsSceneMouseEvent>
#include <QGraphicsView>
#include <QKeyEvent>
#include <QPalette>
#include <QApplication>
#include <QSet>
#include <QToolTip>
#include <cmath>

NodeGraphScene::NodeGraphScene(NodeGraphModel* model, QObject* parent) : QGraphicsScene(parent), model_(model)
{
    // Nodes are few and move often: no spatial index to keep up to date.
    setItemIndexMethod(QGraphicsScene::NoIndex);
    connect(model_, &NodeGraphModel::changed, this, &NodeGraphScene::sync);
    sync();
}

NodeGraphScene::~NodeGraphScene()
{
    const QSignalBlocker quiet(this);
    qDeleteAll(edges_);
    qDeleteAll(nodes_);
}

QString NodeGraphScene::edgeKey(const NodeGraphConnection& c)
{
    return c.from.node + '.' + c.from.port + '>' + c.to.node + '.' + c.to.port;
}

QPointF NodeGraphScene::snapped(QPointF p) const
{
    if (!snap_)
        return p;
    return {std::round(p.x() / kGrid) * kGrid, std::round(p.y() / kGrid) * kGrid};
}

void NodeGraphScene::sync()
{
    const QStringList ids = model_->nodeIds();
    const QSet<QString> keep(ids.begin(), ids.end());

    // Edges first: they point at nodes.
    const QList<NodeGraphConnection> connections = model_->connections();
    QSet<QString> liveEdges;
    for (const NodeGraphConnection& c : connections)
        liveEdges.insert(edgeKey(c));
    for (auto it = edges_.begin(); it != edges_.end();) {
        if (!liveEdges.contains(it.key()) || !keep.contains(it.value()->connection().from.node) ||
            !keep.contains(it.value()->connection().to.node)) {
            delete it.value();
            it = edges_.erase(it);
        } else {
            ++it;
        }
    }
    for (auto it = nodes_.begin(); it != nodes_.end();) {
        if (!keep.contains(it.key())) {
            delete it.value();
            it = nodes_.erase(it);
        } else {
            ++it;
        }
    }
    for (const QString& id : ids) {
        const NodeGraphNode n = model_->node(id);
        if (NodeItem* item = nodes_.value(id)) {
            item->setNode(n);
            if (!pressPositions_.contains(id) && item->pos() != n.pos)
                item->setPos(n.pos);
        } else {
            auto* created = new NodeItem(n);
            addItem(created);
            nodes_.insert(id, created);
        }
    }
    for (const NodeGraphConnection& c : connections) {
        const QString key = edgeKey(c);
        if (EdgeItem* edge = edges_.value(key)) {
            edge->setLabel(c.label);
            edge->updatePath();
            continue;
        }
        NodeItem* from = nodes_.value(c.from.node);
        NodeItem* to = nodes_.value(c.to.node);
        if (!from || !to)
            continue;
        auto* edge = new EdgeItem(c, from, to);
        addItem(edge);
        edges_.insert(key, edge);
    }
    if (const QRectF room = nodesBoundingRect().adjusted(-2000, -2000, 2000, 2000); room != sceneRect())
        setSceneRect(room);
}

QRectF NodeGraphScene::nodesBoundingRect() const
{
    QRectF r;
    for (NodeItem* item : nodes_)
        r = r.united(item->sceneBoundingRect());
    return r;
}

QStringList NodeGraphScene::selectedNodeIds() const
{
    QStringList ids;
    for (QGraphicsItem* item : selectedItems())
        if (item->type() == NodeItem::Type)
            ids << static_cast<NodeItem*>(item)->id();
    // Stable order: the model's.
    QStringList ordered;
    for (const QString& id : model_->nodeIds())
        if (ids.contains(id))
            ordered << id;
    return ordered;
}

QList<NodeGraphConnection> NodeGraphScene::selectedConnections() const
{
    QList<NodeGraphConnection> out;
    for (QGraphicsItem* item : selectedItems())
        if (item->type() == EdgeItem::Type)
            out << static_cast<EdgeItem*>(item)->connection();
    return out;
}

void NodeGraphScene::selectNodes(const QStringList& ids)
{
    {
        const QSignalBlocker quiet(this);  // one selectionChanged for the whole change
        clearSelection();
        for (const QString& id : ids)
            if (NodeItem* item = nodes_.value(id))
                item->setSelected(true);
    }
    emit selectionChanged();
}

void NodeGraphScene::removeSelection()
{
    const QStringList ids = selectedNodeIds();
    const QList<NodeGraphConnection> edges = selectedConnections();
    if (!ids.isEmpty() || !edges.isEmpty())
        model_->removeItems(ids, edges);
}

NodeItem* NodeGraphScene::nodeAt(QPointF scenePos) const
{
    for (QGraphicsItem* item : items(scenePos, Qt::IntersectsItemBoundingRect))
        if (item->type() == NodeItem::Type)
            return static_cast<NodeItem*>(item);
    return nullptr;
}

void NodeGraphScene::mousePressEvent(QGraphicsSceneMouseEvent* event)
{
    if (event->button() == Qt::LeftButton) {
        if (NodeItem* node = nodeAt(event->scenePos())) {
            if (auto hit = node->portAt(event->scenePos(), 9)) {
                lastRefusal_.clear();
                dragFrom_ = {node->id(), hit->name};
                dragFromOutput_ = hit->output;
                dragPath_ = new QGraphicsPathItem;
                dragPath_->setPen(QPen(QApplication::palette().color(QPalette::Highlight), 2, Qt::DashLine));
                dragPath_->setZValue(3);
                addItem(dragPath_);
                mouseMoveEvent(event);
                event->accept();
                return;
            }
        }
    }
    QGraphicsScene::mousePressEvent(event);
    pressPositions_.clear();
    if (event->button() == Qt::LeftButton)
        for (QGraphicsItem* item : selectedItems())
            if (item->type() == NodeItem::Type)
                pressPositions_.insert(static_cast<NodeItem*>(item)->id(), item->pos());
}

void NodeGraphScene::mouseMoveEvent(QGraphicsSceneMouseEvent* event)
{
    if (dragPath_) {
        NodeItem* from = nodes_.value(dragFrom_.node);
        const QPointF port = from ? from->portPos(dragFromOutput_, dragFrom_.port) : event->scenePos();
        dragPath_->setPath(dragFromOutput_ ? EdgeItem::curve(port, event->scenePos())
                                           : EdgeItem::curve(event->scenePos(), port));
        return;
    }
    QGraphicsScene::mouseMoveEvent(event);
}

void NodeGraphScene::finishConnection(QPointF scenePos)
{
    NodeItem* target = nodeAt(scenePos);
    if (!target)
        return;  // dropped on empty canvas: nothing to say
    // Back on its own node: a slip, unless it lands on one of the node's own ports.
    if (target->id() == dragFrom_.node && !target->portAt(scenePos, 12))
        return;
    // On the port if the cursor is on one; else the node's only free-side port.
    std::optional<PortHit> hit = target->portAt(scenePos, 12);
    const QStringList& ports = dragFromOutput_ ? target->node().inputs : target->node().outputs;
    if (!hit || hit->output == dragFromOutput_) {
        if (ports.size() == 1) {
            hit = PortHit{!dragFromOutput_, ports.first()};
        } else if (ports.isEmpty()) {
            lastRefusal_ = dragFromOutput_ ? tr("'%1' has no input").arg(target->id())
                                           : tr("'%1' has no output").arg(target->id());
            emit connectionRefused(lastRefusal_, scenePos);
            return;
        } else {
            for (const QString& port : ports) {  // the first unconnected input, else the first port
                bool used = false;
                for (const NodeGraphConnection& c : model_->connections())
                    used |= c.to.node == target->id() && c.to.port == port;
                if (!used || port == ports.last()) {
                    hit = PortHit{!dragFromOutput_, port};
                    break;
                }
            }
        }
    }
    const NodeGraphPort other{target->id(), hit->name};
    const NodeGraphPort from = dragFromOutput_ ? dragFrom_ : other;
    const NodeGraphPort to = dragFromOutput_ ? other : dragFrom_;
    QString reason;
    if (!model_->canConnect(from, to, &reason)) {
        lastRefusal_ = reason;
        emit connectionRefused(reason, scenePos);
        return;
    }
    lastRefusal_.clear();
    model_->connectPorts(from, to);
}

void NodeGraphScene::mouseReleaseEvent(QGraphicsSceneMouseEvent* event)
{
    if (dragPath_) {
        delete dragPath_;
        dragPath_ = nullptr;
        finishConnection(event->scenePos());
        return;
    }
    QGraphicsScene::mouseReleaseEvent(event);
    if (pressPositions_.isEmpty())
        return;
    QList<QString> moved;
    QList<QPointF> positions;
    for (auto it = pressPositions_.cbegin(); it != pressPositions_.cend(); ++it) {
        NodeItem* item = nodes_.value(it.key());
        if (item && item->pos() != it.value()) {
            moved << it.key();
            positions << item->pos();
        }
    }
    pressPositions_.clear();
    if (!moved.isEmpty())
        model_->moveNodes(moved, positions);
}

void NodeGraphScene::keyPressEvent(QKeyEvent* event)
{
    if (event->key() == Qt::Key_Delete || event->key() == Qt::Key_Backspace) {
        removeSelection();
        event->accept();
        return;
    }
    // Arrow keys nudge the selected nodes one grid step (five with Shift).
    const QHash<int, QPointF> directions{{Qt::Key_Left, {-1, 0}}, {Qt::Key_Right, {1, 0}}, {Qt::Key_Up, {0, -1}},
                                         {Qt::Key_Down, {0, 1}}};
    const QStringList ids = selectedNodeIds();
    if (directions.contains(event->key()) && !ids.isEmpty() && !focusItem()) {
        const QPointF step = directions.value(event->key()) * kGrid * (event->modifiers() & Qt::ShiftModifier ? 5 : 1);
        QList<QPointF> positions;
        for (const QString& id : ids)
            positions << nodes_.value(id)->pos() + step;
        model_->moveNodes(ids, positions, true);
        event->accept();
        return;
    }
    QGraphicsScene::keyPressEvent(event);
}
