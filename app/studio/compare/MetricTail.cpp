#include "app/studio/compare/MetricTail.h"

#include <cmath>

namespace metric_tail {

std::int64_t dataVersion(neurite::RunStore& store)
{
    auto s = store.database().prepare("PRAGMA data_version");
    return s.step() ? s.integer(0) : 0;
}

std::map<std::string, std::int64_t> lastSteps(neurite::RunStore& store, std::int64_t run)
{
    auto s = store.database().prepare("SELECT n.name, f.step FROM final_metrics f "
                                      "JOIN metric_names n ON n.id = f.name_id WHERE f.run_id = ?");
    s.bind(1, run);
    std::map<std::string, std::int64_t> out;
    while (s.step())
        out[s.text(0)] = s.integer(1);
    return out;
}

std::vector<neurite::MetricPoint> pointsAfter(neurite::RunStore& store, std::int64_t run, const std::string& name,
                                              std::int64_t step)
{
    auto s = store.database().prepare(
        "SELECT m.step, m.epoch, m.samples, m.time, m.value FROM metrics m JOIN metric_names n ON n.id = m.name_id "
        "WHERE m.run_id = ? AND n.name = ? AND m.step > ? ORDER BY m.step");
    s.bind(1, run).bind(2, name).bind(3, step);
    std::vector<neurite::MetricPoint> out;
    while (s.step())
        out.push_back({s.integer(0), int(s.integer(1)), s.integer(2), s.real(3), s.isNull(4) ? NAN : s.real(4)});
    return out;
}

} // namespace metric_tail
