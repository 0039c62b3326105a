#pragma once
// Loading the backends' run-time modules (libneurite_cuda.so, libneurite_onednn.so): the one
// place that knows where they may be.
#include <string>

namespace neurite {

struct LoadedModule {
    void* handle = nullptr;       // from dlopen; null when not loaded
    std::string path;             // where it loaded from
    std::string error;            // why not, when not
};

// Looks for `fileName` where the user points ($envVariable), beside the program's installed
// libraries (<prefix>/lib/neurite/), beside the program, and in the build tree (buildPath, ""
// when this build has no such module); dlopens the first that exists.
LoadedModule loadModule(const char* envVariable, const std::string& fileName, const std::string& buildPath);

} // namespace neurite
