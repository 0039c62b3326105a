#include "app/studio/telemetry/TelemetryStyle.h"

#include <imgui_internal.h> // BeginTooltipEx: a tooltip that replaces the item's own

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdarg>
#include <cstdio>

using neurite::LayerHealth;

ImU32 healthColour(LayerHealth health)
{
    return ImGui::ColorConvertFloat4ToU32(healthColourVec(health));
}

ImVec4 healthColourVec(LayerHealth health)
{
    const auto rgb = [](int r, int g, int b) {
        return ImVec4(float(r) / 255.f, float(g) / 255.f, float(b) / 255.f, 1.f);
    };
    switch (health) {
    case LayerHealth::Healthy:
        return rgb(0x2E, 0xA0, 0x43);
    case LayerHealth::Vanishing:
    case LayerHealth::DeadUnits:
        return rgb(0xE3, 0x9B, 0x16);
    case LayerHealth::Exploding:
    case LayerHealth::NonFinite:
        return rgb(0xDA, 0x36, 0x33);
    case LayerHealth::Unknown:
        break;
    }
    return rgb(0x8A, 0x8F, 0x98);
}

ImU32 healthTextColour(LayerHealth health)
{
    const bool amber = health == LayerHealth::Vanishing || health == LayerHealth::DeadUnits;
    return amber ? IM_COL32(0x24, 0x1A, 0x05, 0xFF) : IM_COL32_WHITE;
}

void healthChip(const char* label, LayerHealth health)
{
    const ImVec2 text = ImGui::CalcTextSize(label);
    const ImVec2 pad(7.0f, 1.0f);
    const ImVec2 at = ImGui::GetCursorScreenPos();
    const ImVec2 size(text.x + 2 * pad.x, text.y + 2 * pad.y);
    ImDrawList* draw = ImGui::GetWindowDrawList();
    draw->AddRectFilled(at, ImVec2(at.x + size.x, at.y + size.y), healthColour(health), size.y * 0.5f);
    draw->AddText(ImVec2(at.x + pad.x, at.y + pad.y), healthTextColour(health), label);
    ImGui::Dummy(size);
}

ImU32 viridis(float t)
{
    // Viridis at nine evenly spaced points, linearly interpolated between them.
    static constexpr std::array<std::array<float, 3>, 9> stops{{{68, 1, 84},
                                                                {71, 44, 122},
                                                                {59, 81, 139},
                                                                {44, 113, 142},
                                                                {33, 144, 141},
                                                                {39, 173, 129},
                                                                {92, 200, 99},
                                                                {170, 220, 50},
                                                                {253, 231, 37}}};
    t = std::clamp(std::isfinite(t) ? t : 0.0f, 0.0f, 1.0f) * float(stops.size() - 1);
    const int i = std::min(int(t), int(stops.size()) - 2);
    const float f = t - float(i);
    const auto mix = [&](int c) {
        return int(stops[std::size_t(i)][std::size_t(c)] * (1 - f) + stops[std::size_t(i) + 1][std::size_t(c)] * f);
    };
    return IM_COL32(mix(0), mix(1), mix(2), 0xFF);
}

QImage distributionImage(const Distribution& d)
{
    if (d.columns <= 0 || d.bins <= 0)
        return {};
    QImage image(d.columns, d.bins, QImage::Format_RGBA8888);
    for (int c = 0; c < d.columns; ++c) {
        float peak = 0;
        for (int b = 0; b < d.bins; ++b)
            peak = std::max(peak, d.at(c, b));
        for (int b = 0; b < d.bins; ++b) {
            const float share = d.at(c, b);
            ImU32 colour = IM_COL32(0x1E, 0x0A, 0x28, 0xFF); // no values there
            if (d.empty[std::size_t(c)] || peak <= 0)
                colour = IM_COL32(0x40, 0x40, 0x48, 0xFF); // nothing measured
            else if (share > 0)
                colour = viridis(float(std::log1p(50.0 * share / peak) / std::log1p(50.0)));
            // An ImU32 holds R, G, B, A in memory order: the bytes of Format_RGBA8888.
            reinterpret_cast<ImU32*>(image.scanLine(d.bins - 1 - b))[c] = colour;
        }
    }
    return image;
}

std::string fmt(const char* pattern, ...)
{
    char text[256];
    va_list args;
    va_start(args, pattern);
    std::vsnprintf(text, sizeof text, pattern, args);
    va_end(args);
    return text;
}

void heading(ImFont* font, const char* text)
{
    if (font)
        ImGui::PushFont(font);
    ImGui::TextUnformatted(text);
    if (font)
        ImGui::PopFont();
}

bool beginItemTooltip(bool replace)
{
    if (!ImGui::IsItemHovered())
        return false;
    ImGui::BeginTooltipEx(replace ? ImGuiTooltipFlags_OverridePreviousTooltip : ImGuiTooltipFlags_None,
                          ImGuiWindowFlags_None);
    ImGui::PushTextWrapPos(ImGui::GetFontSize() * 30.0f);
    return true;
}

void endItemTooltip()
{
    ImGui::PopTextWrapPos();
    ImGui::EndTooltip();
}
