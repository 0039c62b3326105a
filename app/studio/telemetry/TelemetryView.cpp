#include "app/studio/telemetry/TelemetryView.h"

#include "app/studio/telemetry/TelemetryStyle.h"

#include <QCoreApplication>
#include <algorithm>
#include <cmath>
#include <string>

// Index
// [SECTION] Helpers
// [SECTION] Content
// [SECTION] Frame, empty state, header
// [SECTION] Layers tab
// (The feature maps tab: TelemetryViewMaps.cpp.)

using neurite::LayerHealth;

// ------------------------------------------------------------------------------------------------
// [SECTION] Helpers
// ------------------------------------------------------------------------------------------------
namespace {

constexpr int kStripColumns = 240;           // more snapshots than this share columns
const neurite::HealthThresholds kThresholds; // the verdict's, to colour the numbers alike

std::string utf8(const QString& s)
{
    return s.toStdString();
}

void summaryLines(const char* name, const neurite::TensorSummary& s)
{
    ImGui::Text("%s: %lld values", name, static_cast<long long>(s.count));
    ImGui::Text("  mean %.4g, std %.4g", s.mean, s.std);
    ImGui::Text("  min %.4g, max %.4g", s.min, s.max);
    ImGui::Text("  ‖·‖ (L2 norm) %.4g", s.norm);
    if (s.nonFinite > 0)
        ImGui::TextColored(healthColourVec(LayerHealth::NonFinite), "  %lld NaN or Inf",
                           static_cast<long long>(s.nonFinite));
}

QString ordinal(std::int64_t n)
{
    const char* suffix = "th";
    if (n % 100 < 11 || n % 100 > 13)
        suffix = n % 10 == 1 ? "st" : n % 10 == 2 ? "nd" : n % 10 == 3 ? "rd" : "th";
    return QString::number(n) + QLatin1String(suffix);
}

ImVec4 textColour()
{
    return ImGui::GetStyle().Colors[ImGuiCol_Text];
}

} // namespace

// ------------------------------------------------------------------------------------------------
// [SECTION] Content
// ------------------------------------------------------------------------------------------------
TelemetryView::TelemetryView(QWidget* parent) : ImGuiHost(parent)
{
    setMinimumSize(320, 160);
}

void TelemetryView::clear()
{
    history_.clear();
    strips_.clear();
    maps_ = {};
    title_.clear();
    requestFrame();
}

void TelemetryView::setRunTitle(const QString& title)
{
    title_ = title;
    requestFrame();
}

void TelemetryView::addSnapshot(const neurite::TelemetrySnapshot& snapshot)
{
    history_.add(snapshot);
    requestFrame();
}

void TelemetryView::setSnapshots(std::vector<neurite::TelemetrySnapshot> all)
{
    history_.assign(std::move(all));
    strips_.clear();
    requestFrame();
}

void TelemetryView::setFeatureMaps(const neurite::FeatureMaps& maps)
{
    maps_ = featureMapImages(maps);
    requestFrame();
}

void TelemetryView::setLive(bool live)
{
    live_ = live;
    setAnimating(live);
}

void TelemetryView::selectNode(const QString& node)
{
    selected_ = node;
    scrollToSelected_ = !node.isEmpty();
    requestFrame();
}

void TelemetryView::setTensor(TensorKind kind)
{
    tensor_ = kind;
    requestFrame();
}

void TelemetryView::showTab(Tab tab)
{
    tab_ = tab;
    tabPending_ = true;
    requestFrame();
}

QString TelemetryView::historyNote() const
{
    return history_.stride() > 1 ? tr("every %1 snapshot kept").arg(ordinal(history_.stride())) : QString();
}

void TelemetryView::click(const QString& node)
{
    selected_ = node;
    // Queued: whoever listens may call back into this view, which is in the middle of a frame.
    QMetaObject::invokeMethod(
        this, [this, node] { emit nodeClicked(node); }, Qt::QueuedConnection);
}

void TelemetryView::refreshRows()
{
    if (rowsGeneration_ == history_.generation())
        return;
    rows_ = telemetryRows(history_);
    rowsGeneration_ = history_.generation();
}

// ------------------------------------------------------------------------------------------------
// [SECTION] Frame, empty state, header
// ------------------------------------------------------------------------------------------------
void TelemetryView::buildFrame()
{
    refreshRows();
    rowNodes_.clear();
    rowRects_.clear();
    tableViewport_ = {};
    if (history_.empty() && maps_.empty()) {
        emptyState();
        return;
    }
    header();
    const auto select = [this](Tab tab) {
        return tabPending_ && tab_ == tab ? ImGuiTabItemFlags_SetSelected : ImGuiTabItemFlags_None;
    };
    if (ImGui::BeginTabBar("views")) {
        const std::string layers = fmt("Layers (%d)###layers", int(rows_.size()));
        if (ImGui::BeginTabItem(layers.c_str(), nullptr, select(Tab::Layers))) {
            layersTab();
            ImGui::EndTabItem();
        }
        const std::string maps = maps_.empty()
                                     ? std::string("Feature maps###maps")
                                     : fmt("Feature maps (step %lld)###maps", static_cast<long long>(maps_.step));
        if (ImGui::BeginTabItem(maps.c_str(), nullptr, select(Tab::FeatureMaps))) {
            featureMapsTab();
            ImGui::EndTabItem();
        }
        ImGui::EndTabBar();
        tabPending_ = false;
    }
}

void TelemetryView::emptyState()
{
    const char* big = live_ ? "Waiting for the first snapshot…" : "Train a model to see inside it: press F5";
    const char* small = live_ ? "The first one comes after the first steps of training."
                              : "Every layer's activations, weights, gradients and updates appear here while it "
                                "trains, with a verdict on its health and what to try when it is in trouble.";
    const ImVec2 area = ImGui::GetContentRegionAvail();
    const float wrap = std::min(area.x - 20.0f, ImGui::GetFontSize() * 34.0f);
    ImFont* font = headingFont();
    if (font)
        ImGui::PushFont(font);
    const ImVec2 bigSize = ImGui::CalcTextSize(big, nullptr, false, wrap);
    if (font)
        ImGui::PopFont();
    const ImVec2 smallSize = ImGui::CalcTextSize(small, nullptr, false, wrap);
    const float top = std::max(0.0f, (area.y - bigSize.y - smallSize.y - 12.0f) * 0.45f);
    ImGui::SetCursorPos(ImVec2(std::max(8.0f, (area.x - bigSize.x) * 0.5f), top));
    ImGui::PushTextWrapPos(ImGui::GetCursorPosX() + wrap);
    heading(font, big);
    ImGui::PopTextWrapPos();
    ImGui::SetCursorPos(ImVec2(std::max(8.0f, (area.x - smallSize.x) * 0.5f), ImGui::GetCursorPosY() + 8.0f));
    ImGui::PushTextWrapPos(ImGui::GetCursorPosX() + wrap);
    ImGui::TextDisabled("%s", small);
    ImGui::PopTextWrapPos();
}

void TelemetryView::header()
{
    heading(headingFont(), title_.isEmpty() ? "Layer telemetry" : utf8(title_).c_str());
    const neurite::TelemetrySnapshot* s = history_.latest();
    if (!s) {
        ImGui::TextDisabled("No layer statistics yet: feature maps only.");
        return;
    }
    const auto field = [](const char* label, const std::string& value) {
        ImGui::TextDisabled("%s", label);
        ImGui::SameLine(0, 4);
        ImGui::TextUnformatted(value.c_str());
        ImGui::SameLine(0, 16);
    };
    field("step", fmt("%lld", static_cast<long long>(s->step)));
    field("epoch", fmt("%d", s->epoch));
    field("lr", fmt("%.2e", s->lr));
    const std::string kept = fmt("%zu snapshots%s", history_.snapshots().size(),
                                 history_.stride() > 1 ? (", " + utf8(historyNote())).c_str() : "");
    ImGui::TextDisabled("%s", kept.c_str());
    tooltip([&] {
        ImGui::Text("%lld snapshots arrived; %zu are kept.", static_cast<long long>(history_.arrived()),
                    history_.snapshots().size());
        ImGui::TextUnformatted(
            fmt("Past %zu, the history halves and then keeps every 2nd snapshot (4th, …), so it stays evenly "
                "spaced in steps; the newest is always shown.",
                history_.bound())
                .c_str());
    });
    if (!s->firstNonFinite.empty()) {
        ImGui::SameLine(0, 16);
        ImGui::TextColored(healthColourVec(LayerHealth::NonFinite), "⚠ NaN or Inf first appeared in %s",
                           s->firstNonFinite.c_str());
        tooltip([] {
            ImGui::TextUnformatted("The first layer, in the order the network computes, whose output held NaN or "
                                   "infinite values at this step: the trouble starts there.");
        });
    }
    attention();
}

// The layers in trouble, as chips that select them; or a word that all is well.
void TelemetryView::attention()
{
    int troubled = 0;
    for (const auto& row : rows_)
        troubled += row.verdict.health != LayerHealth::Healthy && row.verdict.health != LayerHealth::Unknown;
    if (troubled == 0) {
        ImGui::TextColored(healthColourVec(LayerHealth::Healthy), "✓ %s",
                           rows_.empty() ? "No layers measured"
                                         : fmt("All %d layers look healthy", int(rows_.size())).c_str());
        return;
    }
    ImGui::TextUnformatted(troubled == 1 ? "Needs attention:" : "Need attention:");
    for (const auto& row : rows_) {
        if (row.verdict.health == LayerHealth::Healthy || row.verdict.health == LayerHealth::Unknown)
            continue;
        ImGui::SameLine();
        ImGui::PushID(row.latest.node.c_str());
        const std::string label = row.latest.node + " · " + neurite::healthName(row.verdict.health);
        healthChip(label.c_str(), row.verdict.health);
        if (ImGui::IsItemClicked()) {
            click(QString::fromStdString(row.latest.node));
            scrollToSelected_ = true;
        }
        if (ImGui::IsItemHovered())
            ImGui::SetMouseCursor(ImGuiMouseCursor_Hand);
        tooltip([&] {
            ImGui::TextUnformatted(row.verdict.summary.c_str());
            ImGui::TextDisabled("Click to select %s.", row.latest.node.c_str());
        });
        ImGui::PopID();
    }
}

// ------------------------------------------------------------------------------------------------
// [SECTION] Layers tab
// ------------------------------------------------------------------------------------------------
void TelemetryView::layersTab()
{
    ImGui::AlignTextToFramePadding();
    ImGui::TextUnformatted("Distribution over steps of");
    ImGui::SameLine();
    for (TensorKind kind : {TensorKind::Activations, TensorKind::Weights, TensorKind::Gradients}) {
        if (ImGui::RadioButton(tensorKindName(kind), tensor_ == kind))
            tensor_ = kind;
        ImGui::SameLine();
    }
    colourScale();

    const float rowHeight = ImGui::GetTextLineHeightWithSpacing() * 3.0f + 2.0f;
    // Narrower than this, the table scrolls sideways (the layer names stay) rather than squeeze
    // the verdicts and distributions to nothing.
    const float minimumWidth = ImGui::GetFontSize() * 64.0f;
    const float width = std::max(ImGui::GetContentRegionAvail().x, minimumWidth);
    const ImGuiTableFlags flags = ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerH | ImGuiTableFlags_BordersOuter |
                                  ImGuiTableFlags_ScrollY | ImGuiTableFlags_Resizable | ImGuiTableFlags_SizingFixedFit |
                                  (width > ImGui::GetContentRegionAvail().x ? ImGuiTableFlags_ScrollX : 0);
    if (!ImGui::BeginTable("layers", 6, flags, ImVec2(0, 0), (flags & ImGuiTableFlags_ScrollX) ? width : 0.0f))
        return;
    ImGui::TableSetupScrollFreeze(1, 1);
    ImGui::TableSetupColumn("Layer", ImGuiTableColumnFlags_WidthFixed);
    ImGui::TableSetupColumn("Health", ImGuiTableColumnFlags_WidthStretch, 1.1f);
    ImGui::TableSetupColumn("Output: mean ± std", ImGuiTableColumnFlags_WidthFixed);
    ImGui::TableSetupColumn("Weights", ImGuiTableColumnFlags_WidthFixed);
    ImGui::TableSetupColumn("Trends (log₁₀)", ImGuiTableColumnFlags_WidthFixed, ImGui::GetFontSize() * 15.0f);
    ImGui::TableSetupColumn(fmt("Distribution of %s###distribution", tensorKindName(tensor_)).c_str(),
                            ImGuiTableColumnFlags_WidthStretch, 1.1f);
    const char* help[] = {
        "The layer (click a row to select it on the canvas) and its type.",
        "The verdict on the layer at the newest snapshot, with the numbers behind it. Hover for what to try.",
        "The layer's output over the step's batch: mean ± standard deviation, and the share of dead units (ReLU "
        "outputs that were 0 for every sample).",
        "‖w‖: L2 norm of the layer's weights and biases; ‖g‖: of their gradients; ‖Δw‖/‖w‖: how much one "
        "optimiser step changes them, relative to their size (healthy: about 1e-3).",
        "‖g‖ and ‖Δw‖/‖w‖ over the run, on a log₁₀ scale (each curve scaled to its own range); for a layer "
        "without weights, the spread (std) of its output.",
        "How the values are distributed over the run (x: steps, y: value, brighter: more values), in one value "
        "range for the whole run. Choose activations, weights or gradients above."};
    ImGui::TableNextRow(ImGuiTableRowFlags_Headers);
    for (int column = 0; column < 6; ++column) {
        if (!ImGui::TableSetColumnIndex(column))
            continue;
        ImGui::TableHeader(ImGui::TableGetColumnName(column));
        tooltip([&] { ImGui::TextUnformatted(help[column]); });
    }
    const float viewTop = ImGui::GetItemRectMax().y;
    const ImVec2 windowPos = ImGui::GetWindowPos(), windowSize = ImGui::GetWindowSize();
    tableViewport_ =
        QRectF(QPointF(windowPos.x, viewTop), QPointF(windowPos.x + windowSize.x, windowPos.y + windowSize.y));

    for (const auto& row : rows_)
        layerRow(row, rowHeight);
    ImGui::EndTable();
}

// The strips' colour scale, after the tensor choice: "fewer ▬▬▬ more".
void TelemetryView::colourScale()
{
    ImGui::SameLine(0, ImGui::GetFontSize());
    ImGui::TextDisabled("fewer");
    ImGui::SameLine();
    const ImVec2 at = ImGui::GetCursorScreenPos();
    const float h = ImGui::GetTextLineHeight() * 0.7f, w = ImGui::GetFontSize() * 6.0f;
    const float y = at.y + (ImGui::GetTextLineHeight() - h) * 0.5f;
    constexpr int kSteps = 24;
    for (int i = 0; i < kSteps; ++i) {
        const float x0 = at.x + w * float(i) / kSteps, x1 = at.x + w * float(i + 1) / kSteps;
        ImGui::GetWindowDrawList()->AddRectFilledMultiColor(ImVec2(x0, y), ImVec2(x1, y + h),
                                                            viridis(float(i) / kSteps), viridis(float(i + 1) / kSteps),
                                                            viridis(float(i + 1) / kSteps), viridis(float(i) / kSteps));
    }
    ImGui::Dummy(ImVec2(w, ImGui::GetTextLineHeight()));
    ImGui::SameLine();
    ImGui::TextDisabled("more values");
}

void TelemetryView::layerRow(const TelemetryRow& row, float height)
{
    const QString node = QString::fromStdString(row.latest.node);
    ImGui::PushID(row.latest.node.c_str());
    ImGui::TableNextRow(ImGuiTableRowFlags_None, height);

    // Layer: a selectable over the whole row, its name and type drawn on it.
    ImGui::TableSetColumnIndex(0);
    const ImVec2 start = ImGui::GetCursorScreenPos();
    if (ImGui::Selectable("##row", selected_ == node,
                          ImGuiSelectableFlags_SpanAllColumns | ImGuiSelectableFlags_AllowItemOverlap,
                          ImVec2(0, height - ImGui::GetStyle().CellPadding.y * 2)))
        click(node);
    const ImVec2 a = ImGui::GetItemRectMin(), b = ImGui::GetItemRectMax();
    rowNodes_ << node;
    rowRects_.insert(node, QRectF(QPointF(a.x, a.y), QPointF(b.x, b.y)));
    if (selected_ == node && scrollToSelected_) {
        ImGui::SetScrollHereY(0.5f);
        scrollToSelected_ = false;
    }
    ImGui::SetCursorScreenPos(start);
    ImGui::TextUnformatted(row.latest.node.c_str());
    ImGui::TextDisabled("%s", row.latest.type.c_str());

    // Health
    ImGui::TableSetColumnIndex(1);
    ImGui::BeginGroup();
    healthChip(neurite::healthName(row.verdict.health), row.verdict.health);
    // The summary's clauses on lines of their own ("updates …; ‖g‖ = …"): ImGui would wrap inside
    // numbers (at their decimal point). What the cell cannot show, the tooltip does.
    const std::string& summary = row.verdict.summary;
    const std::size_t split = summary.find("; ");
    ImGui::TextUnformatted(summary.substr(0, split).c_str());
    if (split != std::string::npos)
        ImGui::TextUnformatted(summary.substr(split + 2).c_str());
    ImGui::EndGroup();
    tooltip([&] {
        ImGui::TextColored(healthColourVec(row.verdict.health), "%s", neurite::healthName(row.verdict.health));
        ImGui::TextUnformatted(row.verdict.summary.c_str());
        if (!row.verdict.hint.empty())
            ImGui::Text("Try: %s.", row.verdict.hint.c_str());
    });

    ImGui::TableSetColumnIndex(2);
    outputCell(row);
    ImGui::TableSetColumnIndex(3);
    weightsCell(row);
    ImGui::TableSetColumnIndex(4);
    trendCell(row, height);
    ImGui::TableSetColumnIndex(5);
    distributionCell(row, height);
    ImGui::PopID();
}

void TelemetryView::outputCell(const TelemetryRow& row)
{
    const neurite::LayerTelemetry& l = row.latest;
    ImGui::BeginGroup();
    if (!l.hasActivation) {
        ImGui::TextDisabled("not measured");
        ImGui::TextDisabled("(computed inside");
        ImGui::TextDisabled(" the layer after it)");
    } else {
        ImGui::Text("%.3g ± %.3g", l.activation.mean, l.activation.std);
        if (l.units > 0) {
            const double dead = double(l.deadUnits) / double(l.units);
            const ImVec4 colour =
                dead >= kThresholds.deadShare ? healthColourVec(LayerHealth::DeadUnits) : textColour();
            ImGui::TextColored(colour, "dead %.0f%% (%lld of %lld)", 100.0 * dead, static_cast<long long>(l.deadUnits),
                               static_cast<long long>(l.units));
        }
        if (l.activation.nonFinite > 0)
            ImGui::TextColored(healthColourVec(LayerHealth::NonFinite), "%lld NaN/Inf",
                               static_cast<long long>(l.activation.nonFinite));
        else if (!l.activationAfter.empty())
            ImGui::TextDisabled("after %s", l.activationAfter.c_str());
    }
    ImGui::EndGroup();
    tooltip([&] {
        if (!l.hasActivation) {
            ImGui::TextUnformatted("This layer's output is never made: the layer after it computes it on the fly "
                                   "(a ReLU fused with the pooling that follows), so there is nothing to measure.");
            return;
        }
        summaryLines("Output", l.activation);
        if (!l.activationAfter.empty())
            ImGui::Text("Measured after %s, which is computed inside this layer.", l.activationAfter.c_str());
        if (l.units > 0)
            ImGui::Text("Dead units: %lld of %lld output 0 for every sample and position of the batch.",
                        static_cast<long long>(l.deadUnits), static_cast<long long>(l.units));
    });
}

void TelemetryView::weightsCell(const TelemetryRow& row)
{
    const neurite::LayerTelemetry& l = row.latest;
    ImGui::BeginGroup();
    if (!l.learned) {
        ImGui::TextDisabled("no weights");
    } else {
        ImGui::TextDisabled("‖w‖");
        ImGui::SameLine();
        ImGui::Text("%.2e", l.weight.norm);
        ImGui::TextDisabled("‖g‖");
        ImGui::SameLine();
        ImGui::TextColored(l.gradient.norm > kThresholds.explodingGradient ? healthColourVec(LayerHealth::Exploding)
                                                                           : textColour(),
                           "%.2e", l.gradient.norm);
        ImVec4 colour = textColour();
        if (l.updateRatio > kThresholds.explodingUpdate)
            colour = healthColourVec(LayerHealth::Exploding);
        else if (l.updateRatio < kThresholds.vanishingUpdate)
            colour = healthColourVec(LayerHealth::Vanishing);
        ImGui::TextDisabled("‖Δw‖/‖w‖");
        ImGui::SameLine();
        ImGui::TextColored(colour, "%.2e", l.updateRatio);
    }
    ImGui::EndGroup();
    tooltip([&] {
        if (!l.learned) {
            ImGui::TextUnformatted("This layer learns nothing: it has no weights.");
            return;
        }
        summaryLines("Weights and biases", l.weight);
        summaryLines("Their gradients (after clipping)", l.gradient);
        ImGui::Text("‖Δw‖/‖w‖ = %.4g: one step changes the weights by this share of their size. About 1e-3 is "
                    "healthy; above %.2g they jump around, below %.0e they hardly learn.",
                    l.updateRatio, kThresholds.explodingUpdate, kThresholds.vanishingUpdate);
    });
}

void TelemetryView::trendCell(const TelemetryRow& row, float height)
{
    // Each curve: its name on the left, the line on a faint plate (the numbers are in the column
    // before; the tooltip gives each point's).
    const float labelWidth = ImGui::CalcTextSize("‖Δw‖/‖w‖").x + ImGui::GetStyle().ItemSpacing.x;
    const float width = std::max(20.0f, ImGui::GetContentRegionAvail().x - labelWidth);
    const auto plot = [&](const char* id, const std::vector<float>& values, const char* label, const char* what,
                          float h) {
        const float top = ImGui::GetCursorPosY();
        ImGui::SetCursorPosY(top + std::max(0.0f, (h - ImGui::GetTextLineHeight()) * 0.5f));
        ImGui::TextDisabled("%s", label);
        ImGui::SameLine(labelWidth);
        ImGui::SetCursorPosY(top);
        if (values.size() < 2) {
            ImGui::Dummy(ImVec2(width, h));
            tooltip([&] { ImGui::Text("%s: a curve from the second snapshot on.", what); });
            return;
        }
        ImGui::PushStyleColor(ImGuiCol_FrameBg, ImGui::GetColorU32(ImGuiCol_Text, 0.06f));
        ImGui::PushStyleVar(ImGuiStyleVar_FrameBorderSize, 0.0f);
        ImGui::PlotLines(id, values.data(), int(values.size()), 0, nullptr, FLT_MAX, FLT_MAX, ImVec2(width, h));
        ImGui::PopStyleVar();
        ImGui::PopStyleColor();
        tooltip(
            [&] {
                const float x = (ImGui::GetIO().MousePos.x - ImGui::GetItemRectMin().x) / ImGui::GetItemRectSize().x;
                const int i = std::clamp(int(std::lround(x * float(values.size() - 1))), 0, int(values.size()) - 1);
                ImGui::Text("%s at step %lld: %.4g", what, static_cast<long long>(row.steps[std::size_t(i)]),
                            std::pow(10.0, double(values[std::size_t(i)])));
                const auto [lo, hi] = std::minmax_element(values.begin(), values.end());
                ImGui::TextDisabled("log₁₀ scale, from %.2g to %.2g over the run", std::pow(10.0, double(*lo)),
                                    std::pow(10.0, double(*hi)));
            },
            true);
    };
    const float inner = height - ImGui::GetStyle().CellPadding.y * 2;
    if (row.latest.learned) {
        const float h = (inner - ImGui::GetStyle().ItemSpacing.y) * 0.5f;
        plot("##g", row.gradientNorm, "‖g‖", "‖g‖", h);
        // The updates' curve in the verdict's colour when they are what is wrong.
        const LayerHealth health = row.verdict.health;
        const bool updates = health == LayerHealth::Exploding || health == LayerHealth::Vanishing;
        if (updates)
            ImGui::PushStyleColor(ImGuiCol_PlotLines, healthColour(health));
        plot("##u", row.updateRatio, "‖Δw‖/‖w‖", "‖Δw‖/‖w‖", h);
        if (updates)
            ImGui::PopStyleColor();
    } else {
        plot("##s", row.outputSpread, "std", "std of the output", inner);
    }
}

void TelemetryView::distributionCell(const TelemetryRow& row, float height)
{
    const QString key = QString::fromStdString(row.latest.node);
    Strip& strip = strips_[key];
    if (strip.generation != history_.generation() || strip.kind != tensor_ || strip.image.isNull()) {
        strip.distribution = rowDistribution(history_, row.latest.node, tensor_, kStripColumns);
        strip.image = distributionImage(strip.distribution);
        strip.generation = history_.generation();
        strip.kind = tensor_;
    }
    const Distribution& d = strip.distribution;
    const ImVec2 size(ImGui::GetContentRegionAvail().x, height - ImGui::GetStyle().CellPadding.y * 2);
    if (strip.image.isNull() || std::all_of(d.empty.begin(), d.empty.end(), [](char e) { return e != 0; })) {
        ImGui::TextDisabled(tensor_ == TensorKind::Activations ? "output not measured" : "no weights");
        return;
    }
    ImGui::Image(texture(QStringLiteral("strip/") + key, strip.image, Filter::Linear), size);
    const ImVec2 a = ImGui::GetItemRectMin(), b = ImGui::GetItemRectMax();
    ImDrawList* draw = ImGui::GetWindowDrawList();
    // Columns with NaN or Inf: a red mark along the top.
    const float columnWidth = (b.x - a.x) / float(d.columns);
    for (int c = 0; c < d.columns; ++c)
        if (d.nonFinite[std::size_t(c)])
            draw->AddRectFilled(ImVec2(a.x + columnWidth * float(c), a.y),
                                ImVec2(a.x + columnWidth * float(c + 1), a.y + 3),
                                healthColour(LayerHealth::NonFinite));
    // The value range, top and bottom, on a dark plate that keeps it legible over any colour.
    const auto label = [&](const std::string& text, float y) {
        const ImVec2 t = ImGui::CalcTextSize(text.c_str());
        draw->AddRectFilled(ImVec2(a.x + 1, y), ImVec2(a.x + t.x + 5, y + t.y), IM_COL32(0, 0, 0, 150), 2.0f);
        draw->AddText(ImVec2(a.x + 3, y), IM_COL32(255, 255, 255, 230), text.c_str());
    };
    const float line = ImGui::GetTextLineHeight();
    if (b.y - a.y >= 2 * line + 2) {
        label(fmt("%.2g", d.hi), a.y + 1);
        label(fmt("%.2g", d.lo), b.y - line - 1);
    }
    tooltip([&] {
        const ImVec2 m = ImGui::GetIO().MousePos;
        const int c = std::clamp(int((m.x - a.x) / columnWidth), 0, d.columns - 1);
        const int bin = std::clamp(int((b.y - m.y) / (b.y - a.y) * float(d.bins)), 0, d.bins - 1);
        const std::int64_t first = d.firstStep[std::size_t(c)], last = d.lastStep[std::size_t(c)];
        if (first == last)
            ImGui::Text("%s of %s at step %lld", tensorKindName(tensor_), row.latest.node.c_str(),
                        static_cast<long long>(first));
        else
            ImGui::Text("%s of %s, steps %lld–%lld", tensorKindName(tensor_), row.latest.node.c_str(),
                        static_cast<long long>(first), static_cast<long long>(last));
        ImGui::Text("%.1f%% of the values between %.3g and %.3g", 100.0 * double(d.at(c, bin)), d.binLow(bin),
                    d.binLow(bin + 1));
        if (d.nonFinite[std::size_t(c)])
            ImGui::TextColored(healthColourVec(LayerHealth::NonFinite), "Some values were NaN or Inf (not counted).");
        ImGui::TextDisabled("Range over the run: %.3g to %.3g. Brighter: more values.", d.lo, d.hi);
    });
}
