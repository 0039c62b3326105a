#pragma once
// A layer's health from its telemetry (issue 12): the verdict the canvas draws as a badge and the
// inspector as a colour, with the numbers behind it and a hint of what to try. One place for the
// thresholds, so the badge, the inspector and the CLI agree.
#include "engine/train/Telemetry.h"

#include <string>

namespace neurite {

// In order of severity: a layer gets the most severe that applies.
enum class LayerHealth { Unknown, Healthy, Vanishing, DeadUnits, Exploding, NonFinite };

const char* healthName(LayerHealth health);   // "healthy", "dead units", ...

struct HealthVerdict {
    LayerHealth health = LayerHealth::Unknown;
    std::string summary;                      // one line with the numbers ("62% of 64 units dead")
    std::string hint;                         // what to try; empty when healthy
};

// The thresholds (documented in the README's telemetry section).
struct HealthThresholds {
    double deadShare = 0.5;                   // dead units ≥ this share of the layer's units
    double explodingUpdate = 0.1;             // ‖Δw‖/‖w‖ above this: updates too large
    double explodingGradient = 1e3;           // or a gradient norm above this
    double vanishingUpdate = 1e-6;            // ‖Δw‖/‖w‖ below this while learning
    double vanishingGradient = 1e-7;          // or a gradient norm below this
};

// The verdict on one layer at one snapshot (firstNonFinite: the snapshot's, to flag that layer).
HealthVerdict judgeLayer(const LayerTelemetry& layer, const std::string& firstNonFinite,
                         const HealthThresholds& thresholds = {});

} // namespace neurite
