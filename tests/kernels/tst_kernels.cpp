// engine/kernels, built for the host: each function against the layer, loss, optimiser or metric of
// engine/train that it must reproduce (built through the engine's public API on small tensors made
// here), against values worked out by hand, and Philox against Random123's known answers.
//
// The engine's layers now run these very functions (through the backends' HostBackend), so the
// engine comparisons mostly check how the layers drive them; they were first passed against
// engine/train as it stood before the move (d3f0352), when each layer wrote its formulas out. The
// hand-computed values are what pins the maths itself.
//
// Bitwise where the kernel repeats the engine's formula in the engine's order and precision. Two
// comparisons use a tolerance, and say why: the optimisers (the host loops may be compiled as
// AVX2/AVX-512 clones, where GCC may fuse a·b + c into one FMA, rounding once instead of twice)
// and the gradient norm (summed in another order and precision than the kernel's double chunks).
//
// Index (the test class's [SECTION]s, in file order): Philox and dropout · activations · softmax
// and the losses · normalisation · pooling and bias · optimisers · reductions and metrics. Above
// the class: comparison helpers and a harness that runs one engine layer on one batch.
#include "engine/backends/reference/ReferenceBackend.h"
#include "engine/core/Rng.h"
#include "engine/graph/ShapeInference.h"
#include "engine/kernels/Activations.h"
#include "engine/kernels/BiasAdd.h"
#include "engine/kernels/Dropout.h"
#include "engine/kernels/Losses.h"
#include "engine/kernels/Norms.h"
#include "engine/kernels/Optimizers.h"
#include "engine/kernels/Philox.h"
#include "engine/kernels/Pooling.h"
#include "engine/kernels/Reductions.h"
#include "engine/kernels/Softmax.h"
#include "engine/train/Layer.h"
#include "engine/train/Optimizer.h"

#include <QtTest>

#include <algorithm>
#include <bit>
#include <cmath>
#include <numeric>
#include <limits>

using namespace neurite;
namespace k = neurite::kernels;

namespace {

// Top-k hits by another road: each row's classes sorted by score, highest first, ties in class
// order (a stable sort); a hit when the label is among the first k.
std::int64_t topKBySorting(const std::vector<float>& scores, const std::vector<std::int32_t>& labels,
                           std::int64_t classes, int k)
{
    std::int64_t hits = 0;
    for (std::size_t r = 0; r < labels.size(); ++r) {
        std::vector<std::int64_t> order(static_cast<std::size_t>(classes));
        std::iota(order.begin(), order.end(), 0);
        const float* row = scores.data() + std::int64_t(r) * classes;
        std::stable_sort(order.begin(), order.end(), [row](std::int64_t a, std::int64_t b) { return row[a] > row[b]; });
        hits += std::find(order.begin(), order.begin() + k, labels[r]) != order.begin() + k;
    }
    return hits;
}

// ---- Comparisons: an empty string when they hold, else what differs where ----------------------

bool sameBits(float a, float b)
{
    return std::bit_cast<std::uint32_t>(a) == std::bit_cast<std::uint32_t>(b) || (std::isnan(a) && std::isnan(b));
}

QString compareBitwise(const float* expected, const float* actual, std::int64_t count, const char* what)
{
    for (std::int64_t i = 0; i < count; ++i)
        if (!sameBits(expected[i], actual[i]))
            return QString("%1[%2]: engine %3, kernel %4")
                .arg(what)
                .arg(i)
                .arg(double(expected[i]), 0, 'g', 9)
                .arg(double(actual[i]), 0, 'g', 9);
    return {};
}

QString compareBitwise(const std::vector<float>& expected, const std::vector<float>& actual, const char* what)
{
    if (expected.size() != actual.size())
        return QString("%1: %2 values, expected %3").arg(what).arg(actual.size()).arg(expected.size());
    return compareBitwise(expected.data(), actual.data(), std::int64_t(expected.size()), what);
}

// |a − b| ≤ relative · max(1, |a|).
QString compareNear(const float* expected, const float* actual, std::int64_t count, double relative, const char* what)
{
    for (std::int64_t i = 0; i < count; ++i)
        if (!(std::abs(double(expected[i]) - actual[i]) <= relative * std::max(1.0, std::abs(double(expected[i])))))
            return QString("%1[%2]: engine %3, kernel %4")
                .arg(what)
                .arg(i)
                .arg(double(expected[i]), 0, 'g', 9)
                .arg(double(actual[i]), 0, 'g', 9);
    return {};
}

#define EXPECT_SAME(check)                                                                                             \
    do {                                                                                                               \
        const QString problem = (check);                                                                               \
        QVERIFY2(problem.isEmpty(), qPrintable(problem));                                                              \
    } while (false)

// Whether b is within `relative` of a hand-computed a.
bool near(double a, double b, double relative = 1e-6)
{
    return std::abs(a - b) <= relative * std::max(1.0, std::abs(a));
}

std::vector<float> uniformValues(std::int64_t n, Rng& rng, float lo, float hi)
{
    std::vector<float> v(std::size_t(n), 0.0f);
    for (auto& x : v)
        x = rng.uniform(lo, hi);
    return v;
}

// ---- One engine layer on one batch -------------------------------------------------------------

// A graph Input → layer "x", the layer built by createLayer, and its buffers:
// x, dx: [n × input shape]; y, dy: [n × output shape]; labels: [n].
struct LayerRun {
    ModelGraph graph;
    GraphAnalysis analysis;
    ReferenceBackend backend;
    std::unique_ptr<Layer> layer;
    std::int64_t n, inSize, outSize;
    std::vector<float> x, y, dy, dx, modelInput;
    std::vector<std::int32_t> labels;

    LayerRun(const std::string& type, const nlohmann::json& attrs, const std::vector<std::int64_t>& shape,
             std::int64_t batch)
        : n(batch)
    {
        graph.add("input", "Input", {{"shape", shape}});
        graph.add("x", type, attrs);
        graph.connect("input", "x", "in");
        analysis = analyse(graph, batch);
        const NodeInfo& info = analysis.info("x");
        if (!info.shaped)
            throw std::runtime_error(type + " does not shape: " + analysis.problems.at(0).str());
        layer = createLayer({*graph.find("x"), info, backend, batch, Shape(shape)});
        inSize = info.inputs[0].numel();
        outSize = std::max<std::int64_t>(info.output.numel(), 1);
        x.assign(std::size_t(n * inSize), 0.0f);
        dx.assign(x.size(), 0.0f);
        modelInput.assign(x.size(), 0.0f);
        y.assign(std::size_t(n * outSize), 0.0f);
        dy.assign(y.size(), 0.0f);
        labels.assign(std::size_t(n), 0);
    }

    LayerIO io(bool training, std::uint64_t seed, std::uint32_t step)
    {
        LayerIO io;
        io.n = n;
        io.training = training;
        io.in = {x.data()};
        io.out = y.data();
        io.dIn = {dx.data()};
        io.dOut = dy.data();
        io.labels = labels.data();
        io.modelInput = modelInput.data();
        io.seed = seed;
        io.step = step;
        return io;
    }
    void forward(bool training = true, std::uint64_t seed = 0, std::uint32_t step = 0)
    {
        layer->forward(io(training, seed, step));
    }
    void backward(std::uint64_t seed = 0, std::uint32_t step = 0) { layer->backward(io(true, seed, step)); }

    // The parameter whose name ends in `suffix` ("weight", "running_var"...).
    Parameter& parameter(const std::string& suffix)
    {
        for (auto* p : layer->parameters())
            if (p->name.ends_with("." + suffix))
                return *p;
        throw std::runtime_error("no parameter " + suffix);
    }
};

// ---- The activations, by name ------------------------------------------------------------------

float activationForward(const std::string& type, float x)
{
    if (type == "ReLU")
        return k::reluForward(x);
    if (type == "LeakyReLU")
        return k::leakyReluForward(x, 0.2f);
    if (type == "ELU")
        return k::eluForward(x, 1.5f);
    if (type == "GELU")
        return k::geluForward(x);
    if (type == "SiLU")
        return k::siluForward(x);
    if (type == "Sigmoid")
        return k::sigmoidForward(x);
    return k::tanhForward(x);
}

float activationBackward(const std::string& type, float x, float y, float dy)
{
    if (type == "ReLU")
        return k::reluBackward(y, dy);
    if (type == "LeakyReLU")
        return k::leakyReluBackward(x, dy, 0.2f);
    if (type == "ELU")
        return k::eluBackward(x, y, dy, 1.5f);
    if (type == "GELU")
        return k::geluBackward(x, dy);
    if (type == "SiLU")
        return k::siluBackward(x, dy);
    if (type == "Sigmoid")
        return k::sigmoidBackward(y, dy);
    return k::tanhBackward(y, dy);
}

nlohmann::json activationAttributes(const std::string& type)
{
    if (type == "LeakyReLU")
        return {{"negative_slope", 0.2}};
    if (type == "ELU")
        return {{"alpha", 1.5}};
    return nlohmann::json::object();
}

} // namespace

class TestKernels : public QObject {
    Q_OBJECT
private slots:
    // ---- Philox and dropout --------------------------------------------------------------------

    void philoxKnownAnswers()
    {
        // Random123's tests/kat_vectors, rows "philox4x32 10": counter[4] key[2] → output[4].
        struct Vector {
            k::Philox4x32Block counter;
            k::Philox4x32Key key;
            k::Philox4x32Block expected;
        };
        const Vector vectors[] = {
            {{{0, 0, 0, 0}}, {{0, 0}}, {{0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}}},
            {{{0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff}},
             {{0xffffffff, 0xffffffff}},
             {{0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}}},
            {{{0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344}},
             {{0xa4093822, 0x299f31d0}},
             {{0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}}},
        };
        for (const auto& v : vectors) {
            const k::Philox4x32Block out = k::philox4x32_10(v.counter, v.key);
            for (int w = 0; w < 4; ++w)
                QCOMPARE(out.word[w], v.expected.word[w]);
        }
    }

    void uniformAndCounterLayout()
    {
        QCOMPARE(k::uniformFromBits(0u), 0.0f);
        QCOMPARE(k::uniformFromBits(0x80000000u), 0.5f);
        QCOMPARE(k::uniformFromBits(0x000000ffu), 0.0f);                   // the low 8 bits are dropped
        QCOMPARE(k::uniformFromBits(0xffffffffu), 1.0f - 1.0f / 16777216.0f);  // below 1
        QVERIFY(k::uniformFromBits(0xffffffffu) < 1.0f);

        // The rule of Philox.h: element i takes lane i % 4 of counter {i/4 low, i/4 high, step, stream}
        // under key {seed low, seed high}.
        const std::uint64_t seed = 0x0123456789abcdefull;
        const std::uint64_t element = (std::uint64_t(5) << 34) + 4 * 77 + 2;  // i/4 has a high word
        const k::Philox4x32Block counter = k::elementCounter(element, 9, 3);
        QCOMPARE(counter.word[0], 77u);
        QCOMPARE(counter.word[1], 5u);
        QCOMPARE(counter.word[2], 9u);
        QCOMPARE(counter.word[3], 3u);
        const k::Philox4x32Key key = k::philoxKeyFromSeed(seed);
        QCOMPARE(key.word[0], 0x89abcdefu);
        QCOMPARE(key.word[1], 0x01234567u);
        const k::Philox4x32Block bits = k::philox4x32_10({{77u, 5u, 9u, 3u}}, {{0x89abcdefu, 0x01234567u}});
        QCOMPARE(k::elementUniform(seed, 9, 3, element), k::uniformFromBits(bits.word[2]));
        QCOMPARE(k::elementUniform(seed, 9, 3, element - 2), k::uniformFromBits(bits.word[0]));
        QCOMPARE(k::elementUniform(seed, 9, 3, element + 1), k::uniformFromBits(bits.word[3]));
    }

    void dropoutMasks()
    {
        const std::uint64_t seed = 42;
        const float p = 0.3f, scale = 1.0f / (1.0f - p);
        constexpr std::int64_t count = 100000;
        std::int64_t kept = 0, differsWithStep = 0, differsWithStream = 0, differsWithSeed = 0;
        for (std::int64_t i = 0; i < count; ++i) {
            const float m = k::dropoutMask(seed, 7, 2, std::uint64_t(i), p);
            QVERIFY(m == 0.0f || m == scale);
            QCOMPARE(k::dropoutMask(seed, 7, 2, std::uint64_t(i), p), m);  // a pure function
            kept += m != 0.0f;
            differsWithStep += k::dropoutMask(seed, 8, 2, std::uint64_t(i), p) != m;
            differsWithStream += k::dropoutMask(seed, 7, 3, std::uint64_t(i), p) != m;
            differsWithSeed += k::dropoutMask(seed + 1, 7, 2, std::uint64_t(i), p) != m;
        }
        // The kept share: 1 − p within 5 standard deviations (√(p(1 − p)/N) ≈ 0.0014).
        const double share = double(kept) / double(count), sigma = std::sqrt(p * (1 - p) / double(count));
        QVERIFY2(std::abs(share - (1 - p)) < 5 * sigma, qPrintable(QString("kept share %1").arg(share)));
        // Another step, stream or seed gives an independent mask: they disagree on 2p(1 − p) = 42%.
        for (const std::int64_t differs : {differsWithStep, differsWithStream, differsWithSeed})
            QVERIFY2(std::abs(double(differs) / count - 2 * p * (1 - p)) < 0.01, qPrintable(QString::number(differs)));

        // Four neighbours from one Philox call: the same masks as one element at a time.
        for (std::uint64_t block = 0; block < 64; ++block) {
            float quad[4];
            k::dropoutMaskQuad(seed, 7, 2, block, p, quad);
            for (int lane = 0; lane < 4; ++lane)
                QCOMPARE(quad[lane], k::dropoutMask(seed, 7, 2, block * 4 + std::uint64_t(lane), p));
        }
        // p = 0: nothing dropped, nothing scaled; the mask rule at its edges.
        QCOMPARE(k::dropoutMask(seed, 7, 2, 5, 0.0f), 1.0f);
        QCOMPARE(k::dropoutMaskFromUniform(0.29f, 0.3f), 0.0f);
        QCOMPARE(k::dropoutMaskFromUniform(0.3f, 0.3f), scale);
        QCOMPARE(k::dropoutForward(2.0f, 0.0f), 0.0f);
        QCOMPARE(k::dropoutForward(2.0f, 2.0f), 4.0f);
        QCOMPARE(k::dropoutBackward(-3.0f, 1.25f), -3.75f);
    }

    void dropoutMatchesEngine()
    {
        // The engine's Dropout draws its mask by the Philox rule, in the stream of its node (FNV-1a
        // of the node's id, engine/train/layers/Elementwise.cpp): the kernel's masks, forward and
        // backward give its values bit for bit.
        LayerRun run("Dropout", {{"p", 0.4}}, {50}, 4);
        Rng rng(5);
        run.x = uniformValues(run.n * run.inSize, rng, -2, 2);
        run.dy = uniformValues(run.n * run.outSize, rng, -1, 1);
        const std::uint64_t seed = 77;
        const std::uint32_t step = 3;
        run.forward(true, seed, step);
        run.backward(seed, step);
        std::uint32_t stream = 2166136261u;  // FNV-1a of the node id "x"
        for (unsigned char c : std::string("x"))
            stream = (stream ^ c) * 16777619u;
        std::vector<float> y(run.y.size()), dx(run.dx.size());
        std::int64_t dropped = 0;
        for (std::size_t i = 0; i < y.size(); ++i) {
            const float mask = k::dropoutMask(seed, step, stream, std::uint64_t(i), 0.4f);
            dropped += mask == 0.0f;
            y[i] = k::dropoutForward(run.x[i], mask);
            dx[i] = k::dropoutBackward(run.dy[i], mask);
        }
        QVERIFY(dropped > 40 && dropped < 120);  // the comparison sees both kinds of element
        EXPECT_SAME(compareBitwise(run.y, y, "dropout y"));
        EXPECT_SAME(compareBitwise(run.dx, dx, "dropout dx"));

        // Evaluation: y = x.
        run.forward(false, seed, step + 1);
        EXPECT_SAME(compareBitwise(run.y, run.x, "dropout evaluation"));
    }

    // ---- Activations ---------------------------------------------------------------------------

    void activations_data()
    {
        QTest::addColumn<QString>("type");
        for (const char* type : {"ReLU", "LeakyReLU", "ELU", "GELU", "SiLU", "Sigmoid", "Tanh"})
            QTest::newRow(type) << type;
    }

    void activations()
    {
        QFETCH(QString, type);
        const std::string t = type.toStdString();
        LayerRun run(t, activationAttributes(t), {64}, 3);
        Rng rng(11);
        run.x = uniformValues(run.n * run.inSize, rng, -6, 6);
        run.x[0] = 0.0f;
        run.x[1] = -0.0f;
        run.x[2] = 1e-30f;
        run.x[3] = -20.0f;
        run.x[4] = 20.0f;
        run.dy = uniformValues(run.n * run.outSize, rng, -1, 1);
        run.forward();
        run.backward();
        std::vector<float> y(run.y.size()), dx(run.dx.size());
        for (std::size_t i = 0; i < y.size(); ++i) {
            y[i] = activationForward(t, run.x[i]);
            dx[i] = activationBackward(t, run.x[i], y[i], run.dy[i]);
        }
        EXPECT_SAME(compareBitwise(run.y, y, "y"));
        EXPECT_SAME(compareBitwise(run.dx, dx, "dx"));
    }

    void activationsByHand()
    {
        QCOMPARE(k::reluForward(-1.0f), 0.0f);
        QCOMPARE(k::reluForward(2.5f), 2.5f);
        QVERIFY(std::isnan(k::reluForward(std::numeric_limits<float>::quiet_NaN())));
        QCOMPARE(k::reluBackward(0.0f, 3.0f), 0.0f);
        QCOMPARE(k::reluBackward(0.5f, 3.0f), 3.0f);
        QCOMPARE(k::leakyReluForward(-2.0f, 0.1f), -0.2f);
        QCOMPARE(k::leakyReluBackward(-2.0f, 3.0f, 0.1f), 3.0f * 0.1f);
        QVERIFY(near(k::eluForward(-1.0f, 1.0f), std::expm1(-1.0)));  // −0.632120…
        QVERIFY(near(k::eluBackward(-1.0f, k::eluForward(-1.0f, 2.0f), 1.0f, 2.0f), 2.0 * std::exp(-1.0)));
        QVERIFY(near(k::geluForward(1.0f), 0.8413447460685429));      // Φ(1)
        QVERIFY(near(k::geluBackward(1.0f, 1.0f), 0.8413447460685429 + 0.24197072451914337));  // Φ(1) + φ(1)
        QVERIFY(near(k::geluBackward(-2.0f, 1.0f), 0.022750131948179 - 2 * 0.053990966513188));
        QVERIFY(near(k::siluForward(1.0f), 0.7310585786300049));      // σ(1)
        QVERIFY(near(k::siluBackward(1.0f, 1.0f), 0.7310585786300049 * (1 + 1 - 0.7310585786300049)));
        QCOMPARE(k::sigmoidForward(0.0f), 0.5f);
        QCOMPARE(k::sigmoidBackward(0.5f, 1.0f), 0.25f);
        QVERIFY(near(k::tanhForward(0.5f), std::tanh(0.5)));
        QCOMPARE(k::tanhBackward(0.5f, 2.0f), 1.5f);
    }

    // ---- Softmax and the losses ------------------------------------------------------------------

    void softmax()
    {
        LayerRun run("Softmax", nlohmann::json::object(), {7}, 5);
        Rng rng(12);
        run.x = uniformValues(run.n * run.inSize, rng, -8, 8);
        run.dy = uniformValues(run.n * run.outSize, rng, -1, 1);
        run.forward();
        run.backward();
        std::vector<float> y(run.y.size()), dx(run.dx.size());
        for (std::int64_t r = 0; r < run.n; ++r) {
            k::softmaxForwardRow(run.x.data() + r * 7, y.data() + r * 7, 7);
            k::softmaxBackwardRow(y.data() + r * 7, run.dy.data() + r * 7, dx.data() + r * 7, 7);
        }
        EXPECT_SAME(compareBitwise(run.y, y, "softmax y"));
        EXPECT_SAME(compareBitwise(run.dx, dx, "softmax dx"));

        // By hand: softmax(0, ln 3) = (1/4, 3/4); dx = y ⊙ (dy − ⟨dy, y⟩) with dy = (1, 0): ⟨dy, y⟩ = 1/4.
        const float x2[2] = {0.0f, std::log(3.0f)}, dy2[2] = {1.0f, 0.0f};
        float y2[2], dx2[2];
        k::softmaxForwardRow(x2, y2, 2);
        QVERIFY(near(y2[0], 0.25) && near(y2[1], 0.75));
        k::softmaxBackwardRow(y2, dy2, dx2, 2);
        QVERIFY(near(dx2[0], 0.25 * 0.75) && near(dx2[1], 0.75 * -0.25));
        const float row[4] = {1.0f, 3.0f, 3.0f, -1.0f};
        QCOMPARE(k::rowMax(row, 4), 3.0f);
        QCOMPARE(k::rowArgMax(row, 4), std::int64_t(1));  // the first of equal maxima
    }

    void crossEntropy_data()
    {
        QTest::addColumn<double>("smoothing");
        QTest::newRow("plain") << 0.0;
        QTest::newRow("smoothed") << 0.2;
    }

    void crossEntropy()
    {
        QFETCH(double, smoothing);
        constexpr std::int64_t classes = 6;
        LayerRun run("CrossEntropyLoss", {{"label_smoothing", smoothing}}, {classes}, 5);
        Rng rng(13);
        run.x = uniformValues(run.n * run.inSize, rng, -5, 5);
        for (auto& label : run.labels)
            label = std::int32_t(rng.below(classes));
        run.forward();
        run.backward();
        double total = 0;
        std::vector<float> dx(run.dx.size());
        for (std::int64_t r = 0; r < run.n; ++r) {
            total += k::crossEntropyRowLoss(run.x.data() + r * classes, classes, run.labels[std::size_t(r)],
                                            float(smoothing));
            k::crossEntropyRowGradient(run.x.data() + r * classes, dx.data() + r * classes, classes,
                                       run.labels[std::size_t(r)], float(smoothing), 1.0f / float(run.n));
        }
        QCOMPARE(float(k::lossMean(total, run.n)), float(run.layer->lossValue()));  // the engine keeps a float
        EXPECT_SAME(compareBitwise(run.dx, dx, "cross-entropy dx"));
    }

    void crossEntropyByHand()
    {
        // Two equal logits: L = ln 2, dL/dx = (½ − 1, ½ − 0) / n.
        const float x[2] = {0.0f, 0.0f};
        QVERIFY(near(k::crossEntropyRowLoss(x, 2, 0, 0.0f), std::log(2.0)));
        float dx[2];
        k::crossEntropyRowGradient(x, dx, 2, 0, 0.0f, 0.5f);
        QCOMPARE(dx[0], -0.25f);
        QCOMPARE(dx[1], 0.25f);
        // Logits (0, ln 3), class 1, ε = 0.2: q = (0.1, 0.9); L = −0.1·ln ¼ − 0.9·ln ¾.
        const float y[2] = {0.0f, std::log(3.0f)};
        QVERIFY(near(k::crossEntropyRowLoss(y, 2, 1, 0.2f), -0.1 * std::log(0.25) - 0.9 * std::log(0.75)));
        k::crossEntropyRowGradient(y, dx, 2, 1, 0.2f, 1.0f);
        QVERIFY(near(dx[0], 0.25 - 0.1) && near(dx[1], 0.75 - 0.9));
    }

    void meanSquaredError_data()
    {
        QTest::addColumn<QString>("target");
        QTest::newRow("class") << "class";
        QTest::newRow("input") << "input";
    }

    void meanSquaredError()
    {
        QFETCH(QString, target);
        const bool fromInput = target == "input";
        constexpr std::int64_t d = 5;
        LayerRun run("MSELoss", {{"target", target.toStdString()}}, {d}, 4);
        Rng rng(14);
        run.x = uniformValues(run.n * run.inSize, rng, -2, 2);
        run.modelInput = uniformValues(run.n * run.inSize, rng, -2, 2);
        for (auto& label : run.labels)
            label = std::int32_t(rng.below(d));
        run.forward();
        run.backward();
        const std::int64_t count = run.n * d;
        const float scale = k::squaredErrorGradScale(count);
        double total = 0;
        std::vector<float> dx(run.dx.size());
        for (std::int64_t r = 0; r < run.n; ++r)
            for (std::int64_t i = 0; i < d; ++i) {
                const std::int64_t at = r * d + i;
                const float t = fromInput ? run.modelInput[std::size_t(at)]
                                          : k::classTarget(run.labels[std::size_t(r)], i);
                total += k::squaredErrorTerm(run.x[std::size_t(at)], t);
                dx[std::size_t(at)] = k::squaredErrorGradElement(run.x[std::size_t(at)], t, scale);
            }
        QCOMPARE(float(k::lossMean(total, count)), float(run.layer->lossValue()));
        EXPECT_SAME(compareBitwise(run.dx, dx, "mse dx"));
        // By hand: (3 − 1)² = 4; d/dx of the mean over 4 elements: 2·2/4 = 1.
        QCOMPARE(k::squaredErrorTerm(3.0f, 1.0f), 4.0);
        QCOMPARE(k::squaredErrorGradElement(3.0f, 1.0f, k::squaredErrorGradScale(4)), 1.0f);
    }

    void binaryCrossEntropy()
    {
        constexpr std::int64_t d = 6;
        LayerRun run("BCEWithLogitsLoss", nlohmann::json::object(), {d}, 4);
        Rng rng(15);
        run.x = uniformValues(run.n * run.inSize, rng, -30, 30);  // large |x|: the stable form matters
        for (auto& label : run.labels)
            label = std::int32_t(rng.below(d));
        run.forward();
        run.backward();
        const std::int64_t count = run.n * d;
        const float scale = k::bceWithLogitsGradScale(count);
        double total = 0;
        std::vector<float> dx(run.dx.size());
        for (std::int64_t r = 0; r < run.n; ++r)
            for (std::int64_t i = 0; i < d; ++i) {
                const std::int64_t at = r * d + i;
                const float t = k::classTarget(run.labels[std::size_t(r)], i);
                total += k::bceWithLogitsTerm(run.x[std::size_t(at)], t);
                dx[std::size_t(at)] = k::bceWithLogitsGradElement(run.x[std::size_t(at)], t, scale);
            }
        QCOMPARE(float(k::lossMean(total, count)), float(run.layer->lossValue()));
        EXPECT_SAME(compareBitwise(run.dx, dx, "bce dx"));
        // By hand: x = 0: ln 2 whatever t; x = 40, t = 0: 40 (the naive form gives ∞ or loses it);
        // x = −2, t = 1: ln(1 + e²); the gradient σ(0) − 1 = −½.
        QVERIFY(near(k::bceWithLogitsTerm(0.0f, 1.0f), std::log(2.0)));
        QVERIFY(near(k::bceWithLogitsTerm(40.0f, 0.0f), 40.0));
        QVERIFY(near(k::bceWithLogitsTerm(-2.0f, 1.0f), std::log1p(std::exp(2.0))));
        QCOMPARE(k::bceWithLogitsGradElement(0.0f, 1.0f, 1.0f), -0.5f);
    }

    // ---- Normalisation ---------------------------------------------------------------------------

    void batchNorm_data()
    {
        QTest::addColumn<QString>("type");
        QTest::addColumn<QString>("shape");
        QTest::newRow("BatchNorm1d") << "BatchNorm1d" << "[5]";
        QTest::newRow("BatchNorm2d") << "BatchNorm2d" << "[3, 4, 5]";
    }

    void batchNorm()
    {
        QFETCH(QString, type);
        QFETCH(QString, shape);
        const auto dims = nlohmann::json::parse(shape.toStdString()).get<std::vector<std::int64_t>>();
        const float momentum = 0.2f, eps = 1e-3f;
        LayerRun run(type.toStdString(), {{"momentum", momentum}, {"eps", eps}}, dims, 4);
        const std::int64_t channels = dims[0], positions = run.inSize / channels, m = run.n * positions;
        Rng rng(16);
        run.x = uniformValues(run.n * run.inSize, rng, -3, 5);
        run.dy = uniformValues(run.n * run.outSize, rng, -1, 1);
        Parameter &gamma = run.parameter("weight"), &beta = run.parameter("bias");
        Parameter &runningMean = run.parameter("running_mean"), &runningVar = run.parameter("running_var");
        for (std::int64_t c = 0; c < channels; ++c) {
            gamma.value[c] = rng.uniform(0.5f, 1.5f);
            beta.value[c] = rng.uniform(-1, 1);
            runningMean.value[c] = rng.uniform(-1, 1);
            runningVar.value[c] = rng.uniform(0.5f, 2);
        }
        const std::vector<float> oldMean(runningMean.value.data(), runningMean.value.data() + channels),
            oldVar(runningVar.value.data(), runningVar.value.data() + channels);
        run.forward();
        run.backward();

        const auto perChannel = static_cast<std::size_t>(channels);
        std::vector<float> y(run.y.size()), dx(run.dx.size()), newMean(perChannel), newVar(perChannel),
            dgamma(perChannel), dbeta(perChannel);
        for (std::int64_t c = 0; c < channels; ++c) {
            const float mean = k::batchNormMean(k::batchNormChannelSum(run.x.data(), c, channels, positions, 0, m), m);
            const k::BatchNormVariance var = k::batchNormVariance(
                k::batchNormChannelCentredSquares(run.x.data(), c, channels, positions, 0, m, mean), m, eps);
            newMean[std::size_t(c)] = k::batchNormRunningMean(oldMean[std::size_t(c)], mean, momentum);
            newVar[std::size_t(c)] = k::batchNormRunningVar(oldVar[std::size_t(c)], var.unbiased, momentum);
            const k::ChannelAffine affine = k::batchNormAffine(gamma.value[c], beta.value[c], mean, var.invstd);
            const k::BatchNormParamGrads g = k::batchNormChannelParamGrads(run.x.data(), run.dy.data(), c, channels,
                                                                           positions, 0, m, mean, var.invstd);
            dgamma[std::size_t(c)] = float(g.dgamma);
            dbeta[std::size_t(c)] = float(g.dbeta);
            for (std::int64_t j = 0; j < m; ++j) {
                const auto at = std::size_t(k::channelElementIndex(j, c, channels, positions));
                y[at] = k::batchNormApply(run.x[at], affine);
                dx[at] = k::batchNormBackwardElement(run.x[at], run.dy[at], gamma.value[c], mean, var.invstd, float(m),
                                                     float(g.dbeta), float(g.dgamma));
            }
        }
        EXPECT_SAME(compareBitwise(run.y, y, "batch norm y"));
        EXPECT_SAME(compareBitwise(runningMean.value.data(), newMean.data(), channels, "running mean"));
        EXPECT_SAME(compareBitwise(runningVar.value.data(), newVar.data(), channels, "running var"));
        EXPECT_SAME(compareBitwise(gamma.grad.data(), dgamma.data(), channels, "dgamma"));
        EXPECT_SAME(compareBitwise(beta.grad.data(), dbeta.data(), channels, "dbeta"));
        EXPECT_SAME(compareBitwise(run.dx, dx, "batch norm dx"));

        // Evaluation: the running statistics normalise.
        run.forward(false);
        for (std::int64_t c = 0; c < channels; ++c) {
            const float invstd = k::batchNormEvalInvstd(runningVar.value[c], eps);
            const k::ChannelAffine affine = k::batchNormAffine(gamma.value[c], beta.value[c], runningMean.value[c], invstd);
            for (std::int64_t j = 0; j < m; ++j) {
                const auto at = std::size_t(k::channelElementIndex(j, c, channels, positions));
                y[at] = k::batchNormApply(run.x[at], affine);
            }
        }
        EXPECT_SAME(compareBitwise(run.y, y, "batch norm evaluation y"));

        // Chunks: partial sums over [0, a) and [a, m) add up to the whole (to double rounding).
        const double whole = k::batchNormChannelSum(run.x.data(), 1, channels, positions, 0, m);
        const double split = k::batchNormChannelSum(run.x.data(), 1, channels, positions, 0, 3) +
                             k::batchNormChannelSum(run.x.data(), 1, channels, positions, 3, m);
        QVERIFY(std::abs(whole - split) < 1e-12);
    }

    void batchNormByHand()
    {
        // One channel of [1, 3] (n = 2, C = 1, S = 1): mean 2, biased variance 1, unbiased 2.
        const float x[2] = {1.0f, 3.0f};
        const float mean = k::batchNormMean(k::batchNormChannelSum(x, 0, 1, 1, 0, 2), 2);
        QCOMPARE(mean, 2.0f);
        const k::BatchNormVariance var = k::batchNormVariance(k::batchNormChannelCentredSquares(x, 0, 1, 1, 0, 2, mean), 2, 0.0f);
        QCOMPARE(var.invstd, 1.0f);
        QCOMPARE(var.unbiased, 2.0);
        QCOMPARE(k::batchNormVariance(0.5, 1, 0.0f).unbiased, 0.5);  // m = 1: no Bessel correction
        QVERIFY(near(k::batchNormRunningMean(0.0f, mean, 0.1f), 0.2));
        QVERIFY(near(k::batchNormRunningVar(1.0f, var.unbiased, 0.1f), 1.1));
        QCOMPARE(k::batchNormEvalInvstd(4.0f, 0.0f), 0.5f);
        const k::ChannelAffine a = k::batchNormAffine(2.0f, 0.5f, mean, var.invstd);
        QCOMPARE(k::batchNormApply(3.0f, a), 2.5f);  // 2·(3 − 2)/1 + 0.5
        // [n, C, S] = [2, 3, 2]: element 3 of channel 1 is x[(1·3 + 1)·2 + 1] = x[9].
        QCOMPARE(k::channelElementIndex(3, 1, 3, 2), std::int64_t(9));
    }

    void layerNorm()
    {
        constexpr std::int64_t d = 12;
        const float eps = 1e-4f;
        LayerRun run("LayerNorm", {{"eps", eps}}, {3, 4}, 5);
        Rng rng(17);
        run.x = uniformValues(run.n * run.inSize, rng, -3, 5);
        run.dy = uniformValues(run.n * run.outSize, rng, -1, 1);
        Parameter &gamma = run.parameter("weight"), &beta = run.parameter("bias");
        for (std::int64_t i = 0; i < d; ++i) {
            gamma.value[i] = rng.uniform(0.5f, 1.5f);
            beta.value[i] = rng.uniform(-1, 1);
        }
        run.forward();
        run.backward();
        std::vector<float> y(run.y.size()), dx(run.dx.size()), dgamma(d), dbeta(d);
        std::vector<k::RowStatistics> stats(std::size_t(run.n));
        for (std::int64_t r = 0; r < run.n; ++r) {
            stats[std::size_t(r)] =
                k::layerNormForwardRow(run.x.data() + r * d, y.data() + r * d, gamma.value.data(), beta.value.data(), d, eps);
            k::layerNormBackwardRow(run.x.data() + r * d, run.dy.data() + r * d, gamma.value.data(), dx.data() + r * d,
                                    d, stats[std::size_t(r)]);
        }
        for (std::int64_t i = 0; i < d; ++i) {
            const k::FeatureParamGrads g = k::layerNormFeatureParamGrads(run.x.data(), run.dy.data(), stats.data(), run.n, d, i);
            dgamma[std::size_t(i)] = g.dgamma;
            dbeta[std::size_t(i)] = g.dbeta;
        }
        EXPECT_SAME(compareBitwise(run.y, y, "layer norm y"));
        EXPECT_SAME(compareBitwise(run.dx, dx, "layer norm dx"));
        EXPECT_SAME(compareBitwise(gamma.grad.data(), dgamma.data(), d, "dgamma"));
        EXPECT_SAME(compareBitwise(beta.grad.data(), dbeta.data(), d, "dbeta"));

        // By hand: the row (1, 3): mean 2, invstd 1 (ε = 0); y = (−1, 1)·γ + β.
        const float x2[2] = {1.0f, 3.0f}, g2[2] = {2.0f, 3.0f}, b2[2] = {0.5f, -0.5f};
        float y2[2];
        const k::RowStatistics s = k::layerNormForwardRow(x2, y2, g2, b2, 2, 0.0f);
        QCOMPARE(s.mean, 2.0f);
        QCOMPARE(s.invstd, 1.0f);
        QCOMPARE(y2[0], -1.5f);
        QCOMPARE(y2[1], 2.5f);
        // A uniform dy on γ = 1 shifts every x̂ alike: its gradient vanishes.
        const float ones[2] = {1.0f, 1.0f};
        float dx2[2];
        k::layerNormBackwardRow(x2, ones, ones, dx2, 2, s);
        QCOMPARE(dx2[0], 0.0f);
        QCOMPARE(dx2[1], 0.0f);
    }

    // ---- Pooling and bias ------------------------------------------------------------------------

    void globalAvgPool()
    {
        LayerRun run("GlobalAvgPool2d", nlohmann::json::object(), {3, 4, 5}, 2);
        constexpr std::int64_t hw = 20;
        Rng rng(18);
        run.x = uniformValues(run.n * run.inSize, rng, -2, 2);
        run.dy = uniformValues(run.n * run.outSize, rng, -1, 1);
        run.forward();
        run.backward();
        std::vector<float> y(run.y.size()), dx(run.dx.size());
        for (std::size_t p = 0; p < y.size(); ++p) {
            y[p] = k::globalAvgPoolPlane(run.x.data() + std::int64_t(p) * hw, hw);
            for (std::int64_t i = 0; i < hw; ++i)
                dx[p * hw + std::size_t(i)] = k::globalAvgPoolBackwardElement(run.dy[p], hw);
        }
        EXPECT_SAME(compareBitwise(run.y, y, "pool y"));
        EXPECT_SAME(compareBitwise(run.dx, dx, "pool dx"));
        const float plane[4] = {1, 2, 3, 4};
        QCOMPARE(k::globalAvgPoolPlane(plane, 4), 2.5f);
        QCOMPARE(k::globalAvgPoolBackwardElement(2.0f, 4), 0.5f);
    }

    void biasLinear()
    {
        // Linear's bias: forward with zero weights leaves y = 0 + b per element; backward
        // db[j] = Σ_rows dy[r, j] (S = 1).
        constexpr std::int64_t out = 7;
        LayerRun run("Linear", {{"out_features", out}}, {3}, 5);
        Rng rng(19);
        run.x = uniformValues(run.n * run.inSize, rng, -1, 1);
        run.dy = uniformValues(run.n * run.outSize, rng, -1, 1);
        Parameter& bias = run.parameter("bias");
        run.parameter("weight").value.fill(0.0f);
        for (std::int64_t j = 0; j < out; ++j)
            bias.value[j] = rng.uniform(-1, 1);
        run.forward();
        run.backward();
        std::vector<float> y(run.y.size()), db(out);
        for (std::size_t e = 0; e < y.size(); ++e)
            y[e] = k::biasAddElement(0.0f, bias.value[k::channelOf(std::int64_t(e), out, 1)]);
        for (std::int64_t j = 0; j < out; ++j)
            db[std::size_t(j)] = k::biasGradChannel(run.dy.data(), j, out, 1, 0, run.n);
        EXPECT_SAME(compareBitwise(run.y, y, "linear y"));
        EXPECT_SAME(compareBitwise(bias.grad.data(), db.data(), out, "linear db"));
    }

    void biasConvolution()
    {
        // The reference convolution's bias gradient over [n, C, S]: rows, then positions.
        ReferenceBackend backend;
        ConvGeometry g{2, 2, 5, 5, 3, 3};
        g.pad = 1;
        g.computeOutput();
        const std::int64_t positions = g.oh * g.ow;
        Rng rng(20);
        const auto x = uniformValues(g.n * g.cin * g.h * g.w, rng, -1, 1);
        const auto w = uniformValues(g.cout * g.cin * g.k * g.k, rng, -1, 1);
        const auto dy = uniformValues(g.n * g.cout * positions, rng, -1, 1);
        std::vector<float> dx(x.size()), dw(w.size()), db(std::size_t(g.cout)), y(dy.size());
        backend.convBackward(g, x.data(), w.data(), y.data(), dy.data(), dx.data(), dw.data(), db.data(), nullptr);
        std::vector<float> kernelDb(db.size());
        for (std::int64_t c = 0; c < g.cout; ++c)
            kernelDb[std::size_t(c)] = k::biasGradChannel(dy.data(), c, g.cout, positions, 0, g.n);
        EXPECT_SAME(compareBitwise(db, kernelDb, "conv db"));
        // By hand: [n, C, S] = [2, 2, 2], dy = 1…8: db = (1+2+5+6, 3+4+7+8); channelOf.
        const float d8[8] = {1, 2, 3, 4, 5, 6, 7, 8};
        QCOMPARE(k::biasGradChannel(d8, 0, 2, 2, 0, 2), 14.0f);
        QCOMPARE(k::biasGradChannel(d8, 1, 2, 2, 0, 2), 22.0f);
        QCOMPARE(k::biasGradChannel(d8, 1, 2, 2, 1, 2), 15.0f);  // a chunk: the second row alone
        QCOMPARE(k::channelOf(5, 2, 2), std::int64_t(0));
        QCOMPARE(k::channelOf(6, 2, 2), std::int64_t(1));
    }

    // ---- Optimisers --------------------------------------------------------------------------------

    void optimizers_data()
    {
        QTest::addColumn<QString>("kind");
        QTest::addColumn<double>("momentum");
        QTest::addColumn<bool>("nesterov");
        QTest::addColumn<double>("weightDecay");
        QTest::newRow("sgd") << "sgd" << 0.0 << false << 0.0;
        QTest::newRow("sgd momentum decay") << "sgd" << 0.9 << false << 1e-2;
        QTest::newRow("sgd nesterov") << "sgd" << 0.8 << true << 1e-3;
        QTest::newRow("adam") << "adam" << 0.0 << false << 0.0;
        QTest::newRow("adam l2") << "adam" << 0.0 << false << 1e-2;
        QTest::newRow("adamw") << "adamw" << 0.0 << false << 5e-2;
        QTest::newRow("rmsprop") << "rmsprop" << 0.0 << false << 0.0;
        QTest::newRow("rmsprop momentum decay") << "rmsprop" << 0.7 << false << 1e-2;
    }

    void optimizers()
    {
        QFETCH(QString, kind);
        QFETCH(double, momentum);
        QFETCH(bool, nesterov);
        QFETCH(double, weightDecay);
        OptimizerConfig config;
        config.kind = kind.toStdString();
        config.momentum = momentum;
        config.nesterov = nesterov;
        config.weightDecay = weightDecay;
        config.beta1 = 0.85;
        config.beta2 = 0.995;
        config.alpha = 0.9;
        config.eps = 1e-6;
        const double lr = 0.05;
        ReferenceBackend backend;
        auto optimizer = createOptimizer(config, backend);

        constexpr std::int64_t count = 83;
        Rng rng(21);
        Parameter p{"w", Tensor({count}), Tensor({count}), true};
        for (auto& v : p.value.span())
            v = rng.uniform(-1, 1);
        std::vector<float> w(p.value.data(), p.value.data() + count), a(count, 0.0f), b(count, 0.0f);
        const bool decoupled = kind == "adamw";
        for (std::int64_t t = 1; t <= 4; ++t) {
            for (auto& g : p.grad.span())
                g = rng.uniform(-2, 2);
            optimizer->step({&p}, lr);
            for (std::int64_t i = 0; i < count; ++i) {
                const auto at = std::size_t(i);
                const float g = p.grad[i];
                if (kind == "sgd")
                    k::sgdUpdate(w[at], g, a[at],
                                 {float(lr), float(weightDecay), float(momentum), nesterov, t == 1});
                else if (kind == "rmsprop")
                    k::rmspropUpdate(w[at], g, a[at], b[at],
                                     {float(lr), float(config.alpha), float(config.eps), float(weightDecay),
                                      float(momentum)});
                else
                    k::adamUpdate(w[at], g, a[at], b[at],
                                  k::adamStepConstants(lr, config.beta1, config.beta2, config.eps, weightDecay,
                                                       decoupled, t));
            }
            // A few float roundings apart at most (see the top of this file): 1e-6 relative.
            EXPECT_SAME(compareNear(p.value.data(), w.data(), count, 1e-6, "weight"));
        }
        optimizer->stateToHost();
        const auto state = optimizer->state();
        QVERIFY(!state.empty());
        EXPECT_SAME(compareNear(state[0].second->data(), a.data(), count, 1e-6, "first state buffer"));
        if (state.size() > 1)
            EXPECT_SAME(compareNear(state[1].second->data(), b.data(), count, 1e-6, "second state buffer"));
    }

    void optimizersByHand()
    {
        // SGD: w = 1, g = 0.5, lr 0.1 → 0.95; momentum 0.9, second step with the same g:
        // b = 0.9·0.5 + 0.5 = 0.95, w = 0.95 − 0.095; Nesterov uses d + μ·b = 0.5 + 0.855.
        float w = 1.0f, b = 0.0f;
        k::sgdUpdate(w, 0.5f, b, {0.1f, 0.0f, 0.9f, false, true});
        QVERIFY(near(w, 0.95) && near(b, 0.5));
        k::sgdUpdate(w, 0.5f, b, {0.1f, 0.0f, 0.9f, false, false});
        QVERIFY(near(b, 0.95) && near(w, 0.855));
        float wn = 1.0f, bn = 0.5f;
        k::sgdUpdate(wn, 0.5f, bn, {0.1f, 0.0f, 0.9f, true, false});
        QVERIFY(near(wn, 1.0 - 0.1 * (0.5 + 0.9 * 0.95)));
        // Weight decay adds λ·w to the gradient: 1 − 0.1·(0 + 0.5·1).
        float wf = 1.0f, stale = 7.0f;  // the first step copies d, whatever the buffer held
        k::sgdUpdate(wf, 0.5f, stale, {0.1f, 0.0f, 0.9f, false, true});
        QVERIFY(near(stale, 0.5) && near(wf, 0.95));
        float wd = 1.0f, unused = 0.0f;
        k::sgdUpdate(wd, 0.0f, unused, {0.1f, 0.5f, 0.0f, false, true});
        QVERIFY(near(wd, 0.95));
        // Adam's first step moves by lr·g/|g| (bias-corrected m̂/√v̂ = ±1), ε aside.
        float wa = 1.0f, m = 0.0f, v = 0.0f;
        k::adamUpdate(wa, -3.0f, m, v, k::adamStepConstants(0.01, 0.9, 0.999, 0.0, 0.0, false, 1));
        QVERIFY(near(wa, 1.01) && near(m, -0.3) && near(v, 0.009));
        // AdamW shrinks w by 1 − lr·λ before the step; its gradient carries no decay.
        const k::AdamSettings w5 = k::adamStepConstants(0.01, 0.9, 0.999, 0.0, 0.1, true, 5);
        QVERIFY(near(w5.shrink, 0.999) && w5.l2 == 0.0f);
        QVERIFY(near(w5.stepSize, 0.01 / (1 - std::pow(0.9, 5))));
        QVERIFY(near(w5.sqrtCorrection2, std::sqrt(1 - std::pow(0.999, 5))));
        QCOMPARE(k::adamStepConstants(0.01, 0.9, 0.999, 0.0, 0.1, false, 5).l2, 0.1f);
        // RMSprop, α = 0.5: sq = 0.5·4 = 2; step = 2/√2 = √2.
        float wr = 0.0f, sq = 0.0f, br = 0.0f;
        k::rmspropUpdate(wr, 2.0f, sq, br, {0.1f, 0.5f, 0.0f, 0.0f, 0.0f});
        QVERIFY(near(sq, 2.0) && near(wr, -0.1 * std::sqrt(2.0)));
        // Where ε enters, with an ε large enough to see: outside the root in both.
        float we = 0.0f, sqe = 0.0f, be = 0.0f;
        k::rmspropUpdate(we, 2.0f, sqe, be, {0.1f, 0.5f, 1.0f, 0.0f, 0.0f});
        QVERIFY(near(we, -0.1 * 2.0 / (std::sqrt(2.0) + 1.0)));
        float wae = 0.0f, me = 0.0f, ve = 0.0f;
        k::adamUpdate(wae, 2.0f, me, ve, k::adamStepConstants(0.1, 0.5, 0.75, 1.0, 0.0, false, 1));
        QVERIFY(near(wae, -0.1 * 2.0 / (2.0 + 1.0)));  // m̂ = 2, √v̂ = 2: −lr·m̂/(√v̂ + ε)
    }

    // ---- Reductions and metrics ------------------------------------------------------------------

    void gradientClipping()
    {
        Rng rng(22);
        Parameter a{"a", Tensor({37}), Tensor({37}), true}, b{"b", Tensor({300}), Tensor({300}), true};
        Parameter state{"s", Tensor({5}), Tensor(), false};  // not learned: not part of the norm
        for (auto* p : {&a, &b})
            for (auto& g : p->grad.span())
                g = rng.uniform(-1, 1);
        std::vector<float> ga(a.grad.data(), a.grad.data() + 37), gb(b.grad.data(), b.grad.data() + 300);
        const double maxNorm = 2.0;
        ReferenceBackend backend;
        float engineNorm = 0;
        clipGradients(backend, {&a, &b, &state}, maxNorm, &engineNorm);
        // Chunks of 64: how a kernel would split the tensors.
        double sum = k::sumOfSquaresChunk(ga.data(), 0, 37);
        for (std::int64_t begin = 0; begin < 300; begin += 64)
            sum += k::sumOfSquaresChunk(gb.data(), begin, std::min<std::int64_t>(begin + 64, 300));
        const double norm = std::sqrt(sum);
        QVERIFY2(near(engineNorm, norm, 1e-6), qPrintable(QString("norm %1 vs %2").arg(engineNorm).arg(norm)));
        QVERIFY(k::clipNeeded(norm, maxNorm));
        const float factor = k::clipScale(norm, maxNorm);
        for (auto& g : ga)
            g = k::scaleElement(g, factor);
        for (auto& g : gb)
            g = k::scaleElement(g, factor);
        EXPECT_SAME(compareNear(a.grad.data(), ga.data(), 37, 1e-6, "clipped a"));
        EXPECT_SAME(compareNear(b.grad.data(), gb.data(), 300, 1e-6, "clipped b"));
        // By hand: g = (3, 4): ‖g‖ = 5; to 1: factor 1/(5 + 1e-6); no change under the maximum or with
        // clipping off (maxNorm 0).
        const float g34[2] = {3, 4};
        QCOMPARE(k::sumOfSquaresChunk(g34, 0, 2), 25.0);
        QCOMPARE(k::clipScale(5.0, 1.0), float(1.0 / (5.0 + 1e-6)));
        QCOMPARE(k::clipScale(5.0, 6.0), 1.0f);
        QCOMPARE(k::clipScale(5.0, 0.0), 1.0f);
        QVERIFY(!k::clipNeeded(5.0, 0.0));
    }

    void finiteCheck()
    {
        const float inf = std::numeric_limits<float>::infinity(), nan = std::numeric_limits<float>::quiet_NaN();
        const float values[] = {0.0f, -0.0f, 1.0f, -1e-45f, std::numeric_limits<float>::max(),
                                std::numeric_limits<float>::lowest(), std::numeric_limits<float>::denorm_min(),
                                inf, -inf, nan, -nan};
        for (float v : values)
            QCOMPARE(k::isFiniteValue(v), std::isfinite(v));
        std::vector<float> chunk(100, 1.5f);
        QVERIFY(k::allFiniteChunk(chunk.data(), 0, 100));
        chunk[73] = nan;
        QVERIFY(!k::allFiniteChunk(chunk.data(), 0, 100));
        QVERIFY(k::allFiniteChunk(chunk.data(), 0, 73));
        QVERIFY(k::allFiniteChunk(chunk.data(), 74, 100));
        chunk[73] = -inf;
        QVERIFY(!k::allFiniteChunk(chunk.data(), 70, 80));
    }

    void topKAndConfusion()
    {
        constexpr std::int64_t rows = 40, classes = 6;
        Rng rng(23);
        std::vector<float> scores(rows * classes);
        for (auto& s : scores)
            s = float(rng.below(4));  // few distinct values: many ties
        std::vector<std::int32_t> labels(rows);
        for (auto& l : labels)
            l = std::int32_t(rng.below(classes));
        for (int topK = 1; topK <= classes; ++topK) {
            std::int64_t hits = 0;
            for (std::int64_t r = 0; r < rows; ++r)
                hits += k::topKHit(scores.data() + r * classes, classes, labels[std::size_t(r)], topK);
            QCOMPARE(hits, topKBySorting(scores, labels, classes, topK));
        }
        for (std::int64_t r = 0; r < rows; ++r) {  // Trainer::evaluate's cell: label·C + max_element
            const float* row = scores.data() + r * classes;
            const std::int64_t predicted = std::max_element(row, row + classes) - row;
            QCOMPARE(k::confusionCell(row, classes, labels[std::size_t(r)]), labels[std::size_t(r)] * classes + predicted);
        }
        // By hand: (0.1, 0.5, 0.5), class 2: the tie with class 1 ranks it second.
        const float row[3] = {0.1f, 0.5f, 0.5f};
        QVERIFY(!k::topKHit(row, 3, 2, 1));
        QVERIFY(k::topKHit(row, 3, 2, 2));
        QVERIFY(k::topKHit(row, 3, 1, 1));
        QCOMPARE(k::confusionCell(row, 3, 2), std::int64_t(2 * 3 + 1));
    }
};

QTEST_APPLESS_MAIN(TestKernels)
#include "tst_kernels.moc"
