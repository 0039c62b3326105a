#pragma once
// The arithmetic under the metric charts, pure so that tests can hold it to hand-computed values:
//  - reduceToPixelColumns: what of a long series is worth drawing at a given width;
//  - EmaSmoother / smoothEma: TensorBoard's smoothing.
#include <QList>
#include <QPointF>
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
