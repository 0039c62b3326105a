#pragma once
// How the studio writes the engine's facts for people: shapes ("6×28×28"), counts ("61.7 k"),
// bytes ("1.2 MiB"), a layer's key attributes, its one-line explanation and its colour.
#include "engine/core/Shape.h"
#include "engine/graph/Catalogue.h"
#include "engine/graph/ModelGraph.h"

#include <QColor>
#include <QString>
#include <QStringList>
#include <cstdint>

QString shapeText(const neurite::Shape& shape);                 // "6×28×28"; "scalar" for rank 0
QString batchShapeText(std::int64_t batch, const neurite::Shape& shape);  // "128×6×28×28"
QString countText(double n);                                   // "850", "61.7 k", "2.3 M", "1.1 G"
QString bytesText(double bytes);                               // "512 B", "3.1 KiB", "1.2 MiB"
QString attrValueText(const nlohmann::json& value);            // 5, 0.001, true, "1, 28, 28"

QStringList keyAttributes(const neurite::Node& node, const neurite::LayerSpec& spec, int most = 3);
QString firstSentence(const std::string& text);
QColor categoryColour(const std::string& category);
