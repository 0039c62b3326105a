// The conversions of the bf16 path (CudaOperations.cpp's gemm, CudaConvolution.cpp): an element
// per thread on Bf16Math.h, a grid-stride loop so that any size fits the grid. Elementwise, so
// the same bits on every run and capturable into a CUDA graph like any launch.
#include "engine/backends/cuda/Bf16Math.h"
#include "engine/backends/cuda/CudaKernels.h"
#include "engine/backends/cuda/LaunchGrid.cuh"

namespace neurite::cuda {

namespace {

__global__ void toBf16Kernel(const float* x, std::int64_t xStride, std::uint16_t* y, std::int64_t count,
                             std::int64_t width)
{
    for (std::int64_t i = firstIndex(); i < count; i += gridStride())
        y[i] = floatToBf16(x[packedSource(i, width, xStride)]);
}

__global__ void fromBf16Kernel(const std::uint16_t* x, float* y, std::int64_t count)
{
    for (std::int64_t i = firstIndex(); i < count; i += gridStride())
        y[i] = bf16ToFloat(x[i]);
}

} // namespace

cudaError_t launchToBf16(cudaStream_t stream, const float* x, std::int64_t xStride, std::uint16_t* y, std::int64_t rows,
                         std::int64_t width)
{
    const std::int64_t count = rows * width;
    if (count <= 0)
        return cudaSuccess;
    toBf16Kernel<<<blocksFor(count), kThreads, 0, stream>>>(x, xStride, y, count, width);
    return cudaGetLastError();
}

cudaError_t launchFromBf16(cudaStream_t stream, const std::uint16_t* x, float* y, std::int64_t count)
{
    if (count <= 0)
        return cudaSuccess;
    fromBf16Kernel<<<blocksFor(count), kThreads, 0, stream>>>(x, y, count);
    return cudaGetLastError();
}

} // namespace neurite::cuda
