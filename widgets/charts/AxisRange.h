#pragma once
// Axis ranges and ticks for the metric charts: the margin around the data, and tick steps a
// person reads at a glance (1, 2 or 5 × 10ᵏ).

struct AxisRange {
    double lo = 0, hi = 1;
    bool operator==(const AxisRange&) const = default;
};

// [lo, hi] grown by `margin` of its span on each side; on a logarithmic axis the span is counted
// in decades (lo and hi must then be > 0). A single value (lo == hi) gets a range around it.
constexpr double kAxisMargin = 0.05;
AxisRange paddedRange(double lo, double hi, bool logarithmic, double margin = kAxisMargin);

// The smallest 1, 2 or 5 × 10ᵏ step that cuts `span` into at most `maxTicks` intervals.
double niceTickInterval(double span, int maxTicks);

// Whether [lo, hi] is one value up to rounding: its span is under kSmallestRelativeSpan of its
// magnitude (a smoothed constant: 0.7109375 and 0.71093749999999989). Ticks at a step that small
// cannot be counted: Qt Charts lays them out by adding the step to a value, which then does not
// change, and fills memory with labels.
constexpr double kSmallestRelativeSpan = 1e-9;
bool isRoundingSpread(double lo, double hi);

// Whether an axis over `range` with ticks every `interval` can lay them out: finite, at most
// kMostTicks of them, and a step that changes the values it is added to.
constexpr double kMostTicks = 1000;
bool ticksCountable(AxisRange range, double interval);

// The range an axis fitted to data in [lo, hi] shows: widened to ticks, then padded (paddedRange).
// It stays put while new data falls inside the ticks, so a live chart redraws only its new points
// instead of rescaling at every new extreme. Linear: to multiples of niceTickInterval(span,
// maxTicks), that of the widened range itself; logarithmic: to 1, 2 or 5 × 10ᵏ. A rounding
// spread (isRoundingSpread) is fitted as the single value lo.
AxisRange fittedRange(double lo, double hi, bool logarithmic, int maxTicks);

// The tick step of a linear axis showing `shown`: that of the span without its padding, so that a
// fittedRange gets the step it was widened to (the padding must not coarsen it).
double shownTickInterval(AxisRange shown, int maxTicks);
