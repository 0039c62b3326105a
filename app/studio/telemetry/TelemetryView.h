#pragma once
// TelemetryView: what the Telemetry dock shows, drawn with Dear ImGui (an ImGuiHost).
//  - A header: the run, step, epoch, learning rate; the first layer with NaN or Inf in red; the
//    layers that need attention, as chips that select them.
//  - "Layers": one row per layer (TelemetryRows): a health chip and its verdict, the output's
//    mean ± std and dead units, ‖w‖, ‖g‖ and ‖Δw‖/‖w‖, trends of ‖g‖ and ‖Δw‖/‖w‖ (log₁₀), and
//    the distribution of its activations, weights or gradients over the run as a heat strip.
//  - "Feature maps": each channel of the image-shaped layers for one fixed sample, and the sample.
//  - Hovering anything shows its exact numbers; clicking a row emits nodeClicked.
//  - Nothing yet: what to do to see something.
// GUI thread only. Animating (≥ 30 frames a second) while a run is live, idle otherwise.
#include "app/studio/telemetry/FeatureMapImages.h"
#include "app/studio/telemetry/TelemetryHistory.h"
#include "app/studio/telemetry/TelemetryRows.h"
#include "widgets/imgui/ImGuiHost.h"

#include <QHash>
#include <QRectF>
#include <QStringList>

class TelemetryView : public ImGuiHost {
    Q_OBJECT
public:
    explicit TelemetryView(QWidget* parent = nullptr);

    // Content (TelemetryDock's API, forwarded)
    void clear();                                           // a new run: no history, maps or title
    void setRunTitle(const QString& title);
    void addSnapshot(const neurite::TelemetrySnapshot& snapshot);
    void setSnapshots(std::vector<neurite::TelemetrySnapshot> all);
    void setFeatureMaps(const neurite::FeatureMaps& maps);
    void setLive(bool live);                                // animating while live
    void selectNode(const QString& node);                   // highlight its row, scroll to it
    void setTensor(TensorKind kind);                        // what the distribution strips show
    enum class Tab { Layers, FeatureMaps };
    void showTab(Tab tab);                                  // bring a tab to the front

    QString selectedNode() const { return selected_; }
    TensorKind tensor() const { return tensor_; }
    const TelemetryHistory& history() const { return history_; }
    QString historyNote() const;                            // "every 2nd snapshot kept", or ""

    // What the last frame drew, in widget coordinates (for tests). Rows are drawn while the
    // Layers tab is shown.
    QStringList rowNodes() const { return rowNodes_; }
    QRectF rowRect(const QString& node) const { return rowRects_.value(node); }
    QRectF tableViewport() const { return tableViewport_; } // where rows can be seen

signals:
    void nodeClicked(const QString& node);                  // a row (or an attention chip) clicked

protected:
    void buildFrame() override;

private:
    // A distribution strip, made again when the history or the tensor changes.
    struct Strip {
        std::uint64_t generation = 0;
        TensorKind kind = TensorKind::Activations;
        Distribution distribution;
        QImage image;
    };

    void refreshRows();
    void emptyState();
    void header();
    void attention();
    void layersTab();
    void colourScale();
    void layerRow(const TelemetryRow& row, float height);
    void outputCell(const TelemetryRow& row);
    void weightsCell(const TelemetryRow& row);
    void trendCell(const TelemetryRow& row, float height);
    void distributionCell(const TelemetryRow& row, float height);
    void featureMapsTab();
    void featureBlock(const FeatureMapBlock& block, const QString& key);
    void click(const QString& node);                        // select it and tell the dock

    TelemetryHistory history_;
    std::uint64_t rowsGeneration_ = ~std::uint64_t(0);
    std::vector<TelemetryRow> rows_;
    QHash<QString, Strip> strips_;
    FeatureMapImages maps_;
    QString title_;
    QString selected_;
    bool scrollToSelected_ = false;
    bool live_ = false;
    TensorKind tensor_ = TensorKind::Activations;
    bool tabPending_ = false;
    Tab tab_ = Tab::Layers;

    QStringList rowNodes_;
    QHash<QString, QRectF> rowRects_;
    QRectF tableViewport_;
};
