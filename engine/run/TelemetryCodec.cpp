#include "engine/run/TelemetryCodec.h"

#include "engine/core/Error.h"

#include <zlib.h>

#include <bit>
#include <cstring>

namespace neurite {

namespace {

constexpr std::uint8_t kVersion = 1;
const char* kWhat = "telemetry record";
static_assert(std::endian::native == std::endian::little, "the record is written as the host's bytes");

class Writer {
public:
    template <class T>
    void put(T value)
    {
        const auto at = bytes_.size();
        bytes_.resize(at + sizeof value);
        std::memcpy(bytes_.data() + at, &value, sizeof value);
    }
    void put(const std::string& text)
    {
        put(std::uint32_t(text.size()));
        bytes_ += text;
    }
    void put(const TensorSummary& t)
    {
        put(t.count);
        put(t.nonFinite);
        for (double v : {t.mean, t.std, t.min, t.max, t.norm})
            put(v);
        put(t.histogram.lo);
        put(t.histogram.hi);
        for (std::uint32_t c : t.histogram.counts)
            put(c);
    }
    const std::string& bytes() const { return bytes_; }

private:
    std::string bytes_;
};

class Reader {
public:
    explicit Reader(const std::string& bytes) : bytes_(bytes) {}
    template <class T>
    T get()
    {
        T value;
        need(sizeof value);
        std::memcpy(&value, bytes_.data() + at_, sizeof value);
        at_ += sizeof value;
        return value;
    }
    std::string text()
    {
        const auto size = get<std::uint32_t>();
        need(size);
        std::string t = bytes_.substr(at_, size);
        at_ += size;
        return t;
    }
    TensorSummary summary()
    {
        TensorSummary t;
        t.count = get<std::int64_t>();
        t.nonFinite = get<std::int64_t>();
        for (double* v : {&t.mean, &t.std, &t.min, &t.max, &t.norm})
            *v = get<double>();
        t.histogram.lo = get<float>();
        t.histogram.hi = get<float>();
        for (auto& c : t.histogram.counts)
            c = get<std::uint32_t>();
        return t;
    }
    bool atEnd() const { return at_ == bytes_.size(); }
    std::size_t offset() const { return at_; }

private:
    void need(std::size_t n) const
    {
        if (bytes_.size() - at_ < n)
            throw DataError(kWhat, DataError::Where::ByteOffset, at_, "cut short (the record is " +
                                                                          std::to_string(bytes_.size()) + " bytes)");
    }
    const std::string& bytes_;
    std::size_t at_ = 0;
};

} // namespace

std::string encodeTelemetry(const TelemetrySnapshot& s)
{
    Writer w;
    w.put(s.step);
    w.put(std::int32_t(s.epoch));
    w.put(s.lr);
    w.put(s.seconds);
    w.put(s.firstNonFinite);
    w.put(std::uint32_t(s.layers.size()));
    for (const LayerTelemetry& l : s.layers) {
        w.put(l.node);
        w.put(l.type);
        w.put(std::uint8_t(l.hasActivation | l.learned << 1));
        w.put(l.activationAfter);
        w.put(l.activation);
        w.put(l.units);
        w.put(l.deadUnits);
        if (l.learned) {
            w.put(l.weight);
            w.put(l.gradient);
            w.put(l.updateRatio);
        }
    }
    const std::string& raw = w.bytes();
    uLongf size = compressBound(uLong(raw.size()));
    std::string packed(1 + sizeof(std::uint32_t) + size, '\0');
    packed[0] = char(kVersion);
    const auto rawSize = std::uint32_t(raw.size());
    std::memcpy(packed.data() + 1, &rawSize, sizeof rawSize);
    if (compress2(reinterpret_cast<Bytef*>(packed.data() + 5), &size, reinterpret_cast<const Bytef*>(raw.data()),
                  uLong(raw.size()), 6) != Z_OK)
        throw Error("telemetry: zlib could not compress a snapshot");
    packed.resize(5 + size);
    return packed;
}

TelemetrySnapshot decodeTelemetry(const std::string& bytes)
{
    if (bytes.size() < 5)
        throw DataError(kWhat, DataError::Where::ByteOffset, bytes.size(), "cut short: no header");
    if (std::uint8_t(bytes[0]) != kVersion)
        throw DataError(kWhat, DataError::Where::ByteOffset, 0,
                        "version " + std::to_string(int(std::uint8_t(bytes[0]))) + " is not one this Neurite reads");
    std::uint32_t rawSize = 0;
    std::memcpy(&rawSize, bytes.data() + 1, sizeof rawSize);
    std::string raw(rawSize, '\0');
    uLongf size = rawSize;
    if (uncompress(reinterpret_cast<Bytef*>(raw.data()), &size, reinterpret_cast<const Bytef*>(bytes.data() + 5),
                   uLong(bytes.size() - 5)) != Z_OK ||
        size != rawSize)
        throw DataError(kWhat, DataError::Where::ByteOffset, 5, "the compressed body is damaged");

    Reader r(raw);
    TelemetrySnapshot s;
    s.step = r.get<std::int64_t>();
    s.epoch = r.get<std::int32_t>();
    s.lr = r.get<double>();
    s.seconds = r.get<double>();
    s.firstNonFinite = r.text();
    const auto layers = r.get<std::uint32_t>();
    for (std::uint32_t i = 0; i < layers; ++i) {
        LayerTelemetry l;
        l.node = r.text();
        l.type = r.text();
        const auto flags = r.get<std::uint8_t>();
        l.hasActivation = flags & 1;
        l.learned = flags & 2;
        l.activationAfter = r.text();
        l.activation = r.summary();
        l.units = r.get<std::int64_t>();
        l.deadUnits = r.get<std::int64_t>();
        if (l.learned) {
            l.weight = r.summary();
            l.gradient = r.summary();
            l.updateRatio = r.get<double>();
        }
        s.layers.push_back(std::move(l));
    }
    if (!r.atEnd())
        throw DataError(kWhat, DataError::Where::ByteOffset, r.offset(), "unexpected bytes after the last layer");
    return s;
}

} // namespace neurite
