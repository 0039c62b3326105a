// neurite_cuda_api (CudaApi.h): contexts, failures, memory and CUDA graphs; the operations are in
// CudaOperations.cpp (gemm, pooling), CudaConvolution.cpp and CudaStepOperations.cpp (the rest of
// the training step).
#include "engine/backends/cuda/CudaContext.h"
#include "engine/backends/cuda/CudaKernels.h"

#include <cstdio>
#include <cstring>

namespace neurite::cuda {

namespace {

constexpr std::size_t kCublasWorkspace = std::size_t(32) << 20;   // cuBLAS's advice for Hopper

void copyText(char* to, std::size_t capacity, const std::string& text)
{
    if (to && capacity > 0)
        std::snprintf(to, capacity, "%s", text.c_str());
}

std::string deviceLabel(const NeuriteCudaContext* c)
{
    return "GPU " + std::to_string(c->device) + (c->name.empty() ? "" : " (" + c->name + ")");
}

std::string mebibytes(std::int64_t bytes)
{
    char text[48];
    std::snprintf(text, sizeof text, "%.1f MiB", double(bytes) / double(1 << 20));
    return text;
}

void destroyContext(NeuriteCudaContext* c)
{
    if (!c)
        return;
    cudaSetDevice(c->device);
    if (c->stream)
        cudaStreamSynchronize(c->stream);
    c->convPlans.clear();
    if (c->cudnn)
        cudnnDestroy(c->cudnn);
    if (c->cublas)
        cublasDestroy(c->cublas);
    if (c->stream)
        cudaStreamDestroy(c->stream);
    delete c;   // the allocator frees every block, used or cached
}

int create(const NeuriteCudaOptions* options, NeuriteCudaContext** out, char* error, std::size_t capacity)
{
    if (!out || !options) {
        copyText(error, capacity, "neurite_cuda create: null argument");
        return NEURITE_CUDA_INVALID;
    }
    *out = nullptr;
    auto* c = new (std::nothrow) NeuriteCudaContext;
    if (!c) {
        copyText(error, capacity, "no host memory for a CUDA context");
        return NEURITE_CUDA_OUT_OF_MEMORY;
    }
    c->device = options->device;
    c->allowTf32 = options->allowTf32 != 0;
    c->deterministic = options->deterministic != 0;
    c->bf16 = options->bf16 != 0;
    int status = guarded(c, [&]() -> int {
        int count = 0;
        if (const cudaError_t e = cudaGetDeviceCount(&count); e != cudaSuccess)
            return failCuda(c, e, "cudaGetDeviceCount", "");
        if (c->device < 0 || c->device >= count)
            return fail(c, NEURITE_CUDA_INVALID,
                        "no CUDA device " + std::to_string(c->device) + " (" + std::to_string(count) + " found)");
        cudaDeviceProp properties{};
        if (const cudaError_t e = cudaGetDeviceProperties(&properties, c->device); e != cudaSuccess)
            return failCuda(c, e, "cudaGetDeviceProperties", deviceLabel(c));
        c->name = properties.name;
        if (const cudaError_t e = cudaStreamCreateWithFlags(&c->stream, cudaStreamNonBlocking); e != cudaSuccess)
            return failCuda(c, e, "cudaStreamCreateWithFlags", deviceLabel(c));
        if (const cublasStatus_t e = cublasCreate(&c->cublas); e != CUBLAS_STATUS_SUCCESS)
            return failCublas(c, e, "cublasCreate", deviceLabel(c));
        if (const cublasStatus_t e = cublasSetStream(c->cublas, c->stream); e != CUBLAS_STATUS_SUCCESS)
            return failCublas(c, e, "cublasSetStream", deviceLabel(c));
        const cublasMath_t math = c->allowTf32 ? CUBLAS_TF32_TENSOR_OP_MATH : CUBLAS_DEFAULT_MATH;
        if (const cublasStatus_t e = cublasSetMathMode(c->cublas, math); e != CUBLAS_STATUS_SUCCESS)
            return failCublas(c, e, "cublasSetMathMode", deviceLabel(c));
        if (const int e = allocate(c, std::int64_t(kCublasWorkspace), "cuBLAS workspace", &c->cublasWorkspace))
            return e;
        if (const cublasStatus_t e = cublasSetWorkspace(c->cublas, c->cublasWorkspace, kCublasWorkspace);
            e != CUBLAS_STATUS_SUCCESS)
            return failCublas(c, e, "cublasSetWorkspace", deviceLabel(c));
        if (const cudnnStatus_t e = cudnnCreate(&c->cudnn); e != CUDNN_STATUS_SUCCESS)
            return failCudnn(c, e, "cudnnCreate", deviceLabel(c));
        if (const cudnnStatus_t e = cudnnSetStream(c->cudnn, c->stream); e != CUDNN_STATUS_SUCCESS)
            return failCudnn(c, e, "cudnnSetStream", deviceLabel(c));
        return NEURITE_CUDA_OK;
    });
    if (status != NEURITE_CUDA_OK) {
        copyText(error, capacity, c->failure.message);
        destroyContext(c);
        return status;
    }
    *out = c;
    return NEURITE_CUDA_OK;
}

const NeuriteCudaFailure* lastFailure(const NeuriteCudaContext* c) { return c ? &c->failure : nullptr; }

int describeContext(NeuriteCudaContext* c, char* text, std::size_t capacity)
{
    return guarded(c, [&] {
        int cublas = 0;
        cublasGetVersion(c->cublas, &cublas);
        const std::size_t cudnn = cudnnGetVersion();
        std::size_t freeBytes = 0, totalBytes = 0;
        cudaMemGetInfo(&freeBytes, &totalBytes);
        copyText(text, capacity,
                 c->name + " (GPU " + std::to_string(c->device) + "), " + mebibytes(std::int64_t(totalBytes)) +
                     ", cuBLAS " + std::to_string(cublas / 10000) + "." + std::to_string(cublas / 100 % 100) +
                     ", cuDNN " + std::to_string(cudnn / 10000) + "." + std::to_string(cudnn / 100 % 100) +
                     (c->bf16        ? ", bf16 matrix products and convolutions (fp32 accumulation and weights)"
                      : c->allowTf32 ? ", TF32 allowed"
                                     : ", full FP32") +
                     (c->deterministic ? ", deterministic algorithms only" : ""));
        return NEURITE_CUDA_OK;
    });
}

// ---- Memory

int allocateApi(NeuriteCudaContext* c, std::int64_t bytes, const char* purpose, void** buffer)
{
    return guarded(c, [&] {
        if (!buffer || bytes < 0)
            return fail(c, NEURITE_CUDA_INVALID, "allocate: negative size or null result pointer");
        return allocate(c, bytes, purpose ? purpose : "", buffer);
    });
}

int release(NeuriteCudaContext* c, void* buffer)
{
    return guarded(c, [&] {
        if (buffer && !c->memory.release(buffer))
            return fail(c, NEURITE_CUDA_INVALID, "release: not a buffer of this context");
        return int(NEURITE_CUDA_OK);
    });
}

int refusedWhileCapturing(NeuriteCudaContext* c, const char* call)
{
    return fail(c, NEURITE_CUDA_INVALID, std::string(call) + " cannot be captured into a CUDA graph");
}

int upload(NeuriteCudaContext* c, void* buffer, const void* host, std::int64_t bytes)
{
    return guarded(c, [&] {
        if (c->capturing)
            return refusedWhileCapturing(c, "upload");
        if (bytes <= 0)
            return int(NEURITE_CUDA_OK);
        // From pageable memory this returns once `host` is staged: the caller may reuse it at once.
        if (const cudaError_t e = cudaMemcpyAsync(buffer, host, std::size_t(bytes), cudaMemcpyHostToDevice, c->stream);
            e != cudaSuccess)
            return failCuda(c, e, "cudaMemcpyAsync (upload)", std::to_string(bytes) + " bytes");
        return int(NEURITE_CUDA_OK);
    });
}

int download(NeuriteCudaContext* c, void* host, const void* buffer, std::int64_t bytes)
{
    return guarded(c, [&] {
        if (c->capturing)
            return refusedWhileCapturing(c, "download");
        if (bytes <= 0)
            return int(NEURITE_CUDA_OK);
        if (const cudaError_t e = cudaMemcpyAsync(host, buffer, std::size_t(bytes), cudaMemcpyDeviceToHost, c->stream);
            e != cudaSuccess)
            return failCuda(c, e, "cudaMemcpyAsync (download)", std::to_string(bytes) + " bytes");
        if (const cudaError_t e = cudaStreamSynchronize(c->stream); e != cudaSuccess)
            return failCuda(c, e, "cudaStreamSynchronize (download)", "an earlier call's kernel may have failed");
        return int(NEURITE_CUDA_OK);
    });
}

int fill(NeuriteCudaContext* c, float* buffer, float value, std::int64_t count)
{
    return guarded(c, [&] {
        if (const cudaError_t e = launchFill(c->stream, buffer, value, count); e != cudaSuccess)
            return failCuda(c, e, "fill kernel", std::to_string(count) + " floats");
        return int(NEURITE_CUDA_OK);
    });
}

int synchronise(NeuriteCudaContext* c)
{
    return guarded(c, [&] {
        if (c->capturing)
            return refusedWhileCapturing(c, "synchronise");
        if (const cudaError_t e = cudaStreamSynchronize(c->stream); e != cudaSuccess)
            return failCuda(c, e, "cudaStreamSynchronize", "an earlier call's kernel may have failed");
        return int(NEURITE_CUDA_OK);
    });
}

int memoryInfo(NeuriteCudaContext* c, NeuriteCudaMemoryInfo* info)
{
    return guarded(c, [&] {
        if (!info)
            return fail(c, NEURITE_CUDA_INVALID, "memoryInfo: null result pointer");
        std::size_t freeBytes = 0, totalBytes = 0;
        if (const cudaError_t e = cudaMemGetInfo(&freeBytes, &totalBytes); e != cudaSuccess)
            return failCuda(c, e, "cudaMemGetInfo", deviceLabel(c));
        *info = {std::int64_t(freeBytes), std::int64_t(totalBytes), c->memory.inUseBytes(), c->memory.cachedBytes(),
                 c->memory.deviceAllocations()};
        return int(NEURITE_CUDA_OK);
    });
}

int emptyCache(NeuriteCudaContext* c)
{
    return guarded(c, [&] {
        if (c->capturing)
            return refusedWhileCapturing(c, "emptyCache");
        dropRetiredScratch(c);
        if (const cudaError_t e = c->memory.emptyCache(); e != cudaSuccess)
            return failCuda(c, e, "cudaFree (emptyCache)", deviceLabel(c));
        return int(NEURITE_CUDA_OK);
    });
}

// ---- CUDA graphs

int captureBegin(NeuriteCudaContext* c)
{
    return guarded(c, [&] {
        if (c->capturing)
            return fail(c, NEURITE_CUDA_INVALID, "captureBegin: a capture is already in progress");
        // Relaxed: the allocator may still cudaMalloc a new block while capturing (never cudaFree).
        if (const cudaError_t e = cudaStreamBeginCapture(c->stream, cudaStreamCaptureModeRelaxed); e != cudaSuccess)
            return failCuda(c, e, "cudaStreamBeginCapture", deviceLabel(c));
        c->capturing = true;
        return int(NEURITE_CUDA_OK);
    });
}

int captureEnd(NeuriteCudaContext* c, NeuriteCudaGraph** out)
{
    return guarded(c, [&] {
        if (!out || !c->capturing)
            return fail(c, NEURITE_CUDA_INVALID, "captureEnd: no capture in progress");
        *out = nullptr;
        c->capturing = false;
        cudaGraph_t graph = nullptr;
        if (const cudaError_t e = cudaStreamEndCapture(c->stream, &graph); e != cudaSuccess)
            return failCuda(c, e, "cudaStreamEndCapture", "a call during the capture was not capturable");
        cudaGraphExec_t exec = nullptr;
        if (const cudaError_t e = cudaGraphInstantiate(&exec, graph, 0); e != cudaSuccess) {
            cudaGraphDestroy(graph);
            return failCuda(c, e, "cudaGraphInstantiate", deviceLabel(c));
        }
        *out = new NeuriteCudaGraph{graph, exec};
        ++c->liveGraphs;
        return int(NEURITE_CUDA_OK);
    });
}

int graphReplay(NeuriteCudaContext* c, NeuriteCudaGraph* graph)
{
    return guarded(c, [&] {
        if (!graph || c->capturing)
            return fail(c, NEURITE_CUDA_INVALID, "graphReplay: no graph, or a capture is in progress");
        if (const cudaError_t e = cudaGraphLaunch(graph->exec, c->stream); e != cudaSuccess)
            return failCuda(c, e, "cudaGraphLaunch", deviceLabel(c));
        return int(NEURITE_CUDA_OK);
    });
}

int graphDestroy(NeuriteCudaContext* c, NeuriteCudaGraph* graph)
{
    return guarded(c, [&] {
        if (!graph)
            return int(NEURITE_CUDA_OK);
        // A replay may still be queued: it must finish before its executable goes.
        const cudaError_t waited = c->capturing ? cudaSuccess : cudaStreamSynchronize(c->stream);
        cudaGraphExecDestroy(graph->exec);
        cudaGraphDestroy(graph->graph);
        delete graph;
        --c->liveGraphs;
        dropRetiredScratch(c);
        if (waited != cudaSuccess)
            return failCuda(c, waited, "cudaStreamSynchronize (graphDestroy)", deviceLabel(c));
        return int(NEURITE_CUDA_OK);
    });
}

} // namespace

// ---- Failures

int fail(NeuriteCudaContext* c, int status, const std::string& message)
{
    c->failure = NeuriteCudaFailure{};
    c->failure.status = status;
    c->failure.bytes = c->failure.freeBytes = -1;
    copyText(c->failure.message, sizeof c->failure.message, message);
    return status;
}

static std::string within(const std::string& where) { return where.empty() ? std::string() : " (" + where + ")"; }

int failCuda(NeuriteCudaContext* c, cudaError_t error, const char* call, const std::string& where)
{
    if (error == cudaErrorMemoryAllocation)
        return failMemory(c, error, std::string(call) + within(where), 0);
    return fail(c, NEURITE_CUDA_ERROR, std::string(call) + " failed on " + deviceLabel(c) + ": " +
                                           cudaGetErrorName(error) + ", " + cudaGetErrorString(error) + within(where));
}

int failCublas(NeuriteCudaContext* c, cublasStatus_t error, const char* call, const std::string& where)
{
    if (error == CUBLAS_STATUS_ALLOC_FAILED)
        return failMemory(c, cudaErrorMemoryAllocation, std::string(call) + within(where), 0);
    return fail(c, NEURITE_CUDA_ERROR, std::string(call) + " failed on " + deviceLabel(c) + ": " +
                                           cublasGetStatusName(error) + ", " + cublasGetStatusString(error) +
                                           within(where));
}

int failCudnn(NeuriteCudaContext* c, cudnnStatus_t error, const char* call, const std::string& where)
{
    if (error == CUDNN_STATUS_ALLOC_FAILED)
        return failMemory(c, cudaErrorMemoryAllocation, std::string(call) + within(where), 0);
    char detail[512] = {};
    cudnnGetLastErrorString(detail, sizeof detail);
    return fail(c, NEURITE_CUDA_ERROR, std::string(call) + " failed on " + deviceLabel(c) + ": " +
                                           cudnnGetErrorString(error) + within(where) +
                                           (detail[0] ? std::string("; cuDNN says: ") + detail : std::string()));
}

int failMemory(NeuriteCudaContext* c, cudaError_t error, const std::string& purpose, std::int64_t bytes)
{
    std::size_t freeBytes = 0, totalBytes = 0;
    const bool known = cudaMemGetInfo(&freeBytes, &totalBytes) == cudaSuccess;
    fail(c, NEURITE_CUDA_OUT_OF_MEMORY,
         "out of memory on " + deviceLabel(c) + ": " + (purpose.empty() ? std::string("a buffer") : "'" + purpose + "'") +
             " asked for " + std::to_string(bytes) + " bytes (" + mebibytes(bytes) + ")" +
             (known ? ", " + mebibytes(std::int64_t(freeBytes)) + " free" : std::string()) + " (" +
             cudaGetErrorString(error) + ")");
    copyText(c->failure.purpose, sizeof c->failure.purpose, purpose);
    c->failure.bytes = bytes;
    c->failure.freeBytes = known ? std::int64_t(freeBytes) : -1;
    return NEURITE_CUDA_OUT_OF_MEMORY;
}

// ---- Memory inside the module

int allocate(NeuriteCudaContext* c, std::int64_t bytes, const std::string& purpose, void** block)
{
    const cudaError_t e = c->memory.allocate(std::size_t(bytes), !c->capturing, block);
    if (e == cudaErrorMemoryAllocation)
        return failMemory(c, e, purpose, bytes);
    if (e != cudaSuccess)
        return failCuda(c, e, "cudaMalloc", "'" + purpose + "', " + std::to_string(bytes) + " bytes");
    return NEURITE_CUDA_OK;
}

int scratch(NeuriteCudaContext* c, std::size_t bytes, const std::string& purpose, void** block)
{
    if (bytes <= c->scratchBytes && c->scratch) {
        *block = c->scratch;
        return NEURITE_CUDA_OK;
    }
    if (c->scratch) {
        if (c->capturing || c->liveGraphs > 0)
            c->retiredScratch.push_back(c->scratch);   // a graph may use it
        else
            c->memory.release(c->scratch);
        c->scratch = nullptr;
        c->scratchBytes = 0;
    }
    if (const int e = allocate(c, std::int64_t(bytes), purpose, &c->scratch))
        return e;
    c->scratchBytes = CachingAllocator::roundedSize(bytes);
    *block = c->scratch;
    return NEURITE_CUDA_OK;
}

void dropRetiredScratch(NeuriteCudaContext* c)
{
    if (c->capturing || c->liveGraphs > 0)
        return;
    for (void* block : c->retiredScratch)
        c->memory.release(block);
    c->retiredScratch.clear();
}

} // namespace neurite::cuda

extern "C" __attribute__((visibility("default"))) const NeuriteCudaApi* neurite_cuda_api(int version)
{
    using namespace neurite::cuda;
    static const NeuriteCudaApi api = {
        NEURITE_CUDA_API_VERSION, sizeof(NeuriteCudaApi),
        create, destroyContext, lastFailure, describeContext,
        allocateApi, release, upload, download, fill, synchronise, memoryInfo, emptyCache,
        gemm, convForward, convBackward, maxPoolForward, maxPoolBackward, avgPoolForward, avgPoolBackward,
        captureBegin, captureEnd, graphReplay, graphDestroy,
        activationForward, activationBackward, dropoutForward, multiply, add, accumulate, copy, copyRows,
        addBias, biasGradient, softmaxForward, softmaxBackward, lossForward, lossBackward,
        batchNormForward, batchNormBackward, layerNormForward, layerNormBackward,
        globalAvgPoolForward, globalAvgPoolBackward, optimizerStep, clipGradientNorm,
        countNonFinite, countTopK, addToConfusion,
        gatherBatch,
        accumulateMoments, accumulateHistogram, accumulateUnitMaximum,
    };
    return version == NEURITE_CUDA_API_VERSION ? &api : nullptr;
}
