#include "engine/backends/cuda/CudaBackend.h"

#include "engine/backends/CudaDevices.h"
#include "engine/core/Error.h"

#include <dlfcn.h>

namespace neurite {

namespace {

NeuriteCudaConv toC(const ConvGeometry& g)
{
    return {g.n, g.cin, g.h, g.w, g.cout, g.k, g.stride, g.pad, g.dilation, g.groups, g.oh, g.ow, g.relu ? 1 : 0,
            g.maxPool2x2 ? 1 : 0};
}

NeuriteCudaPool toC(const PoolGeometry& g) { return {g.n, g.c, g.h, g.w, g.k, g.stride, g.pad, g.oh, g.ow}; }

} // namespace

const NeuriteCudaApi& CudaBackend::moduleApi()
{
    // cudaStatus() loads the module once and keeps it; RTLD_NOLOAD finds that same handle.
    const CudaStatus& status = cudaStatus();
    if (status.module.empty())
        throw Error("the CUDA backend is not available: " + status.reason);
    void* handle = dlopen(status.module.c_str(), RTLD_NOW | RTLD_LOCAL | RTLD_NOLOAD);
    const auto entry = handle ? reinterpret_cast<NeuriteCudaApiFn>(dlsym(handle, "neurite_cuda_api")) : nullptr;
    const NeuriteCudaApi* api = entry ? entry(NEURITE_CUDA_API_VERSION) : nullptr;
    if (handle)
        dlclose(handle);   // drops only the reference RTLD_NOLOAD added
    if (!api || api->size < sizeof(NeuriteCudaApi))
        throw Error("the CUDA module " + status.module + " has no neurite_cuda_api of version " +
                    std::to_string(NEURITE_CUDA_API_VERSION) + " (a module from another build?)");
    return *api;
}

CudaBackend::CudaBackend(const NeuriteCudaApi& api, const Options& options)
    : api_(api), device_("GPU " + std::to_string(options.device))
{
    const NeuriteCudaOptions c{options.device, options.allowTf32 ? 1 : 0};
    char error[1024] = {};
    if (api_.create(&c, &context_, error, sizeof error) != NEURITE_CUDA_OK || !context_)
        throw Error("the CUDA backend cannot start on " + device_ + ": " + error);
    char text[512] = {};
    if (api_.describe(context_, text, sizeof text) == NEURITE_CUDA_OK)
        description_ = text;
}

CudaBackend::~CudaBackend() { api_.destroy(context_); }

void CudaBackend::check(int status) const
{
    if (status == NEURITE_CUDA_OK)
        return;
    const NeuriteCudaFailure* failure = api_.lastFailure(context_);
    if (!failure)
        throw Error("the CUDA module failed with status " + std::to_string(status) + " and no message");
    if (status == NEURITE_CUDA_OUT_OF_MEMORY)
        throw OutOfMemoryError(failure->purpose, failure->bytes, failure->freeBytes, device_);
    throw Error(failure->message);
}

void* CudaBackend::allocate(std::int64_t bytes, const std::string& purpose)
{
    void* buffer = nullptr;
    check(api_.allocate(context_, bytes, purpose.c_str(), &buffer));
    return buffer;
}

void CudaBackend::release(void* buffer) { check(api_.release(context_, buffer)); }

void CudaBackend::upload(void* buffer, const void* host, std::int64_t bytes)
{
    check(api_.upload(context_, buffer, host, bytes));
}

void CudaBackend::download(void* host, const void* buffer, std::int64_t bytes)
{
    check(api_.download(context_, host, buffer, bytes));
}

void CudaBackend::fill(float* buffer, float value, std::int64_t count) { check(api_.fill(context_, buffer, value, count)); }

void CudaBackend::synchronise() { check(api_.synchronise(context_)); }

void CudaBackend::gemm(bool transA, bool transB, std::int64_t M, std::int64_t N, std::int64_t K, float alpha,
                       const float* A, std::int64_t lda, const float* B, std::int64_t ldb, float beta, float* C,
                       std::int64_t ldc)
{
    check(api_.gemm(context_, transA ? 1 : 0, transB ? 1 : 0, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc));
}

void CudaBackend::convForward(const ConvGeometry& g, const float* x, const float* w, const float* bias, float* y,
                              float*, std::int32_t* argmax)
{
    const NeuriteCudaConv c = toC(g);
    check(api_.convForward(context_, &c, x, w, bias, y, argmax));
}

void CudaBackend::convBackward(const ConvGeometry& g, const float* x, const float* w, const float* y, const float* dy,
                               float* dx, float* dw, float* db, float*, const std::int32_t* argmax)
{
    const NeuriteCudaConv c = toC(g);
    check(api_.convBackward(context_, &c, x, w, y, dy, dx, dw, db, argmax));
}

void CudaBackend::maxPoolForward(const PoolGeometry& g, const float* x, float* y, std::int32_t* argmax)
{
    const NeuriteCudaPool c = toC(g);
    check(api_.maxPoolForward(context_, &c, x, y, argmax));
}

void CudaBackend::maxPoolBackward(const PoolGeometry& g, const float* dy, const std::int32_t* argmax, float* dx)
{
    const NeuriteCudaPool c = toC(g);
    check(api_.maxPoolBackward(context_, &c, dy, argmax, dx));
}

void CudaBackend::avgPoolForward(const PoolGeometry& g, const float* x, float* y)
{
    const NeuriteCudaPool c = toC(g);
    check(api_.avgPoolForward(context_, &c, x, y));
}

void CudaBackend::avgPoolBackward(const PoolGeometry& g, const float* dy, float* dx)
{
    const NeuriteCudaPool c = toC(g);
    check(api_.avgPoolBackward(context_, &c, dy, dx));
}

NeuriteCudaMemoryInfo CudaBackend::memoryInfo()
{
    NeuriteCudaMemoryInfo info{};
    check(api_.memoryInfo(context_, &info));
    return info;
}

void CudaBackend::emptyCache() { check(api_.emptyCache(context_)); }

void CudaBackend::beginCapture() { check(api_.captureBegin(context_)); }

std::unique_ptr<CudaBackend::Graph> CudaBackend::endCapture()
{
    NeuriteCudaGraph* graph = nullptr;
    check(api_.captureEnd(context_, &graph));
    return std::unique_ptr<Graph>(new Graph(*this, graph));
}

CudaBackend::Graph::~Graph() { backend_.api_.graphDestroy(backend_.context_, graph_); }

void CudaBackend::Graph::replay() { backend_.check(backend_.api_.graphReplay(backend_.context_, graph_)); }

} // namespace neurite
