#include "datasets/CsvReader.h"

#include "engine/core/Error.h"

#include <algorithm>
#include <charconv>
#include <fstream>
#include <map>

namespace neurite {

namespace {

std::vector<std::string> splitRow(const std::string& line)
{
    std::vector<std::string> cells;
    std::string cell;
    bool quoted = false;
    for (char c : line) {
        if (c == '"')
            quoted = !quoted;
        else if (c == ',' && !quoted) {
            cells.push_back(cell);
            cell.clear();
        } else if (c != '\r')
            cell += c;
    }
    cells.push_back(cell);
    for (auto& s : cells) {  // trim spaces
        s.erase(0, s.find_first_not_of(' '));
        s.erase(s.find_last_not_of(' ') + 1);
    }
    return cells;
}

bool parseFloat(const std::string& text, float& out)
{
    const char* end = text.data() + text.size();
    auto [ptr, ec] = std::from_chars(text.data(), end, out);
    return ec == std::errc() && ptr == end && !text.empty();
}

} // namespace

Dataset readCsv(const std::string& path, const std::string& labelColumn)
{
    std::ifstream in(path);
    if (!in)
        throw DataError(path, "cannot open the CSV file");
    std::string line;
    if (!std::getline(in, line))
        throw DataError(path, DataError::Where::Line, 1, "the file is empty; expected a header row");
    const auto header = splitRow(line);
    std::size_t labelAt = header.size() - 1;
    if (!labelColumn.empty()) {
        const auto it = std::find(header.begin(), header.end(), labelColumn);
        if (it == header.end())
            throw DataError(path, DataError::Where::Line, 1, "no column named '" + labelColumn + "' in the header");
        labelAt = std::size_t(it - header.begin());
    }
    if (header.size() < 2)
        throw DataError(path, DataError::Where::Line, 1, "needs at least one feature column and a label column");

    Dataset d;
    std::vector<std::string> labelTexts;
    std::size_t lineNo = 1;
    while (std::getline(in, line)) {
        ++lineNo;
        if (line.empty() || line == "\r")
            continue;
        const auto cells = splitRow(line);
        if (cells.size() != header.size())
            throw DataError(path, DataError::Where::Line, lineNo,
                            "row has " + std::to_string(cells.size()) + " columns but the header has " +
                                std::to_string(header.size()));
        for (std::size_t c = 0; c < cells.size(); ++c) {
            if (c == labelAt) {
                if (cells[c].empty())
                    throw DataError(path, DataError::Where::Line, lineNo, "empty label in column '" + header[c] + "'");
                labelTexts.push_back(cells[c]);
                continue;
            }
            float v;
            if (!parseFloat(cells[c], v))
                throw DataError(path, DataError::Where::Line, lineNo,
                                "column '" + header[c] + "': '" + cells[c] + "' is not a number");
            d.features.push_back(v);
        }
    }
    if (labelTexts.empty())
        throw DataError(path, DataError::Where::Line, lineNo, "no data rows after the header");
    d.sampleShape = Shape{std::int64_t(header.size() - 1)};

    const bool numeric = std::all_of(labelTexts.begin(), labelTexts.end(), [](const std::string& s) {
        return s.size() < 7 && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
    });
    if (numeric) {
        int top = 0;
        for (const auto& s : labelTexts) {
            d.labels.push_back(std::stoi(s));
            top = std::max(top, d.labels.back());
        }
        d.classNames = numberedClasses(top + 1);
    } else {
        std::map<std::string, int> classes;
        for (const auto& s : labelTexts)
            classes.emplace(s, 0);
        for (auto& [name, index] : classes) {
            index = int(d.classNames.size());
            d.classNames.push_back(name);
        }
        for (const auto& s : labelTexts)
            d.labels.push_back(classes[s]);
    }
    d.computeNormalisation();
    return d;
}

} // namespace neurite
