// Layers, losses, optimiser steps and schedules against golden values from PyTorch
// (tests/fixtures/golden.json, made by tests/fixtures/make_golden.py with Debian's python3-torch).
#include "engine/backends/cpu/CpuBackend.h"
#include "engine/graph/ShapeInference.h"
#include "engine/backends/reference/ReferenceBackend.h"
#include "engine/train/Layer.h"
#include "engine/train/Optimizer.h"
#include "engine/train/Schedule.h"

#include <QtTest>

#include <cmath>
#include <fstream>

using namespace neurite;
using nlohmann::json;

namespace {

const json& golden()
{
    static const json doc = [] {
        std::ifstream in(NEURITE_SOURCE_DIR "/tests/fixtures/golden.json");
        return json::parse(in);
    }();
    return doc;
}

std::vector<float> floats(const json& j) { return j.get<std::vector<float>>(); }

void expectClose(const float* got, const std::vector<float>& want, double tolerance, const std::string& what)
{
    for (std::size_t i = 0; i < want.size(); ++i)
        if (std::abs(got[i] - want[i]) > tolerance * (1 + std::abs(want[i])))
            QFAIL(qPrintable(QString("%1[%2]: got %3, PyTorch %4").arg(QString::fromStdString(what)).arg(i).arg(got[i]).arg(want[i])));
}

// Runs one layer with the fixture's parameters and inputs; the CPU backend (itself checked
// against the reference backend) does the heavy operations.
void checkLayer(const json& c)
{
    const auto batch = c["batch"].get<std::int64_t>();
    const bool binary = c["inputs"].size() == 2;
    ModelGraph g;
    g.add("input", "Input", {{"shape", c["shape"]}});
    g.add("x", c["type"].get<std::string>(), c["attrs"]);
    g.connect("input", "x", binary ? "a" : "in");
    if (binary)
        g.connect("input", "x", "b");
    const GraphAnalysis a = analyse(g, batch);
    CpuBackend backend(1);
    const Shape inputShape(c["shape"].get<std::vector<std::int64_t>>());
    auto layer = createLayer({*g.find("x"), a.info("x"), backend, batch, inputShape});
    for (auto* p : layer->parameters()) {
        const std::string local = p->name.substr(p->name.find('.') + 1);
        if (c["params"].contains(local)) {
            const auto values = floats(c["params"][local]);
            QCOMPARE(std::int64_t(values.size()), p->value.numel());
            std::copy(values.begin(), values.end(), p->value.data());
        }
    }
    std::vector<std::vector<float>> in, dIn;
    for (const auto& x : c["inputs"]) {
        in.push_back(floats(x));
        dIn.emplace_back(in.back().size());
    }
    const auto r = floats(c["r"]);
    std::vector<float> out(r.size()), workspace(std::size_t(std::max<std::int64_t>(layer->workspaceFloats(), 1)));
    LayerIO io;
    io.n = batch;
    io.training = true;
    for (std::size_t i = 0; i < in.size(); ++i) {
        io.in.push_back(in[i].data());
        io.dIn.push_back(dIn[i].data());
    }
    io.out = out.data();
    io.dOut = r.data();
    io.workspace = workspace.data();
    layer->forward(io);
    layer->backward(io);
    const std::string name = c["name"];
    expectClose(out.data(), floats(c["output"]), 1e-4, name + " output");
    for (std::size_t i = 0; i < in.size(); ++i)
        expectClose(dIn[i].data(), floats(c["input_grads"][i]), 1e-4, name + " input grad");
    for (auto* p : layer->parameters()) {
        const std::string local = p->name.substr(p->name.find('.') + 1);
        if (p->learned && c["param_grads"].contains(local))
            expectClose(p->grad.data(), floats(c["param_grads"][local]), 1e-4, name + " " + local + " grad");
        if (!p->learned && c.contains(local))
            expectClose(p->value.data(), floats(c[local]), 1e-5, name + " " + local);
    }
}

} // namespace

class TestGolden : public QObject {
    Q_OBJECT
private slots:
    void layers_data()
    {
        QTest::addColumn<int>("index");
        for (std::size_t i = 0; i < golden()["layers"].size(); ++i)
            QTest::newRow(golden()["layers"][i]["name"].get<std::string>().c_str()) << int(i);
    }
    void layers()
    {
        QFETCH(int, index);
        checkLayer(golden()["layers"][std::size_t(index)]);
    }

    void losses_data()
    {
        QTest::addColumn<int>("index");
        for (std::size_t i = 0; i < golden()["losses"].size(); ++i)
            QTest::newRow(golden()["losses"][i]["name"].get<std::string>().c_str()) << int(i);
    }
    void losses()
    {
        QFETCH(int, index);
        const json& c = golden()["losses"][std::size_t(index)];
        const auto classes = c["classes"].get<std::int64_t>(), batch = c["batch"].get<std::int64_t>();
        ModelGraph g;
        g.add("input", "Input", {{"shape", {classes}}});
        g.add("x", c["type"].get<std::string>(), c["attrs"]);
        g.connect("input", "x");
        const auto a = analyse(g, batch);
        CpuBackend backend(1);
        auto layer = createLayer({*g.find("x"), a.info("x"), backend, batch, Shape{classes}});
        auto x = floats(c["x"]);
        const auto labels = c["labels"].get<std::vector<std::int32_t>>();
        std::vector<float> grad(x.size());
        LayerIO io;
        io.n = batch;
        io.in = {x.data()};
        io.dIn = {grad.data()};
        io.labels = labels.data();
        layer->forward(io);
        layer->backward(io);
        QVERIFY(std::abs(layer->lossValue() - c["loss"].get<double>()) < 1e-5);
        expectClose(grad.data(), floats(c["grad"]), 1e-4, c["name"].get<std::string>());
    }

    void optimizers_data()
    {
        QTest::addColumn<int>("index");
        for (std::size_t i = 0; i < golden()["optimizers"].size(); ++i)
            QTest::newRow(golden()["optimizers"][i]["name"].get<std::string>().c_str()) << int(i);
    }
    void optimizers()
    {
        QFETCH(int, index);
        const json& c = golden()["optimizers"][std::size_t(index)];
        const json& cfg = c["config"];
        OptimizerConfig config;
        config.kind = cfg["kind"];
        config.momentum = cfg.value("momentum", 0.0);
        config.nesterov = cfg.value("nesterov", false);
        config.weightDecay = cfg.value("weight_decay", 0.0);
        ReferenceBackend backend;
        auto optimizer = createOptimizer(config, backend);
        Parameter p{"p", Tensor(Shape{6}), Tensor(Shape{6})};
        const auto start = floats(c["start"]);
        std::copy(start.begin(), start.end(), p.value.data());
        for (std::size_t step = 0; step < c["grads"].size(); ++step) {
            const auto g = floats(c["grads"][step]);
            std::copy(g.begin(), g.end(), p.grad.data());
            optimizer->step({&p}, cfg["lr"].get<double>());
            expectClose(p.value.data(), floats(c["after"][step]), 2e-6, c["name"].get<std::string>() + " step " + std::to_string(step + 1));
        }
    }

    void schedules_data()
    {
        QTest::addColumn<int>("index");
        for (std::size_t i = 0; i < golden()["schedules"].size(); ++i)
            QTest::newRow(golden()["schedules"][i]["name"].get<std::string>().c_str()) << int(i);
    }
    void schedules()
    {
        QFETCH(int, index);
        const json& c = golden()["schedules"][std::size_t(index)];
        ScheduleConfig config;
        config.kind = c["config"]["kind"];
        config.gamma = c["config"].value("gamma", 0.1);
        config.stepEpochs = c["config"].value("step_epochs", 10);
        const auto perEpoch = c["steps_per_epoch"].get<std::int64_t>();
        const auto lrs = c["lrs"].get<std::vector<double>>();
        const Schedule schedule(config, c["base_lr"].get<double>(), perEpoch, perEpoch * c["epochs"].get<std::int64_t>());
        for (std::size_t step = 0; step < lrs.size(); ++step)
            if (std::abs(schedule.lr(std::int64_t(step)) - lrs[step]) > 1e-9 + 1e-6 * lrs[step])
                QFAIL(qPrintable(QString("step %1: lr %2, PyTorch %3").arg(step).arg(schedule.lr(std::int64_t(step))).arg(lrs[step])));
    }
};

QTEST_APPLESS_MAIN(TestGolden)
#include "tst_golden.moc"
