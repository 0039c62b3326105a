#include "engine/backends/Registry.h"

#include "engine/backends/CudaDevices.h"
#include "engine/backends/cpu/CpuBackend.h"
#include "engine/backends/cpu/OneDnnConvolution.h"
#include "engine/backends/cpu/OpenMpSpin.h"
#include "engine/backends/cuda/CudaBackend.h"
#include "engine/backends/reference/ReferenceBackend.h"
#include "engine/core/Error.h"

namespace neurite {

std::vector<std::string> backendNames()
{
    if (cudaStatus().available)
        return {"cpu", "reference", "cuda"};
    return {"cpu", "reference"};
}

std::unique_ptr<Backend> createBackend(const std::string& name, int threads, BackendOptions options)
{
    if (options.bf16 && (name == "cpu" || name == "reference"))
        throw ConfigError("device '" + name + "' computes in fp32 only: bf16 needs a GPU (--device cuda)");
    if (name == "cpu")
        return std::make_unique<CpuBackend>(threads);
    if (name == "reference")
        return std::make_unique<ReferenceBackend>();
    if (name == "cuda") {
        const auto& cuda = cudaStatus();
        if (!cuda.available)
            throw ConfigError("device 'cuda': no usable GPU: " + cuda.reason + "; use --device cpu");
        try {
            return std::make_unique<CudaBackend>(
                CudaBackendOptions{0, options.allowTf32, options.deterministic, options.bf16});
        } catch (const Error& e) {
            throw ConfigError("device 'cuda': " + cuda.devices[0].name + " could not be used: " + e.what() +
                              "; use --device cpu");
        }
    }
    throw ConfigError("unknown device '" + name + "'; available: cpu, reference");
}

CpuBackendFacts cpuBackendFacts(const Backend& cpu)
{
    CpuBackendFacts facts;
    facts.gemmMaxRelativeError = CpuBackend::startupCheck().maxRelativeError;
    facts.threads = dynamic_cast<const CpuBackend&>(cpu).threads();
    // Which kernel the benchmark CNN's second convolution (32 → 64 channels) gets here.
    ConvGeometry g{128, 32, 14, 14, 64, 3, 1, 1};
    g.computeOutput();
    const auto kernel = createOneDnnConvolution(g, 1);
    facts.convolutions = kernel ? "convolutions of 16+ input channels, " + kernel->kernel() + " (" + oneDnnModuleStatus() + ")"
                                : "not used: " + oneDnnModuleStatus() + "; convolutions run on im2col + OpenBLAS SGEMM";
    return facts;
}

void prepareProcessForBackends(char** argv)
{
    restartIfOpenMpSpinsTooLong(argv);
}

} // namespace neurite
