#include "engine/store/RunIndex.h"

#include <type_traits>

namespace neurite {

namespace {

// One statement: the chosen runs (?1: a JSON array of ids, or NULL for every run), the name of each
// distinct model among them (a materialised table: one json_extract per model hash, not per run),
// the hyper-parameters, the tags and three metric aggregates. metrics is keyed by (run_id, name_id,
// step), final_metrics by (run_id, name_id): each aggregate is a short range scan.
constexpr const char* kRowsQuery = R"sql(
WITH chosen (id) AS MATERIALIZED (
    SELECT id FROM runs WHERE ?1 IS NULL OR id IN (SELECT value FROM json_each(?1))
),
models (hash, name) AS MATERIALIZED (
    SELECT model_hash, json_extract(model_json, '$.name') FROM runs
    WHERE id IN (SELECT min(id) FROM runs WHERE model_hash IN (SELECT model_hash FROM runs WHERE id IN chosen)
                 GROUP BY model_hash)
),
names (accuracy, loss, test) AS MATERIALIZED (
    SELECT (SELECT id FROM metric_names WHERE name = 'val/accuracy'),
           (SELECT id FROM metric_names WHERE name = 'val/loss'),
           (SELECT id FROM metric_names WHERE name = 'test/accuracy')
)
SELECT r.id, r.name, r.status, r.message, r.dataset, r.created_at, coalesce(r.started_at, 0), coalesce(r.ended_at, 0),
       m.name,
       json_extract(r.hyperparams, '$.epochs'), json_extract(r.hyperparams, '$.batch'),
       json_extract(r.hyperparams, '$.optimizer'), json_extract(r.hyperparams, '$.lr'),
       (SELECT max(x.value) FROM metrics x WHERE x.run_id = r.id AND x.name_id = n.accuracy),
       (SELECT min(x.value) FROM metrics x WHERE x.run_id = r.id AND x.name_id = n.loss),
       (SELECT f.value FROM final_metrics f WHERE f.run_id = r.id AND f.name_id = n.test),
       (SELECT group_concat(tag, char(31)) FROM (SELECT tag FROM run_tags t WHERE t.run_id = r.id ORDER BY tag)),
       r.notes
FROM chosen c JOIN runs r ON r.id = c.id CROSS JOIN names n LEFT JOIN models m ON m.hash = r.model_hash
ORDER BY r.id
)sql";

// The cheap columns of every run and a sum over its final metrics, which moves whenever a point is
// recorded (flush() keeps the newest step and value of each metric there).
constexpr const char* kStampsQuery = R"sql(
SELECT r.id,
       r.status || char(31) || r.name || char(31) || r.message || char(31) || coalesce(r.heartbeat_at, 0) || char(31) ||
       coalesce(r.ended_at, 0) || char(31) || r.notes || char(31) ||
       coalesce((SELECT group_concat(tag, char(31)) FROM run_tags t WHERE t.run_id = r.id), ''),
       (SELECT total(f.step) + total(f.value) FROM final_metrics f WHERE f.run_id = r.id)
FROM runs r ORDER BY r.id
)sql";

std::vector<std::string> splitTags(const std::string& joined)
{
    std::vector<std::string> tags;
    for (std::size_t at = 0; at < joined.size();) {
        std::size_t end = joined.find('\x1f', at);
        if (end == std::string::npos)
            end = joined.size();
        tags.push_back(joined.substr(at, end - at));
        at = end + 1;
    }
    return tags;
}

template <class T>
std::optional<T> optionalColumn(const Statement& s, int column)
{
    if (s.isNull(column))
        return std::nullopt;
    if constexpr (std::is_same_v<T, double>)
        return s.real(column);
    else if constexpr (std::is_same_v<T, std::int64_t>)
        return s.integer(column);
    else
        return s.text(column);
}

std::vector<RunRow> readRows(Database& db, const std::vector<std::int64_t>* ids)
{
    auto s = db.prepare(kRowsQuery);
    if (ids) {
        std::string list = "[";
        for (std::size_t i = 0; i < ids->size(); ++i)
            list += (i ? "," : "") + std::to_string((*ids)[i]);
        s.bind(1, std::string_view(list + "]"));
    } else {
        s.bindNull(1);
    }
    std::vector<RunRow> rows;
    while (s.step()) {
        RunRow r;
        r.id = s.integer(0);
        r.name = s.text(1);
        r.status = s.text(2);
        r.message = s.text(3);
        r.dataset = s.text(4);
        r.createdAt = s.real(5);
        r.startedAt = s.real(6);
        r.endedAt = s.real(7);
        r.modelName = s.text(8);
        r.epochs = optionalColumn<std::int64_t>(s, 9);
        r.batch = optionalColumn<std::int64_t>(s, 10);
        r.optimizer = optionalColumn<std::string>(s, 11);
        r.lr = optionalColumn<double>(s, 12);
        r.bestValAccuracy = optionalColumn<double>(s, 13);
        r.bestValLoss = optionalColumn<double>(s, 14);
        r.testAccuracy = optionalColumn<double>(s, 15);
        r.tags = splitTags(s.text(16));
        r.notes = s.text(17);
        rows.push_back(std::move(r));
    }
    return rows;
}

} // namespace

std::vector<RunRow> listRunRows(Database& db) { return readRows(db, nullptr); }

std::vector<RunRow> listRunRows(Database& db, const std::vector<std::int64_t>& ids)
{
    return ids.empty() ? std::vector<RunRow>() : readRows(db, &ids);
}

std::vector<RunStamp> runStamps(Database& db)
{
    auto s = db.prepare(kStampsQuery);
    std::vector<RunStamp> stamps;
    while (s.step())
        stamps.push_back({s.integer(0), s.text(1), s.real(2)});
    return stamps;
}

std::int64_t dataVersion(Database& db)
{
    auto s = db.prepare("PRAGMA data_version");
    s.step();
    return s.integer(0);
}

} // namespace neurite
