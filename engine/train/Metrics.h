#pragma once
// Classification metrics from scores (logits or probabilities), one row per sample.
#include <cstdint>

namespace neurite {

// Number of samples whose true class is among the k highest scores. scores: [n × classes].
std::int64_t countTopK(const float* scores, const std::int32_t* labels, std::int64_t n, std::int64_t classes, int k);

} // namespace neurite
