// The model graph: JSON round trip and migration, every validation message, shape inference and
// the per-node estimates.
#include "engine/core/Error.h"
#include "engine/graph/Catalogue.h"
#include "engine/graph/ModelJson.h"
#include "engine/graph/ShapeInference.h"

#include <QtTest>

using namespace neurite;

namespace {

// Input(1×28×28) → ... chain helper: each (id, type, attrs) fed by the one before.
ModelGraph chain(std::vector<std::tuple<std::string, std::string, nlohmann::json>> layers,
                 nlohmann::json inputShape = {1, 28, 28})
{
    ModelGraph g;
    g.add("input", "Input", {{"shape", inputShape}});
    std::string previous = "input";
    for (auto& [id, type, attrs] : layers) {
        g.add(id, type, attrs.is_null() ? nlohmann::json::object() : attrs);
        g.connect(previous, id);
        previous = id;
    }
    return g;
}

// The first error's text, or "" when the graph is valid.
std::string firstError(const ModelGraph& g)
{
    const auto errors = analyse(g).errors();
    return errors.empty() ? std::string() : errors[0].str();
}

bool mentions(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

} // namespace

class TestGraph : public QObject {
    Q_OBJECT
private slots:
    void catalogueDescribesEveryLayer()
    {
        const auto& all = Catalogue::instance().all();
        QCOMPARE(int(all.size()), 25);
        for (const auto& spec : all) {
            QVERIFY2(!spec.summary.empty() && !spec.maths.empty() && !spec.pytorch.empty(), spec.type.c_str());
            for (const auto& a : spec.attrs)
                QVERIFY2(!a.help.empty(), (spec.type + "." + a.name).c_str());
        }
    }

    void cnnShapesParametersAndFlops()
    {
        const ModelGraph g = loadModel(NEURITE_SOURCE_DIR "/resources/models/cnn.json");
        const GraphAnalysis a = analyse(g, 128);
        QVERIFY(a.ok());
        QCOMPARE(a.info("conv1").output.str(), std::string("32×28×28"));
        QCOMPARE(a.info("pool2").output.str(), std::string("64×7×7"));
        QCOMPARE(a.info("flatten").output.str(), std::string("3136"));
        QCOMPARE(a.info("conv2").params, std::int64_t(32 * 64 * 9 + 64));
        QCOMPARE(a.info("fc1").params, std::int64_t(3136 * 128 + 128));
        QCOMPARE(a.totalParams, std::int64_t(421642));  // what torch.nn counts for the same model
        QCOMPARE(a.info("conv2").flops, std::int64_t(2) * 64 * 14 * 14 * 32 * 9);
        QCOMPARE(a.info("conv1").activationBytes, std::int64_t(128) * 32 * 28 * 28 * 4);
    }

    void convolutionArithmetic()
    {
        const ModelGraph g = chain({{"c", "Conv2d", {{"out_channels", 8}, {"kernel_size", 3}, {"stride", 2}, {"padding", 2}, {"dilation", 2}, {"groups", 1}}},
                                    {"p", "AvgPool2d", {{"kernel_size", 3}, {"stride", 2}, {"padding", 1}}}});
        const GraphAnalysis a = analyse(g);
        // (28 + 4 − 2·2 − 1) / 2 + 1 = 14; (14 + 2 − 3) / 2 + 1 = 7
        QCOMPARE(a.info("c").output.str(), std::string("8×14×14"));
        QCOMPARE(a.info("p").output.str(), std::string("8×7×7"));
    }

    void everyExampleModelIsValid()
    {
        for (const char* name : {"mlp", "cnn", "lenet5", "cnn-batchnorm", "resnet-small", "autoencoder"}) {
            const ModelGraph g = loadModel(std::string(NEURITE_SOURCE_DIR "/resources/models/") + name + ".json");
            const auto a = analyse(g);
            QVERIFY2(a.ok(), (std::string(name) + ": " + (a.ok() ? "" : a.errors()[0].str())).c_str());
        }
    }

    void jsonRoundTrip()
    {
        ModelGraph g = loadModel(NEURITE_SOURCE_DIR "/resources/models/resnet-small.json");
        const auto text = modelToJson(g).dump();
        const ModelGraph back = modelFromText(text);
        QCOMPARE(modelToJson(back).dump(), text);
        QCOMPARE(back.nodes.size(), g.nodes.size());
        QCOMPARE(back.edges.size(), g.edges.size());
    }

    void versionOneIsMigrated()
    {
        const auto g = modelFromText(R"({"version": 1, "name": "old", "input": [4],
            "layers": [{"type": "Linear", "out_features": 3}, {"type": "CrossEntropyLoss"}]})");
        QCOMPARE(g.nodes.size(), std::size_t(3));
        QCOMPARE(g.edges.size(), std::size_t(2));
        QVERIFY(analyse(g).ok());
        QCOMPARE(analyse(g).info("Linear1").params, std::int64_t(15));
    }

    void newerVersionIsRefused()
    {
        try {
            modelFromText(R"({"version": 99, "nodes": []})", "future.json");
            QFAIL("a newer format was accepted");
        } catch (const ModelError& e) {
            QVERIFY(mentions(e.what(), "future.json: model format version 99 is newer"));
        }
    }

    void malformedJsonNamesTheByte()
    {
        try {
            modelFromText("{\"version\": 2, \"nodes\": [}", "bad.json");
            QFAIL("malformed JSON was accepted");
        } catch (const ModelError& e) {
            QVERIFY2(mentions(e.what(), "bad.json: not valid JSON at byte 26"), e.what());
        }
    }

    void duplicateIdsAndBadEdges()
    {
        QVERIFY_THROWS_EXCEPTION(ModelError, modelFromText(R"({"version": 2, "nodes": [{"id": "a", "type": "ReLU"}, {"id": "a", "type": "ReLU"}]})"));
        QVERIFY_THROWS_EXCEPTION(ModelError, modelFromText(R"({"version": 2, "nodes": [], "edges": [{"from": "a", "to": "b.in"}]})"));
    }

    void linearWithoutFlattenHintsAtFlatten()
    {
        const auto text = firstError(chain({{"fc1", "Linear", {{"out_features", 10}}}, {"loss", "CrossEntropyLoss", nullptr}}));
        QVERIFY2(mentions(text, "node 'fc1': Linear 'fc1' expects a 1-D feature vector but gets 1×28×28"), text.c_str());
        QVERIFY(mentions(text, "insert a Flatten before it"));
    }

    void structuralProblems_data()
    {
        QTest::addColumn<QString>("json");
        QTest::addColumn<QString>("expected");
        const QString in = R"({"id": "input", "type": "Input", "attrs": {"shape": [4]}})";
        const QString fc = R"({"id": "fc", "type": "Linear", "attrs": {"out_features": 2}})";
        const QString loss = R"({"id": "loss", "type": "CrossEntropyLoss"})";
        const auto model = [](QString nodes, QString edges) {
            return QString(R"({"version": 2, "nodes": [%1], "edges": [%2]})").arg(nodes, edges);
        };
        const QString inFc = R"({"from": "input.out", "to": "fc.in"})", fcLoss = R"({"from": "fc.out", "to": "loss.in"})";
        QTest::newRow("unknown type") << model(in + "," + R"({"id": "x", "type": "Conv3d"})", "") << "node 'x': unknown layer type 'Conv3d'";
        QTest::newRow("no input") << model(fc + "," + loss, fcLoss) << "the model has no Input node";
        QTest::newRow("no loss") << model(in + "," + fc, inFc) << "the model has no loss node";
        QTest::newRow("dangling port") << model(in + "," + fc + "," + loss, inFc) << "node 'loss': input port 'in' is not connected";
        QTest::newRow("two losses") << model(in + "," + fc + "," + loss + "," + R"({"id": "loss2", "type": "MSELoss"})",
                                             inFc + "," + fcLoss + "," + R"({"from": "fc.out", "to": "loss2.in"})")
                                   << "node 'loss2': a second loss node (the first is 'loss')";
        QTest::newRow("two inputs") << model(in + "," + R"({"id": "input2", "type": "Input"})" + "," + fc + "," + loss, inFc + "," + fcLoss)
                                    << "node 'input2': a second Input node";
        QTest::newRow("cycle") << model(in + "," + R"({"id": "a", "type": "Add"}, {"id": "r", "type": "ReLU"})" + "," + loss,
                                        R"({"from": "input.out", "to": "a.a"}, {"from": "r.out", "to": "a.b"}, {"from": "a.out", "to": "r.in"}, {"from": "r.out", "to": "loss.in"})")
                               << "is part of a cycle";
        QTest::newRow("edge to missing node") << model(in + "," + fc + "," + loss, inFc + "," + fcLoss + "," + R"({"from": "ghost.out", "to": "fc.in"})")
                                              << "names a node that does not exist";
        QTest::newRow("wrong port") << model(in + "," + fc + "," + loss, R"({"from": "input.out", "to": "fc.x"})" + QString(",") + fcLoss)
                                    << "ends at 'x', which is not an input of Linear";
        QTest::newRow("two edges into a port") << model(in + "," + fc + "," + loss, inFc + "," + inFc + "," + fcLoss)
                                               << "input port 'in' has more than one incoming edge";
        QTest::newRow("attribute out of range") << model(in + "," + R"({"id": "fc", "type": "Linear", "attrs": {"out_features": 0}})" + "," + loss, inFc + "," + fcLoss)
                                                << "node 'fc': attribute 'out_features' is 0 but must lie in [1, 1.04858e+06]";
        QTest::newRow("attribute of wrong type") << model(in + "," + R"({"id": "fc", "type": "Linear", "attrs": {"bias": "yes"}})" + "," + loss, inFc + "," + fcLoss)
                                                 << "attribute 'bias' must be true or false but is \"yes\"";
        QTest::newRow("unknown attribute") << model(in + "," + R"({"id": "fc", "type": "Linear", "attrs": {"units": 3}})" + "," + loss, inFc + "," + fcLoss)
                                           << "Linear has no attribute 'units' (hint: its attributes are: out_features, bias)";
        QTest::newRow("bad choice") << model(in + "," + fc + "," + R"({"id": "loss", "type": "MSELoss", "attrs": {"target": "label"}})", inFc + "," + fcLoss)
                                    << "attribute 'target' is \"label\" but must be one of: class, input";
        QTest::newRow("bad input shape") << model(R"({"id": "input", "type": "Input", "attrs": {"shape": [0, 3]}})" + QString(",") + fc + "," + loss, inFc + "," + fcLoss)
                                         << "the input shape must be a list of positive extents";
    }

    void structuralProblems()
    {
        QFETCH(QString, json);
        QFETCH(QString, expected);
        const auto problems = analyse(modelFromText(json.toStdString())).errors();
        QVERIFY2(!problems.empty(), "no error reported");
        bool found = false;
        std::string all;
        for (const auto& p : problems) {
            found |= mentions(p.str(), expected.toStdString());
            all += p.str() + "\n";
        }
        QVERIFY2(found, all.c_str());
    }

    void shapeProblems_data()
    {
        QTest::addColumn<int>("which");
        QTest::addColumn<QString>("expected");
        QTest::newRow("conv on vector") << 0 << "Conv2d 'c' expects an image C×H×W but gets 784";
        QTest::newRow("kernel too big") << 1 << "the 31-wide kernel does not fit the padded 28×28 input";
        QTest::newRow("groups") << 2 << "groups = 3 must divide the input channels (1)";
        QTest::newRow("pool window") << 3 << "the 2×2 window does not fit the 1×1 input";
        QTest::newRow("reshape") << 4 << "cannot reshape 784 (784 elements) to 5×5";
        QTest::newRow("add") << 5 << "Add needs two inputs of the same shape but gets 784 and 10";
        QTest::newRow("concat") << 6 << "Concat joins along channels and needs the other extents equal, but gets 1×28×28 and 1×14×14";
        QTest::newRow("cross-entropy on image") << 7 << "CrossEntropyLoss expects one score per class but gets 1×28×28";
        QTest::newRow("batchnorm2d on vector") << 8 << "BatchNorm2d 'b' expects C×H×W but gets 784";
        QTest::newRow("pool padding") << 9 << "padding 2 is more than half the kernel size 2";
    }

    void shapeProblems()
    {
        QFETCH(int, which);
        QFETCH(QString, expected);
        ModelGraph g;
        const nlohmann::json none = nlohmann::json::object();
        switch (which) {
        case 0: g = chain({{"f", "Flatten", none}, {"c", "Conv2d", none}}); break;
        case 1: g = chain({{"c", "Conv2d", {{"kernel_size", 31}}}}); break;
        case 2: g = chain({{"c", "Conv2d", {{"groups", 3}, {"out_channels", 3}}}}); break;
        case 3: g = chain({{"p1", "MaxPool2d", {{"kernel_size", 16}}}, {"p2", "MaxPool2d", none}}); break;
        case 4: g = chain({{"f", "Flatten", none}, {"r", "Reshape", {{"shape", {5, 5}}}}}); break;
        case 5:
            g = chain({{"f", "Flatten", none}, {"fc", "Linear", none}});
            g.add("a", "Add");
            g.connect("f", "a", "a");
            g.connect("fc", "a", "b");
            break;
        case 6:
            g = chain({{"p", "MaxPool2d", none}});
            g.add("cat", "Concat");
            g.connect("input", "cat", "a");
            g.connect("p", "cat", "b");
            break;
        case 7: g = chain({{"loss", "CrossEntropyLoss", none}}); break;
        case 8: g = chain({{"f", "Flatten", none}, {"b", "BatchNorm2d", none}}); break;
        case 9: g = chain({{"p", "MaxPool2d", {{"padding", 2}}}}); break;
        }
        const auto errors = analyse(g).errors();
        std::string all;
        bool found = false;
        for (const auto& e : errors) {
            found |= mentions(e.str(), expected.toStdString());
            all += e.str() + "\n";
        }
        QVERIFY2(found, all.c_str());
    }

    void problemsDoNotCascade()
    {
        // One bad layer early on: its successors are not shaped, and not blamed.
        const auto g = chain({{"fc1", "Linear", nullptr}, {"r", "ReLU", nullptr}, {"fc2", "Linear", nullptr}, {"loss", "CrossEntropyLoss", nullptr}});
        const auto errors = analyse(g).errors();
        QCOMPARE(errors.size(), std::size_t(1));
        QCOMPARE(errors[0].nodeId, std::string("fc1"));
    }

    void unusedOutputIsAWarning()
    {
        auto g = chain({{"f", "Flatten", nullptr}, {"fc", "Linear", nullptr}, {"loss", "CrossEntropyLoss", nullptr}});
        g.add("spare", "ReLU");
        g.connect("f", "spare");
        const auto a = analyse(g);
        QVERIFY(a.ok());
        QCOMPARE(a.problems.size(), std::size_t(1));
        QVERIFY(a.problems[0].warning);
        QCOMPARE(a.problems[0].nodeId, std::string("spare"));
    }

    void requireValidThrowsTheFirstError()
    {
        const auto g = chain({{"f", "Flatten", nullptr}, {"fc1", "Linear", {{"out_features", 0}, {"bias", 1}}}, {"loss", "CrossEntropyLoss", nullptr}});
        try {
            requireValid(analyse(g));
            QFAIL("no exception");
        } catch (const ModelError& e) {
            QCOMPARE(e.nodeId(), std::string("fc1"));
            QVERIFY(mentions(e.what(), "and 1 more problem"));
        }
    }
};

QTEST_APPLESS_MAIN(TestGraph)
#include "tst_graph.moc"
