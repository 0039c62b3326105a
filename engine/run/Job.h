#pragma once
// A training job's description: the model, the data and its options, every training setting, the
// device, the threads and the recording policy. It is the one contract between the front ends
// (`neurite train`, the studio's Train) and the engine, and the run store keeps it, as JSON, as
// the run's settings (RunRecord::hyperparams["job"]).
#include "engine/train/Trainer.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace neurite {

constexpr int kJobFormatVersion = 1;

struct DataSettings {
    std::string spec = "fashion-mnist";  // a catalogue name ("spiral:samples=2000") or a path
    double valSplit = 0.1;               // fraction of the training part held out for validation
    std::int64_t trainSamples = 0;       // train on the first N samples only; 0: all
    int augmentCrop = 0;                 // random crop after padding by N pixels; 0: off
    bool augmentFlip = false;            // random horizontal flips
};

struct RecordSettings {
    bool record = true;                  // false: nothing is written to the run store
    std::string name;                    // empty: "run N"
    std::vector<std::string> tags;
    int checkpointEvery = 1;             // epochs between checkpoints (and after the last)
    int keepLast = 2;                    // checkpoints kept besides the best one
    std::string keepBest = "val/loss";   // the metric the best checkpoint is judged by
};

struct JobSpec {
    std::string modelJson;               // the model to train (the versioned model JSON)
    DataSettings data;
    TrainConfig train;
    std::optional<double> labelSmoothing;  // overrides every CrossEntropyLoss's label_smoothing
    std::string device = "cpu";          // cpu, reference or cuda (cuda falls back to the CPU)
    int threads = 0;                     // CPU threads; 0: all cores
    std::string precision = "fp32";      // fp32; tf32 (a GPU's tensor cores: matrix products and
                                         // convolutions round inputs to 10-bit mantissas); bf16 (--device
                                         // cuda only: matrix products and convolutions on bf16 inputs with
                                         // fp32 accumulation, fp32 master weights; fp32 on the CPU fallback)
    bool deterministic = false;          // a GPU uses only deterministic algorithms (the CPU always does)
    std::string initialWeights;          // fine-tuning: start from these weights (a .safetensors file of the
                                         // parameters by name, or a .neurite bundle), not from the seed
    RecordSettings recording;
    bool telemetry = true;               // per-layer telemetry (TrainConfig::telemetry), recorded with the run
                                         // (taken only when recorded or shown)
};

// Throws ConfigError for a value out of range (and what validate(TrainConfig) refuses).
void validate(const JobSpec& job);

// The job without its model (the store keeps the model in a column of its own) as JSON, and back.
// Keys missing from the JSON take their defaults; an unknown key is a ConfigError naming it and
// `where` (a file name, "run 12").
nlohmann::json jobToJson(const JobSpec& job);
JobSpec jobFromJson(const nlohmann::json& json, const std::string& where);

// What the run store keeps for a job (the job JSON plus a few flat keys that listings read).
nlohmann::json runSettings(const JobSpec& job);

} // namespace neurite
