// The studio's responsiveness on a 500-node graph (issue 5's figures; a benchmark, never a test):
//   - shape inference of the whole graph (the engine's analyse(), rerun after every edit);
//   - one edit as a person waits for it: the undo command, the analysis, the canvas's update;
//   - panning and zooming: frames drawn per second by the real view, repainted synchronously;
//   - launch to window shown, of the real program (neurite-studio --screenshot).
// Run under Xvfb (the canvas is drawn by X11's raster engine, as on a desktop without a GPU):
//   xvfb-run -a -s "-screen 0 1920x1080x24" build/benchmarks/bench_studio
#include "app/studio/EditCommands.h"
#include "app/studio/MainWindow.h"
#include "engine/graph/ShapeInference.h"
#include "widgets/nodegraph/NodeGraphScene.h"
#include "widgets/nodegraph/NodeGraphView.h"

#include <QApplication>
#include <QElapsedTimer>
#include <QProcess>
#include <QScrollBar>
#include <QTemporaryDir>
#include <QTest>
#include <QUndoStack>
#include <algorithm>
#include <cstdio>
#include <vector>

using namespace neurite;

namespace {

// Input [16×32×32], then residual blocks (Conv2d → BatchNorm2d → ReLU → Add with the block's
// input) until there are 500 nodes, then global pooling, a Linear layer and the loss; placed in
// bands of ten columns as the automatic layout would.
ModelGraph bigGraph(int total)
{
    ModelGraph g;
    g.name = "big";
    g.add("input", "Input", {{"shape", {16, 32, 32}}});
    std::string last = "input";
    int block = 0;
    while (int(g.nodes.size()) + 4 + 3 <= total) {
        const std::string b = "b" + std::to_string(block++) + "_";
        g.add(b + "conv", "Conv2d", {{"out_channels", 16}, {"padding", 1}});
        g.add(b + "bn", "BatchNorm2d");
        g.add(b + "relu", "ReLU");
        g.add(b + "add", "Add");
        g.connect(last, b + "conv");
        g.connect(b + "conv", b + "bn");
        g.connect(b + "bn", b + "relu");
        g.connect(b + "relu", b + "add", "a");
        g.connect(last, b + "add", "b");
        last = b + "add";
    }
    while (int(g.nodes.size()) + 3 < total) {  // fill up to the exact count with activations
        const std::string id = "act" + std::to_string(g.nodes.size());
        g.add(id, "ReLU");
        g.connect(last, id);
        last = id;
    }
    g.add("gap", "GlobalAvgPool2d");
    g.add("fc", "Linear", {{"out_features", 10}});
    g.add("loss", "CrossEntropyLoss");
    g.connect(last, "gap");
    g.connect("gap", "fc");
    g.connect("fc", "loss");
    for (std::size_t i = 0; i < g.nodes.size(); ++i) {
        g.nodes[i].x = double(i % 10) * 300;
        g.nodes[i].y = double(i / 10) * 200;
    }
    return g;
}

double median(std::vector<double> v)
{
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

// Frames per second of `frames` synchronous repaints, each after `step` moved the view.
template <class Step>
double framesPerSecond(NodeGraphView* view, int frames, Step step)
{
    QElapsedTimer clock;
    clock.start();
    for (int i = 0; i < frames; ++i) {
        step(i);
        view->viewport()->repaint();
    }
    QApplication::sync();
    return frames / (clock.nsecsElapsed() * 1e-9);
}

} // namespace

int main(int argc, char** argv)
{
    QTemporaryDir home;
    qputenv("XDG_CONFIG_HOME", home.filePath(QStringLiteral("config")).toUtf8());
    qputenv("XDG_DATA_HOME", home.filePath(QStringLiteral("data")).toUtf8());
    QApplication app(argc, argv);
    const ModelGraph graph = bigGraph(500);
    std::printf("graph: %zu nodes, %zu edges\n", graph.nodes.size(), graph.edges.size());

    std::vector<double> analysis;
    for (int i = 0; i < 200; ++i) {
        QElapsedTimer t;
        t.start();
        const GraphAnalysis a = analyse(graph, 128);
        analysis.push_back(t.nsecsElapsed() * 1e-6);
        if (!a.ok())
            return std::fprintf(stderr, "the benchmark graph is not valid: %s\n", a.errors().front().str().c_str()), 1;
    }
    std::printf("shape inference, 500 nodes: median %.2f ms (target < 5 ms)\n", median(analysis));

    MainWindow w;
    w.resize(1600, 1000);
    w.show();
    if (!QTest::qWaitForWindowExposed(&w))
        return 1;
    w.document()->reset(graph, {});
    w.showCanvas();
    QApplication::processEvents();

    // One edit: an attribute typed in the inspector, with everything that follows it.
    std::vector<double> edits;
    for (int i = 0; i < 40; ++i) {
        QElapsedTimer t;
        t.start();
        w.document()->push(new SetAttributeCommand(w.document(), "b10_conv", "out_channels", 16, true));
        w.document()->push(new SetAttributeCommand(w.document(), "b10_conv", "kernel_size", i % 2 ? 3 : 1,
                                                   true));
        QApplication::processEvents();
        edits.push_back(t.nsecsElapsed() * 1e-6 / 2);
    }
    std::printf("one edit (command + analysis + canvas update + docks), 500 nodes: median %.1f ms\n", median(edits));

    NodeGraphView* view = w.view();
    view->resetZoom();
    view->centerOn(1500, 2500);
    QApplication::processEvents();
    const double pan = framesPerSecond(view, 240, [&](int i) {
        view->horizontalScrollBar()->setValue(view->horizontalScrollBar()->value() + (i / 60 % 2 ? -12 : 12));
    });
    std::printf("pan at 100%%: %.0f frames/s (target 60)\n", pan);
    view->fitToView();
    QApplication::processEvents();
    std::printf("whole graph fitted: zoom %.0f%%\n", view->zoom() * 100);
    const double zoomedOut = framesPerSecond(view, 120, [&](int i) {
        view->verticalScrollBar()->setValue(view->verticalScrollBar()->value() + (i / 30 % 2 ? -10 : 10));
    });
    std::printf("pan with all 500 nodes in view: %.0f frames/s (target 60)\n", zoomedOut);
    const double zoom = framesPerSecond(view, 240, [&](int i) {
        const double f = i / 60 % 2 ? 1 / 1.03 : 1.03;
        view->scale(f, f);
    });
    std::printf("zoom in and out from the fitted view: %.0f frames/s (target 60)\n", zoom);
    w.document()->undoStack()->setClean();

    // Launch to shown, of the real program, five times.
    std::vector<double> launches;
    for (int i = 0; i < 5; ++i) {
        QProcess studio;
        studio.start(QStringLiteral(NEURITE_STUDIO_PROGRAM), {QStringLiteral("--screenshot"), home.filePath(QStringLiteral("shot.png"))});
        studio.waitForFinished(30000);
        const QString out = QString::fromUtf8(studio.readAllStandardOutput());
        const auto m = QRegularExpression(QStringLiteral("shown (\\d+) ms")).match(out);
        if (m.hasMatch())
            launches.push_back(m.captured(1).toDouble());
    }
    if (!launches.empty())
        std::printf("launch to window shown: median %.0f ms of %zu (target < 1000 ms)\n", median(launches), launches.size());
    return 0;
}
