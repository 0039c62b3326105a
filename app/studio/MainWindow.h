#pragma once
// The studio's main window. It assembles: the welcome page and the canvas in the middle, the
// docks around (Layers, Inspector, PyTorch code, Summary, Problems, History), the menus and their
// actions, and file handling with its messages. The docks do their own work.
#include "app/studio/Document.h"
#include "app/studio/HealthBadges.h"
#include "app/studio/StudioSettings.h"
#include "engine/train/Telemetry.h"

#include <QElapsedTimer>
#include <QMainWindow>

class Autosave;
class CompareDock;
class TelemetryDock;
class EvaluationDock;
class PredictDock;
class LiveChartsDock;
class RunsDock;
class QAction;
class QDockWidget;
class QMenu;
class TrainingController;
class TrainingPanel;
struct TrainingFinished;
class CodeDock;
class GraphAdapter;
class HistoryDock;
class InspectorDock;
class NodeGraphScene;
class NodeGraphView;
class PaletteDock;
class ProblemsDock;
class QLabel;
class QStackedWidget;
class SummaryDock;
class WelcomePage;

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(QWidget* parent = nullptr);
    ~MainWindow() override;

    // - File handling. Each returns false (and shows the reason in the message bar) on failure,
    //   changing nothing.
    bool openFile(const QString& path);
    bool openTemplate(const QString& resource);
    // File → Import ONNX…: the model on the canvas (unsaved), its weights kept in the studio's data
    // folder as the ones the next training starts from; what the import decided in the message bar.
    bool importOnnxFile(const QString& path);
    bool openBundle(const QString& path);               // a .neurite: model and starting weights
    bool saveTo(const QString& path);
    void newBlank();

    // - Parts, for tests and the screenshot tool.
    Document* document() { return &doc_; }
    NodeGraphScene* scene() const { return scene_; }
    NodeGraphView* view() const { return view_; }
    PaletteDock* palette() const { return palette_; }
    InspectorDock* inspector() const { return inspector_; }
    CodeDock* code() const { return code_; }
    SummaryDock* summary() const { return summary_; }
    ProblemsDock* problems() const { return problems_; }
    WelcomePage* welcome() const { return welcome_; }
    TrainingController* training() const { return training_; }
    TrainingPanel* trainingPanel() const { return trainingPanel_; }
    LiveChartsDock* liveCharts() const { return charts_; }
    RunsDock* runs() const { return runs_; }
    CompareDock* compare() const { return compare_; }
    TelemetryDock* telemetry() const { return telemetry_; }
    EvaluationDock* evaluation() const { return evaluation_; }
    PredictDock* predict() const { return predict_; }
    GraphAdapter* graphAdapter() const { return adapter_; }
    // Run `id`'s recorded telemetry in the Layers dock and its health on the canvas (the run's
    // model is opened first when the canvas shows another). Returns false and says why otherwise.
    bool inspectRun(qint64 id);
    void compareRuns(const QList<qint64>& ids);         // shows them in the Compare dock
    // Records runs in, and lists the runs of, this workspace (remembered for the next start).
    // Returns false and says why in the message bar when it cannot be opened.
    bool setWorkspace(const QString& path);
    // Puts run `id`'s model, with its training settings, on the canvas (asks about unsaved work).
    bool openRunModel(qint64 id);
    void forkRun(qint64 id);                            // trains the run's model and settings anew
    QAction* trainAction() const { return trainAction_; }
    QAction* pauseAction() const { return pauseAction_; }
    QAction* stopAction() const { return stopAction_; }
    QString message() const;                            // the message bar's text ("" when hidden)
    void showCanvas();

public slots:
    void copy();
    void cut();
    void paste();
    void duplicate();
    void autoLayout();
    // Trains the model on the canvas with the Training dock's settings (queue: after the jobs
    // already waiting). A model with errors is not trained: the message says what to fix and the
    // node is selected. Returns whether a job was queued.
    bool train(bool queue = false);

protected:
    void closeEvent(QCloseEvent* event) override;
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dropEvent(QDropEvent* event) override;

private:
    void createDocks();
    void createActions();
    void showMessage(const QString& text);
    bool save();
    bool saveAs();
    void openDialog();
    void revert();
    bool maybeSave();                                   // false: the person cancelled
    void updateTitle();
    void updateStatus();
    void fileOpened(const QString& path);
    void pasteGraph(const neurite::ModelGraph& part);
    // [SECTION] Training (MainWindowTraining.cpp)
    void createTraining();
    void createTrainingActions(QMenu* run);
    void trainingStateChanged();
    void trainingFinished(const TrainingFinished& result);
    void syncTrainingPanel();                           // the document's settings into the dock
    bool confirmStopTraining(const QString& why);       // false: the person wants to keep training
    void openWorkspaceDialog();
    // [SECTION] Inside the network (MainWindowInsight.cpp): telemetry, evaluation views, predict
    void createInsight();
    void showLiveTelemetry(const neurite::TelemetrySnapshot& snapshot);
    void showReport(QDockWidget* dock);                 // evaluation views, Predict: room to show them

    Document doc_;
    StudioSettings settings_;
    GraphAdapter* adapter_;
    NodeGraphScene* scene_;
    NodeGraphView* view_;
    QStackedWidget* centre_;
    WelcomePage* welcome_;
    QLabel* messageBar_;
    QLabel* status_;
    PaletteDock* palette_ = nullptr;
    InspectorDock* inspector_ = nullptr;
    CodeDock* code_ = nullptr;
    SummaryDock* summary_ = nullptr;
    ProblemsDock* problems_ = nullptr;
    HistoryDock* history_ = nullptr;
    Autosave* autosave_;
    TrainingController* training_ = nullptr;
    TrainingPanel* trainingPanel_ = nullptr;
    LiveChartsDock* charts_ = nullptr;
    RunsDock* runs_ = nullptr;
    CompareDock* compare_ = nullptr;
    TelemetryDock* telemetry_ = nullptr;
    EvaluationDock* evaluation_ = nullptr;
    PredictDock* predict_ = nullptr;
    qint64 liveRun_ = 0;                                // the run the live telemetry is of
    QElapsedTimer badgeClock_;                          // since the canvas's badges were last set
    QHash<QString, NodeBadge> liveBadges_;              // the latest snapshot's, perhaps not yet set
    QAction* trainAction_ = nullptr;
    QAction* queueAction_ = nullptr;
    QAction* pauseAction_ = nullptr;
    QAction* stopAction_ = nullptr;
    int pasteCount_ = 0;
};
