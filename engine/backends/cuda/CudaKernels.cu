// The module's own kernels: each maps threads onto one function of PoolingMath.h (one element per
// thread, a grid-stride loop so that any size fits the grid).
#include "engine/backends/cuda/CudaKernels.h"
#include "engine/backends/cuda/LaunchGrid.cuh"

namespace neurite::cuda {

namespace {

__global__ void fillKernel(float* buffer, float value, std::int64_t count)
{
    for (std::int64_t i = firstIndex(); i < count; i += gridStride())
        buffer[i] = value;
}

__global__ void biasReluKernel(float* y, const float* bias, std::int64_t count, std::int64_t channels,
                               std::int64_t plane, bool relu)
{
    for (std::int64_t i = firstIndex(); i < count; i += gridStride())
        y[i] = biasRelu(y[i], bias, i / plane % channels, relu);
}

__global__ void reluMaskKernel(float* out, const float* dy, const float* y, std::int64_t count)
{
    for (std::int64_t i = firstIndex(); i < count; i += gridStride())
        out[i] = reluMasked(dy[i], y[i]);
}

__global__ void maxPoolForwardKernel(PoolPlane p, std::int64_t count, const float* x, float* y, std::int32_t* argmax)
{
    const std::int64_t outputs = p.oh * p.ow;
    for (std::int64_t i = firstIndex(); i < count; i += gridStride()) {
        const std::int64_t plane = i / outputs, o = i % outputs;
        std::int32_t where;
        y[i] = maxPoolAt(p, x + plane * p.h * p.w, o / p.ow, o % p.ow, &where);
        if (argmax)
            argmax[i] = where;
    }
}

__global__ void maxPoolBackwardKernel(PoolPlane p, std::int64_t count, const float* dy, const std::int32_t* argmax,
                                      const float* mask, float* dx)
{
    const std::int64_t inputs = p.h * p.w, outputs = p.oh * p.ow;
    for (std::int64_t i = firstIndex(); i < count; i += gridStride()) {
        const std::int64_t plane = i / inputs, at = i % inputs;
        dx[i] = maxPoolGradAt(p, dy + plane * outputs, argmax + plane * outputs, mask ? mask + plane * outputs : nullptr,
                              at / p.w, at % p.w);
    }
}

__global__ void avgPoolForwardKernel(PoolPlane p, std::int64_t count, const float* x, float* y)
{
    const std::int64_t outputs = p.oh * p.ow;
    for (std::int64_t i = firstIndex(); i < count; i += gridStride()) {
        const std::int64_t plane = i / outputs, o = i % outputs;
        y[i] = avgPoolAt(p, x + plane * p.h * p.w, o / p.ow, o % p.ow);
    }
}

__global__ void avgPoolBackwardKernel(PoolPlane p, std::int64_t count, const float* dy, float* dx)
{
    const std::int64_t inputs = p.h * p.w, outputs = p.oh * p.ow;
    for (std::int64_t i = firstIndex(); i < count; i += gridStride()) {
        const std::int64_t plane = i / inputs, at = i % inputs;
        dx[i] = avgPoolGradAt(p, dy + plane * outputs, at / p.w, at % p.w);
    }
}

} // namespace

cudaError_t launchFill(cudaStream_t stream, float* buffer, float value, std::int64_t count)
{
    if (count <= 0)
        return cudaSuccess;
    fillKernel<<<blocksFor(count), kThreads, 0, stream>>>(buffer, value, count);
    return cudaGetLastError();
}

cudaError_t launchBiasRelu(cudaStream_t stream, float* y, const float* bias, std::int64_t n, std::int64_t channels,
                           std::int64_t plane, bool relu)
{
    const std::int64_t count = n * channels * plane;
    if (count <= 0 || (!bias && !relu))
        return cudaSuccess;
    biasReluKernel<<<blocksFor(count), kThreads, 0, stream>>>(y, bias, count, channels, plane, relu);
    return cudaGetLastError();
}

cudaError_t launchReluMask(cudaStream_t stream, float* out, const float* dy, const float* y, std::int64_t count)
{
    if (count <= 0)
        return cudaSuccess;
    reluMaskKernel<<<blocksFor(count), kThreads, 0, stream>>>(out, dy, y, count);
    return cudaGetLastError();
}

cudaError_t launchMaxPoolForward(cudaStream_t stream, const PoolPlane& p, std::int64_t planes, const float* x,
                                 float* y, std::int32_t* argmax)
{
    const std::int64_t count = planes * p.oh * p.ow;
    if (count <= 0)
        return cudaSuccess;
    maxPoolForwardKernel<<<blocksFor(count), kThreads, 0, stream>>>(p, count, x, y, argmax);
    return cudaGetLastError();
}

cudaError_t launchMaxPoolBackward(cudaStream_t stream, const PoolPlane& p, std::int64_t planes, const float* dy,
                                  const std::int32_t* argmax, const float* mask, float* dx)
{
    const std::int64_t count = planes * p.h * p.w;
    if (count <= 0)
        return cudaSuccess;
    maxPoolBackwardKernel<<<blocksFor(count), kThreads, 0, stream>>>(p, count, dy, argmax, mask, dx);
    return cudaGetLastError();
}

cudaError_t launchAvgPoolForward(cudaStream_t stream, const PoolPlane& p, std::int64_t planes, const float* x,
                                 float* y)
{
    const std::int64_t count = planes * p.oh * p.ow;
    if (count <= 0)
        return cudaSuccess;
    avgPoolForwardKernel<<<blocksFor(count), kThreads, 0, stream>>>(p, count, x, y);
    return cudaGetLastError();
}

cudaError_t launchAvgPoolBackward(cudaStream_t stream, const PoolPlane& p, std::int64_t planes, const float* dy,
                                  float* dx)
{
    const std::int64_t count = planes * p.h * p.w;
    if (count <= 0)
        return cudaSuccess;
    avgPoolBackwardKernel<<<blocksFor(count), kThreads, 0, stream>>>(p, count, dy, dx);
    return cudaGetLastError();
}

} // namespace neurite::cuda
