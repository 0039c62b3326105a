#include "engine/core/Error.h"

#include <cstdio>

namespace neurite {

static std::string withNode(const std::string& nodeId, const std::string& message, const std::string& hint)
{
    std::string text = nodeId.empty() ? message : "node '" + nodeId + "': " + message;
    if (!hint.empty())
        text += " (hint: " + hint + ")";
    return text;
}

ModelError::ModelError(std::string nodeId, const std::string& message, std::string hint)
    : Error(withNode(nodeId, message, hint)), nodeId_(std::move(nodeId)), hint_(std::move(hint))
{
}

ExportError::ExportError(std::string nodeId, std::string layerType, const std::string& message)
    : ModelError(std::move(nodeId), message), layerType_(std::move(layerType))
{
}

DataError::DataError(std::string file, const std::string& message)
    : Error(file + ": " + message), file_(std::move(file))
{
}

static std::string position(DataError::Where where, std::uint64_t at)
{
    switch (where) {
    case DataError::Where::ByteOffset: return " at byte " + std::to_string(at);
    case DataError::Where::Line: return ":" + std::to_string(at);
    case DataError::Where::None: break;
    }
    return {};
}

DataError::DataError(std::string file, Where where, std::uint64_t at, const std::string& message)
    : Error(file + position(where, at) + ": " + message), file_(std::move(file))
{
}

namespace {
std::string mebibytes(std::int64_t bytes)
{
    char text[32];
    std::snprintf(text, sizeof text, "%.1f MiB", double(bytes) / (1 << 20));
    return text;
}
} // namespace

OutOfMemoryError::OutOfMemoryError(std::string purpose, std::int64_t bytes, std::int64_t freeBytes,
                                   const std::string& device)
    : Error("out of memory on " + device + ": " + (purpose.empty() ? std::string("a buffer") : "'" + purpose + "'") +
            " asked for " + mebibytes(bytes) + " (" + std::to_string(bytes) + " bytes)" +
            (freeBytes >= 0 ? ", " + mebibytes(freeBytes) + " free" : std::string()) +
            "; try a smaller batch or model"),
      purpose_(std::move(purpose)), bytes_(bytes)
{
}

DivergedError::DivergedError(std::int64_t step, std::string nodeId, const std::string& message)
    : Error("diverged at step " + std::to_string(step) + (nodeId.empty() ? "" : " in node '" + nodeId + "'")
            + ": " + message),
      step_(step), nodeId_(std::move(nodeId))
{
}

} // namespace neurite
