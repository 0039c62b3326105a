#pragma once
// The losses, per row or per element, with the formulas, precisions and reductions of
// engine/train/layers/Losses.cpp. Each loss is the mean over its terms:
//   CrossEntropyLoss   L = (1/n) Σ_rows rowTerm,      dL/dx = (softmax(x) − q) / n
//   MSELoss            L = (1/(n·D)) Σ (x − t)²,      dL/dx = 2 (x − t) / (n·D)
//   BCEWithLogitsLoss  L = (1/(n·D)) Σ term(x, t),    dL/dx = (σ(x) − t) / (n·D)
// Loss values accumulate in double (a kernel sums the terms, then lossMean()); gradients are float.
//   x: the network's output [n × D]; labels: [n] classes; t: a target element (classTarget(), or an
//   element of the model's input for reconstruction).
#include "engine/kernels/HostDevice.h"
#include "engine/kernels/Softmax.h"

#include <cmath>

namespace neurite::kernels {

// The mean of a loss from the sum of its terms: total / count, in double.
NEURITE_HD_INLINE double lossMean(double total, std::int64_t count)
{
    return total / double(count);
}

// The target of element i of a row whose class is `label`: the one-hot vector.
NEURITE_HD_INLINE float classTarget(std::int32_t label, std::int64_t i)
{
    return label == i ? 1.0f : 0.0f;
}

// ---- Cross-entropy with softmax and label smoothing -------------------------------------------
// q = (1 − ε)·onehot(label) + ε/D; the row's term −Σ_c q[c]·log softmax(x)[c]
//   = (1 − ε)·(log Σe^(x−top) − (x[label] − top)) + ε·(log Σe^(x−top) − mean_c (x[c] − top)).

// The loss term of one row (before the mean over rows). x: [d]; 0 ≤ label < d.
NEURITE_HD_INLINE double crossEntropyRowLoss(const float* x, std::int64_t d, std::int32_t label, float smoothing)
{
    const float top = rowMax(x, d);
    double sum = 0, sumLogits = 0;
    for (std::int64_t c = 0; c < d; ++c) {
        sum += exp(double(x[c] - top));
        sumLogits += x[c] - top;
    }
    const double logSum = log(sum);
    const double nllTrue = logSum - (x[label] - top);
    const double nllMean = logSum - sumLogits / double(d);
    return (1.0 - smoothing) * nllTrue + smoothing * nllMean;
}

// dL/dx of one element: (e/Σe − q) · scale, given its shifted exponential e = e^(x − top), the row's
// sum Σe, whether it is the row's class, ε, spread = ε / d and scale = 1 / n (the mean over rows).
NEURITE_HD_INLINE float crossEntropyGradElement(float shiftedExponential, float sum, bool isLabel, float smoothing,
                                                float spread, float scale)
{
    const float q = (isLabel ? 1.0f - smoothing : 0.0f) + spread;
    return (shiftedExponential / sum - q) * scale;
}

// dL/dx of one row, sums in index order, in float. x, dx: [d]; scale = 1 / n.
NEURITE_HD_INLINE void crossEntropyRowGradient(const float* x, float* dx, std::int64_t d, std::int32_t label,
                                               float smoothing, float scale)
{
    const float spread = smoothing / float(d);
    const float top = rowMax(x, d);
    float sum = 0;
    for (std::int64_t c = 0; c < d; ++c)
        sum += (dx[c] = shiftedExp(x[c], top));
    for (std::int64_t c = 0; c < d; ++c)
        dx[c] = crossEntropyGradElement(dx[c], sum, c == label, smoothing, spread, scale);
}

// ---- Mean squared error, per element ------------------------------------------------------------

// (x − t)², the difference taken in float, its square in double.
NEURITE_HD_INLINE double squaredErrorTerm(float x, float t)
{
    const double e = x - t;
    return e * e;
}
// scale = 2 / (n·D).
NEURITE_HD_INLINE float squaredErrorGradScale(std::int64_t count)
{
    return 2.0f / float(count);
}
NEURITE_HD_INLINE float squaredErrorGradElement(float x, float t, float scale)
{
    return scale * (x - t);
}

// ---- Binary cross-entropy with logits, per element ---------------------------------------------
// The numerically stable form: max(x, 0) − x·t + log(1 + e^−|x|), in double.
NEURITE_HD_INLINE double bceWithLogitsTerm(float x, float t)
{
    const double xd = x;
    return (xd < 0.0 ? 0.0 : xd) - xd * t + log1p(exp(-fabs(xd)));
}
// scale = 1 / (n·D).
NEURITE_HD_INLINE float bceWithLogitsGradScale(std::int64_t count)
{
    return 1.0f / float(count);
}
NEURITE_HD_INLINE float bceWithLogitsGradElement(float x, float t, float scale)
{
    return scale * (1.0f / (1.0f + expf(-x)) - t);
}

} // namespace neurite::kernels
