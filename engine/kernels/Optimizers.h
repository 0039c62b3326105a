#pragma once
// The optimisers' update of one element of a learned tensor, PyTorch's rules (torch.optim 1.13) as in
// engine/train/Optimizer.cpp. What depends on the step number (Adam's bias corrections) is computed
// once per step on the host (adamStepConstants) and passed in, so that one multi-tensor kernel
// can update every parameter of the model with the same constants.
//   w: the weight, g: its gradient, state: the optimiser's buffers of that element (all the same
//   shape as w, zero before the first step).
#include "engine/kernels/HostDevice.h"

#include <cmath>

namespace neurite::kernels {

// ---- SGD: d = g + λ·w; with momentum μ: b ← μ·b + d (b = d on the first step), then d = b, or
// d + μ·b with Nesterov; w ← w − lr·d.
struct SgdSettings {
    float lr, weightDecay, momentum;
    bool nesterov;
    bool firstStep;  // the first step copies d into the momentum buffer
};
NEURITE_HD_INLINE void sgdUpdate(float& w, float g, float& momentumBuffer, const SgdSettings& s)
{
    float d = g + s.weightDecay * w;
    if (s.momentum != 0.0f) {
        momentumBuffer = s.firstStep ? d : s.momentum * momentumBuffer + d;
        d = s.nesterov ? d + s.momentum * momentumBuffer : momentumBuffer;
    }
    w -= s.lr * d;
}

// ---- Adam and AdamW: d = g + λ·w (Adam's L2; 0 for AdamW); m ← β1·m + (1 − β1)·d;
// v ← β2·v + (1 − β2)·d²; w ← w·shrink − stepSize·m / (√v / √(1 − β2ᵗ) + ε), where
// stepSize = lr / (1 − β1ᵗ) and shrink = 1 − lr·λ (AdamW's decoupled decay; 1 for Adam).
struct AdamSettings {
    float beta1, beta2, eps;
    float stepSize;         // lr / (1 − β1ᵗ)
    float sqrtCorrection2;  // √(1 − β2ᵗ)
    float l2;               // λ for Adam, 0 for AdamW
    float shrink;           // 1 − lr·λ for AdamW, 1 for Adam
};

// The constants of step t (t ≥ 1, counting this one), from the settings in double as the engine
// keeps them. Host or device; a kernel usually gets them ready-made.
NEURITE_HD_INLINE AdamSettings adamStepConstants(double lr, double beta1, double beta2, double eps,
                                                 double weightDecay, bool decoupled, std::int64_t t)
{
    const double correction1 = 1.0 - pow(beta1, double(t));
    const float sqrtCorrection2 = float(sqrt(1.0 - pow(beta2, double(t))));
    return {float(beta1),
            float(beta2),
            float(eps),
            float(lr / correction1),
            sqrtCorrection2,
            decoupled ? 0.0f : float(weightDecay),
            decoupled ? float(1.0 - lr * weightDecay) : 1.0f};
}

NEURITE_HD_INLINE void adamUpdate(float& w, float g, float& m, float& v, const AdamSettings& s)
{
    const float d = g + s.l2 * w;
    m = s.beta1 * m + (1.0f - s.beta1) * d;
    v = s.beta2 * v + (1.0f - s.beta2) * d * d;
    w = w * s.shrink - s.stepSize * m / (sqrtf(v) / s.sqrtCorrection2 + s.eps);
}

// ---- RMSprop: d = g + λ·w; sq ← α·sq + (1 − α)·d²; step = d / (√sq + ε); with momentum μ:
// b ← μ·b + step, w ← w − lr·b; else w ← w − lr·step.
struct RmspropSettings {
    float lr, alpha, eps, weightDecay, momentum;
};
NEURITE_HD_INLINE void rmspropUpdate(float& w, float g, float& squareAverage, float& momentumBuffer,
                                     const RmspropSettings& s)
{
    const float d = g + s.weightDecay * w;
    squareAverage = s.alpha * squareAverage + (1.0f - s.alpha) * d * d;
    const float step = d / (sqrtf(squareAverage) + s.eps);
    if (s.momentum != 0.0f) {
        momentumBuffer = s.momentum * momentumBuffer + step;
        w -= s.lr * momentumBuffer;
    } else {
        w -= s.lr * step;
    }
}

// ---- Gradient clipping: g ← g · factor (factor from clipScale in Reductions.h).
NEURITE_HD_INLINE float scaleElement(float g, float factor)
{
    return g * factor;
}

} // namespace neurite::kernels
