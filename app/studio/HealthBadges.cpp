#include "app/studio/HealthBadges.h"

#include "engine/train/LayerHealth.h"

#include <QCoreApplication>

using namespace neurite;

namespace {

QString tr(const char* text) { return QCoreApplication::translate("HealthBadges", text); }

NodeBadge badgeFor(LayerHealth health)
{
    switch (health) {
    case LayerHealth::Healthy: return {QStringLiteral("✓"), QColor(0x2E, 0x9E, 0x5B), {}};
    case LayerHealth::Vanishing: return {QStringLiteral("↓"), QColor(0xD9, 0x8C, 0x10), {}};
    case LayerHealth::DeadUnits: return {QStringLiteral("0"), QColor(0xD9, 0x8C, 0x10), {}};
    case LayerHealth::Exploding: return {QStringLiteral("↑"), QColor(0xD6, 0x36, 0x36), {}};
    case LayerHealth::NonFinite: return {QStringLiteral("!"), QColor(0xB0, 0x1E, 0x68), {}};
    case LayerHealth::Unknown: break;
    }
    return {QStringLiteral("?"), QColor(0x80, 0x80, 0x80), {}};
}

} // namespace

QHash<QString, NodeBadge> healthBadges(const TelemetrySnapshot& snapshot, const QString& title)
{
    QHash<QString, NodeBadge> badges;
    for (const LayerTelemetry& layer : snapshot.layers) {
        if (!layer.hasActivation && !layer.learned)
            continue;
        if (layer.type == "Input")
            continue;
        const HealthVerdict v = judgeLayer(layer, snapshot.firstNonFinite);
        NodeBadge badge = badgeFor(v.health);
        QStringList lines{tr("Health (%1): %2").arg(title, QString::fromLatin1(healthName(v.health)))};
        lines << QString::fromStdString(v.summary);
        if (layer.hasActivation) {
            QString output = tr("output mean %1, std %2").arg(layer.activation.mean, 0, 'g', 3).arg(layer.activation.std, 0, 'g', 3);
            if (!layer.activationAfter.empty())
                output += tr(" (after %1)").arg(QString::fromStdString(layer.activationAfter));
            lines << output;
        }
        if (layer.learned)
            lines << tr("‖w‖ %1 · ‖g‖ %2 · update %3 of ‖w‖")
                         .arg(layer.weight.norm, 0, 'g', 3)
                         .arg(layer.gradient.norm, 0, 'g', 3)
                         .arg(layer.updateRatio, 0, 'g', 2);
        if (!v.hint.empty())
            lines << tr("Hint: ") + QString::fromStdString(v.hint);
        badge.tip = lines.join('\n');
        badges.insert(QString::fromStdString(layer.node), badge);
    }
    return badges;
}
