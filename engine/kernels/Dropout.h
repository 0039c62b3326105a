#pragma once
// Dropout, one element at a time. Training: y = x · mask, mask = 0 with probability p, else
// 1 / (1 − p) (so that E[y] = x); evaluation, or p = 0: y = x. Backward: dx = dy · mask, with the
// mask of the forward pass (kept, or drawn again: the Philox rule makes it a pure function of seed,
// step, stream and element, see Philox.h).
//   x, y, dy, dx, mask: one element of [n × features] tensors of the same shape.
#include "engine/kernels/HostDevice.h"
#include "engine/kernels/Philox.h"

namespace neurite::kernels {

// The scale of a kept element: 1 / (1 − p).
NEURITE_HD_INLINE float dropoutKeepScale(float p)
{
    return 1.0f / (1.0f - p);
}

// The mask value for a uniform draw u in [0, 1): dropped (0) when u < p, else 1 / (1 − p);
// 1 when p = 0 (nothing is dropped and nothing is scaled).
NEURITE_HD_INLINE float dropoutMaskFromUniform(float u, float p)
{
    if (p == 0.0f)
        return 1.0f;
    return u < p ? 0.0f : dropoutKeepScale(p);
}

// The mask value of element `element` of step `step` in stream `stream` under `seed` (Philox.h).
NEURITE_HD_INLINE float dropoutMask(std::uint64_t seed, std::uint32_t step, std::uint32_t stream,
                                    std::uint64_t element, float p)
{
    return dropoutMaskFromUniform(elementUniform(seed, step, stream, element), p);
}

// The masks of the four elements 4·block … 4·block + 3 from one call of the generator (a thread that
// owns four neighbours needs one Philox call, not four). mask: [4].
NEURITE_HD_INLINE void dropoutMaskQuad(std::uint64_t seed, std::uint32_t step, std::uint32_t stream,
                                       std::uint64_t block, float p, float* mask)
{
    const Philox4x32Block bits = philox4x32_10(elementCounter(block * 4, step, stream), philoxKeyFromSeed(seed));
    for (int lane = 0; lane < 4; ++lane)
        mask[lane] = dropoutMaskFromUniform(uniformFromBits(bits.word[lane]), p);
}

NEURITE_HD_INLINE float dropoutForward(float x, float mask)
{
    return x * mask;
}
NEURITE_HD_INLINE float dropoutBackward(float dy, float mask)
{
    return dy * mask;
}

} // namespace neurite::kernels
