#pragma once
// The curves of a MetricChart, drawn by one graphics item over the chart's plot area instead of by
// Qt Charts (which re-strokes a whole line for its hover shape at every change: 5 ms and more per
// long series, where this draws 20 of them in about 10). It is handed polylines already reduced
// per pixel column (reduceToPixelColumns), in data coordinates, and maps them by the shown
// ranges at each paint:
//  - first every band's area (a filled polygon: upper bound, then lower bound backwards) and
//    every faint raw curve (25 % alpha), then every full-colour line over them;
//  - clipped to the plot area, antialiased; a lone point is drawn as a dot;
//  - when only points were appended, only the plot between the last point drawn and the last
//    point now is repainted, and a paint strokes only the segments inside the exposed part: a
//    live chart then costs its new columns per redraw, not the whole plot (and its flush to the
//    screen).
//  - Lines are cosmetic pens 1 pixel wide: Qt's raster engine strokes those antialiased on a fast
//    path; any wider, a dense polyline costs it about 7 times as much per segment (and one drawn
//    whole, with joins, far more), which 20 long series cannot afford at 25 redraws a second.
// A child of the QChart, so that its coordinates are the chart's (those of QChart::plotArea()).
#include <QColor>
#include <QGraphicsItem>
#include <QList>
#include <QPointF>
#include <functional>
#include <optional>

#include "widgets/charts/AxisRange.h"

// One curve as drawn, in data coordinates, x ascending.
struct DrawnCurve {
    QColor color;
    QList<QPointF> line;                             // full colour: smoothed, raw while smoothing is 0, a band's mean
    QList<QPointF> faint;                            // the raw curve under a smoothed one; empty: none
    QList<QPointF> lower, upper;                     // a band's bounds; empty: no area
};

class CurveItem : public QGraphicsItem {
public:
    static constexpr double kLineWidth = 1.0, kFaintWidth = 1.0;   // pixels, cosmetic (see above)
    static constexpr int kFaintAlpha = 64;           // 25 %
    static constexpr int kAreaAlpha = 56;

    explicit CurveItem(QGraphicsItem* parent = nullptr);

    void setPlotArea(const QRectF& plot);            // in the parent's coordinates
    void setRanges(AxisRange x, AxisRange y, bool logY);   // logY: y > 0 only, mapped by its logarithm
    // In drawing order. `changedFromX` (data x): nothing left of it changed (points were appended),
    // so only the plot from it to the last point is repainted; none: all of it.
    void setCurves(QList<DrawnCurve> curves, std::optional<double> changedFromX = std::nullopt);
    // Where the repaint of a changed part goes (rect in this item's coordinates); none (the
    // default): QGraphicsItem::update. An item's update is processed by its scene in a queued call
    // that then paints the window at once (QGraphicsView dispatches its update requests there):
    // three live charts meant three paints and three flushes to the screen per batch of steps.
    // Their views' viewports, updated directly, join the window's one paint.
    void setPartRepainter(std::function<void(const QRectF&)> repaint) { repaintPart_ = std::move(repaint); }

    QRectF boundingRect() const override { return plot_; }
    void paint(QPainter* painter, const QStyleOptionGraphicsItem* option, QWidget* widget) override;

private:
    QPolygonF map(const QList<QPointF>& points) const;   // data → the parent's coordinates
    double mapX(double x) const;
    double dataX(double px) const;                       // the parent's coordinates → data
    // The points of `points` (x ascending) that draw inside data x [x0, x1], with one neighbour
    // on each side for the segments that cross into it.
    static QList<QPointF> within(const QList<QPointF>& points, double x0, double x1);
    void drawLine(QPainter& painter, const QList<QPointF>& points, const QPen& pen) const;

    QRectF plot_;
    AxisRange x_, y_;
    bool log_ = false;
    QList<DrawnCurve> curves_;
    std::function<void(const QRectF&)> repaintPart_;
};
