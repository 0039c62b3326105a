#include "engine/backends/CudaDevices.h"

#include "engine/backends/Modules.h"
#include "engine/backends/cuda/CudaProbe.h"

#include <dlfcn.h>

namespace neurite {

namespace {

std::string version(int v) { return std::to_string(v / 1000) + "." + std::to_string(v % 1000 / 10); }

CudaStatus probe()
{
    CudaStatus status;
    const LoadedModule module = loadModule("NEURITE_CUDA_MODULE", "libneurite_cuda.so", NEURITE_CUDA_MODULE_BUILD_PATH);
    if (!module.handle) {
        status.reason = module.error;
        return status;
    }
    status.module = module.path;
    auto fn = reinterpret_cast<NeuriteCudaProbeFn>(dlsym(module.handle, "neurite_cuda_probe"));
    if (!fn) {
        status.reason = "the CUDA module has no neurite_cuda_probe";
        return status;
    }
    NeuriteCudaReport report{};
    const int devices = fn(&report);
    status.driver = report.driverVersion ? version(report.driverVersion) : "none";
    status.runtime = version(report.runtimeVersion);
    status.cublas = std::to_string(report.cublasVersion / 10000) + "." + std::to_string(report.cublasVersion / 100 % 100);
    status.cudnn = std::to_string(report.cudnnVersion / 10000) + "." + std::to_string(report.cudnnVersion / 100 % 100);
    for (int d = 0; d < devices; ++d) {
        const auto& in = report.devices[d];
        status.devices.push_back({in.name, in.memoryBytes, in.computeMajor, in.computeMinor, in.multiprocessors,
                                  in.gemmMaxError});
    }
    status.available = devices > 0;
    if (!status.available)
        status.reason = report.error;
    return status;  // the module stays loaded: the backend will use it
}

} // namespace

const CudaStatus& cudaStatus()
{
    static const CudaStatus status = probe();
    return status;
}

} // namespace neurite
