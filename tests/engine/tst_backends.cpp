// The CPU backend against the reference backend, forward and backward, on odd shapes.
#include "engine/backends/BackendBuffer.h"
#include "engine/backends/CudaDevices.h"
#include "engine/backends/Parity.h"
#include "engine/backends/Registry.h"
#include "engine/backends/cpu/CpuBackend.h"
#include "engine/backends/cpu/OneDnnConvolution.h"
#include "engine/backends/reference/ReferenceBackend.h"
#include "engine/core/Error.h"
#include "engine/core/Rng.h"
#include "engine/kernels/Statistics.h"

#include <QtTest>

#include <cmath>
#include <limits>
#include <memory>
#include <vector>

using namespace neurite;

namespace {

std::vector<float> random(std::int64_t n, std::uint64_t seed) { return parityInput(n, seed); }
double difference(const std::vector<float>& a, const std::vector<float>& b) { return parityError(a, b); }

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();
constexpr float kInf = std::numeric_limits<float>::infinity();

// Values in a backend's own memory (a GPU's too): made from host values, read back with host().
struct Held {
    BackendBuffer<float> buffer;
    Held(Backend& b, const std::vector<float>& v)
        : buffer(BackendBuffer<float>::uploaded(b, v.data(), std::int64_t(v.size()), "test"))
    {
    }
    float* data() const { return buffer.data(); }
    std::vector<float> host() const { return buffer.download(); }
};

std::vector<float> emptyMoments()
{
    return {kernels::kEmptyMoments, kernels::kEmptyMoments + kernels::kMomentFields};
}

} // namespace

class TestBackends : public QObject {
    Q_OBJECT
    ReferenceBackend reference;
    CpuBackend cpu{2};

private slots:
    void gemmAllTransposes_data()
    {
        QTest::addColumn<bool>("ta");
        QTest::addColumn<bool>("tb");
        QTest::newRow("NN") << false << false;
        QTest::newRow("TN") << true << false;
        QTest::newRow("NT") << false << true;
        QTest::newRow("TT") << true << true;
    }

    void gemmAllTransposes()
    {
        QFETCH(bool, ta);
        QFETCH(bool, tb);
        const std::int64_t m = 37, n = 53, k = 71;
        const auto a = random(m * k, 1), b = random(k * n, 2);
        auto want = random(m * n, 3), got = want;  // beta = 0.5 mixes in the old C
        reference.gemm(ta, tb, m, n, k, 0.7f, a.data(), ta ? m : k, b.data(), tb ? k : n, 0.5f, want.data(), n);
        cpu.gemm(ta, tb, m, n, k, 0.7f, a.data(), ta ? m : k, b.data(), tb ? k : n, 0.5f, got.data(), n);
        QVERIFY(difference(got, want) < 1e-5);
    }

    void startupCheckRan()
    {
        const auto& check = CpuBackend::startupCheck();
        QVERIFY(!check.kernel.empty());
        QVERIFY(check.maxRelativeError < 1e-4);
    }

    void convolution_data()
    {
        QTest::addColumn<int>("n");
        QTest::addColumn<int>("cin");
        QTest::addColumn<int>("h");
        QTest::addColumn<int>("w");
        QTest::addColumn<int>("cout");
        QTest::addColumn<int>("k");
        QTest::addColumn<int>("stride");
        QTest::addColumn<int>("pad");
        QTest::addColumn<int>("dilation");
        QTest::addColumn<int>("groups");
        QTest::newRow("3x3 pad 1") << 3 << 2 << 9 << 7 << 4 << 3 << 1 << 1 << 1 << 1;
        QTest::newRow("5x5 stride 2") << 2 << 3 << 11 << 12 << 5 << 5 << 2 << 2 << 1 << 1;
        QTest::newRow("dilated") << 2 << 2 << 10 << 10 << 3 << 3 << 1 << 2 << 2 << 1;
        QTest::newRow("groups") << 2 << 4 << 8 << 8 << 6 << 3 << 1 << 1 << 1 << 2;
        QTest::newRow("depthwise") << 1 << 3 << 6 << 5 << 3 << 3 << 2 << 1 << 1 << 3;
        QTest::newRow("1x1") << 4 << 5 << 4 << 4 << 7 << 1 << 1 << 0 << 1 << 1;
        QTest::newRow("many images per thread") << 11 << 3 << 7 << 6 << 4 << 3 << 1 << 1 << 1 << 1;
        QTest::newRow("fused relu") << 3 << 2 << 6 << 6 << 4 << 3 << 1 << 1 << 1 << -1;  // groups −1: 1, with ReLU
        QTest::newRow("fused relu strided") << 3 << 2 << 7 << 7 << 4 << 3 << 2 << 1 << 1 << -1;
        QTest::newRow("fused relu and pool") << 5 << 2 << 8 << 6 << 4 << 3 << 1 << 1 << 1 << -2;  // −2: ReLU + 2×2 pool
        QTest::newRow("fused relu and pool, 1 channel in") << 3 << 1 << 10 << 10 << 6 << 3 << 1 << 1 << 1 << -2;
        // 16 or more input channels: oneDNN's kernels where it is built in (OneDnnConvolution.h).
        QTest::newRow("16 channels in") << 3 << 16 << 9 << 7 << 8 << 3 << 1 << 1 << 1 << 1;
        QTest::newRow("16 channels in, 5x5 stride 2") << 2 << 16 << 11 << 12 << 5 << 5 << 2 << 2 << 1 << 1;
        QTest::newRow("16 channels in, stride 2 uneven") << 2 << 17 << 10 << 9 << 20 << 3 << 2 << 0 << 1 << 1;
        QTest::newRow("16 channels in, fused relu") << 3 << 16 << 6 << 6 << 24 << 3 << 1 << 1 << 1 << -1;
        QTest::newRow("16 channels in, fused relu and pool") << 4 << 32 << 8 << 6 << 16 << 3 << 1 << 1 << 1 << -2;
    }

    void convolution()
    {
        QFETCH(int, n);
        QFETCH(int, cin);
        QFETCH(int, h);
        QFETCH(int, w);
        QFETCH(int, cout);
        QFETCH(int, k);
        QFETCH(int, stride);
        QFETCH(int, pad);
        QFETCH(int, dilation);
        QFETCH(int, groups);
        ConvGeometry g{n, cin, h, w, cout, k, stride, pad, dilation, std::max(groups, 1)};
        g.relu = groups < 0;
        g.maxPool2x2 = groups == -2;
        g.computeOutput();
        const std::int64_t outputs = g.n * g.cout * (g.maxPool2x2 ? (g.oh / 2) * (g.ow / 2) : g.oh * g.ow);
        const auto x = random(g.n * g.cin * g.h * g.w, 4), weights = random(g.cout * g.cin / g.groups * k * k, 5);
        const auto bias = random(g.cout, 6), dy = random(outputs, 7);
        std::vector<float> workspace(std::size_t(cpu.convWorkspace(g)));
        std::vector<float> y1(dy.size()), y2(dy.size());
        std::vector<std::int32_t> a1(dy.size()), a2(dy.size());
        reference.convForward(g, x.data(), weights.data(), bias.data(), y1.data(), nullptr, a1.data());
        cpu.convForward(g, x.data(), weights.data(), bias.data(), y2.data(), workspace.data(), a2.data());
        QVERIFY(difference(y2, y1) < 1e-5);
        if (g.maxPool2x2)
            QCOMPARE(a2, a1);
        if (g.relu)
            QVERIFY(*std::min_element(y2.begin(), y2.end()) == 0.0f);

        std::vector<float> dx1(x.size()), dx2(x.size()), dw1(weights.size()), dw2(weights.size()), db1(g.cout), db2(g.cout);
        reference.convBackward(g, x.data(), weights.data(), y1.data(), dy.data(), dx1.data(), dw1.data(), db1.data(), nullptr,
                               a1.data());
        cpu.convBackward(g, x.data(), weights.data(), y2.data(), dy.data(), dx2.data(), dw2.data(), db2.data(),
                         workspace.data(), a2.data());
        QVERIFY(difference(dx2, dx1) < 1e-5);
        QVERIFY(difference(dw2, dw1) < 1e-5);
        QVERIFY(difference(db2, db1) < 1e-5);

        // Deterministic: the same call again gives the same bits (training relies on it).
        std::vector<float> y3(dy.size()), dx3(x.size()), dw3(weights.size()), db3(g.cout);
        cpu.convForward(g, x.data(), weights.data(), bias.data(), y3.data(), workspace.data(), a2.data());
        cpu.convBackward(g, x.data(), weights.data(), y3.data(), dy.data(), dx3.data(), dw3.data(), db3.data(),
                         workspace.data(), a2.data());
        QCOMPARE(y3, y2);
        QCOMPARE(dx3, dx2);
        QCOMPARE(dw3, dw2);
        QCOMPARE(db3, db2);
    }

    // The parity check that `neurite doctor --parity` prints: every operation of the CPU backend
    // agrees with the reference; and the check fails for a backend whose products are off by 1e-3.
    void parityCheck()
    {
        ReferenceBackend ref;
        const auto rows = runParity(cpu, ref);
        QVERIFY(rows.size() >= 50);
        for (const auto& row : rows)
            QVERIFY2(row.pass(), (row.op + " " + row.shape + ": " + std::to_string(row.error)).c_str());

        // The reference backend with every product's first element off by 1e-3.
        struct OffByALittle : HostBackend {
            ReferenceBackend r;
            std::string name() const override { return "faulty"; }
            std::string description() const override { return "reference, off by 1e-3"; }
            void gemm(bool ta, bool tb, std::int64_t m, std::int64_t n, std::int64_t k, float alpha, const float* a,
                      std::int64_t lda, const float* b, std::int64_t ldb, float beta, float* c, std::int64_t ldc) override
            {
                r.gemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
                c[0] += 1e-3f;
            }
            std::int64_t convWorkspace(const ConvGeometry& g) const override { return r.convWorkspace(g); }
            void convForward(const ConvGeometry& g, const float* x, const float* w, const float* bias, float* y,
                             float* ws, std::int32_t* argmax) override
            {
                r.convForward(g, x, w, bias, y, ws, argmax);
            }
            void convBackward(const ConvGeometry& g, const float* x, const float* w, const float* y, const float* dy,
                              float* dx, float* dw, float* db, float* ws, const std::int32_t* argmax) override
            {
                r.convBackward(g, x, w, y, dy, dx, dw, db, ws, argmax);
            }
            void maxPoolForward(const PoolGeometry& g, const float* x, float* y, std::int32_t* a) override { r.maxPoolForward(g, x, y, a); }
            void maxPoolBackward(const PoolGeometry& g, const float* dy, const std::int32_t* a, float* dx) override
            {
                r.maxPoolBackward(g, dy, a, dx);
            }
            void avgPoolForward(const PoolGeometry& g, const float* x, float* y) override { r.avgPoolForward(g, x, y); }
            void avgPoolBackward(const PoolGeometry& g, const float* dy, float* dx) override { r.avgPoolBackward(g, dy, dx); }
        } faulty;
        int failed = 0;
        for (const auto& row : runParity(faulty, ref))
            failed += !row.pass();
        QCOMPARE(failed, 4);  // the four gemm rows; the reference's convolutions do not use gemm
    }

    // Where the oneDNN module is built, convolutions of 16+ input channels run on it (the rows
    // above then test it against the reference); elsewhere on our own lowering.
    void oneDnnWhereBuilt()
    {
        ConvGeometry g{4, 32, 8, 6, 16, 3, 1, 1};
        g.computeOutput();
        const auto kernel = createOneDnnConvolution(g, 2);
        qInfo("oneDNN: %s", kernel ? kernel->kernel().c_str() : oneDnnModuleStatus().c_str());
        QCOMPARE(bool(kernel), NEURITE_ONEDNN_BUILT != 0);
        ConvGeometry few = g;
        few.cin = 3;  // too few channels for the blocked kernels
        QVERIFY(!createOneDnnConvolution(few, 2));
    }

    void pooling_data()
    {
        QTest::addColumn<int>("k");
        QTest::addColumn<int>("stride");
        QTest::addColumn<int>("pad");
        QTest::newRow("2/2/0") << 2 << 2 << 0;
        QTest::newRow("3/2/1") << 3 << 2 << 1;
        QTest::newRow("3/1/1 overlapping") << 3 << 1 << 1;
    }

    void pooling()
    {
        QFETCH(int, k);
        QFETCH(int, stride);
        QFETCH(int, pad);
        PoolGeometry g{2, 3, 9, 8, k, stride, pad};
        g.computeOutput();
        const auto x = random(g.n * g.c * g.h * g.w, 8), dy = random(g.n * g.c * g.oh * g.ow, 9);
        std::vector<float> y1(dy.size()), y2(dy.size()), dx1(x.size()), dx2(x.size());
        std::vector<std::int32_t> a1(dy.size()), a2(dy.size());
        reference.maxPoolForward(g, x.data(), y1.data(), a1.data());
        cpu.maxPoolForward(g, x.data(), y2.data(), a2.data());
        QCOMPARE(y2, y1);
        QCOMPARE(a2, a1);
        reference.maxPoolBackward(g, dy.data(), a1.data(), dx1.data());
        cpu.maxPoolBackward(g, dy.data(), a2.data(), dx2.data());
        QVERIFY(difference(dx2, dx1) < 1e-6);
        reference.avgPoolForward(g, x.data(), y1.data());
        cpu.avgPoolForward(g, x.data(), y2.data());
        QVERIFY(difference(y2, y1) < 1e-6);
        reference.avgPoolBackward(g, dy.data(), dx1.data());
        cpu.avgPoolBackward(g, dy.data(), dx2.data());
        QVERIFY(difference(dx2, dx1) < 1e-6);
    }

    // ---- Telemetry (StepOperations.h) against values worked out by hand, on every backend of the
    // registry (a GPU's too where there is one: its buffers are uploaded and read back).
    void telemetryByHand_data()
    {
        QTest::addColumn<QString>("backend");
        for (const std::string& name : backendNames())
            QTest::newRow(name.c_str()) << QString::fromStdString(name);
    }

    void telemetryByHand()
    {
        QFETCH(QString, backend);
        const std::unique_ptr<Backend> b = createBackend(backend.toStdString(), 2);
        namespace k = kernels;

        // {1, 2, 3, 4} and two non-finite: Σ 10, Σ² 30, [1, 4]; then {−2, 0.5} onto the same summary.
        Held x(*b, {1, 2, 3, 4, kNaN, kInf}), more(*b, {-2, 0.5f}), moments(*b, emptyMoments());
        b->accumulateMoments(x.data(), nullptr, 6, moments.data());
        QCOMPARE(moments.host(), (std::vector<float>{10, 30, 1, 4, 2}));
        b->accumulateMoments(more.data(), nullptr, 2, moments.data());
        QCOMPARE(moments.host(), (std::vector<float>{8.5f, 34.25f, -2, 4, 2}));

        // v = x − minus = {2, 4, −3, NaN, 3e38 + 3e38 = Inf}: Σ 3, Σ² 29, [−3, 4], two non-finite.
        Held a(*b, {3, 5, 1, kNaN, 3e38f}), minus(*b, {1, 1, 4, 0, -3e38f}), delta(*b, emptyMoments());
        b->accumulateMoments(a.data(), minus.data(), 5, delta.data());
        QCOMPARE(delta.host(), (std::vector<float>{3, 29, -3, 4, 2}));

        // 4 bins of [1, 4], 0.75 wide: [1, 1.75) [1.75, 2.5) [2.5, 3.25) [3.25, 4]; an edge goes up.
        Held h(*b, {1, 1.5f, 1.75f, 2.4f, 2.5f, 4, kNaN, kInf}), range(*b, emptyMoments());
        Held counts(*b, std::vector<float>(4, 0.0f));
        b->accumulateMoments(h.data(), nullptr, 8, range.data());
        b->accumulateHistogram(h.data(), 8, range.data(), 4, counts.data());
        QCOMPARE(counts.host(), (std::vector<float>{2, 2, 1, 1}));
        // A second tensor onto the same counts: what lies outside [1, 4] is left out.
        Held outside(*b, {0.5f, 3.5f, 5, -kInf});
        b->accumulateHistogram(outside.data(), 4, range.data(), 4, counts.data());
        QCOMPARE(counts.host(), (std::vector<float>{2, 2, 1, 2}));

        // A range of one value: everything in the middle bin (4 / 2); other values left out.
        Held flat(*b, {2, 2, kNaN, 3}), flatRange(*b, emptyMoments()), flatCounts(*b, std::vector<float>(4, 0.0f));
        b->accumulateMoments(flat.data(), nullptr, 2, flatRange.data());
        QCOMPARE(flatRange.host()[k::kMomentMin], 2.0f);
        QCOMPARE(flatRange.host()[k::kMomentMax], 2.0f);
        b->accumulateHistogram(flat.data(), 4, flatRange.data(), 4, flatCounts.data());
        QCOMPARE(flatCounts.host(), (std::vector<float>{0, 0, 2, 0}));
        // No finite value seen yet (empty moments): no range, nothing counted.
        Held none(*b, emptyMoments()), noneCounts(*b, std::vector<float>(4, 0.0f));
        b->accumulateHistogram(h.data(), 8, none.data(), 4, noneCounts.data());
        QCOMPARE(noneCounts.host(), (std::vector<float>(4, 0.0f)));

        // x: [2 × 3 × 2] (rows × channels × positions), by channel: c0 {1, −2, 3, 0}, c1 {−5, −3, −4, −6},
        // c2 {0.5, NaN, 7, −1}; the NaN is never a maximum.
        Held planes(*b, {1, -2, -5, -3, 0.5f, kNaN, 3, 0, -4, -6, 7, -1});
        Held fromLowest(*b, std::vector<float>(3, -kInf)), fromZero(*b, std::vector<float>(3, 0.0f));
        b->accumulateUnitMaximum(planes.data(), 2, 3, 2, fromLowest.data());
        QCOMPARE(fromLowest.host(), (std::vector<float>{3, -3, 7}));
        b->accumulateUnitMaximum(planes.data(), 2, 3, 2, fromZero.data());   // after a ReLU: from 0
        QCOMPARE(fromZero.host(), (std::vector<float>{3, 0, 7}));
        // A second batch [1 × 3 × 2] onto the first's maxima.
        Held next(*b, {10, 0, 0, 0, -1, -2});
        b->accumulateUnitMaximum(next.data(), 1, 3, 2, fromLowest.data());
        QCOMPARE(fromLowest.host(), (std::vector<float>{10, 0, 7}));
        // positions 1 (after a Linear): x [3 × 2], columns {1, 4, 2} and {−1, −2, NaN}.
        Held features(*b, {1, -1, 4, -2, 2, kNaN}), unitMax(*b, std::vector<float>(2, -kInf));
        b->accumulateUnitMaximum(features.data(), 3, 2, 1, unitMax.data());
        QCOMPARE(unitMax.host(), (std::vector<float>{4, -1}));
    }

    void cudaDiscovery()
    {
        // Without a driver (the development machines) the module says why and nothing else
        // changes; with a GPU every device it lists has passed a cuBLAS SGEMM check.
        const auto& cuda = cudaStatus();
        if (!cuda.available) {
            qInfo("no usable GPU: %s", cuda.reason.c_str());
            QVERIFY(!cuda.reason.empty());
            QVERIFY(cuda.devices.empty());
            try {
                createBackend("cuda");
                QFAIL("a CUDA backend without a GPU");
            } catch (const ConfigError& e) {
                QVERIFY(std::string(e.what()).find("no usable GPU: " + cuda.reason) != std::string::npos);
            }
        } else {
            QVERIFY(!cuda.devices.empty());
            for (const auto& d : cuda.devices) {
                qInfo("GPU %s: SGEMM max error %.2e", d.name.c_str(), d.gemmMaxError);
                QVERIFY(d.gemmMaxError >= 0 && d.gemmMaxError < 1e-3);
            }
        }
        QCOMPARE(createBackend("cpu", 1)->name(), std::string("cpu"));  // the CPU works either way
    }

    void registry()
    {
        QCOMPARE(createBackend("reference")->name(), std::string("reference"));
        QCOMPARE(createBackend("cpu", 1)->name(), std::string("cpu"));
        try {
            createBackend("tpu");
            QFAIL("unknown backend accepted");
        } catch (const ConfigError& e) {
            QVERIFY(std::string(e.what()).find("unknown device 'tpu'") != std::string::npos);
        }
    }
};

QTEST_APPLESS_MAIN(TestBackends)
#include "tst_backends.moc"
