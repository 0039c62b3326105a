#include "engine/backends/Backend.h"

namespace neurite {

void ConvGeometry::computeOutput()
{
    oh = (h + 2 * pad - dilation * (k - 1) - 1) / stride + 1;
    ow = (w + 2 * pad - dilation * (k - 1) - 1) / stride + 1;
}

void PoolGeometry::computeOutput()
{
    oh = (h + 2 * pad - k) / stride + 1;
    ow = (w + 2 * pad - k) / stride + 1;
}

} // namespace neurite
