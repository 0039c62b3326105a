#pragma once
// The arithmetic of the CUDA module's own kernels, one output or input element per call, written
// once for the device and the host (STYLE.md: kernels that can be checked without a GPU). The
// kernels in CudaKernels.cu only map threads onto these functions; tst_cuda_adapter runs the same
// functions on the host against the reference backend.
//
// Each function does the reference backend's additions in the reference's order, so results are
// the same to the bit: the backward passes gather (each input element sums the outputs that read
// it, in output order) where the reference scatters, which needs no atomics and gives the same sums.
// nvcc compiles this for the device: the rules of engine/kernels/HostDevice.h hold here too.
#include "engine/kernels/HostDevice.h"

namespace neurite::cuda {

// One plane's pooling window: input h×w, output oh×ow, window k, stride, padding.
struct PoolPlane {
    std::int64_t h, w, k, stride, pad, oh, ow;
};

// a·b rounded on its own: nvcc would otherwise fuse `sum += a * b` into one FMA, which the
// reference (g++ without FMA contraction) does not do.
NEURITE_HD_INLINE float productRounded(float a, float b)
{
#if defined(__CUDA_ARCH__)
    return __fmul_rn(a, b);
#else
    return a * b;
#endif
}

// The maximum over the window of output (oy, ox); *where: its in-plane index (the first maximum
// in row-major window order; -1 when the window lies in the padding only).
NEURITE_HD_INLINE float maxPoolAt(const PoolPlane& p, const float* x, std::int64_t oy, std::int64_t ox,
                                std::int32_t* where)
{
    float best = -__builtin_huge_valf();
    std::int32_t at = -1;
    for (std::int64_t ky = 0; ky < p.k; ++ky)
        for (std::int64_t kx = 0; kx < p.k; ++kx) {
            const std::int64_t iy = oy * p.stride + ky - p.pad, ix = ox * p.stride + kx - p.pad;
            if (iy < 0 || iy >= p.h || ix < 0 || ix >= p.w)
                continue;
            const float v = x[iy * p.w + ix];
            if (v > best || at < 0) {
                best = v;
                at = std::int32_t(iy * p.w + ix);
            }
        }
    *where = at;
    return best;
}

// The average over the window, padding counted (count_include_pad).
NEURITE_HD_INLINE float avgPoolAt(const PoolPlane& p, const float* x, std::int64_t oy, std::int64_t ox)
{
    float sum = 0;
    for (std::int64_t ky = 0; ky < p.k; ++ky)
        for (std::int64_t kx = 0; kx < p.k; ++kx) {
            const std::int64_t iy = oy * p.stride + ky - p.pad, ix = ox * p.stride + kx - p.pad;
            if (iy >= 0 && iy < p.h && ix >= 0 && ix < p.w)
                sum += x[iy * p.w + ix];
        }
    return productRounded(sum, 1.0f / float(p.k * p.k));
}

// The outputs whose windows cover input row iy (or column: pass w, ow): [*first, *last].
NEURITE_HD_INLINE void coveringOutputs(std::int64_t i, std::int64_t k, std::int64_t stride, std::int64_t pad,
                                     std::int64_t outputs, std::int64_t* first, std::int64_t* last)
{
    const std::int64_t low = i + pad - k + 1;   // o·stride ≥ low
    *first = low <= 0 ? 0 : (low + stride - 1) / stride;
    const std::int64_t high = (i + pad) / stride;
    *last = high < outputs - 1 ? high : outputs - 1;
}

// d loss / d x at input (iy, ix) of max pooling: the sum of dy over the outputs that chose it.
// mask (may be null): the pooled forward output; dy counts only where mask > 0 (a fused ReLU).
NEURITE_HD_INLINE float maxPoolGradAt(const PoolPlane& p, const float* dy, const std::int32_t* argmax,
                                    const float* mask, std::int64_t iy, std::int64_t ix)
{
    std::int64_t oy0, oy1, ox0, ox1;
    coveringOutputs(iy, p.k, p.stride, p.pad, p.oh, &oy0, &oy1);
    coveringOutputs(ix, p.k, p.stride, p.pad, p.ow, &ox0, &ox1);
    const std::int32_t self = std::int32_t(iy * p.w + ix);
    float sum = 0;
    for (std::int64_t oy = oy0; oy <= oy1; ++oy)
        for (std::int64_t ox = ox0; ox <= ox1; ++ox) {
            const std::int64_t o = oy * p.ow + ox;
            if (argmax[o] == self)
                sum += mask && !(mask[o] > 0.0f) ? 0.0f : dy[o];
        }
    return sum;
}

// d loss / d x at input (iy, ix) of average pooling (count_include_pad).
NEURITE_HD_INLINE float avgPoolGradAt(const PoolPlane& p, const float* dy, std::int64_t iy, std::int64_t ix)
{
    std::int64_t oy0, oy1, ox0, ox1;
    coveringOutputs(iy, p.k, p.stride, p.pad, p.oh, &oy0, &oy1);
    coveringOutputs(ix, p.k, p.stride, p.pad, p.ow, &ox0, &ox1);
    const float scale = 1.0f / float(p.k * p.k);
    float sum = 0;
    for (std::int64_t oy = oy0; oy <= oy1; ++oy)
        for (std::int64_t ox = ox0; ox <= ox1; ++ox)
            sum += productRounded(dy[oy * p.ow + ox], scale);
    return sum;
}

// The fused bias and ReLU of a convolution's output element (bias may be null).
NEURITE_HD_INLINE float biasRelu(float v, const float* bias, std::int64_t channel, bool relu)
{
    const float b = bias ? v + bias[channel] : v;
    return relu && b < 0.0f ? 0.0f : b;
}

// The fused ReLU's mask in the backward pass: dy where the forward output was positive.
NEURITE_HD_INLINE float reluMasked(float dy, float y) { return y > 0.0f ? dy : 0.0f; }

} // namespace neurite::cuda
