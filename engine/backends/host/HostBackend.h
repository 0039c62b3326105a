#pragma once
// The per-step operations (StepOperations.h) on host memory, for the backends whose buffers are
// host memory: the reference (serially: its parallelFor is the default) and the CPU backend (on its
// thread pool, through parallelFor). Each is a host loop over the arithmetic of engine/kernels,
// the same functions the CUDA module runs in its kernels.
//
// Deterministic for a given thread count: work is split into static chunks, and a reduction over
// chunks adds their partial results in chunk order.
#include "engine/backends/Backend.h"

namespace neurite {

class HostBackend : public Backend {
public:
    void activationForward(ActivationSpec a, const float* x, float* y, std::int64_t count) override;
    void activationBackward(ActivationSpec a, const float* x, const float* y, const float* dy, float* dx,
                            std::int64_t count) override;
    void dropoutForward(float p, std::uint64_t seed, std::uint32_t step, std::uint32_t stream, const float* x,
                        float* y, float* mask, std::int64_t count) override;
    void multiply(const float* a, const float* b, float* y, std::int64_t count) override;
    void add(const float* a, const float* b, float* y, std::int64_t count) override;
    void accumulate(const float* x, float* y, std::int64_t count) override;
    void copy(const float* x, float* y, std::int64_t count) override;
    void copyRows(const float* x, std::int64_t xStride, float* y, std::int64_t yStride, std::int64_t yOffset,
                  std::int64_t rows, std::int64_t width) override;

    void addBias(float* y, const float* bias, std::int64_t rows, std::int64_t channels, std::int64_t positions) override;
    void biasGradient(const float* dy, float* db, std::int64_t rows, std::int64_t channels,
                      std::int64_t positions) override;

    void softmaxForward(const float* x, float* y, std::int64_t rows, std::int64_t width) override;
    void softmaxBackward(const float* y, const float* dy, float* dx, std::int64_t rows, std::int64_t width) override;
    void lossForward(LossSpec l, const float* x, LossTarget t, std::int64_t rows, std::int64_t width,
                     float* loss) override;
    void lossBackward(LossSpec l, const float* x, LossTarget t, std::int64_t rows, std::int64_t width,
                      float* dx) override;

    void batchNormForward(const float* x, float* y, std::int64_t n, std::int64_t channels, std::int64_t positions,
                          const BatchNormTensors& t, float momentum, float eps, bool training) override;
    void batchNormBackward(const float* x, const float* dy, float* dx, std::int64_t n, std::int64_t channels,
                           std::int64_t positions, const BatchNormTensors& t, float* dgamma, float* dbeta) override;
    void layerNormForward(const float* x, float* y, std::int64_t rows, std::int64_t width, const float* gamma,
                          const float* beta, float eps, float* savedMean, float* savedInvstd) override;
    void layerNormBackward(const float* x, const float* dy, float* dx, std::int64_t rows, std::int64_t width,
                           const float* gamma, const float* savedMean, const float* savedInvstd, float* dgamma,
                           float* dbeta) override;

    void globalAvgPoolForward(const float* x, float* y, std::int64_t planes, std::int64_t planeSize) override;
    void globalAvgPoolBackward(const float* dy, float* dx, std::int64_t planes, std::int64_t planeSize) override;

    void optimizerStep(const OptimizerStepSettings& s, std::span<const OptimizerSlot> slots) override;
    void clipGradientNorm(std::span<const GradientSlice> gradients, double maxNorm, float* norm) override;

    void gatherBatch(const ResidentSamples& set, const std::int32_t* ids, std::int64_t n, float* x,
                     std::int32_t* labels) override;

    void countNonFinite(const float* x, std::int64_t count, std::int32_t* found) override;
    void accumulateMoments(const float* x, const float* minus, std::int64_t count, float* moments) override;
    void accumulateHistogram(const float* x, std::int64_t count, const float* moments, int bins,
                             float* counts) override;
    void accumulateUnitMaximum(const float* x, std::int64_t rows, std::int64_t channels, std::int64_t positions,
                               float* unitMax) override;
    void countTopK(const float* scores, const std::int32_t* labels, std::int64_t rows, std::int64_t classes, int topK,
                   std::int32_t* hits) override;
    void addToConfusion(const float* scores, const std::int32_t* labels, std::int64_t rows, std::int64_t classes,
                        std::int32_t* matrix) override;
};

} // namespace neurite
