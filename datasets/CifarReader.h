#pragma once
// CIFAR-10 binary batches: records of 1 label byte and 3072 pixel bytes (3×32×32, channel-major).
#include "datasets/Dataset.h"

#include <string>
#include <vector>

namespace neurite {

// Reads and concatenates the given batch files. Class names come from batches.meta.txt beside the
// first file when it exists. Throws DataError for a partial record or a label above 9.
Dataset readCifar10(const std::vector<std::string>& batchFiles);

} // namespace neurite
