#include "app/studio/telemetry/FeatureMapImages.h"

#include <algorithm>
#include <cmath>

namespace {

struct Range {
    float min = 0, max = 0, mean = 0;
};

Range rangeOf(const float* v, std::size_t n)
{
    Range r{INFINITY, -INFINITY, 0};
    double sum = 0;
    std::size_t finite = 0;
    for (std::size_t i = 0; i < n; ++i)
        if (std::isfinite(v[i])) {
            r.min = std::min(r.min, v[i]);
            r.max = std::max(r.max, v[i]);
            sum += v[i];
            ++finite;
        }
    if (finite == 0)
        return {};
    r.mean = float(sum / double(finite));
    return r;
}

// 0–255 for v within r; a constant channel is black (a dead unit after a ReLU is all zeros).
int grey(float v, Range r)
{
    if (!std::isfinite(v) || r.max <= r.min)
        return 0;
    return std::clamp(int(std::lround(255.0f * (v - r.min) / (r.max - r.min))), 0, 255);
}

FeatureMapBlock block(const float* values, int channels, int height, int width, bool colour)
{
    FeatureMapBlock b;
    b.channels = channels;
    b.height = height;
    b.width = width;
    const std::size_t plane = std::size_t(height) * std::size_t(width);
    if (colour) { // C = 3: one RGB image
        const Range r = rangeOf(values, 3 * plane);
        QImage image(width, height, QImage::Format_RGB32);
        for (int y = 0; y < height; ++y)
            for (int x = 0; x < width; ++x) {
                const std::size_t i = std::size_t(y) * std::size_t(width) + std::size_t(x);
                image.setPixel(x, y,
                               qRgb(grey(values[i], r), grey(values[plane + i], r), grey(values[2 * plane + i], r)));
            }
        b.images.push_back({image, r.min, r.max, r.mean});
        b.colour = true;
        return b;
    }
    for (int c = 0; c < channels; ++c) {
        const float* v = values + std::size_t(c) * plane;
        const Range r = rangeOf(v, plane);
        QImage image(width, height, QImage::Format_Grayscale8);
        for (int y = 0; y < height; ++y) {
            uchar* line = image.scanLine(y);
            for (int x = 0; x < width; ++x)
                line[x] = uchar(grey(v[std::size_t(y) * std::size_t(width) + std::size_t(x)], r));
        }
        b.images.push_back({image, r.min, r.max, r.mean});
    }
    return b;
}

bool fits(const std::vector<float>& values, int channels, int height, int width)
{
    return channels > 0 && height > 0 && width > 0 &&
           values.size() >= std::size_t(channels) * std::size_t(height) * std::size_t(width);
}

} // namespace

FeatureMapImages featureMapImages(const neurite::FeatureMaps& maps)
{
    FeatureMapImages out;
    out.step = maps.step;
    out.label = maps.sampleLabel;
    if (fits(maps.input, maps.inputChannels, maps.inputHeight, maps.inputWidth)) {
        out.input =
            block(maps.input.data(), maps.inputChannels, maps.inputHeight, maps.inputWidth, maps.inputChannels == 3);
        out.input.node = QStringLiteral("input");
        out.input.type = QStringLiteral("Input");
    }
    for (const auto& layer : maps.layers) {
        if (!fits(layer.values, layer.channels, layer.height, layer.width))
            continue;
        FeatureMapBlock b = block(layer.values.data(), layer.channels, layer.height, layer.width, false);
        b.node = QString::fromStdString(layer.node);
        b.type = QString::fromStdString(layer.type);
        b.after = QString::fromStdString(layer.after);
        out.layers.push_back(std::move(b));
    }
    return out;
}
