// The Compare view on 20 runs of 10,000 training steps each (a benchmark, never a test). Four
// settings × five seeds; every run records train/loss at each step, and val/accuracy and
// epoch/train_loss at the end of each of its 100 epochs. Then, median of several repetitions, the
// dock 1600 × 1000 on the offscreen platform, each figure ending with both charts rebuilt and the
// dock painted (grab()):
//   - compare: setRuns (read the 20 runs and 2 metrics each from the store) and the first draw;
//   - smoothing: another smoothing weight;
//   - x axis: another x-axis mode (every series set again from the cached points);
//   - group seeds: on or off (bands of 5 runs, or 20 lines);
//   - live poll: another connection added 10 points to the one running run; poll() appends them.
//   QT_QPA_PLATFORM=offscreen build/benchmarks/bench_compare [FOLDER]   (default /tmp; reused)
#include "app/studio/compare/CompareDock.h"
#include "app/studio/compare/ComparePane.h"
#include "engine/graph/ModelJson.h"
#include "engine/run/Job.h"
#include "engine/store/RunStore.h"
#include "widgets/charts/MetricChart.h"

#include <QApplication>
#include "benchmarks/BenchTiming.h"

#include <QElapsedTimer>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <vector>

using namespace neurite;
namespace fs = std::filesystem;

namespace {

constexpr int kRuns = 20, kSteps = 10000, kStepsPerEpoch = 100, kBatch = 64;


std::string model()
{
    return modelToJson(modelFromJson(nlohmann::json::parse(R"({"version": 1, "name": "mlp", "input": [1, 28, 28],
        "layers": [{"type": "Flatten"}, {"type": "Linear", "out_features": 256}, {"type": "ReLU"},
                   {"type": "Linear", "out_features": 10}, {"type": "CrossEntropyLoss"}]})"))).dump();
}

// A noisy falling loss and a rising accuracy, different for each run.
std::vector<std::int64_t> makeWorkspace(const std::string& path)
{
    RunStore store(path);
    std::vector<std::int64_t> ids;
    std::uint64_t noise = 12345;
    const auto uniform = [&noise] {
        noise = noise * 6364136223846793005ULL + 1442695040888963407ULL;
        return double(noise >> 11) / double(1ULL << 53);
    };
    for (int r = 0; r < kRuns; ++r) {
        JobSpec job;
        job.train.epochs = kSteps / kStepsPerEpoch;
        job.train.batch = kBatch;
        job.train.lr = 0.001 * (1 + r / 5);
        job.train.seed = std::uint64_t(r % 5 + 1);
        RunRecord run;
        run.name = "lr " + std::to_string(job.train.lr) + " seed " + std::to_string(job.train.seed);
        run.hyperparams = runSettings(job);
        run.modelJson = model();
        const std::int64_t id = store.createRun(run);
        store.startRun(id);
        const double rate = 1.0 + 0.3 * (r / 5);
        for (int s = 1; s <= kSteps; ++s) {
            const int epoch = (s - 1) / kStepsPerEpoch + 1;
            const MetricPoint p{s, epoch, std::int64_t(s) * kBatch, 0.004 * s, 0};
            store.addMetric(id, "train/loss", {p.step, p.epoch, p.samples, p.time,
                                               2.3 * std::exp(-rate * s / 3000.0) + 0.2 * uniform()});
            if (s % kStepsPerEpoch == 0) {
                const double acc = 0.95 - 0.6 * std::exp(-rate * s / 2000.0) + 0.02 * uniform();
                store.addMetric(id, "val/accuracy", {p.step, epoch, p.samples, p.time, acc});
                store.addMetric(id, "epoch/train_loss", {p.step, epoch, p.samples, p.time, 2.3 * std::exp(-rate * s / 3000.0)});
            }
        }
        store.flush();
        if (r > 0)
            store.finishRun(id, "completed");
        ids.push_back(id);
    }
    return ids;
}

} // namespace

int main(int argc, char** argv)
{
    QApplication app(argc, argv);
    QCoreApplication::setOrganizationName("neurite-bench");
    const fs::path folder = fs::path(argc > 1 ? argv[1] : "/tmp") / "neurite-bench-compare";
    const std::string path = (folder / "neurite.db").string();
    fs::remove_all(folder);
    fs::create_directories(folder);

    QElapsedTimer clock;
    clock.start();
    const std::vector<std::int64_t> ids = makeWorkspace(path);
    std::printf("Compare view: %d runs × %d steps of train/loss (+ %d epochs of val/accuracy and epoch/train_loss)\n",
                kRuns, kSteps, kSteps / kStepsPerEpoch);
    std::printf("CPU: %s; Qt %s; platform %s\n", cpuModel().c_str(), qVersion(), qPrintable(QGuiApplication::platformName()));
    std::printf("workspace made in %.0f ms\n\n", double(clock.elapsed()));

    RunStore writer(path);                  // another connection: run 1 is still training
    writer.startRun(ids.front());

    const QString workspace = QString::fromStdString(path);
    const QList<qint64> runs(ids.begin(), ids.end());
    const auto drawnDock = [](CompareDock& dock) {
        for (int i = 0; i < CompareDock::kPanes; ++i)
            dock.pane(i)->chart()->flush();
        dock.grab();
    };
    const auto figure = [](const char* what, double ms) { std::printf("%-56s %8.1f ms\n", what, ms); };

    figure("open: a new dock, setWorkspace, setRuns, first draw", medianMilliseconds([&] {
        CompareDock fresh;
        fresh.resize(1600, 1000);
        fresh.show();
        fresh.setWorkspace(workspace);
        fresh.setRuns(runs);
        drawnDock(fresh);
    }));

    CompareDock dock;
    dock.resize(1600, 1000);
    dock.setPollInterval(0);
    dock.show();
    dock.setWorkspace(workspace);
    const auto drawn = [&] { drawnDock(dock); };

    const auto rebuilt = [&] {              // the charts' data work alone, without painting
        for (int i = 0; i < CompareDock::kPanes; ++i)
            dock.pane(i)->chart()->flush();
    };

    figure("setRuns again + draw (2 charts, 20 series each)", medianMilliseconds([&] {
        dock.setRuns(runs);
        drawn();
    }));
    figure("  of which setRuns + chart rebuild, no painting", medianMilliseconds([&] {
        dock.setRuns(runs);
        rebuilt();
    }));
    figure("  of which painting alone (grab)", medianMilliseconds([&] { dock.grab(); }));

    int turn = 0;
    figure("smoothing changed (0.6 / 0.9)", medianMilliseconds([&] {
        dock.setSmoothing(++turn % 2 ? 0.6 : 0.9);
        drawn();
    }));
    figure("  of which painting alone (grab), smoothed + faint raw", medianMilliseconds([&] { dock.grab(); }));

    const XAxisMode modes[] = {XAxisMode::Epoch, XAxisMode::Samples, XAxisMode::Time, XAxisMode::Step};
    figure("x-axis mode changed (smoothing 0.9)", medianMilliseconds([&] {
        dock.setXAxisMode(modes[turn++ % 4]);
        drawn();
    }));
    figure("  of which mode change + chart rebuild, no painting", medianMilliseconds([&] {
        dock.setXAxisMode(modes[turn++ % 4]);
        rebuilt();
    }));
    dock.setSmoothing(0);
    figure("x-axis mode changed (no smoothing)", medianMilliseconds([&] {
        dock.setXAxisMode(modes[turn++ % 4]);
        drawn();
    }));
    dock.setXAxisMode(XAxisMode::Step);

    const double group = medianMilliseconds([&] {
        dock.setGroupSeeds(!dock.groupSeeds());
        drawn();
    }, 8);
    figure("group seeds switched (4 bands of 5 / 20 lines)", group);

    dock.setGroupSeeds(false);
    std::int64_t step = kSteps;
    const double poll = medianMilliseconds([&] {
        for (int i = 0; i < 10; ++i, ++step)
            writer.addMetric(ids.front(), "train/loss", {step + 1, int(step / kStepsPerEpoch) + 1, (step + 1) * kBatch,
                                                         0.004 * double(step + 1), 0.1});
        writer.flush();
        dock.poll();
        drawn();
    });
    figure("live poll: 10 new points of the running run", poll);

    const double idle = medianMilliseconds([&] { dock.poll(); }, 21);
    std::printf("%-56s %8.3f ms\n", "live poll: nothing new (PRAGMA data_version only)", idle);

    writer.finishRun(ids.front(), "completed");
    return 0;
}
