#include "engine/store/RunStore.h"

#include "engine/tensorio/Safetensors.h"

#include <openssl/evp.h>
#include <sqlite3.h>

#include <algorithm>
#include <cmath>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <unistd.h>

namespace neurite {

namespace {

double now()
{
    return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string hostName()
{
    char name[256] = {};
    gethostname(name, sizeof name - 1);
    return name;
}

// SHA-256 fed piece by piece (OpenSSL's EVP interface).
class Sha256 {
public:
    Sha256() : ctx_(EVP_MD_CTX_new(), EVP_MD_CTX_free) { EVP_DigestInit_ex(ctx_.get(), EVP_sha256(), nullptr); }
    void update(const void* data, std::size_t bytes) { EVP_DigestUpdate(ctx_.get(), data, bytes); }
    std::string hex()
    {
        unsigned char digest[EVP_MAX_MD_SIZE];
        unsigned int length = 0;
        EVP_DigestFinal_ex(ctx_.get(), digest, &length);
        static const char* digits = "0123456789abcdef";
        std::string out;
        for (unsigned i = 0; i < length; ++i) {
            out += digits[digest[i] >> 4];
            out += digits[digest[i] & 15];
        }
        return out;
    }

private:
    std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> ctx_;
};

// A checkpoint blob, opened for incremental I/O and closed on scope exit.
class Blob {
public:
    Blob(Database& db, std::int64_t row, bool write) : db_(db)
    {
        if (sqlite3_blob_open(db.handle(), "main", "checkpoints", "data", row, write ? 1 : 0, &blob_) != SQLITE_OK)
            db.fail("cannot open checkpoint " + std::to_string(row));
    }
    ~Blob() { sqlite3_blob_close(blob_); }
    std::int64_t size() const { return sqlite3_blob_bytes(blob_); }
    void write(const void* data, std::int64_t bytes, std::int64_t at)
    {
        if (sqlite3_blob_write(blob_, data, int(bytes), int(at)) != SQLITE_OK)
            db_.fail("cannot write the checkpoint");
    }
    void read(void* data, std::int64_t bytes, std::int64_t at)
    {
        if (sqlite3_blob_read(blob_, data, int(bytes), int(at)) != SQLITE_OK)
            db_.fail("cannot read the checkpoint");
    }

private:
    Database& db_;
    sqlite3_blob* blob_ = nullptr;
};

const char* kSchema = R"sql(
CREATE TABLE runs (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'completed', 'stopped', 'diverged', 'failed', 'interrupted')),
    message TEXT NOT NULL DEFAULT '',
    created_at REAL NOT NULL, started_at REAL, ended_at REAL,
    model_json TEXT NOT NULL, model_hash TEXT NOT NULL,
    dataset TEXT NOT NULL, dataset_settings TEXT NOT NULL DEFAULT '{}',
    hyperparams TEXT NOT NULL DEFAULT '{}',
    seed INTEGER NOT NULL DEFAULT 0,
    device TEXT NOT NULL DEFAULT '{}', machine TEXT NOT NULL DEFAULT '{}',
    notes TEXT NOT NULL DEFAULT '',
    parent_id INTEGER REFERENCES runs (id) ON DELETE SET NULL, parent_kind TEXT NOT NULL DEFAULT '',
    owner_host TEXT NOT NULL DEFAULT '', owner_pid INTEGER NOT NULL DEFAULT 0, heartbeat_at REAL
);
CREATE INDEX runs_status ON runs (status);
CREATE INDEX runs_model ON runs (model_hash);
CREATE TABLE run_tags (
    run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    tag TEXT NOT NULL,
    PRIMARY KEY (run_id, tag)
) WITHOUT ROWID;
CREATE TABLE metric_names (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
CREATE TABLE metrics (
    run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    name_id INTEGER NOT NULL REFERENCES metric_names (id),
    step INTEGER NOT NULL, epoch INTEGER NOT NULL, samples INTEGER NOT NULL, time REAL NOT NULL, value REAL,
    PRIMARY KEY (run_id, name_id, step)
) WITHOUT ROWID;
CREATE TABLE final_metrics (
    run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    name_id INTEGER NOT NULL REFERENCES metric_names (id),
    step INTEGER NOT NULL, value REAL,
    PRIMARY KEY (run_id, name_id)
) WITHOUT ROWID;
CREATE TABLE checkpoints (
    id INTEGER PRIMARY KEY,
    run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    step INTEGER NOT NULL, epoch INTEGER NOT NULL, created_at REAL NOT NULL,
    metric_name TEXT NOT NULL DEFAULT '', metric_value REAL,
    bytes INTEGER NOT NULL, sha256 TEXT NOT NULL, data BLOB NOT NULL
);
CREATE INDEX checkpoints_run ON checkpoints (run_id, step);
CREATE TABLE artefacts (
    id INTEGER PRIMARY KEY,
    run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    kind TEXT NOT NULL, name TEXT NOT NULL, created_at REAL NOT NULL, content TEXT NOT NULL,
    UNIQUE (run_id, kind, name)
);
)sql";

// Version 2: per-layer telemetry snapshots, a few per epoch.
const char* kTelemetrySchema = R"sql(
CREATE TABLE telemetry (
    run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    step INTEGER NOT NULL, epoch INTEGER NOT NULL, data BLOB NOT NULL,
    PRIMARY KEY (run_id, step)
) WITHOUT ROWID;
)sql";

std::vector<std::string> splitTags(const std::string& joined)
{
    std::vector<std::string> tags;
    std::size_t at = 0;
    while (at < joined.size()) {
        auto comma = joined.find('\x1f', at);
        if (comma == std::string::npos)
            comma = joined.size();
        tags.push_back(joined.substr(at, comma - at));
        at = comma + 1;
    }
    return tags;
}

constexpr const char* kRunColumns =
    "r.id, r.name, r.status, r.message, r.created_at, coalesce(r.started_at, 0), coalesce(r.ended_at, 0), r.model_json, "
    "r.model_hash, r.dataset, r.dataset_settings, r.hyperparams, r.seed, r.device, r.machine, r.notes, r.parent_id, "
    "r.parent_kind, (SELECT group_concat(tag, char(31)) FROM run_tags t WHERE t.run_id = r.id)";

RunRecord readRun(Statement& s)
{
    RunRecord r;
    r.id = s.integer(0);
    r.name = s.text(1);
    r.status = s.text(2);
    r.message = s.text(3);
    r.createdAt = s.real(4);
    r.startedAt = s.real(5);
    r.endedAt = s.real(6);
    r.modelJson = s.text(7);
    r.modelHash = s.text(8);
    r.dataset = s.text(9);
    r.datasetSettings = nlohmann::json::parse(s.text(10));
    r.hyperparams = nlohmann::json::parse(s.text(11));
    r.seed = std::uint64_t(s.integer(12));
    r.device = nlohmann::json::parse(s.text(13));
    r.machine = nlohmann::json::parse(s.text(14));
    r.notes = s.text(15);
    if (!s.isNull(16))
        r.parentId = s.integer(16);
    r.parentKind = s.text(17);
    r.tags = splitTags(s.text(18));
    return r;
}

} // namespace

std::string sha256Hex(const std::string& bytes)
{
    Sha256 h;
    h.update(bytes.data(), bytes.size());
    return h.hex();
}

std::string RunStore::defaultPath()
{
    if (const char* xdg = std::getenv("XDG_DATA_HOME"); xdg && *xdg)
        return std::string(xdg) + "/neurite/neurite.db";
    const char* home = std::getenv("HOME");
    return std::string(home && *home ? home : ".") + "/.local/share/neurite/neurite.db";
}

bool RunStore::writable(const std::string& path)
{
    if (!std::filesystem::exists(path))
        return true;  // created on open (a folder that cannot be written fails there, with its reason)
    return access(path.c_str(), W_OK) == 0;
}

static Database openWorkspace(const std::string& path, bool readOnly)
{
    if (readOnly)
        return Database(path, Database::Mode::ReadOnly);
    if (!RunStore::writable(path))
        throw StoreError(path + ": the workspace is read-only (" + std::strerror(EACCES) +
                         "); its runs can be listed and shown, but nothing can be recorded in it");
    const auto folder = std::filesystem::path(path).parent_path();
    std::error_code ec;
    if (!folder.empty())
        std::filesystem::create_directories(folder, ec);
    return Database(path);
}

RunStore::RunStore(const std::string& path, bool readOnly) : db_(openWorkspace(path, readOnly))
{
    if (readOnly) {
        auto s = db_.prepare("PRAGMA user_version");  // fails here when it is not a database
        s.step();
        if (s.integer(0) != kStoreSchemaVersion)
            throw StoreError(path + ": not a Neurite workspace of schema " + std::to_string(kStoreSchemaVersion));
        return;
    }
    migrate();
    db_.exec("PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;");
    recoverInterrupted();
}

RunStore::~RunStore()
{
    try {
        flush();
    } catch (...) {  // a destructor must not throw; the caller flushes to see errors
    }
}

void RunStore::migrate()
{
    int version = 0;
    try {
        auto s = db_.prepare("PRAGMA user_version");
        s.step();
        version = int(s.integer(0));
    } catch (const StoreError& e) {
        throw StoreError(db_.path() + ": not a Neurite workspace (" + e.what() + ")");
    }
    if (version > kStoreSchemaVersion)
        throw StoreError(db_.path() + ": this workspace was written by a newer Neurite (schema " + std::to_string(version) +
                         ", this one knows " + std::to_string(kStoreSchemaVersion) + "); it was left untouched");
    if (version == 0) {
        auto tables = db_.prepare("SELECT count(*) FROM sqlite_schema");
        tables.step();
        if (tables.integer(0) != 0)
            throw StoreError(db_.path() + ": an SQLite database that is not a Neurite workspace; it was left untouched");
        db_.exec("PRAGMA auto_vacuum = INCREMENTAL");  // only takes effect before the first table
    }
    db_.exec("PRAGMA journal_mode = WAL");
    // Forward migrations, one step per schema version.
    if (version < 1) {
        Transaction t(db_);
        db_.exec(kSchema);
        db_.exec("PRAGMA user_version = 1");
        t.commit();
    }
    if (version < 2) {
        Transaction t(db_);
        db_.exec(kTelemetrySchema);
        db_.exec("PRAGMA user_version = 2");
        t.commit();
    }
}

std::int64_t RunStore::createRun(RunRecord r)
{
    auto s = db_.prepare(
        "INSERT INTO runs (name, status, message, created_at, model_json, model_hash, dataset, dataset_settings, "
        "hyperparams, seed, device, machine, notes, parent_id, parent_kind, owner_host, owner_pid, heartbeat_at) "
        "VALUES (?, 'queued', '', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    const double t = now();
    s.bind(1, r.name).bind(2, t).bind(3, r.modelJson).bind(4, r.modelHash.empty() ? sha256Hex(r.modelJson) : r.modelHash);
    s.bind(5, r.dataset).bind(6, r.datasetSettings.dump()).bind(7, r.hyperparams.dump()).bind(8, std::int64_t(r.seed));
    s.bind(9, r.device.dump()).bind(10, r.machine.dump()).bind(11, r.notes).bind(12, r.parentId).bind(13, r.parentKind);
    s.bind(14, hostName()).bind(15, std::int64_t(getpid())).bind(16, t);
    s.run();
    const std::int64_t id = db_.lastInsertId();
    if (!r.tags.empty())
        setTags(id, r.tags, {});
    if (r.name.empty())
        db_.prepare("UPDATE runs SET name = 'run ' || id WHERE id = ?").bind(1, id).run();
    return id;
}

void RunStore::startRun(std::int64_t id)
{
    db_.prepare("UPDATE runs SET status = 'running', message = '', started_at = coalesce(started_at, ?), ended_at = NULL, "
                "owner_host = ?, owner_pid = ?, heartbeat_at = ? WHERE id = ?")
        .bind(1, now()).bind(2, hostName()).bind(3, std::int64_t(getpid())).bind(4, now()).bind(5, id).run();
    if (db_.changes() == 0)
        throw StoreError(db_.path() + ": no run " + std::to_string(id));
    owned_.push_back(id);
}

void RunStore::finishRun(std::int64_t id, const std::string& status, const std::string& message)
{
    flush();
    db_.prepare("UPDATE runs SET status = ?, message = ?, ended_at = ?, heartbeat_at = ? WHERE id = ?")
        .bind(1, status).bind(2, message).bind(3, now()).bind(4, now()).bind(5, id).run();
    owned_.erase(std::remove(owned_.begin(), owned_.end(), id), owned_.end());
}

void RunStore::heartbeat(std::int64_t id)
{
    db_.prepare("UPDATE runs SET heartbeat_at = ? WHERE id = ?").bind(1, now()).bind(2, id).run();
}

void RunStore::setHyperparams(std::int64_t id, const nlohmann::json& hyperparams)
{
    db_.prepare("UPDATE runs SET hyperparams = ? WHERE id = ?").bind(1, hyperparams.dump()).bind(2, id).run();
    if (db_.changes() == 0)
        throw StoreError(db_.path() + ": no run " + std::to_string(id));
}

RunRecord RunStore::run(std::int64_t id)
{
    auto s = db_.prepare(std::string("SELECT ") + kRunColumns + " FROM runs r WHERE r.id = ?");
    s.bind(1, id);
    if (!s.step())
        throw StoreError(db_.path() + ": no run " + std::to_string(id));
    return readRun(s);
}

std::vector<RunSummary> RunStore::listRuns(const RunFilter& f)
{
    std::string sql = std::string("SELECT ") + kRunColumns + " FROM runs r WHERE (?1 = '' OR r.status = ?1) "
                      "AND (?2 = '' OR EXISTS (SELECT 1 FROM run_tags t WHERE t.run_id = r.id AND t.tag = ?2)) "
                      "AND (?3 = '' OR r.model_hash LIKE ?3 || '%') AND (?4 = '' OR r.dataset = ?4) ORDER BY r.id";
    auto s = db_.prepare(sql);
    s.bind(1, f.status).bind(2, f.tag).bind(3, f.modelHash).bind(4, f.dataset);
    std::vector<RunSummary> out;
    std::map<std::int64_t, std::size_t> at;
    while (s.step()) {
        at[s.integer(0)] = out.size();
        out.push_back({readRun(s), {}});
    }
    auto m = db_.prepare("SELECT f.run_id, n.name, f.value FROM final_metrics f JOIN metric_names n ON n.id = f.name_id");
    while (m.step())
        if (auto it = at.find(m.integer(0)); it != at.end() && !m.isNull(2))
            out[it->second].finalMetrics[m.text(1)] = m.real(2);
    if (!f.sortMetric.empty())
        std::stable_sort(out.begin(), out.end(), [&](const RunSummary& a, const RunSummary& b) {
            const auto ia = a.finalMetrics.find(f.sortMetric), ib = b.finalMetrics.find(f.sortMetric);
            if (ia == a.finalMetrics.end() || ib == b.finalMetrics.end())
                return ia != a.finalMetrics.end();  // runs without the metric go last
            return f.ascending ? ia->second < ib->second : ia->second > ib->second;
        });
    return out;
}

void RunStore::setTags(std::int64_t id, const std::vector<std::string>& add, const std::vector<std::string>& remove)
{
    run(id);  // exists
    Transaction t(db_);
    auto ins = db_.prepare("INSERT OR IGNORE INTO run_tags (run_id, tag) VALUES (?, ?)");
    for (const auto& tag : add)
        ins.bind(1, id).bind(2, tag).run();
    auto del = db_.prepare("DELETE FROM run_tags WHERE run_id = ? AND tag = ?");
    for (const auto& tag : remove)
        del.bind(1, id).bind(2, tag).run();
    t.commit();
}

void RunStore::setNotes(std::int64_t id, const std::string& notes)
{
    db_.prepare("UPDATE runs SET notes = ? WHERE id = ?").bind(1, notes).bind(2, id).run();
    if (db_.changes() == 0)
        throw StoreError(db_.path() + ": no run " + std::to_string(id));
}

void RunStore::deleteRun(std::int64_t id)
{
    flush();
    db_.prepare("DELETE FROM runs WHERE id = ?").bind(1, id).run();
    if (db_.changes() == 0)
        throw StoreError(db_.path() + ": no run " + std::to_string(id));
    db_.exec("PRAGMA incremental_vacuum");
}

int RunStore::recoverInterrupted()
{
    const std::string host = hostName();
    auto s = db_.prepare("SELECT id, owner_host, owner_pid, coalesce(heartbeat_at, created_at) FROM runs "
                         "WHERE status IN ('queued', 'running')");
    std::vector<std::pair<std::int64_t, std::string>> dead;
    while (s.step()) {
        const std::int64_t id = s.integer(0), pid = s.integer(2);
        if (std::find(owned_.begin(), owned_.end(), id) != owned_.end())
            continue;
        bool alive;
        if (s.text(1) == host)
            alive = pid > 0 && (kill(pid_t(pid), 0) == 0 || errno == EPERM);
        else
            alive = now() - s.real(3) < 120;  // another machine: trust a recent heartbeat
        if (!alive)
            dead.push_back({id, "its process (" + std::to_string(pid) + " on " + s.text(1) +
                                    ") ended without finishing it; resume it with neurite train --resume " + std::to_string(id)});
    }
    for (const auto& [id, message] : dead)
        db_.prepare("UPDATE runs SET status = 'interrupted', message = ?, ended_at = heartbeat_at WHERE id = ? "
                    "AND status IN ('queued', 'running')")
            .bind(1, message).bind(2, id).run();
    return int(dead.size());
}

std::int64_t RunStore::metricId(std::string_view name)
{
    if (auto it = metricIds_.find(name); it != metricIds_.end())  // no allocation on the hot path
        return it->second;
    db_.prepare("INSERT OR IGNORE INTO metric_names (name) VALUES (?)").bind(1, name).run();
    auto s = db_.prepare("SELECT id FROM metric_names WHERE name = ?");
    s.bind(1, name);
    s.step();
    return metricIds_[std::string(name)] = s.integer(0);
}

void RunStore::addMetric(std::int64_t run, std::string_view name, const MetricPoint& point)
{
    pending_.push_back({run, metricId(name), point});
}

void RunStore::flush()
{
    if (pending_.empty())
        return;
    Transaction t(db_);
    auto ins = db_.prepare("INSERT OR REPLACE INTO metrics (run_id, name_id, step, epoch, samples, time, value) "
                           "VALUES (?, ?, ?, ?, ?, ?, ?)");
    auto last = db_.prepare("INSERT INTO final_metrics (run_id, name_id, step, value) VALUES (?, ?, ?, ?) "
                            "ON CONFLICT (run_id, name_id) DO UPDATE SET step = excluded.step, value = excluded.value "
                            "WHERE excluded.step >= final_metrics.step");
    std::map<std::pair<std::int64_t, std::int64_t>, const Pending*> latest;  // per run and metric
    for (const auto& p : pending_) {
        ins.bind(1, p.run).bind(2, p.nameId).bind(3, p.point.step).bind(4, std::int64_t(p.point.epoch));
        ins.bind(5, p.point.samples).bind(6, p.point.time);
        std::isfinite(p.point.value) ? ins.bind(7, p.point.value) : ins.bindNull(7);
        ins.run();
        const Pending*& newest = latest[{p.run, p.nameId}];
        if (!newest || p.point.step >= newest->point.step)
            newest = &p;
    }
    for (const auto& [key, p] : latest) {
        last.bind(1, p->run).bind(2, p->nameId).bind(3, p->point.step);
        std::isfinite(p->point.value) ? last.bind(4, p->point.value) : last.bindNull(4);
        last.run();
    }
    for (const std::int64_t id : owned_)
        heartbeat(id);
    t.commit();
    pending_.clear();
}

std::vector<MetricPoint> RunStore::metrics(std::int64_t run, const std::string& name)
{
    auto s = db_.prepare("SELECT m.step, m.epoch, m.samples, m.time, m.value FROM metrics m "
                         "JOIN metric_names n ON n.id = m.name_id WHERE m.run_id = ? AND n.name = ? ORDER BY m.step");
    s.bind(1, run).bind(2, name);
    std::vector<MetricPoint> out;
    while (s.step())
        out.push_back({s.integer(0), int(s.integer(1)), s.integer(2), s.real(3), s.isNull(4) ? NAN : s.real(4)});
    return out;
}

std::vector<std::string> RunStore::metricNames(std::int64_t run)
{
    auto s = db_.prepare("SELECT n.name FROM final_metrics f JOIN metric_names n ON n.id = f.name_id WHERE f.run_id = ? "
                         "ORDER BY n.name");
    s.bind(1, run);
    std::vector<std::string> out;
    while (s.step())
        out.push_back(s.text(0));
    return out;
}

void RunStore::deleteMetricsAfter(std::int64_t run, std::int64_t step)
{
    flush();
    Transaction t(db_);
    db_.prepare("DELETE FROM metrics WHERE run_id = ? AND step > ?").bind(1, run).bind(2, step).run();
    db_.prepare("DELETE FROM telemetry WHERE run_id = ? AND step > ?").bind(1, run).bind(2, step).run();
    // The final values go back to the last point that remains.
    db_.prepare("DELETE FROM final_metrics WHERE run_id = ?").bind(1, run).run();
    db_.prepare("INSERT INTO final_metrics (run_id, name_id, step, value) SELECT m.run_id, m.name_id, m.step, m.value "
                "FROM metrics m WHERE m.run_id = ?1 AND m.step = (SELECT max(step) FROM metrics x "
                "WHERE x.run_id = ?1 AND x.name_id = m.name_id)")
        .bind(1, run).run();
    t.commit();
}

CheckpointInfo RunStore::saveCheckpoint(std::int64_t run, std::int64_t step, int epoch,
                                        const std::vector<std::pair<std::string, const Tensor*>>& tensors,
                                        const std::map<std::string, std::string>& metadata,
                                        const std::string& metricName, std::optional<double> metricValue)
{
    flush();
    const std::string header = safetensorsHeader(tensors, metadata);
    std::int64_t total = std::int64_t(header.size());
    for (const auto& [name, t] : tensors)
        total += t->numel() * std::int64_t(sizeof(float));
    Transaction tx(db_);
    auto ins = db_.prepare("INSERT INTO checkpoints (run_id, step, epoch, created_at, metric_name, metric_value, bytes, "
                           "sha256, data) VALUES (?, ?, ?, ?, ?, ?, ?, '', ?)");
    ins.bind(1, run).bind(2, step).bind(3, std::int64_t(epoch)).bind(4, now()).bind(5, metricName);
    metricValue ? ins.bind(6, *metricValue) : ins.bindNull(6);
    ins.bind(7, total).bindZeroBlob(8, total);
    ins.run();
    CheckpointInfo info{db_.lastInsertId(), run, step, epoch, now(), metricName, metricValue, total, {}};
    Sha256 hash;
    {
        Blob blob(db_, info.id, true);  // streamed: the model is never copied whole
        blob.write(header.data(), std::int64_t(header.size()), 0);
        hash.update(header.data(), header.size());
        std::int64_t at = std::int64_t(header.size());
        for (const auto& [name, t] : tensors) {
            const std::int64_t bytes = t->numel() * std::int64_t(sizeof(float));
            blob.write(t->data(), bytes, at);
            hash.update(t->data(), std::size_t(bytes));
            at += bytes;
        }
    }
    info.sha256 = hash.hex();
    db_.prepare("UPDATE checkpoints SET sha256 = ? WHERE id = ?").bind(1, info.sha256).bind(2, info.id).run();
    for (const std::int64_t id : owned_)
        heartbeat(id);
    tx.commit();
    return info;
}

std::vector<CheckpointInfo> RunStore::checkpoints(std::int64_t run)
{
    auto s = db_.prepare("SELECT id, run_id, step, epoch, created_at, metric_name, metric_value, bytes, sha256 "
                         "FROM checkpoints WHERE run_id = ? ORDER BY step");
    s.bind(1, run);
    std::vector<CheckpointInfo> out;
    while (s.step()) {
        CheckpointInfo c{s.integer(0), s.integer(1), s.integer(2), int(s.integer(3)), s.real(4), s.text(5), {}, s.integer(7), s.text(8)};
        if (!s.isNull(6))
            c.metricValue = s.real(6);
        out.push_back(c);
    }
    return out;
}

namespace {

// Reads a checkpoint blob front to back in chunks, hashing everything it reads.
class HashedReader {
public:
    HashedReader(Blob& blob) : blob_(blob) {}
    void read(void* out, std::int64_t bytes)
    {
        blob_.read(out, bytes, at_);
        hash_.update(out, std::size_t(bytes));
        at_ += bytes;
    }
    void skipTo(std::int64_t offset)
    {
        char scratch[4096];
        while (at_ < offset)
            read(scratch, std::min<std::int64_t>(offset - at_, sizeof scratch));
    }
    std::int64_t at() const { return at_; }
    std::string hex() { return hash_.hex(); }

private:
    Blob& blob_;
    Sha256 hash_;
    std::int64_t at_ = 0;
};

} // namespace

std::map<std::string, Tensor> RunStore::loadCheckpoint(std::int64_t id, std::map<std::string, std::string>* metadata)
{
    auto s = db_.prepare("SELECT run_id, sha256 FROM checkpoints WHERE id = ?");
    s.bind(1, id);
    if (!s.step())
        throw StoreError(db_.path() + ": no checkpoint " + std::to_string(id));
    const std::string source = db_.path() + " checkpoint " + std::to_string(id) + " of run " + std::to_string(s.integer(0));
    const std::string stored = s.text(1);
    Blob blob(db_, id, false);
    HashedReader in(blob);
    std::string head(8, '\0');
    if (blob.size() < 8)
        throw DataError(source, "the checkpoint is shorter than its 8-byte header length");
    in.read(head.data(), 8);
    std::uint64_t length;
    std::memcpy(&length, head.data(), 8);
    if (length > std::uint64_t(blob.size()) - 8)
        throw DataError(source, DataError::Where::ByteOffset, 0, "header length runs past the end of the checkpoint");
    head.resize(8 + length);
    in.read(head.data() + 8, std::int64_t(length));
    SafetensorsLayout layout = parseSafetensorsHeader(head, std::uint64_t(blob.size()), source);
    std::sort(layout.tensors.begin(), layout.tensors.end(), [](const auto& a, const auto& b) { return a.begin < b.begin; });
    std::map<std::string, Tensor> out;
    for (const auto& e : layout.tensors) {
        in.skipTo(std::int64_t(layout.dataStart + e.begin));
        Tensor t{e.shape};
        in.read(t.data(), std::int64_t(e.end - e.begin));
        out.emplace(e.name, std::move(t));
    }
    in.skipTo(blob.size());
    const std::string computed = in.hex();
    if (computed != stored)
        throw DataError(source, "SHA-256 mismatch (recorded " + stored.substr(0, 16) + "…, computed " +
                                    computed.substr(0, 16) + "…): the checkpoint is corrupt and was not used");
    if (metadata)
        *metadata = layout.metadata;
    return out;
}

void RunStore::exportCheckpoint(std::int64_t id, const std::string& file)
{
    loadCheckpoint(id);  // verifies the hash before anything is written
    Blob blob(db_, id, false);
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    if (!out)
        throw DataError(file, "cannot write the checkpoint file");
    std::vector<char> chunk(1 << 20);
    for (std::int64_t at = 0; at < blob.size();) {
        const std::int64_t n = std::min<std::int64_t>(blob.size() - at, std::int64_t(chunk.size()));
        blob.read(chunk.data(), n, at);
        out.write(chunk.data(), n);
        at += n;
    }
    if (!out)
        throw DataError(file, "write failed (disk full?)");
}

void RunStore::applyRetention(std::int64_t run, int keepLast, bool higherIsBetter)
{
    auto all = checkpoints(run);
    std::vector<std::int64_t> keep;
    for (std::size_t i = 0; i < all.size() && int(i) < keepLast; ++i)
        keep.push_back(all[all.size() - 1 - i].id);
    const CheckpointInfo* best = nullptr;
    for (const auto& c : all)
        if (c.metricValue && (!best || (higherIsBetter ? *c.metricValue > *best->metricValue
                                                       : *c.metricValue < *best->metricValue)))
            best = &c;
    if (best)
        keep.push_back(best->id);
    Transaction t(db_);
    auto del = db_.prepare("DELETE FROM checkpoints WHERE id = ?");
    for (const auto& c : all)
        if (std::find(keep.begin(), keep.end(), c.id) == keep.end())
            del.bind(1, c.id).run();
    t.commit();
    db_.exec("PRAGMA incremental_vacuum");  // gives the freed pages back; WAL readers are not blocked
}

void RunStore::addArtefact(std::int64_t run, const std::string& kind, const std::string& name, const nlohmann::json& content)
{
    db_.prepare("INSERT OR REPLACE INTO artefacts (run_id, kind, name, created_at, content) VALUES (?, ?, ?, ?, ?)")
        .bind(1, run).bind(2, kind).bind(3, name).bind(4, now()).bind(5, content.dump()).run();
}

std::optional<nlohmann::json> RunStore::artefact(std::int64_t run, const std::string& kind, const std::string& name)
{
    auto s = db_.prepare("SELECT content FROM artefacts WHERE run_id = ? AND kind = ? AND name = ?");
    s.bind(1, run).bind(2, kind).bind(3, name);
    if (!s.step())
        return std::nullopt;
    return nlohmann::json::parse(s.text(0));
}

void RunStore::addTelemetry(std::int64_t run, std::int64_t step, int epoch, std::string_view data)
{
    db_.prepare("INSERT OR REPLACE INTO telemetry (run_id, step, epoch, data) VALUES (?, ?, ?, ?)")
        .bind(1, run).bind(2, step).bind(3, std::int64_t(epoch)).bindBlob(4, data).run();
}

std::vector<RunStore::TelemetryRecord> RunStore::telemetry(std::int64_t run)
{
    std::vector<TelemetryRecord> records;
    auto s = db_.prepare("SELECT step, epoch, data FROM telemetry WHERE run_id = ? ORDER BY step");
    s.bind(1, run);
    while (s.step())
        records.push_back({s.integer(0), int(s.integer(1)), s.blob(2)});
    return records;
}

std::int64_t RunStore::telemetryBytes(std::int64_t run)
{
    auto s = db_.prepare("SELECT coalesce(sum(length(data)), 0) FROM telemetry WHERE run_id = ?");
    s.bind(1, run);
    s.step();
    return s.integer(0);
}

} // namespace neurite
