#pragma once
// OpenBLAS, loaded at run time so that the engine chooses its kernel before the library starts.
// OpenBLAS 0.3.21 misdetects some recent Xeons and falls back to its generic Prescott kernel (about
// a fifth of the speed); it reads OPENBLAS_CORETYPE only when it loads. So, unless the user set
// it, we set it from CPUID (AVX-512 → SkylakeX, AVX2 + FMA → Haswell) and then dlopen the library.
// The CPU backend checks the result against the reference backend at start-up (CpuBackend.cpp).
#include <cstdint>
#include <string>

namespace neurite {

class OpenBlas {
public:
    // Loads the library on first use. Throws Error when it cannot be found.
    static OpenBlas& instance();

    void sgemm(bool transA, bool transB, std::int64_t M, std::int64_t N, std::int64_t K, float alpha, const float* A,
               std::int64_t lda, const float* B, std::int64_t ldb, float beta, float* C, std::int64_t ldc) const;
    void setThreads(int threads) const;
    int threads() const;

    std::string coreName() const;      // the kernel in use, as OpenBLAS names it ("SkylakeX")
    std::string config() const;        // version and build options
    std::string coretypeSource() const { return coretypeSource_; }  // who chose the kernel, and why

private:
    OpenBlas();
    void* handle_ = nullptr;
    using Sgemm = void (*)(int, int, int, int, int, int, float, const float*, int, const float*, int, float, float*, int);
    Sgemm sgemm_ = nullptr;
    void (*setThreads_)(int) = nullptr;
    int (*getThreads_)() = nullptr;
    char* (*coreName_)() = nullptr;
    char* (*config_)() = nullptr;
    std::string coretypeSource_;
};

} // namespace neurite
