#include "engine/backends/Parity.h"

#include "engine/backends/BackendBuffer.h"
#include "engine/core/Rng.h"
#include "engine/core/Shape.h"
#include "engine/kernels/Statistics.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <tuple>

namespace neurite {

namespace {

// Tolerances: float sums reordered (blocked kernels, other split of the reduction) differ by a
// few ulps per term; the worst case grows with the terms per output.
constexpr double kGemmTolerance = 1e-5;
constexpr double kConvTolerance = 1e-4;
constexpr double kPoolTolerance = 1e-6;   // the same additions in the same order: exact in practice
// The per-step operations: the same arithmetic (engine/kernels) on every backend; sums may be
// split differently (a GPU's blocks), which moves the last bits only.
constexpr double kStepTolerance = 1e-5;

std::string dims(std::initializer_list<std::int64_t> d) { return Shape(std::vector<std::int64_t>(d)).str(); }

// Values in the subject backend's own memory (a GPU's, for a device backend): uploaded from the
// host, read back with host(). The reference runs on host vectors.
template <class T>
struct BackendArray : BackendBuffer<T> {
    BackendArray(Backend& backend, const std::vector<T>& values)
        : BackendBuffer<T>(backend, std::int64_t(values.size()), "parity check")
    {
        this->upload(values);
    }
    BackendArray(Backend& backend, std::size_t count) : BackendBuffer<T>(backend, std::int64_t(count), "parity check") {}
    std::vector<T> host() const { return this->download(); }
};
using Floats = BackendArray<float>;
using Indices = BackendArray<std::int32_t>;

// Upload, fill part of it, download: the bytes must come back exactly.
void memoryRows(Backend& s, std::vector<ParityRow>& out)
{
    auto want = parityInput(1000, 11);
    Floats buffer(s, want);
    s.fill(buffer.data() + 100, 0.25f, 300);
    std::fill(want.begin() + 100, want.begin() + 400, 0.25f);
    s.synchronise();
    out.push_back({"memory upload, fill, download", "1000 floats, 300 filled", parityError(buffer.host(), want), 0});
}

void gemmRows(Backend& s, Backend& r, std::vector<ParityRow>& out)
{
    const std::int64_t m = 37, n = 29, k = 45;
    for (bool ta : {false, true})
        for (bool tb : {false, true}) {
            const auto a = parityInput(m * k, 1), b = parityInput(k * n, 2);
            auto want = parityInput(m * n, 3);  // beta = 0.5 mixes in the old C
            Floats sa(s, a), sb(s, b), got(s, want);
            r.gemm(ta, tb, m, n, k, 1.5f, a.data(), ta ? m : k, b.data(), tb ? k : n, 0.5f, want.data(), n);
            s.gemm(ta, tb, m, n, k, 1.5f, sa.data(), ta ? m : k, sb.data(), tb ? k : n, 0.5f, got.data(), n);
            out.push_back({std::string("gemm ") + (ta ? "T" : "N") + (tb ? "T" : "N"),
                           "C " + dims({m, n}) + " = A·B, K " + std::to_string(k), parityError(got.host(), want),
                           kGemmTolerance});
        }
}

struct ConvCase {
    ConvGeometry g;
    const char* note;
};

void convRows(Backend& s, Backend& r, std::vector<ParityRow>& out)
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
    const ConvCase cases[] = {
        {make(3, 2, 9, 7, 4, 3, 1, 1, 1, 1, false, false), ""},
        {make(2, 3, 11, 12, 5, 5, 2, 2, 1, 1, false, false), ""},
        {make(2, 2, 10, 10, 3, 3, 1, 2, 2, 1, false, false), ", dilation 2"},
        {make(2, 4, 8, 8, 6, 3, 1, 1, 1, 2, false, false), ", groups 2"},
        {make(3, 2, 6, 6, 4, 3, 1, 1, 1, 1, true, false), ", ReLU"},
        {make(5, 1, 8, 6, 4, 3, 1, 1, 1, 1, true, true), ", ReLU + 2×2 pool"},
        {make(3, 16, 9, 7, 8, 3, 1, 1, 1, 1, false, false), ""},
        {make(2, 17, 10, 9, 20, 3, 2, 0, 1, 1, false, false), ""},
        {make(4, 32, 8, 6, 16, 3, 1, 1, 1, 1, true, true), ", ReLU + 2×2 pool"},
    };
    for (const ConvCase& c : cases) {
        const ConvGeometry& g = c.g;
        const std::string shape = "x " + dims({g.n, g.cin, g.h, g.w}) + ", w " + dims({g.cout, g.cin / g.groups, g.k, g.k}) +
                                  ", stride " + std::to_string(g.stride) + ", pad " + std::to_string(g.pad) + c.note;
        const std::int64_t outputs = g.n * g.cout * (g.maxPool2x2 ? (g.oh / 2) * (g.ow / 2) : g.oh * g.ow);
        const auto x = parityInput(g.n * g.cin * g.h * g.w, 4), w = parityInput(g.cout * g.cin / g.groups * g.k * g.k, 5);
        const auto bias = parityInput(g.cout, 6), dy = parityInput(outputs, 7);
        std::vector<float> wsReference(std::size_t(r.convWorkspace(g)));
        std::vector<float> y1(static_cast<std::size_t>(outputs));
        std::vector<std::int32_t> a1(y1.size());
        Floats sx(s, x), sw(s, w), sBias(s, bias), sdy(s, dy), wsSubject(s, std::size_t(s.convWorkspace(g)));
        Floats y2(s, y1.size());
        Indices a2(s, y1.size());
        r.convForward(g, x.data(), w.data(), bias.data(), y1.data(), wsReference.data(), a1.data());
        s.convForward(g, sx.data(), sw.data(), sBias.data(), y2.data(), wsSubject.data(), a2.data());
        out.push_back({"conv2d forward", shape, parityError(y2.host(), y1), kConvTolerance});
        std::vector<float> dx1(x.size()), dw1(w.size()), db1(bias.size());
        Floats dx2(s, x.size()), dw2(s, w.size()), db2(s, bias.size());
        r.convBackward(g, x.data(), w.data(), y1.data(), dy.data(), dx1.data(), dw1.data(), db1.data(),
                       wsReference.data(), a1.data());
        s.convBackward(g, sx.data(), sw.data(), y2.data(), sdy.data(), dx2.data(), dw2.data(), db2.data(),
                       wsSubject.data(), a2.data());
        out.push_back({"conv2d backward dX", shape, parityError(dx2.host(), dx1), kConvTolerance});
        out.push_back({"conv2d backward dW", shape, parityError(dw2.host(), dw1), kConvTolerance});
        out.push_back({"conv2d backward db", shape, parityError(db2.host(), db1), kConvTolerance});
    }
}

void poolRows(Backend& s, Backend& r, std::vector<ParityRow>& out)
{
    for (auto [k, stride, pad] : {std::tuple{2, 2, 0}, {3, 2, 1}, {3, 1, 1}}) {
        PoolGeometry g{3, 4, 9, 8, k, stride, pad};
        g.computeOutput();
        const std::string shape = "x " + dims({g.n, g.c, g.h, g.w}) + ", window " + std::to_string(k) + ", stride " +
                                  std::to_string(stride) + ", pad " + std::to_string(pad);
        const auto x = parityInput(g.n * g.c * g.h * g.w, 8), dy = parityInput(g.n * g.c * g.oh * g.ow, 9);
        std::vector<float> y1(dy.size()), dx1(x.size());
        std::vector<std::int32_t> a1(dy.size());
        Floats sx(s, x), sdy(s, dy), y2(s, dy.size()), dx2(s, x.size());
        Indices a2(s, dy.size());
        r.maxPoolForward(g, x.data(), y1.data(), a1.data());
        s.maxPoolForward(g, sx.data(), y2.data(), a2.data());
        out.push_back({"max pool forward", shape, parityError(y2.host(), y1), kPoolTolerance});
        r.maxPoolBackward(g, dy.data(), a1.data(), dx1.data());
        s.maxPoolBackward(g, sdy.data(), a2.data(), dx2.data());
        out.push_back({"max pool backward", shape, parityError(dx2.host(), dx1), kPoolTolerance});
        r.avgPoolForward(g, x.data(), y1.data());
        s.avgPoolForward(g, sx.data(), y2.data());
        out.push_back({"avg pool forward", shape, parityError(y2.host(), y1), kPoolTolerance});
        r.avgPoolBackward(g, dy.data(), dx1.data());
        s.avgPoolBackward(g, sdy.data(), dx2.data());
        out.push_back({"avg pool backward", shape, parityError(dx2.host(), dx1), kPoolTolerance});
    }
}

// Integers through the same error measure as floats (counts must match exactly).
std::vector<float> asFloats(const std::vector<std::int32_t>& v) { return std::vector<float>(v.begin(), v.end()); }

std::vector<std::int32_t> parityLabels(std::int64_t rows, std::int64_t classes, std::uint64_t seed)
{
    Rng rng(seed);
    std::vector<std::int32_t> labels(static_cast<std::size_t>(rows));
    for (auto& l : labels)
        l = std::int32_t(rng.below(std::uint32_t(classes)));
    return labels;
}

void elementwiseRows(Backend& s, Backend& r, std::vector<ParityRow>& out)
{
    const std::int64_t count = 1031;   // odd: no vector width divides it
    const auto x = parityInput(count, 21), dy = parityInput(count, 22), other = parityInput(count, 23);
    Floats sx(s, x), sdy(s, dy), sOther(s, other), sy(s, std::size_t(count)), sdx(s, std::size_t(count));
    std::vector<float> y(x.size()), dx(x.size());
    const std::string shape = "x " + dims({count});
    const std::pair<ActivationSpec, const char*> activations[] = {
        {{ActivationKind::ReLU}, "ReLU"},     {{ActivationKind::LeakyReLU, 0.1f}, "LeakyReLU"},
        {{ActivationKind::ELU, 1.0f}, "ELU"}, {{ActivationKind::GELU}, "GELU"},
        {{ActivationKind::SiLU}, "SiLU"},     {{ActivationKind::Sigmoid}, "Sigmoid"},
        {{ActivationKind::Tanh}, "Tanh"}};
    for (const auto& [a, name] : activations) {
        r.activationForward(a, x.data(), y.data(), count);
        s.activationForward(a, sx.data(), sy.data(), count);
        out.push_back({std::string(name) + " forward", shape, parityError(sy.host(), y), kStepTolerance});
        r.activationBackward(a, x.data(), y.data(), dy.data(), dx.data(), count);
        s.activationBackward(a, sx.data(), sy.data(), sdy.data(), sdx.data(), count);
        out.push_back({std::string(name) + " backward", shape, parityError(sdx.host(), dx), kStepTolerance});
    }
    std::vector<float> mask(x.size());
    Floats sMask(s, x.size());
    r.dropoutForward(0.3f, 1234, 7, 99, x.data(), y.data(), mask.data(), count);
    s.dropoutForward(0.3f, 1234, 7, 99, sx.data(), sy.data(), sMask.data(), count);
    out.push_back({"dropout mask (Philox)", shape + ", p 0.3", parityError(sMask.host(), mask), 0});
    out.push_back({"dropout forward", shape + ", p 0.3", parityError(sy.host(), y), 0});
    r.multiply(dy.data(), other.data(), y.data(), count);
    s.multiply(sdy.data(), sOther.data(), sy.data(), count);
    out.push_back({"multiply", shape, parityError(sy.host(), y), 0});
    r.add(dy.data(), other.data(), y.data(), count);
    s.add(sdy.data(), sOther.data(), sy.data(), count);
    out.push_back({"add", shape, parityError(sy.host(), y), 0});
    r.accumulate(other.data(), y.data(), count);
    s.accumulate(sOther.data(), sy.data(), count);
    out.push_back({"accumulate", shape, parityError(sy.host(), y), 0});
    r.copy(x.data(), y.data(), count);
    s.copy(sx.data(), sy.data(), count);
    out.push_back({"copy", shape, parityError(sy.host(), y), 0});
    // Concat's halves: 7 rows of 5 into rows of 12 at column 3.
    std::vector<float> wide(7 * 12, 0.0f);
    Floats sWide(s, wide);
    r.copyRows(x.data(), 5, wide.data(), 12, 3, 7, 5);
    s.copyRows(sx.data(), 5, sWide.data(), 12, 3, 7, 5);
    out.push_back({"copy rows", "7 rows of 5 into rows of 12 at 3", parityError(sWide.host(), wide), 0});
    r.copyRows(other.data(), 0, wide.data(), 12, 0, 7, 12);
    s.copyRows(sOther.data(), 0, sWide.data(), 12, 0, 7, 12);
    out.push_back({"copy rows (one row repeated)", "a row of 12 into 7 rows", parityError(sWide.host(), wide), 0});
}

void biasAndRowRows(Backend& s, Backend& r, std::vector<ParityRow>& out)
{
    for (auto [rows, channels, positions] : {std::tuple{9, 13, 1}, {4, 6, 25}}) {
        const std::string shape = "y " + dims({rows, channels, positions});
        auto y = parityInput(rows * channels * positions, 31);
        const auto bias = parityInput(channels, 32);
        Floats sy(s, y), sBias(s, bias), sdb(s, std::size_t(channels));
        r.addBias(y.data(), bias.data(), rows, channels, positions);
        s.addBias(sy.data(), sBias.data(), rows, channels, positions);
        out.push_back({"bias add", shape, parityError(sy.host(), y), 0});
        std::vector<float> db(static_cast<std::size_t>(channels));
        r.biasGradient(y.data(), db.data(), rows, channels, positions);
        s.biasGradient(sy.data(), sdb.data(), rows, channels, positions);
        out.push_back({"bias gradient", shape, parityError(sdb.host(), db), kStepTolerance});
    }
    const std::int64_t rows = 11, width = 10;
    const std::string shape = "x " + dims({rows, width});
    const auto x = parityInput(rows * width, 33), dy = parityInput(rows * width, 34);
    const auto labels = parityLabels(rows, width, 35);
    Floats sx(s, x), sdy(s, dy), sy(s, x.size()), sdx(s, x.size()), sLoss(s, std::size_t(1));
    Indices sLabels(s, labels);
    std::vector<float> y(x.size()), dx(x.size()), loss(1);
    r.softmaxForward(x.data(), y.data(), rows, width);
    s.softmaxForward(sx.data(), sy.data(), rows, width);
    out.push_back({"softmax forward", shape, parityError(sy.host(), y), kStepTolerance});
    r.softmaxBackward(y.data(), dy.data(), dx.data(), rows, width);
    s.softmaxBackward(sy.data(), sdy.data(), sdx.data(), rows, width);
    out.push_back({"softmax backward", shape, parityError(sdx.host(), dx), kStepTolerance});
    const std::pair<LossSpec, const char*> losses[] = {{{LossKind::CrossEntropy, 0.1f}, "cross-entropy"},
                                                       {{LossKind::MeanSquaredError}, "MSE"},
                                                       {{LossKind::BinaryCrossEntropyWithLogits}, "BCE with logits"}};
    for (const auto& [l, name] : losses) {
        // Cross-entropy against the classes (smoothing 0.1); the others against a tensor.
        const bool byClass = l.kind == LossKind::CrossEntropy;
        const LossTarget hostTarget = byClass ? LossTarget{labels.data(), nullptr} : LossTarget{nullptr, dy.data()};
        const LossTarget subjectTarget =
            byClass ? LossTarget{sLabels.data(), nullptr} : LossTarget{nullptr, sdy.data()};
        r.lossForward(l, x.data(), hostTarget, rows, width, loss.data());
        s.lossForward(l, sx.data(), subjectTarget, rows, width, sLoss.data());
        out.push_back({std::string(name) + " loss", shape, parityError(sLoss.host(), loss), kStepTolerance});
        r.lossBackward(l, x.data(), hostTarget, rows, width, dx.data());
        s.lossBackward(l, sx.data(), subjectTarget, rows, width, sdx.data());
        out.push_back({std::string(name) + " gradient", shape, parityError(sdx.host(), dx), kStepTolerance});
    }
    // Metrics on the same scores: hits accumulate onto what is there, the confusion matrix too.
    std::vector<std::int32_t> hits{5}, confusion(std::size_t(width * width), 0);
    Indices sHits(s, hits), sConfusion(s, confusion);
    r.countTopK(x.data(), labels.data(), rows, width, 3, hits.data());
    s.countTopK(sx.data(), sLabels.data(), rows, width, 3, sHits.data());
    out.push_back({"top-k hits", shape + ", k 3", parityError(asFloats(sHits.host()), asFloats(hits)), 0});
    r.addToConfusion(x.data(), labels.data(), rows, width, confusion.data());
    s.addToConfusion(sx.data(), sLabels.data(), rows, width, sConfusion.data());
    out.push_back({"confusion matrix", shape, parityError(asFloats(sConfusion.host()), asFloats(confusion)), 0});
    auto poisoned = x;
    poisoned[17] = std::numeric_limits<float>::infinity();
    poisoned[40] = std::numeric_limits<float>::quiet_NaN();
    std::vector<std::int32_t> found{0};
    Floats sPoisoned(s, poisoned);
    Indices sFound(s, found);
    r.countNonFinite(poisoned.data(), rows * width, found.data());
    s.countNonFinite(sPoisoned.data(), rows * width, sFound.data());
    out.push_back(
        {"non-finite count", shape + ", an Inf and a NaN", parityError(asFloats(sFound.host()), asFloats(found)), 0});
}

void normRows(Backend& s, Backend& r, std::vector<ParityRow>& out)
{
    const std::int64_t n = 5, channels = 6, positions = 9;
    const std::string shape = "x " + dims({n, channels, positions});
    const auto x = parityInput(n * channels * positions, 41), dy = parityInput(n * channels * positions, 42);
    const auto gamma = parityInput(channels, 43), beta = parityInput(channels, 44);
    for (bool training : {true, false}) {
        std::vector<float> runningMean(static_cast<std::size_t>(channels), 0.1f),
            runningVar(static_cast<std::size_t>(channels), 0.9f);
        std::vector<float> mean(static_cast<std::size_t>(channels)), invstd(static_cast<std::size_t>(channels)),
            y(x.size()), dx(x.size());
        std::vector<float> dgamma(static_cast<std::size_t>(channels)), dbeta(static_cast<std::size_t>(channels));
        Floats sx(s, x), sdy(s, dy), sGamma(s, gamma), sBeta(s, beta), sMean(s, runningMean), sVar(s, runningVar);
        Floats sSavedMean(s, mean), sSavedInvstd(s, invstd), sy(s, y), sdx(s, dx), sdGamma(s, dgamma), sdBeta(s, dbeta);
        const BatchNormTensors ht{gamma.data(),      beta.data(), runningMean.data(),
                                  runningVar.data(), mean.data(), invstd.data()};
        const BatchNormTensors st{sGamma.data(), sBeta.data(),      sMean.data(),
                                  sVar.data(),   sSavedMean.data(), sSavedInvstd.data()};
        const std::string mode = training ? " (training)" : " (evaluation)";
        r.batchNormForward(x.data(), y.data(), n, channels, positions, ht, 0.1f, 1e-5f, training);
        s.batchNormForward(sx.data(), sy.data(), n, channels, positions, st, 0.1f, 1e-5f, training);
        out.push_back({"batch norm forward" + mode, shape, parityError(sy.host(), y), kStepTolerance});
        out.push_back(
            {"batch norm running mean" + mode, shape, parityError(sMean.host(), runningMean), kStepTolerance});
        out.push_back(
            {"batch norm running variance" + mode, shape, parityError(sVar.host(), runningVar), kStepTolerance});
        r.batchNormBackward(x.data(), dy.data(), dx.data(), n, channels, positions, ht, dgamma.data(), dbeta.data());
        s.batchNormBackward(sx.data(), sdy.data(), sdx.data(), n, channels, positions, st, sdGamma.data(),
                            sdBeta.data());
        out.push_back({"batch norm backward dX" + mode, shape, parityError(sdx.host(), dx), kStepTolerance});
        out.push_back({"batch norm backward dγ" + mode, shape, parityError(sdGamma.host(), dgamma), kStepTolerance});
        out.push_back({"batch norm backward dβ" + mode, shape, parityError(sdBeta.host(), dbeta), kStepTolerance});
    }
    const std::int64_t rows = 7, width = 12;
    const std::string rowShape = "x " + dims({rows, width});
    const auto lx = parityInput(rows * width, 45), ldy = parityInput(rows * width, 46);
    const auto lGamma = parityInput(width, 47), lBeta = parityInput(width, 48);
    std::vector<float> y(lx.size()), dx(lx.size()), mean(static_cast<std::size_t>(rows)),
        invstd(static_cast<std::size_t>(rows));
    std::vector<float> dgamma(static_cast<std::size_t>(width)), dbeta(static_cast<std::size_t>(width));
    Floats sx(s, lx), sdy(s, ldy), sGamma(s, lGamma), sBeta(s, lBeta), sy(s, y), sdx(s, dx), sMean(s, mean),
        sInvstd(s, invstd), sdGamma(s, dgamma), sdBeta(s, dbeta);
    r.layerNormForward(lx.data(), y.data(), rows, width, lGamma.data(), lBeta.data(), 1e-5f, mean.data(),
                       invstd.data());
    s.layerNormForward(sx.data(), sy.data(), rows, width, sGamma.data(), sBeta.data(), 1e-5f, sMean.data(),
                       sInvstd.data());
    out.push_back({"layer norm forward", rowShape, parityError(sy.host(), y), kStepTolerance});
    r.layerNormBackward(lx.data(), ldy.data(), dx.data(), rows, width, lGamma.data(), mean.data(), invstd.data(),
                        dgamma.data(), dbeta.data());
    s.layerNormBackward(sx.data(), sdy.data(), sdx.data(), rows, width, sGamma.data(), sMean.data(), sInvstd.data(),
                        sdGamma.data(), sdBeta.data());
    out.push_back({"layer norm backward dX", rowShape, parityError(sdx.host(), dx), kStepTolerance});
    out.push_back({"layer norm backward dγ", rowShape, parityError(sdGamma.host(), dgamma), kStepTolerance});
    out.push_back({"layer norm backward dβ", rowShape, parityError(sdBeta.host(), dbeta), kStepTolerance});

    const std::int64_t planes = 14, planeSize = 49;
    const auto px = parityInput(planes * planeSize, 49), pdy = parityInput(planes, 50);
    std::vector<float> py(static_cast<std::size_t>(planes)), pdx(px.size());
    Floats spx(s, px), spdy(s, pdy), spy(s, py), spdx(s, pdx);
    r.globalAvgPoolForward(px.data(), py.data(), planes, planeSize);
    s.globalAvgPoolForward(spx.data(), spy.data(), planes, planeSize);
    out.push_back(
        {"global avg pool forward", "x " + dims({planes, 7, 7}), parityError(spy.host(), py), kStepTolerance});
    r.globalAvgPoolBackward(pdy.data(), pdx.data(), planes, planeSize);
    s.globalAvgPoolBackward(spdy.data(), spdx.data(), planes, planeSize);
    out.push_back(
        {"global avg pool backward", "x " + dims({planes, 7, 7}), parityError(spdx.host(), pdx), kStepTolerance});
}

// Two steps of each optimiser over two tensors, then clipping.
void optimizerRows(Backend& s, Backend& r, std::vector<ParityRow>& out)
{
    const std::int64_t a = 301, b = 17;
    const std::pair<OptimizerKind, const char*> kinds[] = {{OptimizerKind::Sgd, "SGD, momentum 0.9, Nesterov"},
                                                           {OptimizerKind::Adam, "Adam, L2 0.01"},
                                                           {OptimizerKind::AdamW, "AdamW, decay 0.01"},
                                                           {OptimizerKind::RmsProp, "RMSprop, momentum 0.9"}};
    for (const auto& [kind, name] : kinds) {
        std::vector<std::vector<float>> host; // per tensor: value, grad, state0, state1
        for (std::int64_t count : {a, b})
            for (int part = 0; part < 4; ++part)
                host.push_back(part < 2 ? parityInput(count, std::uint64_t(60 + host.size()))
                                        : std::vector<float>(std::size_t(count)));
        std::vector<std::unique_ptr<Floats>> device;
        for (const auto& v : host)
            device.push_back(std::make_unique<Floats>(s, v));
        const auto slots = [&](auto data) {
            std::vector<OptimizerSlot> out;
            for (int t = 0; t < 2; ++t)
                out.push_back({data(4 * t), data(4 * t + 1), data(4 * t + 2), data(4 * t + 3), t ? b : a});
            return out;
        };
        const auto hostSlots = slots([&](int i) { return host[std::size_t(i)].data(); });
        const auto subjectSlots = slots([&](int i) { return device[std::size_t(i)]->data(); });
        OptimizerStepSettings settings;
        settings.kind = kind;
        settings.lr = 0.01;
        settings.weightDecay = 0.01;
        settings.momentum = kind == OptimizerKind::Sgd || kind == OptimizerKind::RmsProp ? 0.9 : 0;
        settings.nesterov = kind == OptimizerKind::Sgd;
        for (std::int64_t step = 1; step <= 2; ++step) {
            settings.step = step;
            r.optimizerStep(settings, hostSlots);
            s.optimizerStep(settings, subjectSlots);
        }
        double worst = 0;
        for (std::size_t i = 0; i < host.size(); ++i)
            worst = std::max(worst, parityError(device[i]->host(), host[i]));
        out.push_back({std::string("optimizer step: ") + name,
                       "2 tensors of " + std::to_string(a) + " and " + std::to_string(b) + ", 2 steps", worst,
                       kStepTolerance});
    }
    for (double maxNorm : {0.0, 1.0}) {
        auto ga = parityInput(a, 70), gb = parityInput(b, 71);
        Floats sa(s, ga), sb(s, gb), sNorm(s, std::size_t(1));
        std::vector<float> norm(1);
        const GradientSlice hostSlices[] = {{ga.data(), a}, {gb.data(), b}};
        const GradientSlice subjectSlices[] = {{sa.data(), a}, {sb.data(), b}};
        r.clipGradientNorm(hostSlices, maxNorm, norm.data());
        s.clipGradientNorm(subjectSlices, maxNorm, sNorm.data());
        const std::string what = maxNorm > 0 ? " (clipped to 1)" : " (not clipped)";
        out.push_back({"gradient norm" + what, "2 tensors", parityError(sNorm.host(), norm), kStepTolerance});
        out.push_back({"gradient clipping" + what, "2 tensors",
                       std::max(parityError(sa.host(), ga), parityError(sb.host(), gb)), kStepTolerance});
    }
}

// A batch gathered from a data set the subject holds: images through their byte table, and
// feature vectors; labels too. The same floats on every backend (no arithmetic but (v − m) / s).
void gatherRows(Backend& s, Backend& r, std::vector<ParityRow>& out)
{
    const std::int64_t count = 40, channels = 3, plane = 25, size = channels * plane, n = 7;
    std::vector<std::uint8_t> bytes(static_cast<std::size_t>(count * size));
    for (std::size_t i = 0; i < bytes.size(); ++i)
        bytes[i] = std::uint8_t(i * 37 % 256);
    const auto byteValues = parityInput(channels * 256, 80), features = parityInput(count * size, 81);
    const auto mean = parityInput(size, 82);
    std::vector<float> deviation(static_cast<std::size_t>(size));
    for (std::size_t i = 0; i < deviation.size(); ++i)
        deviation[i] = 0.5f + float(i % 7) * 0.25f;
    std::vector<std::int32_t> labels(static_cast<std::size_t>(count)), ids{39, 0, 5, 5, 17, 2, 31};
    for (std::size_t i = 0; i < labels.size(); ++i)
        labels[i] = std::int32_t(i % 10);
    const auto sBytes =
        BackendBuffer<std::uint8_t>::uploaded(s, bytes.data(), std::int64_t(bytes.size()), "parity check");
    Floats sByteValues(s, byteValues), sFeatures(s, features), sMean(s, mean), sDeviation(s, deviation);
    Indices sLabels(s, labels), sIds(s, ids);
    for (bool images : {true, false}) {
        ResidentSamples host{.count = count, .sampleSize = size, .channels = channels, .plane = plane};
        ResidentSamples subject = host;
        host.labels = labels.data();
        subject.labels = sLabels.data();
        if (images) {
            host.bytes = bytes.data();
            host.byteValues = byteValues.data();
            subject.bytes = sBytes.data();
            subject.byteValues = sByteValues.data();
        } else {
            host.features = features.data();
            host.mean = mean.data();
            host.std = deviation.data();
            subject.features = sFeatures.data();
            subject.mean = sMean.data();
            subject.std = sDeviation.data();
        }
        std::vector<float> x(static_cast<std::size_t>(n * size));
        std::vector<std::int32_t> batchLabels(static_cast<std::size_t>(n));
        Floats sx(s, x.size());
        Indices sBatchLabels(s, batchLabels.size());
        r.gatherBatch(host, ids.data(), n, x.data(), batchLabels.data());
        s.gatherBatch(subject, sIds.data(), n, sx.data(), sBatchLabels.data());
        const std::string shape = std::to_string(n) + " of " + std::to_string(count) + " samples of " +
                                  (images ? dims({channels, 5, 5}) + " bytes" : dims({size}) + " floats");
        out.push_back({images ? "gather batch (images)" : "gather batch (features)", shape,
                       std::max(parityError(sx.host(), x),
                                parityError(asFloats(sBatchLabels.host()), asFloats(batchLabels))),
                       0});
    }
}

// Telemetry: moments, histogram and unit maxima, accumulated over two calls as a layer's weight and
// bias are. The histogram's values lie on the grid lo + m/4 of a range 31.75 wide, so that no
// value but lo and hi falls on one of the 32 bin edges (they are m·32/127 bins from lo): the bins
// must match exactly, however a backend rounds (v − lo) / (hi − lo).
void telemetryRows(Backend& s, Backend& r, std::vector<ParityRow>& out)
{
    namespace k = kernels;
    const std::vector<float> empty(k::kEmptyMoments, k::kEmptyMoments + k::kMomentFields);
    // The sums within kStepTolerance (a GPU adds its blocks' partial sums); the rest exactly.
    const auto momentRows = [&](const std::string& what, const std::string& shape, const std::vector<float>& got,
                                const std::vector<float>& want) {
        const auto pick = [](const std::vector<float>& v, int from, int to) {
            return std::vector<float>(v.begin() + from, v.begin() + to);
        };
        out.push_back({"moments Σv, Σv²" + what, shape,
                       parityError(pick(got, k::kMomentSum, k::kMomentMin), pick(want, k::kMomentSum, k::kMomentMin)),
                       kStepTolerance});
        out.push_back({"moments min, max, non-finite" + what, shape,
                       parityError(pick(got, k::kMomentMin, k::kMomentFields),
                                   pick(want, k::kMomentMin, k::kMomentFields)),
                       0});
    };
    // x: [1031] on the grid (j − 63.5) / 4, j in [0, 128), with an Inf and a NaN; b: [37] on the same grid.
    const std::int64_t count = 1031, small = 37, bins = 32;
    std::vector<float> x(static_cast<std::size_t>(count)), b(static_cast<std::size_t>(small));
    for (std::size_t i = 0; i < x.size(); ++i)
        x[i] = (float(i * 37 % 128) - 63.5f) / 4;
    for (std::size_t i = 0; i < b.size(); ++i)
        b[i] = (float(i * 5 % 64 + 32) - 63.5f) / 4;
    x[17] = std::numeric_limits<float>::infinity();
    x[40] = std::numeric_limits<float>::quiet_NaN();
    const std::string shape = "x " + dims({count}) + " with an Inf and a NaN, then b " + dims({small});
    std::vector<float> moments = empty, counts(static_cast<std::size_t>(bins), 0.0f);
    Floats sx(s, x), sb(s, b), sMoments(s, moments), sCounts(s, counts);
    r.accumulateMoments(x.data(), nullptr, count, moments.data());
    r.accumulateMoments(b.data(), nullptr, small, moments.data());
    s.accumulateMoments(sx.data(), nullptr, count, sMoments.data());
    s.accumulateMoments(sb.data(), nullptr, small, sMoments.data());
    momentRows(" (two tensors)", shape, sMoments.host(), moments);
    // Each backend bins by its own moments (on a GPU they stay on the device).
    r.accumulateHistogram(x.data(), count, moments.data(), int(bins), counts.data());
    r.accumulateHistogram(b.data(), small, moments.data(), int(bins), counts.data());
    s.accumulateHistogram(sx.data(), count, sMoments.data(), int(bins), sCounts.data());
    s.accumulateHistogram(sb.data(), small, sMoments.data(), int(bins), sCounts.data());
    out.push_back({"histogram (two tensors)", shape + ", 32 bins", parityError(sCounts.host(), counts), 0});

    // An update's moments: v = w − w₀ (random values, so the sums round as a layer's would).
    const auto w = parityInput(count, 90), w0 = parityInput(count, 91);
    std::vector<float> delta = empty;
    Floats sw(s, w), sw0(s, w0), sDelta(s, delta);
    r.accumulateMoments(w.data(), w0.data(), count, delta.data());
    s.accumulateMoments(sw.data(), sw0.data(), count, sDelta.data());
    momentRows(" (x − minus)", "x, minus " + dims({count}), sDelta.host(), delta);

    // A range of one value: every finite value in the middle bin.
    std::vector<float> same(static_cast<std::size_t>(small), 0.75f);
    same[3] = std::numeric_limits<float>::quiet_NaN();
    std::vector<float> flat = empty, flatCounts(static_cast<std::size_t>(bins), 0.0f);
    Floats sSame(s, same), sFlat(s, flat), sFlatCounts(s, flatCounts);
    r.accumulateMoments(same.data(), nullptr, small, flat.data());
    s.accumulateMoments(sSame.data(), nullptr, small, sFlat.data());
    r.accumulateHistogram(same.data(), small, flat.data(), int(bins), flatCounts.data());
    s.accumulateHistogram(sSame.data(), small, sFlat.data(), int(bins), sFlatCounts.data());
    out.push_back({"histogram (lo = hi)", "x " + dims({small}) + " of 0.75 and a NaN, 32 bins",
                   std::max(parityError(sFlat.host(), flat), parityError(sFlatCounts.host(), flatCounts)), 0});

    // Unit maxima onto random starting values (some stay), a NaN among the planes (never a maximum).
    for (auto [rows, channels, positions] : {std::tuple{9, 13, 1}, {4, 6, 25}}) {
        auto y = parityInput(rows * channels * positions, 92);
        if (positions > 1)
            y[7] = std::numeric_limits<float>::quiet_NaN();
        auto unitMax = parityInput(channels, 93);
        Floats sy(s, y), sUnitMax(s, unitMax);
        r.accumulateUnitMaximum(y.data(), rows, channels, positions, unitMax.data());
        s.accumulateUnitMaximum(sy.data(), rows, channels, positions, sUnitMax.data());
        out.push_back({"unit maximum", "x " + dims({rows, channels, positions}) + (positions > 1 ? ", a NaN" : ""),
                       parityError(sUnitMax.host(), unitMax), 0});
    }
}

} // namespace

std::vector<float> parityInput(std::int64_t n, std::uint64_t seed)
{
    Rng rng(seed);
    std::vector<float> v(static_cast<std::size_t>(n));
    for (auto& x : v)
        x = rng.uniform(-1, 1);
    return v;
}

double parityError(const std::vector<float>& got, const std::vector<float>& want)
{
    double worst = 0;
    for (std::size_t i = 0; i < got.size(); ++i)
        worst = std::max(worst, double(std::abs(got[i] - want[i])) / (1.0 + std::abs(want[i])));
    return worst;
}

std::vector<ParityRow> runParity(Backend& subject, Backend& reference)
{
    std::vector<ParityRow> rows;
    memoryRows(subject, rows);
    gemmRows(subject, reference, rows);
    convRows(subject, reference, rows);
    poolRows(subject, reference, rows);
    elementwiseRows(subject, reference, rows);
    biasAndRowRows(subject, reference, rows);
    normRows(subject, reference, rows);
    optimizerRows(subject, reference, rows);
    gatherRows(subject, reference, rows);
    telemetryRows(subject, reference, rows);
    return rows;
}

} // namespace neurite
