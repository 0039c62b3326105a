// libneurite_cuda.so: the only code that links CUDA (runtime, cuBLAS, cuDNN). This file discovers
// the devices and proves cuBLAS works on each; the training backend is CudaApi.h's table.
#include "engine/backends/cuda/CudaProbe.h"

#include <cublas_v2.h>
#include <cuda_runtime.h>
#include <cudnn.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <vector>

namespace {

// C = A·B for 64×64 matrices on the device; the largest difference from the host's product.
double checkGemm(int device)
{
    constexpr int n = 64;
    std::vector<float> a(n * n), b(n * n), c(n * n), host(n * n, 0.0f);
    for (int i = 0; i < n * n; ++i) {
        a[i] = float((i * 37) % 101) / 101.0f - 0.5f;
        b[i] = float((i * 53) % 97) / 97.0f - 0.5f;
    }
    for (int i = 0; i < n; ++i)      // column-major, as cuBLAS
        for (int j = 0; j < n; ++j)
            for (int k = 0; k < n; ++k)
                host[j * n + i] += a[k * n + i] * b[j * n + k];
    cudaSetDevice(device);
    float *da = nullptr, *db = nullptr, *dc = nullptr;
    cublasHandle_t handle = nullptr;
    double worst = -1;
    if (cudaMalloc(&da, sizeof(float) * n * n) == cudaSuccess && cudaMalloc(&db, sizeof(float) * n * n) == cudaSuccess &&
        cudaMalloc(&dc, sizeof(float) * n * n) == cudaSuccess && cublasCreate(&handle) == CUBLAS_STATUS_SUCCESS) {
        cudaMemcpy(da, a.data(), sizeof(float) * n * n, cudaMemcpyHostToDevice);
        cudaMemcpy(db, b.data(), sizeof(float) * n * n, cudaMemcpyHostToDevice);
        const float one = 1.0f, zero = 0.0f;
        if (cublasSgemm(handle, CUBLAS_OP_N, CUBLAS_OP_N, n, n, n, &one, da, n, db, n, &zero, dc, n) ==
                CUBLAS_STATUS_SUCCESS &&
            cudaMemcpy(c.data(), dc, sizeof(float) * n * n, cudaMemcpyDeviceToHost) == cudaSuccess) {
            worst = 0;
            for (int i = 0; i < n * n; ++i)
                worst = std::max(worst, double(std::fabs(c[i] - host[i])));
        }
    }
    if (handle)
        cublasDestroy(handle);
    cudaFree(da);
    cudaFree(db);
    cudaFree(dc);
    return worst;
}

} // namespace

extern "C" __attribute__((visibility("default"))) int neurite_cuda_probe(NeuriteCudaReport* r)
{
    std::memset(r, 0, sizeof *r);
    cudaDriverGetVersion(&r->driverVersion);
    cudaRuntimeGetVersion(&r->runtimeVersion);
    r->cudnnVersion = cudnnGetVersion();
    int major = 0, minor = 0, patch = 0;
    cublasGetProperty(MAJOR_VERSION, &major);
    cublasGetProperty(MINOR_VERSION, &minor);
    cublasGetProperty(PATCH_LEVEL, &patch);
    r->cublasVersion = major * 10000 + minor * 100 + patch;
    int count = 0;
    const cudaError_t status = cudaGetDeviceCount(&count);
    if (status != cudaSuccess) {
        std::snprintf(r->error, sizeof r->error, "%s (%s)", cudaGetErrorString(status),
                      r->driverVersion == 0 ? "no NVIDIA driver is installed" : "the driver found no usable GPU");
        return 0;
    }
    if (r->driverVersion < r->runtimeVersion) {
        std::snprintf(r->error, sizeof r->error, "the driver supports CUDA %d.%d but Neurite needs %d.%d",
                      r->driverVersion / 1000, r->driverVersion % 1000 / 10, r->runtimeVersion / 1000,
                      r->runtimeVersion % 1000 / 10);
        return 0;
    }
    r->deviceCount = std::min(count, 8);
    for (int d = 0; d < r->deviceCount; ++d) {
        cudaDeviceProp p{};
        cudaGetDeviceProperties(&p, d);
        NeuriteCudaDevice& out = r->devices[d];
        std::snprintf(out.name, sizeof out.name, "%s", p.name);
        out.memoryBytes = p.totalGlobalMem;
        out.computeMajor = p.major;
        out.computeMinor = p.minor;
        out.multiprocessors = p.multiProcessorCount;
        out.gemmMaxError = checkGemm(d);
    }
    return r->deviceCount;
}
