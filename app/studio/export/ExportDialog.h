#pragma once
// Export… for a run's checkpoint (the runs browser) or the model on the canvas (File menu): the
// format, where to write, the checkpoint, the ONNX opset, and verification in the target runtime
// (on by default). The export runs on a thread of its own; the result, with each output's
// difference from Neurite's, shows in place.
#include "engine/export/TrainedModel.h"
#include "engine/run/ExportJob.h"
#include "engine/run/Job.h"

#include <QDialog>

#include <optional>
#include <thread>

class QCheckBox;
class QComboBox;
class QDialogButtonBox;
class QLabel;
class QLineEdit;
class QSpinBox;

class ExportDialog : public QDialog {
    Q_OBJECT
public:
    // A recorded run: its checkpoints are read from `workspace` when the export starts.
    ExportDialog(const QString& workspace, qint64 runId, QWidget* parent = nullptr);
    // The model on the canvas with the Training panel's job (train.py reproduces it): its weights
    // those the job starts from (an imported model's, a bundle's), else as initialised from the seed.
    ExportDialog(const neurite::ModelGraph& graph, const neurite::JobSpec& job, const QString& name,
                 QWidget* parent = nullptr);
    ~ExportDialog() override;

    // For tests and scripting: the settings, then start() and wait for finished().
    void setFormat(neurite::ExportFormat format);
    void setOutput(const QString& path);
    void setVerify(bool verify);
    void start();
    QString resultText() const;                 // what the dialog shows after an export
    bool succeeded() const { return succeeded_; }

signals:
    void finished(bool succeeded);

private:
    void build(const QString& source);
    void formatChanged();
    void browse();
    void done(const neurite::ExportOutcome& outcome, const QString& error);
    neurite::ExportRequest request() const;

    QString workspace_;
    qint64 runId_ = 0;
    std::optional<neurite::ModelGraph> graph_;   // the canvas's model (no run)
    neurite::JobSpec job_;
    QString name_;

    QComboBox* format_ = nullptr;
    QLineEdit* out_ = nullptr;
    QComboBox* checkpoint_ = nullptr;
    QSpinBox* opset_ = nullptr;
    QCheckBox* softmax_ = nullptr;
    QCheckBox* verify_ = nullptr;
    QLabel* result_ = nullptr;
    QDialogButtonBox* buttons_ = nullptr;
    std::thread worker_;
    bool succeeded_ = false;
};
