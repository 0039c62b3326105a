#include "app/studio/LayerMaths.h"

#include "app/studio/LayerText.h"
#include "engine/graph/Attributes.h"

using neurite::Shape;

namespace {
const QString kTimes = QString(QChar(0x00D7));

QString t(std::int64_t batch, const Shape& s) { return batchShapeText(batch, s); }
}

QStringList layerMaths(const neurite::Node& node, const neurite::NodeInfo& info, std::int64_t batch)
{
    const auto* spec = neurite::Catalogue::instance().find(node.type);
    if (!spec || !info.shaped)
        return {};
    const QString y = QStringLiteral("Y[%1]").arg(t(batch, info.output));
    const QString x = info.inputs.empty() ? QString() : QStringLiteral("X[%1]").arg(t(batch, info.inputs[0]));
    const std::string& type = node.type;
    const QString n = QString::number(batch);

    if (type == "Input")
        return {QStringLiteral("X[%1]: a batch of %2 samples of %3").arg(t(batch, info.output), n, shapeText(info.output))};
    if (type == "Linear") {
        const auto in = info.inputs[0].numel(), out = info.output.numel();
        QString line = QStringLiteral("%1 = %2 · Wᵀ[%3%4%5]").arg(y, x).arg(in).arg(kTimes).arg(out);
        if (neurite::attrBool(node, "bias"))
            line += QStringLiteral(" + b[%1]").arg(out);
        return {line};
    }
    if (type == "Conv2d") {
        const auto k = neurite::attrInt(node, "kernel_size");
        const auto groups = neurite::attrInt(node, "groups");
        const auto cin = info.inputs[0][0], cout = info.output[0];
        QString line = QStringLiteral("%1 = %2 ⋆ W[%3%4%5%4%6%4%6]").arg(y, x).arg(cout).arg(kTimes).arg(cin / groups).arg(k);
        if (neurite::attrBool(node, "bias"))
            line += QStringLiteral(" + b[%1]").arg(cout);
        return {line, QStringLiteral("stride %1, padding %2, dilation %3, groups %4")
                          .arg(neurite::attrInt(node, "stride"))
                          .arg(neurite::attrInt(node, "padding"))
                          .arg(neurite::attrInt(node, "dilation"))
                          .arg(groups)};
    }
    if (type == "MaxPool2d" || type == "AvgPool2d") {
        const auto k = neurite::attrInt(node, "kernel_size");
        const auto s = neurite::attrInt(node, "stride") ? neurite::attrInt(node, "stride") : k;
        return {QStringLiteral("%1 = %2 of each %3%4%3 window of %5, stride %6")
                    .arg(y, type == "MaxPool2d" ? QStringLiteral("max") : QStringLiteral("mean"))
                    .arg(k).arg(kTimes).arg(x).arg(s)};
    }
    if (type == "GlobalAvgPool2d")
        return {QStringLiteral("%1 = mean over %2%3%4 of %5").arg(y).arg(info.inputs[0][1]).arg(kTimes).arg(info.inputs[0][2]).arg(x)};
    if (type == "BatchNorm1d" || type == "BatchNorm2d") {
        const auto c = info.inputs[0][0];
        return {QStringLiteral("%1 = γ[%2] · (%3 − μ[%2]) / √(σ²[%2] + ε) + β[%2]").arg(y).arg(c).arg(x),
                QStringLiteral("μ, σ² over the batch%1 of each of the %2 %3")
                    .arg(type == "BatchNorm2d" ? QStringLiteral(" and every position") : QString())
                    .arg(c)
                    .arg(type == "BatchNorm2d" ? QStringLiteral("channels") : QStringLiteral("features"))};
    }
    if (type == "LayerNorm")
        return {QStringLiteral("%1 = γ[%2] · (%3 − μ) / √(σ² + ε) + β[%2]").arg(y, shapeText(info.inputs[0]), x),
                QStringLiteral("μ, σ² over the %1 values of each sample").arg(info.inputs[0].numel())};
    if (type == "Flatten" || type == "Reshape")
        return {QStringLiteral("%1 = reshape(%2)").arg(y, x)};
    if (type == "Add")
        return {QStringLiteral("%1 = A[%2] + B[%3]").arg(y, t(batch, info.inputs[0]), t(batch, info.inputs[1]))};
    if (type == "Concat")
        return {QStringLiteral("%1 = cat(A[%2], B[%3]) along channels").arg(y, t(batch, info.inputs[0]), t(batch, info.inputs[1]))};
    if (spec->role == neurite::LayerRole::Loss)
        return {QStringLiteral("L = %1(%2, targets), a scalar: the mean over %3 samples")
                    .arg(QString::fromStdString(type).chopped(4), x, n),
                QString::fromStdString(spec->maths)};
    // Element-wise layers (activations, dropout): the catalogue's formula applies to every element.
    return {QStringLiteral("%1 = %2(%3), element by element").arg(y, QString::fromStdString(type), x),
            QString::fromStdString(spec->maths)};
}
