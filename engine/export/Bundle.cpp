#include "engine/export/Bundle.h"

#include "engine/backends/Registry.h"
#include "engine/core/Error.h"
#include "engine/graph/ModelJson.h"
#include "engine/graph/ShapeInference.h"
#include "engine/tensorio/Safetensors.h"
#include "engine/train/Plan.h"
#include "engine/train/PlanWeights.h"

#include <zlib.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>

namespace neurite {

namespace fs = std::filesystem;

namespace {

constexpr const char* kFormat = "neurite-bundle";

// CRC-32 over the metadata strings (each ended by a zero byte), then over the data section.
class Checksum {
public:
    void add(const void* data, std::uint64_t bytes)
    {
        const auto* p = static_cast<const Bytef*>(data);
        while (bytes > 0) {
            const auto chunk = uInt(std::min<std::uint64_t>(bytes, std::numeric_limits<uInt>::max()));
            crc_ = crc32(crc_, p, chunk);
            p += chunk;
            bytes -= chunk;
        }
    }
    void addText(const std::string& text)
    {
        add(text.data(), text.size());
        add("", 1);
    }
    std::string str() const
    {
        char text[16];
        std::snprintf(text, sizeof text, "%08lx", static_cast<unsigned long>(crc_));
        return std::string("crc32:") + text;
    }

private:
    uLong crc_ = crc32(0, nullptr, 0);
};

// The model's parameters as its plan orders and shapes them (DataError when one is missing or
// of another size).
std::vector<std::pair<std::string, const Tensor*>> planParameters(const TrainedModel& model, Plan& plan)
{
    std::vector<std::pair<std::string, const Tensor*>> out;
    for (auto [p, values] : matchParameters(plan, model.parameters, model.origin))
        out.emplace_back(p->name, values);
    return out;
}

struct Entry {
    std::string name;
    std::vector<std::int64_t> shape;
    std::uint64_t begin = 0, end = 0;   // in the data section
};

std::string readWholeFile(const std::string& path)
{
    std::ifstream in(path, std::ios::binary | std::ios::ate);
    if (!in)
        throw DataError(path, fs::exists(path) ? "cannot open the bundle" : "no such file");
    const std::streamoff size = in.tellg();
    if (size < 0)
        throw DataError(path, "cannot read the bundle");
    std::string bytes(std::size_t(size), '\0');
    in.seekg(0);
    in.read(bytes.data(), size);
    if (!in)
        throw DataError(path, "cannot read the bundle (" + std::to_string(size) + " bytes)");
    return bytes;
}

// One tensor's header entry, checked: F32, a shape of non-negative extents whose byte size fits,
// offsets that match it.
Entry parseEntry(const std::string& path, const std::string& name, const nlohmann::json& info)
{
    const auto bad = [&](const std::string& what) {
        return DataError(path, "tensor '" + name + "' in the header: " + what);
    };
    if (!info.is_object())
        throw bad("not an object");
    const auto dtype = info.find("dtype");
    if (dtype == info.end() || !dtype->is_string() || *dtype != "F32")
        throw bad("dtype " + (dtype == info.end() ? std::string("missing") : dtype->dump()) + "; a bundle holds F32");
    const auto shape = info.find("shape"), offsets = info.find("data_offsets");
    if (shape == info.end() || !shape->is_array())
        throw bad("no shape");
    if (offsets == info.end() || !offsets->is_array() || offsets->size() != 2 || !(*offsets)[0].is_number_unsigned() ||
        !(*offsets)[1].is_number_unsigned())
        throw bad("data_offsets must be two byte offsets");
    Entry e{name, {}, (*offsets)[0].get<std::uint64_t>(), (*offsets)[1].get<std::uint64_t>()};
    std::uint64_t count = 1;
    constexpr std::uint64_t kMaxCount = std::uint64_t(1) << 40;
    for (const auto& d : *shape) {
        if (!d.is_number_integer() || d.get<std::int64_t>() < 0)
            throw bad("shape " + shape->dump() + " is not a list of extents");
        const auto extent = std::uint64_t(d.get<std::int64_t>());
        if (extent > kMaxCount || (extent && count > kMaxCount / extent))
            throw bad("shape " + shape->dump() + " is too large");
        count *= extent;
        e.shape.push_back(std::int64_t(extent));
    }
    if (e.end < e.begin || e.end - e.begin != count * sizeof(float))
        throw bad("data_offsets [" + std::to_string(e.begin) + ", " + std::to_string(e.end) + "] do not match shape " +
                  shape->dump());
    return e;
}

const std::string& metadataText(const std::string& path, const std::map<std::string, std::string>& metadata,
                                const std::string& key)
{
    const auto it = metadata.find(key);
    if (it == metadata.end())
        throw DataError(path, "the bundle's header has no '" + key + "'");
    return it->second;
}

} // namespace

void writeBundle(const TrainedModel& model, const nlohmann::json& metadata, const std::string& path)
{
    requireValid(analyse(model.graph));
    auto backend = createBackend("cpu", 1);
    Plan plan(model.graph, *backend, 1, 1);
    const auto tensors = planParameters(model, plan);

    std::map<std::string, std::string> header = {{"format", kFormat},
                                                 {"format_version", std::to_string(kBundleFormatVersion)},
                                                 {"model", modelToJson(model.graph).dump()},
                                                 {"metadata", metadata.dump()},
                                                 {"origin", model.origin}};
    Checksum checksum;
    for (const char* key : {"model", "metadata", "origin"})
        checksum.addText(header[key]);
    for (const auto& [name, t] : tensors)
        checksum.add(t->data(), std::uint64_t(t->numel()) * sizeof(float));
    header["checksum"] = checksum.str();

    const std::string part = path + ".part";
    try {
        writeSafetensors(part, tensors, header);
    } catch (...) {
        std::error_code ignored;
        fs::remove(part, ignored);
        throw;
    }
    std::error_code ec;
    fs::rename(part, path, ec);
    if (ec) {
        fs::remove(part, ec);
        throw DataError(path, "cannot write the bundle: " + ec.message());
    }
}

Bundle readBundle(const std::string& path)
{
    const std::string bytes = readWholeFile(path);
    const std::uint64_t size = bytes.size();
    using W = DataError::Where;
    if (size < 8)
        throw DataError(path, W::ByteOffset, size, "the file ends inside the 8-byte header length (truncated?)");
    std::uint64_t length;
    std::memcpy(&length, bytes.data(), 8);  // little-endian on the machines we support
    if (length > size - 8)
        throw DataError(path, W::ByteOffset, 0,
                        "the header length " + std::to_string(length) + " runs past the end of the file (" +
                            std::to_string(size) + " bytes): truncated, or not a bundle");
    nlohmann::json header;
    try {
        header = nlohmann::json::parse(bytes.begin() + 8, bytes.begin() + 8 + std::ptrdiff_t(length));
    } catch (const nlohmann::json::parse_error& e) {
        throw DataError(path, W::ByteOffset, 8 + std::min<std::uint64_t>(e.byte, length),
                        "the header is not valid JSON: truncated or corrupt");
    }
    if (!header.is_object())
        throw DataError(path, W::ByteOffset, 8, "the header is not a JSON object");

    std::map<std::string, std::string> meta;
    if (const auto m = header.find("__metadata__"); m != header.end()) {
        if (!m->is_object())
            throw DataError(path, "the header's __metadata__ is not an object");
        for (const auto& [key, value] : m->items()) {
            if (!value.is_string())
                throw DataError(path, "the header's __metadata__ '" + key + "' is not a string");
            meta[key] = value.get<std::string>();
        }
    }
    const auto format = meta.find("format");
    if (format == meta.end() || format->second != kFormat)
        throw DataError(path, "not a Neurite bundle (a safetensors file without the bundle's metadata)");
    const std::string& version = metadataText(path, meta, "format_version");
    if (version != std::to_string(kBundleFormatVersion)) {
        const bool digits = !version.empty() && version.size() < 6 &&
                            std::all_of(version.begin(), version.end(), [](char c) { return c >= '0' && c <= '9'; });
        throw DataError(path, digits && std::stoi(version) > kBundleFormatVersion
                                  ? "a bundle of format " + version + " from a newer Neurite (this one reads format " +
                                        std::to_string(kBundleFormatVersion) + ")"
                                  : "unknown bundle format version '" + version + "'");
    }

    // The tensors must tile the data section, in order, to its last byte.
    std::vector<Entry> entries;
    for (const auto& [name, info] : header.items())
        if (name != "__metadata__")
            entries.push_back(parseEntry(path, name, info));
    std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) { return a.begin < b.begin; });
    const std::uint64_t dataStart = 8 + length, dataBytes = size - dataStart;
    std::uint64_t at = 0;
    for (const auto& e : entries) {
        if (e.begin != at)
            throw DataError(path, W::ByteOffset, dataStart + std::min(e.begin, at),
                            "tensor '" + e.name + "' does not start where the one before it ends");
        if (e.end > dataBytes)
            throw DataError(path, W::ByteOffset, size,
                            "the file ends inside tensor '" + e.name + "', which needs " +
                                std::to_string(dataStart + e.end) + " bytes (truncated)");
        at = e.end;
    }
    if (at != dataBytes)
        throw DataError(path, W::ByteOffset, dataStart + at,
                        std::to_string(dataBytes - at) + " bytes follow the last tensor");

    Checksum checksum;
    for (const char* key : {"model", "metadata", "origin"})
        checksum.addText(metadataText(path, meta, key));
    checksum.add(bytes.data() + dataStart, dataBytes);
    if (checksum.str() != metadataText(path, meta, "checksum"))
        throw DataError(path, "the checksum does not match (" + checksum.str() + ", recorded " + meta["checksum"] +
                                  "): the file was changed or damaged after it was written");

    Bundle bundle;
    try {
        bundle.model.graph = modelFromText(meta["model"], path);
        bundle.metadata = nlohmann::json::parse(meta["metadata"]);
    } catch (const nlohmann::json::exception& e) {
        throw DataError(path, std::string("the bundle's metadata is not valid JSON: ") + e.what());
    } catch (const ModelError& e) {
        throw DataError(path, std::string("the bundle's model: ") + e.what());
    }
    bundle.model.origin = meta["origin"];

    // The weights must be the model's: the same names and shapes, none missing, none left over.
    std::map<std::string, const Entry*> byName;
    for (const auto& e : entries)
        byName[e.name] = &e;
    try {
        requireValid(analyse(bundle.model.graph));
        auto backend = createBackend("cpu", 1);
        Plan plan(bundle.model.graph, *backend, 1, 1);
        for (Parameter* p : plan.parameters()) {
            const auto it = byName.find(p->name);
            if (it == byName.end())
                throw DataError(path, "the bundle has no tensor '" + p->name + "', which its model needs");
            const Entry& e = *it->second;
            if (e.shape != p->value.shape().dims())
                throw DataError(path, W::ByteOffset, dataStart + e.begin,
                                "tensor '" + e.name + "' is " + Shape(e.shape).str() + "; its model needs " +
                                    p->value.shape().str());
            Tensor t(Shape(e.shape));
            std::memcpy(t.data(), bytes.data() + dataStart + e.begin, e.end - e.begin);
            bundle.model.parameters.emplace(e.name, std::move(t));
            byName.erase(it);
        }
    } catch (const ModelError& e) {
        throw DataError(path, std::string("the bundle's model: ") + e.what());
    }
    if (!byName.empty())
        throw DataError(path, "tensor '" + byName.begin()->first + "' is not a parameter of the bundle's model");
    return bundle;
}

std::map<std::string, Tensor> readWeights(const std::string& path)
{
    const bool bundle = path.size() > 8 && path.compare(path.size() - 8, 8, ".neurite") == 0;
    return bundle ? readBundle(path).model.parameters : readSafetensors(path);
}

} // namespace neurite
