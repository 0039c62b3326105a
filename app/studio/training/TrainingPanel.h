#pragma once
// The Training dock: what to train on and how (data set and its options, hyper-parameters with a
// plot of the learning-rate schedule, the device), the Train / Pause / Stop / Queue buttons (the
// window's actions), and the current job's progress: epoch, step, samples per second, time left.
// It edits a JobSpec (the model aside); the window saves it with the model document.
#include "app/studio/training/TrainingTypes.h"
#include "engine/run/Job.h"

#include <QDockWidget>
#include <QElapsedTimer>

class QAction;
class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QSpinBox;
class DataPreview;
class ProgressLine;
class SchedulePlot;

class TrainingPanel : public QDockWidget {
    Q_OBJECT
public:
    // actions: Train, Pause (checkable), Stop, Add to queue; shown as the panel's buttons.
    TrainingPanel(const QList<QAction*>& actions, QWidget* parent = nullptr);

    neurite::JobSpec job() const;                   // modelJson left empty
    void setJob(const neurite::JobSpec& job);       // emits nothing
    // Fine-tuning: the weights the next run starts from (a .safetensors or .neurite file); empty:
    // from the seed. Shown in the panel with a way back to the seed.
    void setInitialWeights(const QString& path);
    QString initialWeights() const { return QString::fromStdString(base_.initialWeights); }
    QComboBox* dataCombo() const { return data_; }  // for messages in place and tests
    QComboBox* deviceCombo() const { return device_; }
    QSpinBox* epochsBox() const { return epochs_; }
    QLabel* dataProblemLabel() const { return dataProblem_; }
    DataPreview* dataPreview() const { return preview_; }
    QLabel* statusLabel() const { return status_; }       // started, finished, stopped, failed
    ProgressLine* progressLine() const { return progress_; }

    // Fills the device list (CPU with its kernel, each usable GPU with its memory; a GPU, when
    // there is one, chosen). Probing CUDA takes a moment: the window calls it after showing.
    void findDevices();
    // Marks the data field as the place of a problem (red frame, message under it); empty clears.
    void showDataProblem(const QString& message);

public slots:
    void onStarted(const TrainingStarted& info);
    void onSteps(const QVector<StepPoint>& points);
    void onFinished(const TrainingFinished& result);
    void setQueued(int queued);

signals:
    void jobEdited();                               // any setting changed by a person

private:
    void updateSchedulePlot();
    void enableWhatApplies();                       // fields of other optimisers and schedules greyed
    void chooseDataFromDisk();
    std::int64_t estimatedTrainSamples() const;
    void showInitialWeights();

    QComboBox* data_;
    QLabel* dataInfo_;
    DataPreview* preview_;
    QLabel* dataProblem_;
    QDoubleSpinBox* valSplit_;
    QSpinBox* trainSamples_;
    QSpinBox* augmentCrop_;
    QCheckBox* augmentFlip_;
    QComboBox* optimizer_;
    QDoubleSpinBox* momentum_;                      // sgd, rmsprop
    QLineEdit* lr_;                                 // typed as people write it: 3e-4, 0.001
    QComboBox* schedule_;
    QSpinBox* stepEpochs_;                          // step
    QDoubleSpinBox* gamma_;                         // step, exponential
    QSpinBox* warmup_;
    SchedulePlot* schedulePlot_;
    QSpinBox* batch_;
    QSpinBox* epochs_;
    QDoubleSpinBox* weightDecay_;
    QSpinBox* seed_;
    QLabel* startFrom_ = nullptr;
    QWidget* startFromRow_ = nullptr;
    QSpinBox* patience_;
    QComboBox* device_;
    ProgressLine* progress_;                        // the live line: bar, epoch, step, speed, time left
    QLabel* status_;
    QLabel* queue_;
    neurite::JobSpec base_;                         // settings the panel does not show, kept as they were
    TrainingStarted current_;
    QElapsedTimer sinceShown_;                      // the progress line's last change
    qint64 stepsDone_ = 0;
    bool setting_ = false;                          // setJob() in progress: no jobEdited()
};
