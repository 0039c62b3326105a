#pragma once
// The kernels of the per-step operations (StepOperations.h), in ElementwiseKernels.cu and
// RowKernels.cu. Each launch function queues its kernel(s) on `stream` and returns the launch's
// status (cudaGetLastError); CudaStepOperations.cpp checks the arguments before. Every kernel maps
// threads onto the arithmetic of engine/kernels (one element, row, channel or plane per thread or
// block); none re-derives it. Pointers are device memory unless named host; shapes as in
// StepOperations.h.
#include "engine/backends/cuda/CudaApi.h"
#include "engine/kernels/Optimizers.h"

#include <cuda_runtime.h>

#include <cstdint>

namespace neurite::cuda {

// ---- Multi-tensor launches: up to kSlotsPerLaunch tensors travel in the kernel's arguments (no
// upload, so a launch can be captured into a CUDA graph); longer lists take several launches.
constexpr int kSlotsPerLaunch = 32;

struct OptimizerBatch {
    NeuriteCudaOptimizerSlot slot[kSlotsPerLaunch];
    std::int64_t end[kSlotsPerLaunch];           // slot s holds the batch's elements [end[s−1], end[s])
    int count;
};

struct GradientBatch {
    NeuriteCudaGradientSlice slice[kSlotsPerLaunch];
    std::int64_t end[kSlotsPerLaunch];
    int count;
};

// The double partial sums a reduction writes: at most this many per launch.
constexpr int kMaxPartials = 256;

// ---- ElementwiseKernels.cu
cudaError_t launchActivationForward(cudaStream_t stream, NeuriteCudaActivation a, const float* x, float* y,
                                    std::int64_t count);
cudaError_t launchActivationBackward(cudaStream_t stream, NeuriteCudaActivation a, const float* x, const float* y,
                                     const float* dy, float* dx, std::int64_t count);
cudaError_t launchDropoutForward(cudaStream_t stream, float p, std::uint64_t seed, std::uint32_t step,
                                 std::uint32_t randomStream, const float* x, float* y, float* mask,
                                 std::int64_t count);
cudaError_t launchMultiply(cudaStream_t stream, const float* a, const float* b, float* y, std::int64_t count);
cudaError_t launchAdd(cudaStream_t stream, const float* a, const float* b, float* y, std::int64_t count);
cudaError_t launchAccumulate(cudaStream_t stream, const float* x, float* y, std::int64_t count);
cudaError_t launchBroadcastRow(cudaStream_t stream, const float* x, float* y, std::int64_t yStride,
                               std::int64_t yOffset, std::int64_t rows, std::int64_t width);
cudaError_t launchAddBias(cudaStream_t stream, float* y, const float* bias, std::int64_t rows, std::int64_t channels,
                          std::int64_t positions);
cudaError_t launchGlobalAvgPoolForward(cudaStream_t stream, const float* x, float* y, std::int64_t planes,
                                       std::int64_t planeSize);
cudaError_t launchGlobalAvgPoolBackward(cudaStream_t stream, const float* dy, float* dx, std::int64_t planes,
                                        std::int64_t planeSize);
// One launch updates every tensor of the batch with the same settings (kind: NeuriteCudaOptimizerKind).
cudaError_t launchOptimizerStep(cudaStream_t stream, int kind, const OptimizerBatch& batch,
                                const kernels::SgdSettings& sgd, const kernels::AdamSettings& adam,
                                const kernels::RmspropSettings& rmsprop);
// Σ g² of the batch's elements into partials[0, *written) (at most kMaxPartials, in double).
cudaError_t launchSumOfSquares(cudaStream_t stream, const GradientBatch& batch, double* partials, int* written);
// ‖g‖ = √(Σ partials[0, partialCount)), added in a fixed order by every block; when writeNorm,
// norm[0] = ‖g‖; when clipping is needed, the batch's elements are scaled (Reductions.h).
cudaError_t launchClipScale(cudaStream_t stream, const GradientBatch& batch, const double* partials,
                            int partialCount, double maxNorm, float* norm, bool writeNorm);

// ---- RowKernels.cu
// db: [channels]; scratch: [channels × 32] floats (partial sums over chunks of rows when positions > 1).
cudaError_t launchBiasGradient(cudaStream_t stream, const float* dy, float* db, std::int64_t rows,
                               std::int64_t channels, std::int64_t positions, float* scratch);
constexpr std::int64_t kBiasGradientChunks = 32;
cudaError_t launchSoftmaxForward(cudaStream_t stream, const float* x, float* y, std::int64_t rows, std::int64_t width);
cudaError_t launchSoftmaxBackward(cudaStream_t stream, const float* y, const float* dy, float* dx, std::int64_t rows,
                                  std::int64_t width);
// The mean loss into loss[0]: per-block partial sums in double (partials: [kMaxPartials]), then one
// block adds them in order.
cudaError_t launchLossForward(cudaStream_t stream, const NeuriteCudaLoss& l, const float* x, std::int64_t rows,
                              std::int64_t width, float* loss, double* partials);
cudaError_t launchLossBackward(cudaStream_t stream, const NeuriteCudaLoss& l, const float* x, std::int64_t rows,
                               std::int64_t width, float* dx);
// One block per channel: statistics, running estimates and the normalisation in one launch.
cudaError_t launchBatchNormForward(cudaStream_t stream, const float* x, float* y, std::int64_t n,
                                   std::int64_t channels, std::int64_t positions, const NeuriteCudaBatchNorm& t,
                                   float momentum, float eps, bool training);
cudaError_t launchBatchNormBackward(cudaStream_t stream, const float* x, const float* dy, float* dx, std::int64_t n,
                                    std::int64_t channels, std::int64_t positions, const NeuriteCudaBatchNorm& t,
                                    float* dgamma, float* dbeta);
cudaError_t launchLayerNormForward(cudaStream_t stream, const float* x, float* y, std::int64_t rows,
                                   std::int64_t width, const float* gamma, const float* beta, float eps,
                                   float* savedMean, float* savedInvstd);
// statistics: [rows × 2] floats of scratch (the rows' mean and 1/σ as kernels::RowStatistics).
cudaError_t launchLayerNormBackward(cudaStream_t stream, const float* x, const float* dy, float* dx, std::int64_t rows,
                                    std::int64_t width, const float* gamma, const float* savedMean,
                                    const float* savedInvstd, float* dgamma, float* dbeta, float* statistics);
// found[0] = the non-finite elements (zeroed, then integer atomics per block).
cudaError_t launchCountNonFinite(cudaStream_t stream, const float* x, std::int64_t count, std::int32_t* found);
cudaError_t launchCountTopK(cudaStream_t stream, const float* scores, const std::int32_t* labels, std::int64_t rows,
                            std::int64_t classes, int topK, std::int32_t* hits);
cudaError_t launchAddToConfusion(cudaStream_t stream, const float* scores, const std::int32_t* labels,
                                 std::int64_t rows, std::int64_t classes, std::int32_t* matrix);
// One batch of a data set held on the device (engine/kernels/Gather.h): one element per thread.
cudaError_t launchGatherBatch(cudaStream_t stream, const NeuriteCudaSamples& set, const std::int32_t* ids,
                              std::int64_t n, float* x, std::int32_t* labels);

} // namespace neurite::cuda
