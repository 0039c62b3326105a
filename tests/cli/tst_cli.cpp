// The neurite program as a person uses it: real processes, exit codes and messages.
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

namespace {

struct Run {
    int code = -1;
    QString out, err;
};

Run neurite(const QStringList& args, int timeoutMs = 120000)
{
    QProcess p;
    p.start(NEURITE_CLI, args);
    if (!p.waitForFinished(timeoutMs)) {
        p.kill();
        p.waitForFinished();
    }
    return {p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1, QString::fromUtf8(p.readAllStandardOutput()),
            QString::fromUtf8(p.readAllStandardError())};
}

const QString kModels = NEURITE_SOURCE_DIR "/resources/models/";

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
        const Run v = neurite({"--version"});
        QCOMPARE(v.code, 0);
        QVERIFY(v.out.startsWith("neurite 0."));
        for (const QStringList& args : {QStringList{"--help"}, QStringList{"train", "--help"},
                                        QStringList{"models", "--help"}, QStringList{"doctor", "--help"}}) {
            const Run r = neurite(args);
            QCOMPARE(r.code, 0);
            QVERIFY2(r.out.contains("usage: neurite"), qPrintable(args.join(' ')));
        }
        QCOMPARE(neurite({}).code, 1);
        const Run unknown = neurite({"fly"});
        QCOMPARE(unknown.code, 1);
        QVERIFY(unknown.err.contains("unknown command 'fly'"));
    }

    void modelsCheckPrintsTheTable()
    {
        const Run r = neurite({"models", "check", kModels + "cnn.json"});
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
        const Run r = neurite({"models", "check", at("bad.json")});
        QCOMPARE(r.code, 2);
        QVERIFY2(r.err.contains("node 'fc1': Linear 'fc1' expects a 1-D feature vector but gets 1×28×28 (hint: insert a Flatten before it)"), qPrintable(r.err));

        write("broken.json", "{\"version\": 2, \"nodes\": [");
        const Run b = neurite({"models", "check", at("broken.json")});
        QCOMPARE(b.code, 2);
        QVERIFY2(b.err.contains("not valid JSON at byte"), qPrintable(b.err));
        QCOMPARE(neurite({"models", "check", at("nothing.json")}).code, 3);
    }

    void trainsOnASyntheticSet()
    {
        write("points.json", R"({"version": 1, "input": [2], "layers": [
            {"type": "Linear", "out_features": 32}, {"type": "Tanh"},
            {"type": "Linear", "out_features": 2}, {"type": "CrossEntropyLoss"}]})");
        const Run r = neurite({"train", at("points.json"), "--data", "circles:samples=800,noise=0.05", "--epochs", "30",
                               "--batch", "32", "--lr", "0.01", "--threads", "1", "--save", at("w.safetensors")});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        QVERIFY(r.out.contains("epoch 30/30"));  // plain lines when stdout is not a terminal
        const auto line = r.out.split('\n').filter("test    loss").value(0);
        QVERIFY2(!line.isEmpty(), qPrintable(r.out));
        const double accuracy = line.section("accuracy ", 1).section(' ', 0, 0).toDouble();
        QVERIFY2(accuracy > 0.95, qPrintable(line));
        QVERIFY(QFile(at("w.safetensors")).size() > 8 * (2 * 32 + 32 + 32 * 2 + 2));
    }

    void configFileAndCommandLine()
    {
        write("cfg.json", R"({"epochs": 2, "batch": 16, "data": "xor:samples=64", "optimizer": "sgd", "nesterov": true})");
        write("m.json", R"({"version": 1, "input": [2], "layers": [{"type": "Linear", "out_features": 2}, {"type": "CrossEntropyLoss"}]})");
        const Run r = neurite({"train", at("m.json"), "--config", at("cfg.json"), "--epochs", "3"});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        QVERIFY(r.out.contains("3 epochs, batch 16, sgd"));  // the command line wins over the file
        write("bad-cfg.json", R"({"epochz": 2})");
        const Run bad = neurite({"train", at("m.json"), "--config", at("bad-cfg.json")});
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
        QTest::newRow("cuda not built") << QStringList{"train", m, "--device", "cuda", "--data", "fashion-mnist"} << 1 << "the CUDA backend is not built yet";
    }

    void badSettingsAreClearErrors()
    {
        QFETCH(QStringList, args);
        QFETCH(int, code);
        QFETCH(QString, message);
        const Run r = neurite(args);
        QCOMPARE(r.code, code);
        QVERIFY2(r.err.contains(message), qPrintable(r.err));
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
        const Run r = neurite({"train", kModels + "mlp.json", "--data", folder});
        QCOMPARE(r.code, 3);
        QVERIFY2(r.err.contains("train-images-idx3-ubyte at byte 1016: truncated: the header promises 78400 data bytes"), qPrintable(r.err));
    }

    void divergenceExitsNonZero()
    {
        write("m2.json", R"({"version": 1, "input": [2], "layers": [{"type": "Linear", "out_features": 16}, {"type": "ReLU"}, {"type": "Linear", "out_features": 3}, {"type": "CrossEntropyLoss"}]})");
        const Run r = neurite({"train", at("m2.json"), "--data", "spiral", "--optimizer", "sgd", "--lr", "1e30", "--epochs", "20"});
        QCOMPARE(r.code, 4);
        QVERIFY2(r.err.contains("diverged at step"), qPrintable(r.err));
    }

    void doctorDescribesTheMachine()
    {
        const Run r = neurite({"doctor"});
        QCOMPARE(r.code, 0);
        QVERIFY(r.out.contains("CPU "));
        QVERIFY(r.out.contains("BLAS       OpenBLAS"));
        QVERIFY(r.out.contains("GFLOP/s"));
        QVERIFY(r.out.contains("max relative error"));
    }
};

QTEST_GUILESS_MAIN(TestCli)
#include "tst_cli.moc"
