#pragma once
// The proof an export carries: the export run in its target runtime on fixed inputs
// (TrainedModel.h: verificationInputs) against Neurite's own outputs (referenceOutputs).
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace neurite {

struct OutputDifference {
    std::string name;                  // the output's name in the export ("logits", "probabilities")
    double maxAbs = 0, meanAbs = 0;    // |theirs − ours| over every element
    double maxRelative = 0;            // max |theirs − ours| / (1 + |ours|), what the tolerance bounds
};

struct VerificationReport {
    std::string runtime;               // "ONNX Runtime", "PyTorch"
    std::string runtimeVersion;        // as the runtime reports it: "1.20.1"
    std::int64_t samples = 0;          // inputs run
    double tolerance = 1e-4;           // on maxRelative, for fp32
    std::vector<OutputDifference> outputs;
    bool passed = false;
    std::string message;               // why it failed (or could not run), empty when it passed

    nlohmann::json toJson() const;
};

// Compares theirs with ours element by element (equal sizes, else a failed difference).
OutputDifference compareOutputs(const std::string& name, const std::vector<float>& ours,
                                const std::vector<float>& theirs);

} // namespace neurite
