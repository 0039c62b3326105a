#pragma once
// The run store: one SQLite database file (a workspace) holding every run, its metrics, its
// checkpoints and its artefacts, so copying one file copies all of a person's experiments.
//
// - WAL journal, foreign keys, a busy timeout; the schema is versioned with PRAGMA user_version
//   and migrated forward; a database from a newer Neurite is refused and left untouched.
// - Thread rule: a RunStore (one connection) is used by one thread. Open one per thread or
//   process; WAL lets readers read while a writer writes.
// - Never talks to a person: failures are StoreError (or DataError for a bad checkpoint).
#include "engine/core/Tensor.h"
#include "engine/store/Sqlite.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace neurite {

constexpr int kStoreSchemaVersion = 2;   // 2: telemetry

struct RunRecord {
    std::int64_t id = 0;
    std::string name;
    std::string status = "queued";     // queued, running, completed, stopped, diverged, failed, interrupted
    std::string message;               // why it ended, for the statuses that need one
    double createdAt = 0, startedAt = 0, endedAt = 0;  // seconds since the epoch; 0: not yet
    std::string modelJson, modelHash;  // the exact model trained, and its SHA-256
    std::string dataset;
    nlohmann::json datasetSettings = nlohmann::json::object();
    nlohmann::json hyperparams = nlohmann::json::object();  // every training setting
    std::uint64_t seed = 0;
    nlohmann::json device = nlohmann::json::object(), machine = nlohmann::json::object();
    std::vector<std::string> tags;
    std::string notes;
    std::optional<std::int64_t> parentId;  // the run it was forked from
    std::string parentKind;                // "forked"
};

struct MetricPoint {
    std::int64_t step = 0;
    int epoch = 0;
    std::int64_t samples = 0;
    double time = 0;                       // seconds since the run started
    double value = 0;
};

struct CheckpointInfo {
    std::int64_t id = 0, runId = 0, step = 0;
    int epoch = 0;
    double createdAt = 0;
    std::string metricName;                // what "best" is judged by, e.g. "val/loss"
    std::optional<double> metricValue;
    std::int64_t bytes = 0;
    std::string sha256;
};

struct RunFilter {
    std::string status = {}, tag = {}, modelHash = {}, dataset = {};  // empty: any
    std::string sortMetric = {};                   // sort by this final metric (descending) ...
    bool ascending = false;                        // ... or ascending
};

struct RunSummary {
    RunRecord run;
    std::map<std::string, double> finalMetrics;    // the last value of each metric
};

class RunStore {
public:
    // Opens or creates the workspace (creating its folder). Marks runs whose process died as
    // interrupted. Throws StoreError: not a database, newer schema, unreadable, not writable, ...
    // readOnly: for workspaces on read-only media; every write then fails with StoreError.
    explicit RunStore(const std::string& path, bool readOnly = false);
    ~RunStore();

    // $XDG_DATA_HOME/neurite/neurite.db, else ~/.local/share/neurite/neurite.db.
    static std::string defaultPath();
    // Whether this process may write the workspace file (false for read-only media or files).
    static bool writable(const std::string& path);
    const std::string& path() const { return db_.path(); }

    // Runs
    std::int64_t createRun(RunRecord run);          // status queued; returns the id
    void startRun(std::int64_t id);                 // status running, owned by this process
    void finishRun(std::int64_t id, const std::string& status, const std::string& message = {});
    void heartbeat(std::int64_t id);
    RunRecord run(std::int64_t id);                 // StoreError if there is none
    std::vector<RunSummary> listRuns(const RunFilter& filter = {});
    void setTags(std::int64_t id, const std::vector<std::string>& add, const std::vector<std::string>& remove);
    void setNotes(std::int64_t id, const std::string& notes);
    void setHyperparams(std::int64_t id, const nlohmann::json& hyperparams);  // settings migrations
    void deleteRun(std::int64_t id);                // with its metrics, checkpoints and artefacts
    int recoverInterrupted();                       // marks dead owners' runs; returns how many

    // Metrics: points are buffered and written in one transaction per flush().
    void addMetric(std::int64_t run, std::string_view name, const MetricPoint& point);
    void flush();
    std::vector<MetricPoint> metrics(std::int64_t run, const std::string& name);
    std::vector<std::string> metricNames(std::int64_t run);
    void deleteMetricsAfter(std::int64_t run, std::int64_t step);  // before a resume

    // Checkpoints: a safetensors blob written and read with incremental blob I/O, committed with
    // its record in one transaction, its SHA-256 checked on load.
    CheckpointInfo saveCheckpoint(std::int64_t run, std::int64_t step, int epoch,
                                  const std::vector<std::pair<std::string, const Tensor*>>& tensors,
                                  const std::map<std::string, std::string>& metadata,
                                  const std::string& metricName = {}, std::optional<double> metricValue = {});
    std::vector<CheckpointInfo> checkpoints(std::int64_t run);
    // Reads and verifies a checkpoint; the tensors by name and the metadata.
    std::map<std::string, Tensor> loadCheckpoint(std::int64_t checkpointId, std::map<std::string, std::string>* metadata = nullptr);
    void exportCheckpoint(std::int64_t checkpointId, const std::string& file);  // a plain .safetensors
    // Keeps the newest keepLast and the best by the checkpoints' metric (the highest when
    // higherIsBetter, else the lowest); reclaims the space.
    void applyRetention(std::int64_t run, int keepLast, bool higherIsBetter = false);

    // Telemetry: per-layer snapshots, each an encoded blob (engine/run/TelemetryCodec), by step.
    void addTelemetry(std::int64_t run, std::int64_t step, int epoch, std::string_view data);
    struct TelemetryRecord {
        std::int64_t step = 0;
        int epoch = 0;
        std::string data;
    };
    std::vector<TelemetryRecord> telemetry(std::int64_t run);   // in step order
    std::int64_t telemetryBytes(std::int64_t run);

    // Artefacts: JSON documents attached to a run (evaluation results, exports).
    void addArtefact(std::int64_t run, const std::string& kind, const std::string& name, const nlohmann::json& content);
    std::optional<nlohmann::json> artefact(std::int64_t run, const std::string& kind, const std::string& name);

    Database& database() { return db_; }

private:
    void migrate();
    std::int64_t metricId(std::string_view name);
    Database db_;
    struct Pending {
        std::int64_t run, nameId;
        MetricPoint point;
    };
    std::vector<Pending> pending_;
    std::map<std::string, std::int64_t, std::less<>> metricIds_;
    std::vector<std::int64_t> owned_;               // runs this process started (heartbeats)
};

std::string sha256Hex(const std::string& bytes);

} // namespace neurite
