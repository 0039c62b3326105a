#include "datasets/Synthetic.h"

#include "engine/core/Error.h"
#include "engine/core/Rng.h"

#include <cmath>
#include <numbers>

namespace neurite {

Dataset makeSynthetic(const SyntheticConfig& c)
{
    if (c.samples < 2)
        throw ConfigError("a synthetic set needs at least 2 samples");
    if (c.classes < 2 || c.classes > 100)
        throw ConfigError("a synthetic set needs 2 to 100 classes");
    const bool twoClasses = c.kind == "circles" || c.kind == "xor";
    const int classes = twoClasses ? 2 : c.classes;
    if (!twoClasses && c.kind != "spiral" && c.kind != "blobs")
        throw ConfigError("unknown synthetic set '" + c.kind + "'; choose spiral, circles, xor or blobs");
    Rng rng(c.seed);
    Dataset d;
    d.name = c.kind;
    d.sampleShape = Shape{2};
    const float noise = float(c.noise);
    const double pi = std::numbers::pi;
    for (std::int64_t i = 0; i < c.samples; ++i) {
        const int label = int(i % classes);
        float x = 0, y = 0;
        if (c.kind == "spiral") {
            const float t = rng.uniform();  // position along the arm
            const float angle = float(2 * pi * label / classes) + 4.0f * t;
            x = t * std::cos(angle) + noise * rng.normal();
            y = t * std::sin(angle) + noise * rng.normal();
        } else if (c.kind == "circles") {
            const float angle = float(2 * pi) * rng.uniform(), radius = label ? 0.5f : 1.0f;
            x = radius * std::cos(angle) + noise * rng.normal();
            y = radius * std::sin(angle) + noise * rng.normal();
        } else if (c.kind == "xor") {
            x = rng.uniform(-1, 1);
            y = rng.uniform(-1, 1);
            const int quadrant = (x > 0) != (y > 0);
            d.labels.push_back(quadrant);
            d.features.push_back(x + noise * rng.normal());
            d.features.push_back(y + noise * rng.normal());
            continue;
        } else {  // blobs on a circle of centres
            const float angle = float(2 * pi * label / classes);
            x = 2 * std::cos(angle) + (0.3f + noise) * rng.normal();
            y = 2 * std::sin(angle) + (0.3f + noise) * rng.normal();
        }
        d.labels.push_back(label);
        d.features.push_back(x);
        d.features.push_back(y);
    }
    d.classNames = numberedClasses(classes);
    d.mean = {0, 0};
    d.std = {1, 1};
    return d;
}

} // namespace neurite
