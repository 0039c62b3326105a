#include "engine/backends/CudaDevices.h"

#include "engine/backends/cuda/CudaProbe.h"

#include <cstdlib>
#include <dlfcn.h>
#include <filesystem>
#include <unistd.h>

namespace neurite {

namespace {

std::string version(int v) { return std::to_string(v / 1000) + "." + std::to_string(v % 1000 / 10); }

// Where the module may be: set by the user, beside the program's installed libraries, in the
// build tree.
std::vector<std::string> moduleCandidates()
{
    std::vector<std::string> out;
    if (const char* set = std::getenv("NEURITE_CUDA_MODULE"); set && *set)
        out.push_back(set);
    char self[4096] = {};
    if (readlink("/proc/self/exe", self, sizeof self - 1) > 0) {
        const auto bin = std::filesystem::path(self).parent_path();
        out.push_back((bin.parent_path() / "lib/neurite/libneurite_cuda.so").string());
        out.push_back((bin / "libneurite_cuda.so").string());
    }
    out.push_back(NEURITE_CUDA_MODULE_BUILD_PATH);  // "" when the build has no CUDA module
    return out;
}

CudaStatus probe()
{
    CudaStatus status;
    void* module = nullptr;
    std::string lastError = "the CUDA module (libneurite_cuda.so) is not part of this build";
    for (const auto& path : moduleCandidates()) {
        if (path.empty() || !std::filesystem::exists(path))
            continue;
        module = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
        if (module) {
            status.module = path;
            break;
        }
        lastError = std::string("the CUDA module cannot load: ") + dlerror();
    }
    if (!module) {
        status.reason = lastError;
        return status;
    }
    auto fn = reinterpret_cast<NeuriteCudaProbeFn>(dlsym(module, "neurite_cuda_probe"));
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
