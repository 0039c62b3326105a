#pragma once
// Synthetic 2-D data sets for instant experiments (points (x, y), one class each).
#include "datasets/Dataset.h"

#include <cstdint>
#include <string>

namespace neurite {

struct SyntheticConfig {
    std::string kind = "spiral";   // spiral, circles, xor, blobs
    std::int64_t samples = 1000;
    double noise = 0.1;
    int classes = 3;               // spiral arms and blobs (circles and xor have 2)
    std::uint64_t seed = 1;
};

// Throws ConfigError for an unknown kind or bad sizes.
Dataset makeSynthetic(const SyntheticConfig& config);

} // namespace neurite
