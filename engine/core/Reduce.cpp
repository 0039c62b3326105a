#include "engine/core/Reduce.h"

#include "engine/core/Simd.h"

namespace neurite {

NEURITE_SIMD_CLONES
float sum(const float* x, std::int64_t n)
{
    float lanes[16] = {};
    std::int64_t i = 0;
    for (; i + 16 <= n; i += 16)
        for (int l = 0; l < 16; ++l)
            lanes[l] += x[i + l];
    float total = 0;
    for (; i < n; ++i)
        total += x[i];
    for (float l : lanes)
        total += l;
    return total;
}

NEURITE_SIMD_CLONES
double sumOfSquares(const float* x, std::int64_t n)
{
    float lanes[16] = {};
    std::int64_t i = 0;
    for (; i + 16 <= n; i += 16)
        for (int l = 0; l < 16; ++l)
            lanes[l] += x[i + l] * x[i + l];
    double total = 0;
    for (; i < n; ++i)
        total += double(x[i]) * x[i];
    for (float l : lanes)
        total += l;
    return total;
}

} // namespace neurite
