#include "app/studio/predict/PredictDock.h"

#include "app/studio/predict/PredictImages.h"
#include "app/studio/predict/PredictRunner.h"
#include "app/studio/predict/ProbabilityBars.h"
#include "engine/core/Error.h"
#include "engine/graph/ShapeInference.h"
#include "engine/run/RunModel.h"
#include "engine/store/RunStore.h"
#include "widgets/drawing/DrawPad.h"
#include "widgets/drawing/SaliencyView.h"

#include <QCheckBox>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QImageReader>
#include <QLabel>
#include <QMimeData>
#include <QPushButton>
#include <QStackedWidget>
#include <QVBoxLayout>

#include <algorithm>

namespace {

QLabel* caption(const QString& text, QWidget* parent)
{
    auto* label = new QLabel(text, parent);
    label->setAlignment(Qt::AlignHCenter | Qt::AlignTop);
    label->setWordWrap(true);
    return label;
}

// The local image file a drag carries, if any.
QString droppedFile(const QMimeData* mime)
{
    if (!mime->hasUrls() || mime->urls().isEmpty() || !mime->urls().first().isLocalFile())
        return {};
    return mime->urls().first().toLocalFile();
}

} // namespace

PredictDock::PredictDock(QWidget* parent) : QDockWidget(tr("Predict"), parent)
{
    setObjectName(QStringLiteral("PredictDock"));
    setAcceptDrops(true);
    pages_ = new QStackedWidget(this);

    message_ = new QLabel(tr("Choose a run in the runs browser and Predict… to try its model on a drawing or an image."));
    message_->setWordWrap(true);
    message_->setAlignment(Qt::AlignCenter);
    message_->setMargin(24);
    pages_->addWidget(message_);

    auto* content = content_ = new QWidget;
    content->installEventFilter(this);   // resizes: fitSquares
    auto* layout = new QVBoxLayout(content);
    header_ = new QLabel;
    header_->setWordWrap(true);
    header_->setTextFormat(Qt::RichText);
    layout->addWidget(header_);

    // The input, the input as the model sees it and the saliency: three squares side by side.
    auto* grid = new QGridLayout;
    grid->setHorizontalSpacing(12);
    source_ = new QStackedWidget;
    pad_ = new DrawPad;
    loadedView_ = new SaliencyView;
    loadedView_->setPlaceholder(tr("Drop an image here, or Open image…"));
    source_->addWidget(pad_);
    source_->addWidget(loadedView_);
    modelView_ = new SaliencyView;
    saliency_ = new SaliencyView;
    modelView_->setPlaceholder(tr("What the model is given"));
    saliency_->setPlaceholder(tr("Which pixels matter"));
    saliency_->setToolTip(tr("The brighter a pixel, the more a small change of it moves the class's log-probability "
                             "(|∂ log p / ∂ pixel|)"));
    grid->addWidget(source_, 0, 0);
    grid->addWidget(modelView_, 0, 1);
    grid->addWidget(saliency_, 0, 2);
    grid->addWidget(caption(tr("Your input"), content), 1, 0);
    modelCaption_ = caption({}, content);
    saliencyCaption_ = caption({}, content);
    grid->addWidget(modelCaption_, 1, 1);
    grid->addWidget(saliencyCaption_, 1, 2);
    for (int c = 0; c < 3; ++c)
        grid->setColumnStretch(c, 1);

    auto* buttons = new QHBoxLayout;
    buttons->setSpacing(8);
    clear_ = new QPushButton(tr("Clear"));
    auto* open = new QPushButton(tr("Open image…"));
    invert_ = new QCheckBox(tr("Invert (dark on light)"));
    invert_->setToolTip(tr("Turn dark ink on light paper into light on dark, as the training images are"));
    buttons->addWidget(clear_);
    buttons->addWidget(open);
    buttons->addWidget(invert_);
    buttons->addStretch();
    grid->addLayout(buttons, 2, 0, 1, 3);
    layout->addLayout(grid);

    verdict_ = new QLabel;
    verdict_->setWordWrap(true);
    verdict_->setTextFormat(Qt::RichText);
    layout->addWidget(verdict_);
    bars_ = new ProbabilityBars;
    layout->addWidget(bars_);
    auto* hint = new QLabel(tr("Click a class to see which pixels sway it."));
    hint->setEnabled(false);   // the palette's quiet text colour
    layout->addWidget(hint);
    layout->addStretch(1);   // spare height below everything, never between a view and its caption
    pages_->addWidget(content);
    setWidget(pages_);

    connect(pad_, &DrawPad::changing, this, [this] { predictCurrent(); });
    connect(pad_, &DrawPad::drawn, this, [this] { predictCurrent(); });
    connect(pad_, &DrawPad::cleared, this, [this] { resetOutputs(); });
    connect(clear_, &QPushButton::clicked, this, [this] {
        loaded_ = {};
        loadedView_->clear();
        invert_->setChecked(false);
        invert_->setEnabled(false);
        if (runner_ && runner_->inputShape()[0] == 1)
            source_->setCurrentWidget(pad_);
        pad_->clear();
        resetOutputs();
    });
    connect(open, &QPushButton::clicked, this, &PredictDock::openImage);
    connect(invert_, &QCheckBox::toggled, this, [this] { predictCurrent(); });
    connect(bars_, &ProbabilityBars::classClicked, this, &PredictDock::explainClass);
}

PredictDock::~PredictDock() = default;

bool PredictDock::eventFilter(QObject* watched, QEvent* event)
{
    if (watched == content_ && event->type() == QEvent::Resize)
        fitSquares();
    return QDockWidget::eventFilter(watched, event);
}

// Each view a square of a third of the width (less the spacing), so that captions sit right under
// them; grid layouts do not size rows by their items' height-for-width. No taller than the height
// left beside the buttons and the bars: a low dock must not push the window beyond the screen.
void PredictDock::fitSquares()
{
    const QMargins m = content_->layout()->contentsMargins();
    const int byWidth = (content_->width() - m.left() - m.right() - 2 * 12) / 3;
    const int byHeight = content_->height() - m.top() - m.bottom() - bars_->minimumSizeHint().height() - 110;
    const int side = std::clamp(std::min(byWidth, byHeight), 100, 360);
    for (QWidget* w : {static_cast<QWidget*>(source_), static_cast<QWidget*>(modelView_), static_cast<QWidget*>(saliency_)})
        w->setFixedHeight(side);
}

QString PredictDock::message() const { return pages_->currentWidget() == message_ ? message_->text() : QString(); }

void PredictDock::fail(const QString& message)
{
    runner_.reset();
    message_->setText(message);
    pages_->setCurrentWidget(message_);
}

QString PredictDock::className(int cls) const
{
    return cls >= 0 && cls < classNames_.size() ? classNames_[cls] : QString::number(cls);
}

bool PredictDock::showRun(qint64 runId, const QString& workspace)
{
    runner_.reset();
    last_.reset();
    loaded_ = {};
    explained_ = -1;
    const QString run = tr("Run %1").arg(runId);
    if (!QFileInfo::exists(workspace)) {
        fail(tr("There is no workspace at %1.").arg(workspace));
        return false;
    }
    std::unique_ptr<neurite::Predictor> predictor;
    neurite::RunModel model;
    neurite::RunRecord record;
    try {
        const std::string file = workspace.toStdString();
        neurite::RunStore store(file, !neurite::RunStore::writable(file));
        record = store.run(runId);
        model = neurite::loadRunModel(store, runId, "best");
    } catch (const std::exception& e) {
        fail(tr("%1 cannot be shown: %2").arg(run, QString::fromUtf8(e.what())));
        return false;
    }
    try {
        const neurite::GraphAnalysis analysis = neurite::analyse(model.model.graph, 1);
        neurite::requireValid(analysis);
        const neurite::Shape input = analysis.info(analysis.inputNode).output;
        if (!neurite::isImageInput(input)) {
            fail(tr("%1's model takes inputs of %2, not images: Predict works with image classifiers "
                    "(an input of C×H×W with 1 or 3 channels).")
                     .arg(run, QString::fromStdString(input.str())));
            return false;
        }
        predictor = std::make_unique<neurite::Predictor>(model.model);
    } catch (const neurite::ConfigError& e) {
        fail(tr("%1's model is not an image classifier: %2.").arg(run, QString::fromUtf8(e.what())));
        return false;
    } catch (const std::exception& e) {
        fail(tr("%1's model cannot be loaded: %2").arg(run, QString::fromUtf8(e.what())));
        return false;
    }
    try {
        data_ = neurite::runInputs(record, model.job);
    } catch (const std::exception& e) {
        fail(tr("%1's data set '%2' cannot be read, and predictions need its normalisation: %3")
                 .arg(run, QString::fromStdString(model.job.data.spec), QString::fromUtf8(e.what())));
        return false;
    }
    if (!data_.images) {
        fail(tr("%1 was trained on '%2', which is not a set of images: Predict works with image classifiers.")
                 .arg(run, QString::fromStdString(model.job.data.spec)));
        return false;
    }
    runner_ = std::make_unique<PredictRunner>(std::move(predictor), syncLimitMs_);
    connect(runner_.get(), &PredictRunner::ready, this, &PredictDock::showPrediction);
    connect(runner_.get(), &PredictRunner::failed, this,
            [this](const QString& m) { verdict_->setText(tr("The prediction failed: %1").arg(m.toHtmlEscaped())); });

    classNames_.clear();
    for (int k = 0; k < runner_->classes(); ++k)
        classNames_ << (std::size_t(k) < data_.classNames.size() ? QString::fromStdString(data_.classNames[std::size_t(k)])
                                                                 : QString::number(k));
    bars_->setClassNames(classNames_);
    const neurite::Shape& shape = runner_->inputShape();
    const QString name = record.name.empty() ? run : QString::fromStdString(record.name);
    header_->setText(tr("<b>%1</b> · %2 · %3<br>%4, %5 classes · input %6 %7")
                         .arg(name.toHtmlEscaped(), QString::fromStdString(model.model.graph.name).toHtmlEscaped(),
                              QString::fromStdString(model.model.origin).toHtmlEscaped(),
                              QString::fromStdString(record.dataset).toHtmlEscaped())
                         .arg(runner_->classes())
                         .arg(QString::fromStdString(shape.str()), shape[0] == 1 ? tr("grey") : tr("RGB")));
    modelCaption_->setText(tr("As the model sees it (%1×%2)").arg(shape[2]).arg(shape[1]));
    const bool grey = shape[0] == 1;
    source_->setCurrentWidget(grey ? static_cast<QWidget*>(pad_) : loadedView_);
    pad_->clear();
    loadedView_->clear();
    invert_->setChecked(false);
    invert_->setEnabled(false);
    resetOutputs();
    pages_->setCurrentIndex(1);
    return true;
}

void PredictDock::resetOutputs()
{
    last_.reset();
    modelView_->clear();
    saliency_->clear();
    bars_->clear();
    saliencyCaption_->setText(tr("Saliency"));
    const bool grey = runner_ && runner_->inputShape()[0] == 1;
    verdict_->setText(grey ? tr("Draw on the pad, or drop an image file onto this panel.")
                           : tr("Drop an image file onto this panel, or Open image…"));
}

void PredictDock::predictImage(const QImage& image)
{
    if (!runner_)
        return;
    loaded_ = image;
    loadedView_->setImage(image);
    source_->setCurrentWidget(loadedView_);
    invert_->setEnabled(true);
    const QSignalBlocker quiet(invert_);   // one prediction, below
    invert_->setChecked(wantsInverting(image, data_));
    predictCurrent();
}

void PredictDock::openImage()
{
    QStringList patterns;
    for (const QByteArray& format : QImageReader::supportedImageFormats())
        patterns << QStringLiteral("*.") + QString::fromLatin1(format);
    const QString file = QFileDialog::getOpenFileName(this, tr("Open image"), {},
                                                      tr("Images (%1)").arg(patterns.join(QLatin1Char(' '))));
    if (file.isEmpty())
        return;
    const QImage image(file);
    if (image.isNull()) {
        verdict_->setText(tr("%1 cannot be read as an image.").arg(file.toHtmlEscaped()));
        return;
    }
    predictImage(image);
}

void PredictDock::explainClass(int cls)
{
    // A click on the class already explained, or on the predicted one, follows the prediction again.
    explained_ = cls == explained_ || (last_ && cls == last_->predicted) ? -1 : cls;
    predictCurrent();
}

void PredictDock::predictCurrent()
{
    if (!runner_)
        return;
    const QImage source = !loaded_.isNull() ? loaded_ : pad_->isEmpty() ? QImage() : pad_->image();
    if (source.isNull()) {
        resetOutputs();
        return;
    }
    try {
        runner_->request(modelInputOf(source, runner_->inputShape(), data_, !loaded_.isNull() && invert_->isChecked()),
                         explained_);
    } catch (const std::exception& e) {
        verdict_->setText(tr("This image cannot be made into the model's input: %1")
                              .arg(QString::fromUtf8(e.what()).toHtmlEscaped()));
    }
}

void PredictDock::showPrediction(const neurite::Prediction& p, const std::vector<float>& input, double ms)
{
    last_ = p;
    const neurite::Shape& shape = runner_->inputShape();
    const QImage seen = imageOfInput(input, shape, data_);
    modelView_->setImage(seen);
    saliency_->setImage(seen);
    saliency_->setHeat(saliencyPlane(p.saliency, shape));
    bars_->setProbabilities(QVector<float>(p.probabilities.begin(), p.probabilities.end()), p.predicted, p.explained);
    const QString explained = className(p.explained).toHtmlEscaped();
    saliencyCaption_->setText(p.explained == p.predicted ? tr("Saliency for “%1”").arg(explained)
                                             : tr("Saliency for “%1” (chosen)").arg(explained));
    verdict_->setText(tr("Predicted <b>%1</b> at %2 % <span style='color:gray'>· %3 ms on the CPU%4</span>")
                          .arg(className(p.predicted).toHtmlEscaped())
                          .arg(100.0 * p.probabilities[std::size_t(p.predicted)], 0, 'f', 1)
                          .arg(ms, 0, 'f', ms < 10 ? 1 : 0)
                          .arg(runner_->threaded() ? tr(", worker thread") : QString()));
    emit predictionShown();
}

void PredictDock::dragEnterEvent(QDragEnterEvent* event)
{
    if (runner_ && (event->mimeData()->hasImage() || !droppedFile(event->mimeData()).isEmpty()))
        event->acceptProposedAction();
}

void PredictDock::dropEvent(QDropEvent* event)
{
    const QMimeData* mime = event->mimeData();
    QImage image;
    QString what = tr("The dropped data");
    if (mime->hasImage()) {
        image = qvariant_cast<QImage>(mime->imageData());
    } else if (const QString file = droppedFile(mime); !file.isEmpty()) {
        image = QImage(file);
        what = QFileInfo(file).fileName();
    }
    if (image.isNull()) {
        verdict_->setText(tr("%1 cannot be read as an image.").arg(what.toHtmlEscaped()));
        return;
    }
    event->acceptProposedAction();
    predictImage(image);
}
