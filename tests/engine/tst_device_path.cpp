// The device path of training, proven without a GPU: a backend whose memory the host cannot touch.
// DisplacedBackend hands out addresses moved by 2^62 (non-canonical on x86-64: any load or store
// through one faults) and moves them back only inside its operations, which run on a CPU backend.
// A step that read or wrote backend memory on the host (a loss, a label, a parameter, a metric)
// would crash; a host pointer passed where backend memory belongs fails the check in at(). Trained
// through it, a model must end bit-identical to the same training on the CPU backend directly:
// then the plan, the trainer, the optimiser, checkpoints and evaluation keep every tensor on the
// "device" and cross only by upload() and download().
#include "datasets/Batcher.h"
#include "datasets/DatasetCatalogue.h"
#include "engine/backends/cpu/CpuBackend.h"
#include "engine/core/Error.h"
#include "engine/graph/ModelJson.h"
#include "engine/train/Trainer.h"

#include <QtTest>

#include <cstdint>
#include <functional>
#include <memory>
#include <map>
#include <vector>

using namespace neurite;

namespace {

constexpr std::uintptr_t kDisplacement = std::uintptr_t(1) << 62;

class DisplacedBackend final : public Backend {
public:
    explicit DisplacedBackend(Backend& inner) : inner_(inner) {}
    int foreignPointers = 0;   // host pointers passed where backend memory belongs
    int gathers = 0;           // batches gathered from a data set held by the backend

    std::string name() const override { return "displaced"; }
    std::string description() const override { return "a CPU backend behind addresses the host cannot use"; }
    bool hostAddressable() const override { return false; }

    void* allocate(std::int64_t bytes, const std::string& purpose) override
    {
        return displaced(inner_.allocate(bytes, purpose));
    }
    void release(void* p) override { inner_.release(p ? at(p) : nullptr); }
    void upload(void* p, const void* host, std::int64_t bytes) override
    {
        refuseWhileRecording("upload");
        inner_.upload(at(p), host, bytes);
    }
    void download(void* host, const void* p, std::int64_t bytes) override
    {
        refuseWhileRecording("download");
        inner_.download(host, at(p), bytes);
    }
    void synchronise() override { refuseWhileRecording("synchronise"); }

    // Recording as a GPU captures a graph: the calls are kept with their arguments and run at each
    // replay, never while recording; the host's copies are refused meanwhile.
    bool recordsCalls = false;     // records() (off: the backend runs every call as it comes)
    int recordings = 0, replays = 0;
    bool records() const override { return recordsCalls; }
    void beginRecording() override
    {
        if (recording_)
            throw Error("beginRecording: already recording");
        recording_ = std::make_unique<Calls>();
    }
    std::unique_ptr<Recording> endRecording() override
    {
        if (!recording_)
            throw Error("endRecording: not recording");
        auto calls = std::move(recording_);
        ++recordings;
        return std::make_unique<Replay>(std::move(*calls), replays);
    }
    void fill(float* p, float v, std::int64_t n) override
    {
        run([=, this] { inner_.fill(at(p), v, n); });
    }

    void gemm(bool ta, bool tb, std::int64_t m, std::int64_t n, std::int64_t k, float alpha, const float* a,
              std::int64_t lda, const float* b, std::int64_t ldb, float beta, float* c, std::int64_t ldc) override
    {
        run([=, this] { inner_.gemm(ta, tb, m, n, k, alpha, at(a), lda, at(b), ldb, beta, at(c), ldc); });
    }
    std::int64_t convWorkspace(const ConvGeometry& g) const override { return inner_.convWorkspace(g); }
    void convForward(const ConvGeometry& g, const float* x, const float* w, const float* bias, float* y, float* ws,
                     std::int32_t* argmax) override
    {
        run([=, this] { inner_.convForward(g, at(x), at(w), at(bias), at(y), at(ws), at(argmax)); });
    }
    void convBackward(const ConvGeometry& g, const float* x, const float* w, const float* y, const float* dy, float* dx,
                      float* dw, float* db, float* ws, const std::int32_t* argmax) override
    {
        run([=, this] { inner_.convBackward(g, at(x), at(w), at(y), at(dy), at(dx), at(dw), at(db), at(ws), at(argmax)); });
    }
    void maxPoolForward(const PoolGeometry& g, const float* x, float* y, std::int32_t* a) override
    {
        run([=, this] { inner_.maxPoolForward(g, at(x), at(y), at(a)); });
    }
    void maxPoolBackward(const PoolGeometry& g, const float* dy, const std::int32_t* a, float* dx) override
    {
        run([=, this] { inner_.maxPoolBackward(g, at(dy), at(a), at(dx)); });
    }
    void avgPoolForward(const PoolGeometry& g, const float* x, float* y) override
    {
        run([=, this] { inner_.avgPoolForward(g, at(x), at(y)); });
    }
    void avgPoolBackward(const PoolGeometry& g, const float* dy, float* dx) override
    {
        run([=, this] { inner_.avgPoolBackward(g, at(dy), at(dx)); });
    }

    void activationForward(ActivationSpec a, const float* x, float* y, std::int64_t n) override
    {
        run([=, this] { inner_.activationForward(a, at(x), at(y), n); });
    }
    void activationBackward(ActivationSpec a, const float* x, const float* y, const float* dy, float* dx,
                            std::int64_t n) override
    {
        run([=, this] { inner_.activationBackward(a, at(x), at(y), at(dy), at(dx), n); });
    }
    void dropoutForward(float p, std::uint64_t seed, std::uint32_t step, std::uint32_t stream, const float* x, float* y,
                        float* mask, std::int64_t n) override
    {
        run([=, this] { inner_.dropoutForward(p, seed, step, stream, at(x), at(y), at(mask), n); });
    }
    void multiply(const float* a, const float* b, float* y, std::int64_t n) override
    {
        run([=, this] { inner_.multiply(at(a), at(b), at(y), n); });
    }
    void add(const float* a, const float* b, float* y, std::int64_t n) override
    {
        run([=, this] { inner_.add(at(a), at(b), at(y), n); });
    }
    void accumulate(const float* x, float* y, std::int64_t n) override
    {
        run([=, this] { inner_.accumulate(at(x), at(y), n); });
    }
    void copy(const float* x, float* y, std::int64_t n) override
    {
        run([=, this] { inner_.copy(at(x), at(y), n); });
    }
    void copyRows(const float* x, std::int64_t xs, float* y, std::int64_t ys, std::int64_t off, std::int64_t rows,
                  std::int64_t width) override
    {
        run([=, this] { inner_.copyRows(at(x), xs, at(y), ys, off, rows, width); });
    }
    void addBias(float* y, const float* b, std::int64_t rows, std::int64_t c, std::int64_t p) override
    {
        run([=, this] { inner_.addBias(at(y), at(b), rows, c, p); });
    }
    void biasGradient(const float* dy, float* db, std::int64_t rows, std::int64_t c, std::int64_t p) override
    {
        run([=, this] { inner_.biasGradient(at(dy), at(db), rows, c, p); });
    }
    void softmaxForward(const float* x, float* y, std::int64_t rows, std::int64_t w) override
    {
        run([=, this] { inner_.softmaxForward(at(x), at(y), rows, w); });
    }
    void softmaxBackward(const float* y, const float* dy, float* dx, std::int64_t rows, std::int64_t w) override
    {
        run([=, this] { inner_.softmaxBackward(at(y), at(dy), at(dx), rows, w); });
    }
    void lossForward(LossSpec l, const float* x, LossTarget t, std::int64_t rows, std::int64_t w, float* loss) override
    {
        run([=, this] { inner_.lossForward(l, at(x), {at(t.labels), at(t.targets)}, rows, w, at(loss)); });
    }
    void lossBackward(LossSpec l, const float* x, LossTarget t, std::int64_t rows, std::int64_t w, float* dx) override
    {
        run([=, this] { inner_.lossBackward(l, at(x), {at(t.labels), at(t.targets)}, rows, w, at(dx)); });
    }
    void batchNormForward(const float* x, float* y, std::int64_t n, std::int64_t c, std::int64_t p,
                          const BatchNormTensors& t, float momentum, float eps, bool training) override
    {
        run([=, this] { inner_.batchNormForward(at(x), at(y), n, c, p, at(t), momentum, eps, training); });
    }
    void batchNormBackward(const float* x, const float* dy, float* dx, std::int64_t n, std::int64_t c, std::int64_t p,
                           const BatchNormTensors& t, float* dgamma, float* dbeta) override
    {
        run([=, this] { inner_.batchNormBackward(at(x), at(dy), at(dx), n, c, p, at(t), at(dgamma), at(dbeta)); });
    }
    void layerNormForward(const float* x, float* y, std::int64_t rows, std::int64_t w, const float* gamma,
                          const float* beta, float eps, float* mean, float* invstd) override
    {
        run([=, this] { inner_.layerNormForward(at(x), at(y), rows, w, at(gamma), at(beta), eps, at(mean), at(invstd)); });
    }
    void layerNormBackward(const float* x, const float* dy, float* dx, std::int64_t rows, std::int64_t w,
                           const float* gamma, const float* mean, const float* invstd, float* dgamma, float* dbeta) override
    {
        run([=, this] { inner_.layerNormBackward(at(x), at(dy), at(dx), rows, w, at(gamma), at(mean), at(invstd), at(dgamma), at(dbeta)); });
    }
    void globalAvgPoolForward(const float* x, float* y, std::int64_t planes, std::int64_t size) override
    {
        run([=, this] { inner_.globalAvgPoolForward(at(x), at(y), planes, size); });
    }
    void globalAvgPoolBackward(const float* dy, float* dx, std::int64_t planes, std::int64_t size) override
    {
        run([=, this] { inner_.globalAvgPoolBackward(at(dy), at(dx), planes, size); });
    }
    void optimizerStep(const OptimizerStepSettings& s, std::span<const OptimizerSlot> tensors) override
    {
        std::vector<OptimizerSlot> real;
        for (const OptimizerSlot& slot : tensors)
            real.push_back({at(slot.value), at(slot.grad), at(slot.state0), at(slot.state1), slot.count});
        run([=, this] { inner_.optimizerStep(s, real); });
    }
    void clipGradientNorm(std::span<const GradientSlice> gradients, double maxNorm, float* norm) override
    {
        std::vector<GradientSlice> real;
        for (const GradientSlice& g : gradients)
            real.push_back({at(g.data), g.count});
        run([=, this] { inner_.clipGradientNorm(real, maxNorm, at(norm)); });
    }
    void countNonFinite(const float* x, std::int64_t n, std::int32_t* found) override
    {
        run([=, this] { inner_.countNonFinite(at(x), n, at(found)); });
    }
    void countTopK(const float* scores, const std::int32_t* labels, std::int64_t rows, std::int64_t classes, int k,
                   std::int32_t* hits) override
    {
        run([=, this] { inner_.countTopK(at(scores), at(labels), rows, classes, k, at(hits)); });
    }
    void addToConfusion(const float* scores, const std::int32_t* labels, std::int64_t rows, std::int64_t classes,
                        std::int32_t* matrix) override
    {
        run([=, this] { inner_.addToConfusion(at(scores), at(labels), rows, classes, at(matrix)); });
    }
    void accumulateMoments(const float* x, const float* minus, std::int64_t n, float* moments) override
    {
        run([=, this] { inner_.accumulateMoments(at(x), at(minus), n, at(moments)); });
    }
    void accumulateHistogram(const float* x, std::int64_t n, const float* moments, int bins, float* counts) override
    {
        run([=, this] { inner_.accumulateHistogram(at(x), n, at(moments), bins, at(counts)); });
    }
    void accumulateUnitMaximum(const float* x, std::int64_t rows, std::int64_t channels, std::int64_t positions,
                               float* unitMax) override
    {
        run([=, this] { inner_.accumulateUnitMaximum(at(x), rows, channels, positions, at(unitMax)); });
    }
    void gatherBatch(const ResidentSamples& set, const std::int32_t* ids, std::int64_t n, float* x,
                     std::int32_t* labels) override
    {
        ResidentSamples real = set;
        real.bytes = at(set.bytes);
        real.byteValues = at(set.byteValues);
        real.features = at(set.features);
        real.mean = at(set.mean);
        real.std = at(set.std);
        real.labels = at(set.labels);
        run([=, this] {
            inner_.gatherBatch(real, at(ids), n, at(x), at(labels));
            ++gathers;
        });
    }

private:
    using Calls = std::vector<std::function<void()>>;
    class Replay final : public Recording {
    public:
        Replay(Calls calls, int& replays) : calls_(std::move(calls)), replays_(replays) {}
        void replay() override
        {
            ++replays_;
            for (const auto& call : calls_)
                call();
        }

    private:
        Calls calls_;
        int& replays_;
    };
    template <class Call>
    void run(Call&& call)
    {
        if (recording_)
            recording_->push_back(std::forward<Call>(call));
        else
            call();
    }
    void refuseWhileRecording(const char* what) const
    {
        if (recording_)
            throw Error(std::string(what) + " while recording");
    }
    std::unique_ptr<Calls> recording_;

    static void* displaced(void* real) { return reinterpret_cast<void*>(reinterpret_cast<std::uintptr_t>(real) + kDisplacement); }
    // The real address of backend memory; null stays null. A pointer that was never displaced is
    // host memory passed by mistake: counted, and passed on so that the test can say which run.
    template <class T>
    T* at(T* p)
    {
        if (!p)
            return p;
        const auto address = reinterpret_cast<std::uintptr_t>(p);
        if (address < kDisplacement) {
            ++foreignPointers;
            return p;
        }
        return reinterpret_cast<T*>(address - kDisplacement);
    }
    BatchNormTensors at(const BatchNormTensors& t)
    {
        return {at(t.gamma), at(t.beta), at(t.runningMean), at(t.runningVar), at(t.savedMean), at(t.savedInvstd)};
    }

    Backend& inner_;
};

struct Outcome {
    std::vector<std::vector<float>> weights;
    TrainResult result;
    EvalResult evaluation;
    bool dataOnBackend = false;
};

// Two epochs of `model` on 256 Fashion-MNIST images, validated on 64 (evaluation: hits and the
// confusion matrix on the backend), with Adam and clipping; then the checkpoint's tensors. With
// augmentation the batches are made on the host; without, a device backend holds the set.
Outcome train(const std::string& model, Backend& backend, Augment augment = {2, true})
{
    const ModelGraph g = loadModel(NEURITE_SOURCE_DIR "/resources/models/" + model + ".json");
    DataBundle data = loadDataset("fashion-mnist");
    data.train.labels.resize(320);
    data.train.bytes.resize(320 * 784);
    std::vector<std::int64_t> trainIndices(256), validationIndices(64);
    for (std::int64_t i = 0; i < 256; ++i)
        trainIndices[std::size_t(i)] = i;
    for (std::int64_t i = 0; i < 64; ++i)
        validationIndices[std::size_t(i)] = 256 + i;
    TrainConfig c;
    c.epochs = 2;
    c.batch = 48;   // 256 = 5 × 48 + 16: the last batch is smaller
    c.clipNorm = 1.0;
    Trainer trainer(g, backend, c);
    Batcher trainBatches(data.train, trainIndices, c.batch, true, augment, 1);
    Batcher validation(data.train, validationIndices, c.batch, false, Augment{}, 1);
    Outcome out;
    out.result = trainer.run(trainBatches, &validation, {}, CancelToken());
    out.dataOnBackend = trainer.dataOnBackend();
    Batcher test(data.train, validationIndices, c.batch, false, Augment{}, 1);
    out.evaluation = trainer.evaluate(test);
    for (auto& [name, t] : trainer.checkpointTensors())
        out.weights.emplace_back(t->data(), t->data() + t->numel());
    return out;
}

// Feature vectors (not images): 3 epochs of a small classifier on 300 points of the spiral.
Outcome trainOnPoints(Backend& backend)
{
    const ModelGraph g = modelFromText(R"({"version": 1, "input": [2], "layers": [
        {"type": "Linear", "out_features": 16}, {"type": "Tanh"}, {"type": "Linear", "out_features": 3},
        {"type": "CrossEntropyLoss"}]})");
    DataBundle data = loadDataset("spiral:samples=300", 3);
    TrainConfig c;
    c.epochs = 3;
    c.batch = 32;
    Trainer trainer(g, backend, c);
    Batcher batches(data.train, allIndices(data.train.size()), c.batch, true, Augment{}, 1);
    Outcome out;
    out.result = trainer.run(batches, nullptr, {}, CancelToken());
    out.dataOnBackend = trainer.dataOnBackend();
    for (auto& [name, t] : trainer.checkpointTensors())
        out.weights.emplace_back(t->data(), t->data() + t->numel());
    return out;
}

// One epoch of `model` on 96 images with telemetry at every step and the feature maps with each.
struct Observed {
    std::vector<TelemetrySnapshot> snapshots;
    std::vector<FeatureMaps> maps;
};
Observed observe(const std::string& model, Backend& backend)
{
    const ModelGraph g = loadModel(NEURITE_SOURCE_DIR "/resources/models/" + model + ".json");
    DataBundle data = loadDataset("fashion-mnist");
    TrainConfig c;
    c.epochs = 1;
    c.batch = 32;
    c.telemetry = true;
    c.telemetryShare = 1e9;   // every step, whatever it costs
    c.telemetryRate = 0;
    c.featureMapSeconds = 1e-9;
    Trainer trainer(g, backend, c);
    std::vector<std::int64_t> indices(96);
    for (std::int64_t i = 0; i < 96; ++i)
        indices[std::size_t(i)] = i;
    Batcher batches(data.train, indices, c.batch, true, Augment{}, 1);
    Observed out;
    TrainCallbacks callbacks;
    callbacks.onTelemetry = [&](const TelemetrySnapshot& s) { out.snapshots.push_back(s); };
    callbacks.onFeatureMaps = [&](const FeatureMaps& m) { out.maps.push_back(m); };
    trainer.run(batches, nullptr, callbacks, CancelToken());
    return out;
}

void compareSummaries(const TensorSummary& a, const TensorSummary& b)
{
    QCOMPARE(a.count, b.count);
    QCOMPARE(a.nonFinite, b.nonFinite);
    QCOMPARE(a.mean, b.mean);
    QCOMPARE(a.std, b.std);
    QCOMPARE(a.min, b.min);
    QCOMPARE(a.max, b.max);
    QCOMPARE(a.histogram.counts, b.histogram.counts);
}

void compareOutcomes(const Outcome& got, const Outcome& want)
{
    QCOMPARE(got.result.status, want.result.status);
    QCOMPARE(got.result.steps, want.result.steps);
    QCOMPARE(got.result.epochs.back().trainLoss, want.result.epochs.back().trainLoss);
    QCOMPARE(got.result.epochs.back().validation.accuracy, want.result.epochs.back().validation.accuracy);
    QCOMPARE(got.evaluation.confusion, want.evaluation.confusion);
    QCOMPARE(got.evaluation.loss, want.evaluation.loss);
    QCOMPARE(got.weights.size(), want.weights.size());
    for (std::size_t i = 0; i < want.weights.size(); ++i)
        QVERIFY2(got.weights[i] == want.weights[i], qPrintable(QStringLiteral("checkpoint tensor %1 differs").arg(i)));
}

} // namespace

class TestDevicePath : public QObject {
    Q_OBJECT
private slots:
    // Every example model with a layer of each kind: MLP; CNN (fused conv-ReLU-pool); batch norm
    // and dropout; residual (Add, fan-out gradients, global average pooling).
    void trainsBitIdenticalBehindDeviceAddresses_data()
    {
        QTest::addColumn<QString>("model");
        for (const char* m : {"mlp", "cnn", "cnn-batchnorm", "resnet-small"})
            QTest::newRow(m) << QString::fromLatin1(m);
    }
    void trainsBitIdenticalBehindDeviceAddresses()
    {
        QFETCH(QString, model);
        CpuBackend direct(2), inner(2);
        DisplacedBackend device(inner);
        const Outcome want = train(model.toStdString(), direct);
        const Outcome got = train(model.toStdString(), device);
        QCOMPARE(device.foreignPointers, 0);
        QVERIFY(!got.dataOnBackend);   // augmented: the batches were made on the host
        compareOutcomes(got, want);
    }

    // Without augmentation the device backend holds the data set and gathers every batch itself
    // (only the batch's sample ids are uploaded per step); the CPU backend takes the host's
    // batches. Both see the very same floats: the same training, bit for bit.
    void gathersBatchesFromDataItHolds_data()
    {
        QTest::addColumn<QString>("model");
        for (const char* m : {"mlp", "cnn-batchnorm", "points"})
            QTest::newRow(m) << QString::fromLatin1(m);
    }
    void gathersBatchesFromDataItHolds()
    {
        QFETCH(QString, model);
        CpuBackend direct(2), inner(2);
        DisplacedBackend device(inner);
        const bool points = model == QLatin1String("points");
        const Outcome want = points ? trainOnPoints(direct) : train(model.toStdString(), direct, Augment{});
        const Outcome got = points ? trainOnPoints(device) : train(model.toStdString(), device, Augment{});
        QCOMPARE(device.foreignPointers, 0);
        QVERIFY(!want.dataOnBackend);
        QVERIFY(got.dataOnBackend);
        // Every training, validation and evaluation batch: 2 × (6 + 2) + 2 for the images, 3 × 10
        // for the points.
        QCOMPARE(device.gathers, points ? 30 : 18);
        compareOutcomes(got, want);
    }

    // Telemetry is backend operations and one download: behind device addresses (the data set
    // held by the backend) it reads the same numbers, and the same feature maps, step by step.
    void telemetryIsTheSameBehindDeviceAddresses_data()
    {
        QTest::addColumn<QString>("model");
        for (const char* m : {"mlp", "cnn"})
            QTest::newRow(m) << QString::fromLatin1(m);
    }
    void telemetryIsTheSameBehindDeviceAddresses()
    {
        QFETCH(QString, model);
        CpuBackend direct(2), inner(2);
        DisplacedBackend device(inner);
        const Observed want = observe(model.toStdString(), direct);
        const Observed got = observe(model.toStdString(), device);
        QCOMPARE(device.foreignPointers, 0);
        QCOMPARE(got.snapshots.size(), std::size_t(3));
        QCOMPARE(got.snapshots.size(), want.snapshots.size());
        for (std::size_t s = 0; s < want.snapshots.size(); ++s) {
            const auto& a = got.snapshots[s].layers;
            const auto& b = want.snapshots[s].layers;
            QCOMPARE(a.size(), b.size());
            for (std::size_t l = 0; l < a.size(); ++l) {
                compareSummaries(a[l].activation, b[l].activation);
                compareSummaries(a[l].weight, b[l].weight);
                compareSummaries(a[l].gradient, b[l].gradient);
                QCOMPARE(a[l].deadUnits, b[l].deadUnits);
                QCOMPARE(a[l].updateRatio, b[l].updateRatio);
            }
        }
        QCOMPARE(got.maps.size(), want.maps.size());
        for (std::size_t m = 0; m < want.maps.size(); ++m) {
            QCOMPARE(got.maps[m].input, want.maps[m].input);
            QCOMPARE(got.maps[m].layers.size(), want.maps[m].layers.size());
            for (std::size_t l = 0; l < want.maps[m].layers.size(); ++l)
                QCOMPARE(got.maps[m].layers[l].values, want.maps[m].layers[l].values);
        }
        if (model == QLatin1String("cnn"))
            QVERIFY(!want.maps.empty() && !want.maps.front().layers.empty());
    }

    // A backend that records (as a GPU captures graphs): from the second full batch on, every full
    // training batch replays one recording of gather → forward → hits → backward → clipping, and
    // trains exactly as every call made one by one. Not with Dropout (its draw changes each step).
    void replaysARecordedStep_data()
    {
        QTest::addColumn<QString>("model");
        QTest::addColumn<int>("replays");
        QTest::newRow("mlp") << QStringLiteral("mlp") << 9;       // 2 epochs × 5 full batches, less the first
        QTest::newRow("cnn") << QStringLiteral("cnn") << 9;
        QTest::newRow("resnet-small") << QStringLiteral("resnet-small") << 9;   // batch norm, Add, pooling
        QTest::newRow("points") << QStringLiteral("points") << 26;   // 3 × 9 − 1
        QTest::newRow("cnn-batchnorm (Dropout)") << QStringLiteral("cnn-batchnorm") << 0;
    }
    void replaysARecordedStep()
    {
        QFETCH(QString, model);
        QFETCH(int, replays);
        CpuBackend direct(2), inner(2);
        DisplacedBackend device(inner);
        device.recordsCalls = true;
        const bool points = model == QLatin1String("points");
        const Outcome want = points ? trainOnPoints(direct) : train(model.toStdString(), direct, Augment{});
        const Outcome got = points ? trainOnPoints(device) : train(model.toStdString(), device, Augment{});
        QCOMPARE(device.foreignPointers, 0);
        QCOMPARE(device.recordings, replays > 0 ? 1 : 0);
        QCOMPARE(device.replays, replays);
        QCOMPARE(device.gathers, points ? 30 : 18);   // as without recording: every batch once
        compareOutcomes(got, want);
    }

    // The displacement itself: the host cannot read what the backend holds.
    void displacedMemoryIsNotHostMemory()
    {
        CpuBackend inner(1);
        DisplacedBackend device(inner);
        BackendBuffer<float> buffer(device, 4, "test");
        QVERIFY(reinterpret_cast<std::uintptr_t>(buffer.data()) >= kDisplacement);
        buffer.upload({1, 2, 3, 4});
        device.fill(buffer.data() + 1, 9.0f, 2);
        QCOMPARE(buffer.download(), (std::vector<float>{1, 9, 9, 4}));
        float host = 5;
        device.copy(&host, buffer.data(), 1);   // a host pointer where backend memory belongs
        QCOMPARE(device.foreignPointers, 1);
    }
};

QTEST_GUILESS_MAIN(TestDevicePath)
#include "tst_device_path.moc"
