#pragma once
// The reference backend: plain loops written to be read, not to be fast. It is the truth every
// other backend is tested against.
#include "engine/backends/host/HostBackend.h"

namespace neurite {

class ReferenceBackend final : public HostBackend {
public:
    std::string name() const override { return "reference"; }
    std::string description() const override { return "plain C++ loops (the readable truth)"; }
    void gemm(bool transA, bool transB, std::int64_t M, std::int64_t N, std::int64_t K, float alpha, const float* A,
              std::int64_t lda, const float* B, std::int64_t ldb, float beta, float* C, std::int64_t ldc) override;
    std::int64_t convWorkspace(const ConvGeometry&) const override { return 0; }
    void convForward(const ConvGeometry& g, const float* x, const float* w, const float* bias, float* y,
                     float* workspace, std::int32_t* argmax = nullptr) override;
    void convBackward(const ConvGeometry& g, const float* x, const float* w, const float* y, const float* dy,
                      float* dx, float* dw, float* db, float* workspace, const std::int32_t* argmax = nullptr) override;
    void maxPoolForward(const PoolGeometry& g, const float* x, float* y, std::int32_t* argmax) override;
    void maxPoolBackward(const PoolGeometry& g, const float* dy, const std::int32_t* argmax, float* dx) override;
    void avgPoolForward(const PoolGeometry& g, const float* x, float* y) override;
    void avgPoolBackward(const PoolGeometry& g, const float* dy, float* dx) override;
};

} // namespace neurite
