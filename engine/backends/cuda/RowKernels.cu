// The row, channel and reduction kernels of the per-step operations (StepKernels.h): bias
// gradient, softmax, losses, batch and layer norm, the non-finite check and the metrics.
//   - A row per thread where engine/kernels has a row function (softmax, cross-entropy, layer norm,
//     top-k): the host's arithmetic and order of additions, so these agree with it to the bit.
//   - A block per channel for batch norm: the channel's sums split over the block's threads
//     (the kernels' [begin, end) ranges), added in a fixed tree in double.
//   - Losses: per-block partial sums in double, then one block adds them in order; no
//     floating-point atomics anywhere, so every result is the same from run to run.
#include "engine/backends/cuda/LaunchGrid.cuh"
#include "engine/backends/cuda/StepKernels.h"
#include "engine/kernels/BiasAdd.h"
#include "engine/kernels/Losses.h"
#include "engine/kernels/Norms.h"
#include "engine/kernels/Reductions.h"
#include "engine/kernels/Softmax.h"

namespace neurite::cuda {

namespace k = kernels;

namespace {

// ---- Bias gradient: one thread per channel over all rows (positions = 1: the reads of a warp
// are adjacent), or per (channel, chunk of rows) and then per channel over the chunks in order.

__global__ void biasGradientKernel(const float* dy, float* db, std::int64_t channels, std::int64_t positions,
                                   std::int64_t rows, std::int64_t rowsPerChunk, std::int64_t chunks)
{
    for (std::int64_t i = firstIndex(); i < channels * chunks; i += gridStride()) {
        const std::int64_t c = i % channels, chunk = i / channels;
        const std::int64_t begin = chunk * rowsPerChunk, end = begin + rowsPerChunk < rows ? begin + rowsPerChunk : rows;
        db[chunk * channels + c] = k::biasGradChannel(dy, c, channels, positions, begin, end);
    }
}

__global__ void sumChunksKernel(const float* partial, float* db, std::int64_t channels, std::int64_t chunks)
{
    for (std::int64_t c = firstIndex(); c < channels; c += gridStride()) {
        float sum = 0;
        for (std::int64_t chunk = 0; chunk < chunks; ++chunk)
            sum += partial[chunk * channels + c];
        db[c] = sum;
    }
}

// ---- Softmax, a row per thread.

__global__ void softmaxForwardKernel(const float* x, float* y, std::int64_t rows, std::int64_t width)
{
    for (std::int64_t r = firstIndex(); r < rows; r += gridStride())
        k::softmaxForwardRow(x + r * width, y + r * width, width);
}

__global__ void softmaxBackwardKernel(const float* y, const float* dy, float* dx, std::int64_t rows,
                                      std::int64_t width)
{
    for (std::int64_t r = firstIndex(); r < rows; r += gridStride())
        k::softmaxBackwardRow(y + r * width, dy + r * width, dx + r * width, width);
}

// ---- Losses.

// The target of element i of [rows × width] (StepOperations.h's LossTarget).
__device__ float targetAt(const NeuriteCudaLoss& l, std::int64_t i, std::int64_t width)
{
    return l.targets ? l.targets[i] : k::classTarget(l.labels[i / width], i % width);
}

__global__ void lossPartialsKernel(NeuriteCudaLoss l, const float* x, std::int64_t rows, std::int64_t width,
                                   double* partials)
{
    __shared__ double shared[kThreads];
    double sum = 0;
    if (l.kind == NEURITE_CUDA_CROSS_ENTROPY) {
        for (std::int64_t r = firstIndex(); r < rows; r += gridStride())
            sum += k::crossEntropyRowLoss(x + r * width, width, l.labels[r], l.labelSmoothing);
    } else {
        const bool squared = l.kind == NEURITE_CUDA_MEAN_SQUARED_ERROR;
        for (std::int64_t i = firstIndex(); i < rows * width; i += gridStride()) {
            const float t = targetAt(l, i, width);
            sum += squared ? k::squaredErrorTerm(x[i], t) : k::bceWithLogitsTerm(x[i], t);
        }
    }
    const double block = blockSum(sum, shared);
    if (threadIdx.x == 0)
        partials[blockIdx.x] = block;
}

// One block: loss[0] = the mean of `terms` terms whose sums are partials[0, count).
__global__ void lossMeanKernel(const double* partials, int count, std::int64_t terms, float* loss)
{
    __shared__ double shared[kThreads];
    double sum = 0;
    for (int p = threadIdx.x; p < count; p += kThreads)
        sum += partials[p];
    const double total = blockSum(sum, shared);
    if (threadIdx.x == 0)
        loss[0] = float(k::lossMean(total, terms));
}

__global__ void crossEntropyGradientKernel(NeuriteCudaLoss l, const float* x, float* dx, std::int64_t rows,
                                           std::int64_t width, float scale)
{
    for (std::int64_t r = firstIndex(); r < rows; r += gridStride())
        k::crossEntropyRowGradient(x + r * width, dx + r * width, width, l.labels[r], l.labelSmoothing, scale);
}

__global__ void elementLossGradientKernel(NeuriteCudaLoss l, const float* x, float* dx, std::int64_t rows,
                                          std::int64_t width, float scale)
{
    const bool squared = l.kind == NEURITE_CUDA_MEAN_SQUARED_ERROR;
    for (std::int64_t i = firstIndex(); i < rows * width; i += gridStride()) {
        const float t = targetAt(l, i, width);
        dx[i] = squared ? k::squaredErrorGradElement(x[i], t, scale) : k::bceWithLogitsGradElement(x[i], t, scale);
    }
}

// ---- Batch norm: block c owns channel c; thread t takes its elements t, t + kThreads, ... (the
// kernels' ranges of one element: neighbouring threads read neighbouring positions).

__global__ void batchNormForwardKernel(const float* x, float* y, std::int64_t n, std::int64_t channels,
                                       std::int64_t positions, NeuriteCudaBatchNorm t, float momentum, float eps,
                                       bool training)
{
    __shared__ double shared[kThreads];
    const std::int64_t c = blockIdx.x, m = n * positions;
    float mean, invstd;
    if (training) {
        double sum = 0;
        for (std::int64_t j = threadIdx.x; j < m; j += kThreads)
            sum += k::batchNormChannelSum(x, c, channels, positions, j, j + 1);
        mean = k::batchNormMean(blockSum(sum, shared), m);
        double squares = 0;
        for (std::int64_t j = threadIdx.x; j < m; j += kThreads)
            squares += k::batchNormChannelCentredSquares(x, c, channels, positions, j, j + 1, mean);
        const k::BatchNormVariance v = k::batchNormVariance(blockSum(squares, shared), m, eps);
        invstd = v.invstd;
        if (threadIdx.x == 0) {
            t.runningMean[c] = k::batchNormRunningMean(t.runningMean[c], mean, momentum);
            t.runningVar[c] = k::batchNormRunningVar(t.runningVar[c], v.unbiased, momentum);
        }
    } else {
        mean = t.runningMean[c];
        invstd = k::batchNormEvalInvstd(t.runningVar[c], eps);
    }
    if (threadIdx.x == 0) {
        t.savedMean[c] = mean;
        t.savedInvstd[c] = invstd;
    }
    const k::ChannelAffine affine = k::batchNormAffine(t.gamma[c], t.beta[c], mean, invstd);
    for (std::int64_t j = threadIdx.x; j < m; j += kThreads) {
        const std::int64_t at = k::channelElementIndex(j, c, channels, positions);
        y[at] = k::batchNormApply(x[at], affine);
    }
}

__global__ void batchNormBackwardKernel(const float* x, const float* dy, float* dx, std::int64_t n,
                                        std::int64_t channels, std::int64_t positions, NeuriteCudaBatchNorm t,
                                        float* dgamma, float* dbeta)
{
    __shared__ double shared[kThreads];
    const std::int64_t c = blockIdx.x, m = n * positions;
    const float mean = t.savedMean[c], invstd = t.savedInvstd[c];
    k::BatchNormParamGrads g{0, 0};
    for (std::int64_t j = threadIdx.x; j < m; j += kThreads) {
        const k::BatchNormParamGrads one =
            k::batchNormChannelParamGrads(x, dy, c, channels, positions, j, j + 1, mean, invstd);
        g.dbeta += one.dbeta;
        g.dgamma += one.dgamma;
    }
    const float sumDbeta = float(blockSum(g.dbeta, shared));
    const float sumDgamma = float(blockSum(g.dgamma, shared));
    if (threadIdx.x == 0) {
        dgamma[c] = sumDgamma;
        dbeta[c] = sumDbeta;
    }
    if (!dx)
        return;
    const float gamma = t.gamma[c];
    for (std::int64_t j = threadIdx.x; j < m; j += kThreads) {
        const std::int64_t at = k::channelElementIndex(j, c, channels, positions);
        dx[at] = k::batchNormBackwardElement(x[at], dy[at], gamma, mean, invstd, float(m), sumDbeta, sumDgamma);
    }
}

// ---- Layer norm, a row per thread; its parameter gradients a feature per thread.

__global__ void layerNormForwardKernel(const float* x, float* y, std::int64_t rows, std::int64_t width,
                                       const float* gamma, const float* beta, float eps, float* savedMean,
                                       float* savedInvstd)
{
    for (std::int64_t r = firstIndex(); r < rows; r += gridStride()) {
        const k::RowStatistics s = k::layerNormForwardRow(x + r * width, y + r * width, gamma, beta, width, eps);
        savedMean[r] = s.mean;
        savedInvstd[r] = s.invstd;
    }
}

// Gathers each row's statistics (for the feature kernel) and, when dx is wanted, its dx.
__global__ void layerNormBackwardRowsKernel(const float* x, const float* dy, float* dx, std::int64_t rows,
                                            std::int64_t width, const float* gamma, const float* savedMean,
                                            const float* savedInvstd, k::RowStatistics* statistics)
{
    for (std::int64_t r = firstIndex(); r < rows; r += gridStride()) {
        const k::RowStatistics s{savedMean[r], savedInvstd[r]};
        statistics[r] = s;
        if (dx)
            k::layerNormBackwardRow(x + r * width, dy + r * width, gamma, dx + r * width, width, s);
    }
}

__global__ void layerNormParamGradsKernel(const float* x, const float* dy, std::int64_t rows, std::int64_t width,
                                          const k::RowStatistics* statistics, float* dgamma, float* dbeta)
{
    for (std::int64_t i = firstIndex(); i < width; i += gridStride()) {
        const k::FeatureParamGrads g = k::layerNormFeatureParamGrads(x, dy, statistics, rows, width, i);
        dgamma[i] = g.dgamma;
        dbeta[i] = g.dbeta;
    }
}

// ---- Checks and metrics: integer counts per block, added with integer atomics (exact).

__global__ void countNonFiniteKernel(const float* x, std::int64_t count, std::int32_t* found)
{
    __shared__ int shared[kThreads];
    int bad = 0;
    for (std::int64_t i = firstIndex(); i < count; i += gridStride())
        bad += !k::isFiniteValue(x[i]);
    const int block = blockSum(bad, shared);
    if (threadIdx.x == 0 && block > 0)
        atomicAdd(found, block);
}

__global__ void countTopKKernel(const float* scores, const std::int32_t* labels, std::int64_t rows,
                                std::int64_t classes, int topK, std::int32_t* hits)
{
    __shared__ int shared[kThreads];
    int found = 0;
    for (std::int64_t r = firstIndex(); r < rows; r += gridStride())
        found += k::topKHit(scores + r * classes, classes, labels[r], topK);
    const int block = blockSum(found, shared);
    if (threadIdx.x == 0 && block > 0)
        atomicAdd(hits, block);
}

__global__ void confusionKernel(const float* scores, const std::int32_t* labels, std::int64_t rows,
                                std::int64_t classes, std::int32_t* matrix)
{
    for (std::int64_t r = firstIndex(); r < rows; r += gridStride())
        atomicAdd(matrix + k::confusionCell(scores + r * classes, classes, labels[r]), 1);
}

template <class Kernel, class... Args>
cudaError_t launchItems(Kernel kernel, cudaStream_t stream, std::int64_t items, Args... args)
{
    if (items <= 0)
        return cudaSuccess;
    kernel<<<blocksFor(items), kThreads, 0, stream>>>(args...);
    return cudaGetLastError();
}

} // namespace

cudaError_t launchBiasGradient(cudaStream_t stream, const float* dy, float* db, std::int64_t rows,
                               std::int64_t channels, std::int64_t positions, float* scratch)
{
    if (channels <= 0)
        return cudaSuccess;
    // positions = 1 (after Linear): one thread per channel already reads coalesced; otherwise a
    // channel's rows are split into up to kBiasGradientChunks chunks.
    const std::int64_t chunks = positions > 1 && rows > 1 && scratch ? (rows < kBiasGradientChunks ? rows : kBiasGradientChunks) : 1;
    const std::int64_t rowsPerChunk = rows > 0 ? (rows + chunks - 1) / chunks : 0;
    const std::int64_t used = rowsPerChunk > 0 ? (rows + rowsPerChunk - 1) / rowsPerChunk : 1;
    if (used <= 1)
        return launchItems(biasGradientKernel, stream, channels, dy, db, channels, positions, rows, rows, std::int64_t(1));
    if (const cudaError_t e = launchItems(biasGradientKernel, stream, channels * used, dy, scratch, channels, positions,
                                          rows, rowsPerChunk, used);
        e != cudaSuccess)
        return e;
    return launchItems(sumChunksKernel, stream, channels, static_cast<const float*>(scratch), db, channels, used);
}

cudaError_t launchSoftmaxForward(cudaStream_t stream, const float* x, float* y, std::int64_t rows, std::int64_t width)
{
    return launchItems(softmaxForwardKernel, stream, rows, x, y, rows, width);
}

cudaError_t launchSoftmaxBackward(cudaStream_t stream, const float* y, const float* dy, float* dx, std::int64_t rows,
                                  std::int64_t width)
{
    return launchItems(softmaxBackwardKernel, stream, rows, y, dy, dx, rows, width);
}

cudaError_t launchLossForward(cudaStream_t stream, const NeuriteCudaLoss& l, const float* x, std::int64_t rows,
                              std::int64_t width, float* loss, double* partials)
{
    const bool perRow = l.kind == NEURITE_CUDA_CROSS_ENTROPY;
    const std::int64_t items = perRow ? rows : rows * width;
    const int blocks = reductionBlocks(items, kMaxPartials);
    lossPartialsKernel<<<blocks, kThreads, 0, stream>>>(l, x, rows, width, partials);
    if (const cudaError_t e = cudaGetLastError(); e != cudaSuccess)
        return e;
    lossMeanKernel<<<1, kThreads, 0, stream>>>(partials, blocks, items, loss);
    return cudaGetLastError();
}

cudaError_t launchLossBackward(cudaStream_t stream, const NeuriteCudaLoss& l, const float* x, std::int64_t rows,
                               std::int64_t width, float* dx)
{
    switch (l.kind) {
    case NEURITE_CUDA_CROSS_ENTROPY:
        return launchItems(crossEntropyGradientKernel, stream, rows, l, x, dx, rows, width, 1.0f / float(rows));
    case NEURITE_CUDA_MEAN_SQUARED_ERROR:
        return launchItems(elementLossGradientKernel, stream, rows * width, l, x, dx, rows, width,
                           k::squaredErrorGradScale(rows * width));
    case NEURITE_CUDA_BCE_WITH_LOGITS:
        return launchItems(elementLossGradientKernel, stream, rows * width, l, x, dx, rows, width,
                           k::bceWithLogitsGradScale(rows * width));
    default: return cudaErrorInvalidValue;
    }
}

cudaError_t launchBatchNormForward(cudaStream_t stream, const float* x, float* y, std::int64_t n,
                                   std::int64_t channels, std::int64_t positions, const NeuriteCudaBatchNorm& t,
                                   float momentum, float eps, bool training)
{
    if (channels <= 0 || n * positions <= 0)
        return cudaSuccess;
    batchNormForwardKernel<<<unsigned(channels), kThreads, 0, stream>>>(x, y, n, channels, positions, t, momentum, eps,
                                                                       training);
    return cudaGetLastError();
}

cudaError_t launchBatchNormBackward(cudaStream_t stream, const float* x, const float* dy, float* dx, std::int64_t n,
                                    std::int64_t channels, std::int64_t positions, const NeuriteCudaBatchNorm& t,
                                    float* dgamma, float* dbeta)
{
    if (channels <= 0 || n * positions <= 0)
        return cudaSuccess;
    batchNormBackwardKernel<<<unsigned(channels), kThreads, 0, stream>>>(x, dy, dx, n, channels, positions, t, dgamma,
                                                                        dbeta);
    return cudaGetLastError();
}

cudaError_t launchLayerNormForward(cudaStream_t stream, const float* x, float* y, std::int64_t rows,
                                   std::int64_t width, const float* gamma, const float* beta, float eps,
                                   float* savedMean, float* savedInvstd)
{
    return launchItems(layerNormForwardKernel, stream, rows, x, y, rows, width, gamma, beta, eps, savedMean,
                       savedInvstd);
}

cudaError_t launchLayerNormBackward(cudaStream_t stream, const float* x, const float* dy, float* dx, std::int64_t rows,
                                    std::int64_t width, const float* gamma, const float* savedMean,
                                    const float* savedInvstd, float* dgamma, float* dbeta, float* statistics)
{
    auto* stats = reinterpret_cast<k::RowStatistics*>(statistics);
    if (const cudaError_t e = launchItems(layerNormBackwardRowsKernel, stream, rows, x, dy, dx, rows, width, gamma,
                                          savedMean, savedInvstd, stats);
        e != cudaSuccess)
        return e;
    return launchItems(layerNormParamGradsKernel, stream, width, x, dy, rows, width,
                       static_cast<const k::RowStatistics*>(stats), dgamma, dbeta);
}

cudaError_t launchCountNonFinite(cudaStream_t stream, const float* x, std::int64_t count, std::int32_t* found)
{
    if (const cudaError_t e = cudaMemsetAsync(found, 0, sizeof(std::int32_t), stream); e != cudaSuccess)
        return e;
    return launchItems(countNonFiniteKernel, stream, count, x, count, found);
}

cudaError_t launchCountTopK(cudaStream_t stream, const float* scores, const std::int32_t* labels, std::int64_t rows,
                            std::int64_t classes, int topK, std::int32_t* hits)
{
    return launchItems(countTopKKernel, stream, rows, scores, labels, rows, classes, topK, hits);
}

cudaError_t launchAddToConfusion(cudaStream_t stream, const float* scores, const std::int32_t* labels,
                                 std::int64_t rows, std::int64_t classes, std::int32_t* matrix)
{
    return launchItems(confusionKernel, stream, rows, scores, labels, rows, classes, matrix);
}

} // namespace neurite::cuda
