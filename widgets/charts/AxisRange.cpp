#include "widgets/charts/AxisRange.h"

#include <algorithm>
#include <cmath>

AxisRange paddedRange(double lo, double hi, bool logarithmic, double margin)
{
    if (logarithmic) {
        if (lo == hi)
            return {lo / 2, hi * 2};
        const double grow = std::pow(hi / lo, margin);
        return {lo / grow, hi * grow};
    }
    if (lo == hi) {
        const double half = lo == 0 ? 1 : std::abs(lo) * 0.1;
        return {lo - half, hi + half};
    }
    const double pad = (hi - lo) * margin;
    return {lo - pad, hi + pad};
}

double niceTickInterval(double span, int maxTicks)
{
    if (!(span > 0) || !std::isfinite(span))
        return 1;
    const double raw = span / std::max(maxTicks, 1);
    const double decade = std::pow(10.0, std::floor(std::log10(raw)));
    for (double step : {1.0, 2.0, 5.0, 10.0})
        if (step * decade >= raw)
            return step * decade;
    return 10 * decade;
}

namespace {
// The largest 1, 2 or 5 × 10ᵏ at or below v (> 0), or the smallest at or above it.
double oneTwoFive(double v, bool up)
{
    const double decade = std::pow(10.0, std::floor(std::log10(v)));
    if (up) {
        for (double step : {1.0, 2.0, 5.0, 10.0})
            if (step * decade >= v * (1 - 1e-9))
                return step * decade;
        return 10 * decade;
    }
    for (double step : {10.0, 5.0, 2.0, 1.0})
        if (step * decade <= v * (1 + 1e-12))
            return step * decade;
    return decade;
}
} // namespace

bool isRoundingSpread(double lo, double hi)
{
    return !(hi - lo > kSmallestRelativeSpan * std::max(std::abs(lo), std::abs(hi)));
}

bool ticksCountable(AxisRange range, double interval)
{
    const double span = range.hi - range.lo;
    return std::isfinite(range.lo) && std::isfinite(range.hi) && span > 0 && interval > 0 &&
           span / interval <= kMostTicks && !isRoundingSpread(range.lo, range.lo + interval);
}

AxisRange fittedRange(double lo, double hi, bool logarithmic, int maxTicks)
{
    if (logarithmic)
        return paddedRange(oneTwoFive(lo, false), oneTwoFive(hi, true), true);
    if (!std::isfinite(hi - lo))
        return paddedRange(lo, hi, false);
    if (isRoundingSpread(lo, hi))   // a smoothed constant: one value, not a span to cut into ticks
        return paddedRange(lo, lo, false);
    // Widening can call for a coarser tick, which widens again: settles within a few rounds.
    AxisRange r{lo, hi};
    double tick = niceTickInterval(hi - lo, maxTicks);
    for (int round = 0; round < 4; ++round) {
        // A value a rounding error past a tick (a smoothed constant) stays on it.
        r = {std::floor(lo / tick + 1e-9) * tick, std::ceil(hi / tick - 1e-9) * tick};
        const double next = niceTickInterval(r.hi - r.lo, maxTicks);
        if (next == tick)
            break;
        tick = next;
    }
    return paddedRange(r.lo, r.hi, false);
}

double shownTickInterval(AxisRange shown, int maxTicks)
{
    return niceTickInterval((shown.hi - shown.lo) / (1 + 2 * kAxisMargin), maxTicks);
}
