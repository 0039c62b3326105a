#include "widgets/nodegraph/NodeGraphMinimap.h"

#include "widgets/nodegraph/NodeGraphScene.h"
#include "widgets/nodegraph/NodeGraphView.h"
#include "widgets/nodegraph/NodeItem.h"

#include <QMouseEvent>
#include <QPainter>
#include <QScrollBar>

NodeGraphMinimap::NodeGraphMinimap(NodeGraphView* view) : QWidget(view), view_(view)
{
    setFixedSize(180, 120);
    setCursor(Qt::PointingHandCursor);
    auto refresh = [this] { update(); };
    connect(view->horizontalScrollBar(), &QScrollBar::valueChanged, this, refresh);
    connect(view->verticalScrollBar(), &QScrollBar::valueChanged, this, refresh);
    connect(view->scene(), &QGraphicsScene::changed, this, refresh);
    connect(view, &NodeGraphView::zoomChanged, this, refresh);
}

void NodeGraphMinimap::place()
{
    move(view_->width() - width() - 16 - view_->verticalScrollBar()->width() * view_->verticalScrollBar()->isVisible(),
         view_->height() - height() - 16 - view_->horizontalScrollBar()->height() * view_->horizontalScrollBar()->isVisible());
}

QRectF NodeGraphMinimap::world() const
{
    auto* scene = static_cast<NodeGraphScene*>(view_->scene());
    const QRectF visible = view_->mapToScene(view_->viewport()->rect()).boundingRect();
    return scene->nodesBoundingRect().united(visible).adjusted(-40, -40, 40, 40);
}

QTransform NodeGraphMinimap::toMinimap() const
{
    const QRectF w = world();
    const double s = std::min((width() - 8) / w.width(), (height() - 8) / w.height());
    QTransform t;
    t.translate(4 + (width() - 8 - w.width() * s) / 2, 4 + (height() - 8 - w.height() * s) / 2);
    t.scale(s, s);
    t.translate(-w.left(), -w.top());
    return t;
}

void NodeGraphMinimap::paintEvent(QPaintEvent*)
{
    QPainter p(this);
    QColor back = palette().color(QPalette::Window);
    back.setAlpha(220);
    p.setPen(palette().color(QPalette::Mid));
    p.setBrush(back);
    p.drawRoundedRect(rect().adjusted(0, 0, -1, -1), 4, 4);
    const QTransform t = toMinimap();
    for (QGraphicsItem* item : view_->scene()->items()) {
        if (item->type() != NodeItem::Type)
            continue;
        auto* node = static_cast<NodeItem*>(item);
        p.fillRect(t.mapRect(node->sceneBoundingRect()),
                   node->node().problem.isEmpty() ? node->node().accent : QColor(0xD6, 0x36, 0x36));
    }
    p.setPen(QPen(palette().color(QPalette::Highlight), 1.5));
    p.setBrush(Qt::NoBrush);
    p.drawRect(t.mapRect(view_->mapToScene(view_->viewport()->rect()).boundingRect()));
}

void NodeGraphMinimap::mousePressEvent(QMouseEvent* event)
{
    view_->centerOn(toMinimap().inverted().map(event->position()));
}

void NodeGraphMinimap::mouseMoveEvent(QMouseEvent* event)
{
    if (event->buttons() & Qt::LeftButton)
        view_->centerOn(toMinimap().inverted().map(event->position()));
}
