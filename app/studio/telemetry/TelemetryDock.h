#pragma once
// The Telemetry dock: inside the network while it trains. Per layer: a health verdict, the
// numbers of its output, weights, gradients and updates, their trends and distributions over the
// run; and the feature maps of the convolutions for one fixed sample. Drawn by TelemetryView
// (Dear ImGui); this dock only holds it and passes the run's data on.
// History: live snapshots are appended and kept up to 2000 per run; past that the history halves
// and keeps every 2nd snapshot from then on (4th, … as it fills again), as the view says.
// GUI thread only.
#include "engine/train/Telemetry.h"

#include <QDockWidget>
#include <optional>
#include <vector>

class QLabel;
class TelemetryView;

class TelemetryDock : public QDockWidget {
    Q_OBJECT
public:
    explicit TelemetryDock(QWidget* parent = nullptr);

    void clear();                                              // a new run starts
    void setRunTitle(const QString& title);                    // "Run 12 · cnn · live" / "finished"
    void addSnapshot(const neurite::TelemetrySnapshot& s);     // live: appended to the history
    void setSnapshots(std::vector<neurite::TelemetrySnapshot> all);  // a finished run opened
    void setFeatureMaps(const neurite::FeatureMaps& maps);
    void setLive(bool live);                                   // animating while a run is live
    void selectNode(const QString& nodeId);                    // canvas selection → highlight the row
    TelemetryView* view();                                     // for tests; null without OpenGL

signals:
    void nodeClicked(const QString& nodeId);                   // a layer row clicked → select the node

private:
    void showFallback();

    TelemetryView* view_ = nullptr;                            // null where OpenGL widgets cannot work
    QLabel* fallback_ = nullptr;                               // then: the latest verdicts as text
    std::optional<neurite::TelemetrySnapshot> latest_;
    QString title_;
};
