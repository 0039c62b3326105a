#include "engine/backends/Backend.h"

namespace neurite {

void ConvGeometry::computeOutput()
{
    oh = (h + 2 * pad - dilation * (k - 1) - 1) / stride + 1;
    ow = (w + 2 * pad - dilation * (k - 1) - 1) / stride + 1;
}

void Backend::parallelFor(std::int64_t n, const std::function<void(std::int64_t, std::int64_t)>& fn, std::int64_t)
{
    if (n > 0)
        fn(0, n);
}

void PoolGeometry::computeOutput()
{
    oh = (h + 2 * pad - k) / stride + 1;
    ow = (w + 2 * pad - k) / stride + 1;
}

} // namespace neurite
