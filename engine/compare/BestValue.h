#pragma once
// The best point of one metric over a run: the lowest loss, the highest accuracy.
#include "engine/store/RunStore.h"

#include <optional>
#include <vector>

namespace neurite {

// The point with the lowest value, or the highest when higherIsBetter. NaN and infinite values
// are skipped; on a tie the earliest point (in the order given) wins. nullopt when no point has
// a finite value.
std::optional<MetricPoint> bestPoint(const std::vector<MetricPoint>& points, bool higherIsBetter);

// bestPoint's value.
std::optional<double> bestValue(const std::vector<MetricPoint>& points, bool higherIsBetter);

} // namespace neurite
