#pragma once
// The one catalogue of the metrics a run records: their names, how to show them, whether higher
// is better, and when they are recorded. The CLI, the checkpoint retention rule, the studio's
// charts and the runs browser all read it.
#include <string>
#include <string_view>
#include <vector>

namespace neurite {

enum class MetricScope { Step, Epoch, Final };   // per training step, per epoch, once at the end

struct MetricInfo {
    std::string name;           // as stored: "val/accuracy"
    std::string label;          // for people: "validation accuracy"
    bool higherIsBetter = false;
    MetricScope scope = MetricScope::Step;
    bool rankable = false;      // may judge the best checkpoint (--keep-best)
};

const std::vector<MetricInfo>& metricCatalogue();
const MetricInfo* findMetric(std::string_view name);   // null: not in the catalogue
// Unknown names count as lower-is-better (losses and times are the common case).
bool higherIsBetter(std::string_view name);
// "val/loss, val/accuracy, ... or epoch/train_accuracy", for messages.
std::string rankableMetricNames();

} // namespace neurite
