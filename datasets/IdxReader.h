#pragma once
// The IDX format of MNIST, Fashion-MNIST and their kin (plain or .gz):
// big-endian magic 0x0000 08 NN (unsigned bytes, NN dimensions), NN big-endian extents, then data.
#include "datasets/Dataset.h"

#include <string>

namespace neurite {

// Reads an image file (3 dimensions: count, rows, columns) and its label file (1 dimension).
// Throws DataError naming the file and byte offset for a wrong magic, a short read, labels out of
// range or counts that differ.
Dataset readIdx(const std::string& imagesPath, const std::string& labelsPath, int classes = 10);

} // namespace neurite
