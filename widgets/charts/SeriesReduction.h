#pragma once
// The arithmetic under the metric charts, pure so that tests can hold it to hand-computed values:
//  - reduceToPixelColumns: what of a long series is worth drawing at a given width (and
//    PixelColumnReducer, the same for a growing series);
//  - EmaSmoother / smoothEma: TensorBoard's smoothing.
#include <QList>
#include <QPointF>
#include <optional>
#include <span>
#include <vector>

// Reduces a series to what `columns` pixel columns can show over [x0, x1] without hiding a spike:
// for each column that holds points, its first, lowest, highest and last point, in x order (one
// or two points stay as they are). Fewer than 2 × columns points in the range: all of them,
// unchanged. The last point before x0 and the first after x1 are kept, so lines reach the edges.
//
// points: x ascending (ties allowed); y may be non-finite (never chosen as lowest or highest).
// Returns at most 4 × columns + 2 points, x ascending. columns ≤ 0 or x1 ≤ x0: the range as is.
QList<QPointF> reduceToPixelColumns(std::span<const QPointF> points, double x0, double x1, int columns);

// reduceToPixelColumns for a series that grows at its end (a live run's metric), at the cost of
// the new points: every column but the last that holds points is final, so when only points were
// appended since the last call (same range and columns, none right of x1) only the new points are
// scanned, into the last column (whose lowest and highest so far are kept) and the columns after.
// Anything else reduces the whole series afresh.
class PixelColumnReducer {
public:
    // What reduceToPixelColumns(points, x0, x1, columns) returns. onlyAppended: `points` are the
    // last call's with points appended at the end (false: start over).
    const QList<QPointF>& reduce(std::span<const QPointF> points, double x0, double x1, int columns,
                                 bool onlyAppended);

    // The last column that holds points: its first point, the output's size before its points
    // (the part that more points can still change), and its lowest and highest points so far.
    struct LastColumn {
        std::size_t head;
        qsizetype outSize;
        std::ptrdiff_t low, high;               // -1: none (no finite y yet)
    };

private:
    QList<QPointF> out_;
    double x0_ = 0, x1_ = 0;
    int columns_ = 0;
    std::size_t reduced_ = 0;                   // points reduced into out_
    std::optional<LastColumn> tail_;            // none: the reduction cannot be carried on
};

// TensorBoard's exponential moving average, one value at a time (so a live series is smoothed as
// it grows): last = weight·last + (1 − weight)·y, shown divided by 1 − weightⁿ after n finite
// values, so the first value is not pulled toward 0. A non-finite y comes back unchanged and
// leaves the average as it was (one NaN loss does not blank the rest of the curve).
class EmaSmoother {
public:
    explicit EmaSmoother(double weight = 0);    // clamped to [0, 0.999]; 0: no smoothing

    double next(double y);
    double weight() const { return weight_; }

private:
    double weight_;
    double last_ = 0;                           // the biased average
    double power_ = 1;                          // weightⁿ
};

// The same over a whole series: smoothEma(ys, w)[i] is the i-th EmaSmoother(w).next() of ys.
std::vector<double> smoothEma(std::span<const double> ys, double weight);
