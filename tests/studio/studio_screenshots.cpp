// Screenshots of the studio for the README, made the way a person would get there (templates,
// edits, a selection). Run under Xvfb:
//   xvfb-run -a -s "-screen 0 1600x1000x24" build/tests/studio_screenshots docs/screenshots
#include "app/studio/CodeDock.h"
#include "app/studio/EditCommands.h"
#include "app/studio/InspectorDock.h"
#include "app/studio/MainWindow.h"
#include "app/studio/Theme.h"
#include "app/studio/evaluation/EvaluationDock.h"
#include "app/studio/export/ExportDialog.h"
#include "app/studio/predict/PredictDock.h"
#include "app/studio/telemetry/TelemetryDock.h"
#include "widgets/drawing/DrawPad.h"
#include "app/studio/runs/RunsDock.h"
#include "app/studio/training/LiveChartsDock.h"
#include "app/studio/training/TrainingController.h"
#include "app/studio/training/TrainingPanel.h"
#include "widgets/nodegraph/NodeGraphScene.h"
#include "widgets/nodegraph/NodeGraphView.h"

#include <QApplication>
#include <QDir>
#include <QScrollArea>
#include <QTemporaryDir>
#include <QTest>
#include <QUndoStack>
#include <cstdio>

namespace {

bool shoot(MainWindow& w, const QString& file)
{
    QTest::qWait(200);
    const bool ok = w.grab().save(file);
    std::printf("%s %s\n", ok ? "wrote" : "FAILED", qPrintable(file));
    return ok;
}

void add(MainWindow& w, const char* type, const char* id, double x, double y, nlohmann::json attrs = nlohmann::json::object())
{
    neurite::Node n{id, type, std::move(attrs), x, y};
    w.document()->push(new AddNodesCommand(w.document(), {n}, {}, QStringLiteral("Add")));
}

void wire(MainWindow& w, const char* from, const char* to)
{
    w.document()->push(new ConnectCommand(w.document(), neurite::Edge{{from, "out"}, {to, "in"}}));
}

} // namespace

int main(int argc, char** argv)
{
    QTemporaryDir home;  // fresh settings: what a new user sees
    qputenv("XDG_CONFIG_HOME", home.filePath(QStringLiteral("config")).toUtf8());
    qputenv("XDG_DATA_HOME", home.filePath(QStringLiteral("data")).toUtf8());
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("Neurite Studio"));
    const QDir out(argc > 1 ? QString::fromLocal8Bit(argv[1]) : QStringLiteral("."));
    QDir().mkpath(out.path());
    bool ok = true;

    MainWindow w;
    w.resize(1600, 960);
    w.show();
    if (!QTest::qWaitForWindowExposed(&w))
        return 1;
    ok &= shoot(w, out.filePath(QStringLiteral("welcome.png")));

    // A CNN being built: four layers placed, three wired, conv1 inspected.
    w.newBlank();
    add(w, "Input", "input", 0, 0);
    add(w, "Conv2d", "conv1", 300, 0, {{"out_channels", 32}, {"padding", 1}});
    add(w, "ReLU", "relu1", 600, 0);
    add(w, "MaxPool2d", "pool1", 900, 0);
    add(w, "Conv2d", "conv2", 300, 200, {{"out_channels", 64}, {"padding", 1}});
    wire(w, "input", "conv1");
    wire(w, "conv1", "relu1");
    wire(w, "relu1", "pool1");
    w.view()->resetZoom();
    w.view()->centerOn(560, 140);
    w.scene()->selectNodes({QStringLiteral("conv1")});
    ok &= shoot(w, out.filePath(QStringLiteral("building-cnn.png")));

    // An error on a node: the CNN without its Flatten.
    w.openTemplate(QStringLiteral(":/models/cnn.json"));
    w.scene()->selectNodes({QStringLiteral("flatten")});
    w.scene()->removeSelection();
    wire(w, "pool2", "fc1");
    w.scene()->selectNodes({QStringLiteral("fc1")});
    w.view()->centreOnNodes({QStringLiteral("pool2"), QStringLiteral("fc1")});
    ok &= shoot(w, out.filePath(QStringLiteral("error-on-node.png")));

    // The inspector's maths and the code, on the MLP.
    w.openTemplate(QStringLiteral(":/models/mlp.json"));
    w.scene()->selectNodes({QStringLiteral("fc1")});
    ok &= shoot(w, out.filePath(QStringLiteral("inspector-maths.png")));
    w.code()->raise();
    ok &= shoot(w, out.filePath(QStringLiteral("code.png")));

    // Training: the CNN as it learns (then stopped), the MLP trained twice, the runs, a comparison.
    {
        applyTheme(Theme::Light);
        const auto trainTemplate = [&](const char* resource, int epochs, double lr) {
            w.openTemplate(QString::fromLatin1(resource));
            neurite::JobSpec job = w.trainingPanel()->job();
            job.train.epochs = epochs;
            job.train.lr = lr;
            w.trainingPanel()->setJob(job);
            w.train();
        };
        const auto waitIdle = [&] {
            if (!QTest::qWaitFor([&] { return !w.training()->busy(); }, 600000))
                ok = false;
        };
        trainTemplate(":/models/cnn.json", 3, 0.001);
        QTest::qWait(15000);
        ok &= shoot(w, out.filePath(QStringLiteral("training-live.png")));
        w.training()->stop();
        waitIdle();
        trainTemplate(":/models/mlp.json", 6, 0.001);
        waitIdle();
        ok &= shoot(w, out.filePath(QStringLiteral("training-done.png")));
        // The whole Training dock, as it scrolls: data, hyper-parameters, device.
        if (auto* scroll = w.trainingPanel()->findChild<QScrollArea*>()) {
            const bool saved = scroll->widget()->grab().save(out.filePath(QStringLiteral("training-settings.png")));
            std::printf("%s %s\n", saved ? "wrote" : "FAILED", qPrintable(out.filePath(QStringLiteral("training-settings.png"))));
            ok &= saved;
        }
        trainTemplate(":/models/mlp.json", 6, 0.003);
        waitIdle();
        w.runs()->show();
        w.runs()->raise();
        ok &= shoot(w, out.filePath(QStringLiteral("runs.png")));
        w.compareRuns({2, 3});
        ok &= shoot(w, out.filePath(QStringLiteral("compare.png")));
        // Export… on a trained run: ONNX, verified by ONNX Runtime, the result in the dialog.
        w.runs()->selectRuns({3});
        w.runs()->exportAction()->trigger();
        if (auto* dialog = w.findChild<ExportDialog*>()) {
            dialog->setOutput(home.filePath(QStringLiteral("fmnist-mlp.onnx")));
            dialog->start();
            const bool done = QTest::qWaitFor(
                [&] { return !dialog->resultText().startsWith(QStringLiteral("Exporting")); }, 120000);
            QTest::qWait(200);
            const bool saved = done && dialog->grab().save(out.filePath(QStringLiteral("export.png")));
            std::printf("%s %s\n", saved ? "wrote" : "FAILED", qPrintable(out.filePath(QStringLiteral("export.png"))));
            ok &= saved && dialog->succeeded();
            dialog->close();
        }
        // Inside the network: the CNN at a learning rate ten times too high, then at a sane one;
        // the Layer telemetry dock and the badges on the canvas, live.
        // The sane run trains its epoch to the end (on a third of the set): Predict uses it below.
        const auto layersLive = [&](double lr, const char* file, bool finish) {
            w.openTemplate(QStringLiteral(":/models/cnn.json"));
            neurite::JobSpec job = w.trainingPanel()->job();
            job.train.epochs = 1;
            job.train.lr = lr;
            job.data.trainSamples = 20000;
            w.trainingPanel()->setJob(job);
            w.train();
            QTest::qWait(30000);
            w.telemetry()->show();
            w.telemetry()->raise();   // the live charts come to the front when a run starts
            w.resizeDocks({w.telemetry()}, {w.height() * 50 / 100}, Qt::Vertical);
            w.view()->fitToView();
            w.scene()->selectNodes({QString::fromLatin1(finish ? "conv2" : "relu2")});   // its row in view
            ok &= shoot(w, out.filePath(QString::fromLatin1(file)));
            if (!finish)
                w.training()->stop();
            waitIdle();
        };
        layersLive(0.01, "layers-lr-too-high.png", false);
        layersLive(0.001, "layers-sane.png", true);
        // The evaluation views of the second MLP run: its worst confusion clicked.
        w.runs()->selectRuns({3});
        w.runs()->evaluationViewsAction()->trigger();
        if (QTest::qWaitFor([&] { return w.evaluation()->predictions() != nullptr; }, 120000)) {
            const auto* p = w.evaluation()->predictions();
            int worstTrue = 0, worstPredicted = 1;
            for (int t = 0; t < int(p->classes); ++t)
                for (int q = 0; q < int(p->classes); ++q)
                    if (t != q && p->confusion[std::size_t(t * p->classes + q)] >
                                      p->confusion[std::size_t(worstTrue * p->classes + worstPredicted)]) {
                        worstTrue = t;
                        worstPredicted = q;
                    }
            w.evaluation()->showCell(worstTrue, worstPredicted);
            QTest::qWait(300);
            const QString file = out.filePath(QStringLiteral("evaluation.png"));
            const bool saved = w.evaluation()->grab().save(file);   // a window of its own
            std::printf("%s %s\n", saved ? "wrote" : "FAILED", qPrintable(file));
            ok &= saved;
            w.evaluation()->close();
        } else {
            ok = false;
        }
        // Predict, on the CNN trained above: a pair of trousers drawn with the mouse on the pad.
        w.runs()->selectRuns({5});
        w.runs()->predictAction()->trigger();
        if (QTest::qWaitFor([&] { return w.predict()->isVisible(); }, 10000)) {
            DrawPad* pad = w.predict()->pad();
            const auto stroke = [&](QPoint from, QPoint to) {
                QTest::mousePress(pad, Qt::LeftButton, {}, from);
                for (int i = 1; i <= 12; ++i)
                    QTest::mouseMove(pad, from + (to - from) * i / 12);
                QTest::mouseRelease(pad, Qt::LeftButton, {}, to);
            };
            const int side = pad->width();
            const auto at = [side](int x, int y) { return QPoint(side * x / 100, side * y / 100); };
            for (int x : {34, 40, 45})   // the left leg, filled
                stroke(at(x, 10), at(x - 4, 92));
            for (int x : {55, 60, 66})   // the right leg
                stroke(at(x, 10), at(x + 4, 92));
            for (int y : {10, 18, 26, 34})   // the waist, joining them
                stroke(at(34, y), at(66, y));
            QTest::qWait(500);
            const QString file = out.filePath(QStringLiteral("predict.png"));
            const bool saved = w.predict()->grab().save(file);
            std::printf("%s %s\n", saved ? "wrote" : "FAILED", qPrintable(file));
            ok &= saved;
            w.predict()->close();
        } else {
            ok = false;
        }
        w.liveCharts()->raise();
    }

    // The dark theme, on the residual network arranged automatically.
    applyTheme(Theme::Dark);
    w.openTemplate(QStringLiteral(":/models/resnet-small.json"));
    w.autoLayout();
    w.inspector()->raise();
    w.scene()->selectNodes({QStringLiteral("block1_add")});
    ok &= shoot(w, out.filePath(QStringLiteral("dark-resnet.png")));

    w.document()->undoStack()->setClean();
    return ok ? 0 : 1;
}
