// Per-layer telemetry (issue 12): the probe's statistics against values computed by hand on small
// tensors, on every host backend; a planted dead layer, a planted exploding layer and a planted
// NaN flagged by the health verdict; telemetry leaves training bit-identical; feature maps.
#include "datasets/Batcher.h"
#include "datasets/Synthetic.h"
#include "engine/backends/Registry.h"
#include "engine/train/LayerHealth.h"
#include "engine/train/TelemetryProbe.h"
#include "engine/train/Trainer.h"

#include <QtTest>

#include <cmath>
#include <numeric>

using namespace neurite;

namespace {

// Input(3) → Linear(2) → ReLU → Linear(2) → CrossEntropyLoss
ModelGraph tinyModel()
{
    ModelGraph g;
    g.add("input", "Input", {{"shape", {3}}});
    g.add("fc1", "Linear", {{"out_features", 2}});
    g.add("relu1", "ReLU");
    g.add("fc2", "Linear", {{"out_features", 2}});
    g.add("loss", "CrossEntropyLoss");
    g.connect("input", "fc1");
    g.connect("fc1", "relu1");
    g.connect("relu1", "fc2");
    g.connect("fc2", "loss");
    return g;
}

// Input(2) → Linear(32) → ReLU → Linear(32) → ReLU → Linear(3) → CrossEntropyLoss
ModelGraph pointClassifier()
{
    ModelGraph g;
    g.add("input", "Input", {{"shape", {2}}});
    g.add("fc1", "Linear", {{"out_features", 32}});
    g.add("relu1", "ReLU");
    g.add("fc2", "Linear", {{"out_features", 32}});
    g.add("relu2", "ReLU");
    g.add("fc3", "Linear", {{"out_features", 3}});
    g.add("loss", "CrossEntropyLoss");
    g.connect("input", "fc1");
    g.connect("fc1", "relu1");
    g.connect("relu1", "fc2");
    g.connect("fc2", "relu2");
    g.connect("relu2", "fc3");
    g.connect("fc3", "loss");
    return g;
}

Parameter* parameter(Plan& plan, const std::string& name)
{
    for (Parameter* p : plan.parameters())
        if (p->name == name)
            return p;
    return nullptr;
}

const LayerTelemetry* layer(const TelemetrySnapshot& s, const std::string& node)
{
    for (const auto& l : s.layers)
        if (l.node == node)
            return &l;
    return nullptr;
}

std::uint32_t histogramTotal(const Histogram& h)
{
    return std::accumulate(h.counts.begin(), h.counts.end(), std::uint32_t(0));
}

double norm(std::initializer_list<const Tensor*> tensors)
{
    double sum = 0;
    for (const Tensor* t : tensors)
        for (std::int64_t i = 0; i < t->numel(); ++i)
            sum += double(t->data()[i]) * t->data()[i];
    return std::sqrt(sum);
}

struct Run {
    std::vector<TelemetrySnapshot> snapshots;
    std::vector<FeatureMaps> maps;
    TrainResult result;
};

Run trainPoints(TrainConfig c, const std::function<void(Plan&)>& plant = {})
{
    const Dataset data = makeSynthetic({"spiral", 256, 0.05, 3, 7});
    auto backend = createBackend("cpu", 2);
    Trainer trainer(pointClassifier(), *backend, c);
    if (plant)
        plant(trainer.plan());
    Batcher train(data, allIndices(data.size()), c.batch, true, {}, c.seed);
    Run run;
    TrainCallbacks callbacks;
    callbacks.onTelemetry = [&](const TelemetrySnapshot& s) { run.snapshots.push_back(s); };
    callbacks.onFeatureMaps = [&](const FeatureMaps& m) { run.maps.push_back(m); };
    run.result = trainer.run(train, nullptr, callbacks, CancelToken());
    return run;
}

} // namespace

class TestTelemetry : public QObject {
    Q_OBJECT
private slots:
    void statisticsMatchHandComputedValues_data()
    {
        QTest::addColumn<QString>("backend");
        QTest::newRow("reference") << "reference";
        QTest::newRow("cpu") << "cpu";
    }

    // Two samples through the tiny model with weights set by hand: every number of the probe
    // is checked against the tensors themselves.
    void statisticsMatchHandComputedValues()
    {
        QFETCH(QString, backend);
        auto b = createBackend(backend.toStdString(), 1);
        Plan plan(tinyModel(), *b, 2, 1);
        // fc1: unit 0 sees −(x0 + x1 + x2) − 1 (never positive for x ≥ 0: dead); unit 1 sees x0 + 0.5.
        const float w1[] = {-1, -1, -1, 1, 0, 0}, b1[] = {-1, 0.5f};
        const float w2[] = {0.5f, -0.25f, 2, 1}, b2[] = {0, 0.125f};
        std::copy_n(w1, 6, parameter(plan, "fc1.weight")->value.data());
        std::copy_n(b1, 2, parameter(plan, "fc1.bias")->value.data());
        std::copy_n(w2, 4, parameter(plan, "fc2.weight")->value.data());
        std::copy_n(b2, 2, parameter(plan, "fc2.bias")->value.data());
        plan.parametersToBackend();
        const float x[] = {1, 2, 3, 0.5f, 0, 4};
        std::copy_n(x, 6, plan.input());
        plan.labels()[0] = 0;
        plan.labels()[1] = 1;
        plan.forward(2, true);
        plan.backward();

        TelemetryProbe probe(plan);
        probe.measure();
        // The update a plain SGD step with learning rate 0.5 makes: Δw = −0.5·g.
        for (Parameter* p : plan.parameters())
            for (std::int64_t i = 0; i < p->value.numel(); ++i)
                p->value.data()[i] -= 0.5f * p->grad.data()[i];
        plan.parametersToBackend();
        probe.measureUpdate();
        const TelemetrySnapshot s = probe.read(7, 1, 0.5);
        QCOMPARE(s.step, std::int64_t(7));
        QVERIFY(s.firstNonFinite.empty());

        const LayerTelemetry* input = layer(s, "input");
        QVERIFY(input && input->hasActivation);
        QCOMPARE(input->activation.count, std::int64_t(6));
        QCOMPARE(input->activation.mean, 10.5 / 6);
        const double mean = 10.5 / 6, squares = 1 + 4 + 9 + 0.25 + 0 + 16;
        QVERIFY(std::abs(input->activation.std - std::sqrt(squares / 6 - mean * mean)) < 1e-6);
        QCOMPARE(input->activation.min, 0.0);
        QCOMPARE(input->activation.max, 4.0);
        QVERIFY(std::abs(input->activation.norm - std::sqrt(squares)) < 1e-6);
        // [0, 4] in 32 bins of 0.125: 0 → bin 0, 0.5 → 4, 1 → 8, 2 → 16, 3 → 24, 4 → the last.
        QCOMPARE(histogramTotal(input->activation.histogram), 6u);
        for (int bin : {0, 4, 8, 16, 24, 31})
            QCOMPARE(input->activation.histogram.counts[std::size_t(bin)], 1u);

        // relu1 = [0, 1.5] and [0, 1]: unit 0 dead over the batch, unit 1 alive.
        const LayerTelemetry* relu = layer(s, "relu1");
        QVERIFY(relu && relu->hasActivation);
        QCOMPARE(relu->units, std::int64_t(2));
        QCOMPARE(relu->deadUnits, std::int64_t(1));
        QCOMPARE(relu->activation.mean, 2.5 / 4);
        QCOMPARE(relu->activation.max, 1.5);
        // fc1 applies relu1 itself: its output is measured after it, and says so.
        const LayerTelemetry* fc1 = layer(s, "fc1");
        QVERIFY(fc1 && fc1->learned);
        QCOMPARE(fc1->activationAfter, std::string("relu1"));
        QCOMPARE(fc1->units, std::int64_t(0));

        // Weights before the update, gradients as the step used them, the update's relative size.
        Parameter* w = parameter(plan, "fc2.weight");
        Parameter* bias = parameter(plan, "fc2.bias");
        const LayerTelemetry* fc2 = layer(s, "fc2");
        QVERIFY(fc2 && fc2->learned);
        const double wNorm = std::sqrt(0.25 + 0.0625 + 4 + 1 + 0 + 0.015625);
        QVERIFY(std::abs(fc2->weight.norm - wNorm) < 1e-6);
        QCOMPARE(fc2->weight.count, std::int64_t(6));
        QCOMPARE(fc2->weight.min, -0.25);
        QCOMPARE(fc2->weight.max, 2.0);
        QCOMPARE(histogramTotal(fc2->weight.histogram), 6u);
        const double gNorm = norm({&w->grad, &bias->grad});
        QVERIFY(gNorm > 0);
        QVERIFY(std::abs(fc2->gradient.norm - gNorm) < 1e-6 * gNorm + 1e-7);
        QVERIFY(std::abs(fc2->updateRatio - 0.5 * gNorm / wNorm) < 1e-5 * fc2->updateRatio);
        // The loss is not a layer with statistics.
        const LayerTelemetry* loss = layer(s, "loss");
        QVERIFY(loss && !loss->hasActivation && !loss->learned);
    }

    void aPlantedDeadLayerIsFlagged()
    {
        TrainConfig c;
        c.epochs = 1;
        c.batch = 32;
        c.telemetry = true;
        // fc2's bias far below anything its inputs can reach: relu2 outputs 0 for every sample.
        const Run run = trainPoints(c, [](Plan& plan) {
            Parameter* b = parameter(plan, "fc2.bias");
            std::fill_n(b->value.data(), b->value.numel(), -100.0f);
        });
        QVERIFY(!run.snapshots.empty());
        const TelemetrySnapshot& first = run.snapshots.front();
        QCOMPARE(first.step, std::int64_t(1));
        const LayerTelemetry* relu2 = layer(first, "relu2");
        QCOMPARE(relu2->deadUnits, relu2->units);
        QCOMPARE(judgeLayer(*relu2, first.firstNonFinite).health, LayerHealth::DeadUnits);
        const LayerTelemetry* relu1 = layer(first, "relu1");
        QVERIFY(judgeLayer(*relu1, first.firstNonFinite).health != LayerHealth::DeadUnits);
        QVERIFY(!judgeLayer(*relu2, first.firstNonFinite).hint.empty());
    }

    void aPlantedExplodingLayerIsFlagged()
    {
        TrainConfig c;
        c.epochs = 1;
        c.batch = 32;
        c.telemetry = true;
        c.optimizer.kind = "sgd";
        c.lr = 0.01;
        // fc3's weights and bias 1000× too small: SGD's step is then many times the weights themselves.
        const Run run = trainPoints(c, [](Plan& plan) {
            for (const char* name : {"fc3.weight", "fc3.bias"}) {
                Parameter* w = parameter(plan, name);
                for (std::int64_t i = 0; i < w->value.numel(); ++i)
                    w->value.data()[i] *= 1e-3f;
            }
        });
        const TelemetrySnapshot& first = run.snapshots.front();
        const LayerTelemetry* fc3 = layer(first, "fc3");
        QVERIFY2(fc3->updateRatio > 0.1, qPrintable(QString::number(fc3->updateRatio)));
        QCOMPARE(judgeLayer(*fc3, first.firstNonFinite).health, LayerHealth::Exploding);
        // Behind the tiny weights, the gradients reaching fc1 are tiny too: it learns nothing.
        QCOMPARE(judgeLayer(*layer(first, "fc1"), first.firstNonFinite).health, LayerHealth::Vanishing);
    }

    void aSaneRunIsHealthy()
    {
        TrainConfig c;
        c.epochs = 2;
        c.batch = 32;
        c.telemetry = true;
        c.optimizer.kind = "sgd";
        c.lr = 0.05;
        const Run run = trainPoints(c);
        const TelemetrySnapshot& last = run.snapshots.back();
        for (const LayerTelemetry& l : last.layers)
            if (l.hasActivation || l.learned)
                QVERIFY2(judgeLayer(l, last.firstNonFinite).health == LayerHealth::Healthy,
                         qPrintable(QString::fromStdString(l.node + ": " + judgeLayer(l, last.firstNonFinite).summary)));
    }

    void aPlantedNaNIsFlaggedAtItsLayer()
    {
        TrainConfig c;
        c.epochs = 1;
        c.batch = 32;
        c.telemetry = true;
        const Run run = trainPoints(c, [](Plan& plan) { parameter(plan, "fc2.weight")->value.data()[3] = NAN; });
        QCOMPARE(run.result.status, RunStatus::Diverged);
        QVERIFY(!run.snapshots.empty());
        const TelemetrySnapshot& last = run.snapshots.back();
        QCOMPARE(last.firstNonFinite, std::string("fc2"));
        QCOMPARE(judgeLayer(*layer(last, "fc2"), last.firstNonFinite).health, LayerHealth::NonFinite);
        QCOMPARE(judgeLayer(*layer(last, "fc1"), last.firstNonFinite).health, LayerHealth::Healthy);
    }

    // Snapshots come every few steps, as often as their measured cost allows, and change nothing.
    void telemetryLeavesTrainingUnchanged()
    {
        TrainConfig c;
        c.epochs = 3;
        c.batch = 16;
        const Run plain = trainPoints(c);
        c.telemetry = true;
        const Run observed = trainPoints(c);
        QVERIFY(plain.snapshots.empty());
        QVERIFY(observed.snapshots.size() >= 2);
        for (std::size_t i = 1; i < observed.snapshots.size(); ++i)
            QVERIFY(observed.snapshots[i].step > observed.snapshots[i - 1].step);
        QCOMPARE(observed.result.steps, plain.result.steps);
        for (std::size_t e = 0; e < plain.result.epochs.size(); ++e)
            QCOMPARE(observed.result.epochs[e].trainLoss, plain.result.epochs[e].trainLoss);
    }

    // A tiny CNN on 8×8 images: the feature maps of its convolution for the fixed sample.
    void featureMapsOfTheConvolutions()
    {
        Dataset data;
        data.sampleShape = Shape({1, 8, 8});
        data.classNames = {"dark", "light"};
        for (int i = 0; i < 64; ++i) {
            data.labels.push_back(i % 2);
            for (int p = 0; p < 64; ++p)
                data.bytes.push_back(std::uint8_t(i % 2 ? 200 + p % 50 : p % 50));
        }
        data.computeNormalisation();
        ModelGraph g;
        g.add("input", "Input", {{"shape", {1, 8, 8}}});
        g.add("conv1", "Conv2d", {{"out_channels", 4}, {"kernel_size", 3}, {"padding", 1}});
        g.add("relu1", "ReLU");
        g.add("flat", "Flatten");
        g.add("fc", "Linear", {{"out_features", 2}});
        g.add("loss", "CrossEntropyLoss");
        g.connect("input", "conv1");
        g.connect("conv1", "relu1");
        g.connect("relu1", "flat");
        g.connect("flat", "fc");
        g.connect("fc", "loss");
        auto backend = createBackend("cpu", 1);
        TrainConfig c;
        c.epochs = 1;
        c.batch = 16;
        c.telemetry = true;
        c.featureMapSeconds = 1e-9;   // with every snapshot
        Trainer trainer(g, *backend, c);
        Batcher train(data, allIndices(data.size()), c.batch, false, {}, 1);
        std::vector<FeatureMaps> maps;
        TrainCallbacks callbacks;
        callbacks.onFeatureMaps = [&](const FeatureMaps& m) { maps.push_back(m); };
        trainer.run(train, nullptr, callbacks, CancelToken());
        QVERIFY(!maps.empty());
        const FeatureMaps& m = maps.front();
        QCOMPARE(m.inputChannels, 1);
        QCOMPARE(m.inputHeight, 8);
        QCOMPARE(int(m.input.size()), 64);
        QCOMPARE(m.sampleLabel, 0);   // not shuffled: the first sample is the first of the set
        QCOMPARE(int(m.layers.size()), 1);
        QCOMPARE(m.layers[0].node, std::string("conv1"));
        QCOMPARE(m.layers[0].after, std::string("relu1"));
        QCOMPARE(m.layers[0].channels, 4);
        QCOMPARE(int(m.layers[0].values.size()), 4 * 8 * 8);
        for (float v : m.layers[0].values)
            QVERIFY(v >= 0);   // after the ReLU
        // The same sample every time.
        QCOMPARE(maps.back().input, m.input);
    }
};

QTEST_APPLESS_MAIN(TestTelemetry)
#include "tst_telemetry.moc"
