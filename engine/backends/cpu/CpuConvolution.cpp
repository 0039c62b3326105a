// CpuBackend's convolutions. Each thread takes a static share of the images and, per image,
// lowers the convolution to a single-threaded SGEMM that writes straight into NCHW output, so an
// image's working set stays in its core's cache.
//
// Two lowerings:
//  - wide (stride 1, the common case): the image is copied once into a zero-padded plane
//    [cin, h+2p, w+2p]; then the column matrix row of tap (ci, ky, kx) is ONE contiguous span of
//    that plane, oh·(w+2p) long. The product is computed over the padded width (a few wasted
//    columns per row) and compacted. Long copies instead of thousands of short ones.
//  - general (any stride): classic im2col per image (Im2col.h).
#include "engine/backends/cpu/CpuBackend.h"
#include "engine/backends/cpu/Im2col.h"
#include "engine/backends/cpu/MaxPool2x2.h"
#include "engine/backends/cpu/OpenBlas.h"
#include "engine/core/Reduce.h"
#include "engine/core/Simd.h"

#include <algorithm>
#include <cstring>

namespace neurite {

namespace {

std::int64_t align16(std::int64_t n) { return (n + 15) / 16 * 16; }  // 64-byte aligned parts

// Where each part of one thread's workspace lies (in floats).
struct ConvLayout {
    bool wide;
    std::int64_t hp, wp;          // padded plane (wide)
    std::int64_t span;            // columns of the product: oh·wp (wide) or oh·ow
    std::int64_t rows, rowsG, coutG;
    std::int64_t padded, dPadded, col, out, full, dw, db, total;

    explicit ConvLayout(const ConvGeometry& g)
    {
        wide = g.stride == 1;
        hp = g.h + 2 * g.pad;
        wp = g.w + 2 * g.pad;
        span = wide ? g.oh * wp : g.oh * g.ow;
        rows = g.cin * g.k * g.k;
        rowsG = rows / g.groups;
        coutG = g.cout / g.groups;
        // The last tap's span runs up to (k−1)·dilation floats past the plane: zeros.
        const std::int64_t plane = wide ? align16(g.cin * hp * wp + (g.k - 1) * g.dilation) : 0;
        padded = 0;
        dPadded = padded + plane;
        col = dPadded + plane;
        out = col + align16(rows * span);
        full = out + align16(g.cout * span);  // the convolution's output before a fused pooling
        dw = full + (g.maxPool2x2 ? align16(g.cout * g.oh * g.ow) : 0);
        db = dw + align16(g.cout * rowsG);
        total = db + align16(g.cout);
    }
};

// y[c, oy, ox] = relu?(product[c, oy·stride + ox] + bias[c]) for ox < ow: adds the bias, applies a
// fused ReLU and, for the wide lowering, drops the extra columns, all in one pass. product may be y.
NEURITE_SIMD_CLONES
void finishOutput(const float* product, std::int64_t stride, float* y, const float* bias, bool relu,
                  std::int64_t channels, std::int64_t oh, std::int64_t ow)
{
    for (std::int64_t c = 0; c < channels; ++c) {
        const float b = bias ? bias[c] : 0.0f;
        for (std::int64_t oy = 0; oy < oh; ++oy) {
            const float* src = product + (c * oh + oy) * stride;
            float* dst = y + (c * oh + oy) * ow;
            if (relu)
                for (std::int64_t ox = 0; ox < ow; ++ox)
                    dst[ox] = src[ox] + b < 0.0f ? 0.0f : src[ox] + b;
            else
                for (std::int64_t ox = 0; ox < ow; ++ox)
                    dst[ox] = src[ox] + b;
        }
    }
}

// grad[c, oy·stride + ox] = (y[c, oy, ox] > 0 or no y) ? dy[c, oy, ox] : 0: the product's view of
// dY, with the fused ReLU's mask applied while the image's gradient is in cache.
NEURITE_SIMD_CLONES
void prepareGradient(const float* dy, const float* y, float* grad, std::int64_t stride, std::int64_t channels,
                     std::int64_t oh, std::int64_t ow)
{
    for (std::int64_t c = 0; c < channels; ++c)
        for (std::int64_t oy = 0; oy < oh; ++oy) {
            const std::int64_t at = (c * oh + oy) * ow;
            float* dst = grad + (c * oh + oy) * stride;
            if (y)
                for (std::int64_t ox = 0; ox < ow; ++ox)
                    dst[ox] = y[at + ox] > 0.0f ? dy[at + ox] : 0.0f;
            else
                for (std::int64_t ox = 0; ox < ow; ++ox)
                    dst[ox] = dy[at + ox];
        }
}

// The same for a fused 2×2 pooling: each pooled gradient goes to the one position the pooling
// took (where the ReLU let it through); every other position of the image's gradient is zero.
void scatterPooledGradient(const float* dy, const float* y, const std::int32_t* argmax, float* grad,
                           std::int64_t stride, std::int64_t span, std::int64_t channels, std::int64_t pooled,
                           std::int64_t ow)
{
    std::fill_n(grad, channels * span, 0.0f);
    for (std::int64_t c = 0; c < channels; ++c)
        for (std::int64_t j = 0; j < pooled; ++j) {
            const std::int64_t i = c * pooled + j, at = argmax[i];
            if (!y || y[i] > 0.0f)
                grad[c * span + at / ow * stride + at % ow] = dy[i];
        }
}

// image [cin, h, w] → the interior of padded [cin, hp, wp] (the border stays zero).
void padImage(const ConvGeometry& g, const ConvLayout& L, const float* image, float* padded)
{
    for (std::int64_t c = 0; c < g.cin; ++c)
        for (std::int64_t y = 0; y < g.h; ++y)
            std::memcpy(padded + (c * L.hp + y + g.pad) * L.wp + g.pad, image + (c * g.h + y) * g.w,
                        std::size_t(g.w) * sizeof(float));
}

// The first float of tap (ci, ky, kx)'s span in the padded plane.
std::int64_t tapOffset(const ConvGeometry& g, const ConvLayout& L, std::int64_t row)
{
    const std::int64_t kk = g.k * g.k, ci = row / kk, ky = (row % kk) / g.k, kx = row % g.k;
    return (ci * L.hp + ky * g.dilation) * L.wp + kx * g.dilation;
}

void wideColumns(const ConvGeometry& g, const ConvLayout& L, const float* padded, float* col)
{
    for (std::int64_t r = 0; r < L.rows; ++r)
        std::memcpy(col + r * L.span, padded + tapOffset(g, L, r), std::size_t(L.span) * sizeof(float));
}

// dPadded = Σ over taps of the column rows, added back where they were read.
NEURITE_SIMD_CLONES
void wideColumnsBack(const ConvGeometry& g, const ConvLayout& L, const float* col, float* dPadded)
{
    std::fill_n(dPadded, g.cin * L.hp * L.wp + (g.k - 1) * g.dilation, 0.0f);
    for (std::int64_t r = 0; r < L.rows; ++r) {
        float* dst = dPadded + tapOffset(g, L, r);
        const float* src = col + r * L.span;
        for (std::int64_t i = 0; i < L.span; ++i)
            dst[i] += src[i];
    }
}

// Image n's product input: the column matrix [rows, span] (and for wide, the padded plane).
void columnsOf(const ConvGeometry& g, const ConvLayout& L, const float* image, float* ws)
{
    if (L.wide) {
        padImage(g, L, image, ws + L.padded);
        wideColumns(g, L, ws + L.padded, ws + L.col);
    } else {
        im2col(g, image, ws + L.col);
    }
}

} // namespace

std::int64_t CpuBackend::convWorkspace(const ConvGeometry& g) const
{
    // On the oneDNN path a fused ReLU or pooling needs the whole unpooled output (or its gradient).
    const std::int64_t ours = threads() * ConvLayout(g).total;
    return oneDnnShape(g) ? std::max(ours, g.n * g.cout * g.oh * g.ow) : ours;
}

OneDnnConvolution* CpuBackend::oneDnnFor(const ConvGeometry& g)
{
    if (!oneDnnAllowed_ || !oneDnnShape(g))
        return nullptr;
    const std::vector<std::int64_t> key{g.n, g.cin, g.h, g.w, g.cout, g.k, g.stride, g.pad, g.relu};
    auto it = oneDnn_.find(key);
    if (it == oneDnn_.end())
        it = oneDnn_.emplace(key, createOneDnnConvolution(g, threads())).first;
    return it->second.get();
}

// Runs fn(t, firstImage, endImage) for each thread's static share of the images.
template <typename F>
static void forEachShare(ThreadPool& pool, std::int64_t images, F fn)
{
    const std::int64_t threads = pool.threads();
    pool.parallelFor(threads, [&](std::int64_t t0, std::int64_t t1) {
        for (std::int64_t t = t0; t < t1; ++t)
            fn(t, images * t / threads, images * (t + 1) / threads);
    });
}

void CpuBackend::convForward(const ConvGeometry& g, const float* x, const float* w, const float* bias, float* y,
                             float* workspace, std::int32_t* argmax)
{
    const std::int64_t ohw = g.oh * g.ow;
    if (OneDnnConvolution* dnn = oneDnnFor(g)) {
        if (!g.maxPool2x2)
            return dnn->forward(x, w, bias, y);  // with the ReLU as oneDNN's post-op
        dnn->forward(x, w, bias, workspace);     // the whole output, then pooled plane by plane
        const PoolGeometry plane{1, 1, g.oh, g.ow, 2, 2, 0, g.oh / 2, g.ow / 2};
        const std::int64_t pooled = plane.oh * plane.ow;
        pool_->parallelFor(g.n * g.cout, [&](std::int64_t begin, std::int64_t end) {
            for (std::int64_t p = begin; p < end; ++p)
                maxPool2x2(plane, workspace + p * ohw, y + p * pooled, argmax + p * pooled);
        });
        return;
    }
    const auto& blas = OpenBlas::instance();
    const ConvLayout L(g);
    forEachShare(*pool_, g.n, [&](std::int64_t t, std::int64_t first, std::int64_t end) {
        float* ws = workspace + t * L.total;
        if (L.wide)
            std::fill_n(ws + L.padded, L.dPadded - L.padded, 0.0f);  // the border, once per call
        for (std::int64_t n = first; n < end; ++n) {
            float* out = g.maxPool2x2 ? ws + L.full : y + n * g.cout * ohw;
            columnsOf(g, L, x + n * g.cin * g.h * g.w, ws);
            float* product = L.wide ? ws + L.out : out;  // [cout, span]
            for (std::int64_t grp = 0; grp < g.groups; ++grp)  // Y_g = W_g · col_g
                blas.sgemm(false, false, L.coutG, L.span, L.rowsG, 1.0f, w + grp * L.coutG * L.rowsG, L.rowsG,
                           ws + L.col + grp * L.rowsG * L.span, L.span, 0.0f, product + grp * L.coutG * L.span, L.span);
            if (L.wide || bias || g.relu)
                finishOutput(product, L.wide ? L.wp : g.ow, out, bias, g.relu, g.cout, g.oh, g.ow);
            if (g.maxPool2x2) {  // pooled while the image's output is still in cache
                const PoolGeometry plane{1, 1, g.oh, g.ow, 2, 2, 0, g.oh / 2, g.ow / 2};
                const std::int64_t pooled = plane.oh * plane.ow;
                for (std::int64_t c = 0; c < g.cout; ++c)
                    maxPool2x2(plane, out + c * ohw, y + (n * g.cout + c) * pooled, argmax + (n * g.cout + c) * pooled);
            }
        }
    });
}

void CpuBackend::convBackward(const ConvGeometry& g, const float* x, const float* w, const float* y, const float* dy,
                              float* dx, float* dw, float* db, float* workspace, const std::int32_t* argmax)
{
    const std::int64_t ohw = g.oh * g.ow;
    if (OneDnnConvolution* dnn = oneDnnFor(g)) {
        const float* grad = dy;
        if (g.relu || g.maxPool2x2) {  // the whole output's gradient, masked by the ReLU and unpooled
            const std::int64_t pooled = (g.oh / 2) * (g.ow / 2);
            pool_->parallelFor(g.n, [&](std::int64_t begin, std::int64_t end) {
                for (std::int64_t n = begin; n < end; ++n) {
                    float* full = workspace + n * g.cout * ohw;
                    if (g.maxPool2x2) {
                        const std::int64_t at = n * g.cout * pooled;
                        scatterPooledGradient(dy + at, g.relu ? y + at : nullptr, argmax + at, full, g.ow, ohw, g.cout,
                                              pooled, g.ow);
                    } else {
                        prepareGradient(dy + n * g.cout * ohw, y + n * g.cout * ohw, full, g.ow, g.cout, g.oh, g.ow);
                    }
                }
            });
            grad = workspace;
        }
        return dnn->backward(x, w, grad, dx, dw, db);
    }
    const auto& blas = OpenBlas::instance();
    const ConvLayout L(g);
    const std::int64_t dwSize = g.cout * L.rowsG;
    forEachShare(*pool_, g.n, [&](std::int64_t t, std::int64_t first, std::int64_t end) {
        float* ws = workspace + t * L.total;
        std::fill_n(ws + L.dw, dwSize, 0.0f);  // this thread's shares of dW and db, summed below
        std::fill_n(ws + L.db, g.cout, 0.0f);
        if (L.wide) {  // the padded border and the gradient's extra columns stay zero
            std::fill_n(ws + L.padded, L.dPadded - L.padded, 0.0f);
            std::fill_n(ws + L.out, L.dw - L.out, 0.0f);
        }
        for (std::int64_t n = first; n < end; ++n) {
            float* grad = ws + L.out;  // dY as [cout, span], masked by a fused ReLU
            if (g.maxPool2x2) {
                const std::int64_t pooled = (g.oh / 2) * (g.ow / 2), at = n * g.cout * pooled;
                scatterPooledGradient(dy + at, g.relu ? y + at : nullptr, argmax + at, grad, L.wide ? L.wp : g.ow,
                                      L.span, g.cout, pooled, g.ow);
            } else {
                prepareGradient(dy + n * g.cout * ohw, g.relu ? y + n * g.cout * ohw : nullptr, grad,
                                L.wide ? L.wp : g.ow, g.cout, g.oh, g.ow);
            }
            if (db)
                for (std::int64_t co = 0; co < g.cout; ++co)
                    ws[L.db + co] += sum(grad + co * L.span, L.span);
            columnsOf(g, L, x + n * g.cin * g.h * g.w, ws);
            for (std::int64_t grp = 0; grp < g.groups; ++grp)  // dW_g += dY_g · col_gᵀ
                blas.sgemm(false, true, L.coutG, L.rowsG, L.span, 1.0f, grad + grp * L.coutG * L.span, L.span,
                           ws + L.col + grp * L.rowsG * L.span, L.span, 1.0f, ws + L.dw + grp * L.coutG * L.rowsG,
                           L.rowsG);
            if (!dx)
                continue;
            for (std::int64_t grp = 0; grp < g.groups; ++grp)  // dcol_g = W_gᵀ · dY_g (col is free again)
                blas.sgemm(true, false, L.rowsG, L.span, L.coutG, 1.0f, w + grp * L.coutG * L.rowsG, L.rowsG,
                           grad + grp * L.coutG * L.span, L.span, 0.0f, ws + L.col + grp * L.rowsG * L.span, L.span);
            float* dxn = dx + n * g.cin * g.h * g.w;
            if (!L.wide) {
                col2im(g, ws + L.col, dxn);
                continue;
            }
            wideColumnsBack(g, L, ws + L.col, ws + L.dPadded);
            for (std::int64_t c = 0; c < g.cin; ++c)
                for (std::int64_t yy = 0; yy < g.h; ++yy)
                    std::memcpy(dxn + (c * g.h + yy) * g.w, ws + L.dPadded + (c * L.hp + yy + g.pad) * L.wp + g.pad,
                                std::size_t(g.w) * sizeof(float));
        }
    });
    // The threads' shares summed in thread order, so the result does not depend on timing.
    pool_->parallelFor(dwSize, [&](std::int64_t begin, std::int64_t end) {
        for (std::int64_t i = begin; i < end; ++i) {
            float sum = 0;
            for (std::int64_t t = 0; t < threads(); ++t)
                sum += workspace[t * L.total + L.dw + i];
            dw[i] = sum;
        }
    }, 256);
    if (db)
        for (std::int64_t co = 0; co < g.cout; ++co) {
            float sum = 0;
            for (std::int64_t t = 0; t < threads(); ++t)
                sum += workspace[t * L.total + L.db + co];
            db[co] = sum;
        }
}

} // namespace neurite
