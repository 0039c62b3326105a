#pragma once
// How the Telemetry dock draws things: formatted text, tooltips, headings; and colours: a health verdict (green healthy, amber vanishing or dead
// units, red exploding or non-finite), the chip that shows it, and the colour scale of the
// distribution strips (viridis: ordered in lightness, readable by colour-blind people, on light
// and dark themes alike).
#include "app/studio/telemetry/Distribution.h"
#include "engine/train/LayerHealth.h"

#include <QImage>
#include <imgui.h>
#include <string>

ImU32 healthColour(neurite::LayerHealth health);
ImVec4 healthColourVec(neurite::LayerHealth health);
ImU32 healthTextColour(neurite::LayerHealth health);      // legible on healthColour

// A rounded chip with `label`, at the cursor, as one item (hover it with ImGui::IsItemHovered).
void healthChip(const char* label, neurite::LayerHealth health);

ImU32 viridis(float t);                                    // t in [0, 1]

// columns × bins, the top row the highest values. Within a column, brightness grows with the log
// of each bin's share over the column's largest share, so thin tails still show beside a peak
// (a ReLU's zeros).
QImage distributionImage(const Distribution& d);

// printf into a std::string (named fmt, short for the many numbers the view prints).
std::string fmt(const char* pattern, ...) __attribute__((format(printf, 1, 2)));

// A heading in `font` (the host's heading font; the current one when null).
void heading(ImFont* font, const char* text);

// A tooltip for the last item when it is hovered, its text wrapped. replace: instead of the one
// the item made itself (PlotLines shows its raw value). Between begin (when true) and end: ImGui
// calls; or tooltip(body) with a callable.
bool beginItemTooltip(bool replace = false);
void endItemTooltip();

template <class Body>
void tooltip(Body&& body, bool replace = false)
{
    if (!beginItemTooltip(replace))
        return;
    body();
    endItemTooltip();
}
