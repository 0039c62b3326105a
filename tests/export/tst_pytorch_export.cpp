// The PyTorch export folder and the Neurite bundle (issue 11). PyTorch (Debian's python3-torch)
// loads every example model and a model around every catalogue layer type strictly and gives
// Neurite's outputs within 1e-4; train.py trains as Neurite did, in one process and under torchrun;
// bundles read back exactly, and damaged ones are refused with the file and the byte.
//
// Index (long, as it carries its own small data sets and models):
//   helpers        Python and torchrun runs, .npy files
//   [SECTION] A model around each layer type
//   [SECTION] Bundles           hand-made files, refusals
//   [SECTION] Training          a points classifier and its job; IDX, CIFAR-10, BMP writers
//   the tests:     export and verification; train.py against Neurite (data sets, optimisers,
//                  schedules, losses, early stopping, augmentation), and under torchrun (slow:
//                  tst_pytorch_export_slow); bundles
#include "datasets/DatasetCatalogue.h"
#include "engine/core/Error.h"
#include "engine/core/Rng.h"
#include "engine/export/Bundle.h"
#include "engine/export/PyTorchExport.h"
#include "engine/export/PyTorchVerify.h"
#include "engine/graph/Catalogue.h"
#include "engine/graph/ModelJson.h"
#include "engine/graph/ShapeInference.h"
#include "engine/run/TrainingJob.h"
#include "engine/tensorio/Safetensors.h"
#include "engine/train/Schedule.h"

#include <QDir>
#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <zlib.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>

using namespace neurite;
namespace fs = std::filesystem;

namespace {

const char* kPython = "/usr/bin/python3";

bool torchAvailable()
{
    static const bool available = [] {
        QProcess p;
        p.start(kPython, {"-c", "import torch, numpy"});
        return p.waitForFinished(120000) && p.exitStatus() == QProcess::NormalExit && p.exitCode() == 0;
    }();
    return available;
}

#define REQUIRE_TORCH()                                                                        \
    do {                                                                                       \
        if (!torchAvailable())                                                                 \
            QSKIP("needs /usr/bin/python3 with PyTorch and NumPy (Debian: python3-torch)");    \
    } while (0)

// The slow tests run where NEURITE_SLOW_TESTS is set: ctest's tst_pytorch_export_slow (label slow).
#define REQUIRE_SLOW_TESTS()                                                                   \
    do {                                                                                       \
        if (!qEnvironmentVariableIsSet("NEURITE_SLOW_TESTS"))                                  \
            QSKIP("slow: run by tst_pytorch_export_slow (ctest -L slow)");                     \
    } while (0)

// BatchNorm's running statistics away from 0 and 1, so that eval mode tests them.
void moveRunningStatistics(TrainedModel& model)
{
    for (auto& [name, t] : model.parameters)
        for (std::int64_t i = 0; i < t.numel(); ++i) {
            if (name.ends_with(".running_var"))
                t[i] = 0.5f + 0.1f * float(i % 5);
            else if (name.ends_with(".running_mean"))
                t[i] = 0.05f * float(i % 7) - 0.1f;
        }
}

struct Ran {
    int exitCode = -1;
    QString out, err;
};

// Runs a program to its end, or stops it after limitMs (SIGTERM first: torchrun passes it on to
// its workers).
Ran run(const QString& program, const QStringList& args, const QString& cwd, int limitMs = 120000)
{
    QProcess p;
    p.setWorkingDirectory(cwd);
    p.start(program, args);
    Ran r;
    if (!p.waitForFinished(limitMs)) {
        p.terminate();
        if (!p.waitForFinished(10000)) {
            p.kill();
            p.waitForFinished();
        }
        r.err = QString("%1 %2: stopped after %3 s").arg(program, args.join(' ')).arg(limitMs / 1000);
        return r;
    }
    r.exitCode = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    r.out = QString::fromUtf8(p.readAllStandardOutput());
    r.err = QString::fromUtf8(p.readAllStandardError());
    return r;
}

// A TCP port free now on the loopback, for torchrun's rendezvous (its --standalone port, 29400,
// would be shared with any other job on the machine).
int freePort()
{
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    const bool bound = fd >= 0 && bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
                       getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0;
    if (fd >= 0)
        close(fd);
    return bound ? ntohs(address.sin_port) : 29400;
}

// `python3 -m torch.distributed.run` (torchrun) with two processes on this machine, its logs in
// logs (else a folder of its own in /tmp, left behind). `--redirects 1 --tee 1`: PyTorch 1.13's
// launcher fails on Python 3.11 without them (Debian 12's pair); later PyTorch needs them not.
QStringList torchrunTwo(const std::string& logs)
{
    return {"-m", "torch.distributed.run", "--nnodes=1", "--nproc_per_node=2", "--master_addr=127.0.0.1",
            QString("--master_port=%1").arg(freePort()), "--redirects", "1", "--tee", "1",
            "--log_dir", QString::fromStdString(logs)};
}

QJsonObject readJson(const QString& path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return {};
    return QJsonDocument::fromJson(f.readAll()).object();
}

// A NumPy .npy file (format 1.0) of float32 values.
void writeNpy(const std::string& path, const std::vector<float>& values, const std::vector<std::int64_t>& shape)
{
    std::string dims;
    for (auto d : shape)
        dims += std::to_string(d) + ", ";
    std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + dims + "), }";
    header.append(63 - (10 + header.size()) % 64, ' ');
    header += '\n';
    std::ofstream out(path, std::ios::binary);
    out.write("\x93NUMPY\x01\x00", 8);
    const std::uint16_t length = std::uint16_t(header.size());
    out.write(reinterpret_cast<const char*>(&length), 2);
    out << header;
    out.write(reinterpret_cast<const char*>(values.data()), std::streamsize(values.size() * sizeof(float)));
}

// [SECTION] A model around each layer type ------------------------------------------------------------

// Input [2, 6, 6] → the layer (on the image, or after Flatten and Linear(8) where it needs a
// vector) → Flatten when still an image → Linear(3) → CrossEntropyLoss. A merge layer takes the
// tensor and its Tanh. A loss type ends Input → Flatten → Linear(4). Empty when it fits nowhere.
std::optional<ModelGraph> modelAround(const std::string& type, const nlohmann::json& attrs)
{
    const LayerSpec& spec = *Catalogue::instance().find(type);
    if (spec.role == LayerRole::Input)
        return std::nullopt;
    for (const bool onImage : {true, false}) {
        ModelGraph g;
        g.name = "around " + type;
        g.add("input", "Input", {{"shape", {2, 6, 6}}});
        std::string last = "input";
        if (!onImage || spec.role == LayerRole::Loss) {
            g.add("flatten0", "Flatten");
            g.add("fc0", "Linear", {{"out_features", spec.role == LayerRole::Loss ? 4 : 8}});
            g.connect("input", "flatten0");
            g.connect("flatten0", "fc0");
            last = "fc0";
        }
        if (spec.role == LayerRole::Loss) {
            g.add("loss", type, attrs);
            g.connect(last, "loss");
            return g;
        }
        g.add("layer", type, attrs);
        if (spec.inputs.size() == 2) {
            g.add("other", "Tanh");
            g.connect(last, "other");
            g.connect(last, "layer", spec.inputs[0]);
            g.connect("other", "layer", spec.inputs[1]);
        } else {
            g.connect(last, "layer");
        }
        const GraphAnalysis partial = analyse(g);
        const auto it = partial.nodes.find("layer");
        if (it == partial.nodes.end() || !it->second.shaped)
            continue;
        last = "layer";
        if (it->second.output.rank() > 1) {
            g.add("flatten", "Flatten");
            g.connect("layer", "flatten");
            last = "flatten";
        }
        g.add("fc", "Linear", {{"out_features", 3}});
        g.add("loss", "CrossEntropyLoss");
        g.connect(last, "fc");
        g.connect("fc", "loss");
        if (analyse(g).ok())
            return g;
    }
    return std::nullopt;
}

// Attributes away from the defaults, besides each type's defaults.
const std::vector<std::pair<std::string, nlohmann::json>> kVariants = {
    {"Linear", {{"bias", false}}},
    {"Conv2d", {{"out_channels", 4}, {"kernel_size", 3}, {"stride", 2}, {"padding", 1}, {"groups", 2}}},
    {"Conv2d", {{"out_channels", 3}, {"kernel_size", 2}, {"dilation", 2}, {"bias", false}}},
    {"MaxPool2d", {{"kernel_size", 3}, {"stride", 1}, {"padding", 1}}},
    {"AvgPool2d", {{"kernel_size", 3}, {"stride", 2}, {"padding", 1}}},
    {"BatchNorm2d", {{"momentum", 0.3}, {"eps", 1e-3}}},
    {"LayerNorm", {{"eps", 1e-3}}},
    {"Reshape", {{"shape", {8, 9}}}},
    {"LeakyReLU", {{"negative_slope", 0.2}}},
    {"ELU", {{"alpha", 0.5}}},
    {"Dropout", {{"p", 0.3}}},
    {"CrossEntropyLoss", {{"label_smoothing", 0.2}}},
};

// [SECTION] Bundles -----------------------------------------------------------------------------------

std::string fileBytes(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

void writeBytes(const std::string& path, const std::string& bytes)
{
    std::ofstream(path, std::ios::binary | std::ios::trunc).write(bytes.data(), std::streamsize(bytes.size()));
}

// The bundle's checksum, as Bundle.h defines it, for hand-made files.
std::string bundleChecksum(const std::string& model, const std::string& metadata, const std::string& origin,
                           const std::string& data)
{
    uLong crc = crc32(0, nullptr, 0);
    for (const auto* text : {&model, &metadata, &origin}) {
        crc = crc32(crc, reinterpret_cast<const Bytef*>(text->data()), uInt(text->size()));
        crc = crc32(crc, reinterpret_cast<const Bytef*>(""), 1);
    }
    crc = crc32(crc, reinterpret_cast<const Bytef*>(data.data()), uInt(data.size()));
    char hex[16];
    std::snprintf(hex, sizeof hex, "%08lx", static_cast<unsigned long>(crc));
    return std::string("crc32:") + hex;
}

QString refusal(const std::string& path)
{
    try {
        readBundle(path);
    } catch (const DataError& e) {
        return QString::fromStdString(e.what());
    } catch (const std::exception& e) {
        return "not a DataError: " + QString::fromStdString(e.what());
    }
    return {};
}

ModelGraph exampleModel(const std::string& name)
{
    return loadModel(std::string(NEURITE_SOURCE_DIR "/resources/models/") + name + ".json");
}

// [SECTION] Training ----------------------------------------------------------------------------------

// A small classifier of 2-D points.
ModelGraph pointsClassifier(const std::string& loss = "CrossEntropyLoss")
{
    ModelGraph g;
    g.name = "points";
    g.add("input", "Input", {{"shape", {2}}});
    g.add("fc1", "Linear", {{"out_features", 32}});
    g.add("act1", "Tanh");
    g.add("fc2", "Linear", {{"out_features", 16}});
    g.add("act2", "ReLU");
    g.add("fc3", "Linear", {{"out_features", 3}});
    g.add("loss", loss);
    g.connect("input", "fc1");
    g.connect("fc1", "act1");
    g.connect("act1", "fc2");
    g.connect("fc2", "act2");
    g.connect("act2", "fc3");
    g.connect("fc3", "loss");
    return g;
}

JobSpec pointsJob()
{
    JobSpec job;
    job.modelJson = modelToJson(pointsClassifier()).dump();
    job.data.spec = "spiral:samples=600,noise=0.1,classes=3";
    job.data.valSplit = 0.2;
    job.train.epochs = 3;
    job.train.batch = 32;
    job.train.lr = 0.01;
    job.train.optimizer.kind = "adamw";
    job.train.optimizer.weightDecay = 1e-3;
    job.train.schedule.kind = "cosine";
    job.train.schedule.warmupSteps = 5;
    job.train.clipNorm = 1.0;
    job.train.seed = 3;
    job.labelSmoothing = 0.05;
    job.threads = 1;
    job.recording.record = false;
    return job;
}

// Data sets of each kind Neurite reads from a path, small and random. A CSV file with quoted and
// padded cells, text labels (" cat" is "cat") and a few Windows line ends.
void writeCsv(const std::string& path, Rng& rng)
{
    std::ofstream csv(path);
    csv << "x,\"y, the second\", z ,kind\n";
    const char* names[] = {"eel", " cat", "dog"};
    for (int i = 0; i < 150; ++i)
        csv << rng.uniform(-3, 3) << "," << rng.uniform(0, 10) << ", " << rng.uniform(-1, 1) + float(i % 3) << ","
            << names[i % 3] << (i % 7 ? "\n" : "\r\n");
}

ModelGraph csvClassifier()
{
    ModelGraph g;
    g.name = "csv classifier";
    g.add("input", "Input", {{"shape", {3}}});
    g.add("fc1", "Linear", {{"out_features", 16}});
    g.add("act", "ReLU");
    g.add("fc", "Linear", {{"out_features", 3}});
    g.add("loss", "CrossEntropyLoss");
    g.connect("input", "fc1");
    g.connect("fc1", "act");
    g.connect("act", "fc");
    g.connect("fc", "loss");
    return g;
}

void writeBigEndian(std::ofstream& out, std::uint32_t v)
{
    const char b[4] = {char(v >> 24), char(v >> 16), char(v >> 8), char(v)};
    out.write(b, 4);
}

void writeIdx(const std::string& folder, const std::string& prefix, int count, Rng& rng)
{
    std::ofstream images(folder + "/" + prefix + "-images-idx3-ubyte", std::ios::binary);
    std::ofstream labels(folder + "/" + prefix + "-labels-idx1-ubyte", std::ios::binary);
    writeBigEndian(images, 0x803);
    for (std::uint32_t d : {std::uint32_t(count), 8u, 8u})
        writeBigEndian(images, d);
    writeBigEndian(labels, 0x801);
    writeBigEndian(labels, std::uint32_t(count));
    for (int i = 0; i < count; ++i) {
        labels.put(char(i % 4));
        for (int p = 0; p < 64; ++p)
            images.put(char(rng.below(256) / (1 + (i % 4))));
    }
}

void writeCifar(const std::string& path, int count, Rng& rng)
{
    std::ofstream out(path, std::ios::binary);
    for (int i = 0; i < count; ++i) {
        out.put(char(i % 10));
        for (int p = 0; p < 3072; ++p)
            out.put(char(rng.below(256)));
    }
}

// A 24-bit BMP of w × h pixels.
void writeBmp(const std::string& path, int w, int h, Rng& rng)
{
    const int row = (3 * w + 3) / 4 * 4;
    std::string bytes(std::size_t(54 + row * h), '\0');
    const auto put32 = [&](std::size_t at, std::uint32_t v) { std::memcpy(bytes.data() + at, &v, 4); };
    bytes[0] = 'B';
    bytes[1] = 'M';
    put32(2, std::uint32_t(bytes.size()));
    put32(10, 54);
    put32(14, 40);
    put32(18, std::uint32_t(w));
    put32(22, std::uint32_t(h));
    bytes[26] = 1;
    bytes[28] = 24;
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < 3 * w; ++x)
            bytes[std::size_t(54 + y * row + x)] = char(rng.below(256));
    writeBytes(path, bytes);
}

std::vector<EpochStats> trainInNeurite(const JobSpec& job, std::optional<EvalResult>* test = nullptr)
{
    TrainingJob training(job, nullptr);
    JobControl control;
    const JobOutcome outcome = training.run({}, control);
    if (test)
        *test = outcome.test;
    return outcome.result.epochs;
}

TrainedModel modelOf(const JobSpec& job)
{
    return initialisedModel(modelFromText(job.modelJson), job.train.seed);
}

} // namespace

class TestPyTorchExport : public QObject {
    Q_OBJECT
    QTemporaryDir dir;
    std::string at(const std::string& name) const { return dir.filePath(QString::fromStdString(name)).toStdString(); }

    void exportAndVerify(const TrainedModel& model, const std::string& folder)
    {
        const PyTorchExportResult written = exportPyTorch(model, nullptr, folder);
        for (const char* f : {"model.py", "model.safetensors", "load.py", "README.txt"}) {
            QVERIFY2(std::find(written.files.begin(), written.files.end(), f) != written.files.end(), f);
            QVERIFY(fs::is_regular_file(fs::path(folder) / f));
        }
        QVERIFY(!fs::exists(fs::path(folder) / "train.py"));  // no job, no training script
        const VerificationReport report = verifyPyTorch(model, folder);
        QVERIFY2(report.passed, report.message.c_str());
        QCOMPARE(report.runtime, std::string("PyTorch"));
        QVERIFY(!report.runtimeVersion.empty());
        QCOMPARE(report.outputs.size(), std::size_t(1));
        QVERIFY(report.outputs[0].maxRelative <= 1e-4);
        QVERIFY(!fs::exists(fs::path(folder) / "__pycache__"));  // the verification leaves the folder as written
        qInfo("%s: max |d| %.3g, mean |d| %.3g, max relative %.3g (PyTorch %s)", model.graph.name.c_str(),
              report.outputs[0].maxAbs, report.outputs[0].meanAbs, report.outputs[0].maxRelative,
              report.runtimeVersion.c_str());
    }

    // Trains `job` in Neurite and with the exported train.py in one process, and compares: every
    // epoch's training and validation loss, learning rate, the test loss. (QVERIFY returns from
    // here only: the caller's test fails all the same.)
    void trainsLikeNeurite(const JobSpec& job, const std::string& folder)
    {
        std::optional<EvalResult> neuriteTest;
        QElapsedTimer timer;
        timer.start();
        const auto ours = trainInNeurite(job, &neuriteTest);
        const qint64 neuriteMs = timer.restart();
        const PyTorchExportResult written = exportPyTorch(modelOf(job), &job, folder);
        const auto wrote = [&](const char* f) { return std::find(written.files.begin(), written.files.end(), f) != written.files.end(); };
        QVERIFY(wrote("train.py") && wrote("initial.safetensors"));
        QCOMPARE(wrote("data.safetensors"), job.data.spec.starts_with("spiral"));   // a synthetic set's samples
        const Ran r = run(kPython, {"train.py", "--out", "one", "--device", "cpu"}, QString::fromStdString(folder));
        QVERIFY2(r.exitCode == 0, qPrintable(r.out + r.err));
        qInfo("Neurite %lld ms; export and train.py %lld ms", neuriteMs, timer.elapsed());
        const QJsonObject metrics = readJson(QString::fromStdString(folder + "/one/metrics.json"));
        QCOMPARE(metrics["status"].toString(), QString("completed"));
        const QJsonArray epochs = metrics["epochs"].toArray();
        QCOMPARE(epochs.size(), int(ours.size()));
        for (int e = 0; e < epochs.size(); ++e) {
            const QJsonObject theirs = epochs[e].toObject();
            const double train = theirs["train_loss"].toDouble();
            qInfo("epoch %d: train loss Neurite %.7f PyTorch %.7f; lr %.7g %.7g", e + 1, ours[e].trainLoss, train,
                  ours[e].lr, theirs["lr"].toDouble());
            QVERIFY(std::abs(train - ours[e].trainLoss) <= 1e-4 * (1 + ours[e].trainLoss));
            QVERIFY(std::abs(theirs["lr"].toDouble() - ours[e].lr) <= 1e-12);
            QCOMPARE(theirs.contains("val_loss"), ours[e].hasValidation);
            if (ours[e].hasValidation) {
                const double v = theirs["val_loss"].toDouble();
                qInfo("         validation loss Neurite %.7f PyTorch %.7f", ours[e].validation.loss, v);
                QVERIFY(std::abs(v - ours[e].validation.loss) <= 1e-4 * (1 + ours[e].validation.loss));
                QVERIFY(std::abs(theirs["val_accuracy"].toDouble() - ours[e].validation.accuracy) <= 0.01);
            }
        }
        QCOMPARE(metrics.contains("test"), neuriteTest.has_value());
        if (neuriteTest) {
            const double test = metrics["test"].toObject()["loss"].toDouble();
            qInfo("test loss Neurite %.7f PyTorch %.7f", neuriteTest->loss, test);
            QVERIFY(std::abs(test - neuriteTest->loss) <= 1e-4 * (1 + neuriteTest->loss));
        }
        // The trained weights load strictly through load.py.
        const Ran loads = run(kPython, {"-c", "import load; load.load('one/trained.safetensors'); print('ok')"},
                              QString::fromStdString(folder));
        QVERIFY2(loads.exitCode == 0 && loads.out.trimmed() == "ok", qPrintable(loads.err));
    }

private slots:
    void initTestCase() { QVERIFY(dir.isValid()); }

    void parameterNames()
    {
        QCOMPARE(pytorchParameterName("fc1.weight"), std::string("fc1.weight"));
        QCOMPARE(pytorchParameterName("conv-1.running_mean"), std::string("conv_1.running_mean"));
        QCOMPARE(pytorchParameterName("2nd.bias"), std::string("n_2nd.bias"));
    }

    // [SECTION] Export and verification

    void exampleModels_data()
    {
        QTest::addColumn<QString>("file");
        const QDir models(NEURITE_SOURCE_DIR "/resources/models");
        const auto files = models.entryList({"*.json"}, QDir::Files, QDir::Name);
        QVERIFY(files.size() >= 6);
        for (const auto& f : files)
            QTest::newRow(qPrintable(f)) << models.filePath(f);
    }

    void exampleModels()
    {
        REQUIRE_TORCH();
        QFETCH(QString, file);
        TrainedModel model = initialisedModel(loadModel(file.toStdString()), 5);
        moveRunningStatistics(model);
        exportAndVerify(model, at("examples/" + QFileInfo(file).baseName().toStdString()));
    }

    void everyLayerType_data()
    {
        QTest::addColumn<QString>("type");
        QTest::addColumn<QString>("attrs");
        for (const auto& spec : Catalogue::instance().all()) {
            if (spec.role == LayerRole::Input)
                continue;  // in every model
            QTest::newRow(spec.type.c_str()) << QString::fromStdString(spec.type) << "{}";
            int n = 0;
            for (const auto& [type, attrs] : kVariants)
                if (type == spec.type)
                    QTest::newRow((spec.type + " " + std::to_string(++n)).c_str())
                        << QString::fromStdString(type) << QString::fromStdString(attrs.dump());
        }
    }

    void everyLayerType()
    {
        REQUIRE_TORCH();
        QFETCH(QString, type);
        QFETCH(QString, attrs);
        const auto graph = modelAround(type.toStdString(), nlohmann::json::parse(attrs.toStdString()));
        QVERIFY2(graph, qPrintable("no small model fits " + type + ": add a case to modelAround()"));
        TrainedModel model = initialisedModel(*graph, 11);
        moveRunningStatistics(model);
        exportAndVerify(model, at("layers/" + QString("%1-%2").arg(type).arg(qHash(attrs)).toStdString()));
    }

    void nodeIdsThatAreNotPython()
    {
        REQUIRE_TORCH();
        ModelGraph g;
        g.name = "odd ids";
        g.add("in", "Input", {{"shape", {1, 5, 5}}});
        g.add("conv-1", "Conv2d", {{"out_channels", 2}});
        g.add("bn.1", "BatchNorm2d");
        g.add("flat", "Flatten");
        g.add("class", "Linear", {{"out_features", 3}});
        g.add("loss", "CrossEntropyLoss");
        g.connect("in", "conv-1");
        g.connect("conv-1", "bn.1");
        g.connect("bn.1", "flat");
        g.connect("flat", "class");
        g.connect("class", "loss");
        TrainedModel model = initialisedModel(g, 2);
        moveRunningStatistics(model);
        exportAndVerify(model, at("odd-ids"));
        const std::string bytes = fileBytes(at("odd-ids/model.safetensors"));
        std::uint64_t length;
        std::memcpy(&length, bytes.data(), 8);
        const auto header = nlohmann::json::parse(bytes.substr(8, length));
        const auto names = nlohmann::json::parse(header["__metadata__"]["neurite_names"].get<std::string>());
        QCOMPARE(names.at("conv_1.weight").get<std::string>(), std::string("conv-1.weight"));
        QCOMPARE(names.at("bn_1.running_var").get<std::string>(), std::string("bn.1.running_var"));
        QCOMPARE(names.at("class_.weight").get<std::string>(), std::string("class.weight"));
        QCOMPARE(header["bn_1.num_batches_tracked"]["dtype"].get<std::string>(), std::string("I64"));
    }

    void loadPyPredicts()
    {
        REQUIRE_TORCH();
        const TrainedModel model = initialisedModel(exampleModel("mlp"), 4);
        const std::string folder = at("predict");
        exportPyTorch(model, nullptr, folder);
        writeNpy(at("predict-x.npy"), verificationInputs(model, 3), {3, 1, 28, 28});
        const Ran r = run(kPython, {"load.py", QString::fromStdString(at("predict-x.npy")), "--top", "2"},
                          QString::fromStdString(folder));
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        const QStringList lines = r.out.trimmed().split('\n');
        QCOMPARE(lines.size(), 3);
        QVERIFY2(lines[0].startsWith("0: ") && lines[0].count('(') == 2, qPrintable(r.out));
        // One sample without its batch dimension; a wrong shape is refused with a message.
        writeNpy(at("predict-one.npy"), std::vector<float>(784, 0.5f), {1, 28, 28});
        QCOMPARE(run(kPython, {"load.py", QString::fromStdString(at("predict-one.npy"))}, QString::fromStdString(folder))
                     .out.trimmed().split('\n').size(), 1);
        writeNpy(at("predict-bad.npy"), std::vector<float>(10, 0.5f), {10});
        const Ran bad = run(kPython, {"load.py", QString::fromStdString(at("predict-bad.npy"))}, QString::fromStdString(folder));
        QVERIFY(bad.exitCode != 0);
        QVERIFY2(bad.err.contains("this model takes [N, 1, 28, 28]"), qPrintable(bad.err));
    }

    void verificationFindsWrongWeights()
    {
        REQUIRE_TORCH();
        const TrainedModel model = initialisedModel(exampleModel("cnn"), 1);
        const std::string folder = at("wrong");
        exportPyTorch(model, nullptr, folder);
        const TrainedModel other = initialisedModel(exampleModel("cnn"), 2);   // other weights
        const VerificationReport differs = verifyPyTorch(other, folder);
        QVERIFY(!differs.passed);
        QVERIFY2(differs.message.find("differ") != std::string::npos, differs.message.c_str());
        QVERIFY(differs.outputs.at(0).maxRelative > 1e-4);

        // A state_dict short of a tensor fails the strict load, and the report says so.
        const TrainedModel shortOne = initialisedModel(exampleModel("cnn-batchnorm"), 1);
        exportPyTorch(shortOne, nullptr, at("short"));
        std::vector<std::pair<std::string, const Tensor*>> kept;
        for (const auto& [name, t] : shortOne.parameters)
            if (name != "fc1.weight")
                kept.emplace_back(name, &t);
        writeSafetensors(at("short/model.safetensors"), kept);
        const VerificationReport strict = verifyPyTorch(shortOne, at("short"));
        QVERIFY(!strict.passed);
        QVERIFY2(strict.message.find("Missing key(s) in state_dict: \"fc1.weight\"") != std::string::npos,
                 strict.message.c_str());
    }

    void verificationWithoutPyTorch()
    {
        const TrainedModel model = initialisedModel(exampleModel("mlp"), 1);
        exportPyTorch(model, nullptr, at("no-torch"));
        const QByteArray before = qgetenv("NEURITE_PYTHON");
        qputenv("NEURITE_PYTHON", "/nonexistent/python3");
        const VerificationReport none = verifyPyTorch(model, at("no-torch"));
        QVERIFY(!none.passed);
        QVERIFY2(none.message.find("no Python at /nonexistent/python3") != std::string::npos, none.message.c_str());
        // A Python without its site packages has no PyTorch.
        const std::string bare = at("bare-python");
        std::ofstream(bare) << "#!/bin/sh\nexec " << kPython << " -S -I \"$@\"\n";
        fs::permissions(bare, fs::perms::owner_all);
        qputenv("NEURITE_PYTHON", QByteArray::fromStdString(bare));
        const VerificationReport noTorch = verifyPyTorch(model, at("no-torch"));
        QVERIFY(!noTorch.passed);
        QVERIFY2(noTorch.message.find("is not installed") != std::string::npos, noTorch.message.c_str());
        const VerificationReport noFolder = verifyPyTorch(model, at("nothing-here"));
        QVERIFY(!noFolder.passed);
        QVERIFY2(noFolder.message.find("no load.py") != std::string::npos, noFolder.message.c_str());
        if (before.isEmpty())
            qunsetenv("NEURITE_PYTHON");
        else
            qputenv("NEURITE_PYTHON", before);
    }

    // [SECTION] train.py

    void trainLikeNeurite_data()
    {
        QTest::addColumn<QString>("optimizer");
        QTest::addColumn<QString>("schedule");
        QTest::addColumn<QString>("loss");
        QTest::addColumn<double>("validation");
        QTest::newRow("adamw cosine cross-entropy") << "adamw" << "cosine" << "CrossEntropyLoss" << 0.2;
        QTest::newRow("sgd nesterov step mse") << "sgd" << "step" << "MSELoss" << 0.2;
        QTest::newRow("rmsprop onecycle bce") << "rmsprop" << "onecycle" << "BCEWithLogitsLoss" << 0.25;
        QTest::newRow("adam exponential, no validation") << "adam" << "exponential" << "CrossEntropyLoss" << 0.0;
    }

    // The same data, split, initial weights, batches, optimiser and schedule: the same losses as
    // Neurite's, up to the order of floating-point sums.
    void trainLikeNeurite()
    {
        REQUIRE_TORCH();
        QFETCH(QString, optimizer);
        QFETCH(QString, schedule);
        QFETCH(QString, loss);
        QFETCH(double, validation);
        JobSpec job = pointsJob();
        job.modelJson = modelToJson(pointsClassifier(loss.toStdString())).dump();
        job.data.valSplit = validation;
        OptimizerConfig& o = job.train.optimizer;
        o.kind = optimizer.toStdString();
        o.momentum = o.kind == "sgd" ? 0.9 : o.kind == "rmsprop" ? 0.5 : 0.0;
        o.nesterov = o.kind == "sgd";
        o.alpha = 0.9;
        job.train.lr = o.kind == "sgd" ? 0.05 : 0.01;
        job.train.schedule = {schedule.toStdString(), 0.5, 1, schedule == "cosine" ? 5 : 0};
        trainsLikeNeurite(job, at("points-" + std::to_string(qHash(QString(QTest::currentDataTag())))));
    }

    // Early stopping as Neurite: no improvement by min_delta for `patience` epochs stops the run,
    // and the best epoch's weights come back (the test loss is theirs).
    void earlyStoppingLikeNeurite()
    {
        REQUIRE_TORCH();
        JobSpec job = pointsJob();
        job.train.epochs = 5;
        job.train.patience = 1;
        job.train.minDelta = 0.5;   // only the first epoch improves by that much
        std::optional<EvalResult> neuriteTest;
        const auto ours = trainInNeurite(job, &neuriteTest);
        QCOMPARE(ours.size(), std::size_t(2));
        const std::string folder = at("early");
        exportPyTorch(modelOf(job), &job, folder);
        const Ran r = run(kPython, {"train.py", "--out", "out"}, QString::fromStdString(folder));
        QVERIFY2(r.exitCode == 0, qPrintable(r.out + r.err));
        QVERIFY2(r.out.contains("no improvement for 1 epoch(s); best was epoch 1"), qPrintable(r.out));
        const QJsonObject metrics = readJson(QString::fromStdString(folder + "/out/metrics.json"));
        QCOMPARE(metrics["status"].toString(), QString("early-stopped"));
        QCOMPARE(metrics["epochs"].toArray().size(), 2);
        QVERIFY(neuriteTest);
        const double test = metrics["test"].toObject()["loss"].toDouble();
        qInfo("test loss after restoring epoch 1: Neurite %.7f PyTorch %.7f", neuriteTest->loss, test);
        QVERIFY(std::abs(test - neuriteTest->loss) <= 1e-4 * (1 + neuriteTest->loss));
    }

    // Every kind of data set Neurite reads from a path: train.py reads it the same way (class
    // names, normalisation, test part) and trains as Neurite does.
    void dataSetsLikeNeurite_data()
    {
        QTest::addColumn<QString>("kind");
        for (const char* kind : {"csv", "cifar10", "idx", "image-folder"})
            QTest::newRow(kind) << kind;
    }

    void dataSetsLikeNeurite()
    {
        REQUIRE_TORCH();
        QFETCH(QString, kind);
        const std::string root = at("data-" + kind.toStdString());
        fs::create_directories(root);
        Rng rng(17);
        ModelGraph g;
        g.name = "data " + kind.toStdString();
        std::string spec = root;
        if (kind == "csv") {
            spec = root + "/points.csv";
            writeCsv(spec, rng);
            g = csvClassifier();
        } else {
            std::vector<std::int64_t> shape = {3, 32, 32};
            if (kind == "cifar10") {
                writeCifar(root + "/data_batch_1.bin", 100, rng);
                writeCifar(root + "/test_batch.bin", 30, rng);
                std::ofstream(root + "/batches.meta.txt") << "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\n";
            } else if (kind == "idx") {
                writeIdx(root, "train", 120, rng);
                writeIdx(root, "t10k", 30, rng);
                shape = {1, 8, 8};
            } else {
                for (const char* part : {"train", "test"})
                    for (const char* label : {"ant", "bee", "cow"})
                        for (int i = 0; i < (part[1] == 'r' ? 30 : 6); ++i) {
                            fs::create_directories(root + "/" + part + "/" + label);
                            writeBmp(root + "/" + part + "/" + label + "/" + std::to_string(i) + ".bmp", 6, 5, rng);
                        }
                shape = {3, 5, 6};
            }
            g.add("input", "Input", {{"shape", shape}});
            // No bias before BatchNorm: its gradient is zero but for rounding, which Adam would
            // scale up to steps of the learning rate, in directions of each engine's rounding.
            g.add("conv", "Conv2d", {{"out_channels", 4}, {"padding", 1}, {"bias", false}});
            g.add("bn", "BatchNorm2d");
            g.add("act", "ReLU");
            g.add("pool", "MaxPool2d");
            g.add("flat", "Flatten");
            g.add("fc", "Linear", {{"out_features", 10}});
            g.connect("input", "conv");
            g.connect("conv", "bn");
            g.connect("bn", "act");
            g.connect("act", "pool");
            g.connect("pool", "flat");
            g.connect("flat", "fc");
        }
        if (kind != "csv") {
            g.add("loss", "CrossEntropyLoss");
            g.connect("fc", "loss");
        }
        JobSpec job;
        job.modelJson = modelToJson(g).dump();
        job.data.spec = spec;
        job.data.valSplit = 0.2;
        job.train.epochs = 2;
        job.train.batch = 16;
        job.train.lr = 0.005;
        job.train.seed = 5;
        job.threads = 1;
        job.recording.record = false;
        const std::string folder = at("trained-" + kind.toStdString());
        if (kind == "image-folder" && run(kPython, {"-c", "import PIL"}, ".").exitCode != 0) {
            // Without Pillow, train.py refuses an image folder, and says why.
            exportPyTorch(modelOf(job), &job, folder);
            const Ran r = run(kPython, {"train.py"}, QString::fromStdString(folder));
            QVERIFY(r.exitCode != 0);
            QVERIFY2(r.err.contains("needs Pillow"), qPrintable(r.err));
            QSKIP("trained only where Pillow is installed (python3-pil); the refusal without it is tested");
        }
        trainsLikeNeurite(job, folder);
    }

    // A data set that is not where the job said at export: train.py says so, and given its place
    // with --data, computes the normalisation as Neurite does (the export could not).
    void dataSetMovedAway()
    {
        REQUIRE_TORCH();
        const std::string root = at("moved");
        fs::create_directories(root);
        Rng rng(23);
        writeCsv(root + "/real.csv", rng);
        JobSpec job;
        job.modelJson = modelToJson(csvClassifier()).dump();
        job.data.spec = root + "/real.csv";
        job.train.epochs = 2;
        job.train.batch = 16;
        job.train.lr = 0.01;
        job.recording.record = false;
        const auto ours = trainInNeurite(job);
        job.data.spec = root + "/gone.csv";
        const std::string folder = root + "/export";
        exportPyTorch(modelOf(job), &job, folder);
        const Ran missing = run(kPython, {"train.py"}, QString::fromStdString(folder));
        QVERIFY(missing.exitCode != 0);
        QVERIFY2(missing.err.contains("is not at " + QString::fromStdString(root) + "/gone.csv; give its place with --data"),
                 qPrintable(missing.err));
        const Ran r = run(kPython, {"train.py", "--data", QString::fromStdString(root + "/real.csv"), "--out", "o"},
                          QString::fromStdString(folder));
        QVERIFY2(r.exitCode == 0, qPrintable(r.out + r.err));
        const QJsonArray epochs = readJson(QString::fromStdString(folder + "/o/metrics.json"))["epochs"].toArray();
        QCOMPARE(epochs.size(), 2);
        for (int e = 0; e < 2; ++e) {
            const double theirs = epochs[e].toObject()["train_loss"].toDouble();
            qInfo("epoch %d: train loss Neurite %.7f PyTorch %.7f", e + 1, ours[std::size_t(e)].trainLoss, theirs);
            QVERIFY(std::abs(theirs - ours[std::size_t(e)].trainLoss) <= 1e-4 * (1 + theirs));
        }
    }

    // Random crops (padding with the byte 0) and mirroring, batch by batch in train.py, are Neurite's
    // Batcher's, sample by sample (datasets/Batcher.cpp: fill), for the same draws.
    void augmentationAsNeurite()
    {
        REQUIRE_TORCH();
        const JobSpec job = pointsJob();
        const std::string folder = at("augment");
        exportPyTorch(modelOf(job), &job, folder);
        const Ran r = run(kPython, {"-c", R"(
import torch, train
n, c, h, w, pad = 16, 3, 5, 7, 2
g = torch.Generator().manual_seed(4)
part = train.Part(torch.randint(0, 256, (n, c, h, w), dtype=torch.uint8, generator=g), torch.zeros(n, dtype=torch.int64), None)
mean, std = [0.1, 0.2, 0.3], [0.5, 0.6, 0.7]
batches = train.Batches(part, {"images": True, "mean": mean, "std": std}, torch.device("cpu"))
g.manual_seed(9)
x, _ = batches.make(list(range(n)), pad, True, g)
g.manual_seed(9)
dy = torch.randint(-pad, pad + 1, (n,), generator=g)
dx = torch.randint(-pad, pad + 1, (n,), generator=g)
flip = torch.rand(n, generator=g) < 0.5
worst = 0.0
for s in range(n):
    for ch in range(c):
        m, d = torch.tensor(mean[ch]), torch.tensor(std[ch])
        for y in range(h):
            for xx in range(w):
                sy, sx = y + int(dy[s]), (w - 1 - xx if flip[s] else xx) + int(dx[s])
                v = int(part.x[s, ch, sy, sx]) if 0 <= sy < h and 0 <= sx < w else 0
                ours = torch.tensor(float(v)) * (1.0 / (255.0 * d)) + (-m / d)
                worst = max(worst, abs(float(x[s, ch, y, xx]) - float(ours)))
print(worst, int(flip.sum()), int((dy != 0).sum()), int((dx != 0).sum()))
)"}, QString::fromStdString(folder));
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        const QStringList figures = r.out.trimmed().split(' ');
        QCOMPARE(figures.size(), 4);
        QCOMPARE(figures[0].toDouble(), 0.0);
        for (int i = 1; i < 4; ++i)   // the draws did flip and shift
            QVERIFY2(figures[i].toInt() > 0 && figures[i].toInt() < 16, qPrintable(r.out));
    }

    // train.py's learning_rate() is Schedule::lr, for every kind, with and without warm-up, past
    // the last step too.
    void scheduleFormulas()
    {
        REQUIRE_TORCH();
        const JobSpec job = pointsJob();
        const std::string folder = at("schedules");
        exportPyTorch(modelOf(job), &job, folder);
        const char* kinds[] = {"constant", "step", "exponential", "cosine", "onecycle"};
        const Ran r = run(kPython, {"-c", R"(
import json, train
out = []
for kind in ["constant", "step", "exponential", "cosine", "onecycle"]:
    for warmup in [0, 7]:
        train.SETTINGS["schedule"] = {"kind": kind, "gamma": 0.5, "step_epochs": 2, "warmup_steps": warmup}
        out.append([train.learning_rate(step, 10, 55, 0.1) for step in range(60)])
print(json.dumps(out))
)"}, QString::fromStdString(folder));
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        const auto theirs = nlohmann::json::parse(r.out.toStdString());
        int row = 0;
        for (const char* kind : kinds)
            for (const int warmup : {0, 7}) {
                const Schedule schedule({kind, 0.5, 2, warmup}, 0.1, 10, 55);
                for (int step = 0; step < 60; ++step) {
                    const double ours = schedule.lr(step), python = theirs[row][step].get<double>();
                    QVERIFY2(std::abs(ours - python) <= 1e-15 + 1e-12 * ours,
                             qPrintable(QString("%1, warm-up %2, step %3: Neurite %4, train.py %5")
                                            .arg(kind).arg(warmup).arg(step).arg(ours).arg(python)));
                }
                ++row;
            }
    }

    void trainFashionSubset()
    {
        REQUIRE_SLOW_TESTS();
        REQUIRE_TORCH();
        bool found = false;
        for (const auto& d : knownDatasets())
            found |= d.name == "fashion-mnist" && d.available;
        if (!found)
            QSKIP("needs Fashion-MNIST (Debian: dataset-fashion-mnist)");
        JobSpec job;
        job.modelJson = modelToJson(exampleModel("cnn-batchnorm")).dump();
        job.data.spec = "fashion-mnist";
        job.data.augmentCrop = 2;
        job.data.augmentFlip = true;
        job.train.epochs = 4;
        job.train.batch = 64;
        job.train.optimizer.kind = "sgd";
        job.train.optimizer.momentum = 0.9;
        job.train.optimizer.nesterov = true;
        job.train.schedule.kind = "onecycle";
        job.train.patience = 1;
        job.recording.record = false;
        const std::string folder = at("fashion");
        exportPyTorch(modelOf(job), &job, folder);
        QVERIFY(!fs::exists(fs::path(folder) / "data.safetensors"));  // read from where Neurite read it
        const Ran r = run(kPython, {"train.py", "--epochs", "1", "--limit", "300", "--out", "quick", "--log-every", "2"},
                          QString::fromStdString(folder));
        QVERIFY2(r.exitCode == 0, qPrintable(r.out + r.err));
        QVERIFY2(r.out.contains("270 training, 30 validation, 300 test samples"), qPrintable(r.out));
        QVERIFY2(r.out.contains("step 4: loss"), qPrintable(r.out));
        const QJsonObject metrics = readJson(QString::fromStdString(folder + "/quick/metrics.json"));
        QCOMPARE(metrics["steps"].toInt(), 5);   // ⌈270 / 64⌉
        QVERIFY(std::isfinite(metrics["epochs"].toArray()[0].toObject()["train_loss"].toDouble()));
        QCOMPARE(metrics["test"].toObject()["samples"].toInt(), 300);
        QVERIFY(fs::is_regular_file(fs::path(folder) / "quick/checkpoint.pt"));
        // Resuming after the last epoch trains no further and keeps the step count.
        const Ran again = run(kPython, {"train.py", "--epochs", "1", "--limit", "300", "--out", "quick", "--resume",
                                        "quick/checkpoint.pt"}, QString::fromStdString(folder));
        QVERIFY2(again.exitCode == 0, qPrintable(again.out + again.err));
        QCOMPARE(readJson(QString::fromStdString(folder + "/quick/metrics.json"))["steps"].toInt(), 5);
    }

    // Two processes under torchrun (gloo on the CPU) take the batches one process takes, each its
    // half: the same losses as one process.
    void trainUnderTorchrun()
    {
        REQUIRE_SLOW_TESTS();
        REQUIRE_TORCH();
        JobSpec job = pointsJob();
        job.train.epochs = 2;
        const std::string folder = at("ddp");
        exportPyTorch(modelOf(job), &job, folder);
        const Ran one = run(kPython, {"train.py", "--out", "one"}, QString::fromStdString(folder));
        QVERIFY2(one.exitCode == 0, qPrintable(one.out + one.err));
        const Ran two = run(kPython, torchrunTwo(folder + "/logs") + QStringList{"train.py", "--out", "two"}, QString::fromStdString(folder));
        QVERIFY2(two.exitCode == 0, qPrintable(two.out + two.err));
        QVERIFY2(two.out.contains("2 process(es) on cpu (gloo)"), qPrintable(two.out));
        const QJsonArray a = readJson(QString::fromStdString(folder + "/one/metrics.json"))["epochs"].toArray();
        const QJsonArray b = readJson(QString::fromStdString(folder + "/two/metrics.json"))["epochs"].toArray();
        QCOMPARE(a.size(), 2);
        QCOMPARE(b.size(), 2);
        for (int e = 0; e < 2; ++e)
            for (const char* key : {"train_loss", "val_loss"}) {
                const double x = a[e].toObject()[key].toDouble(), y = b[e].toObject()[key].toDouble();
                qInfo("epoch %d %s: one process %.7f, two %.7f", e + 1, key, x, y);
                QVERIFY(std::abs(x - y) <= 1e-5 * (1 + x));
            }
        // PyTorch's DistributedSampler instead of Neurite's order.
        const Ran sampler = run(kPython,
                                torchrunTwo(folder + "/logs") + QStringList{"train.py", "--out", "torch-sampler", "--sampler", "torch", "--epochs", "1"},
                                QString::fromStdString(folder));
        QVERIFY2(sampler.exitCode == 0, qPrintable(sampler.out + sampler.err));
    }

    // [SECTION] Bundles

    void bundleRoundTrip_data()
    {
        QTest::addColumn<QString>("name");
        for (const char* m : {"mlp", "cnn", "lenet5", "cnn-batchnorm", "resnet-small", "autoencoder"})
            QTest::newRow(m) << m;
    }

    void bundleRoundTrip()
    {
        QFETCH(QString, name);
        TrainedModel model = initialisedModel(exampleModel(name.toStdString()), 9);
        moveRunningStatistics(model);
        model.origin = "run 12, checkpoint 40 (epoch 10)";
        const nlohmann::json metadata = {{"run", 12}, {"job", {{"train", {{"lr", 0.001}}}}}, {"note", "ünïcödé"}};
        const std::string path = at(name.toStdString() + ".neurite");
        writeBundle(model, metadata, path);
        QVERIFY(!fs::exists(path + ".part"));
        const Bundle back = readBundle(path);
        QCOMPARE(modelToJson(back.model.graph).dump(), modelToJson(model.graph).dump());
        QCOMPARE(back.metadata, metadata);
        QCOMPARE(back.model.origin, model.origin);
        QCOMPARE(back.model.parameters.size(), model.parameters.size());
        for (const auto& [n, t] : model.parameters) {
            const Tensor& u = back.model.parameters.at(n);
            QCOMPARE(u.shape().dims(), t.shape().dims());
            QVERIFY(std::memcmp(u.data(), t.data(), std::size_t(t.numel()) * sizeof(float)) == 0);
        }
        const auto inputs = verificationInputs(model, 4);
        QVERIFY(referenceOutputs(back.model, inputs, 4) == referenceOutputs(model, inputs, 4));
        // Any safetensors reader reads it: Neurite's own.
        QCOMPARE(readSafetensors(path).size(), model.parameters.size());
    }

    void bundleRefusesDamage()
    {
        // A small model (Conv2d, BatchNorm2d with its running statistics, Linear), so that every
        // byte of the file can be cut at and changed.
        ModelGraph g;
        g.name = "small";
        g.add("input", "Input", {{"shape", {1, 4, 4}}});
        g.add("conv", "Conv2d", {{"out_channels", 2}});
        g.add("bn", "BatchNorm2d");
        g.add("flat", "Flatten");
        g.add("fc1", "Linear", {{"out_features", 3}});
        g.add("loss", "CrossEntropyLoss");
        g.connect("input", "conv");
        g.connect("conv", "bn");
        g.connect("bn", "flat");
        g.connect("flat", "fc1");
        g.connect("fc1", "loss");
        TrainedModel model = initialisedModel(g, 3);
        const std::string path = at("good.neurite");
        writeBundle(model, {{"run", 1}}, path);
        const std::string good = fileBytes(path);
        std::uint64_t headerLength;
        std::memcpy(&headerLength, good.data(), 8);
        const std::string bad = at("bad.neurite");

        // Truncated anywhere: in the length, the header, the data; each refused, naming the file.
        for (std::size_t cut = 0; cut < good.size(); ++cut) {
            writeBytes(bad, good.substr(0, cut));
            const QString why = refusal(bad);
            QVERIFY2(why.startsWith(QString::fromStdString(bad)) && !why.contains("not a DataError"),
                     qPrintable(QString("cut at %1: %2").arg(cut).arg(why.isEmpty() ? "accepted" : why)));
        }
        writeBytes(bad, good.substr(0, good.size() - 5));
        QVERIFY2(refusal(bad).contains("truncated"), qPrintable(refusal(bad)));
        QVERIFY2(refusal(bad).contains(" at byte "), qPrintable(refusal(bad)));
        writeBytes(bad, good.substr(0, 100));
        QVERIFY2(refusal(bad).contains("at byte 0: the header length"), qPrintable(refusal(bad)));

        // Any byte changed, in two ways (a low bit: a digit stays a digit): refused.
        for (std::size_t pos = 0; pos < good.size(); ++pos)
            for (const char change : {char(0x01), char(0x24)}) {
                std::string damaged = good;
                damaged[pos] = char(damaged[pos] ^ change);
                writeBytes(bad, damaged);
                const QString why = refusal(bad);
                QVERIFY2(!why.isEmpty() && !why.contains("not a DataError"),
                         qPrintable(QString("byte %1 changed: %2").arg(pos).arg(why.isEmpty() ? "accepted" : why)));
            }
        std::string flipped = good;
        flipped[good.size() - 3] ^= 0x01;
        writeBytes(bad, flipped);
        QVERIFY2(refusal(bad).contains("checksum does not match"), qPrintable(refusal(bad)));
        writeBytes(bad, good + "extra");
        QVERIFY2(refusal(bad).contains("5 bytes follow the last tensor"), qPrintable(refusal(bad)));

        // Not a bundle: empty, missing, text, a plain safetensors file.
        writeBytes(bad, "");
        QVERIFY2(refusal(bad).contains("ends inside the 8-byte header length"), qPrintable(refusal(bad)));
        QVERIFY2(refusal(at("missing.neurite")).contains("no such file"), qPrintable(refusal(at("missing.neurite"))));
        writeBytes(bad, "{\"format\": \"neurite-model\"}\n");
        QVERIFY(!refusal(bad).isEmpty());
        const Tensor t(Shape{2}, 1.0f);
        writeSafetensors(bad, {{"x", &t}});
        QVERIFY2(refusal(bad).contains("not a Neurite bundle"), qPrintable(refusal(bad)));

        // Well-formed files that still do not hold a usable model: a newer format, weights of
        // another shape than the model needs, a tensor the model does not have.
        const std::string modelText = modelToJson(model.graph).dump();
        const auto handMade = [&](const std::string& version, const std::map<std::string, Tensor>& tensors) {
            std::vector<std::pair<std::string, const Tensor*>> list;
            std::string data;
            for (const auto& [n, v] : tensors) {
                list.emplace_back(n, &v);
                data.append(reinterpret_cast<const char*>(v.data()), std::size_t(v.numel()) * sizeof(float));
            }
            writeSafetensors(bad, list, {{"format", "neurite-bundle"}, {"format_version", version}, {"model", modelText},
                                         {"metadata", "{}"}, {"origin", "hand-made"},
                                         {"checksum", bundleChecksum(modelText, "{}", "hand-made", data)}});
        };
        handMade("2", model.parameters);
        QVERIFY2(refusal(bad).contains("from a newer Neurite"), qPrintable(refusal(bad)));
        handMade("1", model.parameters);
        QCOMPARE(refusal(bad), QString());  // the hand-made file is right: what follows changes one thing
        std::map<std::string, Tensor> reshaped;
        for (const auto& [n, v] : model.parameters) {
            Tensor copy(n == "fc1.weight" ? Shape{v.numel()} : v.shape());
            std::copy_n(v.data(), v.numel(), copy.data());
            reshaped.emplace(n, std::move(copy));
        }
        handMade("1", reshaped);
        QVERIFY2(refusal(bad).contains("tensor 'fc1.weight' is"), qPrintable(refusal(bad)));
        reshaped.erase("fc1.weight");
        handMade("1", reshaped);
        QVERIFY2(refusal(bad).contains("no tensor 'fc1.weight'"), qPrintable(refusal(bad)));
        reshaped.emplace("extra.weight", Tensor(Shape{3}));
        handMade("1", reshaped);
        QVERIFY(!refusal(bad).isEmpty());

        // A model without all its weights is not written.
        TrainedModel missing = initialisedModel(model.graph, 3);
        missing.parameters.erase("fc1.weight");
        QVERIFY_THROWS_EXCEPTION(Error, writeBundle(missing, {}, at("never.neurite")));
        QVERIFY(!fs::exists(at("never.neurite")));
    }
};

QTEST_GUILESS_MAIN(TestPyTorchExport)
#include "tst_pytorch_export.moc"
