#include "engine/export/Safetensors.h"

#include "engine/core/Error.h"

#include <nlohmann/json.hpp>

#include <cstring>
#include <fstream>
#include <iterator>

namespace neurite {

void writeSafetensors(const std::string& path, const std::vector<std::pair<std::string, const Tensor*>>& tensors,
                      const std::map<std::string, std::string>& metadata)
{
    nlohmann::ordered_json header;
    if (!metadata.empty())
        header["__metadata__"] = metadata;
    std::uint64_t offset = 0;
    for (const auto& [name, t] : tensors) {
        const std::uint64_t bytes = std::uint64_t(t->numel()) * sizeof(float);
        header[name] = {{"dtype", "F32"}, {"shape", t->shape().dims()}, {"data_offsets", {offset, offset + bytes}}};
        offset += bytes;
    }
    std::string text = header.dump();
    text.append((8 - text.size() % 8) % 8, ' ');  // align the data to 8 bytes, as the reference writer does
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    if (!out)
        throw DataError(path, "cannot write the safetensors file");
    const std::uint64_t length = text.size();  // little-endian on the machines we support
    out.write(reinterpret_cast<const char*>(&length), 8);
    out.write(text.data(), std::streamsize(text.size()));
    for (const auto& [name, t] : tensors)
        out.write(reinterpret_cast<const char*>(t->data()), std::streamsize(t->numel() * sizeof(float)));
    if (!out)
        throw DataError(path, "write failed (disk full?)");
}

std::map<std::string, Tensor> readSafetensors(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw DataError(path, "cannot open the safetensors file");
    const std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (bytes.size() < 8)
        throw DataError(path, DataError::Where::ByteOffset, bytes.size(), "file ends inside the 8-byte header length");
    std::uint64_t length;
    std::memcpy(&length, bytes.data(), 8);
    if (length > bytes.size() - 8)
        throw DataError(path, DataError::Where::ByteOffset, 0,
                        "header length " + std::to_string(length) + " runs past the end of the file");
    nlohmann::json header;
    try {
        header = nlohmann::json::parse(bytes.begin() + 8, bytes.begin() + 8 + std::ptrdiff_t(length));
    } catch (const nlohmann::json::parse_error& e) {
        throw DataError(path, DataError::Where::ByteOffset, 8 + e.byte, "malformed JSON header");
    }
    const std::uint64_t dataStart = 8 + length;
    std::map<std::string, Tensor> out;
    for (const auto& [name, info] : header.items()) {
        if (name == "__metadata__")
            continue;
        if (info.value("dtype", "") != "F32")
            throw DataError(path, "tensor '" + name + "' is " + info.value("dtype", "?") + "; only F32 is supported");
        const auto shape = info.at("shape").get<std::vector<std::int64_t>>();
        const auto offsets = info.at("data_offsets").get<std::vector<std::uint64_t>>();
        Tensor t{Shape(shape)};
        if (offsets.size() != 2 || offsets[1] - offsets[0] != std::uint64_t(t.numel()) * sizeof(float) ||
            dataStart + offsets[1] > bytes.size())
            throw DataError(path, DataError::Where::ByteOffset, dataStart + (offsets.empty() ? 0 : offsets[0]),
                            "tensor '" + name + "' has data offsets that do not match its shape or the file size");
        std::memcpy(t.data(), bytes.data() + dataStart + offsets[0], offsets[1] - offsets[0]);
        out.emplace(name, std::move(t));
    }
    return out;
}

} // namespace neurite
