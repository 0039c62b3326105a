#pragma once
// A connection on the canvas: a curve from an output port to an input port, labelled with the
// tensor shape it carries. It follows its two nodes when they move.
#include "widgets/nodegraph/NodeGraphModel.h"

#include <QGraphicsPathItem>

class NodeItem;

class EdgeItem : public QGraphicsPathItem {
public:
    enum { Type = UserType + 2 };
    EdgeItem(const NodeGraphConnection& connection, NodeItem* from, NodeItem* to);
    ~EdgeItem() override;

    const NodeGraphConnection& connection() const { return connection_; }
    void setLabel(const QString& label);
    void updatePath();

    // The curve between two points, shared with the connection being dragged.
    static QPainterPath curve(QPointF from, QPointF to);

    int type() const override { return Type; }
    QRectF boundingRect() const override;
    QPainterPath shape() const override;
    void paint(QPainter* painter, const QStyleOptionGraphicsItem* option, QWidget* widget) override;

private:
    QRectF computeLabelRect() const;

    NodeGraphConnection connection_;
    NodeItem* from_;
    NodeItem* to_;
    QRectF labelRect_;                  // item coordinates (the path's); empty without a label
};
