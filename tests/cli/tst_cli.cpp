// The neurite program as a person uses it: real processes, exit codes and messages.
#include "engine/tensorio/Safetensors.h"
#include "engine/store/RunStore.h"

#include <QElapsedTimer>
#include <QThread>
#include <QProcess>
#include <QRandomGenerator>
#include <QTemporaryDir>
#include <QtTest>

#include <csignal>

namespace {

struct Run {
    int code = -1;
    QString out, err;
};

// Every neurite started here records into a scratch data folder, never the user's workspace.
QProcessEnvironment scratchEnvironment()
{
    static QTemporaryDir home;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert("XDG_DATA_HOME", home.path());
    return env;
}

Run runCli(const QStringList& args, int timeoutMs = 120000)
{
    QProcess p;
    p.setProcessEnvironment(scratchEnvironment());
    p.start(NEURITE_CLI, args);
    if (!p.waitForFinished(timeoutMs)) {
        p.kill();
        p.waitForFinished();
    }
    return {p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1, QString::fromUtf8(p.readAllStandardOutput()),
            QString::fromUtf8(p.readAllStandardError())};
}

const QString kModels = NEURITE_SOURCE_DIR "/resources/models/";

// A small classifier of 2-D points that trains in a few seconds.
const QByteArray kPointModel = R"({"version": 1, "input": [2], "layers": [
    {"type": "Linear", "out_features": 64}, {"type": "ReLU"}, {"type": "Dropout", "p": 0.1},
    {"type": "Linear", "out_features": 64}, {"type": "ReLU"},
    {"type": "Linear", "out_features": 3}, {"type": "CrossEntropyLoss"}]})";

// Starts neurite and waits until its output shows `marker` (or it ends); returns the process.
std::unique_ptr<QProcess> startUntil(const QStringList& args, const QString& marker, int timeoutMs = 60000)
{
    auto p = std::make_unique<QProcess>();
    p->setProcessEnvironment(scratchEnvironment());
    p->setProcessChannelMode(QProcess::MergedChannels);
    p->start(NEURITE_CLI, args);
    p->waitForStarted();
    QElapsedTimer clock;
    clock.start();
    QByteArray seen;
    while (clock.elapsed() < timeoutMs && p->state() == QProcess::Running) {
        p->waitForReadyRead(100);
        seen += p->readAll();
        if (seen.contains(marker.toUtf8()))
            break;
    }
    return p;
}

void killHard(QProcess& p)
{
    ::kill(pid_t(p.processId()), SIGKILL);
    p.waitForFinished();
}

std::map<std::string, std::vector<float>> weightsIn(const QString& file)
{
    std::map<std::string, std::vector<float>> out;
    for (const auto& [name, t] : neurite::readSafetensors(file.toStdString()))
        out[name].assign(t.data(), t.data() + t.numel());
    return out;
}

} // namespace

class TestCli : public QObject {
    Q_OBJECT
    QTemporaryDir dir;
    QString at(const QString& name) const { return dir.filePath(name); }
    void write(const QString& name, const QByteArray& text) const
    {
        QFile f(at(name));
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(text);
    }

private slots:
    void versionAndHelp()
    {
        const Run v = runCli({"--version"});
        QCOMPARE(v.code, 0);
        QVERIFY(v.out.startsWith("neurite 0."));
        for (const QStringList& args : {QStringList{"--help"}, QStringList{"train", "--help"},
                                        QStringList{"models", "--help"}, QStringList{"doctor", "--help"}}) {
            const Run r = runCli(args);
            QCOMPARE(r.code, 0);
            QVERIFY2(r.out.contains("usage: neurite"), qPrintable(args.join(' ')));
        }
        QCOMPARE(runCli({}).code, 1);
        const Run unknown = runCli({"fly"});
        QCOMPARE(unknown.code, 1);
        QVERIFY(unknown.err.contains("unknown command 'fly'"));
    }

    void modelsCheckPrintsTheTable()
    {
        const Run r = runCli({"models", "check", kModels + "cnn.json"});
        QCOMPARE(r.code, 0);
        QVERIFY(r.out.contains("conv2"));
        QVERIFY(r.out.contains("64×7×7"));
        QVERIFY(r.out.contains("421642"));
        QVERIFY(r.out.contains("valid (12 nodes, 11 edges)"));
    }

    void modelsCheckReportsProblems()
    {
        write("bad.json", R"({"version": 2, "nodes": [
            {"id": "input", "type": "Input", "attrs": {"shape": [1, 28, 28]}},
            {"id": "fc1", "type": "Linear", "attrs": {"out_features": 10}},
            {"id": "loss", "type": "CrossEntropyLoss"}],
            "edges": [{"from": "input.out", "to": "fc1.in"}, {"from": "fc1.out", "to": "loss.in"}]})");
        const Run r = runCli({"models", "check", at("bad.json")});
        QCOMPARE(r.code, 2);
        QVERIFY2(r.err.contains("node 'fc1': Linear 'fc1' expects a 1-D feature vector but gets 1×28×28 (hint: insert a Flatten before it)"), qPrintable(r.err));

        write("broken.json", "{\"version\": 2, \"nodes\": [");
        const Run b = runCli({"models", "check", at("broken.json")});
        QCOMPARE(b.code, 2);
        QVERIFY2(b.err.contains("not valid JSON at byte"), qPrintable(b.err));
        QCOMPARE(runCli({"models", "check", at("nothing.json")}).code, 3);
    }

    void trainsOnASyntheticSet()
    {
        write("points.json", R"({"version": 1, "input": [2], "layers": [
            {"type": "Linear", "out_features": 32}, {"type": "Tanh"},
            {"type": "Linear", "out_features": 2}, {"type": "CrossEntropyLoss"}]})");
        const Run r = runCli({"train", at("points.json"), "--data", "circles:samples=800,noise=0.05", "--epochs", "30",
                               "--batch", "32", "--lr", "0.01", "--threads", "1", "--save", at("w.safetensors")});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        QVERIFY(r.out.contains("epoch 30/30"));  // plain lines when stdout is not a terminal
        const auto line = r.out.split('\n').filter("test    loss").value(0);
        QVERIFY2(!line.isEmpty(), qPrintable(r.out));
        const double accuracy = line.section("accuracy ", 1).section(' ', 0, 0).toDouble();
        QVERIFY2(accuracy > 0.95, qPrintable(line));
        QVERIFY(QFile(at("w.safetensors")).size() > 8 * (2 * 32 + 32 + 32 * 2 + 2));
    }

    // A trained run out as a bundle and as ONNX (both verified), the ONNX back in, and each
    // evaluated with its own weights: the same test accuracy as the run's last epoch.
    void exportImportEvaluate()
    {
        write("circle.json", R"({"version": 1, "input": [2], "layers": [
            {"type": "Linear", "out_features": 16}, {"type": "Tanh"},
            {"type": "Linear", "out_features": 2}, {"type": "CrossEntropyLoss"}]})");
        const QString data = "circles:samples=600,noise=0.05", ws = at("export.db");
        const Run trained = runCli({"train", at("circle.json"), "--data", data, "--epochs", "8", "--batch", "32", "--lr",
                                    "0.02", "--threads", "1", "--workspace", ws});
        QVERIFY2(trained.code == 0, qPrintable(trained.err));
        const QString accuracy = trained.out.split('\n').filter("test    loss").value(0).section("accuracy ", 1).section(' ', 0, 0);
        QVERIFY(!accuracy.isEmpty());

        const Run bundle = runCli({"export", "1", "--workspace", ws, "--checkpoint", "last", "--format", "bundle",
                                   "--out", at("circle.neurite"), "--verify"});
        QVERIFY2(bundle.code == 0 && bundle.out.contains("passed"), qPrintable(bundle.out + bundle.err));
        const Run fromBundle = runCli({"evaluate", at("circle.neurite"), "--data", data});
        QVERIFY2(fromBundle.code == 0, qPrintable(fromBundle.err));
        QVERIFY2(fromBundle.out.contains("accuracy " + accuracy), qPrintable(fromBundle.out + " vs " + accuracy));

        const Run onnx = runCli({"export", "1", "--workspace", ws, "--checkpoint", "last", "--format", "onnx",
                                 "--out", at("circle.onnx"), "--verify"});
        if (onnx.err.contains("no ONNX"))
            QSKIP("this build has no ONNX export");
        QVERIFY2(onnx.code == 0 && onnx.out.contains("ONNX Runtime") && onnx.out.contains("passed"),
                 qPrintable(onnx.out + onnx.err));
        const Run imported = runCli({"import", at("circle.onnx"), "--out", at("back.json")});
        QVERIFY2(imported.code == 0, qPrintable(imported.err));
        QVERIFY(QFile::exists(at("back.safetensors")));
        const Run fromOnnx = runCli({"evaluate", at("back.json"), "--init", at("back.safetensors"), "--data", data});
        QVERIFY2(fromOnnx.out.contains("accuracy " + accuracy), qPrintable(fromOnnx.out + " vs " + accuracy));

        // Mistakes: clear messages, non-zero exits, nothing half-written.
        const Run badFormat = runCli({"export", "1", "--workspace", ws, "--format", "tflite", "--out", at("x")});
        QCOMPARE(badFormat.code, 1);
        QVERIFY(badFormat.err.contains("choose onnx, pytorch or bundle"));
        const Run noRun = runCli({"export", "99", "--workspace", ws, "--format", "onnx", "--out", at("x.onnx")});
        QVERIFY(noRun.code != 0 && !QFile::exists(at("x.onnx")));
        write("garbage.onnx", "not a protobuf at all");
        const Run garbage = runCli({"import", at("garbage.onnx"), "--out", at("g.json")});
        QCOMPARE(garbage.code, 3);
        QVERIFY2(garbage.err.contains("garbage.onnx"), qPrintable(garbage.err));
        QVERIFY(!QFile::exists(at("g.json")));
    }

    void configFileAndCommandLine()
    {
        write("cfg.json", R"({"epochs": 2, "batch": 16, "data": "xor:samples=64", "optimizer": "sgd", "nesterov": true})");
        write("m.json", R"({"version": 1, "input": [2], "layers": [{"type": "Linear", "out_features": 2}, {"type": "CrossEntropyLoss"}]})");
        const Run r = runCli({"train", at("m.json"), "--config", at("cfg.json"), "--epochs", "3"});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        QVERIFY(r.out.contains("3 epochs, batch 16, sgd"));  // the command line wins over the file
        write("bad-cfg.json", R"({"epochz": 2})");
        const Run bad = runCli({"train", at("m.json"), "--config", at("bad-cfg.json")});
        QCOMPARE(bad.code, 3);
        QVERIFY(bad.err.contains("unknown setting 'epochz'"));
    }

    void badSettingsAreClearErrors_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<int>("code");
        QTest::addColumn<QString>("message");
        const QString m = kModels + "mlp.json";
        QTest::newRow("unknown option") << QStringList{"train", m, "--epoch", "3"} << 1 << "unknown option --epoch";
        QTest::newRow("not a number") << QStringList{"train", m, "--lr", "fast"} << 1 << "option --lr: 'fast' is not a number";
        QTest::newRow("missing value") << QStringList{"train", m, "--batch"} << 1 << "option --batch needs a value";
        QTest::newRow("bad optimizer") << QStringList{"train", m, "--optimizer", "lion", "--data", "xor"} << 1 << "unknown optimizer 'lion'";
        QTest::newRow("bad schedule") << QStringList{"train", m, "--schedule", "wavy", "--data", "xor"} << 1 << "unknown schedule 'wavy'";
        QTest::newRow("no model") << QStringList{"train"} << 1 << "needs one model file";
        QTest::newRow("unknown data") << QStringList{"train", m, "--data", "imagenet"} << 1 << "unknown data set 'imagenet'";
        QTest::newRow("shape mismatch") << QStringList{"train", m, "--data", "xor"} << 1 << "the training data has samples of 2 but the model's Input expects 1×28×28";
    }

    void badSettingsAreClearErrors()
    {
        QFETCH(QStringList, args);
        QFETCH(int, code);
        QFETCH(QString, message);
        const Run r = runCli(args);
        QCOMPARE(r.code, code);
        QVERIFY2(r.err.contains(message), qPrintable(r.err));
    }

    // Without a usable GPU (these machines have CUDA's libraries but no driver) --device cuda says
    // why, once, and trains on the CPU; with one, it trains there.
    void cudaWithoutAGpuTrainsOnTheCpu()
    {
        const Run r = runCli({"train", kModels + "mlp.json", "--device", "cuda", "--data", "fashion-mnist",
                              "--train-samples", "512", "--epochs", "1", "--no-store"});
        if (!r.err.contains("device 'cuda': no usable GPU")) {   // a GPU machine: it trains there
            QVERIFY2(r.code == 0 && r.out.contains("device  cuda"), qPrintable(r.out + r.err));
            return;
        }
        QCOMPARE(r.code, 0);
        QVERIFY2(r.err.contains("device 'cuda': no usable GPU: ") && r.err.contains("training on the CPU instead"),
                 qPrintable(r.err));
        QCOMPARE(r.err.count("device 'cuda'"), 1);
        QVERIFY2(r.out.contains("device  cpu"), qPrintable(r.out));
    }

    void doctorParity()
    {
        const Run r = runCli({"doctor", "--parity", "--threads", "2"});
        QCOMPARE(r.code, 0);
        QVERIFY2(r.out.contains("parity: cpu against reference") && r.out.contains("conv2d backward dW") &&
                     r.out.contains(" checks, 0 failed"),
                 qPrintable(r.out));
        const Run cuda = runCli({"doctor", "--parity", "--device", "cuda"});
        if (!cuda.out.contains("GPU        none usable"))
            return;  // a GPU machine: CUDA training is not implemented, checked elsewhere
        QCOMPARE(cuda.code, 1);
        QVERIFY2(cuda.err.contains("device 'cuda': no usable GPU"), qPrintable(cuda.err));
    }

    void truncatedDataIsAClearError()
    {
        const QString folder = at("fmnist");
        QDir().mkpath(folder);
        QFile::copy("/usr/share/datasets/fashion-mnist/train-labels-idx1-ubyte.gz", folder + "/train-labels-idx1-ubyte.gz");
        QFile images(folder + "/train-images-idx3-ubyte");
        QVERIFY(images.open(QIODevice::WriteOnly));
        images.write(QByteArray::fromHex("00000803000000640000001c0000001c"));  // 100 images of 28×28 ...
        images.write(QByteArray(1000, 7));                                           // ... but 1,000 bytes
        images.close();
        const Run r = runCli({"train", kModels + "mlp.json", "--data", folder});
        QCOMPARE(r.code, 3);
        QVERIFY2(r.err.contains("train-images-idx3-ubyte at byte 1016: truncated: the header promises 78400 data bytes"), qPrintable(r.err));
    }

    void divergenceExitsNonZero()
    {
        write("m2.json", R"({"version": 1, "input": [2], "layers": [{"type": "Linear", "out_features": 16}, {"type": "ReLU"}, {"type": "Linear", "out_features": 3}, {"type": "CrossEntropyLoss"}]})");
        const Run r = runCli({"train", at("m2.json"), "--data", "spiral", "--optimizer", "sgd", "--lr", "1e30", "--epochs", "20"});
        QCOMPARE(r.code, 4);
        QVERIFY2(r.err.contains("diverged at step"), qPrintable(r.err));
    }

    void runsAreRecordedAndListed()
    {
        write("p.json", kPointModel);
        const QString ws = at("record.db");
        const Run r = runCli({"train", at("p.json"), "--data", "spiral:samples=600", "--epochs", "3", "--workspace", ws,
                               "--name", "spiral try", "--tag", "demo,points"});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        QVERIFY(r.out.contains("run     1 in " + ws));
        const Run list = runCli({"runs", "list", "--workspace", ws});
        QCOMPARE(list.code, 0);
        QVERIFY2(list.out.contains("spiral try") && list.out.contains("completed"), qPrintable(list.out));
        const Run show = runCli({"runs", "show", "1", "--workspace", ws});
        QVERIFY(show.out.contains("tags       demo, points"));
        QVERIFY(show.out.contains("val/accuracy"));
        QVERIFY(show.out.contains("precision"));
        QCOMPARE(runCli({"runs", "note", "1", "first try", "--workspace", ws}).code, 0);
        QCOMPARE(runCli({"train", at("p.json"), "--data", "spiral:samples=600", "--epochs", "2", "--lr", "0.01",
                          "--workspace", ws}).code, 0);
        const Run compare = runCli({"runs", "compare", "1", "2", "--workspace", ws});
        QVERIFY2(compare.out.contains("epochs") && compare.out.contains("lr") && compare.out.contains("the same model"),
                 qPrintable(compare.out));
            QCOMPARE(runCli({"runs", "export", "1", "2", "--csv", at("m.csv"), "--workspace", ws}).code, 0);
        QFile csv(at("m.csv"));
        QVERIFY(csv.open(QIODevice::ReadOnly));
        const auto lines = csv.readAll().split('\n');
        QCOMPARE(lines[0], QByteArray("run,run_name,metric,step,epoch,samples,time,value"));
        QVERIFY(lines.size() > 100);
        QCOMPARE(runCli({"runs", "checkpoint", "1", "--out", at("c.safetensors"), "--workspace", ws}).code, 0);
        QVERIFY(weightsIn(at("c.safetensors")).count("model/Linear1.weight"));
        // Another tool reads it: NumPy, from the format's description alone.
        QProcess python;
        python.start("/usr/bin/python3", {"-c", "import json, struct, sys, numpy as np\n"
                                                "b = open(sys.argv[1], 'rb').read(); n = struct.unpack('<Q', b[:8])[0]\n"
                                                "h = json.loads(b[8:8 + n]); t = h['model/Linear1.weight']\n"
                                                "s, e = t['data_offsets']; a = np.frombuffer(b[8 + n + s:8 + n + e], '<f4')\n"
                                                "print(a.reshape(t['shape']).shape, bool(np.isfinite(a).all()))",
                                          at("c.safetensors")});
        python.waitForFinished(30000);
        QCOMPARE(QString::fromUtf8(python.readAllStandardOutput()).trimmed(), QString("(64, 2) True"));
        QCOMPARE(runCli({"train", at("p.json"), "--data", "spiral:samples=600", "--keep-best", "val/acc",
                         "--workspace", ws}).code, 1);
        const Run eval = runCli({"runs", "evaluate", "1", "--workspace", ws});
        QVERIFY2(eval.code == 0 && eval.out.contains("accuracy"), qPrintable(eval.err));
        QCOMPARE(runCli({"runs", "delete", "2", "--workspace", ws}).code, 0);
        QCOMPARE(runCli({"runs", "show", "2", "--workspace", ws}).code, 6);
        QVERIFY(runCli({"runs", "show", "x", "--workspace", ws}).err.contains("'x' is not a run id"));
    }

    void resumeAfterKillIsBitIdentical()
    {
        write("p.json", kPointModel);
        const QString ws = at("resume.db");
        const QStringList settings = {"--data", "spiral:samples=3000", "--epochs", "8", "--batch", "32", "--threads", "2",
                                      "--schedule", "cosine", "--workspace", ws};
        const Run straight = runCli(QStringList{"train", at("p.json"), "--save", at("straight.safetensors")} + settings);
        QVERIFY2(straight.code == 0, qPrintable(straight.err));

        auto p = startUntil(QStringList{"train", at("p.json")} + settings, "epoch 4/8");
        killHard(*p);  // somewhere in epoch 5: its checkpoint is epoch 4's
        const Run r = runCli({"train", "--resume", "2", "--save", at("resumed.safetensors"), "--workspace", ws});
        QVERIFY2(r.code == 0, qPrintable(r.err + r.out));
        QVERIFY(r.out.contains("resume  run 2 from epoch"));
        QVERIFY(weightsIn(at("resumed.safetensors")) == weightsIn(at("straight.safetensors")));
        neurite::RunStore store(ws.toStdString());
        QCOMPARE(store.run(2).status, std::string("completed"));
        // The metrics of the resumed run are the uninterrupted run's, step for step.
        const auto a = store.metrics(1, "train/loss"), b = store.metrics(2, "train/loss");
        QCOMPARE(a.size(), b.size());
        for (std::size_t i = 0; i < a.size(); ++i)
            QCOMPARE(a[i].value, b[i].value);
    }

    void killNineTwentyTimes()
    {
        write("p.json", kPointModel);
        const QString ws = at("kill.db");
        int interrupted = 0;
        for (int i = 0; i < 20; ++i) {
            QProcess p;
            p.setProcessEnvironment(scratchEnvironment());
            p.start(NEURITE_CLI, {"train", at("p.json"), "--data", "spiral:samples=4000", "--epochs", "5000", "--batch", "16",
                                  "--workspace", ws, "--quiet"});
            p.waitForStarted();
            QThread::msleep(150 + QRandomGenerator::global()->bounded(900));
            killHard(p);
            neurite::RunStore store(ws.toStdString());  // finds the dead run
            neurite::Database db(ws.toStdString(), neurite::Database::Mode::ReadOnly);
            auto check = db.prepare("PRAGMA integrity_check");
            check.step();
            QCOMPARE(check.text(0), std::string("ok"));
            for (const auto& r : store.listRuns()) {
                QVERIFY2(r.run.status == "interrupted", r.run.status.c_str());
                // Committed metrics are whole: steps 1..n without a gap.
                const auto points = store.metrics(r.run.id, "train/loss");
                for (std::size_t k = 0; k < points.size(); ++k)
                    QCOMPARE(points[k].step, std::int64_t(k + 1));
            }
            interrupted = int(store.listRuns({.status = "interrupted"}).size());
        }
        QVERIFY(interrupted >= 15);  // some kills may land before the run is created
        // The last one resumes (from its last checkpoint, or it says there is none).
        neurite::RunStore store(ws.toStdString());
        const auto runs = store.listRuns();
        std::int64_t withCheckpoint = 0;
        for (const auto& r : runs)
            if (!store.checkpoints(r.run.id).empty())
                withCheckpoint = r.run.id;
        QVERIFY(withCheckpoint > 0);
        auto p = startUntil({"train", "--resume", QString::number(withCheckpoint), "--workspace", ws}, "resume  run");
        QVERIFY(p->state() == QProcess::Running || p->exitCode() == 0);
        killHard(*p);
    }

    void twoWritersAndAReader()
    {
        write("p.json", kPointModel);
        const QString ws = at("shared.db");
        neurite::RunStore reader(ws.toStdString());
        QProcess a, b;
        for (QProcess* p : {&a, &b}) {
            p->setProcessEnvironment(scratchEnvironment());
            p->start(NEURITE_CLI, {"train", at("p.json"), "--data", "spiral:samples=6000", "--epochs", "30", "--batch", "16",
                                   "--threads", "1", "--workspace", ws, "--quiet"});
        }
        qint64 slowest = 0;
        int reads = 0;
        while (a.state() != QProcess::NotRunning || b.state() != QProcess::NotRunning) {
            QElapsedTimer t;
            t.start();
            const auto runs = reader.listRuns();
            for (const auto& r : runs)
                reader.metrics(r.run.id, "train/loss");
            slowest = std::max(slowest, t.elapsed());
            ++reads;
            a.waitForFinished(20);
            b.waitForFinished(20);
        }
        QCOMPARE(a.exitCode(), 0);
        QCOMPARE(b.exitCode(), 0);
        qInfo("%d reads while two processes trained; the slowest took %lld ms", reads, slowest);
        QVERIFY(slowest < 2000);
        const auto runs = reader.listRuns();
        QCOMPARE(runs.size(), std::size_t(2));
        for (const auto& r : runs) {
            QCOMPARE(r.run.status, std::string("completed"));
            const auto points = reader.metrics(r.run.id, "train/loss");
            QCOMPARE(std::int64_t(points.size()), std::int64_t(30 * ((5400 + 15) / 16)));  // every step of 30 epochs
        }
    }

    void doctorDescribesTheMachine()
    {
        const Run r = runCli({"doctor"});
        QCOMPARE(r.code, 0);
        QVERIFY(r.out.contains("CPU "));
        QVERIFY(r.out.contains("BLAS       OpenBLAS"));
        QVERIFY(r.out.contains("GFLOP/s"));
        QVERIFY(r.out.contains("max relative error"));
    }
};

QTEST_GUILESS_MAIN(TestCli)
#include "tst_cli.moc"
