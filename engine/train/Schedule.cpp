#include "engine/train/Schedule.h"

#include "engine/core/Error.h"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace neurite {

Schedule::Schedule(ScheduleConfig config, double baseLr, std::int64_t stepsPerEpoch, std::int64_t totalSteps)
    : c_(std::move(config)), base_(baseLr), perEpoch_(std::max<std::int64_t>(stepsPerEpoch, 1)),
      total_(std::max<std::int64_t>(totalSteps, 1))
{
    const auto& k = c_.kind;
    if (k != "constant" && k != "step" && k != "exponential" && k != "cosine" && k != "onecycle")
        throw ConfigError("unknown schedule '" + k + "'; choose constant, step, exponential, cosine or onecycle");
    if (c_.stepEpochs < 1)
        throw ConfigError("schedule step size must be at least 1 epoch");
    if (c_.warmupSteps < 0)
        throw ConfigError("warm-up steps must not be negative");
}

double Schedule::lr(std::int64_t step) const
{
    const std::int64_t epoch = step / perEpoch_;
    double lr = base_;
    if (c_.kind == "step") {
        lr = base_ * std::pow(c_.gamma, double(epoch / c_.stepEpochs));
    } else if (c_.kind == "exponential") {
        lr = base_ * std::pow(c_.gamma, double(epoch));
    } else if (c_.kind == "cosine") {  // CosineAnnealingLR over all steps, to 0
        lr = base_ * 0.5 * (1.0 + std::cos(std::numbers::pi * double(std::min(step, total_)) / double(total_)));
    } else if (c_.kind == "onecycle") {  // OneCycleLR: pct_start 0.3, div_factor 25, final_div_factor 1e4
        const double initial = base_ / 25.0, final = initial / 1e4;
        const double peakStep = 0.3 * double(total_) - 1.0, lastStep = double(total_) - 1.0;
        const auto anneal = [](double from, double to, double pct) {
            return to + (from - to) / 2.0 * (std::cos(std::numbers::pi * pct) + 1.0);
        };
        const double s = double(step);
        lr = s <= peakStep ? anneal(initial, base_, s / peakStep)
                           : anneal(base_, final, std::min(1.0, (s - peakStep) / (lastStep - peakStep)));
    }
    if (c_.warmupSteps > 0 && step < c_.warmupSteps)
        lr *= double(step + 1) / double(c_.warmupSteps);
    return lr;
}

} // namespace neurite
