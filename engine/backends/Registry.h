#pragma once
// Which backends this build has, by name. The only place that knows.
#include "engine/backends/Backend.h"

#include <memory>
#include <string>
#include <vector>

namespace neurite {

std::vector<std::string> backendNames();                       // "cpu", "reference"
// How a GPU backend may compute (the CPU backends are always fp32 and deterministic).
struct BackendOptions {
    bool allowTf32 = false;        // matrix products and convolutions on TF32 tensor cores
    bool deterministic = false;    // only algorithms that give the same bits run after run
    bool bf16 = false;             // matrix products and convolutions in bf16 (fp32 accumulation; the
                                   // weights, gradients and optimiser state stay fp32): a GPU only
};

// Throws ConfigError for an unknown or unavailable backend, naming the ones there are, and for
// options.bf16 on a CPU backend (they compute in fp32 only).
std::unique_ptr<Backend> createBackend(const std::string& name, int threads = 0, BackendOptions options = {});

// What `neurite doctor` reports of a CPU backend made by createBackend("cpu"): the start-up check
// of its matrix product against the reference, its threads, and the kernel its convolutions use.
struct CpuBackendFacts {
    double gemmMaxRelativeError = 0;
    int threads = 1;
    std::string convolutions;      // "convolutions of 16+ input channels, jit:avx512_core (...)" or why not
};
CpuBackendFacts cpuBackendFacts(const Backend& cpu);

// First thing in a program's main(): what the backends need settled before the process goes on
// (today: OpenMP's spinning, which can only be set before libgomp loads; a Qt program restarts
// itself once for it). Returns when nothing (more) needs doing.
void prepareProcessForBackends(char** argv);

} // namespace neurite
