#pragma once
// Global average pooling, one plane at a time (engine/train/layers/Convolution.cpp):
//   forward  y[n, c] = mean over H×W of x[n, c, :, :]   (a float sum in index order, then / (H·W))
//   backward dx[n, c, i] = dy[n, c] / (H·W)
//   x, dx: [n, C, H, W], seen as n·C planes of hw = H·W floats; y, dy: [n, C].
#include "engine/kernels/HostDevice.h"

namespace neurite::kernels {

// The mean of one plane. plane: [hw].
NEURITE_HD_INLINE float globalAvgPoolPlane(const float* plane, std::int64_t hw)
{
    float sum = 0;
    for (std::int64_t i = 0; i < hw; ++i)
        sum += plane[i];
    return sum / float(hw);
}

// The gradient that every element of a plane receives from its output's gradient dy.
NEURITE_HD_INLINE float globalAvgPoolBackwardElement(float dy, std::int64_t hw)
{
    return dy / float(hw);
}

} // namespace neurite::kernels
