#pragma once
// The proof of an ONNX export: ONNX Runtime (npm's onnxruntime-node, CPU) runs the file on fixed
// inputs (verificationInputs) and every output is compared with Neurite's own (referenceOutputs;
// its row softmax for "probabilities"), tolerance 1e-4 relative (fp32).
//
// The runner is tools/onnx-verify/verify.js, run with `node`. It is looked for in
// $NEURITE_ONNX_VERIFY_DIR, the source tree this was built from, <prefix>/share/neurite/onnx-verify
// beside the running program, and the install prefix; installer/setup.sh installs its package
// (`npm ci --ignore-scripts`).
#include "engine/export/TrainedModel.h"
#include "engine/export/Verification.h"
#include "engine/export/onnx/OnnxExport.h"

#include <cstdint>
#include <string>

namespace neurite {

// Runs `onnxPath` (exported from `model` with `options`) on `samples` inputs. Never throws: when
// node, the runner or its runtime is missing, or the run fails, the report says so and passed is
// false. Blocks until the runtime has finished (a second or two); any thread.
VerificationReport verifyOnnx(const TrainedModel& model, const std::string& onnxPath,
                              const OnnxExportOptions& options, std::int64_t samples = 8);

// The folder of verify.js whose onnxruntime-node is installed, or "" when there is none.
std::string onnxVerifyDir();

} // namespace neurite
