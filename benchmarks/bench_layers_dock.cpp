// The Layer telemetry dock while the CNN trains (issue 12): its frame time (Dear ImGui's frame
// built and drawn on the GUI thread), the frames per second it reaches while live, and the memory
// the telemetry of one run holds (the dock's history, the trainer's probe, the store's rows).
// Run under Xvfb (the dock is an OpenGL widget; Mesa's llvmpipe draws on the CPU):
//   xvfb-run -a -s "-screen 0 1600x1000x24" build/benchmarks/bench_layers_dock [--seconds N] [--threads N]
//     [--floating] [--no-training]
// --no-training animates the dock as if live with no run: what composing the window costs alone.
#include "BenchTiming.h"

#include "app/studio/MainWindow.h"
#include "app/studio/telemetry/TelemetryDock.h"
#include "app/studio/telemetry/TelemetryView.h"
#include "app/studio/training/TrainingController.h"
#include "app/studio/training/TrainingPanel.h"
#include "engine/run/Workspace.h"
#include "engine/store/RunStore.h"

#include <QApplication>
#include <QElapsedTimer>
#include <QTemporaryDir>
#include <QTest>
#include <QUndoStack>

#include <time.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <vector>

namespace {

// What a snapshot held in the dock's history takes: the vector's elements and their strings.
std::size_t snapshotBytes(const neurite::TelemetrySnapshot& s)
{
    std::size_t bytes = sizeof s + s.firstNonFinite.capacity();
    for (const auto& l : s.layers)
        bytes += sizeof l + l.node.capacity() + l.type.capacity() + l.activationAfter.capacity();
    return bytes;
}

double cpuSeconds(clockid_t clock)
{
    timespec t{};
    clock_gettime(clock, &t);
    return double(t.tv_sec) + 1e-9 * double(t.tv_nsec);
}

double percentile(std::vector<double> v, double p)
{
    if (v.empty())
        return 0;
    std::sort(v.begin(), v.end());
    return v[std::min(v.size() - 1, std::size_t(p * double(v.size())))];
}

} // namespace

int main(int argc, char** argv)
{
    QApplication app(argc, argv);
    int seconds = 30, threads = 0;
    for (int i = 1; i + 1 < argc; ++i) {
        if (!std::strcmp(argv[i], "--seconds"))
            seconds = std::atoi(argv[i + 1]);
        if (!std::strcmp(argv[i], "--threads"))   // the trainer's; 0: every core
            threads = std::atoi(argv[i + 1]);
    }
    // --floating: the dock in a window of its own (software OpenGL composes only that window).
    const auto flag = [&](const char* name) {
        return std::find_if(argv, argv + argc, [&](const char* a) { return !std::strcmp(a, name); }) != argv + argc;
    };
    const bool floating = flag("--floating");
    const bool training = !flag("--no-training");
    QTemporaryDir dir;
    MainWindow w;
    w.setWorkspace(dir.filePath(QStringLiteral("bench.db")));
    w.resize(1600, 960);
    w.show();
    if (!QTest::qWaitForWindowExposed(&w))
        return 1;
    TelemetryView* view = w.telemetry()->view();
    if (!view) {
        std::printf("no OpenGL here: run under xvfb-run\n");
        return 1;
    }
    w.openTemplate(QStringLiteral(":/models/cnn.json"));
    neurite::JobSpec job = w.trainingPanel()->job();
    job.train.epochs = 1;
    job.threads = threads;
    w.trainingPanel()->setJob(job);
    if (training)
        w.train();
    else
        view->setLive(true);   // animating, as while a run is live
    QTest::qWait(1500);   // the charts take the front when a run starts: the dock after them
    w.telemetry()->show();
    w.telemetry()->raise();
    w.resizeDocks({w.telemetry()}, {w.height() / 2}, Qt::Vertical);
    if (floating) {
        w.telemetry()->setFloating(true);
        w.telemetry()->setGeometry(100, 100, 1400, 480);
    }

    // Sample the view's last frame time every 50 ms; count the frames it drew meanwhile.
    std::vector<double> frames;
    const qint64 framesBefore = view->framesDrawn();
    QElapsedTimer clock;
    clock.start();
    const double guiCpuBefore = cpuSeconds(CLOCK_THREAD_CPUTIME_ID);   // this is the GUI thread
    qint64 lastCounted = view->framesDrawn();
    while (clock.elapsed() < seconds * 1000 && (!training || w.training()->busy())) {
        QTest::qWait(50);
        if (view->framesDrawn() != lastCounted) {
            frames.push_back(view->lastFrameMilliseconds());
            lastCounted = view->framesDrawn();
        }
    }
    const double elapsed = double(clock.elapsed()) / 1000;
    const double fps = double(view->framesDrawn() - framesBefore) / elapsed;
    const double guiBusy = (cpuSeconds(CLOCK_THREAD_CPUTIME_ID) - guiCpuBefore) / elapsed;
    const auto& history = view->history().snapshots();
    std::size_t historyBytes = 0;
    for (const auto& s : history)
        historyBytes += snapshotBytes(s);
    const qint64 run = w.training()->currentRun();
    w.training()->stopAndWait();
    std::int64_t stored = 0;
    std::size_t storedCount = 0;
    {
        const auto store = neurite::openWorkspace(dir.filePath(QStringLiteral("bench.db")).toStdString());
        stored = store->telemetryBytes(run);
        storedCount = store->telemetry(run).size();
    }

    const std::string trainer = threads ? std::to_string(threads) + " thread(s)" : "every core";
    std::printf("Layer telemetry dock (%s) %s (%d s under Xvfb, Mesa llvmpipe)\nCPU: %s\n\n",
                floating ? "floating, 1400×480" : "docked in a 1600×960 window",
                training ? ("while the CNN trains on " + trainer).c_str() : "animating with no training", seconds,
                cpuModel().c_str());
    std::printf("frame time (build + draw, GUI thread): median %.2f ms, 95th percentile %.2f ms, worst %.2f ms "
                "(%zu frames sampled)\n",
                percentile(frames, 0.5), percentile(frames, 0.95), percentile(frames, 1.0), frames.size());
    std::printf("frames drawn while live: %.1f per second; the GUI thread busy %.0f%% of the time "
                "(%.1f ms of its CPU a frame, composition included)\n",
                fps, 100 * guiBusy, 1000 * guiBusy / std::max(fps, 1e-9));
    std::printf("telemetry held: the dock's history %zu snapshots, %.1f KiB; the store %zu snapshots, %.1f KiB\n",
                history.size(), double(historyBytes) / 1024, storedCount, double(stored) / 1024);
    w.document()->undoStack()->setClean();
    return 0;
}
