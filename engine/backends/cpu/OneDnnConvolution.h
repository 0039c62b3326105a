#pragma once
// Convolutions on oneDNN's JIT kernels, for the shapes where they beat our own lowering.
//
// Measured 2026-11-27 on the benchmark CNN's shapes, batch 128, 2 threads (Zen 4, AVX-512),
// forward + backward (data, weights, bias), NCHW in and out as the engine keeps its tensors:
//   32→64 channels, 14×14: our im2col + OpenBLAS 20.8 ms, oneDNN (blocked nChw16c inside, reorders
//   included) 14.7 ms, oneDNN on plain NCHW 24.8 ms;
//    1→32 channels, 28×28: ours 2.5 ms, oneDNN with reorders 2.7 ms.
// So oneDNN is used with its blocked layouts inside each call, only where the input has enough
// channels for the blocked kernels. Everything else stays on our lowering.
//
// oneDNN lives in a module of its own (libneurite_onednn.so), loaded with dlopen on first use:
// before it loads, GOMP_SPINCOUNT is lowered (unless the user set it) so that OpenMP's workers,
// which oneDNN runs on, stop spinning soon after each call instead of taking the cores from our
// thread pool (measured: 21% of a CNN step's time spinning, and no gain from oneDNN, without it).
// A machine without oneDNN (or without the module) keeps our lowering for every convolution.
#include "engine/backends/Backend.h"

#include <memory>
#include <string>

namespace neurite {

class OneDnnConvolution {
public:
    virtual ~OneDnnConvolution() = default;
    // y: [n, cout, oh, ow] = conv(x: [n, cin, h, w], w: [cout, cin, k, k]) + bias (null: none),
    // then ReLU when g.relu. No pooling: a fused pooling is the caller's.
    virtual void forward(const float* x, const float* w, const float* bias, float* y) = 0;
    // Given dy: [n, cout, oh, ow] (a fused ReLU's mask already applied): dw, db (may be null) and
    // dx (may be null), all overwritten.
    virtual void backward(const float* x, const float* w, const float* dy, float* dx, float* dw, float* db) = 0;
    virtual std::string kernel() const = 0;   // oneDNN's name for the forward kernel ("jit:avx512_core")
};

// Whether g is a shape oneDNN's blocked kernels suit: groups 1, dilation 1, at least 16 input
// channels (create() below may still find no JIT kernel for it).
bool oneDnnShape(const ConvGeometry& g);

// A oneDNN convolution for g on `threads` OpenMP threads, made once and reused (primitives and
// blocked buffers are allocated here, never per call). Null when the module is not available or
// no JIT kernel suits g (see oneDnnShape).
std::unique_ptr<OneDnnConvolution> createOneDnnConvolution(const ConvGeometry& g, int threads);

// Why oneDNN is not used, or its module's path when it is (for `neurite doctor`).
std::string oneDnnModuleStatus();

} // namespace neurite

// The module's one entry point (C linkage, looked up with dlsym).
extern "C" neurite::OneDnnConvolution* neurite_onednn_create(const neurite::ConvGeometry* g, int threads);
using NeuriteOneDnnCreateFn = neurite::OneDnnConvolution* (*)(const neurite::ConvGeometry*, int);
