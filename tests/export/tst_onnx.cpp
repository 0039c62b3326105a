// The ONNX export is the same model: every layer type of the catalogue in a small model, and every
// example model, exported and run by ONNX Runtime (tools/onnx-verify, installed by
// installer/setup.sh) on fixed inputs, against Neurite's own outputs; every file read back and
// checked again by ONNX's checker and strict shape inference.
#include "engine/core/Error.h"
#include "engine/export/onnx/OnnxExport.h"
#include "engine/export/onnx/OnnxVerify.h"
#include "engine/graph/Catalogue.h"
#include "engine/graph/ModelJson.h"

#include <onnx/checker.h>
#include <onnx/onnx_pb.h>
#include <onnx/shape_inference/implementation.h>

#include <QDir>
#include <QTemporaryDir>
#include <QtTest>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>

using namespace neurite;

namespace {

bool refused(const LayerSpec& spec) { return spec.onnx.rfind("not exported:", 0) == 0; }

// Batch norm's running statistics away from 0 and 1, so that the inference form is tested.
TrainedModel withStatistics(TrainedModel model)
{
    for (auto& [name, t] : model.parameters) {
        const bool var = name.ends_with(".running_var"), mean = name.ends_with(".running_mean");
        for (std::int64_t i = 0; (var || mean) && i < t.numel(); ++i)
            t[i] = var ? 0.5f + 0.1f * float(i % 5) : 0.05f * float(i % 7);
    }
    return model;
}

// Input → ... → the layer under test → a Linear head of 5 scores → CrossEntropyLoss, unless the
// layer is a loss. Empty when the type has no small model yet (the test then fails: add one).
ModelGraph smallModel(const std::string& type)
{
    ModelGraph g;
    g.name = "small " + type;
    auto input = [&](std::vector<int> shape) { g.add("x", "Input", {{"shape", shape}}); };
    auto layer = [&](nlohmann::json attrs = nlohmann::json::object(), const std::string& from = "x") {
        g.add("layer", type, std::move(attrs));
        g.connect(from, "layer");
    };
    auto head = [&](const std::string& from, bool flatten) {
        std::string last = from;
        if (flatten) {
            g.add("flat", "Flatten");
            g.connect(from, "flat");
            last = "flat";
        }
        g.add("head", "Linear", {{"out_features", 5}});
        g.connect(last, "head");
        g.add("loss", "CrossEntropyLoss");
        g.connect("head", "loss");
    };
    if (type == "Input") {
        input({6});
        head("x", false);
    } else if (type == "Linear") {
        input({6});
        layer({{"out_features", 7}, {"bias", false}});
        head("layer", false);
    } else if (type == "Conv2d") {
        input({4, 9, 9});
        layer({{"out_channels", 6}, {"kernel_size", 3}, {"stride", 2}, {"padding", 1}, {"dilation", 2}, {"groups", 2}});
        head("layer", true);
    } else if (type == "MaxPool2d" || type == "AvgPool2d") {
        input({3, 9, 9});
        layer({{"kernel_size", 3}, {"stride", 2}, {"padding", 1}});
        head("layer", true);
    } else if (type == "GlobalAvgPool2d") {
        input({3, 5, 5});
        layer();
        head("layer", false);
    } else if (type == "BatchNorm1d" || type == "Dropout" || type == "Softmax" || type == "ReLU" || type == "GELU" ||
               type == "SiLU" || type == "Sigmoid" || type == "Tanh") {
        input({6});
        layer(type == "BatchNorm1d" ? nlohmann::json{{"eps", 1e-3}} : nlohmann::json::object());
        head("layer", false);
    } else if (type == "LeakyReLU" || type == "ELU") {
        input({6});
        layer(type == "ELU" ? nlohmann::json{{"alpha", 0.7}} : nlohmann::json{{"negative_slope", 0.2}});
        head("layer", false);
    } else if (type == "BatchNorm2d" || type == "LayerNorm" || type == "Flatten") {
        input({3, 4, 4});
        layer();
        head("layer", type != "Flatten");
    } else if (type == "Reshape") {
        input({12});
        layer({{"shape", {3, -1, 2}}});
        g.add("conv", "Conv2d", {{"out_channels", 2}, {"kernel_size", 1}});
        g.connect("layer", "conv");
        head("conv", true);
    } else if (type == "Add") {
        input({6});
        g.add("a", "Linear", {{"out_features", 6}});
        g.connect("x", "a");
        g.add("layer", "Add");
        g.connect("x", "layer", "a");
        g.connect("a", "layer", "b");
        head("layer", false);
    } else if (type == "Concat") {
        input({2, 4, 4});
        g.add("a", "Conv2d", {{"out_channels", 3}, {"kernel_size", 3}, {"padding", 1}});
        g.connect("x", "a");
        g.add("layer", "Concat");
        g.connect("x", "layer", "a");
        g.connect("a", "layer", "b");
        head("layer", true);
    } else if (type == "CrossEntropyLoss" || type == "MSELoss" || type == "BCEWithLogitsLoss") {
        input({6});
        g.add("fc", "Linear", {{"out_features", type == "MSELoss" ? 6 : 4}});
        g.connect("x", "fc");
        g.add("loss", type, type == "MSELoss" ? nlohmann::json{{"target", "input"}} : nlohmann::json::object());
        g.connect("fc", "loss");
    } else {
        return {};
    }
    return g;
}

// Every node of the catalogue once, for the opsets: convolutions, both norms, merges, GELU, SiLU,
// Dropout mid-graph and last.
ModelGraph everyKind()
{
    ModelGraph g;
    g.name = "every kind";
    g.add("x", "Input", {{"shape", {2, 6, 6}}});
    g.add("c1", "Conv2d", {{"out_channels", 4}, {"kernel_size", 3}, {"padding", 1}});
    g.add("bn2", "BatchNorm2d");
    g.add("ln", "LayerNorm");
    g.add("gelu", "GELU");
    g.add("mp", "MaxPool2d");
    g.add("ap", "AvgPool2d");
    g.add("cat", "Concat");
    g.add("flat", "Flatten");
    g.add("fc1", "Linear", {{"out_features", 8}});
    g.add("bn1", "BatchNorm1d");
    g.add("silu", "SiLU");
    g.add("drop", "Dropout", {{"p", 0.3}});
    g.add("fc2", "Linear", {{"out_features", 8}});
    g.add("sum", "Add");
    g.add("head", "Linear", {{"out_features", 5}});
    g.add("drop2", "Dropout");
    g.add("loss", "CrossEntropyLoss");
    for (auto [a, b] : std::vector<std::pair<const char*, const char*>>{{"x", "c1"}, {"c1", "bn2"}, {"bn2", "ln"},
             {"ln", "gelu"}, {"gelu", "mp"}, {"x", "ap"}, {"cat", "flat"}, {"flat", "fc1"}, {"fc1", "bn1"},
             {"bn1", "silu"}, {"silu", "drop"}, {"drop", "fc2"}, {"sum", "head"}, {"head", "drop2"}, {"drop2", "loss"}})
        g.connect(a, b);
    g.connect("mp", "cat", "a");
    g.connect("ap", "cat", "b");
    g.connect("silu", "sum", "a");
    g.connect("fc2", "sum", "b");
    return g;
}

// The file as ONNX reads it, checked again by its checker and by strict shape inference.
onnx::ModelProto readBack(const std::string& path)
{
    onnx::ModelProto proto;
    std::ifstream in(path, std::ios::binary);
    if (!proto.ParseFromIstream(&in))
        throw Error("cannot parse " + path);
    onnx::checker::check_model(proto);
    onnx::shape_inference::InferShapes(proto, onnx::OpSchemaRegistry::Instance(),
                                       onnx::ShapeInferenceOptions(true, 1, true));
    return proto;
}

QString differences(const VerificationReport& r)
{
    QString text = QString("%1 %2, %3 samples:").arg(QString::fromStdString(r.runtime),
                                                    QString::fromStdString(r.runtimeVersion)).arg(r.samples);
    for (const auto& o : r.outputs)
        text += QString(" %1 max|d| %2 mean|d| %3 max rel %4;")
                    .arg(QString::fromStdString(o.name)).arg(o.maxAbs, 0, 'g', 3).arg(o.meanAbs, 0, 'g', 3)
                    .arg(o.maxRelative, 0, 'g', 3);
    return text;
}

} // namespace

class TestOnnx : public QObject {
    Q_OBJECT
    QTemporaryDir dir;
    std::string at(const QString& name) const { return dir.filePath(name).toStdString(); }

    // Exports, reads the file back (checker, shape inference, the graph's interface) and verifies.
    void exportAndVerify(const TrainedModel& model, const OnnxExportOptions& options, const QString& label,
                         std::vector<std::int64_t> batches = {8})
    {
        const std::string path = at(QString(label).replace(' ', '_') + ".onnx");
        const OnnxExportResult result = exportOnnx(model, options, path);
        QCOMPARE(result.opset, options.opset);
        QCOMPARE(result.bytes, std::int64_t(std::filesystem::file_size(path)));
        const onnx::ModelProto proto = readBack(path);
        QCOMPARE(proto.producer_name(), std::string("Neurite"));
        QCOMPARE(proto.opset_import(0).version(), std::int64_t(options.opset));
        QVERIFY(proto.doc_string().find(model.origin) != std::string::npos);
        QCOMPARE(proto.graph().input_size(), 1);
        QCOMPARE(proto.graph().input(0).name(), std::string("input"));
        QCOMPARE(proto.graph().input(0).type().tensor_type().shape().dim(0).dim_param(), std::string("batch"));
        QCOMPARE(std::int64_t(proto.graph().node_size()), result.nodes);
        std::vector<std::string> outputs;
        for (const auto& o : proto.graph().output()) {
            outputs.push_back(o.name());
            QCOMPARE(o.type().tensor_type().shape().dim(0).dim_param(), std::string("batch"));
        }
        QCOMPARE(outputs, result.outputs);
        std::set<std::string> initializers;
        for (const auto& t : proto.graph().initializer())
            initializers.insert(t.name());
        for (const auto& [name, tensor] : model.parameters)
            QVERIFY2(initializers.count(name), ("no initializer " + name).c_str());
        for (const auto& n : proto.graph().node())
            QVERIFY2(n.op_type() != "Dropout", "a Dropout node in the export");

        for (auto batch : batches) {
            const VerificationReport report = verifyOnnx(model, path, options, batch);
            qInfo("%s opset %d: %s", qPrintable(label), options.opset, qPrintable(differences(report)));
            QVERIFY2(report.passed, report.message.c_str());
            QCOMPARE(report.outputs.size(), result.outputs.size());
            QCOMPARE(report.samples, batch);
            QVERIFY(!report.runtimeVersion.empty());
        }
    }

private slots:
    void initTestCase() { QVERIFY2(!onnxVerifyDir().empty(), "ONNX Runtime is missing: run installer/setup.sh"); }

    void everyLayerType_data()
    {
        QTest::addColumn<QString>("type");
        QTest::addColumn<int>("opset");
        for (const auto& spec : Catalogue::instance().all())
            for (int opset : {kOnnxMinOpset, kOnnxMaxOpset})
                QTest::addRow("%s opset %d", spec.type.c_str(), opset) << QString::fromStdString(spec.type) << opset;
    }

    void everyLayerType()
    {
        QFETCH(QString, type);
        QFETCH(int, opset);
        const LayerSpec& spec = *Catalogue::instance().find(type.toStdString());
        QVERIFY2(!spec.onnx.empty(), "the catalogue entry says nothing of ONNX");
        const ModelGraph graph = smallModel(spec.type);
        QVERIFY2(!graph.nodes.empty(), "no small model for this type: add one to smallModel()");
        TrainedModel model = withStatistics(initialisedModel(graph, 3));
        const OnnxExportOptions options{opset, spec.type == "CrossEntropyLoss"};
        if (refused(spec)) {
            const std::string path = at(type + ".onnx");
            try {
                exportOnnx(model, options, path);
                QFAIL("a layer the catalogue refuses was exported");
            } catch (const ExportError& e) {
                QCOMPARE(e.nodeId(), std::string("layer"));
                QVERIFY2(std::string(e.what()).find(spec.onnx.substr(14)) != std::string::npos, e.what());
            }
            QVERIFY(!std::filesystem::exists(path));
            return;
        }
        exportAndVerify(model, options, type);
    }

    void everyOpset_data()
    {
        QTest::addColumn<int>("opset");
        for (int opset = kOnnxMinOpset; opset <= kOnnxMaxOpset; ++opset)
            QTest::addRow("opset %d", opset) << opset;
    }

    void everyOpset()
    {
        QFETCH(int, opset);
        TrainedModel model = withStatistics(initialisedModel(everyKind(), 11));
        exportAndVerify(model, {opset, true}, "every kind");
        // LayerNormalization from 17; spelled out before.
        const onnx::ModelProto proto = readBack(at("every_kind.onnx"));
        const bool fused = std::any_of(proto.graph().node().begin(), proto.graph().node().end(),
                                       [](const auto& n) { return n.op_type() == "LayerNormalization"; });
        QCOMPARE(fused, opset >= 17);
    }

    void exampleModels_data()
    {
        QTest::addColumn<QString>("file");
        QTest::addColumn<int>("opset");
        const QDir models(NEURITE_SOURCE_DIR "/resources/models");
        const QStringList files = models.entryList({"*.json"}, QDir::Files, QDir::Name);
        QVERIFY(files.size() >= 6);
        for (const auto& f : files)
            for (int opset = kOnnxMinOpset; opset <= kOnnxMaxOpset; ++opset)
                QTest::addRow("%s opset %d", qPrintable(f), opset) << models.filePath(f) << opset;
    }

    void exampleModels()
    {
        QFETCH(QString, file);
        QFETCH(int, opset);
        TrainedModel model = withStatistics(initialisedModel(loadModel(file.toStdString()), 5));
        model.origin = file.toStdString();
        exportAndVerify(model, {opset, true}, QFileInfo(file).baseName());
        // A classifier gets its probabilities; the autoencoder (MSE) has none to give.
        const auto names = onnxOutputNames(model, {opset, true});
        const bool classifier = names[0] == "logits";
        QCOMPARE(names.size(), std::size_t(classifier ? 2 : 1));
    }

    void dynamicBatch()
    {
        // One file, run with 1, 8 and 3 samples: the batch dimension is symbolic.
        const ModelGraph graph = loadModel(NEURITE_SOURCE_DIR "/resources/models/cnn-batchnorm.json");
        exportAndVerify(withStatistics(initialisedModel(graph, 2)), {}, "dynamic batch", {1, 8, 3});
    }

    void refusals()
    {
        TrainedModel model = initialisedModel(smallModel("Linear"), 1);
        for (int opset : {12, 18}) {
            try {
                exportOnnx(model, {opset, false}, at("opset.onnx"));
                QFAIL("an opset outside 13..17 was written");
            } catch (const ExportError& e) {
                QVERIFY2(std::string(e.what()).find("13 to 17") != std::string::npos, e.what());
            }
        }
        // A node without its weights (a checkpoint of another graph) is refused by name.
        model.parameters.erase("layer.weight");
        try {
            exportOnnx(model, {}, at("missing.onnx"));
            QFAIL("a model without its weights was written");
        } catch (const ExportError& e) {
            QCOMPARE(e.nodeId(), std::string("layer"));
            QCOMPARE(e.layerType(), std::string("Linear"));
            QVERIFY2(std::string(e.what()).find("node 'layer'") != std::string::npos, e.what());
            QVERIFY2(std::string(e.what()).find("layer.weight") != std::string::npos, e.what());
        }
        QVERIFY(!std::filesystem::exists(at("missing.onnx")));
        QVERIFY(!std::filesystem::exists(at("opset.onnx")));
    }

    // Verification can fail: another model's outputs, a missing file, no node on the PATH.
    void verificationFails()
    {
        const ModelGraph graph = loadModel(NEURITE_SOURCE_DIR "/resources/models/mlp.json");
        const TrainedModel exported = initialisedModel(graph, 1), other = initialisedModel(graph, 2);
        exportOnnx(exported, {}, at("mlp_seed1.onnx"));
        const VerificationReport wrong = verifyOnnx(other, at("mlp_seed1.onnx"), {});
        QVERIFY(!wrong.passed);
        QVERIFY2(wrong.message.find("differs") != std::string::npos, wrong.message.c_str());
        QVERIFY(!verifyOnnx(exported, at("nowhere.onnx"), {}).passed);

        const QByteArray path = qgetenv("PATH");
        qputenv("PATH", "/nonexistent");
        const VerificationReport noNode = verifyOnnx(exported, at("mlp_seed1.onnx"), {});
        qputenv("PATH", path);
        QVERIFY(!noNode.passed);
        QVERIFY2(noNode.message.find("node") != std::string::npos, noNode.message.c_str());
    }
};

QTEST_APPLESS_MAIN(TestOnnx)
#include "tst_onnx.moc"
