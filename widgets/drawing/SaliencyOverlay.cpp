#include "widgets/drawing/SaliencyOverlay.h"

#include <algorithm>
#include <array>
#include <cmath>

QColor heatColour(double t)
{
    // Stops of a black-body ramp, evenly spaced in t.
    static constexpr std::array<std::array<int, 3>, 5> stops{{
        {{120, 0, 20}}, {{220, 30, 20}}, {{255, 130, 0}}, {{255, 220, 40}}, {{255, 255, 230}}}};
    t = std::clamp(t, 0.0, 1.0) * (stops.size() - 1);
    const std::size_t i = std::min<std::size_t>(std::size_t(t), stops.size() - 2);
    const double f = t - double(i);
    const auto mix = [&](int k) { return int(std::lround(stops[i][k] * (1 - f) + stops[i + 1][k] * f)); };
    return QColor(mix(0), mix(1), mix(2));
}

float heatScale(const QVector<float>& heat)
{
    if (heat.isEmpty())
        return 0;
    QVector<float> sorted = heat;
    const qsizetype at = std::min<qsizetype>(sorted.size() - 1, qsizetype(std::floor(0.99 * double(sorted.size()))));
    std::nth_element(sorted.begin(), sorted.begin() + at, sorted.end());
    const float level = sorted[at];
    return level > 0 ? level : *std::max_element(heat.begin(), heat.end());
}

QImage saliencyOverlay(const QImage& base, const QVector<float>& heat, double opacity, double dim)
{
    QImage out = base.convertToFormat(QImage::Format_ARGB32);
    if (heat.size() != qsizetype(out.width()) * out.height())
        return out;
    const float scale = heatScale(heat);
    for (int y = 0; y < out.height(); ++y) {
        auto* row = reinterpret_cast<QRgb*>(out.scanLine(y));
        for (int x = 0; x < out.width(); ++x) {
            const double t = scale > 0 ? std::min(1.0, double(heat[qsizetype(y) * out.width() + x]) / scale) : 0.0;
            // Opacity rises quickly from 0 so that faint heat still shows, and cold pixels stay clear.
            const double a = opacity * std::sqrt(t), under = dim * qGray(row[x]);
            const QColor c = heatColour(t);
            row[x] = qRgb(int(std::lround(under * (1 - a) + c.red() * a)), int(std::lround(under * (1 - a) + c.green() * a)),
                          int(std::lround(under * (1 - a) + c.blue() * a)));
        }
    }
    return out;
}
