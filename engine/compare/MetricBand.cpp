#include "engine/compare/MetricBand.h"

#include <algorithm>
#include <cmath>
#include <map>

namespace neurite {

MetricBand metricBand(const std::vector<std::vector<MetricPoint>>& curves)
{
    struct Sum {
        double total = 0, min = 0, max = 0;
        int count = 0;
    };
    std::map<std::int64_t, Sum> steps;
    for (const auto& curve : curves) {
        std::map<std::int64_t, double> last; // this run's value at each step
        for (const auto& p : curve)
            last[p.step] = p.value;
        for (const auto& [step, value] : last) {
            if (!std::isfinite(value))
                continue;
            Sum& s = steps[step];
            s.min = s.count ? std::min(s.min, value) : value;
            s.max = s.count ? std::max(s.max, value) : value;
            s.total += value;
            ++s.count;
        }
    }
    MetricBand band;
    for (const auto& [step, s] : steps) {
        band.xs.push_back(double(step));
        band.mean.push_back(s.total / s.count);
        band.min.push_back(s.min);
        band.max.push_back(s.max);
        band.count.push_back(s.count);
    }
    return band;
}

} // namespace neurite
