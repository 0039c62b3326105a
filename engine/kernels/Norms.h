#pragma once
// Batch norm (per channel, over the batch and positions) and layer norm (per row), with PyTorch's
// semantics as in engine/train/layers/Normalisation.cpp: the biased variance normalises, the
// unbiased one enters the running estimate. The precisions are the engine's: channel sums in
// double, the normalisation in float.
//
// Batch norm sees x as [n, C, S] (S = 1 for BatchNorm1d, H·W for BatchNorm2d); channel c holds the
// m = n·S elements x[(b·C + c)·S + i]. The channel functions take a range [begin, end) of those m
// elements, so that a GPU block may split a channel into chunks and add the partial sums; the host
// calls them on [0, m) and gets the engine's exact order.
#include "engine/kernels/HostDevice.h"

#include <cmath>

namespace neurite::kernels {

// ---- Batch norm ---------------------------------------------------------------------------------

// The flat index in x: [n, C, S] of element j (0 ≤ j < n·S) of channel c.
NEURITE_HD_INLINE std::int64_t channelElementIndex(std::int64_t j, std::int64_t c, std::int64_t channels,
                                                   std::int64_t positions)
{
    return (j / positions * channels + c) * positions + j % positions;
}

// Σ x over elements [begin, end) of channel c, in double. x: [n, C, S].
NEURITE_HD_INLINE double batchNormChannelSum(const float* x, std::int64_t c, std::int64_t channels,
                                             std::int64_t positions, std::int64_t begin, std::int64_t end)
{
    double sum = 0;
    for (std::int64_t j = begin; j < end; ++j)
        sum += x[channelElementIndex(j, c, channels, positions)];
    return sum;
}

// Σ (x − mean)² over elements [begin, end) of channel c (the difference in float, its square and
// the sum in double). x: [n, C, S].
NEURITE_HD_INLINE double batchNormChannelCentredSquares(const float* x, std::int64_t c, std::int64_t channels,
                                                        std::int64_t positions, std::int64_t begin, std::int64_t end,
                                                        float mean)
{
    double sq = 0;
    for (std::int64_t j = begin; j < end; ++j) {
        const float v = x[channelElementIndex(j, c, channels, positions)];
        sq += double(v - mean) * (v - mean);
    }
    return sq;
}

// The batch mean of a channel from its sum over m elements.
NEURITE_HD_INLINE float batchNormMean(double sum, std::int64_t m)
{
    return float(sum / double(m));
}

// A channel's statistics from its centred sum of squares over m elements.
struct BatchNormVariance {
    float invstd;     // 1 / √(σ²_biased + ε)
    double unbiased;  // σ² · m / (m − 1) (σ² itself when m = 1), for the running estimate
};
NEURITE_HD_INLINE BatchNormVariance batchNormVariance(double centredSquares, std::int64_t m, float eps)
{
    const double var = centredSquares / double(m);
    return {float(1.0 / sqrt(var + eps)), m > 1 ? var * double(m) / double(m - 1) : var};
}

// The running statistics after a training step: r ← (1 − momentum)·r + momentum·batch value.
NEURITE_HD_INLINE float batchNormRunningMean(float runningMean, float mean, float momentum)
{
    return (1 - momentum) * runningMean + momentum * mean;
}
NEURITE_HD_INLINE float batchNormRunningVar(float runningVar, double unbiased, float momentum)
{
    return float((1 - momentum) * runningVar + momentum * unbiased);
}

// Evaluation: 1 / √(running σ² + ε), in float.
NEURITE_HD_INLINE float batchNormEvalInvstd(float runningVar, float eps)
{
    return 1.0f / sqrtf(runningVar + eps);
}

// y = x·scale + shift with scale = γ·invstd and shift = β − mean·scale (one pair per channel).
struct ChannelAffine {
    float scale, shift;
};
NEURITE_HD_INLINE ChannelAffine batchNormAffine(float gamma, float beta, float mean, float invstd)
{
    const float scale = gamma * invstd;
    return {scale, beta - mean * scale};
}
NEURITE_HD_INLINE float batchNormApply(float x, ChannelAffine a)
{
    return x * a.scale + a.shift;
}

// Backward, per channel: dβ = Σ dy and dγ = Σ dy·x̂ (x̂ = (x − mean)·invstd) over elements
// [begin, end), in double. x, dy: [n, C, S].
struct BatchNormParamGrads {
    double dbeta, dgamma;
};
NEURITE_HD_INLINE BatchNormParamGrads batchNormChannelParamGrads(const float* x, const float* dy, std::int64_t c,
                                                                 std::int64_t channels, std::int64_t positions,
                                                                 std::int64_t begin, std::int64_t end, float mean,
                                                                 float invstd)
{
    BatchNormParamGrads g{0, 0};
    for (std::int64_t j = begin; j < end; ++j) {
        const std::int64_t at = channelElementIndex(j, c, channels, positions);
        g.dbeta += dy[at];
        g.dgamma += double(dy[at]) * (x[at] - mean) * invstd;
    }
    return g;
}

// dx of one element: γ·invstd/m · (m·dy − dβ − x̂·dγ), in float (m = n·S as a float; dβ, dγ
// rounded to float).
NEURITE_HD_INLINE float batchNormBackwardElement(float x, float dy, float gamma, float mean, float invstd, float m,
                                                 float dbeta, float dgamma)
{
    const float k = gamma * invstd / m;
    return k * (m * dy - dbeta - (x - mean) * invstd * dgamma);
}

// ---- Layer norm ---------------------------------------------------------------------------------
// Each row of x: [n × d] is normalised over its d features; γ, β: [d].

struct RowStatistics {
    float mean, invstd;
};

// Mean and 1/√(σ²_biased + ε) of one row (sums in double). x: [d].
NEURITE_HD_INLINE RowStatistics layerNormRowStatistics(const float* x, std::int64_t d, float eps)
{
    double sum = 0, sq = 0;
    for (std::int64_t i = 0; i < d; ++i)
        sum += x[i];
    const float mean = float(sum / double(d));
    for (std::int64_t i = 0; i < d; ++i)
        sq += double(x[i] - mean) * (x[i] - mean);
    return {mean, float(1.0 / sqrt(sq / double(d) + eps))};
}

// y = (x − mean)·invstd·γ + β for one element.
NEURITE_HD_INLINE float layerNormApply(float x, RowStatistics s, float gamma, float beta)
{
    return (x - s.mean) * s.invstd * gamma + beta;
}

// The forward pass of one row. x, y: [d]; gamma, beta: [d].
NEURITE_HD_INLINE RowStatistics layerNormForwardRow(const float* x, float* y, const float* gamma, const float* beta,
                                                    std::int64_t d, float eps)
{
    const RowStatistics s = layerNormRowStatistics(x, d, eps);
    for (std::int64_t i = 0; i < d; ++i)
        y[i] = layerNormApply(x[i], s, gamma[i], beta[i]);
    return s;
}

// The row sums of the backward pass: Σ dx̂ and Σ dx̂·x̂ with dx̂ = dy·γ (in double). x, dy: [d].
struct LayerNormRowSums {
    double dxhat, dxhatXhat;
};
NEURITE_HD_INLINE LayerNormRowSums layerNormBackwardRowSums(const float* x, const float* dy, const float* gamma,
                                                            std::int64_t d, RowStatistics s)
{
    LayerNormRowSums sums{0, 0};
    for (std::int64_t i = 0; i < d; ++i) {
        const float xhat = (x[i] - s.mean) * s.invstd;
        const float dxhat = dy[i] * gamma[i];
        sums.dxhat += dxhat;
        sums.dxhatXhat += double(dxhat) * xhat;
    }
    return sums;
}

// dx of one element: invstd/d · (d·dx̂ − Σdx̂ − x̂·Σdx̂x̂), in float.
NEURITE_HD_INLINE float layerNormBackwardElement(float x, float dy, float gamma, RowStatistics s, std::int64_t d,
                                                 LayerNormRowSums sums)
{
    const float xhat = (x - s.mean) * s.invstd;
    const float dxhat = dy * gamma;
    return s.invstd / float(d) * (float(d) * dxhat - float(sums.dxhat) - xhat * float(sums.dxhatXhat));
}

// dx of one row. x, dy, dx, gamma: [d].
NEURITE_HD_INLINE void layerNormBackwardRow(const float* x, const float* dy, const float* gamma, float* dx,
                                            std::int64_t d, RowStatistics s)
{
    const LayerNormRowSums sums = layerNormBackwardRowSums(x, dy, gamma, d, s);
    for (std::int64_t i = 0; i < d; ++i)
        dx[i] = layerNormBackwardElement(x[i], dy[i], gamma[i], s, d, sums);
}

// dγ[i] = Σ_rows dy·x̂ and dβ[i] = Σ_rows dy for feature i, over all n rows in order, in float
// (one thread per feature). x, dy: [n × d]; stats: [n], the rows' statistics of the forward pass.
struct FeatureParamGrads {
    float dgamma, dbeta;
};
NEURITE_HD_INLINE FeatureParamGrads layerNormFeatureParamGrads(const float* x, const float* dy,
                                                               const RowStatistics* stats, std::int64_t n,
                                                               std::int64_t d, std::int64_t i)
{
    FeatureParamGrads g{0.0f, 0.0f};
    for (std::int64_t r = 0; r < n; ++r) {
        const float xhat = (x[r * d + i] - stats[r].mean) * stats[r].invstd;
        g.dgamma += dy[r * d + i] * xhat;
        g.dbeta += dy[r * d + i];
    }
    return g;
}

} // namespace neurite::kernels
