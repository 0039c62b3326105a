#include "widgets/nodegraph/EdgeItem.h"

#include "widgets/nodegraph/NodeItem.h"

#include <QApplication>
#include <QFontMetricsF>
#include <QPainter>
#include <QPainterPathStroker>
#include <QPalette>
#include <QStyleOptionGraphicsItem>
#include <cmath>

EdgeItem::EdgeItem(const NodeGraphConnection& connection, NodeItem* from, NodeItem* to)
    : connection_(connection), from_(from), to_(to)
{
    setFlags(ItemIsSelectable);
    setZValue(0);
    from_->attach(this);
    to_->attach(this);
    updatePath();
}

EdgeItem::~EdgeItem()
{
    from_->detach(this);
    to_->detach(this);
}

void EdgeItem::setLabel(const QString& label)
{
    if (label == connection_.label)
        return;
    prepareGeometryChange();
    connection_.label = label;
    labelRect_ = computeLabelRect();
}

QPainterPath EdgeItem::curve(QPointF from, QPointF to)
{
    const double bend = std::max(40.0, std::abs(to.x() - from.x()) * 0.5);
    QPainterPath path(from);
    path.cubicTo(from + QPointF(bend, 0), to - QPointF(bend, 0), to);
    return path;
}

void EdgeItem::updatePath()
{
    const QPainterPath moved = curve(from_->portPos(true, connection_.from.port), to_->portPos(false, connection_.to.port));
    if (moved == path())
        return;   // nothing to redraw (the scene asks after every change of the model)
    prepareGeometryChange();
    setPath(moved);
    labelRect_ = computeLabelRect();
}

QRectF EdgeItem::computeLabelRect() const
{
    if (connection_.label.isEmpty())
        return {};
    QFont small = QApplication::font();
    small.setPointSizeF(small.pointSizeF() * 0.8);
    const QSizeF text = QFontMetricsF(small).size(Qt::TextSingleLine, connection_.label) + QSizeF(8, 2);
    // Just above the middle of the curve, so the label never hides the line or a port. The middle
    // of a cubic Bézier is (P0 + 3·P1 + 3·P2 + P3) / 8 (pointAtPercent measures the whole length).
    const QPainterPath& c = path();
    const QPointF mid = (QPointF(c.elementAt(0)) + 3 * QPointF(c.elementAt(1)) + 3 * QPointF(c.elementAt(2)) +
                         QPointF(c.elementAt(3))) / 8;
    return QRectF(mid - QPointF(text.width() / 2, text.height() + 2), text);
}

QRectF EdgeItem::boundingRect() const
{
    return path().boundingRect().adjusted(-3, -3, 3, 3).united(labelRect_);
}

QPainterPath EdgeItem::shape() const
{
    QPainterPathStroker stroker;
    stroker.setWidth(8);
    return stroker.createStroke(path());
}

void EdgeItem::paint(QPainter* p, const QStyleOptionGraphicsItem* option, QWidget*)
{
    const QPalette pal = QApplication::palette();
    const bool selected = option->state & QStyle::State_Selected;
    const double lod = option->levelOfDetailFromTransform(p->worldTransform());
    p->setRenderHint(QPainter::Antialiasing, lod >= 0.35);  // far out, plain lines draw faster
    p->setPen(QPen(selected ? pal.color(QPalette::Highlight) : pal.color(QPalette::Dark), selected ? 3 : 1.6));
    p->setBrush(Qt::NoBrush);
    if (lod < 0.35) {  // far out a straight line looks the same and draws several times faster
        p->drawLine(QPointF(path().elementAt(0)), QPointF(path().elementAt(3)));
        return;
    }
    p->drawPath(path());
    const QRectF label = labelRect_;
    if (label.isEmpty() || lod < 0.5)
        return;
    QFont small = QApplication::font();
    small.setPointSizeF(small.pointSizeF() * 0.8);
    p->setFont(small);
    p->setPen(Qt::NoPen);
    p->setBrush(pal.color(QPalette::Window));
    p->drawRoundedRect(label, 3, 3);
    p->setPen(pal.color(QPalette::Text));
    p->drawText(label, Qt::AlignCenter, connection_.label);
}
