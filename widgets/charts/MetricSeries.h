#pragma once
// One curve's data, apart from any drawing: the points as given, and the drawable copies that the
// chart reduces at each repaint: raw and smoothed, finite values only, and on a logarithmic axis
// only values > 0 (smoothing runs over all finite values first, so a log axis shows the same curve
// as a linear one, minus what it cannot show). Appending costs the new points only.
#include "widgets/charts/AxisRange.h"
#include "widgets/charts/SeriesReduction.h"

#include <optional>

class MetricSeries {
public:
    // Points with a non-finite x are dropped; the rest are kept in x order (stable for equal x).
    void setPoints(std::span<const QPointF> points);
    // Points at or after the last x are appended as they are; an earlier one re-sorts the series.
    void append(std::span<const QPointF> points);
    void setSmoothing(double weight);               // EmaSmoother's weight; rebuilds the smoothed copy
    void setLogScale(bool on);                      // rebuilds the drawable copies

    const std::vector<QPointF>& points() const { return points_; }
    const QList<QPointF>& raw() const { return raw_; }                                  // x ascending
    const QList<QPointF>& smoothed() const { return smoothing() ? smoothed_ : raw_; }   // x ascending
    bool smoothing() const { return ema_.weight() > 0; }
    bool drawable() const { return !raw_.isEmpty() || !smoothed().isEmpty(); }
    std::optional<AxisRange> xExtent() const;        // of the drawable points
    int version() const { return version_; }         // changes with every change of the copies
    // True when the only changes since `version` were points appended at its end (the drawing
    // then changes from the last point drawn on).
    bool onlyAppendedSince(int version) const { return version >= resetVersion_; }

private:
    void rebuild();
    void take(const QPointF& p);                     // p, the newest point: smooth it, keep what is drawable

    std::vector<QPointF> points_;
    QList<QPointF> raw_, smoothed_;
    EmaSmoother ema_;
    bool log_ = false;
    int version_ = 0;
    int resetVersion_ = 0;                           // the version of the last change other than appending
};
