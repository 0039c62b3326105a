// Finding and loading libneurite_onednn.so (see OneDnnConvolution.h).
#include "engine/backends/cpu/OneDnnConvolution.h"

#include "engine/backends/Modules.h"

#include <dlfcn.h>

#include <cstdlib>

namespace neurite {

namespace {

struct Module {
    NeuriteOneDnnCreateFn create = nullptr;
    std::string status;
};

const Module& module()
{
    static const Module loaded = [] {
        Module m;
        // OpenMP reads this once, when it loads: its workers then sleep after ~1000 spins.
        setenv("GOMP_SPINCOUNT", "1000", 0);
        const LoadedModule module =
            loadModule("NEURITE_ONEDNN_MODULE", "libneurite_onednn.so", NEURITE_ONEDNN_MODULE_BUILD_PATH);
        m.status = module.handle ? module.path : module.error;
        if (module.handle) {
            m.create = reinterpret_cast<NeuriteOneDnnCreateFn>(dlsym(module.handle, "neurite_onednn_create"));
            if (!m.create)
                m.status = "the oneDNN module has no neurite_onednn_create";
        }
        return m;
    }();
    return loaded;
}

} // namespace

bool oneDnnShape(const ConvGeometry& g) { return g.groups == 1 && g.dilation == 1 && g.cin >= 16; }

std::unique_ptr<OneDnnConvolution> createOneDnnConvolution(const ConvGeometry& g, int threads)
{
    if (!oneDnnShape(g) || !module().create)
        return nullptr;
    return std::unique_ptr<OneDnnConvolution>(module().create(&g, threads));
}

std::string oneDnnModuleStatus() { return module().status; }

} // namespace neurite
