#include "app/studio/telemetry/Distribution.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace {

bool measured(const neurite::TensorSummary* s)
{
    return s && s->count > s->nonFinite && std::isfinite(s->histogram.lo) && std::isfinite(s->histogram.hi);
}

// Adds one histogram's counts to `out` (bins over [lo, hi]).
void rebin(const neurite::Histogram& h, double lo, double hi, float* out, int bins)
{
    const double width = (hi - lo) / bins;
    const double from = h.lo, step = (double(h.hi) - double(h.lo)) / neurite::kHistogramBins;
    const auto binOf = [&](double v) { return std::clamp(int((v - lo) / width), 0, bins - 1); };
    for (int k = 0; k < neurite::kHistogramBins; ++k) {
        const double count = h.counts[std::size_t(k)];
        if (count == 0)
            continue;
        const double a = from + k * step, b = a + step;
        if (step <= 0) { // every value the same
            out[binOf(a)] += float(count);
            continue;
        }
        for (int j = binOf(a); j <= binOf(b); ++j) {
            const double overlap = std::min(b, lo + (j + 1) * width) - std::max(a, lo + j * width);
            if (overlap > 0)
                out[j] += float(count * overlap / step);
        }
    }
}

} // namespace

Distribution distributionOverTime(const std::vector<const neurite::TensorSummary*>& summaries,
                                  const std::vector<std::int64_t>& steps, int maxColumns, int bins)
{
    Distribution d;
    const int n = int(summaries.size());
    if (n == 0 || maxColumns <= 0 || bins <= 0)
        return d;
    d.bins = bins;
    d.columns = std::min(n, maxColumns);
    d.lo = std::numeric_limits<double>::infinity();
    d.hi = -std::numeric_limits<double>::infinity();
    for (const auto* s : summaries)
        if (measured(s)) {
            d.lo = std::min(d.lo, double(s->histogram.lo));
            d.hi = std::max(d.hi, double(s->histogram.hi));
        }
    if (!(d.lo <= d.hi)) // nothing measured at all
        d.lo = d.hi = 0;
    if (d.hi - d.lo < 1e-12 * std::max(1.0, std::abs(d.lo))) { // one value: a range around it
        const double pad = std::max(0.5, std::abs(d.lo) * 0.01);
        d.lo -= pad;
        d.hi += pad;
    }
    d.share.assign(std::size_t(d.columns) * std::size_t(bins), 0.0f);
    d.firstStep.assign(std::size_t(d.columns), 0);
    d.lastStep.assign(std::size_t(d.columns), 0);
    d.nonFinite.assign(std::size_t(d.columns), 0);
    d.empty.assign(std::size_t(d.columns), 1);
    for (int c = 0; c < d.columns; ++c) {
        // Column c holds snapshots [first, last): the columns split them as evenly as can be.
        const int first = int(std::int64_t(c) * n / d.columns), last = int(std::int64_t(c + 1) * n / d.columns);
        float* column = d.share.data() + std::size_t(c) * std::size_t(bins);
        d.firstStep[std::size_t(c)] = steps[std::size_t(first)];
        d.lastStep[std::size_t(c)] = steps[std::size_t(last - 1)];
        for (int i = first; i < last; ++i) {
            const auto* s = summaries[std::size_t(i)];
            if (!s)
                continue;
            d.nonFinite[std::size_t(c)] |= s->nonFinite > 0;
            if (measured(s)) {
                rebin(s->histogram, d.lo, d.hi, column, bins);
                d.empty[std::size_t(c)] = 0;
            }
        }
        float total = 0;
        for (int b = 0; b < bins; ++b)
            total += column[b];
        if (total > 0)
            for (int b = 0; b < bins; ++b)
                column[b] /= total;
    }
    return d;
}
