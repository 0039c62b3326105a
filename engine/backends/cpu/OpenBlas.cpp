#include "engine/backends/cpu/OpenBlas.h"

#include "engine/core/CpuInfo.h"
#include "engine/core/Error.h"

#include <cstdlib>
#include <dlfcn.h>

namespace neurite {

namespace {
constexpr int kRowMajor = 101, kNoTrans = 111, kTrans = 112;  // CBLAS enum values

template <typename F>
F symbol(void* handle, const char* name)
{
    void* p = dlsym(handle, name);
    if (!p)
        throw Error(std::string("OpenBLAS: symbol ") + name + " not found");
    return reinterpret_cast<F>(p);
}
} // namespace

OpenBlas::OpenBlas()
{
    if (const char* set = std::getenv("OPENBLAS_CORETYPE"); set && *set) {
        coretypeSource_ = std::string("OPENBLAS_CORETYPE=") + set + " set by the user";
    } else {
        const auto& cpu = CpuInfo::current();
        const char* core = nullptr;
        if (cpu.avx512f && cpu.avx512bw && cpu.avx512vl && cpu.avx512dq)
            core = "SkylakeX";
        else if (cpu.avx2 && cpu.fma)
            core = "Haswell";
        if (core) {
            setenv("OPENBLAS_CORETYPE", core, 0);
            coretypeSource_ = std::string("OPENBLAS_CORETYPE=") + core + " chosen by Neurite from CPUID";
        } else {
            coretypeSource_ = "kernel detected by OpenBLAS (no AVX2 on this CPU)";
        }
    }
    for (const char* name : {"libopenblas.so.0", "libopenblas.so"}) {
        handle_ = dlopen(name, RTLD_NOW | RTLD_LOCAL);
        if (handle_)
            break;
    }
    if (!handle_)
        throw Error(std::string("cannot load OpenBLAS (libopenblas.so.0): ") + dlerror() +
                    "; install the Debian package libopenblas0-pthread");
    sgemm_ = symbol<Sgemm>(handle_, "cblas_sgemm");
    setThreads_ = symbol<void (*)(int)>(handle_, "openblas_set_num_threads");
    getThreads_ = symbol<int (*)()>(handle_, "openblas_get_num_threads");
    coreName_ = symbol<char* (*)()>(handle_, "openblas_get_corename");
    config_ = symbol<char* (*)()>(handle_, "openblas_get_config");
}

OpenBlas& OpenBlas::instance()
{
    static OpenBlas blas;  // the library stays loaded for the life of the process
    return blas;
}

void OpenBlas::sgemm(bool transA, bool transB, std::int64_t M, std::int64_t N, std::int64_t K, float alpha,
                     const float* A, std::int64_t lda, const float* B, std::int64_t ldb, float beta, float* C,
                     std::int64_t ldc) const
{
    sgemm_(kRowMajor, transA ? kTrans : kNoTrans, transB ? kTrans : kNoTrans, int(M), int(N), int(K), alpha, A,
           int(lda), B, int(ldb), beta, C, int(ldc));
}

void OpenBlas::setThreads(int threads) const { setThreads_(threads); }
int OpenBlas::threads() const { return getThreads_(); }
std::string OpenBlas::coreName() const { return coreName_(); }
std::string OpenBlas::config() const { return config_(); }

} // namespace neurite
