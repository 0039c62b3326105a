#pragma once
// The metrics of chosen runs as one CSV table, for spreadsheets, pandas and R:
//
//   run,run_name,metric,step,epoch,samples,time,value
//   3,"baseline, wide",val/accuracy,500,1,64000,12.5,0.90625
//
// - One row per point: runs in the order given, each run's metrics in the store's order
//   (RunStore::metricNames), each metric's points in the store's order (by step).
// - Text fields (run_name, metric) are quoted per RFC 4180 when they hold a comma, a double quote,
//   CR or LF, with quotes doubled. Lines end in LF (every CSV reader accepts it).
// - Numbers lose nothing: integers in full, time and value as the shortest text that reads back
//   to the same double (numberText in ValueText.h); nan, inf and -inf as such.
// - The store is only read; StoreError from it (an unknown run id) passes through.
#include "engine/store/RunStore.h"

#include <cstdint>
#include <iosfwd>
#include <string>
#include <string_view>
#include <vector>

namespace neurite {

// One CSV field: as it is, or in double quotes (with quotes doubled) when it must be.
std::string csvField(std::string_view text);

// Writes the header and the rows to out; returns the number of rows (points).
std::size_t writeMetricsCsv(RunStore& store, const std::vector<std::int64_t>& runs, std::ostream& out);

// The whole table as text.
std::string metricsCsv(RunStore& store, const std::vector<std::int64_t>& runs);

// Writes the table to file, replacing it only once the whole table is written (through
// "FILE.partial", renamed at the end), so a failure never leaves half a table or loses an older
// export. Returns the number of rows. Throws DataError naming the file when it cannot be written.
std::size_t saveMetricsCsv(RunStore& store, const std::vector<std::int64_t>& runs, const std::string& file);

} // namespace neurite
