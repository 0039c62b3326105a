// The per-step operations of CudaApi.h (version 2): argument checks, scratch memory, and the
// launches of StepKernels.h; each failure is recorded in the context with the operation and its
// shape, as the other entries do. No call waits for the device.
#include "engine/backends/cuda/CudaContext.h"
#include "engine/backends/cuda/CudaKernels.h"
#include "engine/backends/cuda/StatisticsKernels.h"
#include "engine/backends/cuda/StepKernels.h"
#include "engine/kernels/Optimizers.h"

#include <vector>

namespace neurite::cuda {

namespace k = kernels;

namespace {

std::string sizes(const char* what, std::initializer_list<std::int64_t> values)
{
    std::string text = what;
    const char* separator = " ";
    for (const std::int64_t v : values) {
        text += separator + std::to_string(v);
        separator = "×";
    }
    return text;
}

// The launch's status as the context's failure ("softmax forward kernel failed on GPU 0: ... (rows×width 3×5)").
int launched(NeuriteCudaContext* c, cudaError_t e, const char* kernel, const std::string& where)
{
    return e == cudaSuccess ? int(NEURITE_CUDA_OK) : failCuda(c, e, kernel, where);
}

int invalid(NeuriteCudaContext* c, const char* op, const std::string& why)
{
    return fail(c, NEURITE_CUDA_INVALID, std::string(op) + ": " + why);
}

bool negative(std::initializer_list<std::int64_t> values)
{
    for (const std::int64_t v : values)
        if (v < 0)
            return true;
    return false;
}

// Runs `body` (which returns the launch's status) unless `refusal` says why not or a size is
// negative; a failure names the operation and the shape.
template <class Body>
int elementwise(NeuriteCudaContext* c, const char* op, std::initializer_list<std::int64_t> shape, Body&& body,
                const char* refusal = nullptr)
{
    return guarded(c, [&] {
        if (refusal)
            return invalid(c, op, refusal);
        if (negative(shape))
            return invalid(c, op, sizes("negative size in", shape));
        return launched(c, body(), op, sizes("shape", shape));
    });
}

// Typed scratch of `count` items for this call.
template <class T>
int scratchOf(NeuriteCudaContext* c, std::int64_t count, const char* purpose, T** out)
{
    void* block = nullptr;
    if (const int e = scratch(c, std::size_t(count > 0 ? count : 1) * sizeof(T), purpose, &block))
        return e;
    *out = static_cast<T*>(block);
    return NEURITE_CUDA_OK;
}

// Splits a host list of tensors into launches of up to kSlotsPerLaunch non-empty ones.
template <class Batch, class Item>
std::vector<Batch> batches(const Item* items, std::int64_t count, Item (Batch::*member)[kSlotsPerLaunch])
{
    std::vector<Batch> out;
    for (std::int64_t i = 0; i < count; ++i) {
        if (items[i].count == 0)
            continue;
        if (out.empty() || out.back().count == kSlotsPerLaunch)
            out.push_back(Batch{});
        Batch& b = out.back();
        const std::int64_t begin = b.count > 0 ? b.end[b.count - 1] : 0;
        b.end[b.count] = begin + items[i].count;
        (b.*member)[b.count++] = items[i];
    }
    return out;
}

} // namespace

// ---- Element-wise

namespace {

const char* unknownActivation(const NeuriteCudaActivation* a)
{
    return !a || a->kind < NEURITE_CUDA_RELU || a->kind > NEURITE_CUDA_TANH ? "unknown activation" : nullptr;
}

} // namespace

int activationForward(NeuriteCudaContext* c, const NeuriteCudaActivation* a, const float* x, float* y,
                      std::int64_t count)
{
    return elementwise(
        c, "activation forward kernel", {count}, [&] { return launchActivationForward(c->stream, *a, x, y, count); },
        unknownActivation(a));
}

int activationBackward(NeuriteCudaContext* c, const NeuriteCudaActivation* a, const float* x, const float* y,
                       const float* dy, float* dx, std::int64_t count)
{
    return elementwise(
        c, "activation backward kernel", {count},
        [&] { return launchActivationBackward(c->stream, *a, x, y, dy, dx, count); }, unknownActivation(a));
}

int dropoutForward(NeuriteCudaContext* c, float p, std::uint64_t seed, std::uint32_t step, std::uint32_t stream,
                   const float* x, float* y, float* mask, std::int64_t count)
{
    return elementwise(
        c, "dropout kernel", {count},
        [&] { return launchDropoutForward(c->stream, p, seed, step, stream, x, y, mask, count); },
        p >= 0.0f && p <= 1.0f ? nullptr : "p outside [0, 1]");
}

int multiply(NeuriteCudaContext* c, const float* a, const float* b, float* y, std::int64_t count)
{
    return elementwise(c, "multiply kernel", {count}, [&] { return launchMultiply(c->stream, a, b, y, count); });
}

int add(NeuriteCudaContext* c, const float* a, const float* b, float* y, std::int64_t count)
{
    return elementwise(c, "add kernel", {count}, [&] { return launchAdd(c->stream, a, b, y, count); });
}

int accumulate(NeuriteCudaContext* c, const float* x, float* y, std::int64_t count)
{
    return elementwise(c, "accumulate kernel", {count}, [&] { return launchAccumulate(c->stream, x, y, count); });
}

int copy(NeuriteCudaContext* c, const float* x, float* y, std::int64_t count)
{
    return elementwise(c, "cudaMemcpyAsync (copy)", {count}, [&] {
        if (count == 0 || x == y)
            return cudaSuccess;
        return cudaMemcpyAsync(y, x, std::size_t(count) * sizeof(float), cudaMemcpyDeviceToDevice, c->stream);
    });
}

int copyRows(NeuriteCudaContext* c, const float* x, std::int64_t xStride, float* y, std::int64_t yStride,
             std::int64_t yOffset, std::int64_t rows, std::int64_t width)
{
    return guarded(c, [&] {
        const auto shape = {rows, width, xStride, yStride, yOffset};
        if (negative(shape) || (xStride != 0 && width > xStride) || yOffset + width > yStride)
            return invalid(c, "copyRows", sizes("rows, width, strides, offset", shape) + " inconsistent");
        if (rows == 0 || width == 0)
            return int(NEURITE_CUDA_OK);
        if (xStride == 0)   // one row repeated (Linear's bias before its product)
            return launched(c, launchBroadcastRow(c->stream, x, y, yStride, yOffset, rows, width),
                            "broadcast row kernel (copyRows)", sizes("rows, width, strides, offset", shape));
        const std::size_t f = sizeof(float);
        return launched(c,
                        cudaMemcpy2DAsync(y + yOffset, std::size_t(yStride) * f, x, std::size_t(xStride) * f,
                                          std::size_t(width) * f, std::size_t(rows), cudaMemcpyDeviceToDevice,
                                          c->stream),
                        "cudaMemcpy2DAsync (copyRows)", sizes("rows, width, strides, offset", shape));
    });
}

// ---- Bias

int addBias(NeuriteCudaContext* c, float* y, const float* bias, std::int64_t rows, std::int64_t channels,
            std::int64_t positions)
{
    return elementwise(c, "bias kernel", {rows, channels, positions},
                       [&] { return launchAddBias(c->stream, y, bias, rows, channels, positions); });
}

int biasGradient(NeuriteCudaContext* c, const float* dy, float* db, std::int64_t rows, std::int64_t channels,
                 std::int64_t positions)
{
    return guarded(c, [&] {
        if (negative({rows, channels, positions}))
            return invalid(c, "bias gradient", sizes("negative size in", {rows, channels, positions}));
        float* partial = nullptr;
        if (positions > 1)
            if (const int e = scratchOf(c, channels * kBiasGradientChunks, "bias gradient partial sums", &partial))
                return e;
        return launched(c, launchBiasGradient(c->stream, dy, db, rows, channels, positions, partial),
                        "bias gradient kernel", sizes("rows×channels×positions", {rows, channels, positions}));
    });
}

// ---- Rows

int softmaxForward(NeuriteCudaContext* c, const float* x, float* y, std::int64_t rows, std::int64_t width)
{
    return elementwise(c, "softmax forward kernel", {rows, width},
                       [&] { return launchSoftmaxForward(c->stream, x, y, rows, width); });
}

int softmaxBackward(NeuriteCudaContext* c, const float* y, const float* dy, float* dx, std::int64_t rows,
                    std::int64_t width)
{
    return elementwise(c, "softmax backward kernel", {rows, width},
                       [&] { return launchSoftmaxBackward(c->stream, y, dy, dx, rows, width); });
}

namespace {

int checkLoss(NeuriteCudaContext* c, const char* op, const NeuriteCudaLoss* l, std::int64_t rows, std::int64_t width)
{
    if (!l || l->kind < NEURITE_CUDA_CROSS_ENTROPY || l->kind > NEURITE_CUDA_BCE_WITH_LOGITS)
        return invalid(c, op, "unknown loss");
    if (rows < 1 || width < 1)
        return invalid(c, op, sizes("needs at least one row and one column, got", {rows, width}));
    if (l->kind == NEURITE_CUDA_CROSS_ENTROPY ? !l->labels : !l->labels == !l->targets)
        return invalid(c, op, "cross-entropy needs labels; the others labels or targets, exactly one");
    return NEURITE_CUDA_OK;
}

} // namespace

int lossForward(NeuriteCudaContext* c, const NeuriteCudaLoss* l, const float* x, std::int64_t rows, std::int64_t width,
                float* loss)
{
    return guarded(c, [&] {
        if (const int e = checkLoss(c, "loss forward", l, rows, width))
            return e;
        double* partials = nullptr;
        if (const int e = scratchOf(c, kMaxPartials, "loss partial sums", &partials))
            return e;
        return launched(c, launchLossForward(c->stream, *l, x, rows, width, loss, partials), "loss forward kernels",
                        sizes("rows×width", {rows, width}));
    });
}

int lossBackward(NeuriteCudaContext* c, const NeuriteCudaLoss* l, const float* x, std::int64_t rows,
                 std::int64_t width, float* dx)
{
    return guarded(c, [&] {
        if (const int e = checkLoss(c, "loss backward", l, rows, width))
            return e;
        return launched(c, launchLossBackward(c->stream, *l, x, rows, width, dx), "loss backward kernel",
                        sizes("rows×width", {rows, width}));
    });
}

// ---- Normalisation

int batchNormForward(NeuriteCudaContext* c, const float* x, float* y, std::int64_t n, std::int64_t channels,
                     std::int64_t positions, const NeuriteCudaBatchNorm* t, float momentum, float eps, int training)
{
    return guarded(c, [&] {
        const auto shape = {n, channels, positions};
        if (!t || negative(shape) || channels > INT32_MAX)
            return invalid(c, "batch norm forward", sizes("tensors missing or bad shape", shape));
        return launched(c, launchBatchNormForward(c->stream, x, y, n, channels, positions, *t, momentum, eps, training != 0),
                        "batch norm forward kernel", sizes("n×channels×positions", shape));
    });
}

int batchNormBackward(NeuriteCudaContext* c, const float* x, const float* dy, float* dx, std::int64_t n,
                      std::int64_t channels, std::int64_t positions, const NeuriteCudaBatchNorm* t, float* dgamma,
                      float* dbeta)
{
    return guarded(c, [&] {
        const auto shape = {n, channels, positions};
        if (!t || negative(shape) || channels > INT32_MAX)
            return invalid(c, "batch norm backward", sizes("tensors missing or bad shape", shape));
        return launched(c, launchBatchNormBackward(c->stream, x, dy, dx, n, channels, positions, *t, dgamma, dbeta),
                        "batch norm backward kernel", sizes("n×channels×positions", shape));
    });
}

int layerNormForward(NeuriteCudaContext* c, const float* x, float* y, std::int64_t rows, std::int64_t width,
                     const float* gamma, const float* beta, float eps, float* savedMean, float* savedInvstd)
{
    return elementwise(c, "layer norm forward kernel", {rows, width}, [&] {
        return launchLayerNormForward(c->stream, x, y, rows, width, gamma, beta, eps, savedMean, savedInvstd);
    });
}

int layerNormBackward(NeuriteCudaContext* c, const float* x, const float* dy, float* dx, std::int64_t rows,
                      std::int64_t width, const float* gamma, const float* savedMean, const float* savedInvstd,
                      float* dgamma, float* dbeta)
{
    return guarded(c, [&] {
        if (negative({rows, width}))
            return invalid(c, "layer norm backward", sizes("negative size in", {rows, width}));
        float* statistics = nullptr;
        if (const int e = scratchOf(c, 2 * rows, "layer norm row statistics", &statistics))
            return e;
        return launched(c,
                        launchLayerNormBackward(c->stream, x, dy, dx, rows, width, gamma, savedMean, savedInvstd,
                                                dgamma, dbeta, statistics),
                        "layer norm backward kernels", sizes("rows×width", {rows, width}));
    });
}

// ---- Pooling

int globalAvgPoolForward(NeuriteCudaContext* c, const float* x, float* y, std::int64_t planes, std::int64_t planeSize)
{
    return elementwise(c, "global average pool forward kernel", {planes, planeSize},
                       [&] { return launchGlobalAvgPoolForward(c->stream, x, y, planes, planeSize); });
}

int globalAvgPoolBackward(NeuriteCudaContext* c, const float* dy, float* dx, std::int64_t planes,
                          std::int64_t planeSize)
{
    return elementwise(c, "global average pool backward kernel", {planes, planeSize},
                       [&] { return launchGlobalAvgPoolBackward(c->stream, dy, dx, planes, planeSize); });
}

// ---- The optimiser and gradient clipping: multi-tensor launches.

int optimizerStep(NeuriteCudaContext* c, const NeuriteCudaOptimizer* s, const NeuriteCudaOptimizerSlot* slots,
                  std::int64_t slotCount)
{
    return guarded(c, [&] {
        const char* op = "optimizer step";
        if (!s || s->kind < NEURITE_CUDA_SGD || s->kind > NEURITE_CUDA_RMSPROP || slotCount < 0 ||
            (slotCount > 0 && !slots))
            return invalid(c, op, "unknown optimiser or no slots");
        for (std::int64_t i = 0; i < slotCount; ++i) {
            const NeuriteCudaOptimizerSlot& slot = slots[i];
            const bool state0 = s->kind != NEURITE_CUDA_SGD || s->momentum != 0;
            const bool state1 = s->kind == NEURITE_CUDA_ADAM || s->kind == NEURITE_CUDA_ADAMW ||
                                (s->kind == NEURITE_CUDA_RMSPROP && s->momentum != 0);
            if (slot.count < 0 ||
                (slot.count > 0 && (!slot.value || !slot.grad || (state0 && !slot.state0) || (state1 && !slot.state1))))
                return invalid(c, op, "slot " + std::to_string(i) + ": negative size, or a buffer the optimiser needs is null");
        }
        const k::SgdSettings sgd{float(s->lr), float(s->weightDecay), float(s->momentum), s->nesterov != 0, s->step == 1};
        const k::AdamSettings adam = k::adamStepConstants(s->lr, s->beta1, s->beta2, s->eps, s->weightDecay,
                                                          s->kind == NEURITE_CUDA_ADAMW, s->step);
        const k::RmspropSettings rmsprop{float(s->lr), float(s->alpha), float(s->eps), float(s->weightDecay),
                                         float(s->momentum)};
        for (const OptimizerBatch& batch : batches(slots, slotCount, &OptimizerBatch::slot))
            if (const int e = launched(c, launchOptimizerStep(c->stream, s->kind, batch, sgd, adam, rmsprop),
                                       "optimizer step kernel", sizes("tensors", {slotCount})))
                return e;
        return int(NEURITE_CUDA_OK);
    });
}

int clipGradientNorm(NeuriteCudaContext* c, const NeuriteCudaGradientSlice* gradients, std::int64_t sliceCount,
                     double maxNorm, float* norm)
{
    return guarded(c, [&] {
        const char* op = "gradient clipping";
        if (!norm || sliceCount < 0 || (sliceCount > 0 && !gradients))
            return invalid(c, op, "no result buffer or no slices");
        for (std::int64_t i = 0; i < sliceCount; ++i)
            if (gradients[i].count < 0 || (gradients[i].count > 0 && !gradients[i].data))
                return invalid(c, op, "slice " + std::to_string(i) + ": negative size or null data");
        const std::vector<GradientBatch> list = batches(gradients, sliceCount, &GradientBatch::slice);
        const std::string where = sizes("tensors", {sliceCount});
        if (list.empty())   // nothing to measure: ‖g‖ = 0
            return launched(c, launchFill(c->stream, norm, 0.0f, 1), "gradient norm fill kernel", where);
        // Pass 1: partial sums of squares of every batch, side by side; pass 2: each launch adds
        // all of them in the same order, writes the norm (the first) and scales its tensors.
        double* partials = nullptr;
        if (const int e = scratchOf(c, std::int64_t(list.size()) * kMaxPartials, "gradient norm partial sums", &partials))
            return e;
        int written = 0;
        for (const GradientBatch& batch : list) {
            int blocks = 0;
            if (const int e = launched(c, launchSumOfSquares(c->stream, batch, partials + written, &blocks),
                                       "gradient sum of squares kernel", where))
                return e;
            written += blocks;
        }
        for (std::size_t b = 0; b < list.size(); ++b)
            if (const int e = launched(c, launchClipScale(c->stream, list[b], partials, written, maxNorm, norm, b == 0),
                                       "gradient clipping kernel", where))
                return e;
        return int(NEURITE_CUDA_OK);
    });
}

// ---- Checks and metrics

int countNonFinite(NeuriteCudaContext* c, const float* x, std::int64_t count, std::int32_t* found)
{
    return elementwise(c, "non-finite count kernel", {count},
                       [&] { return launchCountNonFinite(c->stream, x, count, found); });
}

int countTopK(NeuriteCudaContext* c, const float* scores, const std::int32_t* labels, std::int64_t rows,
              std::int64_t classes, int topK, std::int32_t* hits)
{
    return elementwise(c, "top-k kernel", {rows, classes, topK},
                       [&] { return launchCountTopK(c->stream, scores, labels, rows, classes, topK, hits); });
}

int addToConfusion(NeuriteCudaContext* c, const float* scores, const std::int32_t* labels, std::int64_t rows,
                   std::int64_t classes, std::int32_t* matrix)
{
    return elementwise(c, "confusion matrix kernel", {rows, classes},
                       [&] { return launchAddToConfusion(c->stream, scores, labels, rows, classes, matrix); });
}

// ---- Telemetry (StatisticsKernels.h): onto the caller's buffers, nothing read back.

int accumulateMoments(NeuriteCudaContext* c, const float* x, const float* minus, std::int64_t count, float* moments)
{
    return guarded(c, [&] {
        if (count < 0 || !moments)
            return invalid(c, "moments", sizes("no moments buffer, or a negative size in", {count}));
        if (count == 0)
            return int(NEURITE_CUDA_OK);
        MomentPartial* partials = nullptr;
        if (const int e = scratchOf(c, kMaxPartials, "moments partial sums", &partials))
            return e;
        return launched(c, launchAccumulateMoments(c->stream, x, minus, count, moments, partials), "moments kernels",
                        sizes("count", {count}));
    });
}

int accumulateHistogram(NeuriteCudaContext* c, const float* x, std::int64_t count, const float* moments, int bins,
                        float* counts)
{
    return elementwise(c, "histogram kernel", {count, bins},
                       [&] { return launchAccumulateHistogram(c->stream, x, count, moments, bins, counts); },
                       bins >= 1 && moments && counts ? nullptr : "needs bins ≥ 1, a moments and a counts buffer");
}

int accumulateUnitMaximum(NeuriteCudaContext* c, const float* x, std::int64_t rows, std::int64_t channels,
                          std::int64_t positions, float* unitMax)
{
    return elementwise(c, "unit maximum kernel", {rows, channels, positions},
                       [&] { return launchAccumulateUnitMaximum(c->stream, x, rows, channels, positions, unitMax); });
}

// ---- Data held on the device

int gatherBatch(NeuriteCudaContext* c, const NeuriteCudaSamples* set, const std::int32_t* ids, std::int64_t n,
                float* x, std::int32_t* labels)
{
    const bool oneSource = set && (set->bytes != nullptr) != (set->features != nullptr);
    return elementwise(c, "gather batch kernel", {n, set ? set->sampleSize : 0},
                       [&] { return launchGatherBatch(c->stream, *set, ids, n, x, labels); },
                       oneSource ? nullptr : "the data set needs exactly one of bytes and features");
}

} // namespace neurite::cuda
