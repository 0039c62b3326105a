#include "app/studio/telemetry/TelemetryRows.h"

#include <algorithm>
#include <cmath>

namespace {

bool worthARow(const neurite::LayerTelemetry& layer)
{
    return layer.type != "Input" && (layer.hasActivation || layer.learned);
}

// The layer `node` in a snapshot; plans keep their order, so `hint` (its index in the newest
// snapshot) is nearly always right.
const neurite::LayerTelemetry* findLayer(const neurite::TelemetrySnapshot& s, const std::string& node, std::size_t hint)
{
    if (hint < s.layers.size() && s.layers[hint].node == node)
        return &s.layers[hint];
    for (const auto& layer : s.layers)
        if (layer.node == node)
            return &layer;
    return nullptr;
}

float log10Floored(double v)
{
    return float(std::log10(std::max(std::isfinite(v) ? std::abs(v) : 0.0, kTrendFloor)));
}

} // namespace

const char* tensorKindName(TensorKind kind)
{
    switch (kind) {
    case TensorKind::Activations:
        return "activations";
    case TensorKind::Weights:
        return "weights";
    case TensorKind::Gradients:
        return "gradients";
    }
    return "";
}

std::vector<TelemetryRow> telemetryRows(const TelemetryHistory& history)
{
    std::vector<TelemetryRow> rows;
    const neurite::TelemetrySnapshot* newest = history.latest();
    if (!newest)
        return rows;
    for (std::size_t index = 0; index < newest->layers.size(); ++index) {
        const neurite::LayerTelemetry& layer = newest->layers[index];
        if (!worthARow(layer))
            continue;
        TelemetryRow row;
        row.latest = layer;
        row.verdict = neurite::judgeLayer(layer, newest->firstNonFinite);
        for (const auto& s : history.snapshots()) {
            const neurite::LayerTelemetry* then = findLayer(s, layer.node, index);
            if (!then)
                continue;
            row.steps.push_back(s.step);
            if (layer.learned) {
                row.gradientNorm.push_back(log10Floored(then->gradient.norm));
                row.updateRatio.push_back(log10Floored(then->updateRatio));
            } else {
                row.outputSpread.push_back(log10Floored(then->activation.std));
            }
        }
        rows.push_back(std::move(row));
    }
    return rows;
}

Distribution rowDistribution(const TelemetryHistory& history, const std::string& node, TensorKind kind, int maxColumns)
{
    std::vector<const neurite::TensorSummary*> summaries;
    std::vector<std::int64_t> steps;
    std::size_t hint = 0;
    if (const auto* newest = history.latest())
        for (; hint < newest->layers.size() && newest->layers[hint].node != node; ++hint) {
        }
    for (const auto& s : history.snapshots()) {
        const neurite::LayerTelemetry* layer = findLayer(s, node, hint);
        const neurite::TensorSummary* summary = nullptr;
        if (layer && kind == TensorKind::Activations && layer->hasActivation)
            summary = &layer->activation;
        else if (layer && kind == TensorKind::Weights && layer->learned)
            summary = &layer->weight;
        else if (layer && kind == TensorKind::Gradients && layer->learned)
            summary = &layer->gradient;
        summaries.push_back(summary);
        steps.push_back(s.step);
    }
    return distributionOverTime(summaries, steps, maxColumns);
}
