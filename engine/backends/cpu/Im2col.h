#pragma once
// Lowering a convolution to a matrix product, one image at a time (as Caffe does), so that the
// column matrix of an image stays in the core's cache while its product is computed.
//   col: [cin·k·k, oh·ow]; row (ci, ky, kx), column (oy, ox); zero where the tap reads padding.
#include "engine/backends/Backend.h"

namespace neurite {

// image: [cin, h, w] → col: [cin·k·k, oh·ow]
void im2col(const ConvGeometry& g, const float* image, float* col);
// dImage = 0, then every column entry added back to the pixel it was read from.
void col2im(const ConvGeometry& g, const float* col, float* dImage);

} // namespace neurite
