// HostBackend: the per-step operations as host loops over engine/kernels. [SECTION]s:
// element-wise · bias · rows · normalisation · pooling · optimiser · data held by the backend ·
// checks and metrics
#include "engine/backends/host/HostBackend.h"

#include "engine/core/Reduce.h"
#include "engine/core/Simd.h"
#include "engine/kernels/Activations.h"
#include "engine/kernels/BiasAdd.h"
#include "engine/kernels/Dropout.h"
#include "engine/kernels/Gather.h"
#include "engine/kernels/Losses.h"
#include "engine/kernels/Norms.h"
#include "engine/kernels/Optimizers.h"
#include "engine/kernels/Pooling.h"
#include "engine/kernels/Reductions.h"
#include "engine/kernels/Softmax.h"
#include "engine/kernels/Statistics.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

namespace neurite {

namespace k = kernels;

namespace {

// Loops shorter than these are not worth waking a thread for.
constexpr std::int64_t kElementGrain = 1 << 15;   // floats
constexpr std::int64_t kUpdateGrain = 1 << 14;    // optimiser elements (more work each)

// The element-wise loops, one per activation so that each vectorises (no call through a pointer).
template <class F>
NEURITE_SIMD_CLONES void mapRange(const float* x, float* y, std::int64_t n, F f)
{
    for (std::int64_t i = 0; i < n; ++i)
        y[i] = f(x[i]);
}

NEURITE_SIMD_CLONES
void reluForwardRange(const float* x, float* y, std::int64_t n)
{
    for (std::int64_t i = 0; i < n; ++i)
        y[i] = k::reluForward(x[i]);
}

NEURITE_SIMD_CLONES
void reluBackwardRange(const float* y, const float* dy, float* dx, std::int64_t n)
{
    for (std::int64_t i = 0; i < n; ++i)
        dx[i] = k::reluBackward(y[i], dy[i]);
}

NEURITE_SIMD_CLONES
void sgdRange(float* w, const float* g, float* buffer, std::int64_t n, k::SgdSettings s)
{
    for (std::int64_t i = 0; i < n; ++i)
        k::sgdUpdate(w[i], g[i], buffer[i], s);
}

NEURITE_SIMD_CLONES
void adamRange(float* w, const float* g, float* m, float* v, std::int64_t n, k::AdamSettings s)
{
    for (std::int64_t i = 0; i < n; ++i)
        k::adamUpdate(w[i], g[i], m[i], v[i], s);
}

NEURITE_SIMD_CLONES
void rmspropRange(float* w, const float* g, float* square, float* buffer, std::int64_t n, k::RmspropSettings s)
{
    for (std::int64_t i = 0; i < n; ++i)
        k::rmspropUpdate(w[i], g[i], square[i], buffer[i], s);
}

NEURITE_SIMD_CLONES
void scaleRange(float* g, std::int64_t n, float factor)
{
    for (std::int64_t i = 0; i < n; ++i)
        g[i] = k::scaleElement(g[i], factor);
}

// The target of element i of row r.
float targetOf(const LossTarget& t, std::int64_t r, std::int64_t width, std::int64_t i)
{
    return t.targets ? t.targets[r * width + i] : k::classTarget(t.labels[r], i);
}

} // namespace

// [SECTION] element-wise -----------------------------------------------------------------------

void HostBackend::activationForward(ActivationSpec a, const float* x, float* y, std::int64_t count)
{
    parallelFor(count, [=](std::int64_t b, std::int64_t e) {
        const float* in = x + b;
        float* out = y + b;
        const std::int64_t n = e - b;
        const float alpha = a.alpha;
        switch (a.kind) {
        case ActivationKind::ReLU: return reluForwardRange(in, out, n);
        case ActivationKind::LeakyReLU:
            return mapRange(in, out, n, [alpha](float v) { return k::leakyReluForward(v, alpha); });
        case ActivationKind::ELU: return mapRange(in, out, n, [alpha](float v) { return k::eluForward(v, alpha); });
        case ActivationKind::GELU: return mapRange(in, out, n, [](float v) { return k::geluForward(v); });
        case ActivationKind::SiLU: return mapRange(in, out, n, [](float v) { return k::siluForward(v); });
        case ActivationKind::Sigmoid: return mapRange(in, out, n, [](float v) { return k::sigmoidForward(v); });
        case ActivationKind::Tanh: return mapRange(in, out, n, [](float v) { return k::tanhForward(v); });
        }
    }, kElementGrain);
}

void HostBackend::activationBackward(ActivationSpec a, const float* x, const float* y, const float* dy, float* dx,
                                     std::int64_t count)
{
    parallelFor(count, [=](std::int64_t b, std::int64_t e) {
        const float alpha = a.alpha;
        switch (a.kind) {
        case ActivationKind::ReLU: return reluBackwardRange(y + b, dy + b, dx + b, e - b);
        case ActivationKind::LeakyReLU:
            for (std::int64_t i = b; i < e; ++i)
                dx[i] = k::leakyReluBackward(x[i], dy[i], alpha);
            return;
        case ActivationKind::ELU:
            for (std::int64_t i = b; i < e; ++i)
                dx[i] = k::eluBackward(x[i], y[i], dy[i], alpha);
            return;
        case ActivationKind::GELU:
            for (std::int64_t i = b; i < e; ++i)
                dx[i] = k::geluBackward(x[i], dy[i]);
            return;
        case ActivationKind::SiLU:
            for (std::int64_t i = b; i < e; ++i)
                dx[i] = k::siluBackward(x[i], dy[i]);
            return;
        case ActivationKind::Sigmoid:
            for (std::int64_t i = b; i < e; ++i)
                dx[i] = k::sigmoidBackward(y[i], dy[i]);
            return;
        case ActivationKind::Tanh:
            for (std::int64_t i = b; i < e; ++i)
                dx[i] = k::tanhBackward(y[i], dy[i]);
            return;
        }
    }, kElementGrain);
}

void HostBackend::dropoutForward(float p, std::uint64_t seed, std::uint32_t step, std::uint32_t stream,
                                 const float* x, float* y, float* mask, std::int64_t count)
{
    // Chunks of whole quads: one Philox call gives four neighbouring masks.
    const std::int64_t quads = (count + 3) / 4;
    parallelFor(quads, [=](std::int64_t b, std::int64_t e) {
        float four[4];
        for (std::int64_t q = b; q < e; ++q) {
            k::dropoutMaskQuad(seed, step, stream, std::uint64_t(q), p, four);
            for (std::int64_t lane = 0; lane < 4 && q * 4 + lane < count; ++lane) {
                const std::int64_t i = q * 4 + lane;
                mask[i] = four[lane];
                y[i] = k::dropoutForward(x[i], four[lane]);
            }
        }
    }, kElementGrain / 4);
}

void HostBackend::multiply(const float* a, const float* b, float* y, std::int64_t count)
{
    parallelFor(count, [=](std::int64_t lo, std::int64_t hi) {
        for (std::int64_t i = lo; i < hi; ++i)
            y[i] = a[i] * b[i];
    }, kElementGrain);
}

void HostBackend::add(const float* a, const float* b, float* y, std::int64_t count)
{
    parallelFor(count, [=](std::int64_t lo, std::int64_t hi) {
        for (std::int64_t i = lo; i < hi; ++i)
            y[i] = a[i] + b[i];
    }, kElementGrain);
}

void HostBackend::accumulate(const float* x, float* y, std::int64_t count)
{
    parallelFor(count, [=](std::int64_t lo, std::int64_t hi) {
        for (std::int64_t i = lo; i < hi; ++i)
            y[i] += x[i];
    }, kElementGrain);
}

void HostBackend::copy(const float* x, float* y, std::int64_t count)
{
    if (count > 0 && x != y)
        std::memmove(y, x, std::size_t(count) * sizeof(float));
}

void HostBackend::copyRows(const float* x, std::int64_t xStride, float* y, std::int64_t yStride, std::int64_t yOffset,
                           std::int64_t rows, std::int64_t width)
{
    for (std::int64_t r = 0; r < rows; ++r)
        std::copy_n(x + r * xStride, width, y + r * yStride + yOffset);
}

// [SECTION] bias --------------------------------------------------------------------------------

// Row by row, so that the inner loops run over contiguous memory: along the channels after
// Linear (positions = 1), along a plane after Conv2d.
void HostBackend::addBias(float* y, const float* bias, std::int64_t rows, std::int64_t channels,
                          std::int64_t positions)
{
    const std::int64_t perRow = channels * positions;
    parallelFor(rows, [=](std::int64_t b, std::int64_t e) {
        for (std::int64_t r = b; r < e; ++r) {
            float* row = y + r * perRow;
            if (positions == 1) {
                for (std::int64_t c = 0; c < channels; ++c)
                    row[c] = k::biasAddElement(row[c], bias[c]);
                continue;
            }
            for (std::int64_t c = 0; c < channels; ++c)
                for (std::int64_t i = 0; i < positions; ++i)
                    row[c * positions + i] = k::biasAddElement(row[c * positions + i], bias[c]);
        }
    }, std::max<std::int64_t>(1, kElementGrain / std::max<std::int64_t>(perRow, 1)));
}

// db[c] sums its channel over the rows in row order (then positions), as biasGradChannel does;
// after Linear, row by row across the channels, which vectorises and reads memory in order.
void HostBackend::biasGradient(const float* dy, float* db, std::int64_t rows, std::int64_t channels,
                               std::int64_t positions)
{
    if (positions == 1) {
        std::fill_n(db, channels, 0.0f);
        for (std::int64_t r = 0; r < rows; ++r)
            for (std::int64_t c = 0; c < channels; ++c)
                db[c] += dy[r * channels + c];
        return;
    }
    parallelFor(channels, [=](std::int64_t b, std::int64_t e) {
        for (std::int64_t c = b; c < e; ++c)
            db[c] = k::biasGradChannel(dy, c, channels, positions, 0, rows);
    }, std::max<std::int64_t>(1, kElementGrain / std::max<std::int64_t>(rows * positions, 1)));
}

// [SECTION] rows --------------------------------------------------------------------------------

void HostBackend::softmaxForward(const float* x, float* y, std::int64_t rows, std::int64_t width)
{
    parallelFor(rows, [=](std::int64_t b, std::int64_t e) {
        for (std::int64_t r = b; r < e; ++r)
            k::softmaxForwardRow(x + r * width, y + r * width, width);
    }, std::max<std::int64_t>(1, kElementGrain / std::max<std::int64_t>(width, 1)));
}

void HostBackend::softmaxBackward(const float* y, const float* dy, float* dx, std::int64_t rows, std::int64_t width)
{
    parallelFor(rows, [=](std::int64_t b, std::int64_t e) {
        for (std::int64_t r = b; r < e; ++r)
            k::softmaxBackwardRow(y + r * width, dy + r * width, dx + r * width, width);
    }, std::max<std::int64_t>(1, kElementGrain / std::max<std::int64_t>(width, 1)));
}

// The loss's sum runs serially in double, in row order: a small share of a step, and the same
// figure whatever the thread count.
void HostBackend::lossForward(LossSpec l, const float* x, LossTarget t, std::int64_t rows, std::int64_t width,
                              float* loss)
{
    double total = 0;
    switch (l.kind) {
    case LossKind::CrossEntropy:
        for (std::int64_t r = 0; r < rows; ++r)
            total += k::crossEntropyRowLoss(x + r * width, width, t.labels[r], l.labelSmoothing);
        loss[0] = float(k::lossMean(total, rows));
        return;
    case LossKind::MeanSquaredError:
        for (std::int64_t r = 0; r < rows; ++r)
            for (std::int64_t i = 0; i < width; ++i)
                total += k::squaredErrorTerm(x[r * width + i], targetOf(t, r, width, i));
        break;
    case LossKind::BinaryCrossEntropyWithLogits:
        for (std::int64_t r = 0; r < rows; ++r)
            for (std::int64_t i = 0; i < width; ++i)
                total += k::bceWithLogitsTerm(x[r * width + i], targetOf(t, r, width, i));
        break;
    }
    loss[0] = float(k::lossMean(total, rows * width));
}

void HostBackend::lossBackward(LossSpec l, const float* x, LossTarget t, std::int64_t rows, std::int64_t width,
                               float* dx)
{
    switch (l.kind) {
    case LossKind::CrossEntropy: {
        const float scale = 1.0f / float(rows);
        parallelFor(rows, [=](std::int64_t b, std::int64_t e) {
            for (std::int64_t r = b; r < e; ++r)
                k::crossEntropyRowGradient(x + r * width, dx + r * width, width, t.labels[r], l.labelSmoothing, scale);
        }, std::max<std::int64_t>(1, kElementGrain / std::max<std::int64_t>(width, 1)));
        return;
    }
    case LossKind::MeanSquaredError: {
        const float scale = k::squaredErrorGradScale(rows * width);
        for (std::int64_t r = 0; r < rows; ++r)
            for (std::int64_t i = 0; i < width; ++i)
                dx[r * width + i] = k::squaredErrorGradElement(x[r * width + i], targetOf(t, r, width, i), scale);
        return;
    }
    case LossKind::BinaryCrossEntropyWithLogits: {
        const float scale = k::bceWithLogitsGradScale(rows * width);
        for (std::int64_t r = 0; r < rows; ++r)
            for (std::int64_t i = 0; i < width; ++i)
                dx[r * width + i] = k::bceWithLogitsGradElement(x[r * width + i], targetOf(t, r, width, i), scale);
        return;
    }
    }
}

// [SECTION] normalisation -----------------------------------------------------------------------

void HostBackend::batchNormForward(const float* x, float* y, std::int64_t n, std::int64_t channels,
                                   std::int64_t positions, const BatchNormTensors& t, float momentum, float eps,
                                   bool training)
{
    const std::int64_t m = n * positions;
    parallelFor(channels, [=](std::int64_t b, std::int64_t e) {
        for (std::int64_t c = b; c < e; ++c) {
            float mean, invstd;
            if (training) {
                mean = k::batchNormMean(k::batchNormChannelSum(x, c, channels, positions, 0, m), m);
                const double centredSquares = k::batchNormChannelCentredSquares(x, c, channels, positions, 0, m, mean);
                const k::BatchNormVariance v = k::batchNormVariance(centredSquares, m, eps);
                invstd = v.invstd;
                t.runningMean[c] = k::batchNormRunningMean(t.runningMean[c], mean, momentum);
                t.runningVar[c] = k::batchNormRunningVar(t.runningVar[c], v.unbiased, momentum);
            } else {
                mean = t.runningMean[c];
                invstd = k::batchNormEvalInvstd(t.runningVar[c], eps);
            }
            t.savedMean[c] = mean;
            t.savedInvstd[c] = invstd;
            const k::ChannelAffine affine = k::batchNormAffine(t.gamma[c], t.beta[c], mean, invstd);
            for (std::int64_t s = 0; s < n; ++s) {
                const std::int64_t at = (s * channels + c) * positions;
                for (std::int64_t i = 0; i < positions; ++i)
                    y[at + i] = k::batchNormApply(x[at + i], affine);
            }
        }
    }, 1);
}

void HostBackend::batchNormBackward(const float* x, const float* dy, float* dx, std::int64_t n, std::int64_t channels,
                                    std::int64_t positions, const BatchNormTensors& t, float* dgamma, float* dbeta)
{
    const std::int64_t m = n * positions;
    parallelFor(channels, [=](std::int64_t b, std::int64_t e) {
        for (std::int64_t c = b; c < e; ++c) {
            const float mean = t.savedMean[c], invstd = t.savedInvstd[c];
            const k::BatchNormParamGrads g =
                k::batchNormChannelParamGrads(x, dy, c, channels, positions, 0, m, mean, invstd);
            dgamma[c] = float(g.dgamma);
            dbeta[c] = float(g.dbeta);
            if (!dx)
                continue;
            for (std::int64_t s = 0; s < n; ++s) {
                const std::int64_t at = (s * channels + c) * positions;
                for (std::int64_t i = 0; i < positions; ++i)
                    dx[at + i] = k::batchNormBackwardElement(x[at + i], dy[at + i], t.gamma[c], mean, invstd, float(m),
                                                             float(g.dbeta), float(g.dgamma));
            }
        }
    }, 1);
}

void HostBackend::layerNormForward(const float* x, float* y, std::int64_t rows, std::int64_t width, const float* gamma,
                                   const float* beta, float eps, float* savedMean, float* savedInvstd)
{
    parallelFor(rows, [=](std::int64_t b, std::int64_t e) {
        for (std::int64_t r = b; r < e; ++r) {
            const k::RowStatistics s = k::layerNormForwardRow(x + r * width, y + r * width, gamma, beta, width, eps);
            savedMean[r] = s.mean;
            savedInvstd[r] = s.invstd;
        }
    }, 1);
}

void HostBackend::layerNormBackward(const float* x, const float* dy, float* dx, std::int64_t rows, std::int64_t width,
                                    const float* gamma, const float* savedMean, const float* savedInvstd,
                                    float* dgamma, float* dbeta)
{
    // dγ and dβ per feature, each a sum over the rows in order; then dx per row.
    std::vector<k::RowStatistics> stats(static_cast<std::size_t>(rows));
    for (std::int64_t r = 0; r < rows; ++r)
        stats[std::size_t(r)] = {savedMean[r], savedInvstd[r]};
    const k::RowStatistics* statistics = stats.data();
    parallelFor(width, [=](std::int64_t b, std::int64_t e) {
        for (std::int64_t i = b; i < e; ++i) {
            const k::FeatureParamGrads g = k::layerNormFeatureParamGrads(x, dy, statistics, rows, width, i);
            dgamma[i] = g.dgamma;
            dbeta[i] = g.dbeta;
        }
    }, 64);
    if (!dx)
        return;
    parallelFor(rows, [=](std::int64_t b, std::int64_t e) {
        for (std::int64_t r = b; r < e; ++r)
            k::layerNormBackwardRow(x + r * width, dy + r * width, gamma, dx + r * width, width, statistics[r]);
    }, 1);
}

// [SECTION] pooling -----------------------------------------------------------------------------

void HostBackend::globalAvgPoolForward(const float* x, float* y, std::int64_t planes, std::int64_t planeSize)
{
    parallelFor(planes, [=](std::int64_t b, std::int64_t e) {
        for (std::int64_t p = b; p < e; ++p)
            y[p] = k::globalAvgPoolPlane(x + p * planeSize, planeSize);
    }, std::max<std::int64_t>(1, kElementGrain / std::max<std::int64_t>(planeSize, 1)));
}

void HostBackend::globalAvgPoolBackward(const float* dy, float* dx, std::int64_t planes, std::int64_t planeSize)
{
    parallelFor(planes, [=](std::int64_t b, std::int64_t e) {
        for (std::int64_t p = b; p < e; ++p)
            std::fill_n(dx + p * planeSize, planeSize, k::globalAvgPoolBackwardElement(dy[p], planeSize));
    }, std::max<std::int64_t>(1, kElementGrain / std::max<std::int64_t>(planeSize, 1)));
}

// [SECTION] optimiser ---------------------------------------------------------------------------

void HostBackend::optimizerStep(const OptimizerStepSettings& s, std::span<const OptimizerSlot> slots)
{
    const k::SgdSettings sgd{float(s.lr), float(s.weightDecay), float(s.momentum), s.nesterov, s.step == 1};
    const k::AdamSettings adam =
        k::adamStepConstants(s.lr, s.beta1, s.beta2, s.eps, s.weightDecay, s.kind == OptimizerKind::AdamW, s.step);
    const k::RmspropSettings rms{float(s.lr), float(s.alpha), float(s.eps), float(s.weightDecay), float(s.momentum)};
    for (const OptimizerSlot& slot : slots)
        parallelFor(slot.count, [&](std::int64_t b, std::int64_t e) {
            float* w = slot.value + b;
            const float* g = slot.grad + b;
            switch (s.kind) {
            case OptimizerKind::Sgd: return sgdRange(w, g, slot.state0 + b, e - b, sgd);
            case OptimizerKind::Adam:
            case OptimizerKind::AdamW: return adamRange(w, g, slot.state0 + b, slot.state1 + b, e - b, adam);
            case OptimizerKind::RmsProp: return rmspropRange(w, g, slot.state0 + b, slot.state1 + b, e - b, rms);
            }
        }, kUpdateGrain);
}

void HostBackend::clipGradientNorm(std::span<const GradientSlice> gradients, double maxNorm, float* norm)
{
    double sum = 0;   // each tensor's 16-lane sum (Reduce.h), in tensor order
    for (const GradientSlice& g : gradients)
        sum += sumOfSquares(g.data, g.count);
    const double total = std::sqrt(sum);
    norm[0] = float(total);
    if (!k::clipNeeded(total, maxNorm))
        return;
    const float factor = k::clipScale(total, maxNorm);
    for (const GradientSlice& g : gradients)
        scaleRange(g.data, g.count, factor);
}

// [SECTION] data held by the backend -------------------------------------------------------------

void HostBackend::gatherBatch(const ResidentSamples& set, const std::int32_t* ids, std::int64_t n, float* x,
                              std::int32_t* labels)
{
    const std::int64_t size = set.sampleSize;
    for (std::int64_t s = 0; s < n; ++s) {
        const std::int64_t id = ids[s];
        labels[s] = set.labels[id];
        float* out = x + s * size;
        if (set.bytes)
            for (std::int64_t i = 0; i < size; ++i)
                out[i] = k::gatheredByte(set.bytes, set.byteValues, id, i, size, set.plane);
        else
            for (std::int64_t i = 0; i < size; ++i)
                out[i] = k::gatheredFeature(set.features, set.mean, set.std, id, i, size);
    }
}

// [SECTION] checks and metrics ------------------------------------------------------------------

void HostBackend::countNonFinite(const float* x, std::int64_t count, std::int32_t* found)
{
    std::int32_t bad = 0;
    for (std::int64_t i = 0; i < count; ++i)
        bad += !k::isFiniteValue(x[i]);
    found[0] = bad;
}

// Telemetry: fixed blocks of a tensor on the backend's threads, each with its own partial result,
// combined in block order (the same result whatever the thread count).
namespace {
constexpr std::int64_t kStatisticsBlock = 1 << 15;
std::int64_t statisticsBlocks(std::int64_t count) { return (count + kStatisticsBlock - 1) / kStatisticsBlock; }
} // namespace

void HostBackend::accumulateMoments(const float* x, const float* minus, std::int64_t count, float* moments)
{
    struct Partial {
        double sum = 0, squares = 0;
        float lo = __builtin_huge_valf(), hi = -__builtin_huge_valf();
        std::int64_t bad = 0;
    };
    std::vector<Partial> partials(std::size_t(statisticsBlocks(count)));
    parallelFor(std::int64_t(partials.size()), [&](std::int64_t first, std::int64_t last) {
        for (std::int64_t b = first; b < last; ++b) {
            Partial& p = partials[std::size_t(b)];
            double sum = 0, squares = 0;
            for (std::int64_t i = b * kStatisticsBlock; i < std::min(count, (b + 1) * kStatisticsBlock); ++i) {
                const float v = minus ? x[i] - minus[i] : x[i];
                if (!k::isFiniteValue(v)) {
                    ++p.bad;
                    continue;
                }
                sum += v;
                squares += double(v) * v;
                p.lo = v < p.lo ? v : p.lo;
                p.hi = v > p.hi ? v : p.hi;
            }
            p.sum = sum;
            p.squares = squares;
        }
    });
    double sum = 0, squares = 0;
    for (const Partial& p : partials) {
        sum += p.sum;
        squares += p.squares;
        moments[k::kMomentMin] = std::min(moments[k::kMomentMin], p.lo);
        moments[k::kMomentMax] = std::max(moments[k::kMomentMax], p.hi);
        moments[k::kMomentNonFinite] += float(p.bad);
    }
    moments[k::kMomentSum] += float(sum);
    moments[k::kMomentSquares] += float(squares);
}

void HostBackend::accumulateHistogram(const float* x, std::int64_t count, const float* moments, int bins,
                                      float* counts)
{
    const float lo = moments[k::kMomentMin], hi = moments[k::kMomentMax];
    const std::int64_t blocks = statisticsBlocks(count);
    std::vector<std::int64_t> partial(std::size_t(blocks * bins), 0);
    parallelFor(blocks, [&](std::int64_t first, std::int64_t last) {
        for (std::int64_t b = first; b < last; ++b) {
            std::int64_t* own = &partial[std::size_t(b * bins)];
            for (std::int64_t i = b * kStatisticsBlock; i < std::min(count, (b + 1) * kStatisticsBlock); ++i)
                if (k::isFiniteValue(x[i]) && x[i] >= lo && x[i] <= hi)
                    ++own[k::histogramBin(x[i], lo, hi, bins)];
        }
    });
    for (std::int64_t b = 0; b < blocks; ++b)
        for (int i = 0; i < bins; ++i)
            counts[i] += float(partial[std::size_t(b * bins + i)]);
}

void HostBackend::accumulateUnitMaximum(const float* x, std::int64_t rows, std::int64_t channels,
                                        std::int64_t positions, float* unitMax)
{
    // Planes (one row's channel) in parallel; a unit's maximum over the rows, in row order.
    std::vector<float> planeMax(std::size_t(rows * channels));
    parallelFor(rows * channels, [&](std::int64_t first, std::int64_t last) {
        for (std::int64_t plane = first; plane < last; ++plane) {
            const float* v = x + plane * positions;
            float m = -__builtin_huge_valf();
            for (std::int64_t p = 0; p < positions; ++p)
                m = v[p] > m ? v[p] : m;
            planeMax[std::size_t(plane)] = m;
        }
    }, std::max<std::int64_t>(1, 4096 / std::max<std::int64_t>(positions, 1)));
    for (std::int64_t r = 0; r < rows; ++r)
        for (std::int64_t c = 0; c < channels; ++c)
            unitMax[c] = std::max(unitMax[c], planeMax[std::size_t(r * channels + c)]);
}

void HostBackend::countTopK(const float* scores, const std::int32_t* labels, std::int64_t rows, std::int64_t classes,
                            int topK, std::int32_t* hits)
{
    std::int32_t found = 0;
    for (std::int64_t r = 0; r < rows; ++r)
        found += k::topKHit(scores + r * classes, classes, labels[r], topK);
    hits[0] += found;
}

void HostBackend::addToConfusion(const float* scores, const std::int32_t* labels, std::int64_t rows,
                                 std::int64_t classes, std::int32_t* matrix)
{
    for (std::int64_t r = 0; r < rows; ++r)
        ++matrix[k::confusionCell(scores + r * classes, classes, labels[r])];
}

} // namespace neurite
