#include "widgets/charts/SeriesReduction.h"

#include <algorithm>
#include <cmath>
#include <optional>

namespace {
using LastColumn = PixelColumnReducer::LastColumn;

// Appends the reduction of points[open.head, end) to `out`, one column of [x0, x1] at a time, and
// returns its last column. open.head begins a column (or is the first point); the points of that
// column before `from` were scanned already, and open.low / open.high are their lowest and highest.
LastColumn appendColumns(std::span<const QPointF> points, LastColumn open, std::size_t from, std::size_t end,
                         double x0, double x1, int columns, QList<QPointF>& out)
{
    const double scale = columns / (x1 - x0);
    const auto columnOf = [&](double x) { return std::min(int((x - x0) * scale), columns - 1); };
    LastColumn last{open.head, out.size(), open.low, open.high};
    // One column at a time: [head, i) are its points.
    std::size_t head = open.head;
    int column = columnOf(points[head].x());
    std::ptrdiff_t low = open.low, high = open.high;               // non-finite y are never chosen
    for (std::size_t i = from; i <= end; ++i) {
        const int next = i < end ? columnOf(points[i].x()) : columns;
        if (next != column) {
            last = {head, out.size(), low, high};
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
    return last;
}

// reduceToPixelColumns into `out`; returns where its last column begins when the reduction can be
// carried on by appending: reduced per column, with no point right of x1.
std::optional<LastColumn> reduceInto(std::span<const QPointF> points, double x0, double x1, int columns,
                                     QList<QPointF>& out)
{
    out.clear();
    const auto byX = [](const QPointF& p, double x) { return p.x() < x; };
    const auto xBefore = [](double x, const QPointF& p) { return x < p.x(); };
    const std::size_t begin = std::lower_bound(points.begin(), points.end(), x0, byX) - points.begin();
    const std::size_t end = std::upper_bound(points.begin() + begin, points.end(), x1, xBefore) - points.begin();
    const std::size_t first = begin > 0 ? begin - 1 : begin;       // the neighbours that reach the edges
    const std::size_t last = end < points.size() ? end + 1 : end;

    if (columns <= 0 || !(x1 > x0) || end - begin < 2 * std::size_t(columns)) {
        out.append(QList<QPointF>(points.begin() + first, points.begin() + last));
        return std::nullopt;
    }
    out.reserve(4 * columns + 2);
    if (first < begin)
        out.append(points[first]);
    const LastColumn tail = appendColumns(points, {begin, out.size(), -1, -1}, begin, end, x0, x1, columns, out);
    if (end < last) {
        out.append(points[end]);
        return std::nullopt;
    }
    return tail;
}
} // namespace

QList<QPointF> reduceToPixelColumns(std::span<const QPointF> points, double x0, double x1, int columns)
{
    QList<QPointF> out;
    reduceInto(points, x0, x1, columns, out);
    return out;
}

const QList<QPointF>& PixelColumnReducer::reduce(std::span<const QPointF> points, double x0, double x1, int columns,
                                                 bool onlyAppended)
{
    const bool carryOn = onlyAppended && tail_ && x0 == x0_ && x1 == x1_ && columns == columns_ &&
                         points.size() >= reduced_ && (points.empty() || points.back().x() <= x1);
    if (carryOn) {
        if (points.size() > reduced_) {
            out_.resize(tail_->outSize);                           // the last column, reduced again with the new points
            tail_ = appendColumns(points, *tail_, reduced_, points.size(), x0, x1, columns, out_);
        }
    } else {
        tail_ = reduceInto(points, x0, x1, columns, out_);
        x0_ = x0;
        x1_ = x1;
        columns_ = columns;
    }
    reduced_ = points.size();
    return out_;
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
