#pragma once
// Predict: a trained run's classifier on one picture at a time. Draw a digit (1-channel models) or
// drop an image file (or "Open image…"); the dock shows the class probabilities as bars, the input
// as the model sees it (resized, normalised and shown back), and the saliency: which pixels most
// change the log-probability of the predicted class (or of a class clicked in the bars).
//
// - showRun loads the run's best checkpoint and how its data set was normalised (runInputs). What
//   cannot be shown (no checkpoint, not an image classifier, data set gone) is said in place.
// - Predictions run on the GUI thread when one takes under 10 ms (measured when the run is
//   opened), else on a worker thread (PredictRunner); either way a stroke updates them live.
// - It reads the workspace over a connection of its own, opened as the runs browser opens it
//   (read-only where the file is), only in showRun; the model is then held in memory.
// GUI thread only.
#include "engine/run/Predict.h"

#include <QDockWidget>
#include <QImage>

#include <memory>
#include <optional>

class DrawPad;
class PredictRunner;
class ProbabilityBars;
class SaliencyView;
class QCheckBox;
class QLabel;
class QPushButton;
class QStackedWidget;

class PredictDock : public QDockWidget {
    Q_OBJECT
public:
    explicit PredictDock(QWidget* parent = nullptr);
    ~PredictDock() override;

    // Loads the run's best checkpoint from the workspace (a run store file). False: message() says why.
    bool showRun(qint64 runId, const QString& workspace);
    void predictImage(const QImage& image);          // as if the image were dropped
    void openImage();                                // "Open image…": a file dialog, then predictImage
    void explainClass(int cls);                      // the saliency's class; −1: the predicted one

    // ---- For the owner and tests
    const neurite::Prediction* lastPrediction() const { return last_ ? &*last_ : nullptr; }
    DrawPad* pad() const { return pad_; }
    QString message() const;                         // the in-place message; empty while a model is shown
    PredictRunner* runner() const { return runner_.get(); }
    void setSyncLimitMs(double ms) { syncLimitMs_ = ms; }   // before showRun; 0 forces the worker thread
    SaliencyView* modelInputView() const { return modelView_; }
    SaliencyView* saliencyView() const { return saliency_; }
    ProbabilityBars* bars() const { return bars_; }

signals:
    void predictionShown();                          // after each prediction reaches the view

protected:
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dropEvent(QDropEvent* event) override;
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    void fitSquares();                               // the three views as squares of a third of the width
    void fail(const QString& message);
    void predictCurrent();                           // the pad's drawing or the loaded image
    void showPrediction(const neurite::Prediction& p, const std::vector<float>& input, double ms);
    void resetOutputs();
    QString className(int cls) const;

    // The run
    std::unique_ptr<PredictRunner> runner_;
    neurite::RunInputs data_;
    QStringList classNames_;
    double syncLimitMs_ = 10.0;
    // What is predicted
    QImage loaded_;                                  // a dropped or opened image; null: the pad
    int explained_ = -1;
    std::optional<neurite::Prediction> last_;

    QStackedWidget* pages_ = nullptr;                // the message, or the predictor
    QWidget* content_ = nullptr;
    QLabel* message_ = nullptr;
    QLabel* header_ = nullptr;
    QStackedWidget* source_ = nullptr;               // the pad, or the loaded image
    DrawPad* pad_ = nullptr;
    SaliencyView* loadedView_ = nullptr;
    QCheckBox* invert_ = nullptr;
    QPushButton* clear_ = nullptr;
    SaliencyView* modelView_ = nullptr;
    SaliencyView* saliency_ = nullptr;
    QLabel* modelCaption_ = nullptr;
    QLabel* saliencyCaption_ = nullptr;
    ProbabilityBars* bars_ = nullptr;
    QLabel* verdict_ = nullptr;
};
