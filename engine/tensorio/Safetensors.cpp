#include "engine/tensorio/Safetensors.h"

#include "engine/core/Error.h"

#include <nlohmann/json.hpp>

#include <cstring>
#include <fstream>

namespace neurite {

std::string safetensorsHeader(const std::vector<std::pair<std::string, const Tensor*>>& tensors,
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
    const std::uint64_t length = text.size();     // little-endian on the machines we support
    std::string out(8, '\0');
    std::memcpy(out.data(), &length, 8);
    return out + text;
}

SafetensorsLayout parseSafetensorsHeader(const std::string& bytes, std::uint64_t totalBytes, const std::string& source)
{
    if (bytes.size() < 8)
        throw DataError(source, DataError::Where::ByteOffset, bytes.size(), "ends inside the 8-byte header length");
    std::uint64_t length;
    std::memcpy(&length, bytes.data(), 8);
    if (length > totalBytes - 8 || length > bytes.size() - 8)
        throw DataError(source, DataError::Where::ByteOffset, 0,
                        "header length " + std::to_string(length) + " runs past the end of the data");
    nlohmann::json header;
    try {
        header = nlohmann::json::parse(bytes.begin() + 8, bytes.begin() + 8 + std::ptrdiff_t(length));
    } catch (const nlohmann::json::parse_error& e) {
        throw DataError(source, DataError::Where::ByteOffset, 8 + e.byte, "malformed JSON header");
    }
    SafetensorsLayout layout;
    layout.dataStart = 8 + length;
    for (const auto& [name, info] : header.items()) {
        if (name == "__metadata__") {
            for (const auto& [key, value] : info.items())
                if (value.is_string())
                    layout.metadata[key] = value.get<std::string>();
            continue;
        }
        if (!info.is_object() || info.value("dtype", "") != "F32")
            throw DataError(source, "tensor '" + name + "' is not F32; only F32 is supported");
        SafetensorsEntry e;
        e.name = name;
        try {
            e.shape = Shape(info.at("shape").get<std::vector<std::int64_t>>());
            const auto offsets = info.at("data_offsets").get<std::vector<std::uint64_t>>();
            if (offsets.size() != 2)
                throw DataError(source, "tensor '" + name + "' needs two data offsets");
            e.begin = offsets[0];
            e.end = offsets[1];
        } catch (const nlohmann::json::exception&) {
            throw DataError(source, "tensor '" + name + "' has a malformed shape or data offsets");
        }
        if (e.end < e.begin || e.end - e.begin != std::uint64_t(e.shape.numel()) * sizeof(float) ||
            layout.dataStart + e.end > totalBytes)
            throw DataError(source, DataError::Where::ByteOffset, layout.dataStart + e.begin,
                            "tensor '" + name + "' has data offsets that do not match its shape or the size");
        layout.tensors.push_back(std::move(e));
    }
    return layout;
}

void writeSafetensors(const std::string& path, const std::vector<std::pair<std::string, const Tensor*>>& tensors,
                      const std::map<std::string, std::string>& metadata)
{
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    if (!out)
        throw DataError(path, "cannot write the safetensors file");
    const std::string header = safetensorsHeader(tensors, metadata);
    out.write(header.data(), std::streamsize(header.size()));
    for (const auto& [name, t] : tensors)
        out.write(reinterpret_cast<const char*>(t->data()), std::streamsize(t->numel() * sizeof(float)));
    if (!out)
        throw DataError(path, "write failed (disk full?)");
}

std::map<std::string, Tensor> readSafetensors(const std::string& path)
{
    std::ifstream in(path, std::ios::binary | std::ios::ate);
    if (!in)
        throw DataError(path, "cannot open the safetensors file");
    const std::uint64_t size = std::uint64_t(in.tellg());
    in.seekg(0);
    std::string head(std::min<std::uint64_t>(size, 8), '\0');
    in.read(head.data(), std::streamsize(head.size()));
    if (head.size() == 8) {
        std::uint64_t length;
        std::memcpy(&length, head.data(), 8);
        if (length <= size - 8) {
            head.resize(8 + length);
            in.read(head.data() + 8, std::streamsize(length));
        }
    }
    const SafetensorsLayout layout = parseSafetensorsHeader(head, size, path);
    std::map<std::string, Tensor> out;
    for (const auto& e : layout.tensors) {
        Tensor t{e.shape};
        in.seekg(std::streamoff(layout.dataStart + e.begin));
        in.read(reinterpret_cast<char*>(t.data()), std::streamsize(e.end - e.begin));
        if (!in)
            throw DataError(path, DataError::Where::ByteOffset, layout.dataStart + e.begin, "short read");
        out.emplace(e.name, std::move(t));
    }
    return out;
}

} // namespace neurite
