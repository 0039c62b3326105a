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

// The header of a safetensors file for these tensors: the 8-byte length and the JSON, padded so
// the data that follows starts 8-byte aligned. The data is the tensors' bytes in the order given.
std::string safetensorsHeader(const std::vector<std::pair<std::string, const Tensor*>>& tensors,
                              const std::map<std::string, std::string>& metadata = {});

struct SafetensorsEntry {
    std::string name;
    Shape shape;
    std::uint64_t begin = 0, end = 0;   // byte offsets in the data section
};
struct SafetensorsLayout {
    std::uint64_t dataStart = 0;        // where the data section begins in the file
    std::vector<SafetensorsEntry> tensors;
    std::map<std::string, std::string> metadata;
};
// Parses a header given the file's first bytes (at least 8 + the header length). Throws DataError
// (naming `source`) when malformed or when a tensor lies past totalBytes.
SafetensorsLayout parseSafetensorsHeader(const std::string& headerBytes, std::uint64_t totalBytes,
                                         const std::string& source);

// Writes the named tensors (in the order given). Throws DataError when the file cannot be written.
void writeSafetensors(const std::string& path, const std::vector<std::pair<std::string, const Tensor*>>& tensors,
                      const std::map<std::string, std::string>& metadata = {});

// Reads every F32 tensor. Throws DataError with the byte offset for a malformed file.
std::map<std::string, Tensor> readSafetensors(const std::string& path);

} // namespace neurite
