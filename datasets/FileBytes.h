#pragma once
// Reading a whole file, transparently decompressing gzip (.gz) files.
#include <cstdint>
#include <string>
#include <vector>

namespace neurite {

// Throws DataError when the file cannot be opened or its gzip stream is corrupt (with the offset
// in the decompressed data where it broke).
std::vector<std::uint8_t> readFileBytes(const std::string& path);

} // namespace neurite
