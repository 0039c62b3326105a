#pragma once
// The few cheap reads that following a live run needs and RunStore does not offer (yet): whether
// another connection committed, the last step of each metric of a run, and the points after a
// step. They read the store's schema (engine/store/RunStore.cpp, version 1) through its own
// connection; they belong in engine/store and should move there, next to RunIndex.
// Same thread rule as the store: the connection's thread only. Failures throw StoreError.
#include "engine/store/RunStore.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace metric_tail {

// PRAGMA data_version: changes when another connection commits (never for this one's own writes).
std::int64_t dataVersion(neurite::RunStore& store);

// Each metric the run has, with the step of its last point (from the store's final_metrics table).
std::map<std::string, std::int64_t> lastSteps(neurite::RunStore& store, std::int64_t run);

// The points of one metric with a step after `step`, by step (the primary key: a range read).
std::vector<neurite::MetricPoint> pointsAfter(neurite::RunStore& store, std::int64_t run, const std::string& name,
                                              std::int64_t step);

} // namespace metric_tail
