#include "app/studio/telemetry/TelemetryView.h"

#include "app/studio/telemetry/TelemetryStyle.h"

#include <algorithm>
#include <cmath>
#include <string>

// TelemetryView's Feature maps tab (the rest of the view: TelemetryView.cpp): the sample, then
// each image-shaped layer's channels as tiles that flow into rows.

using neurite::LayerHealth;

namespace {
constexpr float kTileSide = 64.0f; // a feature map's larger side on screen
} // namespace

void TelemetryView::featureMapsTab()
{
    if (maps_.empty()) {
        ImGui::Spacing();
        ImGui::TextDisabled("Feature maps appear here while a model with convolutions trains on images:");
        ImGui::TextDisabled("each channel of each convolution for one fixed sample.");
        return;
    }
    ImGui::BeginChild("maps");
    ImGui::PushTextWrapPos(0.0f);
    ImGui::TextDisabled("The convolutions' outputs for one fixed sample (up to %d channels a layer). Each channel is "
                        "scaled to its own range: black its minimum, white its maximum; an amber frame: 0 everywhere. "
                        "Hover one for its numbers.",
                        neurite::kMaxFeatureChannels);
    ImGui::PopTextWrapPos();
    if (!maps_.input.images.empty())
        featureBlock(maps_.input, QStringLiteral("input"));
    for (std::size_t i = 0; i < maps_.layers.size(); ++i)
        featureBlock(maps_.layers[i], QStringLiteral("layer%1").arg(i));
    ImGui::EndChild();
}

void TelemetryView::featureBlock(const FeatureMapBlock& block, const QString& key)
{
    const bool isInput = block.node == QLatin1String("input") && block.type == QLatin1String("Input");
    const bool selected = !isInput && block.node == selected_;
    ImGui::Spacing();
    if (selected && scrollToSelected_) {
        ImGui::SetScrollHereY(0.2f);
        scrollToSelected_ = false;
    }
    ImGui::BeginGroup();
    const std::string name = isInput ? std::string("Input sample") : block.node.toStdString();
    heading(headingFont(), name.c_str());
    ImGui::SameLine();
    std::string facts;
    if (isInput)
        facts = fmt("%s%d×%d×%d, as the network sees it (normalised)",
                    maps_.label >= 0 ? fmt("class %d · ", maps_.label).c_str() : "", block.channels, block.height,
                    block.width);
    else
        facts = fmt("%s · %d channel%s of %d×%d", block.type.toStdString().c_str(), block.channels,
                    block.channels == 1 ? "" : "s", block.height, block.width);
    if (!block.after.isEmpty())
        facts += " · after " + block.after.toStdString();
    ImGui::AlignTextToFramePadding();
    ImGui::TextDisabled("%s", facts.c_str());
    const auto allZero = [&](const ChannelImage& c) {
        return !block.colour && !isInput && c.max <= 0.0f && c.min == c.max;
    };
    if (const auto zeros = std::count_if(block.images.begin(), block.images.end(), allZero); zeros > 0) {
        ImGui::SameLine();
        ImGui::TextColored(healthColourVec(LayerHealth::DeadUnits), "· %d of %d all zero", int(zeros),
                           int(block.images.size()));
    }

    const float longer = float(std::max(block.height, block.width));
    const float scale = longer <= kTileSide ? std::floor(kTileSide / longer) : kTileSide / longer;
    const ImVec2 tile(float(block.width) * scale, float(block.height) * scale);
    const Filter filter = scale >= 1.0f ? Filter::Nearest : Filter::Linear;
    const float spacing = ImGui::GetStyle().ItemSpacing.x * 0.5f;
    const float right = ImGui::GetWindowPos().x + ImGui::GetWindowContentRegionMax().x;
    for (std::size_t c = 0; c < block.images.size(); ++c) {
        const ChannelImage& channel = block.images[c];
        if (c > 0) {
            ImGui::SameLine(0, spacing);
            if (ImGui::GetCursorScreenPos().x + tile.x > right)
                ImGui::NewLine();
        }
        const ImTextureID id = texture(key + QLatin1Char('/') + QString::number(c), channel.image, filter);
        const bool dead = allZero(channel);
        const ImVec4 border = dead ? healthColourVec(LayerHealth::DeadUnits) : ImVec4(0.5f, 0.5f, 0.5f, 0.5f);
        ImGui::Image(id, tile, ImVec2(0, 0), ImVec2(1, 1), ImVec4(1, 1, 1, 1), border);
        tooltip([&] {
            if (block.colour)
                ImGui::Text("%s: colour (3 channels)", name.c_str());
            else
                ImGui::Text("%s · channel %d of %d", name.c_str(), int(c) + 1, block.channels);
            ImGui::Text("min %.4g, max %.4g, mean %.4g", channel.min, channel.max, channel.mean);
            if (dead)
                ImGui::TextColored(healthColourVec(LayerHealth::DeadUnits),
                                   "0 everywhere for this sample: this unit may be dead.");
            const float big = std::max(1.0f, std::floor(192.0f / longer));
            ImGui::Image(id, ImVec2(float(block.width) * big, float(block.height) * big));
        });
    }
    ImGui::EndGroup();
    if (selected) {
        const ImVec2 a = ImGui::GetItemRectMin(), b = ImGui::GetItemRectMax();
        ImGui::GetWindowDrawList()->AddRect(ImVec2(a.x - 4, a.y - 2), ImVec2(b.x + 4, b.y + 2),
                                            ImGui::GetColorU32(ImGuiCol_CheckMark), 3.0f, 0, 2.0f);
    }
    if (ImGui::IsItemClicked() && !isInput)
        click(block.node);
}
