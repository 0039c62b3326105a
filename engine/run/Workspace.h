#pragma once
// Opening a workspace (a run store) for the front ends, and reading a run's job back.
#include "engine/run/Job.h"
#include "engine/store/RunStore.h"

#include <memory>
#include <string>

namespace neurite {

// Opens (creating when needed) the workspace and brings runs recorded before the job format up to
// it (upgradeLegacyRuns); read-only workspaces are opened read-only and left as they are.
std::unique_ptr<RunStore> openWorkspace(const std::string& path);

// The job a run was trained with, model included: its "job" settings, or for runs recorded by
// older versions (store schema 1 kept command-line flags under "settings") the same flags read
// as `neurite train` reads them. Throws ConfigError when neither is readable.
JobSpec jobOfRun(const RunRecord& run);

// Rewrites the settings of runs recorded as flags into the job format, in one transaction, keeping
// the flags under "legacy_flags". Returns how many runs it rewrote. Safe to run again.
int upgradeLegacyRuns(RunStore& store);

} // namespace neurite
