#pragma once
// A heat map over an image: the colours of a saliency (how much each pixel moves a prediction)
// laid over the picture it explains, at the picture's own resolution.
#include <QColor>
#include <QImage>
#include <QVector>

// t in [0, 1] → a colour of a black-body ramp (dark red → red → orange → yellow → white), which
// reads as "more" on both dark and light pictures and in grey print.
QColor heatColour(double t);

// The level a heat map is scaled by: its 99th percentile (one extreme pixel does not wash the rest
// out), or its maximum when that is 0; 0 for an empty or all-zero map.
float heatScale(const QVector<float>& heat);

// base: any format; heat: [height × width] row-major, ≥ 0, any scale, the size of base. Returns
// base in grey, dimmed to `dim` of its brightness (the shapes stay visible without washing the
// colours out), with heat / heatScale(heat) (clipped to 1) blended over it in heatColour, each
// pixel's opacity growing with its heat up to `opacity`: cold pixels show the dimmed picture.
QImage saliencyOverlay(const QImage& base, const QVector<float>& heat, double opacity = 0.9, double dim = 0.35);
