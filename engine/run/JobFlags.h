#pragma once
// The job as command-line settings ("epochs" → "5"): how `neurite train` takes it, and how runs
// recorded before the job format (store schema 1) kept their settings.
#include "engine/run/Job.h"

#include <map>
#include <string>
#include <vector>

namespace neurite {

struct FlagSpec {
    std::string name;         // "epochs" for --epochs
    std::string valueName;    // "N"; empty: a flag without a value
    std::string help;
};

// The settings that describe a job (not how it is run: --workspace, --quiet, ... belong to the CLI).
const std::vector<FlagSpec>& jobFlags();

// Applies the flags over `job` (flags that are absent keep its values). A flag without a value
// is present with any text ("1"). Throws ConfigError: "option --lr: 'fast' is not a number",
// an unknown flag, settings that contradict each other.
JobSpec jobFromFlags(const std::map<std::string, std::string>& flags, JobSpec job = {});

} // namespace neurite
