#include "engine/backends/cpu/CpuBackend.h"

#include <cstdlib>

#include "engine/backends/cpu/Im2col.h"
#include "engine/backends/cpu/MaxPool2x2.h"
#include "engine/backends/cpu/OpenBlas.h"
#include "engine/backends/reference/ReferenceBackend.h"
#include "engine/core/Error.h"
#include "engine/core/Rng.h"
#include "engine/core/Simd.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

namespace neurite {

CpuBackend::CpuBackend(int threads) : pool_(std::make_unique<ThreadPool>(threads))
{
    startupCheck();
    // One set of threads: ours. OpenBLAS runs single-threaded inside each of our chunks, so its
    // spinning workers never compete with our loops for the cores.
    OpenBlas::instance().setThreads(1);
    const char* oneDnn = std::getenv("NEURITE_ONEDNN");
    oneDnnAllowed_ = !(oneDnn && std::string(oneDnn) == "0");
}

std::string CpuBackend::description() const
{
    const auto& blas = OpenBlas::instance();
    return "OpenBLAS " + blas.coreName() + " kernel (" + blas.coretypeSource() + "), single-threaded inside " +
           std::to_string(threads()) + " Neurite thread(s); oneDNN for convolutions of 16+ channels: " +
           (oneDnnAllowed_ ? oneDnnModuleStatus() : std::string("off (NEURITE_ONEDNN=0)"));
}

const CpuBackend::StartupCheck& CpuBackend::startupCheck()
{
    static const StartupCheck check = [] {
        auto& blas = OpenBlas::instance();
        ReferenceBackend reference;
        Rng rng(42);
        StartupCheck result{blas.coreName(), 0.0};
        // Odd sizes reach the kernels' edge cases; both transposes reach the packing routines.
        struct Case { std::int64_t m, n, k; bool ta, tb; };
        for (const Case c : {Case{67, 45, 129, false, false}, Case{33, 70, 64, true, false}, Case{128, 17, 300, false, true}}) {
            std::vector<float> a(c.m * c.k), b(c.k * c.n), got(c.m * c.n), want(c.m * c.n);
            for (auto& v : a) v = rng.uniform(-1, 1);
            for (auto& v : b) v = rng.uniform(-1, 1);
            const auto lda = c.ta ? c.m : c.k, ldb = c.tb ? c.k : c.n;
            blas.sgemm(c.ta, c.tb, c.m, c.n, c.k, 1.0f, a.data(), lda, b.data(), ldb, 0.0f, got.data(), c.n);
            reference.gemm(c.ta, c.tb, c.m, c.n, c.k, 1.0f, a.data(), lda, b.data(), ldb, 0.0f, want.data(), c.n);
            for (std::size_t i = 0; i < got.size(); ++i)
                result.maxRelativeError = std::max(result.maxRelativeError,
                                                   double(std::abs(got[i] - want[i])) / (1.0 + std::abs(want[i])));
        }
        if (!(result.maxRelativeError < 1e-4))
            throw Error("OpenBLAS kernel " + result.kernel + " disagrees with the reference backend (relative error " +
                        std::to_string(result.maxRelativeError) + "); set OPENBLAS_CORETYPE to another kernel");
        return result;
    }();
    return check;
}

// Splits C into blocks of columns (or of rows, when it is taller than wide), one per thread; each
// block is an independent single-threaded SGEMM, so the result does not depend on timing.
void CpuBackend::gemm(bool transA, bool transB, std::int64_t M, std::int64_t N, std::int64_t K, float alpha,
                      const float* A, std::int64_t lda, const float* B, std::int64_t ldb, float beta, float* C,
                      std::int64_t ldc)
{
    const auto& blas = OpenBlas::instance();
    constexpr std::int64_t kMinWork = 1 << 18;  // below this many multiply-adds, threads cost more than they save
    if (threads() == 1 || M * N * K < kMinWork) {
        blas.sgemm(transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
        return;
    }
    if (N >= M) {
        constexpr std::int64_t kAlign = 16;  // whole vector registers per block
        pool_->parallelFor((N + kAlign - 1) / kAlign, [&](std::int64_t begin, std::int64_t end) {
            const std::int64_t n0 = begin * kAlign, n1 = std::min(N, end * kAlign);
            const float* b = transB ? B + n0 * ldb : B + n0;
            blas.sgemm(transA, transB, M, n1 - n0, K, alpha, A, lda, b, ldb, beta, C + n0, ldc);
        });
    } else {
        pool_->parallelFor(M, [&](std::int64_t m0, std::int64_t m1) {
            const float* a = transA ? A + m0 : A + m0 * lda;
            blas.sgemm(transA, transB, m1 - m0, N, K, alpha, a, lda, B, ldb, beta, C + m0 * ldc, ldc);
        }, 8);
    }
}

// The common case: 2×2 windows, stride 2, no padding. Rows are short (14 or 28 floats), so the
// plane is done in two flat passes that vectorise: the larger of each vertical pair (with the
// in-plane index it came from), then the larger of each horizontal pair of those.
NEURITE_SIMD_CLONES
void maxPool2x2(const PoolGeometry& g, const float* in, float* out, std::int32_t* arg)
{
    float vmax[kMaxPool2x2Plane / 2];
    std::int32_t vidx[kMaxPool2x2Plane / 2];
    for (std::int64_t q = 0; q < g.oh; ++q) {
        const float* r0 = in + 2 * q * g.w;
        const float* r1 = r0 + g.w;
        for (std::int64_t x = 0; x < g.w; ++x) {
            const bool lower = r1[x] > r0[x];
            vmax[q * g.w + x] = lower ? r1[x] : r0[x];
            vidx[q * g.w + x] = std::int32_t((2 * q + lower) * g.w + x);
        }
    }
    for (std::int64_t j = 0; j < g.oh * g.ow; ++j) {
        const bool right = vmax[2 * j + 1] > vmax[2 * j];
        out[j] = right ? vmax[2 * j + 1] : vmax[2 * j];
        arg[j] = right ? vidx[2 * j + 1] : vidx[2 * j];
    }
}

void CpuBackend::maxPoolForward(const PoolGeometry& g, const float* x, float* y, std::int32_t* argmax)
{
    if (g.k == 2 && g.stride == 2 && g.pad == 0 && g.w % 2 == 0 && g.h % 2 == 0 && g.h * g.w <= kMaxPool2x2Plane) {
        pool_->parallelFor(g.n * g.c, [&](std::int64_t begin, std::int64_t end) {
            for (std::int64_t plane = begin; plane < end; ++plane)
                maxPool2x2(g, x + plane * g.h * g.w, y + plane * g.oh * g.ow, argmax + plane * g.oh * g.ow);
        });
        return;
    }
    pool_->parallelFor(g.n * g.c, [&](std::int64_t begin, std::int64_t end) {
        for (std::int64_t plane = begin; plane < end; ++plane) {
            const float* in = x + plane * g.h * g.w;
            for (std::int64_t oy = 0; oy < g.oh; ++oy)
                for (std::int64_t ox = 0; ox < g.ow; ++ox) {
                    float best = -std::numeric_limits<float>::infinity();
                    std::int32_t where = -1;
                    const std::int64_t y0 = oy * g.stride - g.pad, x0 = ox * g.stride - g.pad;
                    for (std::int64_t iy = std::max<std::int64_t>(y0, 0); iy < std::min(y0 + g.k, g.h); ++iy)
                        for (std::int64_t ix = std::max<std::int64_t>(x0, 0); ix < std::min(x0 + g.k, g.w); ++ix) {
                            const float v = in[iy * g.w + ix];
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
    });
}

void CpuBackend::maxPoolBackward(const PoolGeometry& g, const float* dy, const std::int32_t* argmax, float* dx)
{
    pool_->parallelFor(g.n * g.c, [&](std::int64_t begin, std::int64_t end) {
        for (std::int64_t plane = begin; plane < end; ++plane) {
            float* out = dx + plane * g.h * g.w;
            std::fill_n(out, g.h * g.w, 0.0f);
            const std::int64_t base = plane * g.oh * g.ow;
            for (std::int64_t o = 0; o < g.oh * g.ow; ++o)
                out[argmax[base + o]] += dy[base + o];
        }
    });
}

void CpuBackend::avgPoolForward(const PoolGeometry& g, const float* x, float* y)
{
    const float scale = 1.0f / float(g.k * g.k);
    pool_->parallelFor(g.n * g.c, [&](std::int64_t begin, std::int64_t end) {
        for (std::int64_t plane = begin; plane < end; ++plane) {
            const float* in = x + plane * g.h * g.w;
            for (std::int64_t oy = 0; oy < g.oh; ++oy)
                for (std::int64_t ox = 0; ox < g.ow; ++ox) {
                    const std::int64_t y0 = oy * g.stride - g.pad, x0 = ox * g.stride - g.pad;
                    float sum = 0;
                    for (std::int64_t iy = std::max<std::int64_t>(y0, 0); iy < std::min(y0 + g.k, g.h); ++iy)
                        for (std::int64_t ix = std::max<std::int64_t>(x0, 0); ix < std::min(x0 + g.k, g.w); ++ix)
                            sum += in[iy * g.w + ix];
                    y[(plane * g.oh + oy) * g.ow + ox] = sum * scale;
                }
        }
    });
}

void CpuBackend::avgPoolBackward(const PoolGeometry& g, const float* dy, float* dx)
{
    const float scale = 1.0f / float(g.k * g.k);
    pool_->parallelFor(g.n * g.c, [&](std::int64_t begin, std::int64_t end) {
        for (std::int64_t plane = begin; plane < end; ++plane) {
            float* out = dx + plane * g.h * g.w;
            std::fill_n(out, g.h * g.w, 0.0f);
            for (std::int64_t oy = 0; oy < g.oh; ++oy)
                for (std::int64_t ox = 0; ox < g.ow; ++ox) {
                    const float d = dy[(plane * g.oh + oy) * g.ow + ox] * scale;
                    const std::int64_t y0 = oy * g.stride - g.pad, x0 = ox * g.stride - g.pad;
                    for (std::int64_t iy = std::max<std::int64_t>(y0, 0); iy < std::min(y0 + g.k, g.h); ++iy)
                        for (std::int64_t ix = std::max<std::int64_t>(x0, 0); ix < std::min(x0 + g.k, g.w); ++ix)
                            out[iy * g.w + ix] += d;
                }
        }
    });
}

} // namespace neurite
