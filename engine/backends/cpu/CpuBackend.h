#pragma once
// The fast CPU backend: OpenBLAS for matrix products (convolutions lowered with im2col, or on
// oneDNN's JIT kernels where those are faster), the engine's thread pool for pooling and data
// movement. Deterministic for a given thread count.
#include "engine/backends/host/HostBackend.h"
#include "engine/backends/cpu/OneDnnConvolution.h"
#include "engine/core/ThreadPool.h"

#include <map>
#include <memory>
#include <vector>

namespace neurite {

class CpuBackend final : public HostBackend {
public:
    explicit CpuBackend(int threads = 0);   // 0: all cores

    std::string name() const override { return "cpu"; }
    std::string description() const override;
    int threads() const { return pool_->threads(); }

    void gemm(bool transA, bool transB, std::int64_t M, std::int64_t N, std::int64_t K, float alpha, const float* A,
              std::int64_t lda, const float* B, std::int64_t ldb, float beta, float* C, std::int64_t ldc) override;
    std::int64_t convWorkspace(const ConvGeometry& g) const override;
    void convForward(const ConvGeometry& g, const float* x, const float* w, const float* bias, float* y,
                     float* workspace, std::int32_t* argmax = nullptr) override;
    void convBackward(const ConvGeometry& g, const float* x, const float* w, const float* y, const float* dy,
                      float* dx, float* dw, float* db, float* workspace, const std::int32_t* argmax = nullptr) override;
    void maxPoolForward(const PoolGeometry& g, const float* x, float* y, std::int32_t* argmax) override;
    void maxPoolBackward(const PoolGeometry& g, const float* dy, const std::int32_t* argmax, float* dx) override;
    void avgPoolForward(const PoolGeometry& g, const float* x, float* y) override;
    void avgPoolBackward(const PoolGeometry& g, const float* dy, float* dx) override;
    void parallelFor(std::int64_t n, const std::function<void(std::int64_t, std::int64_t)>& fn,
                     std::int64_t grain = 1) override
    {
        pool_->parallelFor(n, fn, grain);
    }

    // The start-up proof that OpenBLAS's kernel agrees with the reference backend: run once per
    // process on a few odd-sized products. Throws Error naming the kernel when it does not.
    struct StartupCheck {
        std::string kernel;
        double maxRelativeError = 0;
    };
    static const StartupCheck& startupCheck();

private:
    // oneDNN's kernel for this convolution when it suits (OneDnnConvolution.h), else null; made on
    // first use and kept. NEURITE_ONEDNN=0 in the environment turns it off (for comparisons).
    OneDnnConvolution* oneDnnFor(const ConvGeometry& g);

    std::unique_ptr<ThreadPool> pool_;
    bool oneDnnAllowed_ = true;
    std::map<std::vector<std::int64_t>, std::unique_ptr<OneDnnConvolution>> oneDnn_;  // by geometry; null: not suited
};

} // namespace neurite
