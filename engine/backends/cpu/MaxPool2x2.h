#pragma once
// 2×2 max pooling with stride 2 over one plane [h, w] (h and w even, h·w ≤ kMaxPool2x2Plane):
// out [h/2, w/2] and, per output, the in-plane index of the input it took.
#include "engine/backends/Backend.h"

namespace neurite {

constexpr std::int64_t kMaxPool2x2Plane = kMaxFusedPoolPlane;

void maxPool2x2(const PoolGeometry& plane, const float* in, float* out, std::int32_t* arg);

} // namespace neurite
