#pragma once
// The safetensors format (a safe format: reading it never runs code): an 8-byte little-endian
// header length, a JSON header {"name": {"dtype": "F32", "shape": [...], "data_offsets": [b, e]}},
// then the raw little-endian data. PyTorch, NumPy and others read it.
#include "engine/core/Tensor.h"

#include <map>
#include <string>
#include <utility>
#include <vector>

namespace neurite {

// Writes the named tensors (in the order given). Throws DataError when the file cannot be written.
void writeSafetensors(const std::string& path, const std::vector<std::pair<std::string, const Tensor*>>& tensors,
                      const std::map<std::string, std::string>& metadata = {});

// Reads every F32 tensor. Throws DataError with the byte offset for a malformed file.
std::map<std::string, Tensor> readSafetensors(const std::string& path);

} // namespace neurite
