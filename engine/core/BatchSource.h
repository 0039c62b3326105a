#pragma once
// Where training batches come from. Implemented by datasets/ (Batcher), consumed by engine/train,
// so neither depends on the other.
#include "engine/core/Shape.h"

#include <cstdint>

namespace neurite {

// A data set as it lies in host memory, for a backend that keeps it whole in its own memory and
// gathers each batch there by sample id (a GPU: no host work per step). Exactly one of bytes and
// features is set.
struct HostSamples {
    const void* identity = nullptr;               // the data set: sources of one set share the upload
    std::int64_t count = 0, sampleSize = 0;       // samples, and floats per sample
    const std::uint8_t* bytes = nullptr;          // images: [count × channels × plane], 0..255
    const float* byteValues = nullptr;            //   [channels × 256]: the float each byte becomes
    std::int64_t channels = 0, plane = 0;
    const float* features = nullptr;              // feature vectors: [count × sampleSize], raw
    const float* mean = nullptr;                  //   [sampleSize]: x = (v − mean) / std
    const float* std = nullptr;
    const std::int32_t* labels = nullptr;         // [count]
};

class BatchSource {
public:
    virtual ~BatchSource() = default;
    virtual std::int64_t size() const = 0;           // samples per epoch
    virtual Shape sampleShape() const = 0;           // one sample, e.g. 1×28×28
    virtual int classes() const = 0;
    // Starts an epoch: shuffles (when the source does) with a generator derived from seed and epoch.
    virtual void startEpoch(int epoch) = 0;
    // Writes up to max samples: x [n × sampleShape] (normalised floats), labels [n]. Returns n, 0 at
    // the end of the epoch.
    virtual std::int64_t next(float* x, std::int32_t* labels, std::int64_t max) = 0;

    // Batches as sample ids into samples(), for a backend that holds the set (null: the source
    // cannot serve ids, e.g. while it augments). startIdEpoch replaces startEpoch: the same order.
    virtual const HostSamples* samples() const { return nullptr; }
    virtual void startIdEpoch(int /*epoch*/) {}
    // Writes up to max sample ids of the epoch's next batch; returns n, 0 at the end of the epoch.
    virtual std::int64_t nextIds(std::int32_t* /*ids*/, std::int64_t /*max*/) { return 0; }
};

} // namespace neurite
