#pragma once
// The view under MetricChart: it turns the mouse into requests, in the chart's coordinates, and
// leaves the ranges to MetricChart (which also fits y and keeps its charts in step).
//  - drag inside the plot: a rubber band; released, zoomTo (flat rectangles zoom x only)
//  - wheel: zoomAround the cursor;  middle button or Shift + drag: pan;  double-click: fitAll
//  - the mouse at rest over the plot, no button held: hovered (for the tooltip)
#include <QChartView>

class QRubberBand;

class MetricChartView : public QChartView {
    Q_OBJECT
public:
    explicit MetricChartView(QChart* chart, QWidget* parent = nullptr);

signals:
    void zoomTo(const QRectF& area, bool xOnly);        // a part of chart()->plotArea()
    void zoomAround(double factor, const QPointF& at);   // factor > 1 zooms in
    void pan(const QPointF& delta);                      // how far the content moved, in pixels
    void fitAll();
    void hovered(const QPointF& at);

protected:
    void mousePressEvent(QMouseEvent* event) override;
    void mouseMoveEvent(QMouseEvent* event) override;
    void mouseReleaseEvent(QMouseEvent* event) override;
    void mouseDoubleClickEvent(QMouseEvent* event) override;
    void wheelEvent(QWheelEvent* event) override;

private:
    QPointF inChart(const QPoint& viewPos) const;

    enum class Drag { None, Select, Pan };
    Drag drag_ = Drag::None;
    QPoint origin_, last_;
    QRubberBand* band_;
};
