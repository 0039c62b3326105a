#pragma once
// Lowering a convolution to a matrix product (the classic im2col of Caffe and cuDNN's IMPLICIT_GEMM).
//   col: [cin·k·k, n·oh·ow]; row (ci, ky, kx), column (image, oy, ox); zero where the tap is padding.
#include "engine/backends/Backend.h"
#include "engine/core/ThreadPool.h"

namespace neurite {

void im2col(const ConvGeometry& g, const float* x, float* col, ThreadPool& pool);
// dx = 0; dx += every column entry scattered back to the pixel it was read from.
void col2im(const ConvGeometry& g, const float* col, float* dx, ThreadPool& pool);

} // namespace neurite
