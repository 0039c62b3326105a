// The element-wise kernels of the per-step operations (StepKernels.h): activations, dropout,
// arithmetic, bias, global average pooling, the multi-tensor optimiser step and gradient
// clipping, and the gathering of a batch from a data set held on the device. One element (or one
// Philox quad) per thread in a grid-stride loop; the arithmetic is engine/kernels'.
#include "engine/backends/cuda/LaunchGrid.cuh"
#include "engine/backends/cuda/StepKernels.h"
#include "engine/kernels/Activations.h"
#include "engine/kernels/BiasAdd.h"
#include "engine/kernels/Dropout.h"
#include "engine/kernels/Gather.h"
#include "engine/kernels/Optimizers.h"
#include "engine/kernels/Pooling.h"
#include "engine/kernels/Reductions.h"

namespace neurite::cuda {

namespace k = kernels;

namespace {

// ---- Activations: one kernel per kind (the switch is resolved at compile time).

template <int Kind>
__device__ float activate(float x, float alpha)
{
    if constexpr (Kind == NEURITE_CUDA_RELU)
        return k::reluForward(x);
    else if constexpr (Kind == NEURITE_CUDA_LEAKY_RELU)
        return k::leakyReluForward(x, alpha);
    else if constexpr (Kind == NEURITE_CUDA_ELU)
        return k::eluForward(x, alpha);
    else if constexpr (Kind == NEURITE_CUDA_GELU)
        return k::geluForward(x);
    else if constexpr (Kind == NEURITE_CUDA_SILU)
        return k::siluForward(x);
    else if constexpr (Kind == NEURITE_CUDA_SIGMOID)
        return k::sigmoidForward(x);
    else
        return k::tanhForward(x);
}

template <int Kind>
__device__ float activateBackward(float x, float y, float dy, float alpha)
{
    if constexpr (Kind == NEURITE_CUDA_RELU)
        return k::reluBackward(y, dy);
    else if constexpr (Kind == NEURITE_CUDA_LEAKY_RELU)
        return k::leakyReluBackward(x, dy, alpha);
    else if constexpr (Kind == NEURITE_CUDA_ELU)
        return k::eluBackward(x, y, dy, alpha);
    else if constexpr (Kind == NEURITE_CUDA_GELU)
        return k::geluBackward(x, dy);
    else if constexpr (Kind == NEURITE_CUDA_SILU)
        return k::siluBackward(x, dy);
    else if constexpr (Kind == NEURITE_CUDA_SIGMOID)
        return k::sigmoidBackward(y, dy);
    else
        return k::tanhBackward(y, dy);
}

template <int Kind>
__global__ void activationForwardKernel(float alpha, const float* x, float* y, std::int64_t count)
{
    for (std::int64_t i = firstIndex(); i < count; i += gridStride())
        y[i] = activate<Kind>(x[i], alpha);
}

// x or y may be null when the kind does not read it (ReLU, Sigmoid and Tanh read y; the rest x, ELU both).
template <int Kind>
__global__ void activationBackwardKernel(float alpha, const float* x, const float* y, const float* dy, float* dx,
                                         std::int64_t count)
{
    for (std::int64_t i = firstIndex(); i < count; i += gridStride())
        dx[i] = activateBackward<Kind>(x ? x[i] : 0.0f, y ? y[i] : 0.0f, dy[i], alpha);
}

template <int Kind>
cudaError_t activationLaunch(cudaStream_t stream, float alpha, const float* x, const float* y, const float* dy,
                             float* out, std::int64_t count)
{
    if (dy)
        activationBackwardKernel<Kind><<<blocksFor(count), kThreads, 0, stream>>>(alpha, x, y, dy, out, count);
    else
        activationForwardKernel<Kind><<<blocksFor(count), kThreads, 0, stream>>>(alpha, x, out, count);
    return cudaGetLastError();
}

// Forward when dy is null, backward otherwise.
cudaError_t launchActivation(cudaStream_t stream, NeuriteCudaActivation a, const float* x, const float* y,
                             const float* dy, float* out, std::int64_t count)
{
    if (count <= 0)
        return cudaSuccess;
    switch (a.kind) {
    case NEURITE_CUDA_RELU: return activationLaunch<NEURITE_CUDA_RELU>(stream, a.alpha, x, y, dy, out, count);
    case NEURITE_CUDA_LEAKY_RELU: return activationLaunch<NEURITE_CUDA_LEAKY_RELU>(stream, a.alpha, x, y, dy, out, count);
    case NEURITE_CUDA_ELU: return activationLaunch<NEURITE_CUDA_ELU>(stream, a.alpha, x, y, dy, out, count);
    case NEURITE_CUDA_GELU: return activationLaunch<NEURITE_CUDA_GELU>(stream, a.alpha, x, y, dy, out, count);
    case NEURITE_CUDA_SILU: return activationLaunch<NEURITE_CUDA_SILU>(stream, a.alpha, x, y, dy, out, count);
    case NEURITE_CUDA_SIGMOID: return activationLaunch<NEURITE_CUDA_SIGMOID>(stream, a.alpha, x, y, dy, out, count);
    case NEURITE_CUDA_TANH: return activationLaunch<NEURITE_CUDA_TANH>(stream, a.alpha, x, y, dy, out, count);
    default: return cudaErrorInvalidValue;
    }
}

// ---- Dropout: one thread per quad of elements, one Philox call each (the rule of Philox.h).

__global__ void dropoutKernel(float p, std::uint64_t seed, std::uint32_t step, std::uint32_t randomStream,
                              const float* x, float* y, float* mask, std::int64_t count)
{
    const std::int64_t quads = (count + 3) / 4;
    for (std::int64_t q = firstIndex(); q < quads; q += gridStride()) {
        float four[4];
        k::dropoutMaskQuad(seed, step, randomStream, std::uint64_t(q), p, four);
        for (std::int64_t lane = 0; lane < 4 && q * 4 + lane < count; ++lane) {
            const std::int64_t i = q * 4 + lane;
            mask[i] = four[lane];
            y[i] = k::dropoutForward(x[i], four[lane]);
        }
    }
}

// ---- Arithmetic, bias, global average pooling.

__global__ void multiplyKernel(const float* a, const float* b, float* y, std::int64_t count)
{
    for (std::int64_t i = firstIndex(); i < count; i += gridStride())
        y[i] = a[i] * b[i];
}

__global__ void addKernel(const float* a, const float* b, float* y, std::int64_t count)
{
    for (std::int64_t i = firstIndex(); i < count; i += gridStride())
        y[i] = a[i] + b[i];
}

__global__ void accumulateKernel(const float* x, float* y, std::int64_t count)
{
    for (std::int64_t i = firstIndex(); i < count; i += gridStride())
        y[i] += x[i];
}

// y[r · yStride + yOffset + i] = x[i]: one row repeated (copyRows with a source stride of 0).
__global__ void broadcastRowKernel(const float* x, float* y, std::int64_t yStride, std::int64_t yOffset,
                                   std::int64_t rows, std::int64_t width)
{
    for (std::int64_t e = firstIndex(); e < rows * width; e += gridStride())
        y[e / width * yStride + yOffset + e % width] = x[e % width];
}

// x [n × sampleSize] from the samples ids [n]; the first n threads copy the labels too.
__global__ void gatherBatchKernel(NeuriteCudaSamples set, const std::int32_t* ids, std::int64_t n, float* x,
                                  std::int32_t* labels)
{
    const std::int64_t size = set.sampleSize;
    for (std::int64_t e = firstIndex(); e < n * size; e += gridStride()) {
        const std::int64_t sample = ids[e / size], i = e % size;
        x[e] = set.bytes ? k::gatheredByte(set.bytes, set.byteValues, sample, i, size, set.plane)
                         : k::gatheredFeature(set.features, set.mean, set.std, sample, i, size);
        if (e < n)
            labels[e] = set.labels[ids[e]];
    }
}

__global__ void addBiasKernel(float* y, const float* bias, std::int64_t count, std::int64_t channels,
                              std::int64_t positions)
{
    for (std::int64_t i = firstIndex(); i < count; i += gridStride())
        y[i] = k::biasAddElement(y[i], bias[k::channelOf(i, channels, positions)]);
}

__global__ void globalAvgPoolForwardKernel(const float* x, float* y, std::int64_t planes, std::int64_t planeSize)
{
    for (std::int64_t p = firstIndex(); p < planes; p += gridStride())
        y[p] = k::globalAvgPoolPlane(x + p * planeSize, planeSize);
}

__global__ void globalAvgPoolBackwardKernel(const float* dy, float* dx, std::int64_t count, std::int64_t planeSize)
{
    for (std::int64_t i = firstIndex(); i < count; i += gridStride())
        dx[i] = k::globalAvgPoolBackwardElement(dy[i / planeSize], planeSize);
}

// ---- Multi-tensor: element i of a batch lies in the first entry whose end exceeds it.

template <class Batch>
__device__ int entryOf(const Batch& b, std::int64_t i)
{
    int lo = 0, hi = b.count - 1;
    while (lo < hi) {
        const int mid = (lo + hi) / 2;
        if (b.end[mid] <= i)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

template <class Batch>
__device__ std::int64_t beginOf(const Batch& b, int entry)
{
    return entry > 0 ? b.end[entry - 1] : 0;
}

// A state element, or a scratch register where the optimiser keeps no such state.
__device__ float& stateAt(float* state, std::int64_t j, float& unused)
{
    return state ? state[j] : unused;
}

template <int Kind>
__global__ void optimizerKernel(OptimizerBatch b, k::SgdSettings sgd, k::AdamSettings adam, k::RmspropSettings rmsprop)
{
    const std::int64_t total = b.end[b.count - 1];
    for (std::int64_t i = firstIndex(); i < total; i += gridStride()) {
        const int s = entryOf(b, i);
        const NeuriteCudaOptimizerSlot slot = b.slot[s];
        const std::int64_t j = i - beginOf(b, s);
        float unused0 = 0, unused1 = 0;
        float& state0 = stateAt(slot.state0, j, unused0);
        float& state1 = stateAt(slot.state1, j, unused1);
        if constexpr (Kind == NEURITE_CUDA_SGD)
            k::sgdUpdate(slot.value[j], slot.grad[j], state0, sgd);
        else if constexpr (Kind == NEURITE_CUDA_RMSPROP)
            k::rmspropUpdate(slot.value[j], slot.grad[j], state0, state1, rmsprop);
        else
            k::adamUpdate(slot.value[j], slot.grad[j], state0, state1, adam);
    }
}

__global__ void sumOfSquaresKernel(GradientBatch b, double* partials)
{
    __shared__ double shared[kThreads];
    const std::int64_t total = b.end[b.count - 1];
    double sum = 0;
    for (std::int64_t i = firstIndex(); i < total; i += gridStride()) {
        const int s = entryOf(b, i);
        const std::int64_t j = i - beginOf(b, s);
        sum += k::sumOfSquaresChunk(b.slice[s].data, j, j + 1);
    }
    const double block = blockSum(sum, shared);
    if (threadIdx.x == 0)
        partials[blockIdx.x] = block;
}

// Every block adds all the partials in the same order, so all agree on the norm without a grid
// synchronisation or a host round trip.
__global__ void clipScaleKernel(GradientBatch b, const double* partials, int partialCount, double maxNorm, float* norm,
                                bool writeNorm)
{
    __shared__ double shared[kThreads];
    double sum = 0;
    for (int p = threadIdx.x; p < partialCount; p += kThreads)
        sum += partials[p];
    const double total = sqrt(blockSum(sum, shared));
    if (writeNorm && blockIdx.x == 0 && threadIdx.x == 0)
        norm[0] = float(total);
    if (!k::clipNeeded(total, maxNorm))
        return;
    const float factor = k::clipScale(total, maxNorm);
    const std::int64_t count = b.end[b.count - 1];
    for (std::int64_t i = firstIndex(); i < count; i += gridStride()) {
        const int s = entryOf(b, i);
        float& g = b.slice[s].data[i - beginOf(b, s)];
        g = k::scaleElement(g, factor);
    }
}

template <class Kernel, class... Args>
cudaError_t launchElements(Kernel kernel, cudaStream_t stream, std::int64_t count, Args... args)
{
    if (count <= 0)
        return cudaSuccess;
    kernel<<<blocksFor(count), kThreads, 0, stream>>>(args...);
    return cudaGetLastError();
}

} // namespace

cudaError_t launchActivationForward(cudaStream_t stream, NeuriteCudaActivation a, const float* x, float* y,
                                    std::int64_t count)
{
    return launchActivation(stream, a, x, nullptr, nullptr, y, count);
}

cudaError_t launchActivationBackward(cudaStream_t stream, NeuriteCudaActivation a, const float* x, const float* y,
                                     const float* dy, float* dx, std::int64_t count)
{
    return launchActivation(stream, a, x, y, dy, dx, count);
}

cudaError_t launchDropoutForward(cudaStream_t stream, float p, std::uint64_t seed, std::uint32_t step,
                                 std::uint32_t randomStream, const float* x, float* y, float* mask, std::int64_t count)
{
    return launchElements(dropoutKernel, stream, (count + 3) / 4, p, seed, step, randomStream, x, y, mask, count);
}

cudaError_t launchMultiply(cudaStream_t stream, const float* a, const float* b, float* y, std::int64_t count)
{
    return launchElements(multiplyKernel, stream, count, a, b, y, count);
}

cudaError_t launchAdd(cudaStream_t stream, const float* a, const float* b, float* y, std::int64_t count)
{
    return launchElements(addKernel, stream, count, a, b, y, count);
}

cudaError_t launchAccumulate(cudaStream_t stream, const float* x, float* y, std::int64_t count)
{
    return launchElements(accumulateKernel, stream, count, x, y, count);
}

cudaError_t launchBroadcastRow(cudaStream_t stream, const float* x, float* y, std::int64_t yStride,
                               std::int64_t yOffset, std::int64_t rows, std::int64_t width)
{
    return launchElements(broadcastRowKernel, stream, rows * width, x, y, yStride, yOffset, rows, width);
}

cudaError_t launchAddBias(cudaStream_t stream, float* y, const float* bias, std::int64_t rows, std::int64_t channels,
                          std::int64_t positions)
{
    const std::int64_t count = rows * channels * positions;
    return launchElements(addBiasKernel, stream, count, y, bias, count, channels, positions);
}

cudaError_t launchGlobalAvgPoolForward(cudaStream_t stream, const float* x, float* y, std::int64_t planes,
                                       std::int64_t planeSize)
{
    return launchElements(globalAvgPoolForwardKernel, stream, planes, x, y, planes, planeSize);
}

cudaError_t launchGlobalAvgPoolBackward(cudaStream_t stream, const float* dy, float* dx, std::int64_t planes,
                                        std::int64_t planeSize)
{
    const std::int64_t count = planes * planeSize;
    return launchElements(globalAvgPoolBackwardKernel, stream, count, dy, dx, count, planeSize);
}

cudaError_t launchOptimizerStep(cudaStream_t stream, int kind, const OptimizerBatch& batch,
                                const k::SgdSettings& sgd, const k::AdamSettings& adam,
                                const k::RmspropSettings& rmsprop)
{
    if (batch.count <= 0)
        return cudaSuccess;
    const std::int64_t total = batch.end[batch.count - 1];
    switch (kind) {
    case NEURITE_CUDA_SGD:
        return launchElements(optimizerKernel<NEURITE_CUDA_SGD>, stream, total, batch, sgd, adam, rmsprop);
    case NEURITE_CUDA_ADAM:
    case NEURITE_CUDA_ADAMW:
        return launchElements(optimizerKernel<NEURITE_CUDA_ADAM>, stream, total, batch, sgd, adam, rmsprop);
    case NEURITE_CUDA_RMSPROP:
        return launchElements(optimizerKernel<NEURITE_CUDA_RMSPROP>, stream, total, batch, sgd, adam, rmsprop);
    default: return cudaErrorInvalidValue;
    }
}

cudaError_t launchSumOfSquares(cudaStream_t stream, const GradientBatch& batch, double* partials, int* written)
{
    *written = 0;
    if (batch.count <= 0)
        return cudaSuccess;
    const int blocks = reductionBlocks(batch.end[batch.count - 1], kMaxPartials);
    sumOfSquaresKernel<<<blocks, kThreads, 0, stream>>>(batch, partials);
    *written = blocks;
    return cudaGetLastError();
}

cudaError_t launchClipScale(cudaStream_t stream, const GradientBatch& batch, const double* partials, int partialCount,
                            double maxNorm, float* norm, bool writeNorm)
{
    if (batch.count <= 0)
        return cudaSuccess;
    // At least one block, even for empty tensors, so that the norm is written; at most 1024, as
    // every block reads all the partials.
    const std::int64_t total = batch.end[batch.count - 1];
    const unsigned blocks = blocksFor(total) < 1024u ? blocksFor(total) : 1024u;
    clipScaleKernel<<<blocks, kThreads, 0, stream>>>(batch, partials, partialCount, maxNorm, norm, writeNorm);
    return cudaGetLastError();
}

cudaError_t launchGatherBatch(cudaStream_t stream, const NeuriteCudaSamples& set, const std::int32_t* ids,
                              std::int64_t n, float* x, std::int32_t* labels)
{
    return launchElements(gatherBatchKernel, stream, n * set.sampleSize, set, ids, n, x, labels);
}

} // namespace neurite::cuda
