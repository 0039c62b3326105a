// neurite_cuda_check: what the first GPU session must see (README.md here), in one Qt-free program
// for the GPU machine: the parity of every operation of the CUDA backend against the reference
// backend (full FP32, then TF32 for information), gemm and convolutions in bf16 against the fp32
// reference (bf16's tolerance) and against an emulation of the module's bf16 arithmetic, the
// caching allocator in a steady step and a CUDA graph replay (fp32, and bf16 with deterministic
// algorithms), an out-of-memory error, and what runParity cannot see of the per-step operations:
// dropout masks equal to the CPU's bit for bit, reductions that give the same bits on every run,
// multi-tensor launches over more than one batch of tensors, and a whole optimiser step captured
// into a CUDA graph. Exit status: 0 all passed, 1 a check failed, 2 no GPU.
#include "engine/backends/CudaDevices.h"
#include "engine/backends/Parity.h"
#include "engine/backends/cuda/Bf16Math.h"
#include "engine/backends/cuda/CudaBackend.h"
#include "engine/backends/reference/ReferenceBackend.h"
#include "engine/core/Error.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
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

// A convolution step (forward, backward) and a matrix product three times: cudaMalloc only in the
// first, the same dW and C each time (the same bits with deterministic algorithms); then the step
// captured as a CUDA graph and replayed twice: the same again.
void steadyStepAndGraph(const CudaBackend::Options& options, const std::string& label)
{
    std::printf("\n-- caching allocator and CUDA graphs, %s\n", label.c_str());
    CudaBackend cuda(options);
    const auto same = [&](const std::vector<float>& got, const std::vector<float>& want) {
        return options.deterministic ? got == want : parityError(got, want) < 1e-5;
    };
    const char* alike = options.deterministic ? "the same bits as" : "as";
    ConvGeometry g{8, 16, 28, 28, 32, 3, 1, 1};
    g.relu = g.maxPool2x2 = true;
    g.computeOutput();
    const std::int64_t nx = g.n * g.cin * g.h * g.w, nw = g.cout * g.cin * g.k * g.k, ny = g.n * g.cout * (g.oh / 2) * (g.ow / 2);
    const std::int64_t m = 64, n = 48, k = 200;   // the product: C [m, n] = A [m, k] · B [k, n]
    const auto hx = parityInput(nx, 1), hw = parityInput(nw, 2), hb = parityInput(g.cout, 3), hdy = parityInput(ny, 4);
    const auto ha = parityInput(m * k, 5), hB = parityInput(k * n, 6);
    std::int64_t mallocs = -1;
    std::vector<float> first, firstC;
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
        auto* a = static_cast<float*>(make(m * k, &ha));
        auto* bm = static_cast<float*>(make(k * n, &hB));
        auto* c = static_cast<float*>(make(m * n, nullptr));
        const auto run = [&] {
            cuda.convForward(g, x, w, b, y, nullptr, argmax);
            cuda.convBackward(g, x, w, y, dy, dx, dw, db, nullptr, argmax);
            cuda.gemm(false, false, m, n, k, 1.0f, a, k, bm, n, 0.0f, c, n);
        };
        run();
        std::vector<float> got(static_cast<std::size_t>(nw)), gotC(static_cast<std::size_t>(m * n));
        cuda.download(got.data(), dw, nw * std::int64_t(sizeof(float)));
        cuda.download(gotC.data(), c, m * n * std::int64_t(sizeof(float)));
        if (step == 0) {
            first = got;
            firstC = gotC;
            mallocs = cuda.memoryInfo().deviceAllocations;
        } else {
            verdict(same(got, first) && same(gotC, firstC),
                    "step " + std::to_string(step) + ": dW and C " + alike + " in step 0");
            verdict(cuda.memoryInfo().deviceAllocations == mallocs,
                    "step " + std::to_string(step) + ": no cudaMalloc (" + std::to_string(mallocs) + " in all)");
        }
        if (step == 2) {   // the same step as a graph, replayed twice
            cuda.fill(dw, 0.0f, nw);
            cuda.fill(c, 0.0f, m * n);
            cuda.beginRecording();
            run();
            auto graph = cuda.endRecording();
            graph->replay();
            graph->replay();
            cuda.download(got.data(), dw, nw * std::int64_t(sizeof(float)));
            cuda.download(gotC.data(), c, m * n * std::int64_t(sizeof(float)));
            verdict(same(got, first) && same(gotC, firstC),
                    std::string("graph replay: dW and C ") + alike + " from the direct calls");
            verdict(cuda.memoryInfo().deviceAllocations == mallocs, "graph capture and replay: no cudaMalloc");
        }
        for (void* p : buffers)
            cuda.release(p);
    }
}

void outOfMemory()
{
    std::printf("\n-- out of memory\n");
    CudaBackend cuda;
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
    std::int32_t* ints(const std::vector<std::int32_t>& values)
    {
        auto* p = static_cast<std::int32_t*>(b.allocate(std::int64_t(values.size() * sizeof(std::int32_t)), "check"));
        b.upload(p, values.data(), std::int64_t(values.size() * sizeof(std::int32_t)));
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

// ---- bf16: gemm and convolutions on inputs rounded to bf16, fp32 accumulation and outputs.
//
// Against the fp32 reference the error of an output summing K products of inputs each rounded by
// up to 2⁻⁸ grows as √K (random signs), so it is measured as
//     max |got − want| / (√K · s),   s = max|a| · max|b| · |α| (the inputs' scale; 1 or 1.5 here)
// and must stay within kBf16Tolerance: 2e-2, about 5 units of bf16's rounding. (A host emulation
// of these very shapes gives 2.5e-3 to 5e-3.) It must also exceed kBf16Ran, or bf16 did not run
// (fp32 gives ~1e-7). Against an emulation of the module's arithmetic (the reference backend on
// inputs rounded by Bf16Math.h, and for cuDNN's bf16 outputs the result rounded too) gemm must agree
// to fp32's accumulation error (kBf16Emulation); convolutions are printed for information, as
// an algorithm may keep intermediate transforms in bf16 (then they differ by more than 1 bf16 unit).

constexpr double kBf16Tolerance = 2e-2;
constexpr double kBf16Ran = 1e-5;
constexpr double kBf16Emulation = 1e-4;          // parityError against the emulation, gemm
constexpr double kBf16Unit = 1.0 / 128;          // one bf16 unit relative (2⁻⁷), cuDNN's rounding of y, dx, dw

std::vector<float> roundedToBf16(std::vector<float> values)
{
    for (float& v : values)
        v = cuda::roundedToBf16(v);
    return values;
}

double bf16Error(const std::vector<float>& got, const std::vector<float>& want, double products, double scale)
{
    double worst = 0;
    for (std::size_t i = 0; i < got.size(); ++i)
        worst = std::max(worst, std::abs(double(got[i]) - double(want[i])));
    return worst / (std::sqrt(products) * scale);
}

double largestBf16Error = 0;

void bf16Row(const std::string& op, const std::string& shape, double error)
{
    largestBf16Error = std::max(largestBf16Error, error);
    char text[64];
    std::snprintf(text, sizeof text, "error %.2e (tolerance %.0e)", error, kBf16Tolerance);
    verdict(error <= kBf16Tolerance, op + " | " + shape + " | " + text);
}

void emulationRow(const std::string& op, const std::string& shape, double error, double tolerance, bool counts)
{
    char text[96];
    std::snprintf(text, sizeof text, "against the emulation %.2e (%s %.1e)", error,
                  counts ? "tolerance" : "1 bf16 unit:", tolerance);
    const std::string line = op + " | " + shape + " | " + text;
    if (counts)
        verdict(error <= tolerance, line);
    else
        std::printf("info  %s\n", line.c_str());
}

void bf16Gemms(Backend& cuda, Backend& reference)
{
    struct Case {
        std::int64_t m, n, k, pad;   // pad: extra floats at the end of every row (leading dimensions)
    };
    for (const Case& s : {Case{37, 29, 45, 0}, Case{128, 96, 1000, 3}})
        for (const bool ta : {false, true})
            for (const bool tb : {false, true}) {
                Buffers on(cuda);
                const std::int64_t lda = (ta ? s.m : s.k) + s.pad, ldb = (tb ? s.k : s.n) + s.pad, ldc = s.n + s.pad;
                const auto a = parityInput((ta ? s.k : s.m) * lda, 1), b = parityInput((tb ? s.n : s.k) * ldb, 2);
                const auto c = parityInput(s.m * ldc, 3);   // beta = 0.5 mixes in the old C, in fp32
                auto want = c, emulated = c;
                float* dc = on.floats(c);
                cuda.gemm(ta, tb, s.m, s.n, s.k, 1.5f, on.floats(a), lda, on.floats(b), ldb, 0.5f, dc, ldc);
                reference.gemm(ta, tb, s.m, s.n, s.k, 1.5f, a.data(), lda, b.data(), ldb, 0.5f, want.data(), ldc);
                const auto a16 = roundedToBf16(a), b16 = roundedToBf16(b);
                reference.gemm(ta, tb, s.m, s.n, s.k, 1.5f, a16.data(), lda, b16.data(), ldb, 0.5f, emulated.data(),
                               ldc);
                const auto got = on.read(dc, c.size());
                const std::string op = std::string("gemm ") + (ta ? "T" : "N") + (tb ? "T" : "N");
                const std::string shape = "C " + std::to_string(s.m) + "×" + std::to_string(s.n) + ", K " +
                                          std::to_string(s.k) +
                                          (s.pad ? ", rows padded by " + std::to_string(s.pad) : "");
                bf16Row(op, shape, bf16Error(got, want, double(s.k), 1.5));
                emulationRow(op, shape, parityError(got, emulated), kBf16Emulation, true);
            }
}

// The forward convolution as the module computes it in bf16: cuDNN on rounded x and w, its output
// rounded to bf16, then bias, ReLU and pooling in fp32.
std::vector<float> emulatedConvForward(Backend& reference, const ConvGeometry& g, const std::vector<float>& x,
                                       const std::vector<float>& w, const std::vector<float>& bias)
{
    ConvGeometry plain = g;
    plain.relu = plain.maxPool2x2 = false;
    std::vector<float> full(std::size_t(g.n * g.cout * g.oh * g.ow));
    std::vector<float> workspace(std::size_t(reference.convWorkspace(plain)));
    const auto x16 = roundedToBf16(x), w16 = roundedToBf16(w);
    reference.convForward(plain, x16.data(), w16.data(), nullptr, full.data(), workspace.data());
    full = roundedToBf16(full);
    const std::int64_t plane = g.oh * g.ow;
    for (std::size_t i = 0; i < full.size(); ++i) {
        full[i] += bias[std::size_t(std::int64_t(i) / plane % g.cout)];
        if (g.relu)
            full[i] = std::max(full[i], 0.0f);
    }
    if (!g.maxPool2x2)
        return full;
    PoolGeometry pool{g.n, g.cout, g.oh, g.ow, 2, 2, 0};
    pool.computeOutput();
    std::vector<float> y(std::size_t(pool.n * pool.c * pool.oh * pool.ow));
    std::vector<std::int32_t> argmax(y.size());
    reference.maxPoolForward(pool, full.data(), y.data(), argmax.data());
    return y;
}

std::string describe(const ConvGeometry& g)
{
    return "x " + std::to_string(g.n) + "×" + std::to_string(g.cin) + "×" + std::to_string(g.h) + "×" +
           std::to_string(g.w) + ", w " + std::to_string(g.cout) + "×" + std::to_string(g.cin / g.groups) + "×" +
           std::to_string(g.k) + "², stride " + std::to_string(g.stride) + ", pad " + std::to_string(g.pad) +
           ", dilation " + std::to_string(g.dilation) + ", groups " + std::to_string(g.groups) +
           (g.relu ? ", ReLU" : "") + (g.maxPool2x2 ? " + 2×2 pool" : "");
}

// One shape: forward, dX, dW against the fp32 reference (and the emulation, for information), db in fp32.
void bf16Convolution(Backend& cuda, Backend& reference, const ConvGeometry& g)
{
    Buffers on(cuda);
    const std::string shape = describe(g);
    const std::int64_t outputs = g.n * g.cout * (g.maxPool2x2 ? (g.oh / 2) * (g.ow / 2) : g.oh * g.ow);
    const auto x = parityInput(g.n * g.cin * g.h * g.w, 4);
    const auto w = parityInput(g.cout * g.cin / g.groups * g.k * g.k, 5);
    const auto bias = parityInput(g.cout, 6), dy = parityInput(outputs, 7);
    std::vector<float> workspace(std::size_t(reference.convWorkspace(g))), y(static_cast<std::size_t>(outputs));
    std::vector<std::int32_t> argmax(y.size());
    reference.convForward(g, x.data(), w.data(), bias.data(), y.data(), workspace.data(), argmax.data());
    float *sx = on.floats(x), *sw = on.floats(w), *sy = on.floats(y);
    std::int32_t* sArgmax = on.ints(argmax);
    cuda.convForward(g, sx, sw, on.floats(bias), sy, nullptr, sArgmax);
    const auto gotY = on.read(sy, y.size());
    const double perOutput = double(g.cin / g.groups * g.k * g.k);
    bf16Row("conv2d forward", shape, bf16Error(gotY, y, perOutput, 1));
    emulationRow("conv2d forward", shape, parityError(gotY, emulatedConvForward(reference, g, x, w, bias)),
                 kBf16Unit, false);

    // Backward from the reference's y and argmax: the same ReLU mask and pooling choices (bf16's
    // own y may differ in sign near 0, or in its maximum among near-equal values).
    std::vector<float> dx(x.size()), dw(w.size()), db(bias.size());
    reference.convBackward(g, x.data(), w.data(), y.data(), dy.data(), dx.data(), dw.data(), db.data(),
                           workspace.data(), argmax.data());
    float *sdx = on.floats(dx), *sdw = on.floats(dw), *sdb = on.floats(db);
    cuda.convBackward(g, sx, sw, on.floats(y), on.floats(dy), sdx, sdw, sdb, nullptr, on.ints(argmax));
    const auto gotDx = on.read(sdx, dx.size()), gotDw = on.read(sdw, dw.size()), gotDb = on.read(sdb, db.size());
    bf16Row("conv2d backward dX", shape, bf16Error(gotDx, dx, double(g.cout / g.groups * g.k * g.k), 1));
    bf16Row("conv2d backward dW", shape, bf16Error(gotDw, dw, double(g.n * g.oh * g.ow), 1));
    verdict(parityError(gotDb, db) <= 1e-4,
            "conv2d backward db | " + shape + " | fp32 from the fp32 gradient: error " +
                std::to_string(parityError(gotDb, db)) + " (tolerance 1e-4)");

    std::vector<float> emuDx(x.size()), emuDw(w.size()), emuDb(bias.size());
    const auto x16 = roundedToBf16(x), w16 = roundedToBf16(w), dy16 = roundedToBf16(dy);
    reference.convBackward(g, x16.data(), w16.data(), y.data(), dy16.data(), emuDx.data(), emuDw.data(),
                           emuDb.data(), workspace.data(), argmax.data());
    emulationRow("conv2d backward dX", shape, parityError(gotDx, roundedToBf16(emuDx)), kBf16Unit, false);
    emulationRow("conv2d backward dW", shape, parityError(gotDw, roundedToBf16(emuDw)), kBf16Unit, false);
}

void bf16Convolutions(Backend& cuda, Backend& reference)
{
    auto make = [](std::int64_t n, std::int64_t cin, std::int64_t h, std::int64_t w, std::int64_t cout, std::int64_t k,
                   std::int64_t stride, std::int64_t pad, std::int64_t dilation, std::int64_t groups, bool relu,
                   bool pool) {
        ConvGeometry g{n, cin, h, w, cout, k, stride, pad, dilation, groups};
        g.relu = relu;
        g.maxPool2x2 = pool;
        g.computeOutput();
        return g;
    };
    // Parity.cpp's shapes, and one of a training's size.
    const ConvGeometry cases[] = {
        make(3, 2, 9, 7, 4, 3, 1, 1, 1, 1, false, false),   make(2, 3, 11, 12, 5, 5, 2, 2, 1, 1, false, false),
        make(2, 2, 10, 10, 3, 3, 1, 2, 2, 1, false, false), make(2, 4, 8, 8, 6, 3, 1, 1, 1, 2, false, false),
        make(3, 2, 6, 6, 4, 3, 1, 1, 1, 1, true, false),    make(5, 1, 8, 6, 4, 3, 1, 1, 1, 1, true, true),
        make(3, 16, 9, 7, 8, 3, 1, 1, 1, 1, false, false),  make(2, 17, 10, 9, 20, 3, 2, 0, 1, 1, false, false),
        make(4, 32, 8, 6, 16, 3, 1, 1, 1, 1, true, true),   make(32, 64, 16, 16, 64, 3, 1, 1, 1, 1, true, true),
    };
    for (const ConvGeometry& g : cases)
        try {
            bf16Convolution(cuda, reference, g);
        } catch (const std::exception& e) {   // cuDNN may lack a bf16 algorithm for one shape: say which
            verdict(false, "conv2d in bf16 | " + describe(g) + " | stopped by an exception: " + e.what());
        }
}

void bf16Parity()
{
    CudaBackend cuda({.bf16 = true});
    ReferenceBackend reference;
    std::printf("\n-- bf16 against the fp32 reference (error / (√K · scale), tolerance %.0e): %s\n", kBf16Tolerance,
                cuda.description().c_str());
    largestBf16Error = 0;
    bf16Gemms(cuda, reference);
    bf16Convolutions(cuda, reference);
    char text[96];
    std::snprintf(text, sizeof text, "bf16 ran: the largest error, %.2e, is above fp32's (%.0e)", largestBf16Error,
                  kBf16Ran);
    verdict(largestBf16Error > kBf16Ran, text);
}

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
    // Each part on its own: one that stops (a cuDNN without some bf16 algorithm, say) leaves the rest to run.
    const auto part = [](const char* name, const std::function<void()>& check) {
        try {
            check();
        } catch (const std::exception& e) {
            verdict(false, std::string(name) + " stopped by an exception: " + e.what());
        }
    };
    part("parity, FP32", [] { parity(false); });
    part("parity, TF32", [] { parity(true); });
    part("steady step, FP32", [] { steadyStepAndGraph({}, "full FP32"); });
    part("bf16 parity", bf16Parity);
    part("steady step, bf16",
         [] { steadyStepAndGraph({.deterministic = true, .bf16 = true}, "bf16, deterministic algorithms"); });
    part("out of memory", outOfMemory);
    part("per-step operations", stepOperations);
    std::printf("\n%d failed\n", failures);
    return failures ? 1 : 0;
}
