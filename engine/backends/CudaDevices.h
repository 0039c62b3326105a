#pragma once
// The NVIDIA GPUs this machine offers, found through the CUDA module (libneurite_cuda.so), which
// is loaded at run time. When the module is not built, cannot load (CUDA libraries missing) or
// finds no usable GPU (no driver, no device, too old a driver), `reason` says which, once.
#include <cstdint>
#include <string>
#include <vector>

namespace neurite {

struct GpuInfo {
    std::string name;
    std::uint64_t memoryBytes = 0;
    int computeMajor = 0, computeMinor = 0, multiprocessors = 0;
    double gemmMaxError = -1;         // cuBLAS SGEMM check at discovery; negative: it failed
};

struct CudaStatus {
    bool available = false;
    std::string reason;               // why not, when not available
    std::string module;               // the module's path, when it loaded
    std::string driver, runtime, cublas, cudnn;  // versions, "13.0"
    std::vector<GpuInfo> devices;
};

// Probed once per process, on first use.
const CudaStatus& cudaStatus();

} // namespace neurite
