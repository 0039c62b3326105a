#pragma once
// A telemetry snapshot as bytes for the run store: a little-endian binary record (version byte,
// then the snapshot field by field; histogram counts as 32-bit integers), deflated with zlib.
// About 0.2 KiB per layer before compression; the counts compress well.
#include "engine/train/Telemetry.h"

#include <string>

namespace neurite {

std::string encodeTelemetry(const TelemetrySnapshot& snapshot);
// Throws DataError naming the byte offset where the record is cut short or malformed.
TelemetrySnapshot decodeTelemetry(const std::string& bytes);

} // namespace neurite
