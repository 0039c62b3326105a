#pragma once
// Batches from a data set: a seeded shuffle per epoch, augmentation (random crop with padding,
// horizontal flip), normalisation to floats, and a background thread that prepares the next batch
// while the current one trains.
#include "datasets/Dataset.h"
#include "engine/core/BatchSource.h"

#include <cmath>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

namespace neurite {

struct Augment {
    int cropPadding = 0;     // pad by this many pixels, then crop back at a random offset; 0: off
    bool flip = false;       // mirror left-right with probability 1/2
};

class Batcher final : public BatchSource {
public:
    // The data set must outlive the batcher. indices: the samples it serves (a split of the set).
    Batcher(const Dataset& data, std::vector<std::int64_t> indices, std::int64_t batch, bool shuffle,
            Augment augment, std::uint64_t seed);
    ~Batcher() override;

    std::int64_t size() const override { return std::int64_t(indices_.size()); }
    Shape sampleShape() const override { return data_.sampleShape; }
    int classes() const override { return data_.classes(); }
    void startEpoch(int epoch) override;
    std::int64_t next(float* x, std::int32_t* labels, std::int64_t max) override;
    // Ids: while not augmenting (augmentation is done on the host, batch by batch).
    const HostSamples* samples() const override;
    void startIdEpoch(int epoch) override;
    std::int64_t nextIds(std::int32_t* ids, std::int64_t max) override;

private:
    struct Slot {
        std::vector<float> x;
        std::vector<std::int32_t> labels;
        std::int64_t n = 0;
        bool full = false;
    };
    std::uint64_t epochSeed(int epoch) const { return seed_ * 1000003ull + std::uint64_t(epoch); }
    std::vector<std::int64_t> epochOrder(int epoch) const;   // indices_, shuffled for the epoch
    void produce(std::vector<std::int64_t> order, std::uint64_t seed);
    void fill(Slot& slot, const std::int64_t* sampleIds, std::int64_t n, std::uint64_t& rngState);
    void stop();

    const Dataset& data_;
    std::vector<std::int64_t> indices_;
    std::int64_t batch_;
    bool shuffle_;
    Augment augment_;
    std::uint64_t seed_;
    std::vector<float> scale_, shift_;   // images: [channels] x = fma(v, scale, shift)
    std::vector<float> byteValues_;      // images: [channels × 256] the float of each byte value
    HostSamples samples_;

    std::vector<std::int64_t> idOrder_;  // the epoch's order while serving ids
    std::int64_t idCursor_ = 0;

    std::thread producer_;
    std::mutex mutex_;
    std::condition_variable changed_;
    Slot slots_[2];
    int readSlot_ = 0;
    bool stopping_ = false;
    bool finished_ = false;  // the producer has queued the epoch's last batch
};

// An image byte as the float the network sees: v · scale + shift with one rounding (a fused
// multiply-add), so that the host's batches and a backend's byte table hold the same bits.
inline float normalisedByte(std::uint8_t v, float scale, float shift) { return std::fma(float(v), scale, shift); }

// A seeded split of [0, size) into training and validation indices.
struct Split {
    std::vector<std::int64_t> train, validation;
};
Split splitIndices(std::int64_t size, double validationFraction, std::uint64_t seed);
std::vector<std::int64_t> allIndices(std::int64_t size);

} // namespace neurite
