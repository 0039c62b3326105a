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
