#include "widgets/nodegraph/NodeItem.h"

#include "widgets/nodegraph/EdgeItem.h"
#include "widgets/nodegraph/NodeGraphScene.h"

#include <QApplication>
#include <QPainter>
#include <QPalette>
#include <QStyleOptionGraphicsItem>
#include <cmath>

namespace {
constexpr double kWidth = 200, kHeader = 24, kLine = 15, kFooter = 18, kPortGap = 20, kPortRadius = 5;
}

NodeItem::NodeItem(const NodeGraphNode& node) : node_(node)
{
    setFlags(ItemIsSelectable | ItemIsMovable | ItemSendsGeometryChanges);
    setCacheMode(DeviceCoordinateCache);
    setPos(node.pos);
    setZValue(1);
    setToolTip(tipOf(node));
}

QString NodeItem::tipOf(const NodeGraphNode& node)
{
    if (node.badgeTip.isEmpty())
        return node.problem;
    return node.problem.isEmpty() ? node.badgeTip : node.problem + QStringLiteral("\n\n") + node.badgeTip;
}

// Whether two versions of a node look the same on the canvas: only the tooltip's words (a live
// badge's numbers, several times a second while training) or the position (the scene moves the
// item itself) differ. Then the item is not redrawn.
static bool drawnTheSame(const NodeGraphNode& a, NodeGraphNode b)
{
    b.badgeTip = a.badgeTip;
    b.pos = a.pos;
    return a == b;
}

void NodeItem::setNode(const NodeGraphNode& node)
{
    const bool redraw = !drawnTheSame(node_, node);
    if (redraw && size() != QSizeF())
        prepareGeometryChange();
    node_ = node;
    setToolTip(tipOf(node));
    if (redraw)
        update();
}

QSizeF NodeItem::size() const
{
    const double text = kHeader + 6 + kLine * node_.details.size() + footerHeight() + 4;
    const double ports = kHeader + kPortGap * std::max(node_.inputs.size(), node_.outputs.size()) + 4;
    return {kWidth, std::max(text, ports)};
}

double NodeItem::footerHeight() const { return kFooter + kLine * node_.footer.count('\n'); }

double NodeItem::portY(int index) const { return kHeader + kPortGap * (index + 0.5) + 2; }

QRectF NodeItem::boundingRect() const
{
    const QSizeF s = size();
    return QRectF(-kPortRadius - 2, -12, s.width() + 2 * kPortRadius + 4, s.height() + 14);   // the marks overhang the top
}

QPointF NodeItem::portPos(bool output, const QString& name) const
{
    const QStringList& ports = output ? node_.outputs : node_.inputs;
    const int index = std::max<int>(0, ports.indexOf(name));
    return mapToScene(QPointF(output ? size().width() : 0, portY(index)));
}

std::optional<PortHit> NodeItem::portAt(QPointF scenePos, double radius) const
{
    for (bool output : {false, true}) {
        const QStringList& ports = output ? node_.outputs : node_.inputs;
        for (const QString& port : ports) {
            const QPointF d = portPos(output, port) - scenePos;
            if (std::hypot(d.x(), d.y()) <= radius)
                return PortHit{output, port};
        }
    }
    return std::nullopt;
}

void NodeItem::paint(QPainter* p, const QStyleOptionGraphicsItem* option, QWidget*)
{
    const QPalette pal = QApplication::palette();
    const QSizeF s = size();
    const QRectF card(0, 0, s.width(), s.height());
    const bool selected = option->state & QStyle::State_Selected;
    const bool problem = !node_.problem.isEmpty();
    const QColor problemColour = node_.warningOnly ? QColor(0xE0, 0x9A, 0x10) : QColor(0xD6, 0x36, 0x36);

    // Zoomed far out the text cannot be read: draw the card's colours only (keeps large graphs fluid).
    if (option->levelOfDetailFromTransform(p->worldTransform()) < 0.35) {
        p->fillRect(card, selected ? pal.color(QPalette::Highlight) : problem ? problemColour : pal.color(QPalette::Mid));
        p->fillRect(card.adjusted(3, 3, -3, -3), pal.color(QPalette::Base));
        p->fillRect(QRectF(3, 3, s.width() - 6, kHeader - 3), node_.accent);
        return;
    }

    p->setRenderHint(QPainter::Antialiasing);
    p->setPen(Qt::NoPen);
    p->setBrush(pal.color(QPalette::Base));
    p->drawRoundedRect(card, 6, 6);

    // Header: the accent colour, name in bold, kind after it; the frame goes over both.
    QPainterPath outline;
    outline.addRoundedRect(card, 6, 6);
    p->save();
    p->setClipPath(outline);
    p->fillRect(QRectF(0, 0, s.width(), kHeader), node_.accent);
    p->restore();
    p->setPen(QPen(selected ? pal.color(QPalette::Highlight) : problem ? problemColour : pal.color(QPalette::Mid),
                   selected || problem ? 2.0 : 1.0));
    p->setBrush(Qt::NoBrush);
    p->drawRoundedRect(card, 6, 6);
    QFont bold = QApplication::font();
    bold.setBold(true);
    p->setFont(bold);
    p->setPen(Qt::white);
    const QRectF headerText(8, 0, s.width() - 16, kHeader);
    p->drawText(headerText, Qt::AlignVCenter | Qt::AlignLeft, node_.id);
    QFont small = QApplication::font();
    small.setPointSizeF(small.pointSizeF() * 0.85);
    p->setFont(small);
    p->drawText(headerText, Qt::AlignVCenter | Qt::AlignRight, node_.title);

    // Attributes, then the footer.
    p->setPen(pal.color(QPalette::Text));
    double y = kHeader + 4;
    for (const QString& line : node_.details) {
        p->drawText(QRectF(12, y, s.width() - 24, kLine), Qt::AlignVCenter | Qt::AlignLeft, line);
        y += kLine;
    }
    p->setPen(pal.color(QPalette::PlaceholderText));
    p->setFont(small);
    p->drawText(QRectF(12, s.height() - footerHeight() - 2, s.width() - 24, footerHeight()),
                Qt::AlignVCenter | Qt::AlignLeft, node_.footer);

    // Ports; names only where a side has more than one.
    auto drawPorts = [&](const QStringList& ports, bool output) {
        for (int i = 0; i < ports.size(); ++i) {
            const QPointF c(output ? s.width() : 0, portY(i));
            p->setPen(QPen(pal.color(QPalette::Base), 1.5));
            p->setBrush(output ? QColor(0x3B, 0x82, 0xF6) : QColor(0x10, 0xA3, 0x7F));
            p->drawEllipse(c, kPortRadius, kPortRadius);
            if (ports.size() > 1) {
                p->setPen(pal.color(QPalette::PlaceholderText));
                const QRectF label(output ? c.x() - 40 : c.x() + 8, c.y() - 8, 32, 16);
                p->drawText(label, (output ? Qt::AlignRight : Qt::AlignLeft) | Qt::AlignVCenter, ports[i]);
            }
        }
    };
    drawPorts(node_.inputs, false);
    drawPorts(node_.outputs, true);

    if (!node_.badge.isEmpty()) {
        const QPointF c(s.width() - 26, -2);
        p->setPen(QPen(pal.color(QPalette::Base), 1.5));
        p->setBrush(node_.badgeColour);
        p->drawEllipse(c, 9, 9);
        p->setPen(Qt::white);
        p->setFont(bold);
        p->drawText(QRectF(c.x() - 9, c.y() - 9, 18, 18), Qt::AlignCenter, node_.badge);
    }
    if (problem) {
        const QPointF c(s.width() - 4, -2);
        p->setPen(Qt::NoPen);
        p->setBrush(problemColour);
        p->drawEllipse(c, 8, 8);
        p->setPen(Qt::white);
        p->setFont(bold);
        p->drawText(QRectF(c.x() - 8, c.y() - 8, 16, 16), Qt::AlignCenter, QStringLiteral("!"));
    }
}

QVariant NodeItem::itemChange(GraphicsItemChange change, const QVariant& value)
{
    if (change == ItemPositionChange) {
        if (auto* graph = qobject_cast<NodeGraphScene*>(scene()))
            return graph->snapped(value.toPointF());
    }
    if (change == ItemPositionHasChanged) {
        for (EdgeItem* edge : edges_)
            edge->updatePath();
    }
    return QGraphicsItem::itemChange(change, value);
}
