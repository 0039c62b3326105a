#pragma once
// The telemetry kernels (StepOperations.h: accumulateMoments, accumulateHistogram,
// accumulateUnitMaximum), in StatisticsKernels.cu; the arithmetic is engine/kernels/Statistics.h's.
// Each launch function queues its kernel(s) on `stream` and returns the launch's status
// (cudaGetLastError); CudaStepOperations.cpp checks the arguments before. None waits, copies to
// the host or allocates, so each may be captured into a CUDA graph. Pointers are device memory.
#include <cuda_runtime.h>

#include <cstdint>

namespace neurite::cuda {

// One block's share of a moments reduction: sums in double as on the host, the range, the
// non-finite count. The scratch between the two passes of launchAccumulateMoments.
struct MomentPartial {
    double sum, squares;
    float lo, hi;
    long long nonFinite;
};

// moments: [kMomentFields], added to in place; x, minus (or null): [count]; partials:
// [kMaxPartials] of scratch. Pass 1: each block reduces its share into partials[block]; pass 2:
// one block combines them in block order and adds the total to moments. No floating-point atomics:
// the same bits on every run, as the module's other reductions.
cudaError_t launchAccumulateMoments(cudaStream_t stream, const float* x, const float* minus, std::int64_t count,
                                    float* moments, MomentPartial* partials);
// counts: [bins] += the finite x in each bin of [moments min, moments max] (read on the device).
// Integer counts per block in shared memory (in global memory past kMaxSharedBins bins), then one
// float atomicAdd per block and bin: whole numbers below 2²⁴ add exactly in any order.
cudaError_t launchAccumulateHistogram(cudaStream_t stream, const float* x, std::int64_t count, const float* moments,
                                      int bins, float* counts);
constexpr int kMaxSharedBins = 8192;   // 32 KiB of shared memory
// unitMax: [channels] = max(unitMax, max of x over rows and positions); x: [rows × channels ×
// positions]. positions = 1: a thread per channel (the reads of a warp are adjacent); otherwise a
// block per channel, its threads over the channel's rows × positions.
cudaError_t launchAccumulateUnitMaximum(cudaStream_t stream, const float* x, std::int64_t rows, std::int64_t channels,
                                        std::int64_t positions, float* unitMax);

} // namespace neurite::cuda
