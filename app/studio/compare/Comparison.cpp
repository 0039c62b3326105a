#include "app/studio/compare/Comparison.h"

#include "app/studio/compare/MetricTail.h"
#include "app/studio/compare/XAxisMode.h"
#include "engine/compare/ModelDiff.h"
#include "engine/compare/SeedGroups.h"
#include "engine/graph/ModelJson.h"
#include "engine/run/MetricCatalogue.h"
#include "engine/run/Workspace.h"

#include <QCoreApplication>

#include <algorithm>
#include <limits>
#include <set>

namespace {
const std::vector<std::string> kNeverDiffer = {"version", "recording"};  // format version; name, tags, checkpoints

int catalogueRank(const std::string& name)
{
    const auto& all = neurite::metricCatalogue();
    for (std::size_t i = 0; i < all.size(); ++i)
        if (all[i].name == name)
            return int(i);
    return int(all.size());
}
} // namespace

QString ComparedRun::label() const
{
    const QString run = QCoreApplication::translate("Comparison", "run %1").arg(record.id);
    const QString name = QString::fromStdString(record.name);
    return name.isEmpty() || name == QStringLiteral("run %1").arg(record.id) ? run : run + QStringLiteral(" · ") + name;
}

bool ComparedRun::live() const
{
    return record.status == "running" || record.status == "queued";
}

Comparison::Comparison(neurite::RunStore& store, const QList<qint64>& ids) : store_(store)
{
    dataVersion_ = metric_tail::dataVersion(store_);
    std::set<qint64> seen;
    for (qint64 id : ids)
        if (seen.insert(id).second)
            readRun(id);
    findSeedGroups();
    compareSettings();
}

void Comparison::readRun(qint64 id)
{
    neurite::RunRecord record;
    try {
        record = store_.run(id);
    } catch (const neurite::StoreError&) {
        missing_ << id;                              // deleted meanwhile; a broken store fails below
        return;
    }
    ComparedRun run;
    run.record = std::move(record);
    try {
        run.settings = neurite::jobToJson(neurite::jobOfRun(run.record));
    } catch (const std::exception& e) {
        run.settings = nullptr;
        run.problem = QString::fromUtf8(e.what());
    }
    try {
        run.model = neurite::modelFromText(run.record.modelJson, "run " + std::to_string(id));
    } catch (const std::exception& e) {
        run.problem += (run.problem.isEmpty() ? "" : "\n") + QString::fromUtf8(e.what());
    }
    run.metrics = store_.metricNames(id);
    runs_.push_back(std::move(run));
}

const ComparedRun* Comparison::run(qint64 id) const
{
    for (const ComparedRun& r : runs_)
        if (r.id() == id)
            return &r;
    return nullptr;
}

bool Comparison::anyLive() const
{
    return std::any_of(runs_.begin(), runs_.end(), [](const ComparedRun& r) { return r.live(); });
}

std::vector<std::string> Comparison::metricNames() const
{
    std::set<std::string> all;
    for (const ComparedRun& r : runs_)
        all.insert(r.metrics.begin(), r.metrics.end());
    std::vector<std::string> names(all.begin(), all.end());
    std::stable_sort(names.begin(), names.end(),
                     [](const std::string& a, const std::string& b) { return catalogueRank(a) < catalogueRank(b); });
    return names;
}

const std::vector<neurite::MetricPoint>& Comparison::points(qint64 run, const std::string& metric)
{
    const auto key = std::make_pair(run, metric);
    if (auto it = points_.find(key); it != points_.end())
        return it->second;
    const ComparedRun* r = this->run(run);
    std::vector<neurite::MetricPoint> read;
    if (r && std::find(r->metrics.begin(), r->metrics.end(), metric) != r->metrics.end())
        read = store_.metrics(run, metric);
    return points_.emplace(key, std::move(read)).first->second;
}

// The per-epoch record that every trained run has first (epoch/train_loss), then any other.
double Comparison::stepsPerEpoch(qint64 run)
{
    if (auto it = stepsPerEpoch_.find(run); it != stepsPerEpoch_.end())
        return it->second;
    const ComparedRun* r = this->run(run);
    double steps = 0;
    if (r) {
        std::vector<std::string> candidates;
        for (const std::string& name : r->metrics)
            if (const neurite::MetricInfo* info = neurite::findMetric(name); info && info->scope == neurite::MetricScope::Epoch)
                candidates.push_back(name);
        std::stable_partition(candidates.begin(), candidates.end(),
                              [](const std::string& n) { return n == "epoch/train_loss"; });
        for (const std::string& name : candidates)
            if ((steps = ::stepsPerEpoch(points(run, name))) > 0)
                break;
    }
    stepsPerEpoch_[run] = steps;
    return steps;
}

// Models are compared by diffModels rather than by hash: the hash covers canvas positions too.
// Runs with the same hash are the same model; the others are diffed against one run of each kind.
void Comparison::findSeedGroups()
{
    std::vector<const ComparedRun*> kinds;
    std::vector<neurite::SeedRun> seedRuns;
    for (const ComparedRun& r : runs_) {
        neurite::SeedRun s;
        s.id = r.id();
        if (r.settings.is_null() || !r.model) {
            s.settings = {{"unreadable run", r.id()}};   // like no other
            s.modelHash = "run " + std::to_string(r.id());
            seedRuns.push_back(std::move(s));
            continue;
        }
        std::size_t kind = 0;
        for (; kind < kinds.size(); ++kind)
            if (kinds[kind]->record.modelHash == r.record.modelHash ||
                neurite::diffModels(*kinds[kind]->model, *r.model).empty())
                break;
        if (kind == kinds.size())
            kinds.push_back(&r);
        s.settings = r.settings;
        s.seed = r.settings.value(nlohmann::json::json_pointer("/train/seed"), std::uint64_t(0));
        s.modelHash = "model " + std::to_string(kind);
        seedRuns.push_back(std::move(s));
    }
    std::vector<std::string> ignore = kNeverDiffer;
    ignore.push_back("train.seed");
    groups_.clear();
    for (const neurite::SeedGroup& g : neurite::seedGroups(seedRuns, ignore))
        groups_.emplace_back(g.runs.begin(), g.runs.end());
}

void Comparison::compareSettings()
{
    std::vector<nlohmann::json> settings;
    std::set<std::string> keys;
    for (const ComparedRun& r : runs_) {
        settings.push_back(r.settings);
        for (const auto& [key, value] : neurite::flattenSettings(r.settings, kNeverDiffer))
            keys.insert(key);
    }
    differences_ = neurite::differingSettings(settings, kNeverDiffer);
    equalSettings_ = int(keys.size() - differences_.size());
}

std::optional<std::string> Comparison::modelChanges(std::size_t i) const
{
    if (i >= runs_.size() || !runs_.front().model || !runs_[i].model)
        return std::nullopt;
    return neurite::modelDiffText(neurite::diffModels(*runs_.front().model, *runs_[i].model));
}

std::vector<MetricGrowth> Comparison::refresh(bool* changed)
{
    if (changed)
        *changed = false;
    if (!anyLive())
        return {};
    const std::int64_t version = metric_tail::dataVersion(store_);
    if (version == dataVersion_)
        return {};
    dataVersion_ = version;
    std::vector<MetricGrowth> grown;
    for (ComparedRun& r : runs_) {
        if (!r.live())
            continue;
        neurite::RunRecord record = store_.run(r.id());
        if (changed && (record.status != r.record.status || record.name != r.record.name))
            *changed = true;
        r.record = std::move(record);
        if (auto it = stepsPerEpoch_.find(r.id()); it != stepsPerEpoch_.end() && it->second <= 0)
            stepsPerEpoch_.erase(it);                // unknown until the first epoch ends: ask again
        for (const auto& [name, last] : metric_tail::lastSteps(store_, r.id())) {
            if (std::find(r.metrics.begin(), r.metrics.end(), name) == r.metrics.end()) {
                r.metrics.push_back(name);
                std::sort(r.metrics.begin(), r.metrics.end());
                if (changed)
                    *changed = true;
            }
            const auto cached = points_.find({r.id(), name});
            if (cached == points_.end())
                continue;                            // not read yet: read in full when first asked for
            std::vector<neurite::MetricPoint>& points = cached->second;
            const std::int64_t after = points.empty() ? std::numeric_limits<std::int64_t>::min() : points.back().step;
            if (last <= after)
                continue;
            const std::vector<neurite::MetricPoint> tail = metric_tail::pointsAfter(store_, r.id(), name, after);
            if (tail.empty())
                continue;
            grown.push_back({r.id(), name, points.size()});
            points.insert(points.end(), tail.begin(), tail.end());
        }
    }
    return grown;
}
