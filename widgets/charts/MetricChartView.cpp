#include "widgets/charts/MetricChartView.h"

#include <QMouseEvent>
#include <QRubberBand>
#include <QWheelEvent>
#include <cmath>
#include <utility>

namespace {
constexpr int kMinDrag = 4;          // pixels: anything shorter is a click
constexpr int kMinHeight = 10;       // pixels: a flatter rectangle zooms x only
}

MetricChartView::MetricChartView(QChart* chart, QWidget* parent)
    : QChartView(chart, parent), band_(new QRubberBand(QRubberBand::Rectangle, viewport()))
{
    // No antialiasing for the chart as a whole: its grid, axes and ticks are level lines, which gain
    // nothing from it and cost the raster engine more. The curve item smooths its own lines.
    setRenderHint(QPainter::Antialiasing, false);
    setRubberBand(QChartView::NoRubberBand);   // ours: the built-in one zooms the axes behind our back
    setMouseTracking(true);
}

QPointF MetricChartView::inChart(const QPoint& viewPos) const
{
    return chart()->mapFromScene(mapToScene(viewPos));
}

void MetricChartView::mousePressEvent(QMouseEvent* event)
{
    const bool inPlot = chart()->plotArea().contains(inChart(event->position().toPoint()));
    const bool panButton = event->button() == Qt::MiddleButton
                           || (event->button() == Qt::LeftButton && event->modifiers() & Qt::ShiftModifier);
    if (inPlot && panButton) {
        drag_ = Drag::Pan;
        setCursor(Qt::ClosedHandCursor);
    } else if (inPlot && event->button() == Qt::LeftButton) {
        drag_ = Drag::Select;
        band_->setGeometry(QRect(event->position().toPoint(), QSize()));
        band_->show();
    } else {
        return QChartView::mousePressEvent(event);
    }
    origin_ = last_ = event->position().toPoint();
    event->accept();
}

void MetricChartView::mouseMoveEvent(QMouseEvent* event)
{
    const QPoint at = event->position().toPoint();
    switch (drag_) {
    case Drag::Pan:
        emit pan(at - last_);
        break;
    case Drag::Select:
        band_->setGeometry(QRect(origin_, at).normalized());
        break;
    case Drag::None:
        if (chart()->plotArea().contains(inChart(at)))
            emit hovered(inChart(at));
        return QChartView::mouseMoveEvent(event);
    }
    last_ = at;
    event->accept();
}

void MetricChartView::mouseReleaseEvent(QMouseEvent* event)
{
    if (drag_ == Drag::None)
        return QChartView::mouseReleaseEvent(event);
    const Drag ended = std::exchange(drag_, Drag::None);
    band_->hide();
    unsetCursor();
    const QRect dragged = QRect(origin_, event->position().toPoint()).normalized();
    if (ended == Drag::Select && dragged.width() >= kMinDrag) {
        const QRectF area = QRectF(inChart(dragged.topLeft()), inChart(dragged.bottomRight()))
                                .intersected(chart()->plotArea());
        if (!area.isEmpty())
            emit zoomTo(area, dragged.height() < kMinHeight);
    }
    event->accept();
}

void MetricChartView::mouseDoubleClickEvent(QMouseEvent* event)
{
    if (event->button() != Qt::LeftButton)
        return QChartView::mouseDoubleClickEvent(event);
    emit fitAll();
    event->accept();
}

void MetricChartView::wheelEvent(QWheelEvent* event)
{
    const QPointF at = inChart(event->position().toPoint());
    const int steps = event->angleDelta().y();
    if (steps == 0 || !chart()->plotArea().contains(at))
        return QChartView::wheelEvent(event);
    emit zoomAround(std::pow(1.25, steps / 120.0), at);
    event->accept();
}
