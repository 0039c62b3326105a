#include "engine/run/RunModel.h"

#include "engine/core/Error.h"
#include "engine/graph/ModelJson.h"
#include "engine/run/MetricCatalogue.h"
#include "engine/run/Workspace.h"

namespace neurite {

CheckpointInfo chooseCheckpoint(const std::vector<CheckpointInfo>& checkpoints, const std::string& which,
                                std::int64_t runId)
{
    const std::string run = "run " + std::to_string(runId);
    if (checkpoints.empty())
        throw ConfigError(run + " has no checkpoint");
    if (which == "last")
        return checkpoints.back();
    if (which == "best") {
        const CheckpointInfo* chosen = &checkpoints.back();
        for (const auto& c : checkpoints)
            if (c.metricValue && (!chosen->metricValue || (higherIsBetter(c.metricName)
                                                               ? *c.metricValue > *chosen->metricValue
                                                               : *c.metricValue < *chosen->metricValue)))
                chosen = &c;
        return *chosen;
    }
    std::size_t used = 0;
    std::int64_t id = 0;
    try {
        id = std::stoll(which, &used);
    } catch (const std::exception&) {
    }
    if (used == 0 || used != which.size())
        throw ConfigError("checkpoint '" + which + "': choose best, last or a checkpoint id");
    for (const auto& c : checkpoints)
        if (c.id == id)
            return c;
    throw ConfigError(run + " has no checkpoint " + which + " (it has " + std::to_string(checkpoints.size()) +
                      ", the last is " + std::to_string(checkpoints.back().id) + ")");
}

RunModel loadRunModel(RunStore& store, std::int64_t runId, const std::string& which)
{
    const RunRecord record = store.run(runId);
    RunModel out;
    out.checkpoint = chooseCheckpoint(store.checkpoints(runId), which, runId);
    out.job = jobOfRun(record);
    out.model.graph = modelFromText(record.modelJson, "run " + std::to_string(runId));
    out.model.origin = "run " + std::to_string(runId) + ", checkpoint " + std::to_string(out.checkpoint.id) +
                       " (epoch " + std::to_string(out.checkpoint.epoch) + ")";
    // The checkpoint holds "model/…" (the weights), "optim/…" and "best/…"; only the first are the model.
    const std::string prefix = "model/";
    for (auto& [name, tensor] : store.loadCheckpoint(out.checkpoint.id))
        if (name.rfind(prefix, 0) == 0)
            out.model.parameters.emplace(name.substr(prefix.size()), std::move(tensor));
    return out;
}

} // namespace neurite
