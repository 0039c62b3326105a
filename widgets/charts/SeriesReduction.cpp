#include "widgets/charts/SeriesReduction.h"

#include <algorithm>
#include <cmath>

QList<QPointF> reduceToPixelColumns(std::span<const QPointF> points, double x0, double x1, int columns)
{
    const auto byX = [](const QPointF& p, double x) { return p.x() < x; };
    const auto xBefore = [](double x, const QPointF& p) { return x < p.x(); };
    const std::size_t begin = std::lower_bound(points.begin(), points.end(), x0, byX) - points.begin();
    const std::size_t end = std::upper_bound(points.begin() + begin, points.end(), x1, xBefore) - points.begin();
    const std::size_t first = begin > 0 ? begin - 1 : begin;       // the neighbours that reach the edges
    const std::size_t last = end < points.size() ? end + 1 : end;

    if (columns <= 0 || !(x1 > x0) || end - begin < 2 * std::size_t(columns))
        return QList<QPointF>(points.begin() + first, points.begin() + last);

    QList<QPointF> out;
    out.reserve(4 * columns + 2);
    if (first < begin)
        out.append(points[first]);
    const double scale = columns / (x1 - x0);
    const auto columnOf = [&](double x) { return std::min(int((x - x0) * scale), columns - 1); };

    // One column at a time: [head, i) are its points.
    std::size_t head = begin;
    int column = columnOf(points[begin].x());
    std::ptrdiff_t low = -1, high = -1;                            // non-finite y are never chosen
    for (std::size_t i = begin; i <= end; ++i) {
        const int next = i < end ? columnOf(points[i].x()) : columns;
        if (next != column) {
            std::ptrdiff_t keep[4] = {std::ptrdiff_t(head), low, high, std::ptrdiff_t(i - 1)};
            std::sort(keep, keep + 4);
            for (int k = 0; k < 4; ++k)
                if (keep[k] >= 0 && (k == 0 || keep[k] != keep[k - 1]))
                    out.append(points[keep[k]]);
            head = i;
            column = next;
            low = high = -1;
        }
        if (i == end)
            break;
        const double y = points[i].y();
        if (!std::isfinite(y))
            continue;
        if (low < 0 || y < points[low].y())
            low = std::ptrdiff_t(i);
        if (high < 0 || y > points[high].y())
            high = std::ptrdiff_t(i);
    }
    if (end < last)
        out.append(points[end]);
    return out;
}

EmaSmoother::EmaSmoother(double weight) : weight_(std::isfinite(weight) ? std::clamp(weight, 0.0, 0.999) : 0) {}

double EmaSmoother::next(double y)
{
    if (!std::isfinite(y))
        return y;
    last_ = weight_ * last_ + (1 - weight_) * y;
    power_ *= weight_;
    return last_ / (1 - power_);
}

std::vector<double> smoothEma(std::span<const double> ys, double weight)
{
    EmaSmoother ema(weight);
    std::vector<double> out;
    out.reserve(ys.size());
    for (double y : ys)
        out.push_back(ema.next(y));
    return out;
}
