#pragma once
// A tensor's distribution over a run, as the Telemetry dock draws it (like TensorBoard's
// distributions): x = the snapshots in time, y = value, colour = how many values. Each snapshot's
// histogram has its own [lo, hi], so the histograms are re-binned into one range common to all,
// spreading each bin's count over the common bins it overlaps (values taken as uniform within a
// bin). More snapshots than columns: consecutive snapshots share a column (their counts summed).
// Plain values, no Qt.
#include "engine/train/Telemetry.h"

#include <cstdint>
#include <vector>

struct Distribution {
    int columns = 0, bins = 0;
    double lo = 0, hi = 0;                     // the common range: bin 0 starts at lo
    std::vector<float> share;                  // [columns × bins]: share of the column's values
    std::vector<std::int64_t> firstStep, lastStep;   // per column: the steps it covers
    std::vector<char> nonFinite;               // per column: some value was NaN or infinite
    std::vector<char> empty;                   // per column: nothing measured

    float at(int column, int bin) const { return share[std::size_t(column) * std::size_t(bins) + std::size_t(bin)]; }
    double binLow(int bin) const { return lo + (hi - lo) * bin / bins; }
};

// `summaries[i]`: the tensor at step `steps[i]` (null where the layer had none then).
Distribution distributionOverTime(const std::vector<const neurite::TensorSummary*>& summaries,
                                  const std::vector<std::int64_t>& steps, int maxColumns,
                                  int bins = neurite::kHistogramBins);
