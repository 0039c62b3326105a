// Run-store scale benchmark (not a test): 1,000 runs with 10,000 metric points each, then the
// queries the studio makes: list runs with final metrics, load one run's full curve, load 20 runs'
// curves for a comparison chart. Also the database size per million points and per checkpoint of
// each example model.
//
//   build/benchmarks/bench_store [FOLDER]     (a scratch folder; default /tmp)
#include "engine/backends/Registry.h"
#include "engine/graph/ModelJson.h"
#include "engine/store/RunStore.h"
#include "engine/train/Trainer.h"

#include <chrono>
#include <cstdio>
#include <filesystem>

using namespace neurite;
namespace fs = std::filesystem;

namespace {

double millisecondsOf(const auto& f, int repeats = 5)  // best of a few
{
    double best = 1e30;
    for (int r = 0; r < repeats; ++r) {
        const auto t0 = std::chrono::steady_clock::now();
        f();
        best = std::min(best, std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    }
    return best;
}

} // namespace

int main(int argc, char** argv)
{
    const fs::path folder = argc > 1 ? argv[1] : "/tmp";
    const std::string path = (folder / "neurite-bench-store.db").string();
    for (const char* suffix : {"", "-wal", "-shm"})
        fs::remove(path + suffix);
    constexpr int kRuns = 1000, kSteps = 9000, kEpochs = 100;  // 9,000 step points + 10 epoch metrics × 100 = 10,000
    const char* epochMetrics[] = {"epoch/train_loss", "epoch/train_accuracy", "val/loss", "val/accuracy", "val/top5",
                                  "epoch/seconds", "epoch/samples_per_second", "lr", "grad_norm", "samples_per_second"};
    std::printf("writing %d runs × 10,000 metric points...\n", kRuns);
    const auto t0 = std::chrono::steady_clock::now();
    {
        RunStore store(path);
        RunRecord r;
        r.modelJson = modelToJson(loadModel(NEURITE_SOURCE_DIR "/resources/models/mlp.json")).dump();
        r.dataset = "fashion-mnist";
        r.hyperparams = {{"settings", {{"epochs", "100"}}}};
        for (int run = 0; run < kRuns; ++run) {
            r.seed = std::uint64_t(run);
            const auto id = store.createRun(r);
            for (int step = 1; step <= kSteps; ++step)
                store.addMetric(id, "train/loss", {step, 1 + step / 90, step * 128, step * 0.01, 2.0 / (1 + step * 0.01 * (1 + run % 7))});
            for (int epoch = 1; epoch <= kEpochs; ++epoch)
                for (const char* name : epochMetrics)
                    store.addMetric(id, name, {epoch * 90, epoch, epoch * 90 * 128, epoch * 0.9, 1.0 / (epoch + run)});
            store.flush();
            store.finishRun(id, "completed");
        }
        store.database().exec("PRAGMA wal_checkpoint(TRUNCATE)");
    }
    const double writeSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const double points = double(kRuns) * (kSteps + kEpochs * 10);
    std::printf("  %.0f points in %.1f s (%.0f points/s)\n", points, writeSeconds, points / writeSeconds);
    std::printf("  database: %.1f MiB, %.1f MiB per million metric points\n", double(fs::file_size(path)) / (1 << 20),
                double(fs::file_size(path)) / (1 << 20) / (points / 1e6));

    RunStore store(path);  // a fresh connection, as the studio's
    std::size_t listed = 0, curve = 0, compared = 0;
    const double list = millisecondsOf([&] { listed = store.listRuns().size(); });
    const double one = millisecondsOf([&] { curve = store.metrics(500, "train/loss").size(); });
    const double twenty = millisecondsOf([&] {
        compared = 0;
        for (int run = 1; run <= 20; ++run)
            compared += store.metrics(run * 50, "train/loss").size();
    });
    std::printf("list %zu runs with their final metrics: %8.1f ms   (target 100 ms)\n", listed, list);
    std::printf("load one run's full curve (%zu points):  %8.1f ms   (target 20 ms)\n", curve, one);
    std::printf("load 20 runs' curves (%zu points):      %8.1f ms   (target 200 ms)\n", compared, twenty);

    std::printf("\ncheckpoint size per example model (weights + Adam moments + state):\n");
    auto backend = createBackend("cpu", 1);
    const auto run = store.createRun({});
    for (const char* name : {"mlp", "cnn", "lenet5", "cnn-batchnorm", "resnet-small", "autoencoder"}) {
        Trainer trainer(loadModel(std::string(NEURITE_SOURCE_DIR "/resources/models/") + name + ".json"), *backend, {});
        std::vector<std::pair<std::string, const Tensor*>> tensors;
        for (auto& [n, t] : trainer.checkpointTensors())
            tensors.push_back({n, t});
        const auto c = store.saveCheckpoint(run, 1, 1, tensors, {});
        std::printf("  %-14s %10.1f KiB  (%lld parameters)\n", name, double(c.bytes) / 1024,
                    (long long)trainer.plan().analysis().totalParams);
    }
    for (const char* suffix : {"", "-wal", "-shm"})
        fs::remove(path + suffix);
    return 0;
}
