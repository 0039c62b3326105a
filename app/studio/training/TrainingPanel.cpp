#include "app/studio/training/TrainingPanel.h"

#include "app/studio/training/DataPreview.h"
#include "app/studio/training/ProgressLine.h"
#include "app/studio/training/SchedulePlot.h"
#include "datasets/DatasetCatalogue.h"
#include "engine/backends/CudaDevices.h"
#include "engine/backends/Registry.h"

#include <QAction>
#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QScrollArea>
#include <QSpinBox>
#include <QToolButton>
#include <QVBoxLayout>
#include <cmath>

using namespace neurite;

namespace {

QString duration(double seconds)
{
    const int s = int(seconds + 0.5);
    return s >= 3600 ? QStringLiteral("%1:%2:%3").arg(s / 3600).arg(s / 60 % 60, 2, 10, QChar('0')).arg(s % 60, 2, 10, QChar('0'))
                     : QStringLiteral("%1:%2").arg(s / 60).arg(s % 60, 2, 10, QChar('0'));
}

QDoubleSpinBox* numberBox(double lo, double hi, int decimals, double step)
{
    auto* box = new QDoubleSpinBox;
    box->setRange(lo, hi);
    box->setDecimals(decimals);
    box->setSingleStep(step);
    return box;
}

QSpinBox* integerBox(int lo, int hi)
{
    auto* box = new QSpinBox;
    box->setRange(lo, hi);
    box->setGroupSeparatorShown(true);
    return box;
}

} // namespace

TrainingPanel::TrainingPanel(const QList<QAction*>& actions, QWidget* parent) : QDockWidget(tr("Training"), parent)
{
    setObjectName(QStringLiteral("TrainingDock"));
    auto* body = new QWidget;
    auto* v = new QVBoxLayout(body);

    // Buttons and progress, on top: what a person looks for first.
    auto* buttons = new QHBoxLayout;
    for (QAction* a : actions) {
        auto* b = new QToolButton;
        b->setDefaultAction(a);
        b->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
        buttons->addWidget(b);
    }
    buttons->addStretch();
    v->addLayout(buttons);
    progress_ = new ProgressLine;
    progress_->setObjectName(QStringLiteral("trainingProgress"));
    v->addWidget(progress_);
    status_ = new QLabel(tr("Ready. Press Train (F5) to train the model on the canvas."));
    status_->setObjectName(QStringLiteral("trainingStatus"));
    status_->setWordWrap(true);
    status_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    v->addWidget(status_);
    queue_ = new QLabel;
    queue_->hide();
    v->addWidget(queue_);

    // Data.
    auto* dataBox = new QGroupBox(tr("Data"));
    auto* df = new QFormLayout(dataBox);
    data_ = new QComboBox;
    data_->setObjectName(QStringLiteral("dataCombo"));
    data_->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    data_->setMinimumContentsLength(12);
    for (const auto& entry : knownDatasets()) {
        data_->addItem(QString::fromStdString(entry.name), QString::fromStdString(entry.name));
        const int row = data_->count() - 1;
        data_->setItemData(row, QString::fromStdString(entry.description + " · " + entry.location), Qt::ToolTipRole);
        if (!entry.available)
            data_->setItemData(row, 0, Qt::UserRole - 1);  // disabled: not installed
    }
    data_->insertSeparator(data_->count());
    data_->addItem(tr("Folder or file…"), QString());
    df->addRow(tr("Data set"), data_);
    dataInfo_ = new QLabel;
    dataInfo_->setWordWrap(true);
    dataInfo_->setEnabled(false);
    df->addRow(dataInfo_);
    dataProblem_ = new QLabel;
    dataProblem_->setObjectName(QStringLiteral("dataProblem"));
    dataProblem_->setWordWrap(true);
    dataProblem_->setStyleSheet(QStringLiteral("color: #C62828"));
    dataProblem_->hide();
    df->addRow(dataProblem_);
    preview_ = new DataPreview;
    df->addRow(preview_);
    auto* normalisation = new QLabel(tr("Inputs are normalised per channel (per feature) with the mean and "
                                        "standard deviation of the whole training part; the test part likewise."));
    normalisation->setWordWrap(true);
    normalisation->setEnabled(false);
    df->addRow(normalisation);
    valSplit_ = numberBox(0, 0.9, 2, 0.05);
    valSplit_->setToolTip(tr("Share of the training data held out to validate after each epoch"));
    df->addRow(tr("Validation share"), valSplit_);
    trainSamples_ = integerBox(0, 100000000);
    trainSamples_->setSpecialValueText(tr("all"));
    trainSamples_->setSingleStep(1000);
    df->addRow(tr("Training samples"), trainSamples_);
    augmentCrop_ = integerBox(0, 16);
    augmentCrop_->setSpecialValueText(tr("off"));
    augmentCrop_->setSuffix(tr(" px"));
    augmentCrop_->setToolTip(tr("Pad by this many pixels, then crop back at a random place (images)"));
    df->addRow(tr("Random crop"), augmentCrop_);
    augmentFlip_ = new QCheckBox(tr("Random horizontal flips"));
    df->addRow(QString(), augmentFlip_);
    v->addWidget(dataBox);

    // Hyper-parameters.
    auto* trainBox = new QGroupBox(tr("Training"));
    auto* tf = new QFormLayout(trainBox);
    optimizer_ = new QComboBox;
    for (const char* kind : {"adam", "adamw", "sgd", "rmsprop"})
        optimizer_->addItem(QString::fromLatin1(kind));
    tf->addRow(tr("Optimiser"), optimizer_);
    momentum_ = numberBox(0, 0.999, 3, 0.05);
    tf->addRow(tr("Momentum"), momentum_);
    lr_ = new QLineEdit;
    lr_->setObjectName(QStringLiteral("learningRate"));
    lr_->setToolTip(tr("A positive number: 0.001, 3e-4, …"));
    tf->addRow(tr("Learning rate"), lr_);
    schedule_ = new QComboBox;
    for (const char* kind : {"constant", "step", "exponential", "cosine", "onecycle"})
        schedule_->addItem(QString::fromLatin1(kind));
    tf->addRow(tr("Schedule"), schedule_);
    stepEpochs_ = integerBox(1, 100000);
    stepEpochs_->setSuffix(tr(" epochs"));
    tf->addRow(tr("Decay every"), stepEpochs_);
    gamma_ = numberBox(0.0001, 1, 4, 0.05);
    gamma_->setToolTip(tr("The factor the learning rate is multiplied by at each decay"));
    tf->addRow(tr("Decay factor"), gamma_);
    warmup_ = integerBox(0, 10000000);
    warmup_->setSpecialValueText(tr("off"));
    warmup_->setSuffix(tr(" steps"));
    warmup_->setToolTip(tr("Linear warm-up of the learning rate over the first steps"));
    tf->addRow(tr("Warm-up"), warmup_);
    schedulePlot_ = new SchedulePlot;
    tf->addRow(schedulePlot_);
    batch_ = integerBox(1, 65536);
    tf->addRow(tr("Batch size"), batch_);
    epochs_ = integerBox(1, 100000);
    tf->addRow(tr("Epochs"), epochs_);
    weightDecay_ = numberBox(0, 1, 6, 0.0001);
    tf->addRow(tr("Weight decay"), weightDecay_);
    seed_ = integerBox(0, 2147483647);
    seed_->setToolTip(tr("The same seed, data and settings give the same weights"));
    tf->addRow(tr("Seed"), seed_);
    patience_ = integerBox(0, 1000);
    patience_->setSpecialValueText(tr("off"));
    patience_->setSuffix(tr(" epochs"));
    patience_->setToolTip(tr("Early stopping: stop after this many epochs without a better validation loss"));
    tf->addRow(tr("Early stopping"), patience_);
    // Fine-tuning an imported model: the weights it starts from instead of the seed's.
    startFrom_ = new QLabel;
    startFrom_->setWordWrap(true);
    auto* fromSeed = new QPushButton(tr("Start from the seed"));
    fromSeed->setToolTip(tr("Forget the imported weights: training starts from freshly initialised ones"));
    connect(fromSeed, &QPushButton::clicked, this, [this] { setInitialWeights({}); });
    startFromRow_ = new QWidget;
    auto* sr = new QHBoxLayout(startFromRow_);
    sr->setContentsMargins(0, 0, 0, 0);
    sr->addWidget(startFrom_, 1);
    sr->addWidget(fromSeed);
    tf->addRow(tr("Starts from"), startFromRow_);
    startFromRow_->setVisible(false);
    v->addWidget(trainBox);

    auto* deviceBox = new QGroupBox(tr("Device"));
    auto* dv = new QVBoxLayout(deviceBox);
    device_ = new QComboBox;
    device_->setObjectName(QStringLiteral("deviceCombo"));
    device_->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    device_->setMinimumContentsLength(16);
    device_->addItem(tr("CPU"), QStringLiteral("cpu"));
    dv->addWidget(device_);
    v->addWidget(deviceBox);
    v->addStretch();

    auto* scroll = new QScrollArea;
    scroll->setWidget(body);
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    scroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);  // the fields shrink; the text wraps
    setWidget(scroll);

    setJob(JobSpec{});
    const auto edited = [this] {
        updateSchedulePlot();
        if (!setting_)
            emit jobEdited();
    };
    connect(data_, &QComboBox::activated, this, [this](int row) {
        if (data_->itemData(row).toString().isEmpty())
            chooseDataFromDisk();
    });
    connect(data_, &QComboBox::currentIndexChanged, this, [this, edited] {
        showDataProblem({});
        dataInfo_->setText(data_->currentData(Qt::ToolTipRole).toString());
        if (const QString spec = data_->currentData().toString(); !spec.isEmpty())
            preview_->showSpec(spec);
        edited();
    });
    connect(preview_, &DataPreview::loaded, this, [this](const QString& spec, const QString& problem) {
        if (spec == data_->currentData().toString())
            showDataProblem(problem);
    });
    connect(lr_, &QLineEdit::textEdited, this, [this, edited] {
        bool ok = false;
        const double value = lr_->text().toDouble(&ok);
        const bool valid = ok && value > 0 && std::isfinite(value);
        lr_->setStyleSheet(valid ? QString() : QStringLiteral("QLineEdit { border: 2px solid #C62828; }"));
        if (valid)
            edited();
    });
    connect(optimizer_, &QComboBox::currentIndexChanged, this, [this] {
        if (!setting_)  // each optimiser's own default momentum, as torch.optim has it
            momentum_->setValue(optimizer_->currentText() == QLatin1String("sgd") ? 0.9 : 0.0);
    });
    for (auto* box : {valSplit_, weightDecay_, momentum_, gamma_})
        connect(box, &QDoubleSpinBox::valueChanged, this, edited);
    for (auto* box : {trainSamples_, augmentCrop_, batch_, epochs_, seed_, patience_, stepEpochs_, warmup_})
        connect(box, &QSpinBox::valueChanged, this, edited);
    for (auto* combo : {optimizer_, schedule_, device_})
        connect(combo, &QComboBox::currentIndexChanged, this, edited);
    connect(augmentFlip_, &QCheckBox::toggled, this, edited);
}

void TrainingPanel::findDevices()
{
    const QString chosen = device_->currentData().toString();
    setting_ = true;
    device_->clear();
    try {
        device_->addItem(tr("CPU — %1").arg(QString::fromStdString(createBackend("cpu")->description())),
                         QStringLiteral("cpu"));
    } catch (const std::exception& e) {
        device_->addItem(tr("CPU"), QStringLiteral("cpu"));
    }
    const CudaStatus& cuda = cudaStatus();
    for (const auto& gpu : cuda.devices)
        device_->addItem(tr("GPU — %1, %2 GiB").arg(QString::fromStdString(gpu.name)).arg(double(gpu.memoryBytes) / (1 << 30), 0, 'f', 1),
                         QStringLiteral("cuda"));
    if (!cuda.available) {
        device_->addItem(tr("GPU — none usable (%1)").arg(QString::fromStdString(cuda.reason)), QStringLiteral("cuda"));
        device_->setItemData(device_->count() - 1, 0, Qt::UserRole - 1);
    }
    device_->setCurrentIndex(0);
    const int gpu = cuda.available ? device_->findData(QStringLiteral("cuda")) : -1;
    if (chosen == QLatin1String("cuda") || (chosen != QLatin1String("cpu") && gpu >= 0))
        device_->setCurrentIndex(std::max(0, gpu));
    setting_ = false;
}

void TrainingPanel::chooseDataFromDisk()
{
    QFileDialog dialog(this, tr("Choose a data set: a folder (IDX, CIFAR-10 batches, one subfolder of images per class) or a .csv file"));
    dialog.setFileMode(QFileDialog::AnyFile);
    dialog.setNameFilter(tr("Data (*.csv *-ubyte *-ubyte.gz);;All files (*)"));
    if (dialog.exec() != QDialog::Accepted || dialog.selectedFiles().isEmpty()) {
        data_->setCurrentIndex(0);
        return;
    }
    QString path = dialog.selectedFiles().first();
    if (!path.endsWith(QLatin1String(".csv"), Qt::CaseInsensitive) && QFileInfo(path).isFile())
        path = QFileInfo(path).absolutePath();  // a file inside a folder of IDX files: the folder
    int row = data_->findData(path);
    if (row < 0) {
        data_->insertItem(data_->count() - 1, path, path);
        row = data_->count() - 2;
    }
    data_->setCurrentIndex(row);
}

void TrainingPanel::showDataProblem(const QString& message)
{
    dataProblem_->setText(message);
    dataProblem_->setVisible(!message.isEmpty());
    data_->setStyleSheet(message.isEmpty() ? QString() : QStringLiteral("QComboBox { border: 2px solid #C62828; }"));
}

JobSpec TrainingPanel::job() const
{
    JobSpec job = base_;
    job.data.spec = data_->currentData().toString().toStdString();
    job.data.valSplit = valSplit_->value();
    job.data.trainSamples = trainSamples_->value();
    job.data.augmentCrop = augmentCrop_->value();
    job.data.augmentFlip = augmentFlip_->isChecked();
    job.train.optimizer.kind = optimizer_->currentText().toStdString();
    job.train.optimizer.momentum = momentum_->value();
    job.train.schedule.stepEpochs = stepEpochs_->value();
    job.train.schedule.gamma = gamma_->value();
    job.train.schedule.warmupSteps = warmup_->value();
    bool ok = false;
    if (const double lr = lr_->text().toDouble(&ok); ok && lr > 0 && std::isfinite(lr))
        job.train.lr = lr;  // else the last valid value, kept in base_
    job.train.schedule.kind = schedule_->currentText().toStdString();
    job.train.batch = batch_->value();
    job.train.epochs = epochs_->value();
    job.train.optimizer.weightDecay = weightDecay_->value();
    job.train.seed = std::uint64_t(seed_->value());
    job.train.patience = patience_->value();
    job.device = device_->currentData().toString().toStdString();
    return job;
}

void TrainingPanel::setJob(const JobSpec& job)
{
    setting_ = true;
    base_ = job;
    base_.modelJson.clear();
    const QString spec = QString::fromStdString(job.data.spec);
    int row = data_->findData(spec);
    if (row < 0) {
        data_->insertItem(data_->count() - 1, spec, spec);
        row = data_->count() - 2;
    }
    data_->setCurrentIndex(row);
    dataInfo_->setText(data_->currentData(Qt::ToolTipRole).toString());
    preview_->showSpec(spec);
    valSplit_->setValue(job.data.valSplit);
    trainSamples_->setValue(int(job.data.trainSamples));
    augmentCrop_->setValue(job.data.augmentCrop);
    augmentFlip_->setChecked(job.data.augmentFlip);
    optimizer_->setCurrentText(QString::fromStdString(job.train.optimizer.kind));
    lr_->setText(QString::number(job.train.lr, 'g', 12));
    lr_->setStyleSheet({});
    schedule_->setCurrentText(QString::fromStdString(job.train.schedule.kind));
    momentum_->setValue(job.train.optimizer.momentum);
    stepEpochs_->setValue(job.train.schedule.stepEpochs);
    gamma_->setValue(job.train.schedule.gamma);
    warmup_->setValue(int(job.train.schedule.warmupSteps));
    batch_->setValue(int(job.train.batch));
    epochs_->setValue(job.train.epochs);
    weightDecay_->setValue(job.train.optimizer.weightDecay);
    seed_->setValue(int(job.train.seed));
    patience_->setValue(job.train.patience);
    showInitialWeights();
    const int device = device_->findData(QString::fromStdString(job.device));
    if (device >= 0)
        device_->setCurrentIndex(device);
    setting_ = false;
    updateSchedulePlot();
}

void TrainingPanel::setInitialWeights(const QString& path)
{
    base_.initialWeights = path.toStdString();
    showInitialWeights();
    emit jobEdited();
}

void TrainingPanel::showInitialWeights()
{
    const QString path = QString::fromStdString(base_.initialWeights);
    startFrom_->setText(tr("the imported weights (%1)").arg(QFileInfo(path).fileName()));
    startFrom_->setToolTip(path);
    startFromRow_->setVisible(!path.isEmpty());
}

std::int64_t TrainingPanel::estimatedTrainSamples() const
{
    const std::string spec = data_->currentData().toString().toStdString();
    std::int64_t total = 1000;  // the synthetic sets' default
    if (spec == "fashion-mnist")
        total = 60000;
    else if (const auto at = spec.find("samples="); at != std::string::npos)
        total = std::atoll(spec.c_str() + at + 8);
    if (trainSamples_->value() > 0)
        total = std::min<std::int64_t>(total, trainSamples_->value());
    return std::int64_t(double(total) * (1 - valSplit_->value()));
}

void TrainingPanel::enableWhatApplies()
{
    const QString optimiser = optimizer_->currentText(), schedule = schedule_->currentText();
    momentum_->setEnabled(optimiser == QLatin1String("sgd") || optimiser == QLatin1String("rmsprop"));
    stepEpochs_->setEnabled(schedule == QLatin1String("step"));
    gamma_->setEnabled(schedule == QLatin1String("step") || schedule == QLatin1String("exponential"));
}

void TrainingPanel::updateSchedulePlot()
{
    enableWhatApplies();
    const JobSpec j = job();
    schedulePlot_->setSchedule(j.train.schedule, j.train.lr, (estimatedTrainSamples() + j.train.batch - 1) / j.train.batch,
                               j.train.epochs);
}

void TrainingPanel::onStarted(const TrainingStarted& info)
{
    current_ = info;
    stepsDone_ = info.resumedStep;
    sinceShown_.invalidate();
    progress_->setFraction(0);
    progress_->setText({});
    QString text = info.runId ? tr("Run %1 started on %2").arg(info.runId).arg(info.device)
                              : tr("Training on %1").arg(info.device);
    if (!info.deviceNote.isEmpty())
        text += QStringLiteral("\n") + info.deviceNote;
    status_->setText(text);
    showDataProblem({});
}

void TrainingPanel::onSteps(const QVector<StepPoint>& points)
{
    if (points.isEmpty() || current_.stepsPerEpoch <= 0)
        return;
    // Four times a second is as often as anyone reads it.
    if (sinceShown_.isValid() && sinceShown_.elapsed() < 250)
        return;
    sinceShown_.start();
    const StepPoint& last = points.back();
    stepsDone_ = last.step;
    const qint64 total = current_.stepsPerEpoch * current_.epochs;
    progress_->setFraction(double(last.step) / double(std::max<qint64>(1, total)));
    const qint64 stepInEpoch = last.step - qint64(last.epoch - 1) * current_.stepsPerEpoch;
    const double perStep = last.samplesPerSecond > 0 ? double(current_.trainSamples) / double(current_.stepsPerEpoch) /
                                                           last.samplesPerSecond
                                                     : 0;
    const double left = perStep * double(total - last.step);
    progress_->setText(tr("epoch %1/%2 · step %3/%4 · %5 samples/s · %6 left · loss %7")
                           .arg(last.epoch)
                           .arg(current_.epochs)
                           .arg(stepInEpoch)
                           .arg(current_.stepsPerEpoch)
                           .arg(QLocale().toString(qint64(last.samplesPerSecond)))
                           .arg(duration(left))
                           .arg(last.loss, 0, 'f', 4));
}

void TrainingPanel::onFinished(const TrainingFinished& r)
{
    progress_->setText({});   // its time left and speed are over; the status says how it ended
    if (r.status == QLatin1String("completed")) {
        progress_->setFraction(1);
        QString text = tr("Run %1 completed: %2 steps in %3").arg(r.runId).arg(r.steps).arg(duration(r.seconds));
        if (r.hasTest)
            text += tr(" · test accuracy %1 · test loss %2").arg(r.testAccuracy, 0, 'f', 4).arg(r.testLoss, 0, 'f', 4);
        status_->setText(text);
    } else if (r.status == QLatin1String("evaluated")) {
        status_->setText(tr("Run %1 evaluated (%2): test accuracy %3 · test loss %4")
                             .arg(r.runId)
                             .arg(r.message)
                             .arg(r.testAccuracy, 0, 'f', 4)
                             .arg(r.testLoss, 0, 'f', 4));
    } else {
        status_->setText(tr("Run %1 %2: %3").arg(r.runId).arg(r.status, r.message));
    }
}

void TrainingPanel::setQueued(int queued)
{
    queue_->setText(tr("%n more job(s) queued", nullptr, queued));
    queue_->setVisible(queued > 0);
}
