#pragma once
// One node on the canvas: a card with a coloured header (name and kind), key attributes, a footer
// (output shape · parameters · FLOPs), input ports on the left and output ports on the right.
// A problem draws a red (or amber, for a warning) frame and badge, with the message as tooltip.
#include "widgets/nodegraph/NodeGraphModel.h"

#include <QGraphicsItem>
#include <optional>

class EdgeItem;

struct PortHit {
    bool output = false;
    QString name;
};

class NodeItem : public QGraphicsItem {
public:
    enum { Type = UserType + 1 };
    explicit NodeItem(const NodeGraphNode& node);

    void setNode(const NodeGraphNode& node);           // new text, ports or problem (keeps position while dragged)
    const NodeGraphNode& node() const { return node_; }
    QString id() const { return node_.id; }

    QPointF portPos(bool output, const QString& name) const;   // scene coordinates of a port's centre
    std::optional<PortHit> portAt(QPointF scenePos, double radius) const;

    void attach(EdgeItem* edge) { edges_.append(edge); }
    void detach(EdgeItem* edge) { edges_.removeAll(edge); }

    int type() const override { return Type; }
    QSizeF size() const;                                // the card, without ports sticking out
    QRectF boundingRect() const override;
    void paint(QPainter* painter, const QStyleOptionGraphicsItem* option, QWidget* widget) override;

protected:
    QVariant itemChange(GraphicsItemChange change, const QVariant& value) override;

private:
    static QString tipOf(const NodeGraphNode& node);   // the problem, then the badge's lines
    double portY(int index) const;                      // item coordinates
    double footerHeight() const;

    NodeGraphNode node_;
    QList<EdgeItem*> edges_;
};
