#pragma once
// The proof of a PyTorch export: PyTorch itself loads the folder (load.py: load_state_dict with
// strict=True) and runs it on the fixed inputs (TrainedModel.h: verificationInputs); its outputs
// are compared with Neurite's (referenceOutputs), relative tolerance 1e-4 (fp32).
//
// The runtime is /usr/bin/python3 (Debian's python3-torch), or the interpreter NEURITE_PYTHON
// names. It runs in a process of its own (POSIX spawn; the engine has no Qt), with a time limit.
#include "engine/export/TrainedModel.h"
#include "engine/export/Verification.h"

#include <cstdint>
#include <string>

namespace neurite {

// folder: an exportPyTorch folder of this model. Never throws for the runtime: no Python, no
// PyTorch, a strict load that fails, a crash or a time-out give a report with passed = false and
// the reason (and the runtime's error output) in message. Throws ModelError when the model itself
// is invalid (as referenceOutputs).
VerificationReport verifyPyTorch(const TrainedModel& model, const std::string& folder, std::int64_t samples = 8);

} // namespace neurite
