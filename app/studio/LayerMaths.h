#pragma once
// A layer's maths written with this model's real shapes at the chosen batch size, as the
// inspector shows it: for a Linear after a Flatten at batch 128,
// "Y[128×256] = X[128×784] · Wᵀ[784×256] + b[256]".
#include "engine/graph/ModelGraph.h"
#include "engine/graph/ShapeInference.h"

#include <QString>

// Lines of maths; empty when the node has no shapes yet (an input missing, a problem upstream).
QStringList layerMaths(const neurite::Node& node, const neurite::NodeInfo& info, std::int64_t batch);
