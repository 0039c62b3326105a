#pragma once
// Learning-rate schedules as pure functions of the step, matching torch.optim.lr_scheduler.
#include <cstdint>
#include <string>

namespace neurite {

struct ScheduleConfig {
    std::string kind = "constant";     // constant, step, exponential, cosine, onecycle
    double gamma = 0.1;                // step: factor every stepEpochs; exponential: factor per epoch
    int stepEpochs = 10;               // step
    std::int64_t warmupSteps = 0;      // linear warm-up from lr/warmupSteps, on top of any schedule
};

class Schedule {
public:
    // Throws ConfigError for an unknown kind or a bad value.
    Schedule(ScheduleConfig config, double baseLr, std::int64_t stepsPerEpoch, std::int64_t totalSteps);
    double lr(std::int64_t step) const;   // step counts from 0

private:
    ScheduleConfig c_;
    double base_;
    std::int64_t perEpoch_, total_;
};

} // namespace neurite
