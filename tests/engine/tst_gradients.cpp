// Every layer and loss: the backward pass against central finite differences of the forward pass.
// Layers are checked through L = Σ r ⊙ y with a fixed random r; losses through their own value.
#include "engine/backends/reference/ReferenceBackend.h"
#include "engine/core/Rng.h"
#include "engine/graph/ShapeInference.h"
#include "engine/train/Layer.h"

#include <QtTest>

#include <cmath>

using namespace neurite;

namespace {

constexpr std::int64_t kBatch = 3;

struct Case {
    std::string type;
    nlohmann::json attrs;
    std::vector<std::int64_t> inputShape;
    int inputs = 1;
};

std::vector<float> random(std::int64_t n, Rng& rng, float lo = -1, float hi = 1)
{
    std::vector<float> v(static_cast<std::size_t>(n));
    for (auto& x : v)
        x = rng.uniform(lo, hi);
    return v;
}

struct Harness {
    ModelGraph graph;
    GraphAnalysis analysis;
    ReferenceBackend backend;
    std::unique_ptr<Layer> layer;
    std::vector<std::vector<float>> in;
    std::vector<float> out, r, workspace;
    std::vector<std::int32_t> labels;
    std::uint64_t dropoutSeed = 9;

    explicit Harness(const Case& c)
    {
        graph.add("input", "Input", {{"shape", c.inputShape}});
        graph.add("x", c.type, c.attrs.is_null() ? nlohmann::json::object() : c.attrs);
        graph.connect("input", "x", c.inputs == 2 ? "a" : "in");
        if (c.inputs == 2)
            graph.connect("input", "x", "b");
        analysis = analyse(graph, kBatch);
        const NodeInfo& info = analysis.info("x");
        if (!info.shaped)
            throw std::runtime_error("case does not shape: " + analysis.problems[0].str());
        Shape inputShape(c.inputShape);
        layer = createLayer({*graph.find("x"), info, backend, kBatch, inputShape});
        Rng rng(3);
        layer->initialise(rng);
        for (auto* p : layer->parameters())  // move norm scales off 1 so they matter
            if (p->learned && p->name.find("weight") != std::string::npos && p->value.numel() && !c.type.starts_with("Conv") && c.type != "Linear")
                for (auto& v : p->value.span())
                    v = rng.uniform(0.5f, 1.5f);
        for (int i = 0; i < c.inputs; ++i)
            in.push_back(random(kBatch * inputShape.numel(), rng, -2, 2));
        out.resize(std::size_t(kBatch * std::max<std::int64_t>(info.output.numel(), 1)));
        r = random(std::int64_t(out.size()), rng);
        workspace.resize(std::size_t(std::max<std::int64_t>(layer->workspaceFloats(), 1)));
        for (std::int64_t i = 0; i < kBatch; ++i)
            labels.push_back(std::int32_t(rng.below(std::uint32_t(std::max<std::int64_t>(info.inputs[0].numel(), 1)))));
    }

    LayerIO io(std::vector<std::vector<float>>* grads)
    {
        LayerIO io;
        io.n = kBatch;
        io.training = true;
        for (auto& v : in)
            io.in.push_back(v.data());
        io.out = out.data();
        io.dOut = r.data();
        io.workspace = workspace.data();
        io.labels = labels.data();
        io.modelInput = in[0].data();
        io.seed = dropoutSeed;   // the same dropout mask on every evaluation (Philox of seed and step)
        io.step = 1;
        if (grads)
            for (auto& g : *grads)
                io.dIn.push_back(g.data());
        return io;
    }

    double objective()
    {
        layer->forward(io(nullptr));
        if (layer->isLoss())
            return layer->lossValue();
        double sum = 0;
        for (std::size_t i = 0; i < out.size(); ++i)
            sum += double(out[i]) * r[i];
        return sum;
    }

    // Checks d objective / d v[i] for a sample of indices of v against grad.
    void checkAgainst(std::vector<float>& v, const float* grad, const std::string& what)
    {
        const float eps = 1e-2f;
        const std::size_t stride = std::max<std::size_t>(1, v.size() / 40);
        for (std::size_t i = 0; i < v.size(); i += stride) {
            const float keep = v[i];
            v[i] = keep + eps;
            const double up = objective();
            v[i] = keep - eps;
            const double down = objective();
            v[i] = keep;
            const double numeric = (up - down) / (2 * eps);
            const double tolerance = 2e-2 * (1 + std::abs(numeric));
            if (std::abs(numeric - grad[i]) > tolerance)
                QFAIL(qPrintable(QString("%1[%2]: analytic %3, numeric %4").arg(QString::fromStdString(what)).arg(i).arg(grad[i]).arg(numeric)));
        }
    }

    void run()
    {
        objective();
        std::vector<std::vector<float>> grads;
        for (auto& v : in)
            grads.emplace_back(v.size());
        layer->forward(io(nullptr));
        layer->backward(io(&grads));
        std::vector<std::vector<float>> paramGrads;
        for (auto* p : layer->parameters())
            if (p->learned)
                paramGrads.emplace_back(p->grad.data(), p->grad.data() + p->grad.numel());
        for (std::size_t i = 0; i < in.size(); ++i)
            checkAgainst(in[i], grads[i].data(), "input" + std::to_string(i));
        std::size_t k = 0;
        for (auto* p : layer->parameters())
            if (p->learned) {
                std::vector<float> value(p->value.data(), p->value.data() + p->value.numel());
                // Perturb through a copy that we write back, so the layer sees each change.
                const float eps = 1e-2f;
                const std::size_t stride = std::max<std::size_t>(1, value.size() / 40);
                for (std::size_t i = 0; i < value.size(); i += stride) {
                    p->value[std::int64_t(i)] = value[i] + eps;
                    const double up = objective();
                    p->value[std::int64_t(i)] = value[i] - eps;
                    const double down = objective();
                    p->value[std::int64_t(i)] = value[i];
                    const double numeric = (up - down) / (2 * eps);
                    const double analytic = paramGrads[k][i];
                    if (std::abs(numeric - analytic) > 2e-2 * (1 + std::abs(numeric)))
                        QFAIL(qPrintable(QString("%1[%2]: analytic %3, numeric %4").arg(QString::fromStdString(p->name)).arg(i).arg(analytic).arg(numeric)));
                }
                ++k;
            }
    }
};

} // namespace

class TestGradients : public QObject {
    Q_OBJECT
private slots:
    void layer_data()
    {
        QTest::addColumn<QString>("type");
        QTest::addColumn<QString>("attrs");
        QTest::addColumn<QString>("shape");
        QTest::addColumn<int>("inputs");
        const auto row = [](const char* name, const char* type, const char* attrs, const char* shape, int inputs = 1) {
            QTest::newRow(name) << type << attrs << shape << inputs;
        };
        row("Linear", "Linear", R"({"out_features": 4})", "[6]");
        row("Linear no bias", "Linear", R"({"out_features": 3, "bias": false})", "[5]");
        row("Conv2d", "Conv2d", R"({"out_channels": 3, "kernel_size": 3, "padding": 1})", "[2, 5, 5]");
        row("Conv2d strided dilated grouped", "Conv2d", R"({"out_channels": 4, "kernel_size": 2, "stride": 2, "dilation": 2, "groups": 2, "padding": 1})", "[2, 6, 6]");
        row("MaxPool2d", "MaxPool2d", R"({"kernel_size": 2})", "[2, 4, 4]");
        row("MaxPool2d padded", "MaxPool2d", R"({"kernel_size": 3, "stride": 2, "padding": 1})", "[1, 5, 5]");
        row("AvgPool2d", "AvgPool2d", R"({"kernel_size": 3, "stride": 2, "padding": 1})", "[2, 5, 5]");
        row("GlobalAvgPool2d", "GlobalAvgPool2d", "{}", "[3, 3, 4]");
        row("BatchNorm1d", "BatchNorm1d", "{}", "[4]");
        row("BatchNorm2d", "BatchNorm2d", "{}", "[2, 3, 3]");
        row("LayerNorm", "LayerNorm", "{}", "[2, 3]");
        row("Dropout", "Dropout", R"({"p": 0.3})", "[8]");
        row("Flatten", "Flatten", "{}", "[2, 2, 2]");
        row("Reshape", "Reshape", R"({"shape": [4, -1]})", "[8]");
        row("ReLU", "ReLU", "{}", "[7]");
        row("LeakyReLU", "LeakyReLU", R"({"negative_slope": 0.2})", "[7]");
        row("ELU", "ELU", "{}", "[7]");
        row("GELU", "GELU", "{}", "[7]");
        row("SiLU", "SiLU", "{}", "[7]");
        row("Sigmoid", "Sigmoid", "{}", "[7]");
        row("Tanh", "Tanh", "{}", "[7]");
        row("Softmax", "Softmax", "{}", "[5]");
        row("Add", "Add", "{}", "[2, 3]", 2);
        row("Concat", "Concat", "{}", "[2, 3]", 2);
        row("CrossEntropyLoss", "CrossEntropyLoss", "{}", "[5]");
        row("CrossEntropyLoss smoothed", "CrossEntropyLoss", R"({"label_smoothing": 0.2})", "[5]");
        row("MSELoss", "MSELoss", "{}", "[5]");
        row("BCEWithLogitsLoss", "BCEWithLogitsLoss", "{}", "[5]");
    }

    void layer()
    {
        QFETCH(QString, type);
        QFETCH(QString, attrs);
        QFETCH(QString, shape);
        QFETCH(int, inputs);
        Case c{type.toStdString(), nlohmann::json::parse(attrs.toStdString()),
               nlohmann::json::parse(shape.toStdString()).get<std::vector<std::int64_t>>(), inputs};
        Harness h(c);
        h.run();
    }

    void inputTargetLoss()
    {
        // MSE against the model's input (autoencoders): value and gradient with a separate target.
        Case c{"MSELoss", {{"target", "input"}}, {5}, 1};
        Harness h(c);
        std::vector<float> target(h.in[0].size());
        Rng rng(11);
        for (auto& v : target)
            v = rng.uniform(-1, 1);
        LayerIO io = h.io(nullptr);
        io.modelInput = target.data();
        h.layer->forward(io);
        double expected = 0;
        for (std::size_t i = 0; i < target.size(); ++i)
            expected += double(h.in[0][i] - target[i]) * (h.in[0][i] - target[i]);
        expected /= double(target.size());
        QVERIFY(std::abs(h.layer->lossValue() - expected) < 1e-6);
        std::vector<float> grad(target.size());
        io.dIn = {grad.data()};
        h.layer->backward(io);
        for (std::size_t i = 0; i < target.size(); ++i)
            QVERIFY(std::abs(grad[i] - 2.0f * (h.in[0][i] - target[i]) / float(target.size())) < 1e-6f);
    }
};

QTEST_APPLESS_MAIN(TestGradients)
#include "tst_gradients.moc"
