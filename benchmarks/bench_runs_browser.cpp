// The Runs browser on a workspace of 10,000 runs (a benchmark, never a test). Each run is recorded
// as `neurite train` records it: one of the example models (a thousand distinct versions of them),
// the CLI's hyper-parameters, 100 per-step train/loss points, 20 epochs of val/accuracy, val/loss
// and epoch/train_loss, and a test/accuracy; a tenth are tagged. Then, median of a few:
//   - open: construct the dock, open the workspace, list it and paint it once (grab());
//   - reload: list again (nothing changed), and after another connection changed one run;
//   - sort by best val/accuracy; search for a word;
//   - for reference, the lean listing alone (neurite::listRunRows) and RunStore::listRuns.
// Target: open under 1 s.
//   QT_QPA_PLATFORM=offscreen build/benchmarks/bench_runs_browser [FOLDER]   (default /tmp; reused)
#include "app/studio/runs/RunsDock.h"
#include "app/studio/runs/RunsFilterModel.h"
#include "app/studio/runs/RunsTableModel.h"
#include "engine/store/RunIndex.h"
#include "engine/store/RunStore.h"

#include <QApplication>
#include "benchmarks/BenchTiming.h"

#include <QElapsedTimer>
#include <QLineEdit>
#include <QTableView>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <vector>

using namespace neurite;
namespace fs = std::filesystem;

namespace {

constexpr int kRuns = 10000, kEpochs = 20, kSteps = 100, kBatch = 500;


std::int64_t runCount(const std::string& path)
{
    if (!fs::exists(path))
        return 0;
    try {
        RunStore store(path);
        auto s = store.database().prepare("SELECT count(*) FROM runs");
        s.step();
        return s.integer(0);
    } catch (const StoreError&) {
        return 0;
    }
}

// 10,000 runs in batches: runs created and started in one transaction, their points in one flush,
// finished in a third.
void createWorkspace(const std::string& path)
{
    for (const char* suffix : {"", "-wal", "-shm"})
        fs::remove(path + suffix);
    std::vector<nlohmann::json> models;
    for (const char* name : {"mlp", "lenet5", "cnn", "cnn-batchnorm", "resnet-small", "autoencoder"}) {
        std::ifstream in(std::string(NEURITE_SOURCE_DIR "/resources/models/") + name + ".json");
        models.push_back(nlohmann::json::parse(in));
    }
    const char* optimizers[] = {"sgd", "adam", "adamw"};
    const double lrs[] = {0.1, 0.03, 0.01, 0.003, 0.001, 0.0003};
    const char* endings[] = {"completed", "completed", "completed", "completed", "stopped", "failed", "diverged", "interrupted"};
    RunStore store(path);
    for (int first = 0; first < kRuns; first += kBatch) {
        const int last = std::min(kRuns, first + kBatch);
        std::vector<std::int64_t> ids;
        {
            Transaction t(store.database());
            for (int i = first; i < last; ++i) {
                RunRecord r;
                nlohmann::json model = models[std::size_t(i) % models.size()];
                model["description"] = model.value("description", "") + " (edit " + std::to_string(i / 60) + ")";
                r.modelJson = model.dump();  // a thousand distinct models
                r.dataset = i % 3 ? "fashion-mnist" : "cifar-10";
                r.hyperparams = {{"settings", {{"epochs", "20"}, {"data", r.dataset}}}, {"epochs", kEpochs},
                                 {"batch", 32 << (i % 3)}, {"lr", lrs[i % 6]}, {"optimizer", optimizers[i % 3]},
                                 {"schedule", "cosine"}, {"weight_decay", 0.0001}, {"momentum", 0.9}};
                r.seed = std::uint64_t(i);
                r.notes = i % 7 ? "" : "sweep " + std::to_string(i / 100);
                ids.push_back(store.createRun(r));
                store.startRun(ids.back());
            }
            t.commit();
        }
        for (std::size_t k = 0; k < ids.size(); ++k) {
            const double skill = 0.6 + 0.3 * double((first + int(k)) % 97) / 97;
            for (int step = 1; step <= kSteps; ++step)
                store.addMetric(ids[k], "train/loss", {step * 10, 1 + step / 5, step * 1280, step * 0.1, 2.0 / (1 + step * 0.05)});
            for (int epoch = 1; epoch <= kEpochs; ++epoch) {
                const MetricPoint p{epoch * 50, epoch, epoch * 6400, epoch * 5.0, 0};
                auto at = [&](double v) { return MetricPoint{p.step, p.epoch, p.samples, p.time, v}; };
                store.addMetric(ids[k], "val/accuracy", at(skill * (1 - 0.5 / epoch)));
                store.addMetric(ids[k], "val/loss", at(0.3 + 1.0 / epoch));
                store.addMetric(ids[k], "epoch/train_loss", at(0.25 + 1.2 / epoch));
            }
            store.addMetric(ids[k], "test/accuracy", {kEpochs * 50, kEpochs, 0, 100, skill * 0.97});
        }
        store.flush();
        {
            Transaction t(store.database());
            for (std::size_t k = 0; k < ids.size(); ++k)
                if (first + int(k) < kRuns - 3)  // the last three are still running
                    store.finishRun(ids[k], endings[(std::size_t(first) + k) % 8]);
            t.commit();
        }
        for (std::size_t k = 0; k < ids.size(); k += 10)
            store.setTags(ids[k], {"sweep-" + std::to_string((first + int(k)) / 1000), "paper"}, {});
    }
    store.database().exec("PRAGMA wal_checkpoint(TRUNCATE)");
}

} // namespace

int main(int argc, char** argv)
{
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM") && qEnvironmentVariableIsEmpty("DISPLAY"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    const fs::path folder = argc > 1 ? argv[1] : "/tmp";
    const std::string path = (folder / "neurite-bench-runs-browser.db").string();
    std::printf("CPU: %s\n", cpuModel().c_str());
    if (runCount(path) == kRuns) {
        std::printf("reusing %s (%d runs)\n", path.c_str(), kRuns);
    } else {
        std::printf("writing %d runs (%d metric points each)...\n", kRuns, kSteps + 3 * kEpochs + 1);
        const auto t0 = std::chrono::steady_clock::now();
        createWorkspace(path);
        std::printf("  in %.1f s\n", std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    }
    std::printf("  database: %.1f MiB\n", double(fs::file_size(path)) / (1 << 20));

    {
        RunStore store(path, true);
        std::size_t lean = 0, full = 0;
        const double listLean = medianMilliseconds([&] { lean = listRunRows(store.database()).size(); });
        const double listFull = medianMilliseconds([&] { full = store.listRuns().size(); }, 3);
        // What the table needs, through RunStore alone: every model parsed, two curves loaded per run.
        std::size_t read = 0;
        const double listNeeded = medianMilliseconds([&] {
            for (const auto& s : store.listRuns()) {
                read += nlohmann::json::parse(s.run.modelJson).value("name", std::string()).size();
                read += store.metrics(s.run.id, "val/accuracy").size() + store.metrics(s.run.id, "val/loss").size();
            }
        }, 1);
        std::printf("listRunRows (the dock's query), %zu runs:   %8.1f ms\n", lean, listLean);
        std::printf("RunStore::listRuns, for comparison, %zu runs: %8.1f ms  (no model names, no best values)\n", full, listFull);
        std::printf("  ... + model names and best values through RunStore: %8.1f ms (%zu items read)\n", listNeeded, read);
    }

    const QString workspace = QString::fromStdString(path);
    const double open = medianMilliseconds([&] {
        RunsDock dock;
        dock.setPollInterval(0);
        dock.resize(1400, 800);
        dock.setWorkspace(workspace);
        dock.show();
        dock.grab();  // the first paint
        if (dock.model()->rowCount() != kRuns || !dock.errorText().isEmpty())
            std::printf("  unexpected: %d runs, error '%s'\n", dock.model()->rowCount(), qPrintable(dock.errorText()));
    });

    RunsDock dock;
    dock.setPollInterval(0);
    dock.resize(1400, 800);
    dock.setWorkspace(workspace);
    dock.show();
    dock.grab();
    dock.selectRuns({10, 20, 30});
    const double reload = medianMilliseconds([&] { dock.reload(); });
    RunStore writer(path);
    int epoch = 100;
    const double changed = medianMilliseconds([&] {
        writer.addMetric(kRuns - 1, "val/accuracy", {epoch * 50, epoch, 0, 0, 0.5});
        ++epoch;
        writer.flush();
        if (!dock.poll())
            std::printf("  unexpected: the poll saw no change\n");
        dock.grab();
    });
    const double idle = medianMilliseconds([&] { dock.poll(); });
    bool descending = true;
    const double sort = medianMilliseconds([&] {
        dock.table()->sortByColumn(RunsTableModel::BestValAccuracy, descending ? Qt::DescendingOrder : Qt::AscendingOrder);
        descending = !descending;
        dock.grab();
    });
    const bool kept = dock.selectedRuns().size() == 3;
    const QStringList words = {"resnet", "paper", "sweep 3", "cifar adam", ""};
    int w = 0;
    const double search = medianMilliseconds([&] {
        dock.searchField()->setText(words[w++ % words.size()]);
        dock.grab();
    });
    std::printf("open the dock (construct, list, first paint): %8.1f ms   (target 1000 ms)\n", open);
    std::printf("reload, nothing changed:                      %8.1f ms\n", reload);
    std::printf("poll + reload after another connection's flush: %6.1f ms\n", changed);
    std::printf("poll, nothing changed:                        %8.3f ms\n", idle);
    std::printf("sort by best val/accuracy (+ paint):          %8.1f ms\n", sort);
    std::printf("search for a word (+ paint):                  %8.1f ms\n", search);
    std::printf("selection kept across reloads and sorts: %s\n", kept ? "yes" : "NO");
    return 0;
}
