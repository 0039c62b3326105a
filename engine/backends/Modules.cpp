#include "engine/backends/Modules.h"

#include <dlfcn.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <vector>

namespace neurite {

LoadedModule loadModule(const char* envVariable, const std::string& fileName, const std::string& buildPath)
{
    std::vector<std::string> candidates;
    if (const char* set = std::getenv(envVariable); set && *set)
        candidates.push_back(set);
    char self[4096] = {};
    if (readlink("/proc/self/exe", self, sizeof self - 1) > 0) {
        const auto bin = std::filesystem::path(self).parent_path();
        candidates.push_back((bin.parent_path() / "lib/neurite" / fileName).string());
        candidates.push_back((bin / fileName).string());
    }
    candidates.push_back(buildPath);
    LoadedModule out;
    out.error = "the module " + fileName + " is not part of this build";
    for (const auto& path : candidates) {
        if (path.empty() || !std::filesystem::exists(path))
            continue;
        if ((out.handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL))) {
            out.path = path;
            out.error.clear();
            break;
        }
        out.error = "the module " + path + " cannot load: " + dlerror();
    }
    return out;
}

} // namespace neurite
