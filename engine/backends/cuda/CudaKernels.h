#pragma once
// The module's own kernels (CudaKernels.cu, Bf16Kernels.cu), where cuBLAS and cuDNN do not fit:
// each queues one kernel on `stream` and returns the launch's status (cudaGetLastError). Their
// arithmetic is in PoolingMath.h and Bf16Math.h. Pointers are device memory; shapes as in CudaApi.h.
#include "engine/backends/cuda/PoolingMath.h"

#include <cuda_runtime.h>

#include <cstdint>

namespace neurite::cuda {

// buffer[0, count) = value
cudaError_t launchFill(cudaStream_t stream, float* buffer, float value, std::int64_t count);

// y: [n, channels, plane] in place: y = max(0, y + bias[c]) (relu), y + bias[c] otherwise; bias may be null.
cudaError_t launchBiasRelu(cudaStream_t stream, float* y, const float* bias, std::int64_t n, std::int64_t channels,
                           std::int64_t plane, bool relu);

// out[i] = y[i] > 0 ? dy[i] : 0 over [0, count)
cudaError_t launchReluMask(cudaStream_t stream, float* out, const float* dy, const float* y, std::int64_t count);

// Over `planes` planes of p: y and argmax [planes, oh, ow] from x [planes, h, w]; argmax may be null.
cudaError_t launchMaxPoolForward(cudaStream_t stream, const PoolPlane& p, std::int64_t planes, const float* x,
                                 float* y, std::int32_t* argmax);
// dx [planes, h, w] from dy and argmax [planes, oh, ow]; mask (may be null): see maxPoolGradAt.
cudaError_t launchMaxPoolBackward(cudaStream_t stream, const PoolPlane& p, std::int64_t planes, const float* dy,
                                  const std::int32_t* argmax, const float* mask, float* dx);
cudaError_t launchAvgPoolForward(cudaStream_t stream, const PoolPlane& p, std::int64_t planes, const float* x,
                                 float* y);
cudaError_t launchAvgPoolBackward(cudaStream_t stream, const PoolPlane& p, std::int64_t planes, const float* dy,
                                  float* dx);

// The bf16 path (Bf16Math.h; a bf16 is its 16 bits). x: rows of `width` floats, `xStride` apart
// (xStride ≥ width); y: [rows, width] packed, each element rounded to nearest even.
cudaError_t launchToBf16(cudaStream_t stream, const float* x, std::int64_t xStride, std::uint16_t* y, std::int64_t rows,
                         std::int64_t width);
// y[0, count) = x[0, count) widened to fp32 (exact).
cudaError_t launchFromBf16(cudaStream_t stream, const std::uint16_t* x, float* y, std::int64_t count);

} // namespace neurite::cuda
