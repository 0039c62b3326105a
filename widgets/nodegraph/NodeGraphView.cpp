#include "widgets/nodegraph/NodeGraphView.h"

#include "widgets/nodegraph/NodeGraphMinimap.h"
#include "widgets/nodegraph/NodeGraphScene.h"
#include "widgets/nodegraph/NodeItem.h"

#include <QKeyEvent>
#include <QMimeData>
#include <QPainter>
#include <QScrollBar>
#include <QToolTip>
#include <QWheelEvent>
#include <cmath>

namespace {
constexpr double kMinZoom = 0.1, kMaxZoom = 4.0;
}

NodeGraphView::NodeGraphView(NodeGraphScene* scene, QWidget* parent)
    : QGraphicsView(scene, parent), graph_(scene), minimap_(new NodeGraphMinimap(this))
{
    setRenderHints(QPainter::Antialiasing | QPainter::TextAntialiasing);
    setDragMode(QGraphicsView::RubberBandDrag);
    setTransformationAnchor(QGraphicsView::AnchorUnderMouse);
    setViewportUpdateMode(QGraphicsView::SmartViewportUpdate);
    setOptimizationFlags(QGraphicsView::DontSavePainterState);
    setAcceptDrops(true);
    setFocusPolicy(Qt::StrongFocus);
    connect(scene, &NodeGraphScene::connectionRefused, this, [this](const QString& reason, QPointF at) {
        QToolTip::showText(viewport()->mapToGlobal(mapFromScene(at)), reason, viewport());
    });
}

void NodeGraphView::setMinimapVisible(bool on) { minimap_->setVisible(on); }
bool NodeGraphView::minimapVisible() const { return minimap_->isVisible(); }

void NodeGraphView::zoomBy(double factor)
{
    const double target = std::clamp(zoom() * factor, kMinZoom, kMaxZoom);
    if (target == zoom())
        return;
    scale(target / zoom(), target / zoom());
    emit zoomChanged(zoom());
}

void NodeGraphView::resetZoom()
{
    setTransform(QTransform());
    emit zoomChanged(zoom());
}

void NodeGraphView::fitToView(double minZoom)
{
    const QRectF nodes = graph_->nodesBoundingRect();
    if (nodes.isEmpty())
        return resetZoom();
    fitInView(nodes.adjusted(-40, -40, 40, 40), Qt::KeepAspectRatio);
    if (zoom() > 1.0) {  // small graphs stay at their natural size
        setTransform(QTransform());
        centerOn(nodes.center());
    } else if (zoom() < std::max(minZoom, kMinZoom)) {
        const double z = std::max(minZoom, kMinZoom);
        setTransform(QTransform::fromScale(z, z));
        const double visibleWidth = viewport()->width() / z;
        centerOn(nodes.left() - 40 + visibleWidth / 2, nodes.center().y());
    }
    emit zoomChanged(zoom());
}

void NodeGraphView::centreOnNodes(const QStringList& ids)
{
    QRectF r;
    for (const QString& id : ids)
        if (NodeItem* item = graph_->nodeItem(id))
            r = r.united(item->sceneBoundingRect());
    if (!r.isEmpty())
        centerOn(r.center());
}

void NodeGraphView::wheelEvent(QWheelEvent* event)
{
    // A notch (120) zooms by 1.2×; touchpads send smaller steps.
    zoomBy(std::pow(1.2, event->angleDelta().y() / 120.0));
    event->accept();
}

void NodeGraphView::keyPressEvent(QKeyEvent* event)
{
    if (event->key() == Qt::Key_Space && !event->isAutoRepeat()) {
        spaceHeld_ = true;
        viewport()->setCursor(Qt::OpenHandCursor);
        return;
    }
    if (event->key() == Qt::Key_Plus || event->key() == Qt::Key_Equal)
        return zoomIn();
    if (event->key() == Qt::Key_Minus)
        return zoomOut();
    QGraphicsView::keyPressEvent(event);
}

void NodeGraphView::keyReleaseEvent(QKeyEvent* event)
{
    if (event->key() == Qt::Key_Space && !event->isAutoRepeat()) {
        spaceHeld_ = false;
        viewport()->unsetCursor();
        return;
    }
    QGraphicsView::keyReleaseEvent(event);
}

void NodeGraphView::mousePressEvent(QMouseEvent* event)
{
    if (event->button() == Qt::MiddleButton || (spaceHeld_ && event->button() == Qt::LeftButton)) {
        panning_ = true;
        panLast_ = event->pos();
        viewport()->setCursor(Qt::ClosedHandCursor);
        event->accept();
        return;
    }
    QGraphicsView::mousePressEvent(event);
}

void NodeGraphView::mouseMoveEvent(QMouseEvent* event)
{
    if (panning_) {
        const QPoint d = event->pos() - panLast_;
        panLast_ = event->pos();
        horizontalScrollBar()->setValue(horizontalScrollBar()->value() - d.x());
        verticalScrollBar()->setValue(verticalScrollBar()->value() - d.y());
        event->accept();
        return;
    }
    QGraphicsView::mouseMoveEvent(event);
}

void NodeGraphView::mouseReleaseEvent(QMouseEvent* event)
{
    if (panning_) {
        panning_ = false;
        spaceHeld_ ? viewport()->setCursor(Qt::OpenHandCursor) : viewport()->unsetCursor();
        event->accept();
        return;
    }
    QGraphicsView::mouseReleaseEvent(event);
}

void NodeGraphView::dragEnterEvent(QDragEnterEvent* event)
{
    if (event->mimeData()->hasFormat(paletteMimeType()))
        event->acceptProposedAction();
    else
        event->ignore();  // files go to the window, which opens them
}

void NodeGraphView::dragMoveEvent(QDragMoveEvent* event)
{
    if (event->mimeData()->hasFormat(paletteMimeType()))
        event->acceptProposedAction();
    else
        event->ignore();
}

void NodeGraphView::dropEvent(QDropEvent* event)
{
    if (!event->mimeData()->hasFormat(paletteMimeType()))
        return event->ignore();
    const QString text = QString::fromUtf8(event->mimeData()->data(paletteMimeType()));
    graph_->model()->dropItem(text, mapToScene(event->position().toPoint()));
    event->acceptProposedAction();
    setFocus();
}

void NodeGraphView::drawBackground(QPainter* p, const QRectF& rect)
{
    p->fillRect(rect, palette().color(QPalette::AlternateBase));
    // Minor lines only when they are at least 8 px apart on screen.
    const double grid = NodeGraphScene::kGrid;
    const QColor back = palette().color(QPalette::AlternateBase);
    const bool dark = back.lightness() < 128;
    const QColor minor = dark ? back.lighter(112) : back.darker(104);
    const QColor major = dark ? back.lighter(130) : back.darker(110);
    for (double step : {grid, grid * 5}) {
        if (step * zoom() < 8)
            continue;
        p->setPen(QPen(step == grid ? minor : major, 0));
        const double left = std::floor(rect.left() / step) * step, top = std::floor(rect.top() / step) * step;
        QVector<QLineF> lines;
        for (double x = left; x < rect.right(); x += step)
            lines.append(QLineF(x, rect.top(), x, rect.bottom()));
        for (double y = top; y < rect.bottom(); y += step)
            lines.append(QLineF(rect.left(), y, rect.right(), y));
        p->drawLines(lines);
    }
}

void NodeGraphView::resizeEvent(QResizeEvent* event)
{
    QGraphicsView::resizeEvent(event);
    minimap_->place();
}
