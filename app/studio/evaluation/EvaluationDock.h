#pragma once
// The evaluation views of a trained run: its best checkpoint's predictions on its test part.
// - showRun computes them on a thread (EvaluationRunner); the dock says what it is doing in place
//   ("Evaluating run 12 on fashion-mnist: 10,000 test samples…"), and any error in place too.
//   Showing another run, or closing the dock, cancels the evaluation in flight (closing and
//   opening again starts it anew).
// - Then: the confusion matrix (ConfusionMatrixView) beside the per-class precision, recall, F1
//   and support (a sortable table) with the accuracy; below, two galleries: the samples of the
//   cell clicked in the matrix, most confident first, and the most confident mistakes overall.
// - Nothing is written to the workspace. GUI thread only.
#include "app/studio/evaluation/EvaluationRunner.h"

#include <QDockWidget>

class ClassMetricsModel;
class QComboBox;
class ConfusionMatrixView;
class ImageGallery;
class QLabel;
class QProgressBar;
class QStackedWidget;
class QTableView;
class QTabWidget;

class EvaluationDock : public QDockWidget {
    Q_OBJECT
public:
    static constexpr std::size_t kMistakes = 500;   // the mistakes gallery shows at most these

    explicit EvaluationDock(QWidget* parent = nullptr);
    ~EvaluationDock() override;

    // dataSpec empty: the run's own test part; else any data set (a catalogue name or a path).
    void showRun(qint64 runId, const QString& workspace, const QString& dataSpec = {});
    QComboBox* dataChoice() const { return data_; }   // the run's test set, the catalogue's, a file…
    qint64 runId() const { return runId_; }

    // ---- State and parts, for the owner and tests
    bool busy() const { return runner_->busy(); }
    const neurite::SamplePredictions* predictions() const { return predictions_.get(); }
    QString messageText() const;                    // the busy or error message; empty when showing results
    ConfusionMatrixView* matrixView() const { return matrix_; }
    ImageGallery* gallery() const { return cellGallery_; }         // the clicked cell's samples
    ImageGallery* mistakesGallery() const { return mistakesGallery_; }
    QTableView* metricsTable() const { return table_; }
    QTabWidget* galleryTabs() const { return tabs_; }
    QPoint shownCell() const { return shownCell_; } // x: predicted, y: true class; (−1, −1) when none

    // The samples of cell (trueClass, predicted) into gallery(), most confident first.
    void showCell(int trueClass, int predicted);

signals:
    void ready();                    // the predictions of the run asked for are shown
    void failed(const QString& message);

protected:
    void closeEvent(QCloseEvent* event) override;
    void showEvent(QShowEvent* event) override;

private:
    void showMessage(const QString& text, bool busy, bool error = false);
    void take(EvaluationRunner::Result predictions);
    void fillGallery(ImageGallery* gallery, const std::vector<std::int64_t>& samples);
    void fitTableWidth();

    EvaluationRunner* runner_;
    EvaluationRunner::Result predictions_;
    qint64 runId_ = 0;
    QString workspace_, dataSpec_;
    QComboBox* data_;
    bool stopped_ = false;           // cancelled by closing: start again when shown
    QPoint shownCell_{-1, -1};

    QStackedWidget* pages_;
    QLabel* message_;
    QProgressBar* progress_;
    QLabel* header_;
    QLabel* summary_;
    ConfusionMatrixView* matrix_;
    ClassMetricsModel* metrics_;
    QTableView* table_;
    QTabWidget* tabs_;
    ImageGallery* cellGallery_;
    ImageGallery* mistakesGallery_;
};
