#include "engine/backends/cpu/Im2col.h"

#include "engine/core/Simd.h"

#include <algorithm>

namespace neurite {

namespace {

// Output columns [lo, hi) of a row read inside the image for a tap at offset `shift`
// (ix = ox·stride + shift); the others read padding.
struct Span {
    std::int64_t lo, hi;
};

Span inside(const ConvGeometry& g, std::int64_t shift)
{
    const std::int64_t lo = std::min(g.ow, shift >= 0 ? 0 : (-shift + g.stride - 1) / g.stride);
    const std::int64_t hi = std::max(lo, std::min(g.ow, (g.w - shift + g.stride - 1) / g.stride));
    return {lo, hi};
}

} // namespace

NEURITE_SIMD_CLONES
void im2col(const ConvGeometry& g, const float* image, float* col)
{
    const std::int64_t kk = g.k * g.k, ohw = g.oh * g.ow;
    for (std::int64_t row = 0; row < g.cin * kk; ++row) {
        const std::int64_t ci = row / kk, ky = (row % kk) / g.k, kx = row % g.k;
        const float* plane = image + ci * g.h * g.w;
        float* out = col + row * ohw;
        const std::int64_t shift = kx * g.dilation - g.pad;
        const Span s = inside(g, shift);
        for (std::int64_t oy = 0; oy < g.oh; ++oy) {
            const std::int64_t iy = oy * g.stride + ky * g.dilation - g.pad;
            float* line = out + oy * g.ow;
            if (iy < 0 || iy >= g.h) {
                for (std::int64_t ox = 0; ox < g.ow; ++ox)
                    line[ox] = 0.0f;
                continue;
            }
            // Plain loops, not std::copy/fill: rows are short (often under 32 floats), and the
            // calls to memmove and memset would cost more than the copying.
            const float* src = plane + iy * g.w;
            for (std::int64_t ox = 0; ox < s.lo; ++ox)
                line[ox] = 0.0f;
            if (g.stride == 1)
                for (std::int64_t ox = s.lo; ox < s.hi; ++ox)
                    line[ox] = src[ox + shift];
            else
                for (std::int64_t ox = s.lo; ox < s.hi; ++ox)
                    line[ox] = src[ox * g.stride + shift];
            for (std::int64_t ox = s.hi; ox < g.ow; ++ox)
                line[ox] = 0.0f;
        }
    }
}

NEURITE_SIMD_CLONES
void col2im(const ConvGeometry& g, const float* col, float* dImage)
{
    const std::int64_t kk = g.k * g.k, ohw = g.oh * g.ow;
    std::fill_n(dImage, g.cin * g.h * g.w, 0.0f);
    for (std::int64_t row = 0; row < g.cin * kk; ++row) {
        const std::int64_t ci = row / kk, ky = (row % kk) / g.k, kx = row % g.k;
        float* plane = dImage + ci * g.h * g.w;
        const float* in = col + row * ohw;
        const std::int64_t shift = kx * g.dilation - g.pad;
        const Span s = inside(g, shift);
        for (std::int64_t oy = 0; oy < g.oh; ++oy) {
            const std::int64_t iy = oy * g.stride + ky * g.dilation - g.pad;
            if (iy < 0 || iy >= g.h)
                continue;
            float* dst = plane + iy * g.w;
            const float* line = in + oy * g.ow;
            for (std::int64_t ox = s.lo; ox < s.hi; ++ox)
                dst[ox * g.stride + shift] += line[ox];
        }
    }
}

} // namespace neurite
