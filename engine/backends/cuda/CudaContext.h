#pragma once
// Inside the CUDA module: the context behind CudaApi.h's opaque NeuriteCudaContext (one device, its
// stream, cuBLAS and cuDNN handles, memory, the convolution plans) and the helpers that turn a
// CUDA, cuBLAS or cuDNN status into the context's failure record.
#include "engine/backends/cuda/CachingAllocator.h"
#include "engine/backends/cuda/CudaApi.h"

#include <cublas_v2.h>
#include <cuda_runtime.h>
#include <cudnn.h>

#include <array>
#include <cstdint>
#include <exception>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace neurite::cuda {

// cuDNN's descriptors and chosen algorithms for one convolution shape (relu and pooling aside).
// x, y and w are of the context's compute type (fp32, or bf16 with fp32 accumulation); yFloat and
// bias are fp32 (the bias gradient is summed in fp32 from the fp32 gradient).
struct ConvPlan {
    cudnnTensorDescriptor_t x = nullptr, y = nullptr, yFloat = nullptr, bias = nullptr;
    cudnnFilterDescriptor_t w = nullptr;
    cudnnConvolutionDescriptor_t conv = nullptr;
    cudnnConvolutionFwdAlgo_t forward{};
    cudnnConvolutionBwdDataAlgo_t backwardData{};
    cudnnConvolutionBwdFilterAlgo_t backwardFilter{};
    cudnnMathType_t forwardMath{}, backwardDataMath{}, backwardFilterMath{};
    std::size_t forwardBytes = 0, backwardDataBytes = 0, backwardFilterBytes = 0;   // workspaces
    ~ConvPlan();
};

using ConvKey = std::array<std::int64_t, 10>;   // n, cin, h, w, cout, k, stride, pad, dilation, groups

} // namespace neurite::cuda

struct NeuriteCudaContext {
    int device = 0;
    bool allowTf32 = false;
    bool deterministic = false;
    bool bf16 = false;                      // gemm and convolutions on bf16 copies of their inputs (CudaApi.h)
    std::string name;                       // "NVIDIA H200"
    cudaStream_t stream = nullptr;
    cublasHandle_t cublas = nullptr;
    cudnnHandle_t cudnn = nullptr;
    void* cublasWorkspace = nullptr;        // set once, so that captured gemms allocate nothing
    neurite::cuda::CachingAllocator memory;
    // Scratch for one call (cuDNN workspace, the unpooled convolution output, masked gradients):
    // one block that grows. A block a graph may use is kept until no graph is left (retired).
    void* scratch = nullptr;
    std::size_t scratchBytes = 0;
    std::vector<void*> retiredScratch;
    std::map<neurite::cuda::ConvKey, std::unique_ptr<neurite::cuda::ConvPlan>> convPlans;
    bool capturing = false;
    int liveGraphs = 0;
    NeuriteCudaFailure failure{};
};

struct NeuriteCudaGraph {
    cudaGraph_t graph = nullptr;
    cudaGraphExec_t exec = nullptr;
};

namespace neurite::cuda {

// Records a failure in the context and returns its status.
int fail(NeuriteCudaContext* c, int status, const std::string& message);
int failCuda(NeuriteCudaContext* c, cudaError_t error, const char* call, const std::string& where);
int failCublas(NeuriteCudaContext* c, cublasStatus_t error, const char* call, const std::string& where);
int failCudnn(NeuriteCudaContext* c, cudnnStatus_t error, const char* call, const std::string& where);
// Out of memory: the message names the purpose, the bytes asked for and the bytes free.
int failMemory(NeuriteCudaContext* c, cudaError_t error, const std::string& purpose, std::int64_t bytes);

// Device memory from the context's allocator (out of memory: failMemory with `purpose`).
int allocate(NeuriteCudaContext* c, std::int64_t bytes, const std::string& purpose, void** block);
// A scratch block of at least `bytes` for the current call; valid until the next call asks again.
int scratch(NeuriteCudaContext* c, std::size_t bytes, const std::string& purpose, void** block);
// The parts of one call's scratch block, one after another, each 256-byte aligned: add() gives a
// part's offset, `bytes` the block's size; part<T>() the part in the block.
struct ScratchLayout {
    std::size_t bytes = 0;
    std::size_t add(std::size_t size)
    {
        const std::size_t offset = bytes;
        bytes += (size + 255) / 256 * 256;
        return offset;
    }
    template <class T>
    static T* part(void* block, std::size_t offset)
    {
        return reinterpret_cast<T*>(static_cast<char*>(block) + offset);
    }
};
// Frees retired scratch once no graph can use it.
void dropRetiredScratch(NeuriteCudaContext* c);

std::string describe(const NeuriteCudaConv& g);   // "conv x 2×3×11×12, w 5×3×5×5, stride 2, ..."
std::string describe(const NeuriteCudaPool& g);

// CudaOperations.cpp
int gemm(NeuriteCudaContext* c, int transA, int transB, std::int64_t M, std::int64_t N, std::int64_t K, float alpha,
         const float* A, std::int64_t lda, const float* B, std::int64_t ldb, float beta, float* C, std::int64_t ldc);
int maxPoolForward(NeuriteCudaContext* c, const NeuriteCudaPool* g, const float* x, float* y, std::int32_t* argmax);
int maxPoolBackward(NeuriteCudaContext* c, const NeuriteCudaPool* g, const float* dy, const std::int32_t* argmax,
                    float* dx);
int avgPoolForward(NeuriteCudaContext* c, const NeuriteCudaPool* g, const float* x, float* y);
int avgPoolBackward(NeuriteCudaContext* c, const NeuriteCudaPool* g, const float* dy, float* dx);

// CudaConvolution.cpp
int convForward(NeuriteCudaContext* c, const NeuriteCudaConv* g, const float* x, const float* w, const float* bias,
                float* y, std::int32_t* argmax);
int convBackward(NeuriteCudaContext* c, const NeuriteCudaConv* g, const float* x, const float* w, const float* y,
                 const float* dy, float* dx, float* dw, float* db, const std::int32_t* argmax);

// CudaStepOperations.cpp: the per-step operations of CudaApi.h, one per table entry.
int activationForward(NeuriteCudaContext* c, const NeuriteCudaActivation* a, const float* x, float* y,
                      std::int64_t count);
int activationBackward(NeuriteCudaContext* c, const NeuriteCudaActivation* a, const float* x, const float* y,
                       const float* dy, float* dx, std::int64_t count);
int dropoutForward(NeuriteCudaContext* c, float p, std::uint64_t seed, std::uint32_t step, std::uint32_t stream,
                   const float* x, float* y, float* mask, std::int64_t count);
int multiply(NeuriteCudaContext* c, const float* a, const float* b, float* y, std::int64_t count);
int add(NeuriteCudaContext* c, const float* a, const float* b, float* y, std::int64_t count);
int accumulate(NeuriteCudaContext* c, const float* x, float* y, std::int64_t count);
int copy(NeuriteCudaContext* c, const float* x, float* y, std::int64_t count);
int copyRows(NeuriteCudaContext* c, const float* x, std::int64_t xStride, float* y, std::int64_t yStride,
             std::int64_t yOffset, std::int64_t rows, std::int64_t width);
int addBias(NeuriteCudaContext* c, float* y, const float* bias, std::int64_t rows, std::int64_t channels,
            std::int64_t positions);
int biasGradient(NeuriteCudaContext* c, const float* dy, float* db, std::int64_t rows, std::int64_t channels,
                 std::int64_t positions);
int softmaxForward(NeuriteCudaContext* c, const float* x, float* y, std::int64_t rows, std::int64_t width);
int softmaxBackward(NeuriteCudaContext* c, const float* y, const float* dy, float* dx, std::int64_t rows,
                    std::int64_t width);
int lossForward(NeuriteCudaContext* c, const NeuriteCudaLoss* l, const float* x, std::int64_t rows, std::int64_t width,
                float* loss);
int lossBackward(NeuriteCudaContext* c, const NeuriteCudaLoss* l, const float* x, std::int64_t rows,
                 std::int64_t width, float* dx);
int batchNormForward(NeuriteCudaContext* c, const float* x, float* y, std::int64_t n, std::int64_t channels,
                     std::int64_t positions, const NeuriteCudaBatchNorm* t, float momentum, float eps, int training);
int batchNormBackward(NeuriteCudaContext* c, const float* x, const float* dy, float* dx, std::int64_t n,
                      std::int64_t channels, std::int64_t positions, const NeuriteCudaBatchNorm* t, float* dgamma,
                      float* dbeta);
int layerNormForward(NeuriteCudaContext* c, const float* x, float* y, std::int64_t rows, std::int64_t width,
                     const float* gamma, const float* beta, float eps, float* savedMean, float* savedInvstd);
int layerNormBackward(NeuriteCudaContext* c, const float* x, const float* dy, float* dx, std::int64_t rows,
                      std::int64_t width, const float* gamma, const float* savedMean, const float* savedInvstd,
                      float* dgamma, float* dbeta);
int globalAvgPoolForward(NeuriteCudaContext* c, const float* x, float* y, std::int64_t planes, std::int64_t planeSize);
int globalAvgPoolBackward(NeuriteCudaContext* c, const float* dy, float* dx, std::int64_t planes,
                          std::int64_t planeSize);
int optimizerStep(NeuriteCudaContext* c, const NeuriteCudaOptimizer* s, const NeuriteCudaOptimizerSlot* slots,
                  std::int64_t slotCount);
int clipGradientNorm(NeuriteCudaContext* c, const NeuriteCudaGradientSlice* gradients, std::int64_t sliceCount,
                     double maxNorm, float* norm);
int countNonFinite(NeuriteCudaContext* c, const float* x, std::int64_t count, std::int32_t* found);
int countTopK(NeuriteCudaContext* c, const float* scores, const std::int32_t* labels, std::int64_t rows,
              std::int64_t classes, int topK, std::int32_t* hits);
int addToConfusion(NeuriteCudaContext* c, const float* scores, const std::int32_t* labels, std::int64_t rows,
                   std::int64_t classes, std::int32_t* matrix);
int gatherBatch(NeuriteCudaContext* c, const NeuriteCudaSamples* set, const std::int32_t* ids, std::int64_t n,
                float* x, std::int32_t* labels);
int accumulateMoments(NeuriteCudaContext* c, const float* x, const float* minus, std::int64_t count, float* moments);
int accumulateHistogram(NeuriteCudaContext* c, const float* x, std::int64_t count, const float* moments, int bins,
                        float* counts);
int accumulateUnitMaximum(NeuriteCudaContext* c, const float* x, std::int64_t rows, std::int64_t channels,
                          std::int64_t positions, float* unitMax);

} // namespace neurite::cuda

namespace neurite::cuda {

// Runs body() (which returns a status) with the context's device current, turning any C++
// exception (std::bad_alloc from a container) into a failure: nothing may cross the C boundary.
template <class Body>
int guarded(NeuriteCudaContext* c, Body&& body)
{
    if (!c)
        return NEURITE_CUDA_INVALID;
    try {
        if (const cudaError_t set = cudaSetDevice(c->device); set != cudaSuccess)
            return failCuda(c, set, "cudaSetDevice", "");
        return body();
    } catch (const std::exception& e) {
        return fail(c, NEURITE_CUDA_ERROR, e.what());
    } catch (...) {
        return fail(c, NEURITE_CUDA_ERROR, "unknown C++ exception");
    }
}

} // namespace neurite::cuda
