#pragma once
// The compute backend interface: every operation of a training step. The heavy ones (matrix
// products, convolutions, pooling) are declared here, the rest (activations, norms, losses, the
// optimiser, metrics) in StepOperations.h; HostBackend implements those for host memory. Every
// backend is tested against the reference backend (Parity.h).
//
// Memory: every pointer an operation takes is the backend's own memory (allocate()): host memory
// on the CPU backends, device memory on CUDA. The host reads and writes it only through upload()
// and download(), and only where hostAddressable() is false does that matter.
//
// Layout: row-major, activations NCHW. A backend may be called from one thread at a time.
#include "engine/backends/StepOperations.h"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace neurite {

struct ConvGeometry {
    std::int64_t n, cin, h, w;          // input  x: [n, cin, h, w]
    std::int64_t cout, k;               // weight w: [cout, cin/groups, k, k]
    std::int64_t stride = 1, pad = 0, dilation = 1, groups = 1;
    std::int64_t oh = 0, ow = 0;        // output y: [n, cout, oh, ow]
    bool relu = false;                  // a fused ReLU: forward y = max(0, conv + bias); backward
                                        // first masks dy with y > 0
    bool maxPool2x2 = false;            // a fused 2×2 max pooling (stride 2) after the ReLU: y and dy
                                        // are then [n, cout, oh/2, ow/2], argmax the in-plane index
    void computeOutput();               // sets oh and ow from the rest
};

// The largest plane (h·w) a fused 2×2 pooling handles.
constexpr std::int64_t kMaxFusedPoolPlane = 1 << 14;

struct PoolGeometry {
    std::int64_t n, c, h, w;            // input  x: [n, c, h, w]
    std::int64_t k, stride, pad;
    std::int64_t oh = 0, ow = 0;        // output y: [n, c, oh, ow]
    void computeOutput();
};

// A sequence of backend calls recorded once (a CUDA graph) and run again on the same buffers.
class Recording {
public:
    virtual ~Recording() = default;
    virtual void replay() = 0;
};

// The heavy operations below, the per-step ones of StepOperations, and the memory they work on.
class Backend : public StepOperations {
public:
    ~Backend() override = default;
    virtual std::string name() const = 0;
    virtual std::string description() const = 0;   // e.g. the BLAS library and kernel in use

    // ---- Memory (defaults: host memory, 64-byte aligned).
    // Throws OutOfMemoryError naming `purpose` (a node id, "data set") and the bytes.
    virtual void* allocate(std::int64_t bytes, const std::string& purpose = {});
    virtual void release(void* buffer);                       // null: nothing
    virtual void upload(void* buffer, const void* host, std::int64_t bytes);
    virtual void download(void* host, const void* buffer, std::int64_t bytes);
    virtual void fill(float* buffer, float value, std::int64_t count);
    virtual void synchronise() {}                             // waits for queued work (a GPU's stream)
    virtual bool hostAddressable() const { return true; }     // buffers are host memory

    // ---- Recording (where launching each call costs more than it does: a GPU). Between begin and
    // end the calls are recorded, not run; upload, download and synchronise throw then. A
    // recording reads its arguments as they were when recorded: the same buffers, the same sizes
    // and scalars. After a call fails while recording, endRecording() still leaves the recording
    // state (and throws: the recording is lost).
    virtual bool records() const { return false; }
    virtual void beginRecording();                            // default: throws (records() is false)
    virtual std::unique_ptr<Recording> endRecording();

    // C[M×N] = alpha · op(A) · op(B) + beta · C; op(A) is M×K, op(B) is K×N; leading dimensions as in BLAS.
    virtual void gemm(bool transA, bool transB, std::int64_t M, std::int64_t N, std::int64_t K, float alpha,
                      const float* A, std::int64_t lda, const float* B, std::int64_t ldb, float beta, float* C,
                      std::int64_t ldc) = 0;

    // Scratch floats the convolution calls below need; the caller provides them.
    virtual std::int64_t convWorkspace(const ConvGeometry& g) const = 0;
    // y = conv(x, w) + bias (bias may be null).
    virtual void convForward(const ConvGeometry& g, const float* x, const float* w, const float* bias, float* y,
                             float* workspace, std::int32_t* argmax = nullptr) = 0;
    // Given dy: dw (overwritten), db (overwritten, may be null), dx (overwritten, may be null).
    // y is the forward output (read only when g.relu).
    virtual void convBackward(const ConvGeometry& g, const float* x, const float* w, const float* y, const float* dy,
                              float* dx, float* dw, float* db, float* workspace,
                              const std::int32_t* argmax = nullptr) = 0;

    // argmax: [n, c, oh, ow] index of the chosen input element in its plane (for the backward pass).
    virtual void maxPoolForward(const PoolGeometry& g, const float* x, float* y, std::int32_t* argmax) = 0;
    virtual void maxPoolBackward(const PoolGeometry& g, const float* dy, const std::int32_t* argmax, float* dx) = 0;
    // Average over the window, padding counted (PyTorch's count_include_pad=True).
    virtual void avgPoolForward(const PoolGeometry& g, const float* x, float* y) = 0;
    virtual void avgPoolBackward(const PoolGeometry& g, const float* dy, float* dx) = 0;

    // Runs fn(begin, end) over disjoint static chunks of [0, n) on the backend's host threads
    // (element-wise layers use it). Chunks are at least `grain` long. The default runs serially.
    virtual void parallelFor(std::int64_t n, const std::function<void(std::int64_t, std::int64_t)>& fn,
                             std::int64_t grain = 1);
};

} // namespace neurite
