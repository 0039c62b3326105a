// neurite_cuda_check: what the first GPU session must see (README.md here), in one Qt-free program
// for the GPU machine: the parity of every operation of the CUDA backend against the reference
// backend (full FP32, then TF32 for information), the caching allocator in a steady step, a CUDA
// graph replay, an out-of-memory error, and what runParity cannot see of the per-step operations:
// dropout masks equal to the CPU's bit for bit, reductions that give the same bits on every run,
// multi-tensor launches over more than one batch of tensors, and a whole optimiser step captured
// into a CUDA graph. Exit status: 0 all passed, 1 a check failed, 2 no GPU.
#include "engine/backends/CudaDevices.h"
#include "engine/backends/Parity.h"
#include "engine/backends/cuda/CudaBackend.h"
#include "engine/backends/reference/ReferenceBackend.h"
#include "engine/core/Error.h"

#include <algorithm>
#include <cmath>
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
            cuda.beginRecording();
            cuda.convForward(g, x, w, b, y, nullptr, argmax);
            cuda.convBackward(g, x, w, y, dy, dx, dw, db, nullptr, argmax);
            auto graph = cuda.endRecording();
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

// Device buffers of one check, released at its end.
struct Buffers {
    explicit Buffers(Backend& backend) : b(backend) {}
    ~Buffers()
    {
        for (void* p : held)
            b.release(p);
    }
    float* floats(const std::vector<float>& values)
    {
        auto* p = static_cast<float*>(b.allocate(std::int64_t(values.size() * sizeof(float)), "check"));
        b.upload(p, values.data(), std::int64_t(values.size() * sizeof(float)));
        held.push_back(p);
        return p;
    }
    std::vector<float> read(const float* p, std::size_t count)
    {
        std::vector<float> out(count);
        b.download(out.data(), p, std::int64_t(count * sizeof(float)));
        return out;
    }
    Backend& b;
    std::vector<void*> held;
};

void stepOperations()
{
    std::printf("\n-- per-step operations beyond the parity rows\n");
    CudaBackend cuda;
    ReferenceBackend reference;
    Buffers on(cuda);

    // Dropout: the Philox rule gives the CPU's masks exactly (1001: a partial last quad).
    const std::int64_t count = 1001;
    const auto x = parityInput(count, 5);
    for (const float p : {0.1f, 0.5f}) {
        std::vector<float> y(count), mask(count), want(count), wantMask(count);
        float* dy = on.floats(y);
        float* dmask = on.floats(mask);
        cuda.dropoutForward(p, 0xfeedfacecafeull, 7, 3, on.floats(x), dy, dmask, count);
        reference.dropoutForward(p, 0xfeedfacecafeull, 7, 3, x.data(), want.data(), wantMask.data(), count);
        verdict(on.read(dmask, count) == wantMask && on.read(dy, count) == want,
                "dropout p " + std::to_string(p) + ": mask and y equal to the reference's, bit for bit");
    }

    // 40 tensors: two multi-tensor launches. The norm twice from the same gradients: the same bits.
    std::vector<std::vector<float>> grads;
    std::vector<GradientSlice> slices, hostSlices;
    for (int i = 0; i < 40; ++i) {
        grads.push_back(parityInput(1 + 997 * i, 100 + i));
        slices.push_back({on.floats(grads.back()), std::int64_t(grads.back().size())});
    }
    for (auto& g : grads)
        hostSlices.push_back({g.data(), std::int64_t(g.size())});
    float* norm = on.floats({0});
    cuda.clipGradientNorm(slices, 0, norm);   // measure only
    const float first = on.read(norm, 1)[0];
    cuda.clipGradientNorm(slices, 0, norm);
    float want = 0;
    reference.clipGradientNorm(hostSlices, 1.0, &want);   // clips the host copies
    verdict(on.read(norm, 1)[0] == first && std::abs(first - want) <= 1e-5f * want,
            "gradient norm over 40 tensors: " + std::to_string(first) + ", reference " + std::to_string(want) +
                ", the same bits twice");
    cuda.clipGradientNorm(slices, 1.0, norm);
    double worst = 0;
    for (std::size_t i = 0; i < grads.size(); ++i)
        worst = std::max(worst, parityError(on.read(slices[i].data, grads[i].size()), grads[i]));
    verdict(worst < 1e-6, "gradient clipping to 1 over 40 tensors: error " + std::to_string(worst));

    // Cross-entropy over 1000 rows twice: the same bits (partials in a fixed order).
    const std::int64_t rows = 1000, classes = 37;
    std::vector<std::int32_t> labels(rows);
    for (std::int64_t r = 0; r < rows; ++r)
        labels[std::size_t(r)] = std::int32_t(r * 7 % classes);
    auto* dlabels = static_cast<std::int32_t*>(cuda.allocate(rows * std::int64_t(sizeof(std::int32_t)), "labels"));
    on.held.push_back(dlabels);
    cuda.upload(dlabels, labels.data(), rows * std::int64_t(sizeof(std::int32_t)));
    const auto scores = parityInput(rows * classes, 9);
    float* dscores = on.floats(scores);
    float* loss = on.floats({0});
    cuda.lossForward({LossKind::CrossEntropy, 0.1f}, dscores, {dlabels, nullptr}, rows, classes, loss);
    const float once = on.read(loss, 1)[0];
    cuda.lossForward({LossKind::CrossEntropy, 0.1f}, dscores, {dlabels, nullptr}, rows, classes, loss);
    reference.lossForward({LossKind::CrossEntropy, 0.1f}, scores.data(), {labels.data(), nullptr}, rows, classes, &want);
    verdict(on.read(loss, 1)[0] == once && std::abs(once - want) <= 1e-6f * want,
            "cross-entropy over 1000 rows: " + std::to_string(once) + ", reference " + std::to_string(want) +
                ", the same bits twice");

    // An Adam step over the 40 tensors, direct and as a replayed graph, from the same state.
    OptimizerStepSettings adam;
    adam.kind = OptimizerKind::Adam;
    adam.lr = 1e-3;
    adam.weightDecay = 1e-4;
    std::vector<OptimizerSlot> direct, captured;
    for (std::size_t i = 0; i < grads.size(); ++i) {
        const auto w = parityInput(std::int64_t(grads[i].size()), 200 + i);
        const std::vector<float> zero(grads[i].size());
        direct.push_back({on.floats(w), slices[i].data, on.floats(zero), on.floats(zero), slices[i].count});
        captured.push_back({on.floats(w), slices[i].data, on.floats(zero), on.floats(zero), slices[i].count});
    }
    cuda.optimizerStep(adam, direct);
    cuda.beginRecording();
    cuda.optimizerStep(adam, captured);
    auto graph = cuda.endRecording();
    graph->replay();
    bool same = true;
    for (std::size_t i = 0; i < direct.size(); ++i)
        same = same && on.read(direct[i].value, grads[i].size()) == on.read(captured[i].value, grads[i].size()) &&
               on.read(direct[i].state1, grads[i].size()) == on.read(captured[i].state1, grads[i].size());
    verdict(same, "Adam step over 40 tensors as a replayed CUDA graph: the direct call's weights and moments");
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
        stepOperations();
    } catch (const std::exception& e) {
        verdict(false, std::string("stopped by an exception: ") + e.what());
    }
    std::printf("\n%d failed\n", failures);
    return failures ? 1 : 0;
}
