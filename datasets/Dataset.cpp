#include "datasets/Dataset.h"

#include <cmath>

namespace neurite {

std::vector<std::string> numberedClasses(int count)
{
    std::vector<std::string> names;
    for (int i = 0; i < count; ++i)
        names.push_back(std::to_string(i));
    return names;
}

void Dataset::computeNormalisation()
{
    const bool image = isImage();
    const std::int64_t groups = image ? sampleShape[0] : sampleSize();
    const std::int64_t per = sampleSize() / groups;  // values of one group in one sample
    std::vector<double> sum(groups), sq(groups);
    for (std::int64_t s = 0; s < size(); ++s)
        for (std::int64_t g = 0; g < groups; ++g)
            for (std::int64_t i = 0; i < per; ++i) {
                const std::int64_t at = s * sampleSize() + g * per + i;
                const double v = image ? bytes[at] / 255.0 : features[at];
                sum[g] += v;
                sq[g] += v * v;
            }
    const double count = double(size() * per);
    mean.assign(groups, 0.0f);
    std.assign(groups, 1.0f);
    for (std::int64_t g = 0; g < groups && count > 0; ++g) {
        const double m = sum[g] / count;
        mean[g] = float(m);
        const double var = sq[g] / count - m * m;
        std[g] = var > 1e-12 ? float(std::sqrt(var)) : 1.0f;
    }
}

} // namespace neurite
