// The matrix product (cuBLAS; in bf16 on copies rounded by Bf16Kernels.cu) and the pooling layers
// (our kernels, CudaKernels.cu) of CudaApi.h.
#include "engine/backends/cuda/CudaContext.h"
#include "engine/backends/cuda/CudaKernels.h"

#include <climits>

namespace neurite::cuda {

namespace {

bool fitsInt(std::int64_t v) { return v >= 0 && v <= INT_MAX; }

std::string dims(std::initializer_list<std::int64_t> values)
{
    std::string text;
    for (const std::int64_t v : values)
        text += (text.empty() ? "" : "×") + std::to_string(v);
    return text;
}

} // namespace

std::string describe(const NeuriteCudaConv& g)
{
    return "conv x " + dims({g.n, g.cin, g.h, g.w}) + ", w " +
           dims({g.cout, g.groups > 0 ? g.cin / g.groups : g.cin, g.k, g.k}) + ", y " + dims({g.n, g.cout, g.oh, g.ow}) +
           ", stride " + std::to_string(g.stride) + ", pad " + std::to_string(g.pad) + ", dilation " +
           std::to_string(g.dilation) + ", groups " + std::to_string(g.groups) + (g.relu ? ", ReLU" : "") +
           (g.maxPool2x2 ? ", 2×2 max pool" : "");
}

std::string describe(const NeuriteCudaPool& g)
{
    return "pool x " + dims({g.n, g.c, g.h, g.w}) + ", y " + dims({g.n, g.c, g.oh, g.ow}) + ", window " +
           std::to_string(g.k) + ", stride " + std::to_string(g.stride) + ", pad " + std::to_string(g.pad);
}

namespace {

// The bf16 path (CudaApi.h): A and B rounded to bf16 into scratch, packed (each row exactly as wide
// as op(A) or op(B) needs: the leading dimensions become the widths), then cublasGemmEx on bf16
// inputs, fp32 accumulation (CUBLAS_COMPUTE_32F) and the caller's fp32 C, beta included.
int gemmBf16(NeuriteCudaContext* c, const std::string& where, int transA, int transB, std::int64_t M, std::int64_t N,
             std::int64_t K, float alpha, const float* A, std::int64_t lda, const float* B, std::int64_t ldb,
             float beta, float* C, std::int64_t ldc)
{
    const std::int64_t rowsA = transA ? K : M, widthA = transA ? M : K;   // A as stored, row-major
    const std::int64_t rowsB = transB ? N : K, widthB = transB ? K : N;
    if (lda < widthA || ldb < widthB || ldc < N)
        return fail(c, NEURITE_CUDA_INVALID, where + ": a leading dimension is shorter than its matrix's rows");
    ScratchLayout layout;
    const std::size_t atA = layout.add(std::size_t(rowsA * widthA) * sizeof(std::uint16_t));
    const std::size_t atB = layout.add(std::size_t(rowsB * widthB) * sizeof(std::uint16_t));
    void* block = nullptr;
    if (const int e = scratch(c, layout.bytes, "bf16 copies of the operands of " + where, &block))
        return e;
    auto* a16 = ScratchLayout::part<std::uint16_t>(block, atA);
    auto* b16 = ScratchLayout::part<std::uint16_t>(block, atB);
    if (const cudaError_t e = launchToBf16(c->stream, A, lda, a16, rowsA, widthA); e != cudaSuccess)
        return failCuda(c, e, "fp32 → bf16 kernel (A)", where);
    if (const cudaError_t e = launchToBf16(c->stream, B, ldb, b16, rowsB, widthB); e != cudaSuccess)
        return failCuda(c, e, "fp32 → bf16 kernel (B)", where);
    const cublasStatus_t e =
        cublasGemmEx(c->cublas, transB ? CUBLAS_OP_T : CUBLAS_OP_N, transA ? CUBLAS_OP_T : CUBLAS_OP_N, int(N), int(M),
                     int(K), &alpha, b16, CUDA_R_16BF, int(widthB), a16, CUDA_R_16BF, int(widthA), &beta, C, CUDA_R_32F,
                     int(ldc), CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT);
    if (e != CUBLAS_STATUS_SUCCESS)
        return failCublas(c, e, "cublasGemmEx (bf16 inputs, fp32 accumulation and output)", where);
    return int(NEURITE_CUDA_OK);
}

} // namespace

// Row-major C = op(A)·op(B) is, read column-major, Cᵀ = op(B)ᵀ·op(A)ᵀ: the same buffers with A and B
// swapped and M and N swapped; each leading dimension stays with its matrix.
int gemm(NeuriteCudaContext* c, int transA, int transB, std::int64_t M, std::int64_t N, std::int64_t K, float alpha,
         const float* A, std::int64_t lda, const float* B, std::int64_t ldb, float beta, float* C, std::int64_t ldc)
{
    return guarded(c, [&] {
        const std::string where = "gemm " + std::string(transA ? "T" : "N") + (transB ? "T" : "N") + " M " +
                                  std::to_string(M) + " N " + std::to_string(N) + " K " + std::to_string(K) + " lda " +
                                  std::to_string(lda) + " ldb " + std::to_string(ldb) + " ldc " + std::to_string(ldc);
        if (!fitsInt(M) || !fitsInt(N) || !fitsInt(K) || !fitsInt(lda) || !fitsInt(ldb) || !fitsInt(ldc))
            return fail(c, NEURITE_CUDA_INVALID, where + ": sizes must lie in [0, 2³¹)");
        if (M == 0 || N == 0)
            return int(NEURITE_CUDA_OK);
        if (c->bf16 && K > 0)   // K = 0 (C = beta·C) has nothing to round: cublasSgemm does it
            return gemmBf16(c, where, transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
        const cublasStatus_t e =
            cublasSgemm(c->cublas, transB ? CUBLAS_OP_T : CUBLAS_OP_N, transA ? CUBLAS_OP_T : CUBLAS_OP_N, int(N),
                        int(M), int(K), &alpha, B, int(ldb), A, int(lda), &beta, C, int(ldc));
        if (e != CUBLAS_STATUS_SUCCESS)
            return failCublas(c, e, "cublasSgemm", where);
        return int(NEURITE_CUDA_OK);
    });
}

namespace {

// Checks the geometry (the output size too) and gives one plane's shape.
int poolPlane(NeuriteCudaContext* c, const NeuriteCudaPool* g, PoolPlane* plane)
{
    if (!g)
        return fail(c, NEURITE_CUDA_INVALID, "pooling: null geometry");
    const bool sizes = g->n >= 0 && g->c >= 0 && g->h > 0 && g->w > 0 && g->k > 0 && g->stride > 0 && g->pad >= 0 &&
                       g->pad < g->k;
    if (!sizes || g->oh != (g->h + 2 * g->pad - g->k) / g->stride + 1 ||
        g->ow != (g->w + 2 * g->pad - g->k) / g->stride + 1 || g->h * g->w > INT32_MAX)
        return fail(c, NEURITE_CUDA_INVALID, describe(*g) + ": inconsistent geometry");
    *plane = {g->h, g->w, g->k, g->stride, g->pad, g->oh, g->ow};
    return NEURITE_CUDA_OK;
}

int launched(NeuriteCudaContext* c, cudaError_t e, const char* kernel, const NeuriteCudaPool& g)
{
    return e == cudaSuccess ? int(NEURITE_CUDA_OK) : failCuda(c, e, kernel, describe(g));
}

} // namespace

int maxPoolForward(NeuriteCudaContext* c, const NeuriteCudaPool* g, const float* x, float* y, std::int32_t* argmax)
{
    return guarded(c, [&] {
        PoolPlane p{};
        if (const int e = poolPlane(c, g, &p))
            return e;
        return launched(c, launchMaxPoolForward(c->stream, p, g->n * g->c, x, y, argmax), "max pool forward kernel", *g);
    });
}

int maxPoolBackward(NeuriteCudaContext* c, const NeuriteCudaPool* g, const float* dy, const std::int32_t* argmax,
                    float* dx)
{
    return guarded(c, [&] {
        PoolPlane p{};
        if (const int e = poolPlane(c, g, &p))
            return e;
        if (!argmax)
            return fail(c, NEURITE_CUDA_INVALID, describe(*g) + ": max pool backward needs the forward's argmax");
        return launched(c, launchMaxPoolBackward(c->stream, p, g->n * g->c, dy, argmax, nullptr, dx),
                        "max pool backward kernel", *g);
    });
}

int avgPoolForward(NeuriteCudaContext* c, const NeuriteCudaPool* g, const float* x, float* y)
{
    return guarded(c, [&] {
        PoolPlane p{};
        if (const int e = poolPlane(c, g, &p))
            return e;
        return launched(c, launchAvgPoolForward(c->stream, p, g->n * g->c, x, y), "avg pool forward kernel", *g);
    });
}

int avgPoolBackward(NeuriteCudaContext* c, const NeuriteCudaPool* g, const float* dy, float* dx)
{
    return guarded(c, [&] {
        PoolPlane p{};
        if (const int e = poolPlane(c, g, &p))
            return e;
        return launched(c, launchAvgPoolBackward(c->stream, p, g->n * g->c, dy, dx), "avg pool backward kernel", *g);
    });
}

} // namespace neurite::cuda
