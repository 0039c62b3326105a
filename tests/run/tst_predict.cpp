// Predicting one sample (engine/run/Predict.h): the saliency against central finite differences of
// log p_c through the whole plan (BatchNorm in evaluation mode, Dropout, a fused conv-ReLU-pool, an
// input that fans out), the probabilities against a plain forward pass, BatchNorm's evaluation-mode
// backward pass layer by layer, and pictures made into inputs (resizing and normalising checked by hand).
#include "engine/backends/Registry.h"
#include "engine/core/Error.h"
#include "engine/core/Rng.h"
#include "engine/export/TrainedModel.h"
#include "engine/run/Predict.h"
#include "engine/train/Layer.h"
#include "engine/train/Plan.h"

#include <QtTest>

#include <cmath>
#include <numeric>

using namespace neurite;

namespace {

// A small classifier of each kind the studio meets.
ModelGraph model(const QString& kind)
{
    ModelGraph g;
    if (kind == "mlp") {   // [1, 6, 6] → 4 classes
        g.add("input", "Input", {{"shape", {1, 6, 6}}});
        g.add("flat", "Flatten");
        g.add("fc1", "Linear", {{"out_features", 8}});
        g.add("act", "Tanh");
        g.add("fc2", "Linear", {{"out_features", 4}});
        g.add("loss", "CrossEntropyLoss", {{"label_smoothing", 0.1}});   // the saliency ignores smoothing
        g.connect("input", "flat");
        g.connect("flat", "fc1");
        g.connect("fc1", "act");
        g.connect("act", "fc2");
        g.connect("fc2", "loss");
    } else if (kind == "cnn") {   // [2, 6, 6]: conv-ReLU-pool (fused by the plan), BatchNorm, Dropout
        g.add("input", "Input", {{"shape", {2, 6, 6}}});
        g.add("conv", "Conv2d", {{"out_channels", 3}, {"kernel_size", 3}, {"padding", 1}});
        g.add("relu", "ReLU");
        g.add("pool", "MaxPool2d", {{"kernel_size", 2}});
        g.add("bn", "BatchNorm2d");
        g.add("drop", "Dropout", {{"p", 0.5}});
        g.add("flat", "Flatten");
        g.add("fc", "Linear", {{"out_features", 5}});
        g.add("loss", "CrossEntropyLoss");
        g.connect("input", "conv");
        g.connect("conv", "relu");
        g.connect("relu", "pool");
        g.connect("pool", "bn");
        g.connect("bn", "drop");
        g.connect("drop", "flat");
        g.connect("flat", "fc");
        g.connect("fc", "loss");
    } else {   // "fan-out": the input feeds two layers whose outputs are added, then BatchNorm1d
        g.add("input", "Input", {{"shape", {6}}});
        g.add("a", "Linear", {{"out_features", 4}});
        g.add("b", "Linear", {{"out_features", 4}});
        g.add("sum", "Add");
        g.add("bn", "BatchNorm1d");
        g.add("loss", "CrossEntropyLoss");
        g.connect("input", "a");
        g.connect("input", "b");
        g.connect("a", "sum", "a");
        g.connect("b", "sum", "b");
        g.connect("sum", "bn");
        g.connect("bn", "loss");
    }
    return g;
}

// The model with its seed's weights and BatchNorm statistics away from their defaults (mean 0,
// variance 1, γ 1), so that evaluation mode is visibly not training mode.
TrainedModel trained(const QString& kind)
{
    TrainedModel m = initialisedModel(model(kind), 5);
    Rng rng(17);
    for (auto& [name, t] : m.parameters) {
        const auto fill = [&](float lo, float hi) {
            for (float& v : t.span())
                v = rng.uniform(lo, hi);
        };
        if (name.ends_with("running_mean"))
            fill(-0.5f, 0.5f);
        else if (name.ends_with("running_var"))
            fill(0.3f, 2.0f);
        else if (name.starts_with("bn.") && name.ends_with("weight"))
            fill(0.5f, 1.5f);
    }
    return m;
}

std::vector<float> randomInput(std::int64_t n, std::uint64_t seed)
{
    Rng rng(seed);
    std::vector<float> x(static_cast<std::size_t>(n));
    for (float& v : x)
        v = rng.uniform(-1, 1);
    return x;
}

} // namespace

class TestPredict : public QObject {
    Q_OBJECT
private slots:
    void saliencyIsTheGradientOfLogP_data()
    {
        QTest::addColumn<QString>("kind");
        QTest::addColumn<bool>("otherClass");
        for (const char* kind : {"mlp", "cnn", "fan-out"}) {
            QTest::newRow(kind) << QString(kind) << false;
            QTest::newRow(qPrintable(QString(kind) + " chosen class")) << QString(kind) << true;
        }
    }

    // |∂ log p_c / ∂x_i| against central differences of log p_c, for a spread of elements.
    void saliencyIsTheGradientOfLogP()
    {
        QFETCH(QString, kind);
        QFETCH(bool, otherClass);
        Predictor predictor(trained(kind));
        std::vector<float> x = randomInput(predictor.inputShape().numel(), 3);
        const int predicted = predictor.predict(x).predicted;
        const int c = otherClass ? (predicted + 1) % predictor.classes() : -1;
        const Prediction p = predictor.predict(x, c);
        QCOMPARE(p.explained, otherClass ? c : predicted);
        QCOMPARE(p.saliency.size(), x.size());
        const auto logP = [&](std::vector<float>& in) {
            return std::log(double(predictor.predict(in).probabilities[std::size_t(p.explained)]));
        };
        // Small steps: a larger one may cross a kink of ReLU or max pooling (a pooled maximum changes).
        const float eps = 1e-3f;
        int nonZero = 0;
        for (std::size_t i = 0; i < x.size(); i += std::max<std::size_t>(1, x.size() / 9)) {
            const float keep = x[i];
            x[i] = keep + eps;
            const double up = logP(x);
            x[i] = keep - eps;
            const double down = logP(x);
            x[i] = keep;
            const double numeric = std::abs((up - down) / (2.0 * double(eps)));
            nonZero += numeric > 1e-3;   // well above the differences' float noise (~5e-5)
            QVERIFY2(std::abs(numeric - p.saliency[i]) <= 3e-4 + 3e-2 * numeric,
                     qPrintable(QString("x[%1]: saliency %2, finite differences %3").arg(i).arg(p.saliency[i]).arg(numeric)));
        }
        QVERIFY(nonZero >= 3);   // the check looked at real gradients, not only zeros
    }

    // The probabilities are the softmax of a plain evaluation-mode forward pass's scores.
    void probabilitiesAreTheSoftmaxOfTheScores_data()
    {
        QTest::addColumn<QString>("kind");
        for (const char* kind : {"mlp", "cnn", "fan-out"})
            QTest::newRow(kind) << QString(kind);
    }

    void probabilitiesAreTheSoftmaxOfTheScores()
    {
        QFETCH(QString, kind);
        const TrainedModel m = trained(kind);
        Predictor predictor(m);
        const std::vector<float> x = randomInput(predictor.inputShape().numel(), 8);
        const Prediction p = predictor.predict(x);
        const std::vector<float> scores = referenceOutputs(m, x, 1);
        QCOMPARE(p.probabilities.size(), scores.size());
        double total = 0, norm = 0;
        for (float s : scores)
            norm += std::exp(double(s));
        for (std::size_t k = 0; k < scores.size(); ++k) {
            QVERIFY(std::abs(p.probabilities[k] - std::exp(double(scores[k])) / norm) < 1e-6);
            total += p.probabilities[k];
        }
        QVERIFY(std::abs(total - 1.0) < 1e-5);
        QCOMPARE(p.predicted, int(std::max_element(scores.begin(), scores.end()) - scores.begin()));
        // Predicting again gives the same: evaluation mode changes no state (running statistics).
        QCOMPARE(predictor.predict(x).probabilities, p.probabilities);
    }

    void refusesWhatItCannotExplain()
    {
        ModelGraph g;
        g.add("input", "Input", {{"shape", {1, 4, 4}}});
        g.add("flat", "Flatten");
        g.add("fc", "Linear", {{"out_features", 16}});
        g.add("loss", "MSELoss", {{"target", "input"}});
        g.connect("input", "flat");
        g.connect("flat", "fc");
        g.connect("fc", "loss");
        QVERIFY_THROWS_EXCEPTION(ConfigError, Predictor{initialisedModel(g)});
        Predictor predictor(trained("mlp"));
        QVERIFY_THROWS_EXCEPTION(Error, predictor.predict(std::vector<float>(3)));
        QVERIFY_THROWS_EXCEPTION(Error, predictor.predict(randomInput(36, 1), 4));
    }

    // Without the opt-in the plan leaves the input's gradient alone (zero, as allocated).
    void planInputGradientIsOptIn()
    {
        auto backend = createBackend("cpu", 1);
        Plan plan(model("fan-out"), *backend, 2, 1);
        const std::vector<float> x = randomInput(12, 4);
        std::copy(x.begin(), x.end(), plan.input());
        plan.labels()[0] = 1;
        plan.labels()[1] = 2;
        plan.forward(2, true);
        plan.backward();
        for (int i = 0; i < 12; ++i)
            QCOMPARE(plan.inputGradient()[i], 0.0f);
        plan.computeInputGradient(true);
        plan.forward(2, true);
        plan.backward();
        float largest = 0;
        for (int i = 0; i < 12; ++i)
            largest = std::max(largest, std::abs(plan.inputGradient()[i]));
        QVERIFY(largest > 0);
    }

    // BatchNorm in evaluation mode: dx = dy·γ/√(running var + eps) per channel, and the finite
    // differences of Σ r ⊙ y agree for x, γ and β, on the reference and the CPU backends.
    void batchNormEvaluationGradient_data()
    {
        QTest::addColumn<QString>("backendName");
        QTest::addColumn<QString>("type");
        for (const char* backend : {"reference", "cpu"})
            for (const char* type : {"BatchNorm1d", "BatchNorm2d"})
                QTest::newRow(qPrintable(QString(backend) + " " + type)) << QString(backend) << QString(type);
    }

    void batchNormEvaluationGradient()
    {
        QFETCH(QString, backendName);
        QFETCH(QString, type);
        constexpr std::int64_t n = 3;
        const std::vector<std::int64_t> dims = type == "BatchNorm1d" ? std::vector<std::int64_t>{4}
                                                                     : std::vector<std::int64_t>{2, 3, 3};
        ModelGraph g;
        g.add("input", "Input", {{"shape", dims}});
        g.add("bn", type.toStdString());
        g.connect("input", "bn");
        const GraphAnalysis analysis = analyse(g, n);
        auto backend = createBackend(backendName.toStdString(), 1);
        const Shape shape(dims);
        auto layer = createLayer({*g.find("bn"), analysis.info("bn"), *backend, n, shape});
        const std::int64_t channels = dims[0], size = n * shape.numel(), positions = shape.numel() / channels;
        Rng rng(23);
        for (Parameter* p : layer->parameters())
            for (float& v : p->value.span())
                v = p->name.ends_with("running_var") || p->name.ends_with("weight") ? rng.uniform(0.4f, 1.6f)
                                                                                     : rng.uniform(-0.5f, 0.5f);
        std::vector<float> x = randomInput(size, 29), r = randomInput(size, 31);
        std::vector<float> y(x.size()), dx(x.size()), workspace(1 + static_cast<std::size_t>(layer->workspaceFloats()));
        LayerIO io;
        io.n = n;
        io.training = false;
        io.in = {x.data()};
        io.out = y.data();
        io.dOut = r.data();
        io.workspace = workspace.data();
        const auto objective = [&] {
            layer->forward(io);
            return std::inner_product(y.begin(), y.end(), r.begin(), 0.0);
        };
        objective();
        io.dIn = {dx.data()};
        layer->backward(io);
        io.dIn = {nullptr};

        const auto param = [&](const std::string& suffix) {
            for (Parameter* p : layer->parameters())
                if (p->name.ends_with(suffix))
                    return p;
            return static_cast<Parameter*>(nullptr);
        };
        Parameter *gamma = param(".weight"), *beta = param(".bias"), *var = param("running_var");
        for (std::int64_t i = 0; i < size; ++i) {
            const std::int64_t c = (i / positions) % channels;
            const double expected = r[std::size_t(i)] * gamma->value[c] / std::sqrt(double(var->value[c]) + 1e-5);
            QVERIFY2(std::abs(dx[std::size_t(i)] - expected) < 1e-5 * (1 + std::abs(expected)),
                     qPrintable(QString("dx[%1] = %2, dy·γ/σ = %3").arg(i).arg(dx[std::size_t(i)]).arg(expected)));
        }
        const std::vector<float> dGamma(gamma->grad.data(), gamma->grad.data() + channels),
            dBeta(beta->grad.data(), beta->grad.data() + channels);
        const auto numeric = [&](float& v) {
            const float keep = v, eps = 1e-2f;
            v = keep + eps;
            const double up = objective();
            v = keep - eps;
            const double down = objective();
            v = keep;
            return (up - down) / (2.0 * double(eps));
        };
        for (std::int64_t i = 0; i < size; i += 2)
            QVERIFY(std::abs(numeric(x[std::size_t(i)]) - dx[std::size_t(i)]) < 2e-3);
        for (std::int64_t c = 0; c < channels; ++c) {
            QVERIFY(std::abs(numeric(gamma->value[c]) - dGamma[std::size_t(c)]) < 2e-3);
            QVERIFY(std::abs(numeric(beta->value[c]) - dBeta[std::size_t(c)]) < 2e-3);
        }
    }

    // 4×4 grey → 2×2: each output the mean of a 2×2 block, then (v/255 − mean) / std.
    void pixelsResizeByAreaAndNormalise()
    {
        const std::uint8_t grey[16] = {0,   0,   255, 255,   //
                                       0,   0,   255, 255,   //
                                       0,   255, 51,  51,    //
                                       255, 0,   51,  51};
        const std::vector<float> x = inputFromPixels(grey, 4, 4, 1, Shape{1, 2, 2}, {0.5f}, {0.25f}, false);
        const std::vector<float> expected{-2.0f, 2.0f, 0.0f, -1.2f};   // blocks 0, 1, ½, 0.2
        for (int i = 0; i < 4; ++i)
            QVERIFY2(std::abs(x[std::size_t(i)] - expected[std::size_t(i)]) < 1e-5f, qPrintable(QString::number(x[std::size_t(i)])));
        // Inverted: v → 255 − v, so the blocks become 1, 0, ½, 0.8.
        const std::vector<float> inverted = inputFromPixels(grey, 4, 4, 1, Shape{1, 2, 2}, {0.5f}, {0.25f}, true);
        const std::vector<float> expectedInverted{2.0f, -2.0f, 0.0f, 1.2f};
        for (int i = 0; i < 4; ++i)
            QVERIFY(std::abs(inverted[std::size_t(i)] - expectedInverted[std::size_t(i)]) < 1e-5f);
    }

    // 3 → 2 pixels: output 0 covers source [0, 1.5): pixel 0 wholly and half of pixel 1.
    void pixelsResizeByFractionalAreas()
    {
        const std::uint8_t row[3] = {0, 90, 255};
        const std::vector<float> x = inputFromPixels(row, 3, 1, 1, Shape{1, 1, 2}, {0.0f}, {1.0f / 255.0f}, false);
        QVERIFY(std::abs(x[0] - (0 * 1.0f + 90 * 0.5f) / 1.5f) < 1e-3f);     // 30
        QVERIFY(std::abs(x[1] - (90 * 0.5f + 255 * 1.0f) / 1.5f) < 1e-3f);   // 200
        // Enlarging repeats: 1 → 3 pixels.
        const std::uint8_t one = 40;
        const std::vector<float> big = inputFromPixels(&one, 1, 1, 1, Shape{1, 3, 3}, {0.0f}, {1.0f / 255.0f}, false);
        for (float v : big)
            QVERIFY(std::abs(v - 40.0f) < 1e-3f);
    }

    void pixelsChangeChannels()
    {
        // RGB → grey by luminance; grey → RGB by repetition, each channel normalised by its own.
        const std::uint8_t rgb[3] = {255, 0, 0};
        const std::vector<float> grey = inputFromPixels(rgb, 1, 1, 3, Shape{1, 1, 1}, {0.0f}, {1.0f}, false);
        QVERIFY(std::abs(grey[0] - 0.299f) < 1e-5f);
        const std::uint8_t g = 51;
        const std::vector<float> colour =
            inputFromPixels(&g, 1, 1, 1, Shape{3, 1, 1}, {0.1f, 0.2f, 0.0f}, {0.5f, 0.5f, 0.1f}, false);
        QVERIFY(std::abs(colour[0] - 0.2f) < 1e-5f);    // (0.2 − 0.1) / 0.5
        QVERIFY(std::abs(colour[1] - 0.0f) < 1e-5f);    // (0.2 − 0.2) / 0.5
        QVERIFY(std::abs(colour[2] - 2.0f) < 1e-5f);    // 0.2 / 0.1
        QVERIFY_THROWS_EXCEPTION(Error, inputFromPixels(rgb, 1, 1, 2, Shape{1, 1, 1}, {0.0f}, {1.0f}, false));
        QVERIFY_THROWS_EXCEPTION(Error, inputFromPixels(rgb, 1, 1, 3, Shape{6}, {0.0f}, {1.0f}, false));
        QVERIFY_THROWS_EXCEPTION(Error, inputFromPixels(rgb, 1, 1, 3, Shape{3, 1, 1}, {0.0f, 0.0f}, {1.0f}, false));
        QVERIFY(isImageInput(Shape{3, 32, 32}) && !isImageInput(Shape{2, 8, 8}) && !isImageInput(Shape{784}));
    }

    void runInputsFromSettingsOrTheDataSet()
    {
        RunRecord run;
        JobSpec job;
        run.datasetSettings = {{"images", true}, {"mean", {0.25}}, {"std", {0.5}}, {"classes", {"no", "yes"}}};
        const RunInputs recorded = runInputs(run, job);
        QVERIFY(recorded.images);
        QCOMPARE(recorded.mean, std::vector<float>{0.25f});
        QCOMPARE(recorded.classNames, (std::vector<std::string>{"no", "yes"}));
        // Not recorded: the data set is loaded again (a synthetic one here: points, not images).
        run.datasetSettings = {{"description", "spiral"}};
        job.data.spec = "spiral:samples=60,classes=4";
        const RunInputs loaded = runInputs(run, job);
        QVERIFY(!loaded.images);
        QCOMPARE(loaded.classNames.size(), std::size_t(4));
        QCOMPARE(loaded.mean.size(), std::size_t(2));
    }
};

QTEST_APPLESS_MAIN(TestPredict)
#include "tst_predict.moc"
