#include "engine/backends/cuda/CudaBackend.h"

#include "engine/backends/CudaDevices.h"
#include "engine/core/Error.h"

#include <dlfcn.h>

namespace neurite {

namespace {

NeuriteCudaConv toC(const ConvGeometry& g)
{
    return {g.n, g.cin, g.h, g.w, g.cout, g.k, g.stride, g.pad, g.dilation, g.groups, g.oh, g.ow, g.relu ? 1 : 0,
            g.maxPool2x2 ? 1 : 0};
}

NeuriteCudaPool toC(const PoolGeometry& g) { return {g.n, g.c, g.h, g.w, g.k, g.stride, g.pad, g.oh, g.ow}; }

// The C enums follow the C++ ones in order (CudaApi.h); these pin it at compile time.
static_assert(NEURITE_CUDA_TANH == int(ActivationKind::Tanh) && NEURITE_CUDA_ELU == int(ActivationKind::ELU));
static_assert(NEURITE_CUDA_BCE_WITH_LOGITS == int(LossKind::BinaryCrossEntropyWithLogits) &&
              NEURITE_CUDA_MEAN_SQUARED_ERROR == int(LossKind::MeanSquaredError));
static_assert(NEURITE_CUDA_RMSPROP == int(OptimizerKind::RmsProp) && NEURITE_CUDA_ADAMW == int(OptimizerKind::AdamW));

NeuriteCudaActivation toC(ActivationSpec a) { return {int(a.kind), a.alpha}; }

NeuriteCudaLoss toC(LossSpec l, LossTarget t) { return {int(l.kind), l.labelSmoothing, t.labels, t.targets}; }

NeuriteCudaBatchNorm toC(const BatchNormTensors& t)
{
    return {t.gamma, t.beta, t.runningMean, t.runningVar, t.savedMean, t.savedInvstd};
}

NeuriteCudaOptimizer toC(const OptimizerStepSettings& s)
{
    return {int(s.kind), s.lr, s.weightDecay, s.momentum, s.nesterov ? 1 : 0, s.beta1, s.beta2, s.eps, s.alpha, s.step};
}

} // namespace

const NeuriteCudaApi& CudaBackend::moduleApi()
{
    // cudaStatus() loads the module once and keeps it; RTLD_NOLOAD finds that same handle.
    const CudaStatus& status = cudaStatus();
    if (status.module.empty())
        throw Error("the CUDA backend is not available: " + status.reason);
    void* handle = dlopen(status.module.c_str(), RTLD_NOW | RTLD_LOCAL | RTLD_NOLOAD);
    const auto entry = handle ? reinterpret_cast<NeuriteCudaApiFn>(dlsym(handle, "neurite_cuda_api")) : nullptr;
    const NeuriteCudaApi* api = entry ? entry(NEURITE_CUDA_API_VERSION) : nullptr;
    if (handle)
        dlclose(handle);   // drops only the reference RTLD_NOLOAD added
    if (!api || api->size < sizeof(NeuriteCudaApi))
        throw Error("the CUDA module " + status.module + " has no neurite_cuda_api of version " +
                    std::to_string(NEURITE_CUDA_API_VERSION) + " (a module from another build?)");
    return *api;
}

CudaBackend::CudaBackend(const NeuriteCudaApi& api, const Options& options)
    : api_(api), device_("GPU " + std::to_string(options.device))
{
    const NeuriteCudaOptions c{options.device, options.allowTf32 ? 1 : 0, options.deterministic ? 1 : 0,
                               options.bf16 ? 1 : 0};
    char error[1024] = {};
    if (api_.create(&c, &context_, error, sizeof error) != NEURITE_CUDA_OK || !context_)
        throw Error("the CUDA backend cannot start on " + device_ + ": " + error);
    char text[512] = {};
    if (api_.describe(context_, text, sizeof text) == NEURITE_CUDA_OK)
        description_ = text;
}

CudaBackend::~CudaBackend() { api_.destroy(context_); }

void CudaBackend::check(int status) const
{
    if (status == NEURITE_CUDA_OK)
        return;
    const NeuriteCudaFailure* failure = api_.lastFailure(context_);
    if (!failure)
        throw Error("the CUDA module failed with status " + std::to_string(status) + " and no message");
    if (status == NEURITE_CUDA_OUT_OF_MEMORY)
        throw OutOfMemoryError(failure->purpose, failure->bytes, failure->freeBytes, device_);
    throw Error(failure->message);
}

void* CudaBackend::allocate(std::int64_t bytes, const std::string& purpose)
{
    void* buffer = nullptr;
    check(api_.allocate(context_, bytes, purpose.c_str(), &buffer));
    return buffer;
}

void CudaBackend::release(void* buffer) { check(api_.release(context_, buffer)); }

void CudaBackend::upload(void* buffer, const void* host, std::int64_t bytes)
{
    check(api_.upload(context_, buffer, host, bytes));
}

void CudaBackend::download(void* host, const void* buffer, std::int64_t bytes)
{
    check(api_.download(context_, host, buffer, bytes));
}

void CudaBackend::fill(float* buffer, float value, std::int64_t count) { check(api_.fill(context_, buffer, value, count)); }

void CudaBackend::synchronise() { check(api_.synchronise(context_)); }

void CudaBackend::gemm(bool transA, bool transB, std::int64_t M, std::int64_t N, std::int64_t K, float alpha,
                       const float* A, std::int64_t lda, const float* B, std::int64_t ldb, float beta, float* C,
                       std::int64_t ldc)
{
    check(api_.gemm(context_, transA ? 1 : 0, transB ? 1 : 0, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc));
}

void CudaBackend::convForward(const ConvGeometry& g, const float* x, const float* w, const float* bias, float* y,
                              float*, std::int32_t* argmax)
{
    const NeuriteCudaConv c = toC(g);
    check(api_.convForward(context_, &c, x, w, bias, y, argmax));
}

void CudaBackend::convBackward(const ConvGeometry& g, const float* x, const float* w, const float* y, const float* dy,
                               float* dx, float* dw, float* db, float*, const std::int32_t* argmax)
{
    const NeuriteCudaConv c = toC(g);
    check(api_.convBackward(context_, &c, x, w, y, dy, dx, dw, db, argmax));
}

void CudaBackend::maxPoolForward(const PoolGeometry& g, const float* x, float* y, std::int32_t* argmax)
{
    const NeuriteCudaPool c = toC(g);
    check(api_.maxPoolForward(context_, &c, x, y, argmax));
}

void CudaBackend::maxPoolBackward(const PoolGeometry& g, const float* dy, const std::int32_t* argmax, float* dx)
{
    const NeuriteCudaPool c = toC(g);
    check(api_.maxPoolBackward(context_, &c, dy, argmax, dx));
}

void CudaBackend::avgPoolForward(const PoolGeometry& g, const float* x, float* y)
{
    const NeuriteCudaPool c = toC(g);
    check(api_.avgPoolForward(context_, &c, x, y));
}

void CudaBackend::avgPoolBackward(const PoolGeometry& g, const float* dy, float* dx)
{
    const NeuriteCudaPool c = toC(g);
    check(api_.avgPoolBackward(context_, &c, dy, dx));
}

// ---- StepOperations

void CudaBackend::activationForward(ActivationSpec a, const float* x, float* y, std::int64_t count)
{
    const NeuriteCudaActivation c = toC(a);
    check(api_.activationForward(context_, &c, x, y, count));
}

void CudaBackend::activationBackward(ActivationSpec a, const float* x, const float* y, const float* dy, float* dx,
                                     std::int64_t count)
{
    const NeuriteCudaActivation c = toC(a);
    check(api_.activationBackward(context_, &c, x, y, dy, dx, count));
}

void CudaBackend::dropoutForward(float p, std::uint64_t seed, std::uint32_t step, std::uint32_t stream, const float* x,
                                 float* y, float* mask, std::int64_t count)
{
    check(api_.dropoutForward(context_, p, seed, step, stream, x, y, mask, count));
}

void CudaBackend::multiply(const float* a, const float* b, float* y, std::int64_t count)
{
    check(api_.multiply(context_, a, b, y, count));
}

void CudaBackend::add(const float* a, const float* b, float* y, std::int64_t count)
{
    check(api_.add(context_, a, b, y, count));
}

void CudaBackend::accumulate(const float* x, float* y, std::int64_t count) { check(api_.accumulate(context_, x, y, count)); }

void CudaBackend::copy(const float* x, float* y, std::int64_t count) { check(api_.copy(context_, x, y, count)); }

void CudaBackend::copyRows(const float* x, std::int64_t xStride, float* y, std::int64_t yStride, std::int64_t yOffset,
                           std::int64_t rows, std::int64_t width)
{
    check(api_.copyRows(context_, x, xStride, y, yStride, yOffset, rows, width));
}

void CudaBackend::addBias(float* y, const float* bias, std::int64_t rows, std::int64_t channels, std::int64_t positions)
{
    check(api_.addBias(context_, y, bias, rows, channels, positions));
}

void CudaBackend::biasGradient(const float* dy, float* db, std::int64_t rows, std::int64_t channels,
                               std::int64_t positions)
{
    check(api_.biasGradient(context_, dy, db, rows, channels, positions));
}

void CudaBackend::softmaxForward(const float* x, float* y, std::int64_t rows, std::int64_t width)
{
    check(api_.softmaxForward(context_, x, y, rows, width));
}

void CudaBackend::softmaxBackward(const float* y, const float* dy, float* dx, std::int64_t rows, std::int64_t width)
{
    check(api_.softmaxBackward(context_, y, dy, dx, rows, width));
}

void CudaBackend::lossForward(LossSpec l, const float* x, LossTarget t, std::int64_t rows, std::int64_t width,
                              float* loss)
{
    const NeuriteCudaLoss c = toC(l, t);
    check(api_.lossForward(context_, &c, x, rows, width, loss));
}

void CudaBackend::lossBackward(LossSpec l, const float* x, LossTarget t, std::int64_t rows, std::int64_t width,
                               float* dx)
{
    const NeuriteCudaLoss c = toC(l, t);
    check(api_.lossBackward(context_, &c, x, rows, width, dx));
}

void CudaBackend::batchNormForward(const float* x, float* y, std::int64_t n, std::int64_t channels,
                                   std::int64_t positions, const BatchNormTensors& t, float momentum, float eps,
                                   bool training)
{
    const NeuriteCudaBatchNorm c = toC(t);
    check(api_.batchNormForward(context_, x, y, n, channels, positions, &c, momentum, eps, training ? 1 : 0));
}

void CudaBackend::batchNormBackward(const float* x, const float* dy, float* dx, std::int64_t n, std::int64_t channels,
                                    std::int64_t positions, const BatchNormTensors& t, float* dgamma, float* dbeta)
{
    const NeuriteCudaBatchNorm c = toC(t);
    check(api_.batchNormBackward(context_, x, dy, dx, n, channels, positions, &c, dgamma, dbeta));
}

void CudaBackend::layerNormForward(const float* x, float* y, std::int64_t rows, std::int64_t width, const float* gamma,
                                   const float* beta, float eps, float* savedMean, float* savedInvstd)
{
    check(api_.layerNormForward(context_, x, y, rows, width, gamma, beta, eps, savedMean, savedInvstd));
}

void CudaBackend::layerNormBackward(const float* x, const float* dy, float* dx, std::int64_t rows, std::int64_t width,
                                    const float* gamma, const float* savedMean, const float* savedInvstd,
                                    float* dgamma, float* dbeta)
{
    check(api_.layerNormBackward(context_, x, dy, dx, rows, width, gamma, savedMean, savedInvstd, dgamma, dbeta));
}

void CudaBackend::globalAvgPoolForward(const float* x, float* y, std::int64_t planes, std::int64_t planeSize)
{
    check(api_.globalAvgPoolForward(context_, x, y, planes, planeSize));
}

void CudaBackend::globalAvgPoolBackward(const float* dy, float* dx, std::int64_t planes, std::int64_t planeSize)
{
    check(api_.globalAvgPoolBackward(context_, dy, dx, planes, planeSize));
}

void CudaBackend::optimizerStep(const OptimizerStepSettings& s, std::span<const OptimizerSlot> slots)
{
    slots_.clear();
    for (const OptimizerSlot& slot : slots)
        slots_.push_back({slot.value, slot.grad, slot.state0, slot.state1, slot.count});
    const NeuriteCudaOptimizer c = toC(s);
    check(api_.optimizerStep(context_, &c, slots_.data(), std::int64_t(slots_.size())));
}

void CudaBackend::clipGradientNorm(std::span<const GradientSlice> gradients, double maxNorm, float* norm)
{
    slices_.clear();
    for (const GradientSlice& g : gradients)
        slices_.push_back({g.data, g.count});
    check(api_.clipGradientNorm(context_, slices_.data(), std::int64_t(slices_.size()), maxNorm, norm));
}

void CudaBackend::countNonFinite(const float* x, std::int64_t count, std::int32_t* found)
{
    check(api_.countNonFinite(context_, x, count, found));
}

void CudaBackend::accumulateMoments(const float* x, const float* minus, std::int64_t count, float* moments)
{
    check(api_.accumulateMoments(context_, x, minus, count, moments));
}

void CudaBackend::accumulateHistogram(const float* x, std::int64_t count, const float* moments, int bins,
                                      float* counts)
{
    check(api_.accumulateHistogram(context_, x, count, moments, bins, counts));
}

void CudaBackend::accumulateUnitMaximum(const float* x, std::int64_t rows, std::int64_t channels,
                                        std::int64_t positions, float* unitMax)
{
    check(api_.accumulateUnitMaximum(context_, x, rows, channels, positions, unitMax));
}

void CudaBackend::countTopK(const float* scores, const std::int32_t* labels, std::int64_t rows, std::int64_t classes,
                            int topK, std::int32_t* hits)
{
    check(api_.countTopK(context_, scores, labels, rows, classes, topK, hits));
}

void CudaBackend::addToConfusion(const float* scores, const std::int32_t* labels, std::int64_t rows,
                                 std::int64_t classes, std::int32_t* matrix)
{
    check(api_.addToConfusion(context_, scores, labels, rows, classes, matrix));
}

void CudaBackend::gatherBatch(const ResidentSamples& set, const std::int32_t* ids, std::int64_t n, float* x,
                              std::int32_t* labels)
{
    const NeuriteCudaSamples samples{.count = set.count,
                                     .sampleSize = set.sampleSize,
                                     .bytes = set.bytes,
                                     .byteValues = set.byteValues,
                                     .channels = set.channels,
                                     .plane = set.plane,
                                     .features = set.features,
                                     .mean = set.mean,
                                     .std = set.std,
                                     .labels = set.labels};
    check(api_.gatherBatch(context_, &samples, ids, n, x, labels));
}

// ---- Beyond Backend

NeuriteCudaMemoryInfo CudaBackend::memoryInfo()
{
    NeuriteCudaMemoryInfo info{};
    check(api_.memoryInfo(context_, &info));
    return info;
}

void CudaBackend::emptyCache() { check(api_.emptyCache(context_)); }

namespace {

// A captured graph of the module; destroyed with its backend's context still alive.
class CudaGraph final : public Recording {
public:
    CudaGraph(const NeuriteCudaApi& api, NeuriteCudaContext* context, NeuriteCudaGraph* graph,
              std::function<void(int)> check)
        : api_(api), context_(context), graph_(graph), check_(std::move(check))
    {
    }
    ~CudaGraph() override { api_.graphDestroy(context_, graph_); }
    CudaGraph(const CudaGraph&) = delete;
    CudaGraph& operator=(const CudaGraph&) = delete;
    void replay() override { check_(api_.graphReplay(context_, graph_)); }

private:
    const NeuriteCudaApi& api_;
    NeuriteCudaContext* context_;
    NeuriteCudaGraph* graph_;
    std::function<void(int)> check_;
};

} // namespace

void CudaBackend::beginRecording() { check(api_.captureBegin(context_)); }

std::unique_ptr<Recording> CudaBackend::endRecording()
{
    NeuriteCudaGraph* graph = nullptr;
    check(api_.captureEnd(context_, &graph));
    return std::make_unique<CudaGraph>(api_, context_, graph, [this](int status) { check(status); });
}

} // namespace neurite
