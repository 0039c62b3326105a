#include "app/cli/Args.h"

#include "engine/core/Error.h"

#include <algorithm>

namespace neurite::cli {

Args::Args(const std::string& command, const std::vector<OptionSpec>& specs, const std::vector<std::string>& argv)
    : command_(command)
{
    for (std::size_t i = 0; i < argv.size(); ++i) {
        std::string arg = argv[i];
        if (arg.rfind("--", 0) != 0 || arg == "--") {
            positional_.push_back(arg);
            continue;
        }
        std::string name = arg.substr(2), value;
        const auto eq = name.find('=');
        const bool inlineValue = eq != std::string::npos;
        if (inlineValue) {
            value = name.substr(eq + 1);
            name = name.substr(0, eq);
        }
        const auto spec = std::find_if(specs.begin(), specs.end(), [&](const OptionSpec& s) { return s.name == name; });
        if (spec == specs.end())
            throw ConfigError("unknown option --" + name + " for '" + command + "'; see " + command + " --help");
        if (spec->valueName.empty()) {
            if (inlineValue)
                throw ConfigError("option --" + name + " takes no value");
            values_[name] = "1";
            continue;
        }
        if (!inlineValue) {
            if (i + 1 >= argv.size())
                throw ConfigError("option --" + name + " needs a value (" + spec->valueName + ")");
            value = argv[++i];
        }
        values_[name] = value;
    }
}

std::optional<std::string> Args::get(const std::string& name) const
{
    const auto it = values_.find(name);
    if (it == values_.end())
        return std::nullopt;
    return it->second;
}

std::string Args::get(const std::string& name, const std::string& fallback) const
{
    return get(name).value_or(fallback);
}

long long Args::getInt(const std::string& name, long long fallback) const
{
    const auto v = get(name);
    if (!v)
        return fallback;
    std::size_t used = 0;
    long long out = 0;
    try {
        out = std::stoll(*v, &used);
    } catch (const std::logic_error&) {
        used = 0;
    }
    if (used != v->size() || v->empty())
        throw ConfigError("option --" + name + ": '" + *v + "' is not an integer");
    return out;
}

double Args::getDouble(const std::string& name, double fallback) const
{
    const auto v = get(name);
    if (!v)
        return fallback;
    std::size_t used = 0;
    double out = 0;
    try {
        out = std::stod(*v, &used);
    } catch (const std::logic_error&) {
        used = 0;
    }
    if (used != v->size() || v->empty())
        throw ConfigError("option --" + name + ": '" + *v + "' is not a number");
    return out;
}

void Args::setDefault(const std::string& name, const std::string& value)
{
    values_.emplace(name, value);
}

std::string helpText(const std::string& usage, const std::string& summary, const std::vector<OptionSpec>& specs)
{
    std::string text = "usage: " + usage + "\n\n" + summary + "\n";
    if (!specs.empty())
        text += "\noptions:\n";
    for (const auto& s : specs) {
        std::string left = "  --" + s.name + (s.valueName.empty() ? "" : " " + s.valueName);
        left.resize(std::max<std::size_t>(left.size() + 2, 28), ' ');
        text += left + s.help + "\n";
    }
    return text;
}

} // namespace neurite::cli
