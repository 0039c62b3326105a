#pragma once
// The Compare view: chosen runs side by side, as TensorBoard and Weights & Biases compare them.
// - Charts: two metrics at once (each pane its own metric and log scale; by default validation
//   accuracy, else training loss, beside a loss), on a shared x axis (step, epoch, samples seen,
//   seconds since start; XAxisMode.h says how epochs are placed), with shared smoothing (the raw
//   curve stays faint behind) and "Group seeds": runs that differ only by seed drawn as one mean
//   line over their min–max band. Zooming one chart sets the x range of the other.
// - Beside them: the runs with their colour swatches (a click changes the colour everywhere,
//   RunColours), and tabs: Settings (only the settings that differ, one column per run) and Model
//   (each run's model against the first run's).
// - Export CSV… writes the runs' metrics (saveMetricsCsv); each chart saves as PNG or SVG.
// - Live: while a compared run is queued or running, it polls every second and appends only what
//   was added (Comparison::refresh). It stops polling once every run has ended.
// - It reads over its own RunStore connection, on the GUI thread, and never writes to it.
//   A workspace that cannot be opened or read says so in the dock; nothing throws out of it.
// GUI thread only.
#include "app/studio/compare/ComparePane.h"

#include <QDockWidget>
#include <QList>

#include <functional>
#include <memory>

namespace neurite {
class RunStore;
}
class Comparison;
class RunLegend;
class QAction;
class QCheckBox;
class QComboBox;
class QLabel;
class QPlainTextEdit;
class QSlider;
class QStackedLayout;
class QTableWidget;
class QTabWidget;
class QTimer;

// How the dock asks the person; the defaults are dialogs, tests answer by themselves.
struct CompareDockPrompts {
    std::function<QColor(const QColor& current, const QString& title)> colour;          // invalid: cancelled
    std::function<QString(const QString& title, const QString& suggested, const QString& filter)> saveFile;
                                                                                          // empty: cancelled
};

class CompareDock : public QDockWidget {
    Q_OBJECT
public:
    static constexpr int kPanes = 2;

    explicit CompareDock(QWidget* parent = nullptr);
    ~CompareDock() override;

    // ---- Workspace and runs
    bool setWorkspace(const QString& path);         // opens it (openWorkspace); false: see errorText()
    QString workspace() const { return path_; }
    QString errorText() const { return error_; }    // why it cannot be opened or read; empty when fine
    void setRuns(const QList<qint64>& ids);         // in this order; the first is the model tab's reference
    QList<qint64> runs() const;                     // those compared (ids the store lacks are dropped)
    const Comparison* comparison() const { return comparison_.get(); }   // null before setRuns

    // ---- Chart options (the controls show them)
    void setXAxisMode(XAxisMode mode);
    XAxisMode xAxisMode() const { return options_.x; }
    void setSmoothing(double weight);               // [0, 0.99], in steps of 0.01
    double smoothing() const { return options_.smoothing; }
    void setGroupSeeds(bool on);
    bool groupSeeds() const { return options_.groupSeeds; }
    QColor colour(qint64 id) const;                 // as drawn

    void setPollInterval(int milliseconds);         // 1000 by default; 0: no polling
    void setPrompts(CompareDockPrompts prompts);    // replaces the dialogs (tests)

    // ---- Parts, for the owner and tests
    ComparePane* pane(int i) const { return panes_[i]; }
    QComboBox* xAxisCombo() const { return xAxis_; }
    QSlider* smoothingSlider() const { return smoothingSlider_; }
    QCheckBox* groupSeedsCheck() const { return groupSeeds_; }
    RunLegend* legend() const { return legend_; }
    QTabWidget* tabs() const { return tabs_; }
    QTableWidget* settingsTable() const { return settingsTable_; }
    QLabel* settingsSummary() const { return settingsSummary_; }
    QPlainTextEdit* modelText() const { return modelText_; }
    QLabel* messageLabel() const { return message_; }   // the status line: exports, refresh failures
    QLabel* pageLabel() const { return page_; }         // shown instead of everything: no workspace, error
    bool showingComparison() const;                     // false while the page label is shown
    QAction* exportCsvAction() const { return exportCsv_; }
    bool polling() const;                               // a compared run is live and the timer runs

public slots:
    bool poll();                                    // appends what live runs added; true if anything grew
    bool exportCsv(const QString& file);            // false: messageLabel() says why
    bool saveChart(int pane, const QString& file);  // PNG, or SVG when the name ends in .svg
    void chooseColour(qint64 id);                   // asks (prompts.colour), then changes it everywhere
    void reloadColours();                           // after another view changed RunColours

signals:
    void colourChanged(qint64 id);                  // a person chose another colour for a run

private:
    void buildCharts(QWidget* into);
    void buildPanel(QWidget* into);
    void compare(const QList<qint64>& ids);         // reads the runs and shows everything
    void showSettings();
    void showModels();
    void redraw();                                  // every pane, from the cached points
    void askToSave(int pane);
    void askToExport();
    void shareXRange(int from, bool zoomed, double x0, double x1);
    void showPage(const QString& text);             // instead of the comparison
    void fail(const QString& error);
    void updatePolling();

    std::unique_ptr<neurite::RunStore> store_;
    std::unique_ptr<Comparison> comparison_;
    QString path_, error_;
    CompareOptions options_;
    CompareDockPrompts prompts_;
    int pollInterval_ = 1000;

    ComparePane* panes_[kPanes] = {};
    QComboBox* xAxis_;
    QSlider* smoothingSlider_;
    QLabel* smoothingValue_;
    QCheckBox* groupSeeds_;
    RunLegend* legend_;
    QTabWidget* tabs_;
    QTableWidget* settingsTable_;
    QLabel* settingsSummary_;
    QPlainTextEdit* modelText_;
    QLabel* message_;
    QLabel* page_;
    QStackedLayout* pages_;
    QAction* exportCsv_;
    QTimer* poll_;
};
