// neurite doctor: what this machine offers the engine, measured.
#include "app/cli/Args.h"
#include "app/cli/Commands.h"
#include "engine/backends/CudaDevices.h"
#include "engine/backends/Parity.h"
#include "engine/backends/Registry.h"
#include "engine/core/CpuInfo.h"
#include "engine/core/Rng.h"
#include "engine/core/Tensor.h"

#include <chrono>
#include <algorithm>
#include <cstdio>
#include <iostream>

namespace neurite::cli {

namespace {

const std::vector<OptionSpec> kOptions = {
    {"threads", "N", "threads for the GEMM measurement and the parity check [all cores]"},
    {"parity", "", "check every backend operation, forward and backward, against the reference backend"},
    {"device", "NAME", "the backend --parity checks [cpu]"},
    {"help", "", "show this help"},
};

// Best of a few runs of a square SGEMM, in GFLOP/s.
double measureGemm(Backend& backend, std::int64_t n)
{
    Tensor a(Shape{n, n}), b(Shape{n, n}), c(Shape{n, n});
    Rng rng(1);
    for (auto& v : a.span()) v = rng.uniform(-1, 1);
    for (auto& v : b.span()) v = rng.uniform(-1, 1);
    double best = 1e30;
    for (int rep = 0; rep < 5; ++rep) {
        const auto t0 = std::chrono::steady_clock::now();
        backend.gemm(false, false, n, n, n, 1.0f, a.data(), n, b.data(), n, 0.0f, c.data(), n);
        best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    }
    return 2.0 * double(n * n * n) / best / 1e9;
}

// `text` padded with spaces to `width` characters (UTF-8: "×" is one character, two bytes).
std::size_t characters(const std::string& text)
{
    std::size_t chars = 0;
    for (unsigned char c : text)
        chars += (c & 0xC0) != 0x80;
    return chars;
}

std::string padded(const std::string& text, std::size_t width)
{
    const std::size_t chars = characters(text);
    return text + std::string(chars < width ? width - chars : 1, ' ');
}

// The parity table of one backend against the reference backend.
int parity(const std::string& device, int threads)
{
    auto subject = createBackend(device, threads);
    auto reference = createBackend("reference");
    const auto rows = runParity(*subject, *reference);
    std::printf("\nparity: %s against reference (error: max |got − want| / (1 + |want|))\n", device.c_str());
    std::size_t opWidth = 10, shapeWidth = 10;
    for (const auto& row : rows) {
        opWidth = std::max(opWidth, characters(row.op) + 2);
        shapeWidth = std::max(shapeWidth, characters(row.shape) + 2);
    }
    std::printf("  %s%s%9s %9s\n", padded("operation", opWidth).c_str(), padded("shape", shapeWidth).c_str(), "error",
                "tolerance");
    int failed = 0;
    for (const auto& row : rows) {
        std::printf("  %s%s%9.1e %9.0e  %s\n", padded(row.op, opWidth).c_str(), padded(row.shape, shapeWidth).c_str(), row.error,
                    row.tolerance, row.pass() ? "ok" : "FAILED");
        failed += !row.pass();
    }
    std::printf("%zu checks, %d failed\n", rows.size(), failed);
    return failed ? kParity : kOk;
}

} // namespace

int doctorCommand(const std::vector<std::string>& argv)
{
    Args args("neurite doctor", kOptions, argv);
    if (args.has("help")) {
        std::cout << helpText("neurite doctor [--threads N] [--parity [--device NAME]]",
                              "Describes the CPU, the BLAS kernel in use with its measured speed and its agreement\n"
                              "with the reference backend, and the devices found. --parity then checks every\n"
                              "operation of a backend against the reference backend and exits with 7 if any differs\n"
                              "by more than its tolerance.",
                              kOptions);
        return kOk;
    }
    const auto& cpu = CpuInfo::current();
    std::string ext;
    for (const auto& e : cpu.extensions())
        ext += (ext.empty() ? "" : " ") + e;
    std::printf("neurite %s\n\n", NEURITE_VERSION);
    std::printf("CPU        %s (%s), %d logical cores\n", cpu.model.c_str(), cpu.vendor.c_str(), cpu.logicalCores);
    std::printf("vector     %s\n", ext.empty() ? "none beyond SSE" : ext.c_str());

    auto backend = createBackend("cpu", int(args.getInt("threads", 0)));
    const CpuBackendFacts facts = cpuBackendFacts(*backend);
    std::printf("BLAS       %s\n", backend->description().c_str());
    std::printf("parity     OpenBLAS SGEMM vs reference backend: max relative error %.2e (ok)\n", facts.gemmMaxRelativeError);
    const double gflops = measureGemm(*backend, 1024);
    const double single = [&] {
        auto one = createBackend("cpu", 1);
        return measureGemm(*one, 1024);
    }();
    std::printf("SGEMM      1024³: %.1f GFLOP/s on %d thread(s), %.1f GFLOP/s on 1\n", gflops,
                facts.threads, single);
    std::printf("oneDNN     %s\n", facts.convolutions.c_str());
    const auto& cuda = cudaStatus();
    if (!cuda.available) {
        std::printf("GPU        none usable: %s\n", cuda.reason.c_str());
    } else {
        for (const auto& d : cuda.devices)
            std::printf("GPU        %s, %.1f GiB, compute capability %d.%d, %d SMs; cuBLAS SGEMM check: max error %.1e\n",
                        d.name.c_str(), double(d.memoryBytes) / (1ull << 30), d.computeMajor, d.computeMinor,
                        d.multiprocessors, d.gemmMaxError);
        std::printf("CUDA       driver %s, runtime %s, cuBLAS %s, cuDNN %s (%s)\n", cuda.driver.c_str(),
                    cuda.runtime.c_str(), cuda.cublas.c_str(), cuda.cudnn.c_str(), cuda.module.c_str());
        std::printf("           the CUDA backend trains every step on the device; this build's kernels have not been\n"
                    "           checked on a GPU by its tests: run `neurite doctor --parity --device cuda` first\n");
    }
    std::printf("backends   ");
    for (const auto& name : backendNames())
        std::printf("%s ", name.c_str());
    std::printf("\n");
    return args.has("parity") ? parity(args.get("device", "cpu"), int(args.getInt("threads", 0))) : kOk;
}

} // namespace neurite::cli
