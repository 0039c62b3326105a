#include "engine/compare/SeedGroups.h"

#include "engine/compare/SettingsDiff.h"

#include <map>
#include <utility>

namespace neurite {

std::vector<SeedGroup> seedGroups(const std::vector<SeedRun>& runs, const std::vector<std::string>& seedKeys)
{
    // A group's key: the model hash and the settings without the seed. keys[i] is that of groups[i].
    using Key = std::pair<std::string, std::map<std::string, nlohmann::json>>;
    std::vector<Key> keys;
    std::vector<SeedGroup> groups;
    for (const auto& run : runs) {
        Key key{run.modelHash, flattenSettings(run.settings, seedKeys)};
        std::size_t g = 0;
        while (g < keys.size() && keys[g] != key)
            ++g;
        if (g == keys.size()) {
            keys.push_back(std::move(key));
            groups.emplace_back();
        }
        groups[g].runs.push_back(run.id);
        groups[g].seeds.push_back(run.seed);
    }
    return groups;
}

} // namespace neurite
