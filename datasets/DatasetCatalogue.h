#pragma once
// Named data sets and data by path. "fashion-mnist" finds the files of Debian's
// dataset-fashion-mnist; "spiral", "circles", "xor" and "blobs" are made on the spot
// ("spiral:samples=2000,noise=0.2,classes=4"); anything else is a path: a folder of IDX files,
// a folder of CIFAR-10 batches, a folder of class subfolders of images, or a .csv file.
#include "datasets/Dataset.h"

#include <string>
#include <vector>

namespace neurite {

struct DataBundle {
    Dataset train;
    Dataset test;              // size() == 0 when the source has no test part
    std::string description;   // where it came from, for logs and the run store
};

struct CatalogueEntry {
    std::string name, description, location;
    bool available = false;
};

// Throws DataError (files) or ConfigError (unknown name, bad options).
DataBundle loadDataset(const std::string& spec, std::uint64_t seed = 1);
std::vector<CatalogueEntry> knownDatasets();

} // namespace neurite
