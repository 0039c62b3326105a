#include "engine/compare/MetricsCsv.h"

#include "engine/compare/ValueText.h"
#include "engine/core/Error.h"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

namespace neurite {

std::string csvField(std::string_view text)
{
    if (text.find_first_of(",\"\r\n") == std::string_view::npos)
        return std::string(text);
    std::string quoted = "\"";
    for (const char c : text)
        quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
    return quoted + "\"";
}

std::size_t writeMetricsCsv(RunStore& store, const std::vector<std::int64_t>& runs, std::ostream& out)
{
    out << "run,run_name,metric,step,epoch,samples,time,value\n";
    std::size_t rows = 0;
    for (const auto id : runs) {
        const std::string name = csvField(store.run(id).name);
        for (const auto& metric : store.metricNames(id)) {
            const std::string prefix = std::to_string(id) + ',' + name + ',' + csvField(metric) + ',';
            for (const auto& p : store.metrics(id, metric)) {
                out << prefix << p.step << ',' << p.epoch << ',' << p.samples << ',' << numberText(p.time) << ','
                    << numberText(p.value) << '\n';
                ++rows;
            }
        }
    }
    return rows;
}

std::string metricsCsv(RunStore& store, const std::vector<std::int64_t>& runs)
{
    std::ostringstream out;
    writeMetricsCsv(store, runs, out);
    return out.str();
}

std::size_t saveMetricsCsv(RunStore& store, const std::vector<std::int64_t>& runs, const std::string& file)
{
    const std::string partial = file + ".partial";
    std::size_t rows = 0;
    try {
        std::ofstream out(partial, std::ios::binary | std::ios::trunc);
        if (!out)
            throw DataError(file, "cannot write the CSV file (cannot create " + partial + ")");
        rows = writeMetricsCsv(store, runs, out);
        out.close();
        if (!out)
            throw DataError(file, "writing the CSV file failed (disk full?)");
        std::error_code error;
        std::filesystem::rename(partial, file, error);
        if (error)
            throw DataError(file, "cannot write the CSV file: " + error.message());
    } catch (...) {
        std::error_code ignored;
        std::filesystem::remove(partial, ignored);
        throw;
    }
    return rows;
}

} // namespace neurite
