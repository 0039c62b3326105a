#pragma once
// Which settings differ between runs: each run's settings (nested JSON) flattened to dotted keys,
// and only the keys whose values are not all the same, each with one display string per run.
#include <nlohmann/json.hpp>

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace neurite {

// Settings as dotted keys: {"train": {"optimizer": {"lr": 0.001}}} gives "train.optimizer.lr".
// - Arrays stay one value ("input" = [1, 28, 28]): a list reads best in one cell, and lists of
//   different lengths are one difference rather than a row per missing element.
// - An empty object is one value ({}), so the key does not vanish.
// - Keys are joined as they are; a dot inside a key is not escaped.
// - Settings that are null count as none; any other non-object is one value under the key "".
// - ignore: dotted keys to leave out; each also leaves out everything below it ("train" drops
//   "train.lr"). Use it for the seed when grouping, or for settings that never matter.
std::map<std::string, nlohmann::json> flattenSettings(const nlohmann::json& settings,
                                                      const std::vector<std::string>& ignore = {});

struct SettingDifference {
    std::string key;                                // dotted: "train.optimizer.lr"
    std::vector<std::optional<std::string>> values; // one per run, in the order given (valueText);
                                                    // nullopt: that run lacks the key
};

// The keys whose values are not equal in all runs, sorted by key. A key that some runs lack
// differs (the lacking runs show nullopt). Values are compared as JSON (3 equals 3.0; the number
// 3 and the string "3" differ; NaN equals NaN). Fewer than two runs: nothing differs.
std::vector<SettingDifference> differingSettings(const std::vector<nlohmann::json>& settings,
                                                 const std::vector<std::string>& ignore = {});

} // namespace neurite
