#include "widgets/charts/CurveItem.h"

#include <QPainter>
#include <QPen>
#include <QStyleOptionGraphicsItem>
#include <algorithm>
#include <cmath>

namespace {
// Pixels: far outside any plot. Qt's rasteriser clips what lies beyond its own limit; this only
// keeps an extreme value (a zoom into 1e-12 of a range holding 1e300) finite.
constexpr double kFar = 1e9;
// Pixels left of the first changed point that a partial repaint includes: its pixel column's
// first point, which the new segments start from (reduceToPixelColumns), and antialiasing; and
// right of the last point: antialiasing and a lone point's dot.
constexpr double kChangedMargin = 4;

QPen cosmeticPen(const QColor& color, double width)
{
    QPen pen(color, width);
    pen.setCosmetic(true);
    return pen;
}
} // namespace

CurveItem::CurveItem(QGraphicsItem* parent) : QGraphicsItem(parent)
{
    setFlag(ItemHasNoContents, false);
    setAcceptedMouseButtons(Qt::NoButton);   // the view handles the mouse
    setFlag(ItemUsesExtendedStyleOption);    // paint() reads the exposed rectangle
}

void CurveItem::setPlotArea(const QRectF& plot)
{
    if (plot == plot_)
        return;
    prepareGeometryChange();
    plot_ = plot;
    update();
}

void CurveItem::setRanges(AxisRange x, AxisRange y, bool logY)
{
    if (x == x_ && y == y_ && logY == log_)
        return;
    x_ = x;
    y_ = y;
    log_ = logY;
    update();
}

void CurveItem::setCurves(QList<DrawnCurve> curves, std::optional<double> changedFromX)
{
    curves_ = std::move(curves);
    if (!changedFromX || !(x_.hi > x_.lo))
        return update();
    // From the first changed point to the last point of all: a live chart repaints the columns its
    // new points took, not the empty plot to their right.
    std::optional<double> lastX;
    for (const DrawnCurve& c : curves_)
        for (const QList<QPointF>* points : {&c.line, &c.faint, &c.upper, &c.lower})
            if (!points->isEmpty())
                lastX = std::max(lastX.value_or(points->back().x()), points->back().x());
    const double left = std::clamp(mapX(*changedFromX) - kChangedMargin, plot_.left(), plot_.right());
    const double right = lastX ? std::clamp(mapX(*lastX) + kChangedMargin, left, plot_.right()) : plot_.right();
    const QRectF changed(left, plot_.top(), right - left, plot_.height());
    if (repaintPart_)
        repaintPart_(changed);
    else
        update(changed);
}

double CurveItem::mapX(double x) const
{
    return plot_.left() + (x - x_.lo) * plot_.width() / (x_.hi - x_.lo);
}

double CurveItem::dataX(double px) const
{
    return x_.lo + (px - plot_.left()) * (x_.hi - x_.lo) / plot_.width();
}

QList<QPointF> CurveItem::within(const QList<QPointF>& points, double x0, double x1)
{
    const auto byX = [](const QPointF& p, double x) { return p.x() < x; };
    auto first = std::lower_bound(points.begin(), points.end(), x0, byX);
    auto last = std::lower_bound(first, points.end(), x1, byX);
    if (first != points.begin())
        --first;
    if (last != points.end())
        ++last;
    if (first == points.begin() && last == points.end())
        return points;   // shared, not copied
    return QList<QPointF>(first, last);
}

QPolygonF CurveItem::map(const QList<QPointF>& points) const
{
    const double sx = plot_.width() / (x_.hi - x_.lo);
    const double y0 = log_ ? std::log(y_.lo) : y_.lo;
    const double sy = plot_.height() / (log_ ? std::log(y_.hi) - y0 : y_.hi - y0);
    const auto far = [](double v) { return std::clamp(v, -kFar, kFar); };
    QPolygonF out;
    out.reserve(points.size());
    for (const QPointF& p : points) {
        const double y = log_ ? std::log(p.y()) : p.y();
        if (std::isnan(y))   // the points are finite, and > 0 on a log axis: never, but never drawn either
            continue;
        out.append(QPointF(far(plot_.left() + (p.x() - x_.lo) * sx), far(plot_.bottom() - (y - y0) * sy)));
    }
    return out;
}

void CurveItem::drawLine(QPainter& painter, const QList<QPointF>& points, const QPen& pen) const
{
    if (points.isEmpty())
        return;
    if (points.size() == 1) {   // no segment to stroke: a dot, so that a first step shows
        QPen dot = pen;
        dot.setWidthF(pen.widthF() * 2);
        dot.setCapStyle(Qt::RoundCap);
        painter.setPen(dot);
        painter.drawPoint(map(points).front());
        return;
    }
    painter.setPen(pen);
    painter.drawPolyline(map(points));
}

void CurveItem::paint(QPainter* painter, const QStyleOptionGraphicsItem* option, QWidget*)
{
    if (plot_.isEmpty() || curves_.isEmpty() || !(x_.hi > x_.lo) || !(y_.hi > y_.lo) || (log_ && !(y_.lo > 0)))
        return;
    // Lines are stroked only where they show: the exposed part of the plot (all of it on export).
    const QRectF exposed = option && !option->exposedRect.isEmpty() ? option->exposedRect.intersected(plot_) : plot_;
    const double x0 = dataX(exposed.left() - 1), x1 = dataX(exposed.right() + 1);
    const auto shown = [&](const QList<QPointF>& points) { return within(points, x0, x1); };
    painter->save();
    painter->setRenderHint(QPainter::Antialiasing);
    painter->setClipRect(plot_, Qt::IntersectClip);
    painter->setBrush(Qt::NoBrush);
    for (const DrawnCurve& c : curves_) {   // underneath: areas and faint raw curves
        if (c.upper.size() + c.lower.size() > 2) {
            QPolygonF area = map(c.upper);
            const QPolygonF lower = map(c.lower);
            std::copy(lower.rbegin(), lower.rend(), std::back_inserter(area));
            QColor fill = c.color;
            fill.setAlpha(kAreaAlpha);
            painter->setPen(Qt::NoPen);
            painter->setBrush(fill);
            painter->drawPolygon(area);
            painter->setBrush(Qt::NoBrush);
        }
        QColor faint = c.color;
        faint.setAlpha(kFaintAlpha);
        drawLine(*painter, shown(c.faint), cosmeticPen(faint, kFaintWidth));
    }
    for (const DrawnCurve& c : curves_)
        drawLine(*painter, shown(c.line), cosmeticPen(c.color, kLineWidth));
    painter->restore();
}
