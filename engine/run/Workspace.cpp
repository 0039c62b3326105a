#include "engine/run/Workspace.h"

#include "engine/core/Error.h"
#include "engine/run/JobFlags.h"

namespace neurite {

namespace {

// Schema 1 stored the command line's settings as text ({"epochs": "5"}).
std::map<std::string, std::string> legacyFlags(const nlohmann::json& settings)
{
    std::map<std::string, std::string> flags;
    for (const auto& [name, value] : settings.items())
        flags[name] = value.is_string() ? value.get<std::string>() : value.dump();
    return flags;
}

} // namespace

JobSpec jobOfRun(const RunRecord& run)
{
    const std::string where = "run " + std::to_string(run.id);
    JobSpec job;
    if (const auto it = run.hyperparams.find("job"); it != run.hyperparams.end()) {
        job = jobFromJson(*it, where);
    } else if (const auto flags = run.hyperparams.find("settings"); flags != run.hyperparams.end()) {
        try {
            job = jobFromFlags(legacyFlags(*flags));
        } catch (const ConfigError& e) {
            throw ConfigError(where + ": its recorded settings cannot be read: " + e.what());
        }
    } else {
        throw ConfigError(where + ": it records no training settings");
    }
    job.modelJson = run.modelJson;
    return job;
}

int upgradeLegacyRuns(RunStore& store)
{
    Database& db = store.database();
    std::vector<std::pair<std::int64_t, nlohmann::json>> legacy;
    {
        auto s = db.prepare("SELECT id, hyperparams FROM runs WHERE json_type(hyperparams, '$.job') IS NULL "
                            "AND json_type(hyperparams, '$.settings') = 'object'");
        while (s.step())
            legacy.emplace_back(s.integer(0), nlohmann::json::parse(s.text(1)));
    }
    if (legacy.empty())
        return 0;
    Transaction t(db);
    int upgraded = 0;
    for (auto& [id, hyperparams] : legacy) {
        JobSpec job;
        try {
            job = jobFromFlags(legacyFlags(hyperparams["settings"]));
        } catch (const ConfigError&) {
            continue;  // left as it is: jobOfRun() reports it when someone asks for this run
        }
        nlohmann::json upgradedSettings = runSettings(job);
        upgradedSettings["legacy_flags"] = hyperparams["settings"];
        store.setHyperparams(id, upgradedSettings);
        ++upgraded;
    }
    t.commit();
    return upgraded;
}

std::unique_ptr<RunStore> openWorkspace(const std::string& path)
{
    if (!RunStore::writable(path))
        return std::make_unique<RunStore>(path, true);
    auto store = std::make_unique<RunStore>(path);
    upgradeLegacyRuns(*store);
    return store;
}

} // namespace neurite
