// The device build of engine/kernels: one trivial kernel per header, calling each of its functions,
// so that nvcc proves that the arithmetic the host tests check also compiles for the GPU. It is
// compiled (tests/kernels/CMakeLists.txt), never linked or run.
#include "engine/kernels/Activations.h"
#include "engine/kernels/BiasAdd.h"
#include "engine/kernels/Dropout.h"
#include "engine/kernels/Losses.h"
#include "engine/kernels/Norms.h"
#include "engine/kernels/Optimizers.h"
#include "engine/kernels/Philox.h"
#include "engine/kernels/Pooling.h"
#include "engine/kernels/Reductions.h"
#include "engine/kernels/Softmax.h"
#include "engine/kernels/Statistics.h"

using namespace neurite::kernels;

// x, dy: [n] inputs; y, dx: [n] outputs.
__global__ void activationsKernel(const float* x, const float* dy, float* y, float* dx, int n)
{
    const int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n)
        return;
    const float v = x[i], d = dy[i];
    float forward = reluForward(v) + leakyReluForward(v, 0.01f) + eluForward(v, 1.0f) + geluForward(v) +
                    siluForward(v) + sigmoidForward(v) + tanhForward(v);
    float backward = reluBackward(v, d) + leakyReluBackward(v, d, 0.01f) + eluBackward(v, forward, d, 1.0f) +
                     geluBackward(v, d) + siluBackward(v, d) + sigmoidBackward(v, d) + tanhBackward(v, d);
    y[i] = forward;
    dx[i] = backward;
}

// words: [4 × n] Philox output; u: [n].
__global__ void philoxKernel(std::uint32_t* words, float* u, std::uint64_t seed, int n)
{
    const int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n)
        return;
    const Philox4x32Block b = philox4x32_10(elementCounter(std::uint64_t(i), 7u, 1u), philoxKeyFromSeed(seed));
    for (int lane = 0; lane < 4; ++lane)
        words[4 * i + lane] = b.word[lane];
    u[i] = elementUniform(seed, 7u, 1u, std::uint64_t(i)) + uniformFromBits(b.word[0]);
}

// x, dy: [n]; y, dx: [n]; masks: [4 × ⌈n/4⌉].
__global__ void dropoutKernel(const float* x, const float* dy, float* y, float* dx, float* masks, std::uint64_t seed,
                              float p, int n)
{
    const int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n)
        return;
    const float mask = dropoutMask(seed, 3u, 0u, std::uint64_t(i), p) + dropoutMaskFromUniform(0.5f, p);
    y[i] = dropoutForward(x[i], mask);
    dx[i] = dropoutBackward(dy[i], mask) * dropoutKeepScale(p);
    if (i % 4 == 0)
        dropoutMaskQuad(seed, 3u, 0u, std::uint64_t(i / 4), p, masks + i);
}

// x: [rows × d] logits; dx: [rows × d]; loss: [rows]; labels: [rows].
__global__ void lossesKernel(const float* x, const std::int32_t* labels, float* dx, double* loss, int rows, int d)
{
    const int r = blockIdx.x * blockDim.x + threadIdx.x;
    if (r >= rows)
        return;
    const float* row = x + r * d;
    const float scale = 1.0f / float(rows);
    crossEntropyRowGradient(row, dx + r * d, d, labels[r], 0.1f, scale);
    double term = crossEntropyRowLoss(row, d, labels[r], 0.1f);
    const float top = rowMax(row, d);
    dx[r * d] += crossEntropyGradElement(shiftedExp(row[0], top), 1.0f, true, 0.1f, 0.01f, scale);
    for (int i = 0; i < d; ++i) {
        const float t = classTarget(labels[r], i);
        term += squaredErrorTerm(row[i], t) + bceWithLogitsTerm(row[i], t);
        dx[r * d + i] += squaredErrorGradElement(row[i], t, squaredErrorGradScale(rows * d)) +
                         bceWithLogitsGradElement(row[i], t, bceWithLogitsGradScale(rows * d));
    }
    loss[r] = lossMean(term, rows);
}

// x, dy: [rows × d]; y, dx: [rows × d].
__global__ void softmaxKernel(const float* x, const float* dy, float* y, float* dx, int rows, int d)
{
    const int r = blockIdx.x * blockDim.x + threadIdx.x;
    if (r >= rows)
        return;
    softmaxForwardRow(x + r * d, y + r * d, d);
    softmaxBackwardRow(y + r * d, dy + r * d, dx + r * d, d);
    const float dot = rowDot(dy + r * d, y + r * d, d);
    dx[r * d] += softmaxBackwardElement(y[r * d], dy[r * d], dot) +
                 softmaxFromExp(shiftedExp(x[r * d], rowMax(x + r * d, d)), 2.0f) + float(rowArgMax(x + r * d, d));
}

// Batch norm on x: [n, C, S], one thread per channel; layer norm on x viewed as [n × C·S].
// y, dx: like x; gamma, beta, runningMean, runningVar, dgamma, dbeta: [C] (batch norm) or [C·S]
// (layer norm); stats: [n].
__global__ void normsKernel(const float* x, const float* dy, const float* gamma, const float* beta, float* y,
                            float* dx, float* runningMean, float* runningVar, float* dgamma, float* dbeta,
                            RowStatistics* stats, int n, int channels, int positions)
{
    const int c = blockIdx.x * blockDim.x + threadIdx.x;
    if (c >= channels)
        return;
    const std::int64_t m = std::int64_t(n) * positions;
    const float mean = batchNormMean(batchNormChannelSum(x, c, channels, positions, 0, m), m);
    const BatchNormVariance var =
        batchNormVariance(batchNormChannelCentredSquares(x, c, channels, positions, 0, m, mean), m, 1e-5f);
    runningMean[c] = batchNormRunningMean(runningMean[c], mean, 0.1f);
    runningVar[c] = batchNormRunningVar(runningVar[c], var.unbiased, 0.1f);
    const ChannelAffine a = batchNormAffine(gamma[c], beta[c], mean, var.invstd);
    const BatchNormParamGrads g =
        batchNormChannelParamGrads(x, dy, c, channels, positions, 0, m, mean, var.invstd);
    dgamma[c] = float(g.dgamma) + batchNormEvalInvstd(runningVar[c], 1e-5f);
    dbeta[c] = float(g.dbeta);
    for (std::int64_t j = 0; j < m; ++j) {
        const std::int64_t at = channelElementIndex(j, c, channels, positions);
        y[at] = batchNormApply(x[at], a);
        dx[at] = batchNormBackwardElement(x[at], dy[at], gamma[c], mean, var.invstd, float(m), float(g.dbeta),
                                          float(g.dgamma));
    }
    if (c != 0)
        return;
    const int d = channels * positions;
    for (int r = 0; r < n; ++r) {
        stats[r] = layerNormForwardRow(x + r * d, y + r * d, gamma, beta, d, 1e-5f);
        layerNormBackwardRow(x + r * d, dy + r * d, gamma, dx + r * d, d, stats[r]);
        const LayerNormRowSums sums = layerNormBackwardRowSums(x + r * d, dy + r * d, gamma, d, stats[r]);
        dx[r * d] += layerNormBackwardElement(x[r * d], dy[r * d], gamma[0], stats[r], d, sums) +
                     layerNormApply(x[r * d], stats[r], gamma[0], beta[0]) +
                     float(layerNormRowStatistics(x + r * d, d, 1e-5f).mean);
    }
    const FeatureParamGrads f = layerNormFeatureParamGrads(x, dy, stats, n, d, 0);
    dgamma[0] += f.dgamma;
    dbeta[0] += f.dbeta;
}

// w, g, buffers a/b/c: [n] (one thread per element).
__global__ void optimizersKernel(float* w, float* g, float* a, float* b, float* c, AdamSettings adam, int n)
{
    const int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n)
        return;
    sgdUpdate(w[i], g[i], a[i], SgdSettings{0.1f, 1e-4f, 0.9f, true, false});
    adamUpdate(w[i], g[i], a[i], b[i], adam);
    adamUpdate(w[i], g[i], a[i], b[i], adamStepConstants(1e-3, 0.9, 0.999, 1e-8, 0.01, true, 5));
    rmspropUpdate(w[i], g[i], b[i], c[i], RmspropSettings{0.01f, 0.99f, 1e-8f, 0.0f, 0.9f});
    g[i] = scaleElement(g[i], 0.5f);
}

// Per-row metrics of scores: [rows × classes] and the non-finite check and norm of g: [n].
__global__ void reductionsKernel(const float* scores, const std::int32_t* labels, const float* g, int rows, int classes,
                                 int n, int* hits, long long* cells, double* partialSums, int* finite, float* factor)
{
    const int r = blockIdx.x * blockDim.x + threadIdx.x;
    if (r >= rows)
        return;
    hits[r] = topKHit(scores + r * classes, classes, labels[r], 5) ? 1 : 0;
    cells[r] = confusionCell(scores + r * classes, classes, labels[r]);
    const int chunk = (n + rows - 1) / rows, begin = r * chunk, end = begin + chunk < n ? begin + chunk : n;
    partialSums[r] = begin < end ? sumOfSquaresChunk(g, begin, end) : 0.0;
    finite[r] = (begin >= end || allFiniteChunk(g, begin, end)) && isFiniteValue(scores[r * classes]);
    factor[r] = clipNeeded(partialSums[r], 1.0) ? clipScale(sqrt(partialSums[r]), 1.0) : 1.0f;
}

// x: [planes × hw]; y, dy: [planes]; dx: [planes × hw].
__global__ void poolingKernel(const float* x, const float* dy, float* y, float* dx, int planes, int hw)
{
    const int p = blockIdx.x * blockDim.x + threadIdx.x;
    if (p >= planes)
        return;
    y[p] = globalAvgPoolPlane(x + p * hw, hw);
    for (int i = 0; i < hw; ++i)
        dx[p * hw + i] = globalAvgPoolBackwardElement(dy[p], hw);
}

// y, dy: [n, C, S]; bias, db: [C]. One thread per element adds the bias; threads < C sum its gradient.
__global__ void biasAddKernel(float* y, const float* bias, const float* dy, float* db, int n, int channels,
                              int positions)
{
    const int e = blockIdx.x * blockDim.x + threadIdx.x;
    if (e >= n * channels * positions)
        return;
    y[e] = biasAddElement(y[e], bias[channelOf(e, channels, positions)]);
    if (e < channels)
        db[e] = biasGradChannel(dy, e, channels, positions, 0, n);
}

// x: [n]; bins: [n], the bin of each finite x among 32 parts of [lo, hi] (−1 outside).
__global__ void statisticsKernel(const float* x, int* bins, float lo, float hi, int n)
{
    const int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n)
        return;
    const bool inside = isFiniteValue(x[i]) && x[i] >= lo && x[i] <= hi && kMomentFields == 5;
    bins[i] = inside ? histogramBin(x[i], lo, hi, 32) : -1;
}
