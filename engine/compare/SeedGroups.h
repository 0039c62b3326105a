#pragma once
// Runs that differ only by their random seed: the same model and the same settings once the seed
// is left out. Their curves are averaged into a band (MetricBand.h) to show the spread that
// chance alone gives.
#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace neurite {

struct SeedRun {
    std::int64_t id = 0;
    nlohmann::json settings = nlohmann::json::object(); // nested; compared as flattenSettings does
    std::uint64_t seed = 0;
    std::string modelHash; // RunRecord::modelHash
};

struct SeedGroup {
    std::vector<std::int64_t> runs;   // ids, in the order given
    std::vector<std::uint64_t> seeds; // the seed of each run
};

// Groups the runs with the same model hash and the same settings apart from seedKeys (dotted
// keys, each with everything below it; see flattenSettings). Every run is in exactly one group;
// a run like no other is a group of one. Groups come in the order of their first run.
// Settings are compared as JSON values, so 0.01 and "0.01" are different settings.
std::vector<SeedGroup> seedGroups(const std::vector<SeedRun>& runs,
                                  const std::vector<std::string>& seedKeys = {"seed"});

} // namespace neurite
