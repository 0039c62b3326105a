#pragma once
// How the module's kernels map threads onto work (nvcc only): a grid-stride loop over elements,
// a capped grid, and the block reductions of the per-step kernels (fixed trees, so that a sum is
// the same on every run: no floating-point atomics anywhere).
#include <cuda_runtime.h>

#include <cstdint>

namespace neurite::cuda {

constexpr int kThreads = 256;                    // every kernel's block size (a power of two)
constexpr std::int64_t kMaxBlocks = 65535;

// Blocks for `count` items at one per thread, capped: the grid-stride loop covers the rest.
inline unsigned blocksFor(std::int64_t count)
{
    const std::int64_t blocks = (count + kThreads - 1) / kThreads;
    return unsigned(blocks < 1 ? 1 : blocks > kMaxBlocks ? kMaxBlocks : blocks);
}

// The blocks of a reduction over `count` items (each block writes one partial sum): a function of
// the size only, never of the device, so that the partials, and thus the result, are the same on
// every card. At most `cap`.
inline int reductionBlocks(std::int64_t count, int cap)
{
    const std::int64_t blocks = (count + kThreads * 16 - 1) / (kThreads * 16);
    return int(blocks < 1 ? 1 : blocks > cap ? cap : blocks);
}

__device__ inline std::int64_t firstIndex() { return std::int64_t(blockIdx.x) * blockDim.x + threadIdx.x; }
__device__ inline std::int64_t gridStride() { return std::int64_t(gridDim.x) * blockDim.x; }

// The sum of every thread's `value` over a block of kThreads threads, in a fixed tree order; every
// thread gets it. shared: [kThreads], free again when this returns.
template <class T>
__device__ T blockSum(T value, T* shared)
{
    shared[threadIdx.x] = value;
    __syncthreads();
    for (int half = kThreads / 2; half > 0; half /= 2) {
        if (int(threadIdx.x) < half)
            shared[threadIdx.x] += shared[threadIdx.x + half];
        __syncthreads();
    }
    const T total = shared[0];
    __syncthreads();
    return total;
}

} // namespace neurite::cuda
