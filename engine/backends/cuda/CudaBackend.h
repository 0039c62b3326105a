#pragma once
// The CUDA backend as the engine sees it: a neurite::Backend over the C function table of the CUDA
// module (CudaApi.h). Compiled by the engine's compiler into neurite_backends; it includes no CUDA
// header and links nothing of CUDA: the module, loaded at run time, does all the CUDA work.
//
// - Every buffer is device memory: hostAddressable() is false, and the host reads and writes it
//   only through upload() and download(). parallelFor keeps the serial default: nothing the host
//   runs may touch these buffers. Every StepOperations method runs in the module's kernels (issue
//   10): a step never waits for the device; the loss, the gradient norm and the counts stay in
//   device buffers until the caller downloads them.
// - Calls are queued on the context's one stream and return before the device finishes; download()
//   and synchronise() wait.
// - A failed call throws: OutOfMemoryError (purpose, bytes, free bytes) for memory, Error with the
//   module's message (which CUDA, cuBLAS or cuDNN call, which geometry) otherwise.
// - Mixed precision (Options::bf16): gemm and the convolutions compute on bf16 copies with fp32
//   accumulation; every buffer here (weights, gradients, optimiser state, activations) stays fp32.
// - Made by Registry.cpp for `--device cuda` (BackendOptions from the job's precision).
#include "engine/backends/Backend.h"
#include "engine/backends/cuda/CudaApi.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace neurite {

struct CudaBackendOptions {
    int device = 0;
    bool allowTf32 = false;           // TF32 tensor cores in cuBLAS and cuDNN: faster, ~1e-3 relative error
    bool deterministic = false;       // cuDNN algorithms that give the same bits every run only
    bool bf16 = false;                // gemm and convolutions on bf16 copies of their inputs, fp32 accumulation
                                      // and outputs; everything else fp32 (CudaApi.h, NeuriteCudaOptions)
};

class CudaBackend final : public Backend {
public:
    using Options = CudaBackendOptions;

    // The loaded module's table (CudaDevices.h loads the module once per process). Throws Error
    // saying why when the module is not built, cannot load, or speaks another version.
    static const NeuriteCudaApi& moduleApi();

    // A context on options.device through `api` (the module's, or a test's). Throws Error when the
    // module cannot make one (no driver, no such device).
    CudaBackend(const NeuriteCudaApi& api, const Options& options);
    explicit CudaBackend(const Options& options = {}) : CudaBackend(moduleApi(), options) {}
    ~CudaBackend() override;
    CudaBackend(const CudaBackend&) = delete;
    CudaBackend& operator=(const CudaBackend&) = delete;

    std::string name() const override { return "cuda"; }
    std::string description() const override { return description_; }

    void* allocate(std::int64_t bytes, const std::string& purpose = {}) override;
    void release(void* buffer) override;
    void upload(void* buffer, const void* host, std::int64_t bytes) override;
    void download(void* host, const void* buffer, std::int64_t bytes) override;
    void fill(float* buffer, float value, std::int64_t count) override;
    void synchronise() override;
    bool hostAddressable() const override { return false; }

    void gemm(bool transA, bool transB, std::int64_t M, std::int64_t N, std::int64_t K, float alpha, const float* A,
              std::int64_t lda, const float* B, std::int64_t ldb, float beta, float* C, std::int64_t ldc) override;
    // 0: the module keeps its own scratch (cuDNN's workspace, the unpooled output); the workspace
    // pointer the calls below take is not used.
    std::int64_t convWorkspace(const ConvGeometry&) const override { return 0; }
    void convForward(const ConvGeometry& g, const float* x, const float* w, const float* bias, float* y,
                     float* workspace, std::int32_t* argmax = nullptr) override;
    void convBackward(const ConvGeometry& g, const float* x, const float* w, const float* y, const float* dy,
                      float* dx, float* dw, float* db, float* workspace, const std::int32_t* argmax = nullptr) override;
    void maxPoolForward(const PoolGeometry& g, const float* x, float* y, std::int32_t* argmax) override;
    void maxPoolBackward(const PoolGeometry& g, const float* dy, const std::int32_t* argmax, float* dx) override;
    void avgPoolForward(const PoolGeometry& g, const float* x, float* y) override;
    void avgPoolBackward(const PoolGeometry& g, const float* dy, float* dx) override;

    // ---- StepOperations, each one entry of the module's table (CudaApi.h, version 2).
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
    // One launch per 32 tensors (the descriptors travel as kernel arguments, so a graph can capture it).
    void optimizerStep(const OptimizerStepSettings& s, std::span<const OptimizerSlot> slots) override;
    // Partial sums of squares, then norm, factor and scaling on the device: no host round trip.
    void clipGradientNorm(std::span<const GradientSlice> gradients, double maxNorm, float* norm) override;
    void countNonFinite(const float* x, std::int64_t count, std::int32_t* found) override;
    void accumulateMoments(const float* x, const float* minus, std::int64_t count, float* moments) override;
    void accumulateHistogram(const float* x, std::int64_t count, const float* moments, int bins,
                             float* counts) override;
    void accumulateUnitMaximum(const float* x, std::int64_t rows, std::int64_t channels, std::int64_t positions,
                               float* unitMax) override;
    void countTopK(const float* scores, const std::int32_t* labels, std::int64_t rows, std::int64_t classes, int topK,
                   std::int32_t* hits) override;
    void gatherBatch(const ResidentSamples& set, const std::int32_t* ids, std::int64_t n, float* x,
                     std::int32_t* labels) override;
    void addToConfusion(const float* scores, const std::int32_t* labels, std::int64_t rows, std::int64_t classes,
                        std::int32_t* matrix) override;

    // ---- Beyond Backend: memory figures.
    NeuriteCudaMemoryInfo memoryInfo();
    void emptyCache();

    // Recording is CUDA graph capture: replay() launches the whole graph at once.
    bool records() const override { return true; }
    void beginRecording() override;
    std::unique_ptr<Recording> endRecording() override;

private:
    void check(int status) const;   // throws for a failed status

    const NeuriteCudaApi& api_;
    NeuriteCudaContext* context_ = nullptr;
    std::string device_;            // "GPU 0", for OutOfMemoryError
    std::string description_;
    // The C descriptors of the last optimizerStep / clipGradientNorm, kept so that a steady step
    // allocates nothing on the host.
    std::vector<NeuriteCudaOptimizerSlot> slots_;
    std::vector<NeuriteCudaGradientSlice> slices_;
};

} // namespace neurite
