#pragma once
// The run index: one lean query for tables of runs (the studio's Runs browser). It reads only what
// a row shows, in one statement, so listing 10,000 runs never parses a model in C++ nor loads a
// metric curve:
// - the model's "name" and the hyper-parameters come from SQLite's json_extract (each distinct
//   model's JSON is read once, not once per run);
// - best and last metrics are aggregates over the run's own points (primary-key range scans);
// - a poller compares cheap stamps and lists again only the runs whose stamp moved.
// Thread rule: as the Database it reads (one thread). Never writes; works on read-only workspaces.
#include "engine/store/Sqlite.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace neurite {

// One run as a table shows it. Absent values (a setting never recorded, a metric never measured)
// are empty optionals.
struct RunRow {
    std::int64_t id = 0;
    std::string name, status;                       // status: queued, running, completed, ...
    std::string message;                            // why it ended, for the statuses that need one
    std::string modelName;                          // the model JSON's "name"
    std::string dataset;
    double createdAt = 0, startedAt = 0, endedAt = 0;  // seconds since the epoch; 0: not yet
    std::optional<std::int64_t> epochs, batch;      // hyperparams "epochs", "batch"
    std::optional<std::string> optimizer;           // hyperparams "optimizer"
    std::optional<double> lr;                       // hyperparams "lr"
    std::optional<double> bestValAccuracy;          // max over the run's val/accuracy points
    std::optional<double> bestValLoss;              // min over the run's val/loss points
    std::optional<double> testAccuracy;             // the last test/accuracy
    std::vector<std::string> tags;                  // sorted
    std::string notes;

    bool operator==(const RunRow&) const = default;
};

// What moves when anything a RunRow shows changes: the run's status, name, message, heartbeat, end,
// notes and tags, and the newest step and value of each of its metrics. Comparing stamps tells
// which runs to list again. (Blind spot: a point recorded at an older step than the metric's newest,
// which no writer does, changes a best value without moving the stamp.)
struct RunStamp {
    std::int64_t id = 0;
    std::string text;
    double metrics = 0;

    bool operator==(const RunStamp&) const = default;
};

// Every run of the workspace, by id. Throws StoreError (not a workspace, unreadable, ...).
std::vector<RunRow> listRunRows(Database& db);
// Only these runs (those that exist), by id.
std::vector<RunRow> listRunRows(Database& db, const std::vector<std::int64_t>& ids);
// Every run's stamp, by id: a few times cheaper than listing (no JSON, no metric curves).
std::vector<RunStamp> runStamps(Database& db);

// PRAGMA data_version of this connection: it changes when another connection (another process's
// `neurite train`, another thread's store) commits, so a caller polls it and lists again only then.
// The connection's own writes do not change it.
std::int64_t dataVersion(Database& db);

} // namespace neurite
