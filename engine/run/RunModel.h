#pragma once
// A recorded run as a trained model: its network with the weights of one of its checkpoints, for
// the exporters (ONNX, PyTorch, bundles) and evaluation.
#include "engine/export/TrainedModel.h"
#include "engine/run/Job.h"
#include "engine/store/RunStore.h"

#include <string>
#include <vector>

namespace neurite {

// The checkpoint `which` names: "best" (by the metric the run judged checkpoints by; the last when
// none has a value), "last", or a checkpoint id of this run. ConfigError when there is none.
CheckpointInfo chooseCheckpoint(const std::vector<CheckpointInfo>& checkpoints, const std::string& which,
                                std::int64_t runId);

struct RunModel {
    TrainedModel model;            // origin: "run 12, checkpoint 40 (epoch 10)"
    CheckpointInfo checkpoint;
    JobSpec job;                   // how it was trained (train.py reproduces it)
};

RunModel loadRunModel(RunStore& store, std::int64_t runId, const std::string& which = "best");

} // namespace neurite
