#pragma once
// A data set in memory, kept compact: images as bytes (one per pixel and channel), other data as
// floats. Normalisation is applied when batches are made, not stored.
#include "engine/core/Shape.h"

#include <cstdint>
#include <string>
#include <vector>

namespace neurite {

struct Dataset {
    std::string name;                      // "fashion-mnist/train"
    Shape sampleShape;                     // C×H×W for images, F for feature vectors
    std::vector<std::uint8_t> bytes;       // images: [size × sampleShape] raw 0..255
    std::vector<float> features;           // feature vectors: [size × F]
    std::vector<std::int32_t> labels;      // [size], 0 ≤ label < classNames.size()
    std::vector<std::string> classNames;
    // Normalisation per channel (images: x = (v/255 − mean) / std) or per feature (x = (v − mean) / std).
    std::vector<float> mean, std;

    bool isImage() const { return !bytes.empty(); }
    std::int64_t size() const { return std::int64_t(labels.size()); }
    int classes() const { return int(classNames.size()); }
    std::int64_t sampleSize() const { return sampleShape.numel(); }

    // Mean and standard deviation of the whole set, per channel or feature.
    void computeNormalisation();
};

// Numbered class names "0", "1", ... for sets that come without names.
std::vector<std::string> numberedClasses(int count);

} // namespace neurite
