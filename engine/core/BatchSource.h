#pragma once
// Where training batches come from. Implemented by datasets/ (Batcher), consumed by engine/train,
// so neither depends on the other.
#include "engine/core/Shape.h"

#include <cstdint>

namespace neurite {

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
};

} // namespace neurite
