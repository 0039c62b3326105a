#include "engine/export/Verification.h"

#include <cmath>
#include <limits>

namespace neurite {

nlohmann::json VerificationReport::toJson() const
{
    nlohmann::json j = {{"runtime", runtime}, {"runtime_version", runtimeVersion}, {"samples", samples},
                        {"tolerance", tolerance}, {"passed", passed}, {"message", message}};
    j["outputs"] = nlohmann::json::array();
    for (const auto& o : outputs)
        j["outputs"].push_back({{"name", o.name}, {"max_abs", o.maxAbs}, {"mean_abs", o.meanAbs},
                                {"max_relative", o.maxRelative}});
    return j;
}

OutputDifference compareOutputs(const std::string& name, const std::vector<float>& ours,
                                const std::vector<float>& theirs)
{
    OutputDifference d{name};
    if (ours.size() != theirs.size() || ours.empty()) {
        d.maxAbs = d.meanAbs = d.maxRelative = std::numeric_limits<double>::infinity();
        return d;
    }
    double sum = 0;
    for (std::size_t i = 0; i < ours.size(); ++i) {
        const double diff = std::abs(double(theirs[i]) - double(ours[i]));
        if (std::isnan(diff)) {
            d.maxAbs = d.meanAbs = d.maxRelative = std::numeric_limits<double>::infinity();
            return d;
        }
        d.maxAbs = std::max(d.maxAbs, diff);
        d.maxRelative = std::max(d.maxRelative, diff / (1.0 + std::abs(double(ours[i]))));
        sum += diff;
    }
    d.meanAbs = sum / double(ours.size());
    return d;
}

} // namespace neurite
