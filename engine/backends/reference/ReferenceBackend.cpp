#include "engine/backends/reference/ReferenceBackend.h"

#include <algorithm>
#include <limits>
#include <vector>

namespace neurite {

void ReferenceBackend::gemm(bool transA, bool transB, std::int64_t M, std::int64_t N, std::int64_t K, float alpha,
                            const float* A, std::int64_t lda, const float* B, std::int64_t ldb, float beta, float* C,
                            std::int64_t ldc)
{
    for (std::int64_t i = 0; i < M; ++i)
        for (std::int64_t j = 0; j < N; ++j) {
            double sum = 0;  // double: the reference should not carry float rounding of long sums
            for (std::int64_t p = 0; p < K; ++p) {
                const float a = transA ? A[p * lda + i] : A[i * lda + p];
                const float b = transB ? B[j * ldb + p] : B[p * ldb + j];
                sum += double(a) * b;
            }
            float& c = C[i * ldc + j];
            c = float(alpha * sum + (beta == 0.0f ? 0.0 : double(beta) * c));
        }
}

// Index of the input pixel that output (oy, ox) reads through tap (ky, kx), or -1 in the padding.
static std::int64_t tapIndex(const ConvGeometry& g, std::int64_t oy, std::int64_t ox, std::int64_t ky, std::int64_t kx)
{
    const std::int64_t iy = oy * g.stride + ky * g.dilation - g.pad;
    const std::int64_t ix = ox * g.stride + kx * g.dilation - g.pad;
    if (iy < 0 || iy >= g.h || ix < 0 || ix >= g.w)
        return -1;
    return iy * g.w + ix;
}

// The fused pooling, the readable way: the whole convolution, then the pooling on its own.
static PoolGeometry pooling(const ConvGeometry& g)
{
    PoolGeometry p{g.n, g.cout, g.oh, g.ow, 2, 2, 0};
    p.computeOutput();
    return p;
}

void ReferenceBackend::convForward(const ConvGeometry& g, const float* x, const float* w, const float* bias, float* y,
                                   float* workspace, std::int32_t* argmax)
{
    if (g.maxPool2x2) {
        ConvGeometry plain = g;
        plain.maxPool2x2 = false;
        std::vector<float> full(std::size_t(g.n * g.cout * g.oh * g.ow));
        convForward(plain, x, w, bias, full.data(), workspace);
        maxPoolForward(pooling(g), full.data(), y, argmax);
        return;
    }
    const std::int64_t cinG = g.cin / g.groups, coutG = g.cout / g.groups;
    for (std::int64_t n = 0; n < g.n; ++n)
        for (std::int64_t co = 0; co < g.cout; ++co) {
            const std::int64_t group = co / coutG;
            for (std::int64_t oy = 0; oy < g.oh; ++oy)
                for (std::int64_t ox = 0; ox < g.ow; ++ox) {
                    double sum = bias ? bias[co] : 0.0;
                    for (std::int64_t ci = 0; ci < cinG; ++ci)
                        for (std::int64_t ky = 0; ky < g.k; ++ky)
                            for (std::int64_t kx = 0; kx < g.k; ++kx) {
                                const auto at = tapIndex(g, oy, ox, ky, kx);
                                if (at < 0)
                                    continue;
                                const float xv = x[((n * g.cin) + group * cinG + ci) * g.h * g.w + at];
                                sum += double(xv) * w[((co * cinG + ci) * g.k + ky) * g.k + kx];
                            }
                    y[((n * g.cout + co) * g.oh + oy) * g.ow + ox] = g.relu && sum < 0 ? 0.0f : float(sum);
                }
        }
}

void ReferenceBackend::convBackward(const ConvGeometry& g, const float* x, const float* w, const float* y,
                                    const float* dy, float* dx, float* dw, float* db, float* workspace,
                                    const std::int32_t* argmax)
{
    if (g.maxPool2x2) {  // dY of the convolution: the pooled gradient, where the ReLU let it through
        const PoolGeometry p = pooling(g);
        std::vector<float> masked(std::size_t(p.n * p.c * p.oh * p.ow)), full(std::size_t(g.n * g.cout * g.oh * g.ow));
        for (std::size_t i = 0; i < masked.size(); ++i)
            masked[i] = g.relu && !(y[i] > 0.0f) ? 0.0f : dy[i];
        maxPoolBackward(p, masked.data(), argmax, full.data());
        ConvGeometry plain = g;
        plain.maxPool2x2 = plain.relu = false;
        convBackward(plain, x, w, nullptr, full.data(), dx, dw, db, workspace);
        return;
    }
    const std::int64_t cinG = g.cin / g.groups, coutG = g.cout / g.groups;
    std::fill_n(dw, g.cout * cinG * g.k * g.k, 0.0f);
    if (db)
        std::fill_n(db, g.cout, 0.0f);
    if (dx)
        std::fill_n(dx, g.n * g.cin * g.h * g.w, 0.0f);
    for (std::int64_t n = 0; n < g.n; ++n)
        for (std::int64_t co = 0; co < g.cout; ++co) {
            const std::int64_t group = co / coutG;
            for (std::int64_t oy = 0; oy < g.oh; ++oy)
                for (std::int64_t ox = 0; ox < g.ow; ++ox) {
                    const std::int64_t o = ((n * g.cout + co) * g.oh + oy) * g.ow + ox;
                    const float d = g.relu && !(y[o] > 0.0f) ? 0.0f : dy[o];  // the fused ReLU's mask
                    if (db)
                        db[co] += d;
                    for (std::int64_t ci = 0; ci < cinG; ++ci)
                        for (std::int64_t ky = 0; ky < g.k; ++ky)
                            for (std::int64_t kx = 0; kx < g.k; ++kx) {
                                const auto at = tapIndex(g, oy, ox, ky, kx);
                                if (at < 0)
                                    continue;
                                const std::int64_t xi = ((n * g.cin) + group * cinG + ci) * g.h * g.w + at;
                                const std::int64_t wi = ((co * cinG + ci) * g.k + ky) * g.k + kx;
                                dw[wi] += d * x[xi];
                                if (dx)
                                    dx[xi] += d * w[wi];
                            }
                }
        }
}

void ReferenceBackend::maxPoolForward(const PoolGeometry& g, const float* x, float* y, std::int32_t* argmax)
{
    for (std::int64_t plane = 0; plane < g.n * g.c; ++plane)
        for (std::int64_t oy = 0; oy < g.oh; ++oy)
            for (std::int64_t ox = 0; ox < g.ow; ++ox) {
                float best = -std::numeric_limits<float>::infinity();
                std::int32_t where = -1;
                for (std::int64_t ky = 0; ky < g.k; ++ky)
                    for (std::int64_t kx = 0; kx < g.k; ++kx) {
                        const std::int64_t iy = oy * g.stride + ky - g.pad, ix = ox * g.stride + kx - g.pad;
                        if (iy < 0 || iy >= g.h || ix < 0 || ix >= g.w)
                            continue;
                        const float v = x[plane * g.h * g.w + iy * g.w + ix];
                        if (v > best || where < 0) {
                            best = v;
                            where = std::int32_t(iy * g.w + ix);
                        }
                    }
                const std::int64_t o = (plane * g.oh + oy) * g.ow + ox;
                y[o] = best;
                argmax[o] = where;
            }
}

void ReferenceBackend::maxPoolBackward(const PoolGeometry& g, const float* dy, const std::int32_t* argmax, float* dx)
{
    std::fill_n(dx, g.n * g.c * g.h * g.w, 0.0f);
    for (std::int64_t plane = 0; plane < g.n * g.c; ++plane)
        for (std::int64_t o = 0; o < g.oh * g.ow; ++o) {
            const std::int64_t i = plane * g.oh * g.ow + o;
            dx[plane * g.h * g.w + argmax[i]] += dy[i];
        }
}

void ReferenceBackend::avgPoolForward(const PoolGeometry& g, const float* x, float* y)
{
    const float scale = 1.0f / float(g.k * g.k);
    for (std::int64_t plane = 0; plane < g.n * g.c; ++plane)
        for (std::int64_t oy = 0; oy < g.oh; ++oy)
            for (std::int64_t ox = 0; ox < g.ow; ++ox) {
                float sum = 0;
                for (std::int64_t ky = 0; ky < g.k; ++ky)
                    for (std::int64_t kx = 0; kx < g.k; ++kx) {
                        const std::int64_t iy = oy * g.stride + ky - g.pad, ix = ox * g.stride + kx - g.pad;
                        if (iy >= 0 && iy < g.h && ix >= 0 && ix < g.w)
                            sum += x[plane * g.h * g.w + iy * g.w + ix];
                    }
                y[(plane * g.oh + oy) * g.ow + ox] = sum * scale;
            }
}

void ReferenceBackend::avgPoolBackward(const PoolGeometry& g, const float* dy, float* dx)
{
    const float scale = 1.0f / float(g.k * g.k);
    std::fill_n(dx, g.n * g.c * g.h * g.w, 0.0f);
    for (std::int64_t plane = 0; plane < g.n * g.c; ++plane)
        for (std::int64_t oy = 0; oy < g.oh; ++oy)
            for (std::int64_t ox = 0; ox < g.ow; ++ox) {
                const float d = dy[(plane * g.oh + oy) * g.ow + ox] * scale;
                for (std::int64_t ky = 0; ky < g.k; ++ky)
                    for (std::int64_t kx = 0; kx < g.k; ++kx) {
                        const std::int64_t iy = oy * g.stride + ky - g.pad, ix = ox * g.stride + kx - g.pad;
                        if (iy >= 0 && iy < g.h && ix >= 0 && ix < g.w)
                            dx[plane * g.h * g.w + iy * g.w + ix] += d;
                    }
            }
}

} // namespace neurite
