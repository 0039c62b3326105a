#pragma once
// One batch gathered from a data set the backend holds whole (issue 10: on a GPU a step does no
// host work): element e of x [n × sampleSize] is element e % sampleSize of sample ids[e / sampleSize],
// normalised as the host's Batcher does (datasets/Batcher.cpp): an image byte through its channel's
// table of 256 floats (the table is made on the host, so both sides read the very same floats), a
// feature as (v − mean) / std.
#include "engine/kernels/HostDevice.h"

namespace neurite::kernels {

// Image element: bytes [count × channels × plane], byteValues [channels × 256].
NEURITE_HD_INLINE float gatheredByte(const std::uint8_t* bytes, const float* byteValues, std::int64_t sample,
                                     std::int64_t i, std::int64_t sampleSize, std::int64_t plane)
{
    return byteValues[(i / plane) * 256 + bytes[sample * sampleSize + i]];
}

// Feature element: features [count × sampleSize], mean and std [sampleSize].
NEURITE_HD_INLINE float gatheredFeature(const float* features, const float* mean, const float* std,
                                        std::int64_t sample, std::int64_t i, std::int64_t sampleSize)
{
    return (features[sample * sampleSize + i] - mean[i]) / std[i];
}

} // namespace neurite::kernels
