#include "engine/run/MetricCatalogue.h"

namespace neurite {

const std::vector<MetricInfo>& metricCatalogue()
{
    using S = MetricScope;
    static const std::vector<MetricInfo> metrics = {
        {"train/loss", "training loss (batch)", false, S::Step, false},
        {"train/accuracy", "training accuracy (batch)", true, S::Step, false},
        {"lr", "learning rate", false, S::Step, false},
        {"grad_norm", "gradient norm", false, S::Step, false},
        {"samples_per_second", "samples per second", true, S::Step, false},
        {"val/loss", "validation loss", false, S::Epoch, true},
        {"val/accuracy", "validation accuracy", true, S::Epoch, true},
        {"val/top5", "validation top-5 accuracy", true, S::Epoch, true},
        {"epoch/train_loss", "training loss (epoch)", false, S::Epoch, true},
        {"epoch/train_accuracy", "training accuracy (epoch)", true, S::Epoch, true},
        {"epoch/seconds", "seconds per epoch", false, S::Epoch, false},
        {"epoch/samples_per_second", "samples per second (epoch)", true, S::Epoch, false},
        {"test/loss", "test loss", false, S::Final, false},
        {"test/accuracy", "test accuracy", true, S::Final, false},
    };
    return metrics;
}

const MetricInfo* findMetric(std::string_view name)
{
    for (const auto& m : metricCatalogue())
        if (m.name == name)
            return &m;
    return nullptr;
}

bool higherIsBetter(std::string_view name)
{
    const MetricInfo* m = findMetric(name);
    return m && m->higherIsBetter;
}

std::string rankableMetricNames()
{
    std::vector<std::string> names;
    for (const auto& m : metricCatalogue())
        if (m.rankable)
            names.push_back(m.name);
    std::string out;
    for (std::size_t i = 0; i < names.size(); ++i)
        out += (i == 0 ? "" : i + 1 == names.size() ? " or " : ", ") + names[i];
    return out;
}

} // namespace neurite
