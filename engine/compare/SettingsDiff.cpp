#include "engine/compare/SettingsDiff.h"

#include "engine/compare/ValueText.h"

#include <cmath>
#include <set>

namespace neurite {

namespace {

bool ignored(const std::string& key, const std::vector<std::string>& ignore)
{
    for (const auto& i : ignore)
        if (key == i || (key.size() > i.size() && key.compare(0, i.size(), i) == 0 && key[i.size()] == '.'))
            return true;
    return false;
}

void flatten(const nlohmann::json& value, const std::string& key, const std::vector<std::string>& ignore,
             std::map<std::string, nlohmann::json>& out)
{
    if (ignored(key, ignore))
        return;
    if (!value.is_object() || value.empty()) {
        out[key] = value;
        return;
    }
    for (const auto& [name, item] : value.items())
        flatten(item, key.empty() ? name : key + "." + name, ignore, out);
}

bool sameValue(const nlohmann::json& a, const nlohmann::json& b)
{
    if (a.is_number_float() && b.is_number_float() && std::isnan(a.get<double>()) && std::isnan(b.get<double>()))
        return true;
    return a == b;
}

} // namespace

std::map<std::string, nlohmann::json> flattenSettings(const nlohmann::json& settings,
                                                      const std::vector<std::string>& ignore)
{
    std::map<std::string, nlohmann::json> out;
    if (settings.is_null() || (settings.is_object() && settings.empty()))
        return out; // no settings at all, not one empty value
    flatten(settings, "", ignore, out);
    return out;
}

std::vector<SettingDifference> differingSettings(const std::vector<nlohmann::json>& settings,
                                                 const std::vector<std::string>& ignore)
{
    std::vector<std::map<std::string, nlohmann::json>> flat;
    std::set<std::string> keys;
    for (const auto& s : settings) {
        flat.push_back(flattenSettings(s, ignore));
        for (const auto& entry : flat.back())
            keys.insert(entry.first);
    }
    std::vector<SettingDifference> differences;
    for (const auto& key : keys) {
        SettingDifference d{key, {}};
        bool same = true;
        const nlohmann::json* first = nullptr;
        for (const auto& run : flat) {
            const auto it = run.find(key);
            if (it == run.end()) {
                same = false;
                d.values.push_back(std::nullopt);
                continue;
            }
            if (!first)
                first = &it->second;
            else if (!sameValue(*first, it->second))
                same = false;
            d.values.push_back(valueText(it->second));
        }
        if (!same)
            differences.push_back(std::move(d));
    }
    return differences;
}

} // namespace neurite
