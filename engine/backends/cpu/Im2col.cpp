#include "engine/backends/cpu/Im2col.h"

#include <algorithm>

namespace neurite {

void im2col(const ConvGeometry& g, const float* x, float* col, ThreadPool& pool)
{
    const std::int64_t kk = g.k * g.k, ohw = g.oh * g.ow, columns = g.n * ohw;
    // One task per (row, image): each writes its own oh·ow stretch of the column matrix.
    pool.parallelFor(g.cin * kk * g.n, [&](std::int64_t begin, std::int64_t end) {
        for (std::int64_t task = begin; task < end; ++task) {
            const std::int64_t row = task / g.n, n = task % g.n;
            const std::int64_t ci = row / kk, ky = (row % kk) / g.k, kx = row % g.k;
            const float* plane = x + (n * g.cin + ci) * g.h * g.w;
            float* out = col + row * columns + n * ohw;
            for (std::int64_t oy = 0; oy < g.oh; ++oy) {
                const std::int64_t iy = oy * g.stride + ky * g.dilation - g.pad;
                float* line = out + oy * g.ow;
                if (iy < 0 || iy >= g.h) {
                    std::fill_n(line, g.ow, 0.0f);
                    continue;
                }
                const float* src = plane + iy * g.w;
                for (std::int64_t ox = 0; ox < g.ow; ++ox) {
                    const std::int64_t ix = ox * g.stride + kx * g.dilation - g.pad;
                    line[ox] = (ix >= 0 && ix < g.w) ? src[ix] : 0.0f;
                }
            }
        }
    }, 4);
}

void col2im(const ConvGeometry& g, const float* col, float* dx, ThreadPool& pool)
{
    const std::int64_t kk = g.k * g.k, ohw = g.oh * g.ow, columns = g.n * ohw;
    // One task per input plane (image, channel): the k·k rows that read it add into it, in a fixed order.
    pool.parallelFor(g.n * g.cin, [&](std::int64_t begin, std::int64_t end) {
        for (std::int64_t task = begin; task < end; ++task) {
            const std::int64_t n = task / g.cin, ci = task % g.cin;
            float* plane = dx + (n * g.cin + ci) * g.h * g.w;
            std::fill_n(plane, g.h * g.w, 0.0f);
            for (std::int64_t r = 0; r < kk; ++r) {
                const std::int64_t ky = r / g.k, kx = r % g.k;
                const float* in = col + (ci * kk + r) * columns + n * ohw;
                for (std::int64_t oy = 0; oy < g.oh; ++oy) {
                    const std::int64_t iy = oy * g.stride + ky * g.dilation - g.pad;
                    if (iy < 0 || iy >= g.h)
                        continue;
                    for (std::int64_t ox = 0; ox < g.ow; ++ox) {
                        const std::int64_t ix = ox * g.stride + kx * g.dilation - g.pad;
                        if (ix >= 0 && ix < g.w)
                            plane[iy * g.w + ix] += in[oy * g.ow + ox];
                    }
                }
            }
        }
    });
}

} // namespace neurite
