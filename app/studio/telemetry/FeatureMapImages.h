#pragma once
// The feature maps of the fixed sample (neurite::FeatureMaps) as images for the Telemetry dock:
// each channel a greyscale image normalised to its own range (its minimum black, its maximum
// white), so a weak channel is as visible as a strong one; the numbers stay beside it for the
// tooltip. An input of 3 channels is one colour image, normalised over all three.
#include "engine/train/Telemetry.h"

#include <QImage>
#include <QString>
#include <vector>

struct ChannelImage {
    QImage image;
    float min = 0, max = 0, mean = 0;                       // before normalising
};

struct FeatureMapBlock {
    QString node, type, after;                              // after: "" or the fused layer's id
    int channels = 0, height = 0, width = 0;
    std::vector<ChannelImage> images;                       // one per channel (one for RGB)
    bool colour = false;                                    // images[0] is the RGB input
};

struct FeatureMapImages {
    std::int64_t step = -1;
    int label = -1;                                         // the sample's class, −1 if unknown
    FeatureMapBlock input;
    std::vector<FeatureMapBlock> layers;
    bool empty() const { return input.images.empty() && layers.empty(); }
};

// Layers whose values do not fill channels × height × width are left out.
FeatureMapImages featureMapImages(const neurite::FeatureMaps& maps);
