#pragma once
// Row-wise softmax of x: [n × D], one row at a time (the formulas of the Softmax layer in
// engine/train/layers/Structural.cpp):
//   forward   y[c] = e^(x[c] − max x) / Σ_k e^(x[k] − max x)
//   backward  dx[c] = y[c] · (dy[c] − ⟨dy, y⟩)
// The row functions run the sums in index order, in float, as the engine does; a GPU kernel that
// reduces a row in a block calls the element functions with its own sums.
#include "engine/kernels/HostDevice.h"

#include <cmath>

namespace neurite::kernels {

// The largest value of a row (the first one, compared with <, as std::max_element). x: [d], d ≥ 1.
NEURITE_HD_INLINE float rowMax(const float* x, std::int64_t d)
{
    float top = x[0];
    for (std::int64_t c = 1; c < d; ++c)
        if (top < x[c])
            top = x[c];
    return top;
}

// The index of that value: the predicted class of a row of scores. x: [d], d ≥ 1.
NEURITE_HD_INLINE std::int64_t rowArgMax(const float* x, std::int64_t d)
{
    std::int64_t best = 0;
    for (std::int64_t c = 1; c < d; ++c)
        if (x[best] < x[c])
            best = c;
    return best;
}

// e^(x − top): one shifted exponential (the terms of the normaliser).
NEURITE_HD_INLINE float shiftedExp(float x, float top)
{
    return expf(x - top);
}

// y = e / Σe for one element, from its shifted exponential and the row's sum.
NEURITE_HD_INLINE float softmaxFromExp(float shiftedExponential, float sum)
{
    return shiftedExponential / sum;
}

// dx = y · (dy − ⟨dy, y⟩) for one element, given the row's dot product.
NEURITE_HD_INLINE float softmaxBackwardElement(float y, float dy, float dotDyY)
{
    return y * (dy - dotDyY);
}

// Softmax of one row. x, y: [d].
NEURITE_HD_INLINE void softmaxForwardRow(const float* x, float* y, std::int64_t d)
{
    const float top = rowMax(x, d);
    float sum = 0;
    for (std::int64_t c = 0; c < d; ++c)
        sum += (y[c] = shiftedExp(x[c], top));
    for (std::int64_t c = 0; c < d; ++c)
        y[c] = softmaxFromExp(y[c], sum);
}

// ⟨dy, y⟩ of one row, in index order. y, dy: [d].
NEURITE_HD_INLINE float rowDot(const float* dy, const float* y, std::int64_t d)
{
    float dot = 0;
    for (std::int64_t c = 0; c < d; ++c)
        dot += dy[c] * y[c];
    return dot;
}

// The backward pass of one row. y (the forward output), dy, dx: [d].
NEURITE_HD_INLINE void softmaxBackwardRow(const float* y, const float* dy, float* dx, std::int64_t d)
{
    const float dot = rowDot(dy, y, d);
    for (std::int64_t c = 0; c < d; ++c)
        dx[c] = softmaxBackwardElement(y[c], dy[c], dot);
}

} // namespace neurite::kernels
