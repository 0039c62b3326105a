#include "widgets/charts/MetricSeries.h"

#include <algorithm>
#include <cmath>

namespace {
bool byX(const QPointF& a, const QPointF& b) { return a.x() < b.x(); }
}

void MetricSeries::setPoints(std::span<const QPointF> points)
{
    points_.clear();
    points_.reserve(points.size());
    for (const QPointF& p : points)
        if (std::isfinite(p.x()))
            points_.push_back(p);
    if (!std::is_sorted(points_.begin(), points_.end(), byX))
        std::stable_sort(points_.begin(), points_.end(), byX);
    rebuild();
}

void MetricSeries::append(std::span<const QPointF> points)
{
    const std::size_t before = points_.size();
    for (const QPointF& p : points)
        if (std::isfinite(p.x()))
            points_.push_back(p);
    if (!std::is_sorted(points_.begin() + std::ptrdiff_t(before > 0 ? before - 1 : 0), points_.end(), byX)) {
        std::stable_sort(points_.begin(), points_.end(), byX);  // e.g. a resumed run logging a step again
        return rebuild();
    }
    for (std::size_t i = before; i < points_.size(); ++i)
        take(points_[i]);
    ++version_;
}

void MetricSeries::setSmoothing(double weight)
{
    if (EmaSmoother(weight).weight() == ema_.weight())
        return;
    ema_ = EmaSmoother(weight);
    rebuild();
}

void MetricSeries::setLogScale(bool on)
{
    if (on == log_)
        return;
    log_ = on;
    rebuild();
}

std::optional<AxisRange> MetricSeries::xExtent() const
{
    const QList<QPointF>& a = raw_;
    const QList<QPointF>& b = smoothed();
    if (a.isEmpty() && b.isEmpty())
        return std::nullopt;
    if (a.isEmpty() || b.isEmpty())
        return a.isEmpty() ? AxisRange{b.front().x(), b.back().x()} : AxisRange{a.front().x(), a.back().x()};
    return AxisRange{std::min(a.front().x(), b.front().x()), std::max(a.back().x(), b.back().x())};
}

void MetricSeries::rebuild()
{
    raw_.clear();
    smoothed_.clear();
    raw_.reserve(qsizetype(points_.size()));
    if (smoothing())
        smoothed_.reserve(qsizetype(points_.size()));
    ema_ = EmaSmoother(ema_.weight());
    for (const QPointF& p : points_)
        take(p);
    resetVersion_ = ++version_;
}

void MetricSeries::take(const QPointF& p)
{
    const auto shown = [this](double y) { return std::isfinite(y) && (!log_ || y > 0); };
    if (shown(p.y()))
        raw_.append(p);
    if (!smoothing())
        return;
    const double s = ema_.next(p.y());
    if (shown(s))
        smoothed_.append(QPointF(p.x(), s));
}
