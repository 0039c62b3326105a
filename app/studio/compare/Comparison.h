#pragma once
// What the Compare view shows, apart from any widget: the chosen runs read from the store (their
// records, training settings and models), their metrics read once and cached, the runs that
// differ only by seed, the settings that differ, and the new points of runs still training.
// - Reads through the caller's RunStore (the dock's own connection) on the caller's thread; the
//   store must outlive the Comparison.
// - A run whose settings or model cannot be read is still compared (its curves are drawn); it
//   says why in problem, stands alone in the seed groups and shows "—" for every setting.
// - Failures of the store (a workspace gone bad) throw StoreError; the dock shows them.
#include "engine/compare/SettingsDiff.h"
#include "engine/graph/ModelGraph.h"
#include "engine/store/RunStore.h"

#include <QList>
#include <QString>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

struct ComparedRun {
    neurite::RunRecord record;
    nlohmann::json settings;                       // jobToJson(jobOfRun(record)); null when unreadable
    std::optional<neurite::ModelGraph> model;      // nullopt when unreadable
    QString problem;                               // why settings or model cannot be read; empty: fine
    std::vector<std::string> metrics;              // the names it has (RunStore::metricNames)
    qint64 id() const { return record.id; }
    QString label() const;                         // "run 7 · baseline"; "run 7" when unnamed (or so named)
    bool live() const;                             // queued or running: it may still gain points
};

// Points that a refresh() added: the run's metric held `before` points and now holds more.
struct MetricGrowth {
    qint64 run = 0;
    std::string metric;
    std::size_t before = 0;
};

class Comparison {
public:
    // Reads the runs in the order given; ids the store does not have are left out (missing()).
    Comparison(neurite::RunStore& store, const QList<qint64>& ids);

    const std::vector<ComparedRun>& runs() const { return runs_; }
    const ComparedRun* run(qint64 id) const;       // null when not compared
    const QList<qint64>& missing() const { return missing_; }
    bool anyLive() const;

    // ---- Metrics
    std::vector<std::string> metricNames() const;  // of any run: the catalogue's order, then by name
    // One metric of one run, read on first use and kept (by step). Empty when it has none.
    const std::vector<neurite::MetricPoint>& points(qint64 run, const std::string& metric);
    // The run's steps per epoch from its per-epoch records (XAxisMode.h); 0 while unknown.
    double stepsPerEpoch(qint64 run);

    // ---- Seed groups: runs with the same model (diffModels empty) and the same settings but for
    // train.seed (and the recording and format version, which never change a result). Every run is
    // in one group; groups and their runs in the order of the runs.
    const std::vector<std::vector<qint64>>& seedGroups() const { return groups_; }

    // ---- Settings: the keys whose values differ (differingSettings, ignoring "version" and
    // "recording"), and how many keys are the same in every run.
    const std::vector<neurite::SettingDifference>& differences() const { return differences_; }
    int equalSettings() const { return equalSettings_; }

    // ---- Models: what changed from the first run's model to run i's (modelDiffText); "" for the
    // same model; nullopt when either model cannot be read.
    std::optional<std::string> modelChanges(std::size_t i) const;

    // ---- Live: for the runs still live, and only when another connection committed: their status
    // and name again, new metric names, and the new points of the metrics already read (only those
    // whose last step moved). Returns what grew; `changed` is set when a status or the set of
    // metric names changed too.
    std::vector<MetricGrowth> refresh(bool* changed = nullptr);

private:
    void readRun(qint64 id);
    void findSeedGroups();
    void compareSettings();

    neurite::RunStore& store_;
    std::vector<ComparedRun> runs_;
    QList<qint64> missing_;
    std::map<std::pair<qint64, std::string>, std::vector<neurite::MetricPoint>> points_;
    std::map<qint64, double> stepsPerEpoch_;
    std::vector<std::vector<qint64>> groups_;
    std::vector<neurite::SettingDifference> differences_;
    int equalSettings_ = 0;
    std::int64_t dataVersion_ = -1;
};
