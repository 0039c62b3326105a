#pragma once
// Adapters between Qt's images and a run's model input (engine/run/Predict.h): a picture made into
// the input exactly as training made its samples, that input shown back as a picture, and a
// saliency reduced to one value per pixel for a heat map.
#include "engine/run/Predict.h"

#include <QImage>
#include <QVector>

#include <vector>

// Any QImage → the model's input [C, H, W] (inputFromPixels): alpha composited onto white, padded
// to the input's aspect ratio with the colour of its border (a wide photo is not squashed), grey or
// RGB as the model's channels, resized by area averaging, inverted when asked, normalised.
std::vector<float> modelInputOf(const QImage& image, const neurite::Shape& input, const neurite::RunInputs& data,
                                bool invert);

// The input [C, H, W] as the model sees it: x·std + mean back to 0..255, W×H, grey or RGB.
QImage imageOfInput(const std::vector<float>& input, const neurite::Shape& shape, const neurite::RunInputs& data);

// saliency [C, H, W] → [H × W]: the largest over the channels of each pixel.
QVector<float> saliencyPlane(const std::vector<float>& saliency, const neurite::Shape& shape);

// Whether a picture is dark ink on a light ground while the data set's images are light on dark
// (their mean below 0.5, as MNIST's): then it wants inverting to look like the training samples.
bool wantsInverting(const QImage& image, const neurite::RunInputs& data);
