#include "engine/compare/BestValue.h"

#include <cmath>

namespace neurite {

std::optional<MetricPoint> bestPoint(const std::vector<MetricPoint>& points, bool higherIsBetter)
{
    const MetricPoint* best = nullptr;
    for (const auto& p : points) {
        if (!std::isfinite(p.value))
            continue;
        if (!best || (higherIsBetter ? p.value > best->value : p.value < best->value))
            best = &p;
    }
    return best ? std::optional<MetricPoint>(*best) : std::nullopt;
}

std::optional<double> bestValue(const std::vector<MetricPoint>& points, bool higherIsBetter)
{
    const auto best = bestPoint(points, higherIsBetter);
    return best ? std::optional<double>(best->value) : std::nullopt;
}

} // namespace neurite
