#include "datasets/Batcher.h"

#include "engine/core/Error.h"
#include "engine/core/Rng.h"
#include "engine/core/Simd.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace neurite {

std::vector<std::int64_t> allIndices(std::int64_t size)
{
    std::vector<std::int64_t> all(static_cast<std::size_t>(size));
    std::iota(all.begin(), all.end(), 0);
    return all;
}

static void shuffle(std::vector<std::int64_t>& v, Rng& rng)
{
    for (std::size_t i = v.size(); i > 1; --i)
        std::swap(v[i - 1], v[rng.below(std::uint32_t(i))]);
}

Split splitIndices(std::int64_t size, double fraction, std::uint64_t seed)
{
    if (fraction < 0 || fraction >= 1)
        throw ConfigError("the validation split must lie in [0, 1)");
    auto all = allIndices(size);
    Rng rng(seed ^ 0x5eed5911ull);
    shuffle(all, rng);
    const auto validation = std::int64_t(double(size) * fraction);
    Split s;
    s.validation.assign(all.begin(), all.begin() + validation);
    s.train.assign(all.begin() + validation, all.end());
    std::sort(s.validation.begin(), s.validation.end());
    std::sort(s.train.begin(), s.train.end());
    return s;
}

Batcher::Batcher(const Dataset& data, std::vector<std::int64_t> indices, std::int64_t batch, bool shuffleEpochs,
                 Augment augment, std::uint64_t seed)
    : data_(data), indices_(std::move(indices)), batch_(batch), shuffle_(shuffleEpochs), augment_(augment), seed_(seed)
{
    if (augment_.cropPadding < 0 || augment_.cropPadding > 64)
        throw ConfigError("crop padding must lie in [0, 64]");
    if ((augment_.cropPadding || augment_.flip) && data_.sampleShape.rank() != 3)
        throw ConfigError("crop and flip augmentation need images; '" + data_.name + "' has samples of " +
                          data_.sampleShape.str());
    for (auto& slot : slots_) {
        slot.x.resize(std::size_t(batch_ * data_.sampleSize()));
        slot.labels.resize(std::size_t(batch_));
    }
    const std::int64_t normalised = data_.isImage() ? data_.sampleShape[0] : data_.sampleSize();
    if (std::int64_t(data_.mean.size()) < normalised || std::int64_t(data_.std.size()) < normalised)
        throw ConfigError("the data set '" + data_.name + "' has no normalisation for each of its " +
                          std::to_string(normalised) + (data_.isImage() ? " channels" : " features"));
    samples_.identity = &data_;
    samples_.count = data_.size();
    samples_.sampleSize = data_.sampleSize();
    samples_.labels = data_.labels.data();
    if (data_.isImage()) {
        // A backend that gathers on its own reads the same floats from a table of the 256 byte
        // values per channel (normalisedByte: a fused multiply-add, the same bits everywhere).
        const std::int64_t channels = data_.sampleShape[0];
        byteValues_.resize(std::size_t(channels * 256));
        for (std::int64_t ch = 0; ch < channels; ++ch) {
            const float mean = data_.mean[std::size_t(ch)], std = data_.std[std::size_t(ch)];
            scale_.push_back(1.0f / (255.0f * std));
            shift_.push_back(-mean / std);
            for (int v = 0; v < 256; ++v)
                byteValues_[std::size_t(ch * 256 + v)] = normalisedByte(std::uint8_t(v), scale_.back(), shift_.back());
        }
        samples_.bytes = data_.bytes.data();
        samples_.byteValues = byteValues_.data();
        samples_.channels = channels;
        samples_.plane = data_.sampleShape.numel() / channels;
    } else {
        samples_.features = data_.features.data();
        samples_.mean = data_.mean.data();
        samples_.std = data_.std.data();
    }
}

Batcher::~Batcher() { stop(); }

void Batcher::stop()
{
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    changed_.notify_all();
    if (producer_.joinable())
        producer_.join();
}

std::vector<std::int64_t> Batcher::epochOrder(int epoch) const
{
    std::vector<std::int64_t> order = indices_;
    if (shuffle_) {
        Rng rng(epochSeed(epoch));
        shuffle(order, rng);
    }
    return order;
}

void Batcher::startEpoch(int epoch)
{
    stop();
    idOrder_.clear();
    stopping_ = false;
    finished_ = false;
    readSlot_ = 0;
    for (auto& slot : slots_)
        slot.full = false;
    producer_ = std::thread([this, order = epochOrder(epoch), seed = epochSeed(epoch)]() mutable {
        produce(std::move(order), seed);
    });
}

const HostSamples* Batcher::samples() const
{
    const bool idsFit = data_.size() <= std::numeric_limits<std::int32_t>::max();
    return augment_.cropPadding || augment_.flip || !idsFit ? nullptr : &samples_;
}

void Batcher::startIdEpoch(int epoch)
{
    stop();
    idOrder_ = epochOrder(epoch);
    idCursor_ = 0;
}

std::int64_t Batcher::nextIds(std::int32_t* ids, std::int64_t max)
{
    if (max < batch_)
        throw Error("Batcher::nextIds: room for " + std::to_string(max) + " ids, batches hold " +
                    std::to_string(batch_));
    const auto n = std::min<std::int64_t>(batch_, std::int64_t(idOrder_.size()) - idCursor_);
    for (std::int64_t i = 0; i < n; ++i)
        ids[i] = std::int32_t(idOrder_[std::size_t(idCursor_ + i)]);
    idCursor_ += n;
    return n;
}

void Batcher::produce(std::vector<std::int64_t> order, std::uint64_t seed)
{
    std::uint64_t rngState = seed ^ 0xa0a0a0a0ull;
    int writeSlot = 0;
    for (std::size_t at = 0; at < order.size(); at += std::size_t(batch_)) {
        Slot& slot = slots_[writeSlot];
        {
            std::unique_lock lock(mutex_);
            changed_.wait(lock, [&] { return stopping_ || !slot.full; });
            if (stopping_)
                return;
        }
        const auto n = std::min<std::int64_t>(batch_, std::int64_t(order.size() - at));
        fill(slot, order.data() + at, n, rngState);
        {
            std::lock_guard lock(mutex_);
            slot.full = true;
        }
        changed_.notify_all();
        writeSlot ^= 1;
    }
    std::lock_guard lock(mutex_);
    finished_ = true;
    changed_.notify_all();
}

// x = (v / 255 − mean[c]) / std[c] for each channel of one image, as v · scale + shift rounded
// once (std::fma): exactly the table's floats, in vector registers (the table would be a gather).
NEURITE_SIMD_CLONES
static void normalise(const std::uint8_t* src, float* out, std::int64_t channels, std::int64_t plane,
                      const float* scale, const float* shift)
{
    for (std::int64_t ch = 0; ch < channels; ++ch)
        for (std::int64_t i = ch * plane; i < (ch + 1) * plane; ++i)
            out[i] = std::fma(float(src[i]), scale[ch], shift[ch]);
}

void Batcher::fill(Slot& slot, const std::int64_t* ids, std::int64_t n, std::uint64_t& rngState)
{
    Rng rng(rngState++);
    const std::int64_t size = data_.sampleSize();
    slot.n = n;
    for (std::int64_t s = 0; s < n; ++s) {
        const std::int64_t id = ids[s];
        slot.labels[std::size_t(s)] = data_.labels[std::size_t(id)];
        float* out = slot.x.data() + s * size;
        if (!data_.isImage()) {
            for (std::int64_t f = 0; f < size; ++f)
                out[f] = (data_.features[std::size_t(id * size + f)] - data_.mean[std::size_t(f)]) / data_.std[std::size_t(f)];
            continue;
        }
        const std::int64_t c = data_.sampleShape[0], h = data_.sampleShape[1], w = data_.sampleShape[2];
        const int pad = augment_.cropPadding;
        const std::int64_t dy = pad ? std::int64_t(rng.below(std::uint32_t(2 * pad + 1))) - pad : 0;
        const std::int64_t dx = pad ? std::int64_t(rng.below(std::uint32_t(2 * pad + 1))) - pad : 0;
        const bool flip = augment_.flip && (rng.next() & 1);
        const std::uint8_t* src = data_.bytes.data() + id * size;
        if (pad == 0 && !flip) {
            normalise(src, out, c, h * w, scale_.data(), shift_.data());
            continue;
        }
        for (std::int64_t ch = 0; ch < c; ++ch) {
            const float* values = byteValues_.data() + ch * 256;
            for (std::int64_t y = 0; y < h; ++y)
                for (std::int64_t x = 0; x < w; ++x) {
                    const std::int64_t sy = y + dy, sx = (flip ? w - 1 - x : x) + dx;
                    const bool inside = sy >= 0 && sy < h && sx >= 0 && sx < w;  // outside: padding of raw 0
                    out[(ch * h + y) * w + x] = values[inside ? src[(ch * h + sy) * w + sx] : 0];
                }
        }
    }
}

std::int64_t Batcher::next(float* x, std::int32_t* labels, std::int64_t max)
{
    if (max < batch_)
        throw Error("Batcher::next: room for " + std::to_string(max) + " samples, batches hold " + std::to_string(batch_));
    if (!producer_.joinable())
        throw Error("Batcher::next called before startEpoch");
    Slot& slot = slots_[readSlot_];
    {
        std::unique_lock lock(mutex_);
        changed_.wait(lock, [&] { return slot.full || finished_; });
        if (!slot.full)
            return 0;  // the epoch is over
    }
    std::copy_n(slot.x.data(), slot.n * data_.sampleSize(), x);
    std::copy_n(slot.labels.data(), slot.n, labels);
    const std::int64_t n = slot.n;
    {
        std::lock_guard lock(mutex_);
        slot.full = false;
    }
    changed_.notify_all();
    readSlot_ ^= 1;
    return n;
}

} // namespace neurite
