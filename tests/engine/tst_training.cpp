// End to end: training reaches a stated accuracy, every example model trains, a planted NaN ends
// as diverged, a cancel stops within one step, the same seed gives bit-identical weights.
#include "datasets/Batcher.h"
#include "datasets/DatasetCatalogue.h"
#include "datasets/Synthetic.h"
#include "engine/backends/Registry.h"
#include "engine/core/Error.h"
#include "engine/tensorio/Safetensors.h"
#include "engine/graph/ModelJson.h"
#include "engine/train/Trainer.h"

#include <QtTest>

#include <chrono>
#include <map>
#include <cmath>
#include <filesystem>

using namespace neurite;

namespace {

// Input(2) → Linear(64) → ReLU → Linear(64) → ReLU → Linear(classes) → CrossEntropyLoss
ModelGraph pointClassifier(int classes)
{
    ModelGraph g;
    g.add("input", "Input", {{"shape", {2}}});
    g.add("fc1", "Linear", {{"out_features", 64}});
    g.add("relu1", "ReLU");
    g.add("fc2", "Linear", {{"out_features", 64}});
    g.add("relu2", "ReLU");
    g.add("fc3", "Linear", {{"out_features", classes}});
    g.add("loss", "CrossEntropyLoss");
    g.connect("input", "fc1");
    g.connect("fc1", "relu1");
    g.connect("relu1", "fc2");
    g.connect("fc2", "relu2");
    g.connect("relu2", "fc3");
    g.connect("fc3", "loss");
    return g;
}

std::vector<std::vector<float>> weightsOf(Trainer& t)
{
    std::vector<std::vector<float>> out;
    for (auto* p : t.plan().parameters())
        out.emplace_back(p->value.data(), p->value.data() + p->value.numel());
    return out;
}

std::vector<std::vector<float>> trainSpiral(std::uint64_t seed, int threads, int epochs)
{
    const Dataset data = makeSynthetic({"spiral", 600, 0.05, 3, 7});
    auto backend = createBackend("cpu", threads);
    TrainConfig c;
    c.epochs = epochs;
    c.batch = 32;
    c.lr = 0.01;
    c.seed = seed;
    Trainer trainer(pointClassifier(3), *backend, c);
    Batcher train(data, allIndices(data.size()), c.batch, true, {}, seed);
    trainer.run(train, nullptr, {}, CancelToken());
    return weightsOf(trainer);
}

} // namespace

class TestTraining : public QObject {
    Q_OBJECT
private slots:
    void spiralReachesNinetyPercentInSeconds()
    {
        const auto bundle = loadDataset("spiral:samples=3000,noise=0.05,classes=3", 5);
        auto backend = createBackend("cpu", 2);
        TrainConfig c;
        c.epochs = 40;
        c.batch = 64;
        c.lr = 0.01;
        Trainer trainer(pointClassifier(3), *backend, c);
        Batcher train(bundle.train, allIndices(bundle.train.size()), c.batch, true, {}, 1);
        Batcher test(bundle.test, allIndices(bundle.test.size()), c.batch, false, {}, 1);
        const auto t0 = std::chrono::steady_clock::now();
        const TrainResult r = trainer.run(train, nullptr, {}, CancelToken());
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        const EvalResult e = trainer.evaluate(test);
        qInfo("spiral: test accuracy %.3f after %d epochs in %.2f s", e.accuracy, c.epochs, seconds);
        QCOMPARE(r.status, RunStatus::Completed);
        QVERIFY(r.firstStepSeconds > 0 && r.firstStepSeconds < r.seconds / c.epochs);  // the first step, not an epoch's
        QVERIFY2(e.accuracy >= 0.90, qPrintable(QString("accuracy %1").arg(e.accuracy)));
        QCOMPARE(e.samples, bundle.test.size());
    }

    void everyExampleModelTrains_data()
    {
        QTest::addColumn<QString>("model");
        for (const char* m : {"mlp", "cnn", "lenet5", "cnn-batchnorm", "resnet-small", "autoencoder"})
            QTest::newRow(m) << m;
    }

    void everyExampleModelTrains()
    {
        QFETCH(QString, model);
        const ModelGraph g = loadModel(std::string(NEURITE_SOURCE_DIR "/resources/models/") + model.toStdString() + ".json");
        DataBundle data = loadDataset("fashion-mnist");
        data.train.labels.resize(256);
        data.train.bytes.resize(256 * 784);
        auto backend = createBackend("cpu", 2);
        TrainConfig c;
        c.epochs = 4;
        c.batch = 32;
        Trainer trainer(g, *backend, c);
        Batcher train(data.train, allIndices(256), c.batch, true, {}, 1);
        const TrainResult r = trainer.run(train, nullptr, {}, CancelToken());
        QCOMPARE(r.status, RunStatus::Completed);
        QCOMPARE(r.steps, std::int64_t(4 * 8));
        const double first = r.epochs.front().trainLoss, last = r.epochs.back().trainLoss;
        qInfo("%s: train loss %.4f -> %.4f", qPrintable(model), first, last);
        QVERIFY2(std::isfinite(last) && last < first, qPrintable(QString("%1 -> %2").arg(first).arg(last)));
    }

    void plantedNanEndsAsDiverged()
    {
        Dataset data = makeSynthetic({"blobs", 200, 0.1, 3, 1});
        data.features[2 * 150] = NAN;  // sample 150: in the fifth batch of 32 (no shuffling below)
        auto backend = createBackend("cpu", 1);
        TrainConfig c;
        c.epochs = 2;
        c.batch = 32;
        Trainer trainer(pointClassifier(3), *backend, c);
        Batcher train(data, allIndices(data.size()), c.batch, false, {}, 1);
        const TrainResult r = trainer.run(train, nullptr, {}, CancelToken());
        QCOMPARE(r.status, RunStatus::Diverged);
        QCOMPARE(r.steps, std::int64_t(4));
        QCOMPARE(r.divergedNode, std::string("input"));  // the data itself carries the NaN
        QVERIFY2(r.message.find("diverged at step 5 in node 'input'") != std::string::npos, r.message.c_str());
    }

    void hugeLearningRateDivergesInALayer()
    {
        const Dataset data = makeSynthetic({"spiral", 512, 0.1, 3, 1});
        auto backend = createBackend("cpu", 1);
        TrainConfig c;
        c.epochs = 50;
        c.batch = 64;
        c.lr = 1e30;
        c.optimizer.kind = "sgd";
        Trainer trainer(pointClassifier(3), *backend, c);
        Batcher train(data, allIndices(data.size()), c.batch, true, {}, 1);
        const TrainResult r = trainer.run(train, nullptr, {}, CancelToken());
        QCOMPARE(r.status, RunStatus::Diverged);
        QVERIFY(!r.divergedNode.empty() && r.divergedNode != "input");
    }

    void cancelStopsWithinOneStep()
    {
        const Dataset data = makeSynthetic({"spiral", 2000, 0.1, 3, 1});
        auto backend = createBackend("cpu", 1);
        TrainConfig c;
        c.epochs = 100;
        c.batch = 16;
        Trainer trainer(pointClassifier(3), *backend, c);
        Batcher train(data, allIndices(data.size()), c.batch, true, {}, 1);
        CancelToken cancel;
        const TrainResult r = trainer.run(train, nullptr, {[&](const StepStats& s) {
                                                               if (s.step == 7)
                                                                   cancel.cancel();
                                                           }, nullptr},
                                          cancel);
        QCOMPARE(r.status, RunStatus::Cancelled);
        QCOMPARE(r.steps, std::int64_t(7));
    }

    void sameSeedGivesIdenticalWeights()
    {
        const auto a = trainSpiral(3, 2, 3), b = trainSpiral(3, 2, 3), other = trainSpiral(4, 2, 3);
        QVERIFY(a == b);          // bit for bit
        QVERIFY(a != other);
        QVERIFY(trainSpiral(3, 1, 3) == trainSpiral(3, 1, 3));
    }

    void earlyStoppingRestoresTheBestEpoch()
    {
        const auto bundle = loadDataset("spiral:samples=400,noise=0.3", 2);
        const Split split = splitIndices(bundle.train.size(), 0.5, 2);
        auto backend = createBackend("cpu", 1);
        TrainConfig c;
        c.epochs = 200;
        c.batch = 16;
        c.lr = 0.05;
        c.patience = 3;
        Trainer trainer(pointClassifier(3), *backend, c);
        Batcher train(bundle.train, split.train, c.batch, true, {}, 2);
        Batcher validation(bundle.train, split.validation, c.batch, false, {}, 2);
        const TrainResult r = trainer.run(train, &validation, {}, CancelToken());
        QCOMPARE(r.status, RunStatus::EarlyStopped);
        QCOMPARE(int(r.epochs.size()), r.bestEpoch + 3);
        const double bestLoss = r.epochs[std::size_t(r.bestEpoch - 1)].validation.loss;
        QVERIFY(std::abs(trainer.evaluate(validation).loss - bestLoss) < 1e-6);
    }

    void fusedReluTrainsLikeSeparateLayers()
    {
        // The plan fuses a ReLU into the Conv2d or Linear before it when it is the only user of
        // its output. A second (unused) user prevents the fusion: both must train identically.
        const ModelGraph fused = loadModel(NEURITE_SOURCE_DIR "/resources/models/cnn.json");
        ModelGraph separate = fused;
        for (const char* producer : {"conv1", "conv2", "fc1"}) {
            separate.add(std::string(producer) + "_spare", "ReLU");
            separate.connect(producer, std::string(producer) + "_spare");
        }
        DataBundle data = loadDataset("fashion-mnist");
        data.train.labels.resize(96);
        data.train.bytes.resize(96 * 784);
        std::vector<std::vector<std::vector<float>>> weights;
        for (const ModelGraph* g : {&fused, static_cast<const ModelGraph*>(&separate)}) {
            auto backend = createBackend("cpu", 2);
            TrainConfig c;
            c.epochs = 2;
            c.batch = 32;
            Trainer trainer(*g, *backend, c);
            Batcher train(data.train, allIndices(96), c.batch, true, {}, 1);
            QCOMPARE(trainer.run(train, nullptr, {}, CancelToken()).status, RunStatus::Completed);
            weights.push_back(weightsOf(trainer));
        }
        QVERIFY(weights[0] == weights[1]);
    }

    void resumeFromStateIsBitIdentical()
    {
        // Batch norm, dropout (Philox masks of the seed and the step), Adam's moments and step count, a schedule:
        // everything a resume must restore.
        const ModelGraph g = loadModel(NEURITE_SOURCE_DIR "/resources/models/cnn-batchnorm.json");
        DataBundle data = loadDataset("fashion-mnist");
        data.train.labels.resize(128);
        data.train.bytes.resize(128 * 784);
        TrainConfig c;
        c.epochs = 4;
        c.batch = 32;
        c.schedule.kind = "cosine";
        // Trains until the end of epoch stopAfter (a stop from the outside, as Ctrl-C would).
        const auto trainUntil = [&](Trainer& t, int stopAfter) {
            Batcher train(data.train, allIndices(128), c.batch, true, {2, true}, 1);
            CancelToken cancel;
            return t.run(train, nullptr, {nullptr, [&](const EpochStats& e) {
                                              if (e.epoch == stopAfter)
                                                  cancel.cancel();
                                          }},
                         cancel);
        };
        auto backend = createBackend("cpu", 2);
        Trainer straight(g, *backend, c);
        QCOMPARE(trainUntil(straight, 4).status, RunStatus::Completed);

        Trainer first(g, *backend, c);
        QCOMPARE(trainUntil(first, 2).status, RunStatus::Cancelled);
        std::map<std::string, std::vector<float>> saved;
        for (auto& [name, t] : first.checkpointTensors())
            saved[name].assign(t->data(), t->data() + t->numel());
        const TrainerState state = first.state();
        QCOMPARE(state.epoch, 2);
        QCOMPARE(state.step, std::int64_t(8));

        Trainer resumed(g, *backend, c);
        for (auto& [name, t] : resumed.checkpointTensors()) {
            QVERIFY2(saved.count(name), name.c_str());
            std::copy(saved[name].begin(), saved[name].end(), t->data());
        }
        resumed.restore(state);
        const TrainResult r = trainUntil(resumed, 4);
        QCOMPARE(r.steps, std::int64_t(16));
        QCOMPARE(int(r.epochs.size()), 2);
        QVERIFY(weightsOf(resumed) == weightsOf(straight));
    }

    void weightsRoundTripThroughSafetensors()
    {
        auto backend = createBackend("cpu", 1);
        TrainConfig c;
        Trainer trainer(pointClassifier(4), *backend, c);
        std::vector<std::pair<std::string, const Tensor*>> tensors;
        for (auto* p : trainer.plan().parameters())
            tensors.push_back({p->name, &p->value});
        const std::string path = (std::filesystem::temp_directory_path() / "neurite-weights-test.safetensors").string();
        writeSafetensors(path, tensors, {{"format", "neurite-weights"}});
        const auto back = readSafetensors(path);
        QCOMPARE(back.size(), tensors.size());
        for (const auto& [name, t] : tensors) {
            QVERIFY(back.count(name));
            QCOMPARE(back.at(name).shape(), t->shape());
            QVERIFY(std::equal(t->data(), t->data() + t->numel(), back.at(name).data()));
        }
        std::filesystem::remove(path);
    }

    void dataThatDoesNotFitTheModelIsRefused()
    {
        const Dataset data = makeSynthetic({"blobs", 100, 0.1, 5, 1});
        auto backend = createBackend("cpu", 1);
        Trainer trainer(pointClassifier(3), *backend, TrainConfig{});
        Batcher train(data, allIndices(data.size()), 128, true, {}, 1);
        try {
            trainer.run(train, nullptr, {}, CancelToken());
            QFAIL("5 classes accepted by a 3-way classifier");
        } catch (const ConfigError& e) {
            QVERIFY2(std::string(e.what()).find("has 5 classes but the model predicts 3 scores") != std::string::npos, e.what());
        }
    }
};

QTEST_APPLESS_MAIN(TestTraining)
#include "tst_training.moc"
