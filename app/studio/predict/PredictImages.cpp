#include "app/studio/predict/PredictImages.h"

#include <QPainter>

#include <algorithm>
#include <cmath>
#include <cstring>

namespace {

// Flattens transparency onto white (a scan or a drawing saved with a transparent ground).
QImage opaque(const QImage& image)
{
    if (!image.hasAlphaChannel())
        return image;
    QImage out(image.size(), QImage::Format_RGB888);
    out.fill(Qt::white);
    QPainter p(&out);
    p.drawImage(0, 0, image);
    return out;
}

// The image centred on a canvas of the aspect ratio w:h, filled with the mean colour of the
// image's outermost pixels (the ground the object stands on, as in the training images).
QImage toAspect(const QImage& image, int w, int h)
{
    const double target = double(w) / h, actual = double(image.width()) / image.height();
    if (std::abs(actual / target - 1.0) < 0.02)
        return image;
    const QImage rgb = image.convertToFormat(QImage::Format_RGB888);
    double sum[3] = {0, 0, 0};
    int count = 0;
    for (int y = 0; y < rgb.height(); ++y)
        for (int x = 0; x < rgb.width(); ++x)
            if (y == 0 || x == 0 || y == rgb.height() - 1 || x == rgb.width() - 1) {
                const uchar* px = rgb.constScanLine(y) + 3 * x;
                for (int k = 0; k < 3; ++k)
                    sum[k] += px[k];
                ++count;
            }
    const QSize size = actual > target ? QSize(rgb.width(), int(std::lround(rgb.width() / target)))
                                       : QSize(int(std::lround(rgb.height() * target)), rgb.height());
    QImage out(size, QImage::Format_RGB888);
    out.fill(QColor(int(sum[0] / count), int(sum[1] / count), int(sum[2] / count)));
    QPainter p(&out);
    p.drawImage((size.width() - rgb.width()) / 2, (size.height() - rgb.height()) / 2, rgb);
    return out;
}

} // namespace

std::vector<float> modelInputOf(const QImage& image, const neurite::Shape& input, const neurite::RunInputs& data,
                                bool invert)
{
    const bool grey = input[0] == 1;
    const QImage pixels = toAspect(opaque(image), int(input[2]), int(input[1]))
                              .convertToFormat(grey ? QImage::Format_Grayscale8 : QImage::Format_RGB888);
    const int channels = grey ? 1 : 3, rowBytes = pixels.width() * channels;
    // QImage pads each row to 4 bytes: copy the rows tightly, as inputFromPixels reads them.
    std::vector<std::uint8_t> tight(std::size_t(rowBytes) * std::size_t(pixels.height()));
    for (int y = 0; y < pixels.height(); ++y)
        std::memcpy(tight.data() + std::size_t(y) * std::size_t(rowBytes), pixels.constScanLine(y), std::size_t(rowBytes));
    return neurite::inputFromPixels(tight.data(), pixels.width(), pixels.height(), channels, input, data.mean, data.std,
                                    invert);
}

QImage imageOfInput(const std::vector<float>& input, const neurite::Shape& shape, const neurite::RunInputs& data)
{
    const int c = int(shape[0]), h = int(shape[1]), w = int(shape[2]);
    const auto channelOf = [](const std::vector<float>& v, int k) { return v.size() == 1 ? v[0] : v[std::size_t(k)]; };
    QImage out(w, h, c == 1 ? QImage::Format_Grayscale8 : QImage::Format_RGB888);
    for (int y = 0; y < h; ++y) {
        uchar* row = out.scanLine(y);
        for (int x = 0; x < w; ++x)
            for (int k = 0; k < c; ++k) {
                const float v = input[(std::size_t(k) * std::size_t(h) + std::size_t(y)) * std::size_t(w) + std::size_t(x)];
                const float byte = (v * channelOf(data.std, k) + channelOf(data.mean, k)) * 255.0f;
                row[x * c + k] = uchar(std::clamp(std::lround(byte), 0L, 255L));
            }
    }
    return out;
}

QVector<float> saliencyPlane(const std::vector<float>& saliency, const neurite::Shape& shape)
{
    const qsizetype plane = qsizetype(shape[1] * shape[2]);
    QVector<float> out(plane, 0.0f);
    for (std::int64_t k = 0; k < shape[0]; ++k)
        for (qsizetype i = 0; i < plane; ++i)
            out[i] = std::max(out[i], saliency[std::size_t(k * plane + i)]);
    return out;
}

bool wantsInverting(const QImage& image, const neurite::RunInputs& data)
{
    if (data.mean.empty() || data.mean[0] >= 0.5f)
        return false;
    const QImage grey = opaque(image).convertToFormat(QImage::Format_Grayscale8);
    double sum = 0;
    for (int y = 0; y < grey.height(); ++y)
        for (int x = 0; x < grey.width(); ++x)
            sum += grey.constScanLine(y)[x];
    return sum / (double(grey.width()) * grey.height()) > 127.5;
}
