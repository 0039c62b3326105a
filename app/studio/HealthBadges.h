#pragma once
// The layers' health from a telemetry snapshot (engine/train/LayerHealth's verdicts) as badges
// for the canvas's nodes: a glyph and colour per verdict, and a tooltip with the numbers and a hint.
#include "engine/train/Telemetry.h"

#include <QColor>
#include <QHash>
#include <QString>

struct NodeBadge {
    QString glyph;
    QColor colour;
    QString tip;
    bool operator==(const NodeBadge&) const = default;
};

// Node id → badge, for every layer the snapshot measured (the input and the loss have none).
// title: where the numbers come from ("live, step 1200" or "run 12, step 4680").
QHash<QString, NodeBadge> healthBadges(const neurite::TelemetrySnapshot& snapshot, const QString& title);
