#pragma once
// CSV with a header row: numeric feature columns and one label column. Labels that are all
// non-negative integers are used as class numbers; otherwise each distinct text is a class
// (sorted by name).
#include "datasets/Dataset.h"

#include <string>

namespace neurite {

// labelColumn: the header name of the label column; empty: the last column. Throws DataError with
// the file and line for a missing label column, a row of the wrong length or a non-numeric value.
Dataset readCsv(const std::string& path, const std::string& labelColumn = {});

} // namespace neurite
