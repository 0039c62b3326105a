// neurite_cuda_check: what the first GPU session must see (README.md here), in one Qt-free program
// for the GPU machine: the parity of every operation of the CUDA backend against the reference
// backend (full FP32, then TF32 for information), the caching allocator in a steady step, a CUDA
// graph replay, and an out-of-memory error. Exit status: 0 all passed, 1 a check failed, 2 no GPU.
#include "engine/backends/CudaDevices.h"
#include "engine/backends/Parity.h"
#include "engine/backends/cuda/CudaBackend.h"
#include "engine/backends/reference/ReferenceBackend.h"
#include "engine/core/Error.h"

#include <cstdio>
#include <vector>

using namespace neurite;

namespace {

int failures = 0;

void verdict(bool ok, const std::string& what)
{
    std::printf("%s  %s\n", ok ? "pass" : "FAIL", what.c_str());
    failures += ok ? 0 : 1;
}

void parity(bool tf32)
{
    CudaBackend cuda({0, tf32});
    ReferenceBackend reference;
    std::printf("\n-- parity against the reference, %s: %s\n", tf32 ? "TF32 (not a pass/fail check)" : "full FP32",
                cuda.description().c_str());
    for (const ParityRow& row : runParity(cuda, reference)) {
        const std::string line = row.op + " | " + row.shape + " | error " + std::to_string(row.error) + " (tolerance " +
                                 std::to_string(row.tolerance) + ")";
        if (tf32)
            std::printf("info  %s\n", line.c_str());
        else
            verdict(row.pass(), line);
    }
}

// A convolution step (forward, backward) three times: cudaMalloc only in the first.
void steadyStepAndGraph()
{
    std::printf("\n-- caching allocator and CUDA graphs\n");
    CudaBackend cuda;
    ConvGeometry g{8, 16, 28, 28, 32, 3, 1, 1};
    g.relu = g.maxPool2x2 = true;
    g.computeOutput();
    const std::int64_t nx = g.n * g.cin * g.h * g.w, nw = g.cout * g.cin * g.k * g.k, ny = g.n * g.cout * (g.oh / 2) * (g.ow / 2);
    const auto hx = parityInput(nx, 1), hw = parityInput(nw, 2), hb = parityInput(g.cout, 3), hdy = parityInput(ny, 4);
    std::int64_t mallocs = -1;
    std::vector<float> first;
    for (int step = 0; step < 3; ++step) {
        std::vector<void*> buffers;
        auto make = [&](std::int64_t count, const std::vector<float>* from, std::size_t bytesPer = sizeof(float)) {
            void* p = cuda.allocate(count * std::int64_t(bytesPer), "step buffer");
            if (from)
                cuda.upload(p, from->data(), count * std::int64_t(bytesPer));
            buffers.push_back(p);
            return p;
        };
        auto* x = static_cast<float*>(make(nx, &hx));
        auto* w = static_cast<float*>(make(nw, &hw));
        auto* b = static_cast<float*>(make(g.cout, &hb));
        auto* dy = static_cast<float*>(make(ny, &hdy));
        auto* y = static_cast<float*>(make(ny, nullptr));
        auto* argmax = static_cast<std::int32_t*>(make(ny, nullptr, sizeof(std::int32_t)));
        auto* dx = static_cast<float*>(make(nx, nullptr));
        auto* dw = static_cast<float*>(make(nw, nullptr));
        auto* db = static_cast<float*>(make(g.cout, nullptr));
        cuda.convForward(g, x, w, b, y, nullptr, argmax);
        cuda.convBackward(g, x, w, y, dy, dx, dw, db, nullptr, argmax);
        std::vector<float> got(static_cast<std::size_t>(nw));
        cuda.download(got.data(), dw, nw * std::int64_t(sizeof(float)));
        if (step == 0) {
            first = got;
            mallocs = cuda.memoryInfo().deviceAllocations;
        } else {
            verdict(parityError(got, first) < 1e-5, "step " + std::to_string(step) + ": dW as in step 0");
            verdict(cuda.memoryInfo().deviceAllocations == mallocs,
                    "step " + std::to_string(step) + ": no cudaMalloc (" + std::to_string(mallocs) + " in all)");
        }
        if (step == 2) {   // the same step as a graph, replayed twice
            cuda.fill(dw, 0.0f, nw);
            cuda.beginCapture();
            cuda.convForward(g, x, w, b, y, nullptr, argmax);
            cuda.convBackward(g, x, w, y, dy, dx, dw, db, nullptr, argmax);
            auto graph = cuda.endCapture();
            graph->replay();
            graph->replay();
            cuda.download(got.data(), dw, nw * std::int64_t(sizeof(float)));
            verdict(parityError(got, first) < 1e-5, "graph replay: dW as from the direct calls");
        }
        for (void* p : buffers)
            cuda.release(p);
    }
    try {
        cuda.allocate(std::int64_t(1) << 50, "the check's 1 PiB");
        verdict(false, "1 PiB allocated?");
    } catch (const OutOfMemoryError& e) {
        verdict(e.purpose() == "the check's 1 PiB", std::string("out of memory: ") + e.what());
    }
}

} // namespace

int main()
{
    const CudaStatus& status = cudaStatus();
    if (!status.available) {
        std::printf("no CUDA device: %s\n", status.reason.c_str());
        return 2;
    }
    try {
        parity(false);
        parity(true);
        steadyStepAndGraph();
    } catch (const std::exception& e) {
        verdict(false, std::string("stopped by an exception: ") + e.what());
    }
    std::printf("\n%d failed\n", failures);
    return failures ? 1 : 0;
}
