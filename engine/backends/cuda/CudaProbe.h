#pragma once
// The C interface between the engine and the CUDA module (libneurite_cuda.so), which is loaded at
// run time so that one build runs on machines with and without NVIDIA's driver and libraries.
// Plain C types only: the module and the engine may be built by different compilers.
#include <stddef.h>

extern "C" {

struct NeuriteCudaDevice {
    char name[256];
    unsigned long long memoryBytes;
    int computeMajor, computeMinor;
    int multiprocessors;
    double gemmMaxError;              // a 64×64×64 cuBLAS SGEMM against the host's result
};

struct NeuriteCudaReport {
    int driverVersion;                // 13000 for 13.0; 0: no driver
    int runtimeVersion;
    int cublasVersion;
    size_t cudnnVersion;              // 91400 for 9.14
    int deviceCount;
    NeuriteCudaDevice devices[8];
    char error[512];                  // why no device is usable, when deviceCount is 0
};

// Fills the report; returns the number of usable devices (0 with report->error set).
typedef int (*NeuriteCudaProbeFn)(struct NeuriteCudaReport* report);
int neurite_cuda_probe(struct NeuriteCudaReport* report);
}
