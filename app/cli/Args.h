#pragma once
// A small command-line parser: declared options (with or without a value), positional arguments,
// and a help text made from the declarations.
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace neurite::cli {

struct OptionSpec {
    std::string name;         // "epochs" for --epochs
    std::string valueName;    // "N"; empty: a flag without a value
    std::string help;
};

class Args {
public:
    // Throws ConfigError for an unknown option or a missing value.
    Args(const std::string& command, const std::vector<OptionSpec>& specs, const std::vector<std::string>& argv);

    bool has(const std::string& name) const { return values_.count(name) > 0; }
    std::optional<std::string> get(const std::string& name) const;
    std::string get(const std::string& name, const std::string& fallback) const;
    long long getInt(const std::string& name, long long fallback) const;    // ConfigError if not an integer
    double getDouble(const std::string& name, double fallback) const;
    const std::vector<std::string>& positional() const { return positional_; }
    // Sets an option only when the command line did not (config files give defaults).
    void setDefault(const std::string& name, const std::string& value);
    const std::map<std::string, std::string>& values() const { return values_; }

private:
    std::string command_;
    std::map<std::string, std::string> values_;
    std::vector<std::string> positional_;
};

std::string helpText(const std::string& usage, const std::string& summary, const std::vector<OptionSpec>& specs);

} // namespace neurite::cli
