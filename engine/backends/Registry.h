#pragma once
// Which backends this build has, by name. The only place that knows.
#include "engine/backends/Backend.h"

#include <memory>
#include <string>
#include <vector>

namespace neurite {

std::vector<std::string> backendNames();                       // "cpu", "reference"
// Throws ConfigError for an unknown or unavailable backend, naming the ones there are.
std::unique_ptr<Backend> createBackend(const std::string& name, int threads = 0);

} // namespace neurite
