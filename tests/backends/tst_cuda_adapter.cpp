// The CUDA backend without a GPU: the adapter (CudaBackend) over a fake function table that runs on
// the host (its per-step entries record their arguments and compute with the reference backend;
// it records the options it was created with), the arithmetic of the module's own kernels
// (PoolingMath.h against the reference backend, Bf16Math.h's rounding against a plain one), the
// registry's bf16 option, and the real module loading on a machine without a driver.
#include "engine/backends/CudaDevices.h"
#include "engine/backends/Parity.h"
#include "engine/backends/Registry.h"
#include "engine/backends/cuda/Bf16Math.h"
#include "engine/backends/cuda/CudaBackend.h"
#include "engine/backends/cuda/PoolingMath.h"
#include "engine/backends/reference/ReferenceBackend.h"
#include "engine/core/Error.h"

#include <QtTest>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <random>
#include <tuple>
#include <vector>

using namespace neurite;

namespace {

// ---- The fake module: host memory, a naive gemm, and a record of what each call received.

struct Recorded {
    int transA = -1, transB = -1;
    std::int64_t M = -1, N = -1, K = -1, lda = -1, ldb = -1, ldc = -1;
    float alpha = 0, beta = 0;
    const void *A = nullptr, *B = nullptr, *x = nullptr, *w = nullptr, *bias = nullptr, *y = nullptr, *dy = nullptr;
    const void *dx = nullptr, *dw = nullptr, *db = nullptr, *argmax = nullptr;
    void* C = nullptr;
    NeuriteCudaConv conv{};
    NeuriteCudaPool pool{};
    int replays = 0, graphsDestroyed = 0, fills = 0, liveBuffers = 0;
    // The per-step entries.
    NeuriteCudaLoss loss{};
    NeuriteCudaBatchNorm batchNorm{};
    NeuriteCudaOptimizer optimizer{};
    std::vector<NeuriteCudaOptimizerSlot> tensors;
    std::vector<NeuriteCudaGradientSlice> slices;
    std::int64_t rows = -1, width = -1, count = -1, channels = -1, positions = -1;
    float p = -1, momentum = -1, eps = -1;
    double maxNorm = -1;
    std::uint64_t seed = 0;
    std::uint32_t step = 0, stream = 0;
    int training = -1;
    const void* result = nullptr;   // loss, norm or mask
};

struct FakeContextData {
    NeuriteCudaOptions options{};
    NeuriteCudaFailure failure{};
    Recorded seen;
};

constexpr std::int64_t kFakeMemory = 1 << 20;   // a "device" of 1 MiB
Recorded* lastSeen = nullptr;                    // the live fake context's record, for the tests
NeuriteCudaOptions lastOptions{-1, -1, -1, -1};  // what the last create() was given

FakeContextData* data(NeuriteCudaContext* c) { return reinterpret_cast<FakeContextData*>(c); }

int failWith(NeuriteCudaContext* c, int status, const char* message)
{
    auto& f = data(c)->failure;
    f = NeuriteCudaFailure{};
    f.status = status;
    std::snprintf(f.message, sizeof f.message, "%s", message);
    return status;
}

int fakeCreate(const NeuriteCudaOptions* options, NeuriteCudaContext** out, char* error, size_t capacity)
{
    if (options->device != 0) {
        std::snprintf(error, capacity, "no CUDA device %d (1 found)", options->device);
        return NEURITE_CUDA_INVALID;
    }
    lastOptions = *options;
    auto* d = new FakeContextData;
    d->options = *options;
    lastSeen = &d->seen;
    *out = reinterpret_cast<NeuriteCudaContext*>(d);
    return NEURITE_CUDA_OK;
}

void fakeDestroy(NeuriteCudaContext* c)
{
    lastSeen = nullptr;
    delete data(c);
}

const NeuriteCudaFailure* fakeLastFailure(const NeuriteCudaContext* c)
{
    return &reinterpret_cast<const FakeContextData*>(c)->failure;
}

int fakeDescribe(NeuriteCudaContext* c, char* text, size_t capacity)
{
    const NeuriteCudaOptions& o = data(c)->options;
    std::snprintf(text, capacity, "fake GPU%s%s%s", o.allowTf32 ? ", TF32 allowed" : "", o.bf16 ? ", bf16" : "",
                  o.deterministic ? ", deterministic" : "");
    return NEURITE_CUDA_OK;
}

int fakeAllocate(NeuriteCudaContext* c, int64_t bytes, const char* purpose, void** buffer)
{
    if (bytes > kFakeMemory) {
        failWith(c, NEURITE_CUDA_OUT_OF_MEMORY, "out of memory");
        auto& f = data(c)->failure;
        std::snprintf(f.purpose, sizeof f.purpose, "%s", purpose);
        f.bytes = bytes;
        f.freeBytes = kFakeMemory;
        return NEURITE_CUDA_OUT_OF_MEMORY;
    }
    *buffer = std::malloc(std::size_t(bytes > 0 ? bytes : 1));
    ++data(c)->seen.liveBuffers;
    return NEURITE_CUDA_OK;
}

int fakeRelease(NeuriteCudaContext* c, void* buffer)
{
    data(c)->seen.liveBuffers -= buffer ? 1 : 0;
    std::free(buffer);
    return NEURITE_CUDA_OK;
}

int fakeUpload(NeuriteCudaContext*, void* buffer, const void* host, int64_t bytes)
{
    std::memcpy(buffer, host, std::size_t(bytes));
    return NEURITE_CUDA_OK;
}

int fakeDownload(NeuriteCudaContext*, void* host, const void* buffer, int64_t bytes)
{
    std::memcpy(host, buffer, std::size_t(bytes));
    return NEURITE_CUDA_OK;
}

int fakeFill(NeuriteCudaContext* c, float* buffer, float value, int64_t count)
{
    ++data(c)->seen.fills;
    for (int64_t i = 0; i < count; ++i)
        buffer[i] = value;
    return NEURITE_CUDA_OK;
}

int fakeOk(NeuriteCudaContext*) { return NEURITE_CUDA_OK; }

int fakeMemoryInfo(NeuriteCudaContext*, NeuriteCudaMemoryInfo* info)
{
    *info = {kFakeMemory, kFakeMemory, 0, 0, 0};
    return NEURITE_CUDA_OK;
}

// Row-major, the reference's loop: what the real module must compute with cuBLAS.
int fakeGemm(NeuriteCudaContext* c, int transA, int transB, int64_t M, int64_t N, int64_t K, float alpha, const float* A,
             int64_t lda, const float* B, int64_t ldb, float beta, float* C, int64_t ldc)
{
    Recorded& r = data(c)->seen;
    std::tie(r.transA, r.transB, r.M, r.N, r.K, r.alpha, r.beta) = std::tuple(transA, transB, M, N, K, alpha, beta);
    std::tie(r.A, r.lda, r.B, r.ldb, r.C, r.ldc) = std::tuple(A, lda, B, ldb, C, ldc);
    ReferenceBackend().gemm(transA != 0, transB != 0, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
    return NEURITE_CUDA_OK;
}

// The forward convolution fails as cuDNN would, with a message naming the call and the geometry.
int fakeConvForward(NeuriteCudaContext* c, const NeuriteCudaConv* g, const float* x, const float* w, const float* bias,
                    float* y, int32_t* argmax)
{
    Recorded& r = data(c)->seen;
    r.conv = *g;
    std::tie(r.x, r.w, r.bias, r.y, r.argmax) = std::tuple(x, w, bias, y, argmax);
    return failWith(c, NEURITE_CUDA_ERROR, "cudnnConvolutionForward failed on GPU 0: CUDNN_STATUS_NOT_SUPPORTED (conv x 1×2×5×5)");
}

int fakeConvBackward(NeuriteCudaContext* c, const NeuriteCudaConv* g, const float* x, const float* w, const float* y,
                     const float* dy, float* dx, float* dw, float* db, const int32_t* argmax)
{
    Recorded& r = data(c)->seen;
    r.conv = *g;
    std::tie(r.x, r.w, r.y, r.dy, r.dx, r.dw, r.db, r.argmax) = std::tuple(x, w, y, dy, dx, dw, db, argmax);
    return NEURITE_CUDA_OK;
}

int fakeMaxPoolForward(NeuriteCudaContext* c, const NeuriteCudaPool* g, const float* x, float* y, int32_t* argmax)
{
    Recorded& r = data(c)->seen;
    r.pool = *g;
    std::tie(r.x, r.y, r.argmax) = std::tuple(x, y, argmax);
    return NEURITE_CUDA_OK;
}

int fakeMaxPoolBackward(NeuriteCudaContext* c, const NeuriteCudaPool* g, const float* dy, const int32_t* argmax, float* dx)
{
    Recorded& r = data(c)->seen;
    r.pool = *g;
    std::tie(r.dy, r.argmax, r.dx) = std::tuple(dy, argmax, dx);
    return NEURITE_CUDA_OK;
}

int fakeAvgPool(NeuriteCudaContext* c, const NeuriteCudaPool* g, const float* in, float* out)
{
    Recorded& r = data(c)->seen;
    r.pool = *g;
    std::tie(r.x, r.y) = std::tuple(in, out);
    return NEURITE_CUDA_OK;
}

// ---- The per-step entries: the C arguments back into C++, then the reference backend.

int fakeDropout(NeuriteCudaContext* c, float p, uint64_t seed, uint32_t step, uint32_t stream, const float* x, float* y,
                float* mask, int64_t count)
{
    Recorded& r = data(c)->seen;
    std::tie(r.p, r.seed, r.step, r.stream, r.x, r.y, r.result, r.count) =
        std::tuple(p, seed, step, stream, x, y, mask, count);
    ReferenceBackend().dropoutForward(p, seed, step, stream, x, y, mask, count);
    return NEURITE_CUDA_OK;
}

int fakeSoftmaxFails(NeuriteCudaContext* c, const float*, float*, int64_t, int64_t)
{
    return failWith(c, NEURITE_CUDA_ERROR,
                    "softmax forward kernel failed on GPU 0: cudaErrorInvalidConfiguration, invalid configuration "
                    "argument (shape 3×5)");
}

int fakeLossForward(NeuriteCudaContext* c, const NeuriteCudaLoss* l, const float* x, int64_t rows, int64_t width,
                    float* loss)
{
    Recorded& r = data(c)->seen;
    std::tie(r.loss, r.x, r.rows, r.width, r.result) = std::tuple(*l, x, rows, width, loss);
    ReferenceBackend().lossForward({LossKind(l->kind), l->labelSmoothing}, x, {l->labels, l->targets}, rows, width, loss);
    return NEURITE_CUDA_OK;
}

int fakeBatchNormForward(NeuriteCudaContext* c, const float* x, float* y, int64_t n, int64_t channels, int64_t positions,
                         const NeuriteCudaBatchNorm* t, float momentum, float eps, int training)
{
    Recorded& r = data(c)->seen;
    std::tie(r.x, r.y, r.rows, r.channels, r.positions, r.batchNorm, r.momentum, r.eps, r.training) =
        std::tuple(x, y, n, channels, positions, *t, momentum, eps, training);
    const BatchNormTensors tensors{t->gamma, t->beta, t->runningMean, t->runningVar, t->savedMean, t->savedInvstd};
    ReferenceBackend().batchNormForward(x, y, n, channels, positions, tensors, momentum, eps, training != 0);
    return NEURITE_CUDA_OK;
}

int fakeOptimizerStep(NeuriteCudaContext* c, const NeuriteCudaOptimizer* s, const NeuriteCudaOptimizerSlot* given,
                      int64_t slotCount)
{
    Recorded& r = data(c)->seen;
    r.optimizer = *s;
    r.tensors.assign(given, given + slotCount);
    OptimizerStepSettings settings;
    settings.kind = OptimizerKind(s->kind);
    std::tie(settings.lr, settings.weightDecay, settings.momentum, settings.nesterov) =
        std::tuple(s->lr, s->weightDecay, s->momentum, s->nesterov != 0);
    std::tie(settings.beta1, settings.beta2, settings.eps, settings.alpha, settings.step) =
        std::tuple(s->beta1, s->beta2, s->eps, s->alpha, s->step);
    std::vector<OptimizerSlot> list;
    for (const NeuriteCudaOptimizerSlot& slot : r.tensors)
        list.push_back({slot.value, slot.grad, slot.state0, slot.state1, slot.count});
    ReferenceBackend().optimizerStep(settings, list);
    return NEURITE_CUDA_OK;
}

int fakeClip(NeuriteCudaContext* c, const NeuriteCudaGradientSlice* gradients, int64_t sliceCount, double maxNorm,
             float* norm)
{
    Recorded& r = data(c)->seen;
    r.slices.assign(gradients, gradients + sliceCount);
    std::tie(r.maxNorm, r.result) = std::tuple(maxNorm, norm);
    std::vector<GradientSlice> list;
    for (const NeuriteCudaGradientSlice& g : r.slices)
        list.push_back({g.data, g.count});
    ReferenceBackend().clipGradientNorm(list, maxNorm, norm);
    return NEURITE_CUDA_OK;
}

NeuriteCudaGraph* const kFakeGraph = reinterpret_cast<NeuriteCudaGraph*>(std::uintptr_t(0x1000));

int fakeCaptureEnd(NeuriteCudaContext*, NeuriteCudaGraph** graph)
{
    *graph = kFakeGraph;
    return NEURITE_CUDA_OK;
}

int fakeReplay(NeuriteCudaContext* c, NeuriteCudaGraph* graph)
{
    if (graph != kFakeGraph)
        return failWith(c, NEURITE_CUDA_INVALID, "not a graph");
    ++data(c)->seen.replays;
    return NEURITE_CUDA_OK;
}

int fakeGraphDestroy(NeuriteCudaContext* c, NeuriteCudaGraph*)
{
    ++data(c)->seen.graphsDestroyed;
    return NEURITE_CUDA_OK;
}

const NeuriteCudaApi kFake = {
    NEURITE_CUDA_API_VERSION, sizeof(NeuriteCudaApi),
    fakeCreate, fakeDestroy, fakeLastFailure, fakeDescribe,
    fakeAllocate, fakeRelease, fakeUpload, fakeDownload, fakeFill, fakeOk, fakeMemoryInfo, fakeOk,
    fakeGemm, fakeConvForward, fakeConvBackward, fakeMaxPoolForward, fakeMaxPoolBackward, fakeAvgPool, fakeAvgPool,
    fakeOk, fakeCaptureEnd, fakeReplay, fakeGraphDestroy,
    // The per-step entries; those the tests do not call are null.
    nullptr, nullptr, fakeDropout, nullptr, nullptr, nullptr, nullptr, nullptr,
    nullptr, nullptr, fakeSoftmaxFails, nullptr, fakeLossForward, nullptr,
    fakeBatchNormForward, nullptr, nullptr, nullptr,
    nullptr, nullptr, fakeOptimizerStep, fakeClip,
    nullptr, nullptr, nullptr,
    nullptr,
};

template <class... P>
std::vector<const void*> pointers(P... p)
{
    return {static_cast<const void*>(p)...};
}

// A device buffer holding `values`.
float* onDevice(Backend& b, const std::vector<float>& values, const char* purpose)
{
    auto* p = static_cast<float*>(b.allocate(std::int64_t(values.size() * sizeof(float)), purpose));
    b.upload(p, values.data(), std::int64_t(values.size() * sizeof(float)));
    return p;
}

std::vector<float> fromDevice(Backend& b, const float* p, std::size_t count)
{
    std::vector<float> out(count);
    b.download(out.data(), p, std::int64_t(count * sizeof(float)));
    return out;
}

std::int32_t* labelsOnDevice(Backend& b, const std::vector<std::int32_t>& labels)
{
    const auto bytes = std::int64_t(labels.size() * sizeof(std::int32_t));
    auto* p = static_cast<std::int32_t*>(b.allocate(bytes, "labels"));
    b.upload(p, labels.data(), bytes);
    return p;
}

} // namespace

class TestCudaAdapter : public QObject {
    Q_OBJECT

private slots:
    // Every field of CudaBackendOptions reaches NeuriteCudaOptions, each in its own place.
    void optionsReachTheModule()
    {
        using Fields = std::tuple<int, int, int, int>;   // device, allowTf32, deterministic, bf16
        const auto given = [] {
            return Fields(lastOptions.device, lastOptions.allowTf32, lastOptions.deterministic, lastOptions.bf16);
        };
        {
            CudaBackend backend(kFake, {0, false, true});
            QCOMPARE(backend.description(), std::string("fake GPU, deterministic"));
            QCOMPARE(given(), Fields(0, 0, 1, 0));
        }
        {
            CudaBackend backend(kFake, {.bf16 = true});
            QCOMPARE(backend.description(), std::string("fake GPU, bf16"));
            QCOMPARE(given(), Fields(0, 0, 0, 1));
        }
        CudaBackend backend(kFake, {0, true, true, true});
        QCOMPARE(given(), Fields(0, 1, 1, 1));
    }

    // bf16 is GPU arithmetic: the CPU backends refuse it by name; `cuda` takes it (the real module
    // on a GPU machine says so in its description) or says why there is no GPU.
    void registryPassesBf16OnOrRefusesIt()
    {
        for (const char* cpu : {"cpu", "reference"}) {
            try {
                createBackend(cpu, 1, {.bf16 = true});
                QFAIL("a CPU backend accepted bf16");
            } catch (const ConfigError& e) {
                QCOMPARE(std::string(e.what()), "device '" + std::string(cpu) +
                                                    "' computes in fp32 only: bf16 needs a GPU (--device cuda)");
            }
        }
        QCOMPARE(createBackend("cpu", 1, {.allowTf32 = true})->name(), std::string("cpu"));   // a permission only
        if (!cudaStatus().available) {
            QVERIFY_THROWS_EXCEPTION(ConfigError, createBackend("cuda", 0, {.bf16 = true}));
            return;
        }
        const auto cuda = createBackend("cuda", 0, {.bf16 = true});
        QVERIFY2(cuda->description().find("bf16") != std::string::npos, cuda->description().c_str());
    }

    // The module's fp32 → bf16 conversion (Bf16Math.h, what its kernel runs per element): round to
    // nearest, ties to even, against a plain rounding in double over the two neighbouring bf16s.
    void bf16RoundsToNearestEven()
    {
        const auto bits = [](float f) { return cuda::floatBits(f); };
        const auto from = [](std::uint32_t b) { return cuda::floatFromBits(b); };
        const std::vector<std::pair<std::uint32_t, std::uint16_t>> cases{
            {0x3f800000, 0x3f80},   // 1
            {0x3f808000, 0x3f80},   // 1 + 2⁻⁸: halfway, to the even 0x3f80
            {0x3f818000, 0x3f82},   // halfway, to the even 0x3f82
            {0x3f808001, 0x3f81},   // above halfway
            {0x3f807fff, 0x3f80},   // below halfway
            {0xbf808001, 0xbf81},   // the same, negative
            {0x80000000, 0x8000},   // −0
            {0x00000001, 0x0000},   // the smallest subnormal
            {0x00018000, 0x0002},   // a subnormal tie, to even
            {0x7f7fffff, 0x7f80},   // FLT_MAX: beyond the largest bf16, +inf
            {0xff7fffff, 0xff80},   // −FLT_MAX: −inf
            {0x7f7f7fff, 0x7f7f},   // the largest bf16 itself
            {0x7f800000, 0x7f80},   // +inf
            {0xff800000, 0xff80},   // −inf
            {0x7fc00000, 0x7fc0},   // a quiet NaN
            {0x7f800001, 0x7fc0},   // a signalling NaN whose payload is in the dropped bits: still a NaN
            {0xff800001, 0xffc0},   // with its sign
        };
        for (const auto& [in, want] : cases)
            QVERIFY2(cuda::floatToBf16(from(in)) == want, QByteArray::number(in, 16).constData());
        QCOMPARE(cuda::bf16ToFloat(0x3f80), 1.0f);
        QCOMPARE(cuda::bf16ToFloat(0xc2f7), -123.5f);
        QVERIFY(std::isnan(cuda::roundedToBf16(std::numeric_limits<float>::quiet_NaN())));

        std::mt19937 random(11);
        std::uniform_int_distribution<std::uint32_t> anyBits(0, 0x7f7fffff);   // finite, non-negative
        for (int i = 0; i < 200000; ++i) {
            const std::uint32_t b = anyBits(random) | (i % 2 ? 0x80000000u : 0u);
            const float f = from(b);
            const float low = from(b & 0xffff0000u);
            // The next bf16 away from zero; past the largest, 2¹²⁸ (rounding there overflows to inf).
            const bool top = (b & 0x7fff0000u) == 0x7f7f0000u;
            const float high = from((b & 0xffff0000u) + 0x10000u);
            const double highValue = top ? std::copysign(std::ldexp(1.0, 128), double(f)) : double(high);
            const double toLow = std::abs(double(f) - double(low)), toHigh = std::abs(highValue - double(f));
            const bool lowIsEven = ((b >> 16) & 1u) == 0;
            const float want = toLow < toHigh || (toLow == toHigh && lowIsEven) ? low : high;   // inf when top
            const float got = cuda::roundedToBf16(f);
            if (bits(got) != bits(want))
                QFAIL(qPrintable(QString("0x%1: got 0x%2, want 0x%3")
                                     .arg(b, 8, 16, QChar('0'))
                                     .arg(bits(got), 8, 16, QChar('0'))
                                     .arg(bits(want), 8, 16, QChar('0'))));
            if (std::isfinite(got) && std::abs(f) >= std::numeric_limits<float>::min())
                QVERIFY(std::abs(double(got) - double(f)) <= std::ldexp(std::abs(double(f)), -8));
        }
    }

    // The conversion packs a matrix with a leading dimension into rows exactly as wide as its columns.
    void bf16PackingReadsEachRowAtItsStride()
    {
        const std::int64_t rows = 3, width = 4, stride = 7;
        std::vector<std::int64_t> got;
        for (std::int64_t i = 0; i < rows * width; ++i)
            got.push_back(cuda::packedSource(i, width, stride));
        QCOMPARE(got, (std::vector<std::int64_t>{0, 1, 2, 3, 7, 8, 9, 10, 14, 15, 16, 17}));
        for (std::int64_t i = 0; i < 12; ++i)
            QCOMPARE(cuda::packedSource(i, width, width), i);
    }

    void basics()
    {
        CudaBackend backend(kFake, {0, true, false});
        QCOMPARE(backend.name(), std::string("cuda"));
        QCOMPARE(backend.description(), std::string("fake GPU, TF32 allowed"));
        QVERIFY(!backend.hostAddressable());
        QCOMPARE(backend.convWorkspace(ConvGeometry{1, 2, 5, 5, 3, 3}), std::int64_t(0));
        float* p = onDevice(backend, {1, 2, 3}, "x");
        backend.fill(p, 0.5f, 2);
        QCOMPARE(lastSeen->fills, 1);
        QCOMPARE(fromDevice(backend, p, 3), (std::vector<float>{0.5f, 0.5f, 3}));
        backend.release(p);
        QCOMPARE(backend.memoryInfo().totalBytes, kFakeMemory);
    }

    // The adapter passes every gemm argument unchanged (the row-major mapping is the module's job).
    void gemmForwardsArguments_data()
    {
        QTest::addColumn<bool>("ta");
        QTest::addColumn<bool>("tb");
        QTest::newRow("NN") << false << false;
        QTest::newRow("TN") << true << false;
        QTest::newRow("NT") << false << true;
        QTest::newRow("TT") << true << true;
    }

    void gemmForwardsArguments()
    {
        QFETCH(bool, ta);
        QFETCH(bool, tb);
        CudaBackend backend(kFake, {});
        const std::int64_t m = 7, n = 5, k = 3;
        const std::int64_t lda = (ta ? m : k) + 2, ldb = (tb ? k : n) + 1, ldc = n + 3;   // padded rows
        const auto a = parityInput((ta ? k : m) * lda, 1), b = parityInput((tb ? n : k) * ldb, 2);
        auto want = parityInput(m * ldc, 3);
        float *da = onDevice(backend, a, "A"), *db = onDevice(backend, b, "B"), *dc = onDevice(backend, want, "C");
        backend.gemm(ta, tb, m, n, k, 1.5f, da, lda, db, ldb, 0.25f, dc, ldc);
        const Recorded& r = *lastSeen;
        QCOMPARE(r.transA, int(ta));
        QCOMPARE(r.transB, int(tb));
        QCOMPARE(std::tuple(r.M, r.N, r.K), std::tuple(m, n, k));
        QCOMPARE(std::tuple(r.lda, r.ldb, r.ldc), std::tuple(lda, ldb, ldc));
        QCOMPARE(std::tuple(r.alpha, r.beta), std::tuple(1.5f, 0.25f));
        QCOMPARE(pointers(r.A, r.B, r.C), pointers(da, db, dc));
        ReferenceBackend().gemm(ta, tb, m, n, k, 1.5f, a.data(), lda, b.data(), ldb, 0.25f, want.data(), ldc);
        QCOMPARE(fromDevice(backend, dc, want.size()), want);
        for (float* p : {da, db, dc})
            backend.release(p);
    }

    void convolutionAndPoolingForwardTheirGeometry()
    {
        CudaBackend backend(kFake, {});
        ConvGeometry g{2, 4, 9, 8, 6, 3, 2, 1, 2, 2};
        g.relu = true;
        g.maxPool2x2 = true;
        g.computeOutput();
        float x, w, y, dy, dx, dw, db, workspace;
        std::int32_t argmax;
        backend.convBackward(g, &x, &w, &y, &dy, &dx, &dw, &db, &workspace, &argmax);
        const Recorded& r = *lastSeen;
        const NeuriteCudaConv& c = r.conv;
        QCOMPARE(std::tuple(c.n, c.cin, c.h, c.w, c.cout, c.k), std::tuple(g.n, g.cin, g.h, g.w, g.cout, g.k));
        QCOMPARE(std::tuple(c.stride, c.pad, c.dilation, c.groups, c.oh, c.ow),
                 std::tuple(g.stride, g.pad, g.dilation, g.groups, g.oh, g.ow));
        QCOMPARE(std::tuple(c.relu, c.maxPool2x2), std::tuple(1, 1));
        QCOMPARE(pointers(r.x, r.w, r.y, r.dy), pointers(&x, &w, &y, &dy));
        QCOMPARE(pointers(r.dx, r.dw, r.db, r.argmax), pointers(&dx, &dw, &db, &argmax));

        PoolGeometry p{3, 4, 9, 8, 3, 2, 1};
        p.computeOutput();
        backend.maxPoolForward(p, &x, &y, &argmax);
        QCOMPARE(std::tuple(r.pool.n, r.pool.c, r.pool.h, r.pool.w), std::tuple(p.n, p.c, p.h, p.w));
        QCOMPARE(std::tuple(r.pool.k, r.pool.stride, r.pool.pad, r.pool.oh, r.pool.ow),
                 std::tuple(p.k, p.stride, p.pad, p.oh, p.ow));
        QCOMPARE(pointers(r.x, r.y, r.argmax), pointers(&x, &y, &argmax));
        backend.maxPoolBackward(p, &dy, &argmax, &dx);
        QCOMPARE(pointers(r.dy, r.argmax, r.dx), pointers(&dy, &argmax, &dx));
        backend.avgPoolBackward(p, &dy, &dx);
        QCOMPARE(pointers(r.x, r.y), pointers(&dy, &dx));
    }

    void outOfMemoryThrowsOutOfMemoryError()
    {
        CudaBackend backend(kFake, {});
        try {
            backend.allocate(3 * kFakeMemory, "conv1 activations");
            QFAIL("allocate did not throw");
        } catch (const OutOfMemoryError& e) {
            QCOMPARE(e.purpose(), std::string("conv1 activations"));
            QCOMPARE(e.bytes(), 3 * kFakeMemory);
            const QString message = e.what();
            QVERIFY2(message.contains("GPU 0") && message.contains("'conv1 activations'") &&
                         message.contains(QString::number(3 * kFakeMemory)) && message.contains("1.0 MiB free"),
                     e.what());
        }
    }

    void failedCallThrowsErrorWithTheModulesMessage()
    {
        CudaBackend backend(kFake, {});
        ConvGeometry g{1, 2, 5, 5, 3, 3};
        g.computeOutput();
        float x, w, y;
        try {
            backend.convForward(g, &x, &w, nullptr, &y, nullptr);
            QFAIL("convForward did not throw");
        } catch (const OutOfMemoryError&) {
            QFAIL("not a memory failure");
        } catch (const Error& e) {
            QCOMPARE(QString(e.what()),
                     QString("cudnnConvolutionForward failed on GPU 0: CUDNN_STATUS_NOT_SUPPORTED (conv x 1×2×5×5)"));
        }
        QCOMPARE(lastSeen->bias, static_cast<const void*>(nullptr));
    }

    // ---- StepOperations: each C++ argument reaches its C entry (enums, structs, spans), results come back.

    void lossForwardForwardsSpecAndTarget()
    {
        CudaBackend backend(kFake, {});
        const std::int64_t rows = 3, width = 5;
        const auto x = parityInput(rows * width, 11), t = parityInput(rows * width, 12);
        const std::vector<std::int32_t> labels{4, 0, 2};
        float* dx = onDevice(backend, x, "x");
        float* dt = onDevice(backend, t, "targets");
        std::int32_t* dl = labelsOnDevice(backend, labels);
        float* loss = onDevice(backend, {0}, "loss");
        ReferenceBackend reference;
        float want = 0;

        backend.lossForward({LossKind::CrossEntropy, 0.1f}, dx, {dl, nullptr}, rows, width, loss);
        const Recorded& r = *lastSeen;
        QCOMPARE(r.loss.kind, int(NEURITE_CUDA_CROSS_ENTROPY));
        QCOMPARE(r.loss.labelSmoothing, 0.1f);
        QCOMPARE(pointers(r.loss.labels, r.loss.targets, r.x, r.result), pointers(dl, nullptr, dx, loss));
        QCOMPARE(std::tuple(r.rows, r.width), std::tuple(rows, width));
        reference.lossForward({LossKind::CrossEntropy, 0.1f}, x.data(), {labels.data(), nullptr}, rows, width, &want);
        QCOMPARE(fromDevice(backend, loss, 1), std::vector<float>{want});

        backend.lossForward({LossKind::MeanSquaredError, 0}, dx, {nullptr, dt}, rows, width, loss);
        QCOMPARE(r.loss.kind, int(NEURITE_CUDA_MEAN_SQUARED_ERROR));
        QCOMPARE(pointers(r.loss.labels, r.loss.targets), pointers(nullptr, dt));
        reference.lossForward({LossKind::MeanSquaredError, 0}, x.data(), {nullptr, t.data()}, rows, width, &want);
        QCOMPARE(fromDevice(backend, loss, 1), std::vector<float>{want});
        for (void* p : std::initializer_list<void*>{dx, dt, dl, loss})
            backend.release(p);
    }

    void optimizerStepForwardsSettingsAndEverySlot()
    {
        CudaBackend backend(kFake, {});
        OptimizerStepSettings s;
        s.kind = OptimizerKind::AdamW;
        s.lr = 0.01;
        s.weightDecay = 0.05;
        s.beta1 = 0.8;
        s.beta2 = 0.99;
        s.eps = 1e-6;
        s.step = 3;
        std::vector<std::vector<float>> host{parityInput(7, 1), parityInput(7, 2), parityInput(7, 3), parityInput(7, 4),
                                             parityInput(4, 5), parityInput(4, 6), parityInput(4, 7), parityInput(4, 8)};
        for (std::size_t i : {2u, 3u, 6u, 7u})   // Adam's moments: m any, v ≥ 0
            for (float& v : host[i])
                v = std::abs(v);
        std::vector<float*> device;
        for (const auto& h : host)
            device.push_back(onDevice(backend, h, "slot"));
        const std::vector<OptimizerSlot> tensors{{device[0], device[1], device[2], device[3], 7},
                                               {device[4], device[5], device[6], device[7], 4}};
        backend.optimizerStep(s, tensors);

        const Recorded& r = *lastSeen;
        QCOMPARE(r.optimizer.kind, int(NEURITE_CUDA_ADAMW));
        QCOMPARE(std::tuple(r.optimizer.lr, r.optimizer.weightDecay, r.optimizer.momentum, r.optimizer.nesterov),
                 std::tuple(0.01, 0.05, 0.0, 0));
        QCOMPARE(std::tuple(r.optimizer.beta1, r.optimizer.beta2, r.optimizer.eps, r.optimizer.alpha, r.optimizer.step),
                 std::tuple(0.8, 0.99, 1e-6, 0.99, std::int64_t(3)));
        QCOMPARE(r.tensors.size(), std::size_t(2));
        for (std::size_t i = 0; i < 2; ++i) {
            const NeuriteCudaOptimizerSlot& c = r.tensors[i];
            QCOMPARE(pointers(c.value, c.grad, c.state0, c.state1),
                     pointers(tensors[i].value, tensors[i].grad, tensors[i].state0, tensors[i].state1));
            QCOMPARE(c.count, tensors[i].count);
        }
        auto want = host;
        ReferenceBackend().optimizerStep(s, std::vector<OptimizerSlot>{{want[0].data(), want[1].data(), want[2].data(), want[3].data(), 7},
                                                                       {want[4].data(), want[5].data(), want[6].data(), want[7].data(), 4}});
        for (std::size_t i = 0; i < host.size(); ++i) {
            QCOMPARE(fromDevice(backend, device[i], host[i].size()), want[i]);
            backend.release(device[i]);
        }
    }

    void clipGradientNormForwardsEverySlice()
    {
        CudaBackend backend(kFake, {});
        auto a = parityInput(9, 21), b = parityInput(5, 22);
        float* da = onDevice(backend, a, "grad a");
        float* db = onDevice(backend, b, "grad b");
        float* norm = onDevice(backend, {0}, "norm");
        backend.clipGradientNorm(std::vector<GradientSlice>{{da, 9}, {db, 5}}, 0.5, norm);
        const Recorded& r = *lastSeen;
        QCOMPARE(r.slices.size(), std::size_t(2));
        QCOMPARE(pointers(r.slices[0].data, r.slices[1].data, r.result), pointers(da, db, norm));
        QCOMPARE(std::tuple(r.slices[0].count, r.slices[1].count, r.maxNorm), std::tuple(std::int64_t(9), std::int64_t(5), 0.5));
        float want = 0;
        ReferenceBackend().clipGradientNorm(std::vector<GradientSlice>{{a.data(), 9}, {b.data(), 5}}, 0.5, &want);
        QVERIFY(want > 0.5f);   // the gradients were clipped
        QCOMPARE(fromDevice(backend, norm, 1), std::vector<float>{want});
        QCOMPARE(fromDevice(backend, da, 9), a);
        QCOMPARE(fromDevice(backend, db, 5), b);
        for (float* p : {da, db, norm})
            backend.release(p);
    }

    // The seed, step and stream reach the module unmixed: the mask is the reference's (Philox.h).
    void dropoutForwardsSeedStepAndStream()
    {
        CudaBackend backend(kFake, {});
        const std::int64_t count = 37;   // not a multiple of 4: the last quad is partial
        const auto x = parityInput(count, 31);
        float* dx = onDevice(backend, x, "x");
        float* dy = onDevice(backend, std::vector<float>(count), "y");
        float* mask = onDevice(backend, std::vector<float>(count), "mask");
        const std::uint64_t seed = 0x123456789abcdefull;
        backend.dropoutForward(0.3f, seed, 17, 4, dx, dy, mask, count);
        const Recorded& r = *lastSeen;
        QCOMPARE(std::tuple(r.p, r.seed, r.step, r.stream, r.count), std::tuple(0.3f, seed, 17u, 4u, count));
        QCOMPARE(pointers(r.x, r.y, r.result), pointers(dx, dy, mask));
        std::vector<float> wantY(count), wantMask(count);
        ReferenceBackend().dropoutForward(0.3f, seed, 17, 4, x.data(), wantY.data(), wantMask.data(), count);
        QCOMPARE(fromDevice(backend, mask, count), wantMask);
        QCOMPARE(fromDevice(backend, dy, count), wantY);
        for (float* p : {dx, dy, mask})
            backend.release(p);
    }

    void batchNormForwardForwardsItsTensors()
    {
        CudaBackend backend(kFake, {});
        const std::int64_t n = 3, channels = 2, positions = 4, count = n * channels * positions;
        const auto x = parityInput(count, 41);
        std::vector<std::vector<float>> params{{1.5f, 0.5f}, {0.1f, -0.2f}, {0, 0}, {1, 1}, {0, 0}, {0, 0}};
        std::vector<float*> p;
        for (const auto& v : params)
            p.push_back(onDevice(backend, v, "batch norm tensor"));
        float* dx = onDevice(backend, x, "x");
        float* dy = onDevice(backend, std::vector<float>(count), "y");
        const BatchNormTensors t{p[0], p[1], p[2], p[3], p[4], p[5]};
        backend.batchNormForward(dx, dy, n, channels, positions, t, 0.1f, 1e-5f, true);
        const Recorded& r = *lastSeen;
        const NeuriteCudaBatchNorm& c = r.batchNorm;
        QCOMPARE(pointers(c.gamma, c.beta, c.runningMean, c.runningVar, c.savedMean, c.savedInvstd),
                 pointers(p[0], p[1], p[2], p[3], p[4], p[5]));
        QCOMPARE(std::tuple(r.rows, r.channels, r.positions, r.momentum, r.eps, r.training),
                 std::tuple(n, channels, positions, 0.1f, 1e-5f, 1));
        QCOMPARE(pointers(r.x, r.y), pointers(dx, dy));
        auto want = params;
        std::vector<float> wantY(count);
        ReferenceBackend().batchNormForward(x.data(), wantY.data(), n, channels, positions,
                                            {want[0].data(), want[1].data(), want[2].data(), want[3].data(),
                                             want[4].data(), want[5].data()},
                                            0.1f, 1e-5f, true);
        QCOMPARE(fromDevice(backend, dy, count), wantY);
        for (std::size_t i = 2; i < params.size(); ++i)   // running and saved statistics
            QCOMPARE(fromDevice(backend, p[i], 2), want[i]);
        for (float* q : p)
            backend.release(q);
        backend.release(dx);
        backend.release(dy);
    }

    void failedStepOperationThrowsErrorWithTheModulesMessage()
    {
        CudaBackend backend(kFake, {});
        float x, y;
        try {
            backend.softmaxForward(&x, &y, 3, 5);
            QFAIL("softmaxForward did not throw");
        } catch (const OutOfMemoryError&) {
            QFAIL("not a memory failure");
        } catch (const Error& e) {
            QCOMPARE(QString(e.what()), QString("softmax forward kernel failed on GPU 0: cudaErrorInvalidConfiguration, "
                                                "invalid configuration argument (shape 3×5)"));
        }
    }

    void contextThatCannotStartThrows()
    {
        try {
            CudaBackend backend(kFake, {7, false});
            QFAIL("no error for a missing device");
        } catch (const Error& e) {
            QVERIFY2(QString(e.what()).contains("no CUDA device 7"), e.what());
        }
    }

    void graphsReplayAndAreDestroyed()
    {
        CudaBackend backend(kFake, {});
        backend.beginRecording();
        auto graph = backend.endRecording();
        graph->replay();
        graph->replay();
        QCOMPARE(lastSeen->replays, 2);
        graph.reset();
        QCOMPARE(lastSeen->graphsDestroyed, 1);
    }

    // The module's pooling kernels run PoolingMath.h per element: on the host, the same functions
    // must give the reference backend's results to the bit.
    void poolingArithmeticMatchesTheReference_data()
    {
        QTest::addColumn<int>("k");
        QTest::addColumn<int>("stride");
        QTest::addColumn<int>("pad");
        QTest::newRow("2/2/0") << 2 << 2 << 0;
        QTest::newRow("3/2/1") << 3 << 2 << 1;
        QTest::newRow("3/1/1") << 3 << 1 << 1;
        QTest::newRow("2/1/1") << 2 << 1 << 1;
        QTest::newRow("5/3/2") << 5 << 3 << 2;
    }

    void poolingArithmeticMatchesTheReference()
    {
        QFETCH(int, k);
        QFETCH(int, stride);
        QFETCH(int, pad);
        PoolGeometry g{2, 3, 9, 8, k, stride, pad};
        g.computeOutput();
        const cuda::PoolPlane p{g.h, g.w, g.k, g.stride, g.pad, g.oh, g.ow};
        const std::int64_t planes = g.n * g.c, in = g.h * g.w, out = g.oh * g.ow;
        auto x = parityInput(planes * in, 8);
        x[5] = x[6];   // a tie: the first in window order wins
        const auto dy = parityInput(planes * out, 9), mask = parityInput(planes * out, 10);
        ReferenceBackend reference;
        std::vector<float> y1(dy.size()), y2(dy.size()), dx1(x.size()), dx2(x.size());
        std::vector<std::int32_t> a1(dy.size()), a2(dy.size());

        reference.maxPoolForward(g, x.data(), y1.data(), a1.data());
        for (std::int64_t i = 0; i < planes * out; ++i)
            y2[i] = cuda::maxPoolAt(p, x.data() + i / out * in, i % out / g.ow, i % g.ow, &a2[i]);
        QCOMPARE(y2, y1);
        QCOMPARE(a2, a1);

        reference.maxPoolBackward(g, dy.data(), a1.data(), dx1.data());
        for (std::int64_t i = 0; i < planes * in; ++i)
            dx2[i] = cuda::maxPoolGradAt(p, dy.data() + i / in * out, a1.data() + i / in * out, nullptr, i % in / g.w,
                                         i % g.w);
        QCOMPARE(dx2, dx1);

        // With the fused ReLU's mask, as the fused 2×2 pooling's backward pass uses it.
        std::vector<float> masked(dy.size());
        for (std::size_t i = 0; i < dy.size(); ++i)
            masked[i] = mask[i] > 0.0f ? dy[i] : 0.0f;
        reference.maxPoolBackward(g, masked.data(), a1.data(), dx1.data());
        for (std::int64_t i = 0; i < planes * in; ++i)
            dx2[i] = cuda::maxPoolGradAt(p, dy.data() + i / in * out, a1.data() + i / in * out,
                                         mask.data() + i / in * out, i % in / g.w, i % g.w);
        QCOMPARE(dx2, dx1);

        reference.avgPoolForward(g, x.data(), y1.data());
        for (std::int64_t i = 0; i < planes * out; ++i)
            y2[i] = cuda::avgPoolAt(p, x.data() + i / out * in, i % out / g.ow, i % g.ow);
        QCOMPARE(y2, y1);

        reference.avgPoolBackward(g, dy.data(), dx1.data());
        for (std::int64_t i = 0; i < planes * in; ++i)
            dx2[i] = cuda::avgPoolGradAt(p, dy.data() + i / in * out, i % in / g.w, i % g.w);
        QCOMPARE(dx2, dx1);
    }

    // The real module: it loads on a machine without a driver, and says why there is no device.
    void moduleLoadsWithoutADriver()
    {
#if !NEURITE_CUDA_MODULE_BUILT
        QSKIP("this build has no CUDA module");
#endif
        const CudaStatus& status = cudaStatus();
        QVERIFY2(!status.module.empty(), status.reason.c_str());
        const NeuriteCudaApi& api = CudaBackend::moduleApi();
        QCOMPARE(api.version, NEURITE_CUDA_API_VERSION);
        QCOMPARE(api.size, sizeof(NeuriteCudaApi));
        if (status.available) {   // a GPU machine: one small product through the real module
            CudaBackend backend;
            const auto a = parityInput(6, 1), b = parityInput(6, 2);
            std::vector<float> want(4);
            float *da = onDevice(backend, a, "A"), *db = onDevice(backend, b, "B"), *dc = onDevice(backend, want, "C");
            backend.gemm(false, false, 2, 2, 3, 1.0f, da, 3, db, 2, 0.0f, dc, 2);
            ReferenceBackend().gemm(false, false, 2, 2, 3, 1.0f, a.data(), 3, b.data(), 2, 0.0f, want.data(), 2);
            QVERIFY(parityError(fromDevice(backend, dc, 4), want) < 1e-5);
            return;
        }
        QVERIFY(status.devices.empty());
        QVERIFY(!status.reason.empty());
        try {
            CudaBackend backend;
            QFAIL("a CUDA backend started without a device");
        } catch (const Error& e) {
            QVERIFY2(QString(e.what()).startsWith("the CUDA backend cannot start on GPU 0: "), e.what());
        }
    }
};

QTEST_APPLESS_MAIN(TestCudaAdapter)
#include "tst_cuda_adapter.moc"
