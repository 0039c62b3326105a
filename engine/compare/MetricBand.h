#pragma once
// The mean curve of one metric over a group of runs, with the band from the lowest to the highest
// run at each step: what a chart of a seed group (SeedGroups.h) draws.
#include "engine/store/RunStore.h"

#include <vector>

namespace neurite {

struct MetricBand {
    std::vector<double> xs;       // the steps, ascending
    std::vector<double> mean;     // at each x, over the runs that have a value there
    std::vector<double> min, max; // the band
    std::vector<int> count;       // how many runs have a value at each x
};

// curves: one metric's points per run (RunStore::metrics), in any order.
// - Points are aligned by step. A step that only some runs recorded (a run that stopped early, or
//   logs less often) is averaged over those runs alone; count says how many.
// - When a run has several points at one step (a resumed run that recorded it again), its last
//   one counts.
// - NaN and infinite values are left out (a diverged run would otherwise hide the others); a step
//   with no finite value at all has no x.
MetricBand metricBand(const std::vector<std::vector<MetricPoint>>& curves);

} // namespace neurite
