#pragma once
// Telemetry's arithmetic (StepOperations::accumulateMoments, accumulateHistogram,
// accumulateUnitMaximum), the same on the host and in the CUDA module.
#include "engine/kernels/HostDevice.h"
#include "engine/kernels/Reductions.h"

#include <cstdint>

namespace neurite::kernels {

// A moments buffer: [Σv, Σv², min, max, non-finite count].
constexpr int kMomentSum = 0, kMomentSquares = 1, kMomentMin = 2, kMomentMax = 3, kMomentNonFinite = 4;
constexpr int kMomentFields = 5;
// The moments of no values yet (min +∞ and max −∞, so that any value replaces them).
constexpr float kEmptyMoments[kMomentFields] = {0.0f, 0.0f, __builtin_huge_valf(), -__builtin_huge_valf(), 0.0f};

// The bin of v among `bins` equal parts of [lo, hi]: hi goes in the last bin; a range of one
// value (lo == hi) puts everything in the middle bin. v must be finite and within [lo, hi].
NEURITE_HD_INLINE int histogramBin(float v, float lo, float hi, int bins)
{
    if (!(hi > lo))
        return bins / 2;
    int b = int(float(bins) * ((v - lo) / (hi - lo)));
    return b < 0 ? 0 : b >= bins ? bins - 1 : b;
}

} // namespace neurite::kernels
