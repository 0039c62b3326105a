// What per-layer telemetry costs (issue 12): the MLP (the smallest step) and the CNN trained on
// Fashion-MNIST with telemetry off and on, in alternated pairs in one process; the median of the
// per-pair ratios of the time per step, the snapshots taken and their own measured cost, the
// memory the probe holds, and the bytes a stored snapshot takes. The target is a cost under 5%.
//
//   bench_telemetry [--pairs N] [--samples N] [--threads N]
#include "datasets/Batcher.h"
#include "datasets/DatasetCatalogue.h"
#include "engine/backends/Registry.h"
#include "engine/graph/ModelJson.h"
#include "engine/run/TelemetryCodec.h"
#include "engine/train/Trainer.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

using namespace neurite;

namespace {

std::string cpuModel()
{
    std::ifstream in("/proc/cpuinfo");
    for (std::string line; std::getline(in, line);)
        if (line.rfind("model name", 0) == 0)
            return line.substr(line.find(':') + 2);
    return "unknown CPU";
}

struct Measure {
    double secondsPerStep = 0;
    std::int64_t steps = 0, snapshots = 0, maps = 0;
    double snapshotSeconds = 0, trainSeconds = 0;
    std::int64_t probeBytes = 0, encodedBytes = 0;
};

Measure train(const ModelGraph& model, const Dataset& data, std::int64_t samples, int threads, bool telemetry)
{
    auto backend = createBackend("cpu", threads);
    TrainConfig c;
    c.epochs = 1;
    c.batch = 128;
    c.telemetry = telemetry;
    Trainer trainer(model, *backend, c);
    std::vector<std::int64_t> indices(static_cast<std::size_t>(samples));
    for (std::int64_t i = 0; i < samples; ++i)
        indices[std::size_t(i)] = i;
    Batcher batches(data, indices, c.batch, true, {}, 1);
    Measure m;
    TrainCallbacks callbacks;
    callbacks.onTelemetry = [&](const TelemetrySnapshot& s) {
        ++m.snapshots;
        m.snapshotSeconds += s.seconds;
        m.encodedBytes = std::int64_t(encodeTelemetry(s).size());
    };
    callbacks.onFeatureMaps = [&](const FeatureMaps&) { ++m.maps; };
    const TrainResult r = trainer.run(batches, nullptr, callbacks, CancelToken());
    m.steps = r.steps;
    m.trainSeconds = r.seconds;
    m.secondsPerStep = r.seconds / double(r.steps);
    m.probeBytes = trainer.telemetryBytes();
    return m;
}

double median(std::vector<double> v)
{
    std::sort(v.begin(), v.end());
    return v.empty() ? 0 : v[v.size() / 2];
}

} // namespace

int main(int argc, char** argv)
{
    int pairs = 5, threads = 2;
    std::int64_t samples = 12800;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!std::strcmp(argv[i], "--pairs"))
            pairs = std::atoi(argv[i + 1]);
        else if (!std::strcmp(argv[i], "--samples"))
            samples = std::atoll(argv[i + 1]);
        else if (!std::strcmp(argv[i], "--threads"))
            threads = std::atoi(argv[i + 1]);
    }
    const DataBundle data = loadDataset("fashion-mnist");
    samples = std::min(samples, data.train.size());
    std::printf("Telemetry cost, %lld Fashion-MNIST samples per run (batch 128), %d threads, %d alternated pairs\n",
                (long long)samples, threads, pairs);
    std::printf("CPU: %s\n\n", cpuModel().c_str());
    std::printf("%-5s %12s %12s %12s %10s %12s %12s %10s %10s\n", "model", "off ms/step", "on ms/step", "on/off",
                "snapshots", "every steps", "ms/snapshot", "probe KiB", "stored B");
    for (const char* name : {"mlp", "cnn"}) {
        const ModelGraph model = loadModel(std::string(NEURITE_SOURCE_DIR "/resources/models/") + name + ".json");
        train(model, data.train, 1024, threads, true);   // warm up: page faults, the BLAS's threads
        std::vector<double> ratios, off, on;
        Measure last;
        for (int p = 0; p < pairs; ++p) {
            // Alternate which goes first: the machine's slow drifts cancel in the ratio.
            const bool offFirst = p % 2 == 0;
            Measure a = train(model, data.train, samples, threads, !offFirst);
            Measure b = train(model, data.train, samples, threads, offFirst);
            const Measure& plain = offFirst ? a : b;
            const Measure& observed = offFirst ? b : a;
            ratios.push_back(observed.secondsPerStep / plain.secondsPerStep);
            off.push_back(plain.secondsPerStep);
            on.push_back(observed.secondsPerStep);
            last = observed;
        }
        std::printf("%-5s %12.3f %12.3f %12.3f %10lld %12.1f %12.3f %10.1f %10lld\n", name, 1e3 * median(off),
                    1e3 * median(on), median(ratios), (long long)last.snapshots,
                    double(last.steps) / double(std::max<std::int64_t>(last.snapshots, 1)),
                    1e3 * last.snapshotSeconds / double(std::max<std::int64_t>(last.snapshots, 1)),
                    double(last.probeBytes) / 1024.0, (long long)last.encodedBytes);
        std::printf("      ratio per pair:");
        for (double r : ratios)
            std::printf(" %.3f", r);
        std::printf("; snapshots' own cost %.2f%% of training time (last run); feature maps %lld\n",
                    100.0 * last.snapshotSeconds / last.trainSeconds, (long long)last.maps);
    }
    std::printf("\nstored B: one snapshot as the run store keeps it (deflated); at most 20 are stored per epoch.\n");
    return 0;
}
