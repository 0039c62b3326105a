#include "engine/backends/Registry.h"

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
    if (name == "cuda")
        throw ConfigError("device 'cuda': the CUDA backend is not built yet; use --device cpu");
    throw ConfigError("unknown device '" + name + "'; available: cpu, reference");
}

} // namespace neurite
