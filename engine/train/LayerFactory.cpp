#include "engine/core/Error.h"
#include "engine/train/Layer.h"

#include <cmath>

namespace neurite {

std::unique_ptr<Layer> createLayer(const LayerContext& ctx)
{
    for (auto factory : {createDenseLayer, createConvLayer, createNormLayer, createElementwiseLayer,
                         createStructuralLayer, createLossLayer})
        if (auto layer = factory(ctx))
            return layer;
    throw ModelError(ctx.node.id, "layer type '" + ctx.node.type + "' cannot be trained yet");
}

void initUniformFanIn(Tensor& t, std::int64_t fanIn, Rng& rng)
{
    const float bound = 1.0f / std::sqrt(float(fanIn));
    for (auto& v : t.span())
        v = rng.uniform(-bound, bound);
}

} // namespace neurite
