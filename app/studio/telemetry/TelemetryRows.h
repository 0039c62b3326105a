#pragma once
// What the Telemetry dock's table shows, derived from a run's history: one row per layer that has
// something to show (not the Input; not a layer whose output was never made and that has no
// weights), with its latest numbers, its health verdict and its trends over the history; and,
// on demand, the distribution of one of its tensors over time. Plain values, no Qt.
#include "app/studio/telemetry/Distribution.h"
#include "app/studio/telemetry/TelemetryHistory.h"
#include "engine/train/LayerHealth.h"

#include <cstdint>
#include <string>
#include <vector>

// Which tensor a distribution is of.
enum class TensorKind { Activations, Weights, Gradients };
const char* tensorKindName(TensorKind kind);               // "activations", "weights", "gradients"

struct TelemetryRow {
    neurite::LayerTelemetry latest;                         // its numbers at the newest snapshot
    neurite::HealthVerdict verdict;                         // judgeLayer on them
    // Trends, one point per snapshot of the history that has the layer, log₁₀ (floored at 1e-12):
    std::vector<float> gradientNorm;                        // ‖g‖ (layers with weights)
    std::vector<float> updateRatio;                         // ‖Δw‖/‖w‖ (layers with weights)
    std::vector<float> outputSpread;                        // std of the output (the others)
    std::vector<std::int64_t> steps;                        // the step of each point
};

std::vector<TelemetryRow> telemetryRows(const TelemetryHistory& history);

// `node`'s tensor over the history, in at most `maxColumns` columns.
Distribution rowDistribution(const TelemetryHistory& history, const std::string& node, TensorKind kind,
                             int maxColumns);

constexpr double kTrendFloor = 1e-12;                       // log₁₀ of a zero is drawn as −12
