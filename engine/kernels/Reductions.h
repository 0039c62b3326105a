#pragma once
// Reductions of the training step: the gradient norm and its clipping, the non-finite check, and
// the classification metrics of one row (top-k hit, confusion-matrix cell), as in
// engine/train/Optimizer.cpp (clipGradientNorm), engine/train/Plan.cpp (firstNonFinite),
// engine/train/Metrics.cpp (countTopK) and engine/train/Trainer.cpp (evaluate).
#include "engine/kernels/HostDevice.h"
#include "engine/kernels/Softmax.h"

#include <cmath>

namespace neurite::kernels {

// ---- Gradient norm and clipping ---------------------------------------------------------------
// ‖g‖ = √(Σ over all learned tensors of Σ g²). Chunks add their partial sums in double; the
// engine's CPU path sums 16 float lanes first, so the two agree to float rounding, not bitwise.

// Σ g[i]² over a chunk [begin, end) of one gradient, in double. g: [any].
NEURITE_HD_INLINE double sumOfSquaresChunk(const float* g, std::int64_t begin, std::int64_t end)
{
    double sum = 0;
    for (std::int64_t i = begin; i < end; ++i)
        sum += double(g[i]) * g[i];
    return sum;
}

// The factor that brings the norm down to maxNorm: maxNorm / (norm + 1e-6) when maxNorm > 0 and
// norm > maxNorm (the 1e-6 as in torch.nn.utils.clip_grad_norm_), else 1 (nothing to do).
NEURITE_HD_INLINE float clipScale(double norm, double maxNorm)
{
    return maxNorm > 0 && norm > maxNorm ? float(maxNorm / (norm + 1e-6)) : 1.0f;
}

// Whether clipScale() asks for any change (a kernel can skip the scaling pass otherwise).
NEURITE_HD_INLINE bool clipNeeded(double norm, double maxNorm)
{
    return maxNorm > 0 && norm > maxNorm;
}

// ---- Non-finite check -------------------------------------------------------------------------

// Whether v is neither infinite nor NaN (a NaN fails every comparison; ∞ exceeds the largest float).
NEURITE_HD_INLINE bool isFiniteValue(float v)
{
    return fabsf(v) <= 3.40282347e+38f;
}

// Whether every element of a chunk [begin, end) is finite. x: [any].
NEURITE_HD_INLINE bool allFiniteChunk(const float* x, std::int64_t begin, std::int64_t end)
{
    for (std::int64_t i = begin; i < end; ++i)
        if (!isFiniteValue(x[i]))
            return false;
    return true;
}

// ---- Classification metrics, one row of scores: [classes] ------------------------------------

// Whether the row's true class is among its k highest scores. Its rank is the number of classes
// that score higher, ties going to the lower index; a hit when the rank is below k.
NEURITE_HD_INLINE bool topKHit(const float* scores, std::int64_t classes, std::int32_t label, int k)
{
    const float truth = scores[label];
    int above = 0;
    for (std::int64_t c = 0; c < classes; ++c)
        above += scores[c] > truth || (scores[c] == truth && c < label);
    return above < k;
}

// The cell of the confusion matrix [true class × predicted class] that this row counts in: the
// predicted class is the first highest score (rowArgMax).
NEURITE_HD_INLINE std::int64_t confusionCell(const float* scores, std::int64_t classes, std::int32_t label)
{
    return std::int64_t(label) * classes + rowArgMax(scores, classes);
}

} // namespace neurite::kernels
