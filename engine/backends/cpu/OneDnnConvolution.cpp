// Finding and loading libneurite_onednn.so (see OneDnnConvolution.h).
#include "engine/backends/cpu/OneDnnConvolution.h"

#include <dlfcn.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <vector>

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
        std::vector<std::string> candidates;
        if (const char* set = std::getenv("NEURITE_ONEDNN_MODULE"); set && *set)
            candidates.push_back(set);
        char self[4096] = {};
        if (readlink("/proc/self/exe", self, sizeof self - 1) > 0) {
            const auto bin = std::filesystem::path(self).parent_path();
            candidates.push_back((bin.parent_path() / "lib/neurite/libneurite_onednn.so").string());
            candidates.push_back((bin / "libneurite_onednn.so").string());
        }
        candidates.push_back(NEURITE_ONEDNN_MODULE_BUILD_PATH);  // "" when the build has none
        m.status = "oneDNN module (libneurite_onednn.so) not part of this build";
        // OpenMP reads this once, when it loads: its workers then sleep after ~1000 spins.
        setenv("GOMP_SPINCOUNT", "1000", 0);
        for (const auto& path : candidates) {
            if (path.empty() || !std::filesystem::exists(path))
                continue;
            void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
            if (!handle) {
                m.status = std::string("oneDNN module cannot load: ") + dlerror();
                continue;
            }
            m.create = reinterpret_cast<NeuriteOneDnnCreateFn>(dlsym(handle, "neurite_onednn_create"));
            m.status = m.create ? path : "the oneDNN module has no neurite_onednn_create";
            break;
        }
        return m;
    }();
    return loaded;
}

} // namespace

std::unique_ptr<OneDnnConvolution> createOneDnnConvolution(const ConvGeometry& g, int threads)
{
    if (g.groups != 1 || g.dilation != 1 || g.cin < 16 || !module().create)
        return nullptr;
    return std::unique_ptr<OneDnnConvolution>(module().create(&g, threads));
}

std::string oneDnnModuleStatus() { return module().status; }

} // namespace neurite
