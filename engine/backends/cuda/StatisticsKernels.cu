// The telemetry kernels (StatisticsKernels.h): moments, histogram and per-unit maximum of a tensor,
// accumulated onto what the buffers hold. The arithmetic is engine/kernels' (isFiniteValue,
// histogramBin, channelElementIndex); the kernels only split the elements over threads and combine
// the threads' shares in a fixed tree, so that every result is the same from run to run.
#include "engine/backends/cuda/LaunchGrid.cuh"
#include "engine/backends/cuda/StatisticsKernels.h"
#include "engine/backends/cuda/StepKernels.h"
#include "engine/kernels/Norms.h"
#include "engine/kernels/Reductions.h"
#include "engine/kernels/Statistics.h"

#include <math_constants.h>

namespace neurite::cuda {

namespace k = kernels;

namespace {

constexpr int kHistogramBlocks = 1024;   // enough to fill a GPU; each flushes its bins once

// Every thread's `value` combined over a block of kThreads threads in a fixed tree order (as
// blockSum); every thread gets the result. shared: [kThreads], free again when this returns.
template <class T, class Combine>
__device__ T blockCombine(T value, T* shared, Combine combine)
{
    shared[threadIdx.x] = value;
    __syncthreads();
    for (int half = kThreads / 2; half > 0; half /= 2) {
        if (int(threadIdx.x) < half)
            shared[threadIdx.x] = combine(shared[threadIdx.x], shared[threadIdx.x + half]);
        __syncthreads();
    }
    const T total = shared[0];
    __syncthreads();
    return total;
}

// ---- Moments: the host's loop (HostBackend::accumulateMoments) on a share of the elements.

__device__ MomentPartial emptyPartial() { return {0.0, 0.0, CUDART_INF_F, -CUDART_INF_F, 0}; }

__device__ void addValue(MomentPartial& p, float v)
{
    if (!k::isFiniteValue(v)) {
        ++p.nonFinite;
        return;
    }
    p.sum += v;
    p.squares += double(v) * v;
    p.lo = v < p.lo ? v : p.lo;
    p.hi = v > p.hi ? v : p.hi;
}

struct CombineMoments {
    __device__ MomentPartial operator()(const MomentPartial& a, const MomentPartial& b) const
    {
        return {a.sum + b.sum, a.squares + b.squares, b.lo < a.lo ? b.lo : a.lo, b.hi > a.hi ? b.hi : a.hi,
                a.nonFinite + b.nonFinite};
    }
};

// partials[block] = the moments of the block's grid-stride share of v = x − minus (or x).
__global__ void momentPartialsKernel(const float* x, const float* minus, std::int64_t count, MomentPartial* partials)
{
    __shared__ MomentPartial shared[kThreads];
    MomentPartial p = emptyPartial();
    for (std::int64_t i = firstIndex(); i < count; i += gridStride())
        addValue(p, minus ? x[i] - minus[i] : x[i]);
    const MomentPartial block = blockCombine(p, shared, CombineMoments{});
    if (threadIdx.x == 0)
        partials[blockIdx.x] = block;
}

// One block: moments += partials[0, blocks), the sums rounded to float once (as the host does).
__global__ void momentTotalKernel(const MomentPartial* partials, int blocks, float* moments)
{
    __shared__ MomentPartial shared[kThreads];
    MomentPartial p = emptyPartial();
    for (int b = threadIdx.x; b < blocks; b += kThreads)
        p = CombineMoments{}(p, partials[b]);
    const MomentPartial total = blockCombine(p, shared, CombineMoments{});
    if (threadIdx.x != 0)
        return;
    moments[k::kMomentSum] += float(total.sum);
    moments[k::kMomentSquares] += float(total.squares);
    moments[k::kMomentMin] = total.lo < moments[k::kMomentMin] ? total.lo : moments[k::kMomentMin];
    moments[k::kMomentMax] = total.hi > moments[k::kMomentMax] ? total.hi : moments[k::kMomentMax];
    moments[k::kMomentNonFinite] += float(total.nonFinite);
}

// ---- Histogram: the range comes from the moments buffer, so nothing travels through the host.

// counts: [bins]; local (dynamic shared memory): [bins] when InShared.
template <bool InShared>
__global__ void histogramKernel(const float* x, std::int64_t count, const float* moments, int bins, float* counts)
{
    extern __shared__ unsigned local[];
    const float lo = moments[k::kMomentMin], hi = moments[k::kMomentMax];
    if constexpr (InShared) {
        for (int b = threadIdx.x; b < bins; b += kThreads)
            local[b] = 0;
        __syncthreads();
    }
    for (std::int64_t i = firstIndex(); i < count; i += gridStride()) {
        const float v = x[i];
        if (!k::isFiniteValue(v) || !(v >= lo && v <= hi))
            continue;
        const int b = k::histogramBin(v, lo, hi, bins);
        if constexpr (InShared)
            atomicAdd(local + b, 1u);
        else
            atomicAdd(counts + b, 1.0f);
    }
    if constexpr (InShared) {
        __syncthreads();
        for (int b = threadIdx.x; b < bins; b += kThreads)
            if (local[b] > 0)
                atomicAdd(counts + b, float(local[b]));
    }
}

// ---- Unit maximum: `v > m ? v : m` as on the host, so a NaN never replaces a maximum.

__device__ float larger(float v, float m) { return v > m ? v : m; }

struct CombineMaximum {
    __device__ float operator()(float a, float b) const { return larger(b, a); }
};

// positions = 1: thread c walks channel c down the rows, in the host's order.
__global__ void unitMaximumRowsKernel(const float* x, std::int64_t rows, std::int64_t channels, float* unitMax)
{
    for (std::int64_t c = firstIndex(); c < channels; c += gridStride()) {
        float m = unitMax[c];
        for (std::int64_t r = 0; r < rows; ++r)
            m = larger(x[r * channels + c], m);
        unitMax[c] = m;
    }
}

// Block c (and c + gridDim.x, ...) owns channel c; thread t takes the channel's elements t,
// t + kThreads, ... of its rows × positions (neighbouring threads read neighbouring positions).
__global__ void unitMaximumPlanesKernel(const float* x, std::int64_t rows, std::int64_t channels,
                                        std::int64_t positions, float* unitMax)
{
    __shared__ float shared[kThreads];
    const std::int64_t m = rows * positions;
    for (std::int64_t c = blockIdx.x; c < channels; c += gridDim.x) {
        float best = -CUDART_INF_F;
        for (std::int64_t j = threadIdx.x; j < m; j += kThreads)
            best = larger(x[k::channelElementIndex(j, c, channels, positions)], best);
        const float block = blockCombine(best, shared, CombineMaximum{});
        if (threadIdx.x == 0)
            unitMax[c] = larger(block, unitMax[c]);
    }
}

} // namespace

cudaError_t launchAccumulateMoments(cudaStream_t stream, const float* x, const float* minus, std::int64_t count,
                                    float* moments, MomentPartial* partials)
{
    if (count <= 0)
        return cudaSuccess;
    const int blocks = reductionBlocks(count, kMaxPartials);
    momentPartialsKernel<<<blocks, kThreads, 0, stream>>>(x, minus, count, partials);
    if (const cudaError_t e = cudaGetLastError(); e != cudaSuccess)
        return e;
    momentTotalKernel<<<1, kThreads, 0, stream>>>(partials, blocks, moments);
    return cudaGetLastError();
}

cudaError_t launchAccumulateHistogram(cudaStream_t stream, const float* x, std::int64_t count, const float* moments,
                                      int bins, float* counts)
{
    if (count <= 0 || bins <= 0)
        return cudaSuccess;
    const int blocks = reductionBlocks(count, kHistogramBlocks);
    if (bins <= kMaxSharedBins)
        histogramKernel<true><<<blocks, kThreads, std::size_t(bins) * sizeof(unsigned), stream>>>(x, count, moments,
                                                                                                   bins, counts);
    else
        histogramKernel<false><<<blocks, kThreads, 0, stream>>>(x, count, moments, bins, counts);
    return cudaGetLastError();
}

cudaError_t launchAccumulateUnitMaximum(cudaStream_t stream, const float* x, std::int64_t rows, std::int64_t channels,
                                        std::int64_t positions, float* unitMax)
{
    if (rows <= 0 || channels <= 0 || positions <= 0)
        return cudaSuccess;
    if (positions == 1)
        unitMaximumRowsKernel<<<blocksFor(channels), kThreads, 0, stream>>>(x, rows, channels, unitMax);
    else
        unitMaximumPlanesKernel<<<unsigned(channels < kMaxBlocks ? channels : kMaxBlocks), kThreads, 0, stream>>>(
            x, rows, channels, positions, unitMax);
    return cudaGetLastError();
}

} // namespace neurite::cuda
