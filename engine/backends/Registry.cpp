#include "engine/backends/Registry.h"

#include "engine/backends/CudaDevices.h"
#include "engine/backends/cpu/CpuBackend.h"
#include "engine/backends/reference/ReferenceBackend.h"
#include "engine/core/Error.h"

namespace neurite {

std::vector<std::string> backendNames() { return {"cpu", "reference"}; }

std::unique_ptr<Backend> createBackend(const std::string& name, int threads)
{
    if (name == "cpu")
        return std::make_unique<CpuBackend>(threads);
    if (name == "reference")
        return std::make_unique<ReferenceBackend>();
    if (name == "cuda") {
        const auto& cuda = cudaStatus();
        if (!cuda.available)
            throw ConfigError("device 'cuda': no usable GPU: " + cuda.reason + "; use --device cpu");
        throw ConfigError("device 'cuda': found " + cuda.devices[0].name +
                          ", but training on the GPU is not implemented yet; use --device cpu");
    }
    throw ConfigError("unknown device '" + name + "'; available: cpu, reference");
}

} // namespace neurite
