#include "app/studio/LayerText.h"

#include <QObject>
#include <cmath>

QString shapeText(const neurite::Shape& shape) { return QString::fromStdString(shape.str()); }

QString batchShapeText(std::int64_t batch, const neurite::Shape& shape)
{
    return shape.rank() == 0 ? QString::number(batch) : QString::number(batch) + QChar(0x00D7) + shapeText(shape);
}

QString countText(double n)
{
    const double a = std::abs(n);
    if (a < 1e3)
        return QString::number(n, 'f', 0);
    if (a < 1e6)
        return QString::number(n / 1e3, 'f', a < 1e4 ? 2 : 1) + QStringLiteral(" k");
    if (a < 1e9)
        return QString::number(n / 1e6, 'f', a < 1e7 ? 2 : 1) + QStringLiteral(" M");
    return QString::number(n / 1e9, 'f', 2) + QStringLiteral(" G");
}

QString bytesText(double bytes)
{
    const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    int u = 0;
    while (bytes >= 1024 && u < 4)
        bytes /= 1024, ++u;
    return QString::number(bytes, 'f', u == 0 ? 0 : 1) + ' ' + units[u];
}

QString attrValueText(const nlohmann::json& v)
{
    if (v.is_array()) {
        QStringList parts;
        for (const auto& e : v)
            parts << attrValueText(e);
        return parts.join(QStringLiteral(", "));
    }
    if (v.is_string())
        return QString::fromStdString(v.get<std::string>());
    if (v.is_boolean())
        return v.get<bool>() ? QStringLiteral("true") : QStringLiteral("false");
    if (v.is_number_integer())
        return QString::number(v.get<long long>());
    if (v.is_number())
        return QString::number(v.get<double>(), 'g', 6);
    return QString::fromStdString(v.dump());
}

QStringList keyAttributes(const neurite::Node& node, const neurite::LayerSpec& spec, int most)
{
    // The first attribute always (it is the defining one: out_features, out_channels, p, shape),
    // then those that differ from their defaults.
    QStringList lines;
    for (std::size_t i = 0; i < spec.attrs.size() && lines.size() < most; ++i) {
        const auto& a = spec.attrs[i];
        const bool set = node.attrs.contains(a.name);
        if (i == 0 || set)
            lines << QString::fromStdString(a.name) + QStringLiteral(" = ") +
                         attrValueText(set ? node.attrs[a.name] : a.defaultValue);
    }
    return lines;
}

QString firstSentence(const std::string& text)
{
    const auto end = text.find(". ");
    return QString::fromStdString(end == std::string::npos ? text : text.substr(0, end + 1));
}

QColor categoryColour(const std::string& category)
{
    if (category == "Input") return QColor(0x4B, 0x55, 0x63);
    if (category == "Dense") return QColor(0x25, 0x63, 0xEB);
    if (category == "Convolution") return QColor(0x7C, 0x3A, 0xED);
    if (category == "Pooling") return QColor(0x08, 0x91, 0xB2);
    if (category == "Normalisation") return QColor(0x05, 0x96, 0x69);
    if (category == "Regularisation") return QColor(0x65, 0x73, 0x8B);
    if (category == "Activation") return QColor(0xD9, 0x77, 0x06);
    if (category == "Shape") return QColor(0x71, 0x71, 0x7A);
    if (category == "Merge") return QColor(0xDB, 0x27, 0x77);
    if (category == "Loss") return QColor(0xB9, 0x1C, 0x1C);
    return QColor(0x52, 0x52, 0x5B);
}
