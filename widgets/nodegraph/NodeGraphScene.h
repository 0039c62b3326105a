#pragma once
// The canvas scene: draws a NodeGraphModel (one NodeItem per node, one EdgeItem per connection)
// and turns gestures into requests to the model: drag from a port to a port to connect, drag
// nodes to move them (one request when the drag ends), Delete to remove the selection.
// It re-reads the model whenever the model says `changed()`.
#include "widgets/nodegraph/NodeGraphModel.h"

#include <QGraphicsScene>
#include <QHash>

class NodeItem;
class EdgeItem;
class QGraphicsPathItem;

class NodeGraphScene : public QGraphicsScene {
    Q_OBJECT
public:
    explicit NodeGraphScene(NodeGraphModel* model, QObject* parent = nullptr);
    ~NodeGraphScene() override;                         // edges go before the nodes they point at

    NodeGraphModel* model() const { return model_; }
    NodeItem* nodeItem(const QString& id) const { return nodes_.value(id); }
    QList<EdgeItem*> edgeItems() const { return edges_.values(); }

    QStringList selectedNodeIds() const;
    QList<NodeGraphConnection> selectedConnections() const;
    void selectNodes(const QStringList& ids);          // and only those

    // Snap to grid (node positions are rounded to the grid while dragged).
    void setSnapToGrid(bool on) { snap_ = on; }
    bool snapToGrid() const { return snap_; }
    static constexpr double kGrid = 20;
    QPointF snapped(QPointF p) const;

    QRectF nodesBoundingRect() const;
    QString lastRefusal() const { return lastRefusal_; }

public slots:
    void sync();                                        // re-read the model
    void removeSelection();

signals:
    void connectionRefused(const QString& reason, QPointF scenePos);

protected:
    void mousePressEvent(QGraphicsSceneMouseEvent* event) override;
    void mouseMoveEvent(QGraphicsSceneMouseEvent* event) override;
    void mouseReleaseEvent(QGraphicsSceneMouseEvent* event) override;
    void keyPressEvent(QKeyEvent* event) override;

private:
    static QString edgeKey(const NodeGraphConnection& c);
    NodeItem* nodeAt(QPointF scenePos) const;
    void finishConnection(QPointF scenePos);

    NodeGraphModel* model_;
    QHash<QString, NodeItem*> nodes_;
    QHash<QString, EdgeItem*> edges_;
    bool snap_ = true;

    // A connection being dragged from `dragFrom_` (an output, or an input when dragged backwards).
    QGraphicsPathItem* dragPath_ = nullptr;
    NodeGraphPort dragFrom_;
    bool dragFromOutput_ = true;

    // Positions of the dragged nodes when the press began, to send one move when it ends.
    QHash<QString, QPointF> pressPositions_;
    QString lastRefusal_;
};
