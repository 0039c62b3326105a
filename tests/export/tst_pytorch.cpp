// The generated PyTorch code is the same model: for every example model, PyTorch (Debian's
// python3-torch) runs the code with Neurite's weights and must give Neurite's outputs.
#include "engine/backends/Registry.h"
#include "engine/export/PyTorchCode.h"
#include "engine/tensorio/Safetensors.h"
#include "engine/graph/ModelJson.h"
#include "engine/train/Plan.h"

#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>
#include <fstream>

using namespace neurite;

namespace {

// Loads the weights (safetensors, parsed with NumPy), runs the model in eval mode on the input,
// prints the number of parameters and writes the output as raw float32.
const char* kDriver = R"py(
import json, struct, sys
import numpy as np, torch
code, weights, inputs, shape, outputs = sys.argv[1:6]
scope = {}
exec(open(code).read(), scope)
model = next(v for k, v in scope.items() if isinstance(v, type) and issubclass(v, torch.nn.Module) and v is not torch.nn.Module)()
blob = open(weights, 'rb').read()
n = struct.unpack('<Q', blob[:8])[0]
header = json.loads(blob[8:8 + n])
state = {}
for name, t in header.items():
    if name == '__metadata__':
        continue
    s, e = t['data_offsets']
    state[name] = torch.from_numpy(np.frombuffer(blob[8 + n + s:8 + n + e], '<f4').reshape(t['shape']).copy())
missing, unexpected = model.load_state_dict(state, strict=False)
assert not unexpected, unexpected
assert all(m.endswith('num_batches_tracked') for m in missing), missing
model.eval()
x = torch.from_numpy(np.fromfile(inputs, '<f4').reshape(json.loads(shape)))
with torch.no_grad():
    y = model(x)
print(sum(p.numel() for p in model.parameters()))
y.numpy().astype('<f4').tofile(outputs)
)py";

} // namespace

class TestPyTorch : public QObject {
    Q_OBJECT
    QTemporaryDir dir;
    QString at(const QString& name) const { return dir.filePath(name); }

private slots:
    void namesArePython()
    {
        QCOMPARE(pythonName("conv-1"), std::string("conv_1"));
        QCOMPARE(pythonName("3x3"), std::string("n_3x3"));
        QCOMPARE(pythonName("class"), std::string("class_"));  // keywords and forward()'s own names
        QCOMPARE(pythonName("x"), std::string("x_"));
    }

    // A model's name goes into the class's docstring: quotes, backslashes and line breaks in it
    // must not end the string (the file must still be Python).
    void anyModelNameIsValidPython()
    {
        ModelGraph graph = loadModel(NEURITE_SOURCE_DIR "/resources/models/mlp.json");
        graph.name = "My \"\"\"quoted\"\"\" model \\\nwith a line break";
        std::ofstream(at("named.py").toStdString()) << pytorchCode(graph);
        QProcess python;
        python.start("/usr/bin/python3", {"-m", "py_compile", at("named.py")});
        QVERIFY(python.waitForFinished(60000));
        QVERIFY2(python.exitCode() == 0, python.readAllStandardError().constData());
    }

    void sameOutputsAsNeurite_data()
    {
        QTest::addColumn<QString>("model");
        for (const char* m : {"mlp", "cnn", "lenet5", "cnn-batchnorm", "resnet-small", "autoencoder"})
            QTest::newRow(m) << m;
    }

    void sameOutputsAsNeurite()
    {
        QFETCH(QString, model);
        const ModelGraph graph = loadModel(std::string(NEURITE_SOURCE_DIR "/resources/models/") + model.toStdString() + ".json");
        constexpr std::int64_t batch = 4;
        auto backend = createBackend("cpu", 1);
        Plan plan(graph, *backend, batch, 5);
        // Batch norm's running statistics away from 0 and 1, so that eval mode tests them.
        for (auto* p : plan.parameters())
            if (!p->learned)
                for (std::int64_t i = 0; i < p->value.numel(); ++i)
                    p->value[i] = p->name.find("var") != std::string::npos ? 0.5f + 0.1f * float(i % 5) : 0.05f * float(i % 7);
        Rng rng(3);
        const std::int64_t size = plan.inputShape().numel();
        for (std::int64_t i = 0; i < batch * size; ++i)
            plan.input()[i] = rng.uniform(-1, 1);
        std::vector<float> input(plan.input(), plan.input() + batch * size);
        plan.forward(batch, false);
        const std::vector<float> ours(plan.prediction(), plan.prediction() + batch * plan.predictionSize());

        std::ofstream(at("model.py").toStdString()) << pytorchCode(graph);
        std::vector<std::pair<std::string, const Tensor*>> tensors;
        for (auto* p : plan.parameters())
            tensors.push_back({p->name, &p->value});
        writeSafetensors(at("w.safetensors").toStdString(), tensors);
        std::ofstream(at("x.bin").toStdString(), std::ios::binary)
            .write(reinterpret_cast<const char*>(input.data()), std::streamsize(input.size() * sizeof(float)));
        std::string shape = "[" + std::to_string(batch);
        for (auto d : plan.inputShape().dims())
            shape += ", " + std::to_string(d);
        shape += "]";

        QProcess python;
        python.start("/usr/bin/python3", {"-c", kDriver, at("model.py"), at("w.safetensors"), at("x.bin"),
                                          QString::fromStdString(shape), at("y.bin")});
        QVERIFY(python.waitForFinished(120000));
        QVERIFY2(python.exitCode() == 0, python.readAllStandardError().constData());
        QCOMPARE(python.readAllStandardOutput().trimmed().toLongLong(), plan.analysis().totalParams);
        std::vector<float> theirs(ours.size());
        std::ifstream(at("y.bin").toStdString(), std::ios::binary)
            .read(reinterpret_cast<char*>(theirs.data()), std::streamsize(theirs.size() * sizeof(float)));
        for (std::size_t i = 0; i < ours.size(); ++i)
            if (std::abs(ours[i] - theirs[i]) > 1e-4f * (1 + std::abs(theirs[i])))
                QFAIL(qPrintable(QString("output %1: Neurite %2, PyTorch %3").arg(i).arg(ours[i]).arg(theirs[i])));
    }
};

QTEST_GUILESS_MAIN(TestPyTorch)
#include "tst_pytorch.moc"
