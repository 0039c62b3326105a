#include "app/studio/export/ExportDialog.h"

#include "engine/core/Error.h"
#include "engine/export/Bundle.h"
#include "engine/run/Workspace.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QDir>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QVBoxLayout>

using namespace neurite;

ExportDialog::ExportDialog(const QString& workspace, qint64 runId, QWidget* parent)
    : QDialog(parent), workspace_(workspace), runId_(runId), name_(QStringLiteral("run-%1").arg(runId))
{
    build(tr("Run %1").arg(runId));
}

ExportDialog::ExportDialog(const ModelGraph& graph, const JobSpec& job, const QString& name, QWidget* parent)
    : QDialog(parent), graph_(graph), job_(job), name_(name.isEmpty() ? QStringLiteral("model") : name)
{
    build(job.initialWeights.empty()
              ? tr("%1 (weights as initialised: the model is not trained)").arg(name_)
              : tr("%1, with the weights of %2").arg(name_, QString::fromStdString(job.initialWeights)));
}

ExportDialog::~ExportDialog()
{
    if (worker_.joinable())
        worker_.join();   // the export writes files: let it finish
}

void ExportDialog::build(const QString& source)
{
    setWindowTitle(tr("Export"));
    auto* form = new QFormLayout;
    form->addRow(tr("Source:"), new QLabel(source));
    format_ = new QComboBox;
    format_->addItem(tr("ONNX (.onnx)"), int(ExportFormat::Onnx));
    format_->addItem(tr("PyTorch (a folder: model.py, weights, load.py, train.py)"), int(ExportFormat::PyTorch));
    format_->addItem(tr("Neurite bundle (.neurite)"), int(ExportFormat::Bundle));
    if (!onnxAvailable())
        format_->setItemData(0, tr("This build has no ONNX export (libonnx-dev was missing)"), Qt::ToolTipRole);
    form->addRow(tr("Format:"), format_);

    out_ = new QLineEdit;
    auto* browse = new QPushButton(tr("Browse…"));
    auto* where = new QHBoxLayout;
    where->addWidget(out_, 1);
    where->addWidget(browse);
    form->addRow(tr("Write to:"), where);

    checkpoint_ = new QComboBox;
    checkpoint_->addItem(tr("Best (by the run's judging metric)"), QStringLiteral("best"));
    checkpoint_->addItem(tr("Last"), QStringLiteral("last"));
    checkpoint_->setEnabled(runId_ > 0);
    form->addRow(tr("Checkpoint:"), checkpoint_);

    opset_ = new QSpinBox;
    opset_->setRange(13, 17);
    opset_->setValue(17);
    opset_->setToolTip(tr("ONNX operator set: 17 is the newest this build's ONNX library knows"));
    form->addRow(tr("ONNX opset:"), opset_);
    softmax_ = new QCheckBox(tr("Add the class probabilities as a second output"));
    form->addRow(QString(), softmax_);
    verify_ = new QCheckBox(tr("Verify: run the export in its runtime and compare with Neurite's outputs"));
    verify_->setChecked(true);
    form->addRow(QString(), verify_);

    result_ = new QLabel;
    result_->setWordWrap(true);
    result_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    result_->setMinimumHeight(80);
    buttons_ = new QDialogButtonBox(QDialogButtonBox::Close);
    auto* exportButton = buttons_->addButton(tr("Export"), QDialogButtonBox::AcceptRole);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(result_, 1);
    layout->addWidget(buttons_);
    resize(620, 380);

    connect(format_, &QComboBox::currentIndexChanged, this, &ExportDialog::formatChanged);
    connect(browse, &QPushButton::clicked, this, &ExportDialog::browse);
    connect(exportButton, &QPushButton::clicked, this, &ExportDialog::start);
    connect(buttons_, &QDialogButtonBox::rejected, this, &QDialog::reject);
    formatChanged();
}

ExportRequest ExportDialog::request() const
{
    ExportRequest r;
    r.format = ExportFormat(format_->currentData().toInt());
    r.out = out_->text().toStdString();
    r.opset = opset_->value();
    r.softmaxOutput = softmax_->isChecked();
    r.verify = verify_->isChecked();
    return r;
}

void ExportDialog::formatChanged()
{
    const auto format = ExportFormat(format_->currentData().toInt());
    opset_->setEnabled(format == ExportFormat::Onnx);
    softmax_->setEnabled(format == ExportFormat::Onnx);
    const QString base = QDir::home().filePath(name_);
    const QString suggested = format == ExportFormat::Onnx      ? base + QStringLiteral(".onnx")
                              : format == ExportFormat::Bundle ? base + QStringLiteral(".neurite")
                                                               : base + QStringLiteral("-pytorch");
    // Follows the format until the user names the place themselves.
    if (out_->text().isEmpty() || !out_->isModified())
        out_->setText(suggested);
}

void ExportDialog::browse()
{
    const auto format = ExportFormat(format_->currentData().toInt());
    const QString path = format == ExportFormat::PyTorch
                             ? QFileDialog::getExistingDirectory(this, tr("Export to folder"), out_->text())
                             : QFileDialog::getSaveFileName(this, tr("Export to"), out_->text());
    if (!path.isEmpty()) {
        out_->setText(path);
        out_->setModified(true);
    }
}

void ExportDialog::setFormat(ExportFormat format) { format_->setCurrentIndex(format_->findData(int(format))); }

void ExportDialog::setOutput(const QString& path)
{
    out_->setText(path);
    out_->setModified(true);
}

void ExportDialog::setVerify(bool verify) { verify_->setChecked(verify); }

QString ExportDialog::resultText() const { return result_->text(); }

void ExportDialog::start()
{
    if (worker_.joinable())
        return;   // one export at a time
    const ExportRequest r = request();
    buttons_->setEnabled(false);
    result_->setText(r.verify ? tr("Exporting and verifying…") : tr("Exporting…"));
    const std::string checkpoint = checkpoint_->currentData().toString().toStdString();
    worker_ = std::thread([this, r, checkpoint] {
        ExportOutcome outcome;
        QString error;
        try {
            if (runId_ > 0) {
                const auto store = openWorkspace(workspace_.toStdString());
                outcome = exportRun(*store, runId_, checkpoint, r);
            } else {
                TrainedModel model = initialisedModel(*graph_, job_.train.seed);
                model.origin = name_.toStdString() + " (" + model.origin + ")";
                if (const std::string& from = job_.initialWeights; !from.empty()) {
                    model.parameters = readWeights(from);
                    model.origin = name_.toStdString() + " (weights of " + from + ")";
                }
                outcome = exportModel(model, &job_, r);
            }
        } catch (const std::exception& e) {
            error = QString::fromUtf8(e.what());
        }
        QMetaObject::invokeMethod(this, [this, outcome, error] { done(outcome, error); }, Qt::QueuedConnection);
    });
}

void ExportDialog::done(const ExportOutcome& outcome, const QString& error)
{
    if (worker_.joinable())
        worker_.join();
    buttons_->setEnabled(true);
    succeeded_ = error.isEmpty() && (!outcome.verification || outcome.verification->passed);
    QString text;
    if (!error.isEmpty()) {
        text = tr("<b>Not exported.</b> %1").arg(error.toHtmlEscaped());
    } else {
        text = tr("Wrote %1").arg(QString::fromStdString(outcome.written).toHtmlEscaped());
        if (const auto& v = outcome.verification) {
            text += QStringLiteral("<br><b>%1</b> %2 %3, %4 fixed inputs, tolerance %5 (relative):")
                        .arg(v->passed ? tr("Verified in") : tr("Verification FAILED in"),
                             QString::fromStdString(v->runtime), QString::fromStdString(v->runtimeVersion))
                        .arg(v->samples)
                        .arg(v->tolerance, 0, 'g', 2);
            for (const auto& o : v->outputs)
                text += tr("<br>&nbsp;&nbsp;%1: max difference %2, mean %3, max relative %4")
                            .arg(QString::fromStdString(o.name))
                            .arg(o.maxAbs, 0, 'g', 3)
                            .arg(o.meanAbs, 0, 'g', 3)
                            .arg(o.maxRelative, 0, 'g', 3);
            if (!v->message.empty())
                text += QStringLiteral("<br>") + QString::fromStdString(v->message).toHtmlEscaped();
        }
        if (!outcome.notRecorded.empty())
            text += tr("<br>Not recorded with the run: %1").arg(QString::fromStdString(outcome.notRecorded));
    }
    result_->setText(text);
    emit finished(succeeded_);
}
