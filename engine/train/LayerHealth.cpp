#include "engine/train/LayerHealth.h"

#include <cmath>
#include <cstdio>

namespace neurite {

const char* healthName(LayerHealth health)
{
    switch (health) {
    case LayerHealth::Unknown: return "unknown";
    case LayerHealth::Healthy: return "healthy";
    case LayerHealth::Vanishing: return "vanishing gradients";
    case LayerHealth::DeadUnits: return "dead units";
    case LayerHealth::Exploding: return "exploding";
    case LayerHealth::NonFinite: return "non-finite";
    }
    return "unknown";
}

namespace {

std::string format(const char* pattern, double a, double b = 0)
{
    char text[160];
    std::snprintf(text, sizeof text, pattern, a, b);
    return text;
}

} // namespace

HealthVerdict judgeLayer(const LayerTelemetry& layer, const std::string& firstNonFinite,
                         const HealthThresholds& t)
{
    HealthVerdict v;
    // The layer where NaN or Inf first appeared, or whose own weights hold them: the layers after
    // it only pass them on (their outputs and gradients too are non-finite) and are not blamed.
    const bool nonFinite = layer.node == firstNonFinite || layer.weight.nonFinite > 0 ||
                           (firstNonFinite.empty() && (layer.activation.nonFinite > 0 || layer.gradient.nonFinite > 0));
    if (nonFinite) {
        v.health = LayerHealth::NonFinite;
        v.summary = layer.weight.nonFinite || layer.gradient.nonFinite
                        ? format("%.0f weights and %.0f gradients are NaN or Inf", double(layer.weight.nonFinite),
                                 double(layer.gradient.nonFinite))
                        : format("%.0f of %.0f outputs are NaN or Inf", double(layer.activation.nonFinite),
                                 double(layer.activation.count));
        v.hint = "lower the learning rate (by 10×), clip gradients, or add batch normalisation before this layer";
        return v;
    }
    if (layer.learned && (layer.updateRatio > t.explodingUpdate || layer.gradient.norm > t.explodingGradient)) {
        v.health = LayerHealth::Exploding;
        v.summary = format("updates are %.2g of the weights per step; ‖g‖ = %.3g", layer.updateRatio,
                           layer.gradient.norm);
        v.hint = "lower the learning rate (healthy updates are about 1e-3 of the weights), or clip gradients";
        return v;
    }
    if (layer.units > 0 && double(layer.deadUnits) >= t.deadShare * double(layer.units)) {
        v.health = LayerHealth::DeadUnits;
        v.summary = format("%.0f%% of %.0f units output 0 for every sample", 100.0 * double(layer.deadUnits) /
                                                                              double(layer.units),
                           double(layer.units));
        v.hint = "use LeakyReLU or GELU, lower the learning rate, or add batch normalisation before the ReLU";
        return v;
    }
    // An update ratio of 0 was not measured (a diverged step makes no update).
    const bool measured = layer.updateRatio > 0;
    if (layer.learned && layer.weight.norm > 0 && layer.gradient.nonFinite == 0 &&
        ((measured && layer.updateRatio < t.vanishingUpdate) || layer.gradient.norm < t.vanishingGradient)) {
        v.health = LayerHealth::Vanishing;
        v.summary = format("updates are %.2g of the weights per step; ‖g‖ = %.3g", layer.updateRatio,
                           layer.gradient.norm);
        v.hint = "raise the learning rate, use residual connections or batch normalisation, or ReLU instead of "
                 "Sigmoid/Tanh in deep stacks";
        return v;
    }
    v.health = LayerHealth::Healthy;
    if (layer.learned)
        v.summary = format("updates %.2g of the weights per step; ‖g‖ = %.3g", layer.updateRatio, layer.gradient.norm);
    else if (layer.units > 0)
        v.summary = format("%.0f%% of units dead", 100.0 * double(layer.deadUnits) / double(layer.units));
    else
        v.summary = format("output mean %.3g, std %.3g", layer.activation.mean, layer.activation.std);
    return v;
}

} // namespace neurite
