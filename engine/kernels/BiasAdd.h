#pragma once
// A per-channel bias: y[n, c, i] += b[c] on a tensor seen as [n, C, S] (S = 1 after Linear, H·W
// after Conv2d), and its gradient db[c] = Σ over n and i of dy[n, c, i].
#include "engine/kernels/HostDevice.h"

namespace neurite::kernels {

// The channel of flat element e of [n, C, S].
NEURITE_HD_INLINE std::int64_t channelOf(std::int64_t e, std::int64_t channels, std::int64_t positions)
{
    return e / positions % channels;
}

// y + b for one element (b: the bias of its channel).
NEURITE_HD_INLINE float biasAddElement(float y, float b)
{
    return y + b;
}

// db[c] over rows [beginRow, endRow) of dy: [n, C, S], a float sum in index order (rows, then
// positions), as Linear's backward pass and the reference convolution do. A kernel may split
// the rows into chunks and add the partial sums.
NEURITE_HD_INLINE float biasGradChannel(const float* dy, std::int64_t c, std::int64_t channels, std::int64_t positions,
                                        std::int64_t beginRow, std::int64_t endRow)
{
    float sum = 0;
    for (std::int64_t r = beginRow; r < endRow; ++r) {
        const float* plane = dy + (r * channels + c) * positions;
        for (std::int64_t i = 0; i < positions; ++i)
            sum += plane[i];
    }
    return sum;
}

} // namespace neurite::kernels
