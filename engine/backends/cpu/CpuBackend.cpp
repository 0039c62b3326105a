#include "engine/backends/cpu/CpuBackend.h"

#include "engine/backends/cpu/Im2col.h"
#include "engine/backends/cpu/OpenBlas.h"
#include "engine/backends/reference/ReferenceBackend.h"
#include "engine/core/Error.h"
#include "engine/core/Rng.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

namespace neurite {

CpuBackend::CpuBackend(int threads) : pool_(std::make_unique<ThreadPool>(threads))
{
    startupCheck();
    OpenBlas::instance().setThreads(pool_->threads());
}

std::string CpuBackend::description() const
{
    const auto& blas = OpenBlas::instance();
    return "OpenBLAS " + blas.coreName() + " kernel (" + blas.coretypeSource() + "), " + std::to_string(threads()) +
           " thread(s)";
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

void CpuBackend::gemm(bool transA, bool transB, std::int64_t M, std::int64_t N, std::int64_t K, float alpha,
                      const float* A, std::int64_t lda, const float* B, std::int64_t ldb, float beta, float* C,
                      std::int64_t ldc)
{
    OpenBlas::instance().sgemm(transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}

// Workspace: col [cin·k·k, n·oh·ow] followed by the channel-major output [cout, n·oh·ow].
std::int64_t CpuBackend::convWorkspace(const ConvGeometry& g) const
{
    return (g.cin * g.k * g.k + g.cout) * g.n * g.oh * g.ow;
}

void CpuBackend::convForward(const ConvGeometry& g, const float* x, const float* w, const float* bias, float* y,
                             float* workspace)
{
    const std::int64_t ohw = g.oh * g.ow, columns = g.n * ohw;
    const std::int64_t rowsG = g.cin / g.groups * g.k * g.k, coutG = g.cout / g.groups;
    float* col = workspace;
    float* out = workspace + g.cin * g.k * g.k * columns;  // [cout, n·oh·ow]
    im2col(g, x, col, *pool_);
    for (std::int64_t grp = 0; grp < g.groups; ++grp)
        gemm(false, false, coutG, columns, rowsG, 1.0f, w + grp * coutG * rowsG, rowsG, col + grp * rowsG * columns,
             columns, 0.0f, out + grp * coutG * columns, columns);
    // [cout, n, oh·ow] → [n, cout, oh·ow], adding the bias on the way.
    pool_->parallelFor(g.n * g.cout, [&](std::int64_t begin, std::int64_t end) {
        for (std::int64_t t = begin; t < end; ++t) {
            const std::int64_t n = t / g.cout, co = t % g.cout;
            const float b = bias ? bias[co] : 0.0f;
            const float* src = out + co * columns + n * ohw;
            float* dst = y + t * ohw;
            for (std::int64_t i = 0; i < ohw; ++i)
                dst[i] = src[i] + b;
        }
    });
}

void CpuBackend::convBackward(const ConvGeometry& g, const float* x, const float* w, const float* dy, float* dx,
                              float* dw, float* db, float* workspace)
{
    const std::int64_t ohw = g.oh * g.ow, columns = g.n * ohw;
    const std::int64_t rowsG = g.cin / g.groups * g.k * g.k, coutG = g.cout / g.groups;
    float* col = workspace;
    float* dout = workspace + g.cin * g.k * g.k * columns;  // dy as [cout, n·oh·ow]
    pool_->parallelFor(g.cout, [&](std::int64_t begin, std::int64_t end) {
        for (std::int64_t co = begin; co < end; ++co) {
            double sum = 0;
            for (std::int64_t n = 0; n < g.n; ++n) {
                const float* src = dy + (n * g.cout + co) * ohw;
                std::copy_n(src, ohw, dout + co * columns + n * ohw);
                float s = 0;
                for (std::int64_t i = 0; i < ohw; ++i)
                    s += src[i];
                sum += s;
            }
            if (db)
                db[co] = float(sum);
        }
    });
    im2col(g, x, col, *pool_);
    for (std::int64_t grp = 0; grp < g.groups; ++grp)  // dW_g = dY_g · col_gᵀ
        gemm(false, true, coutG, rowsG, columns, 1.0f, dout + grp * coutG * columns, columns,
             col + grp * rowsG * columns, columns, 0.0f, dw + grp * coutG * rowsG, rowsG);
    if (!dx)
        return;
    for (std::int64_t grp = 0; grp < g.groups; ++grp)  // dcol_g = W_gᵀ · dY_g (into col, no longer needed)
        gemm(true, false, rowsG, columns, coutG, 1.0f, w + grp * coutG * rowsG, rowsG, dout + grp * coutG * columns,
             columns, 0.0f, col + grp * rowsG * columns, columns);
    col2im(g, col, dx, *pool_);
}

void CpuBackend::maxPoolForward(const PoolGeometry& g, const float* x, float* y, std::int32_t* argmax)
{
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
