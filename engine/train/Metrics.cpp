#include "engine/train/Metrics.h"

namespace neurite {

std::int64_t countTopK(const float* scores, const std::int32_t* labels, std::int64_t n, std::int64_t classes, int k)
{
    std::int64_t hits = 0;
    for (std::int64_t r = 0; r < n; ++r) {
        const float* row = scores + r * classes;
        const float truth = row[labels[r]];
        // Rank of the true class: how many classes score higher (ties go to the lower index).
        int above = 0;
        for (std::int64_t c = 0; c < classes; ++c)
            above += row[c] > truth || (row[c] == truth && c < labels[r]);
        hits += above < k;
    }
    return hits;
}

} // namespace neurite
