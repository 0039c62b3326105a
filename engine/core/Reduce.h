#pragma once
// Reductions that vectorise without reassociation flags: 16 running sums (one AVX-512 register),
// added up at the end. Their rounding is fixed for a given length, so results stay deterministic.
#include <cstdint>

namespace neurite {

float sum(const float* x, std::int64_t n);              // Σ x[i]
double sumOfSquares(const float* x, std::int64_t n);    // Σ x[i]², the tail in double

} // namespace neurite
