#pragma once
// The Neurite bundle (MODEL.neurite): one file with a model, its weights and the metadata of the
// run it came from, which the studio and the CLI open for inference and fine-tuning.
//
// It is a safetensors file, so that any safetensors reader opens it (Python:
// safetensors.safe_open, or 20 lines of NumPy): every parameter and state tensor as F32 under
// Neurite's names ("fc1.weight", "bn1.running_mean"), in the plan's order, and in the header's
// __metadata__ (strings, as the format wants):
//   "format"          "neurite-bundle"
//   "format_version"  "1"
//   "model"           the versioned model JSON (ModelJson.h)
//   "metadata"        the run's metadata as JSON: origin, the job, metrics, whatever the writer gave
//   "origin"          where the weights come from ("run 12, checkpoint 40 (epoch 10)")
//   "checksum"        "crc32:xxxxxxxx": CRC-32 (zlib's) of model, metadata and origin, each followed
//                     by a zero byte, then of the data section: a changed byte is found, not used
//
// Written to "<path>.part" and renamed: a bundle is whole or absent.
#include "engine/export/TrainedModel.h"

#include <nlohmann/json.hpp>

#include <map>
#include <string>

namespace neurite {

constexpr int kBundleFormatVersion = 1;

struct Bundle {
    TrainedModel model;           // origin from the bundle
    nlohmann::json metadata;      // as written
};

// Throws ModelError (an invalid graph), Error (a parameter missing or of the wrong size),
// DataError (the file cannot be written).
void writeBundle(const TrainedModel& model, const nlohmann::json& metadata, const std::string& path);

// Throws DataError naming the file and, where it can, the byte offset: a file that is not a
// bundle, truncated, corrupt (checksum), from a newer Neurite, or whose weights do not fit its
// model. Never reads past the file, never trusts a size it has not checked.
Bundle readBundle(const std::string& path);

// The weights a file holds, for fine-tuning and inference: a .neurite bundle's parameters, or the
// tensors of any other (.safetensors) file by name.
std::map<std::string, Tensor> readWeights(const std::string& path);

} // namespace neurite
