#pragma once
// The activations, one element at a time: forward y = f(x) and backward dx = dy · f'(x, y), where
// f' reads whichever of x and y = f(x) is cheaper. The formulas (and the order of their operations,
// which fixes the rounding) are those of engine/train/layers/Elementwise.cpp.
//   x, y, dy, dx: one element of [n × features] tensors of the same shape.
#include "engine/kernels/HostDevice.h"

#include <cmath>

namespace neurite::kernels {

// ReLU: y = max(0, x); NaN passes through, as in PyTorch. Its backward reads only y.
NEURITE_HD_INLINE float reluForward(float x)
{
    return x < 0.0f ? 0.0f : x;
}
NEURITE_HD_INLINE float reluBackward(float y, float dy)
{
    return y > 0.0f ? dy : 0.0f;
}

// LeakyReLU: y = x for x > 0, else slope · x.
NEURITE_HD_INLINE float leakyReluForward(float x, float slope)
{
    return x > 0 ? x : slope * x;
}
NEURITE_HD_INLINE float leakyReluBackward(float x, float dy, float slope)
{
    return dy * (x > 0 ? 1.0f : slope);
}

// ELU: y = x for x > 0, else α · (eˣ − 1); for x ≤ 0, f'(x) = α·eˣ = y + α.
NEURITE_HD_INLINE float eluForward(float x, float alpha)
{
    return x > 0 ? x : alpha * expm1f(x);
}
NEURITE_HD_INLINE float eluBackward(float x, float y, float dy, float alpha)
{
    return dy * (x > 0 ? 1.0f : y + alpha);
}

// GELU, the exact form (PyTorch's default): y = x · Φ(x) = ½ · x · (1 + erf(x / √2));
// f'(x) = Φ(x) + x · φ(x), φ(x) = e^(−x²/2) / √(2π).
inline constexpr float kInvSqrt2 = 0.70710678f;
inline constexpr float kInvSqrt2Pi = 0.39894228f;
NEURITE_HD_INLINE float geluForward(float x)
{
    return 0.5f * x * (1.0f + erff(x * kInvSqrt2));
}
NEURITE_HD_INLINE float geluBackward(float x, float dy)
{
    return dy * (0.5f * (1.0f + erff(x * kInvSqrt2)) + x * kInvSqrt2Pi * expf(-0.5f * x * x));
}

// SiLU (swish): y = x · σ(x); f'(x) = σ(x) · (1 + x · (1 − σ(x))).
NEURITE_HD_INLINE float siluForward(float x)
{
    return x / (1.0f + expf(-x));
}
NEURITE_HD_INLINE float siluBackward(float x, float dy)
{
    const float s = 1.0f / (1.0f + expf(-x));
    return dy * (s * (1.0f + x * (1.0f - s)));
}

// Sigmoid: y = σ(x) = 1 / (1 + e⁻ˣ); f' = y · (1 − y).
NEURITE_HD_INLINE float sigmoidForward(float x)
{
    return 1.0f / (1.0f + expf(-x));
}
NEURITE_HD_INLINE float sigmoidBackward(float y, float dy)
{
    return dy * (y * (1.0f - y));
}

// Tanh: y = tanh(x); f' = 1 − y².
NEURITE_HD_INLINE float tanhForward(float x)
{
    return tanhf(x);
}
NEURITE_HD_INLINE float tanhBackward(float y, float dy)
{
    return dy * (1.0f - y * y);
}

} // namespace neurite::kernels
