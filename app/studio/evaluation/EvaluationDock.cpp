#include "app/studio/evaluation/EvaluationDock.h"

#include "app/studio/evaluation/ClassMetricsModel.h"
#include "datasets/DatasetCatalogue.h"
#include "engine/run/RunRecorder.h"
#include "widgets/evaluation/ConfusionMatrixView.h"
#include "widgets/evaluation/ImageGallery.h"

#include <QCloseEvent>
#include <QComboBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLocale>
#include <QProgressBar>
#include <QScrollBar>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QStackedWidget>
#include <QTabWidget>
#include <QTableView>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

using neurite::SamplePredictions;

namespace {

enum Page { MessagePage, ResultsPage };
constexpr int kCellTab = 0, kMistakesTab = 1;
const QColor kMistake(214, 39, 40);

// Sample i's image as the data set stores it ([C × H × W] bytes) as a QImage; null without images.
QImage sampleImage(const SamplePredictions& p, std::int64_t i)
{
    const std::uint8_t* px = p.image(i);
    if (!px)
        return {};
    const int h = p.height, w = p.width, plane = h * w;
    if (p.channels == 1) {
        QImage image(w, h, QImage::Format_Grayscale8);
        for (int y = 0; y < h; ++y)
            std::copy_n(px + y * w, w, image.scanLine(y));
        return image;
    }
    QImage image(w, h, QImage::Format_RGB32);
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x) {
            const int at = y * w + x;
            const int g = p.channels >= 2 ? px[plane + at] : px[at];
            const int b = p.channels >= 3 ? px[2 * plane + at] : px[at];
            image.setPixel(x, y, qRgb(px[at], g, b));
        }
    return image;
}

QString className(const SamplePredictions& p, std::int64_t k)
{
    return QString::fromStdString(p.classNames[std::size_t(k)]);
}

// "true: Shirt" / "predicted: T-shirt/top 0.93"
QString caption(const SamplePredictions& p, std::int64_t i)
{
    const auto label = p.labels[std::size_t(i)], predicted = p.predicted[std::size_t(i)];
    return EvaluationDock::tr("true: %1\npredicted: %2 %3")
        .arg(className(p, label), className(p, predicted), QString::number(p.confidence(i), 'f', 2));
}

// The sample's number and its three likeliest classes.
QString sampleToolTip(const SamplePredictions& p, std::int64_t i)
{
    std::vector<std::int64_t> order(std::size_t(p.classes));
    for (std::int64_t k = 0; k < p.classes; ++k)
        order[std::size_t(k)] = k;
    const std::size_t shown = std::min<std::size_t>(3, order.size());
    std::partial_sort(order.begin(), order.begin() + std::ptrdiff_t(shown), order.end(),
                      [&](std::int64_t a, std::int64_t b) { return p.probability(i, a) > p.probability(i, b); });
    QString text = EvaluationDock::tr("Test sample %1 · true class %2")
                       .arg(QLocale().toString(i), className(p, p.labels[std::size_t(i)]));
    for (std::size_t r = 0; r < shown; ++r)
        text += QStringLiteral("\n%1  %2").arg(QString::number(p.probability(i, order[r]), 'f', 3),
                                               className(p, order[r]));
    return text;
}

} // namespace

EvaluationDock::EvaluationDock(QWidget* parent)
    : QDockWidget(tr("Evaluation"), parent), runner_(new EvaluationRunner(this))
{
    setObjectName(QStringLiteral("EvaluationDock"));

    // A message in place: what is being evaluated (with a busy bar) or what went wrong.
    auto* messagePage = new QWidget;
    message_ = new QLabel;
    message_->setAlignment(Qt::AlignCenter);
    message_->setWordWrap(true);
    message_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    progress_ = new QProgressBar;
    progress_->setRange(0, 0);
    progress_->setTextVisible(false);
    progress_->setMaximumWidth(320);
    auto* messageLayout = new QVBoxLayout(messagePage);
    messageLayout->addStretch(1);
    messageLayout->addWidget(message_);
    messageLayout->addWidget(progress_, 0, Qt::AlignHCenter);
    messageLayout->addStretch(2);

    // The results: header; matrix | metrics; galleries below.
    header_ = new QLabel;
    header_->setWordWrap(true);
    header_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    matrix_ = new ConfusionMatrixView;
    metrics_ = new ClassMetricsModel(this);
    auto* sorted = new QSortFilterProxyModel(this);
    sorted->setSourceModel(metrics_);
    sorted->setSortRole(Qt::UserRole);
    table_ = new QTableView;
    table_->setModel(sorted);
    table_->setSortingEnabled(true);
    table_->sortByColumn(-1, Qt::AscendingOrder);   // the classes' own order until a header is clicked
    table_->setSelectionBehavior(QAbstractItemView::SelectRows);
    table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    table_->setAlternatingRowColors(true);
    table_->verticalHeader()->hide();
    table_->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    summary_ = new QLabel;
    QFont summaryFont = summary_->font();
    summaryFont.setPointSizeF(summaryFont.pointSizeF() * 1.15);
    summary_->setFont(summaryFont);
    summary_->setWordWrap(true);
    auto* legend = new QLabel(tr("Rows are the true classes, columns the predicted ones. A cell's colour is its "
                                 "share of its row: blue on the diagonal (right), orange off it (confused). "
                                 "Click a cell, or move with the arrow keys, to see its test samples below."));
    legend->setWordWrap(true);
    legend->setForegroundRole(QPalette::PlaceholderText);
    auto* metricsPane = new QWidget;
    auto* metricsLayout = new QVBoxLayout(metricsPane);
    metricsLayout->setContentsMargins(0, 0, 0, 0);
    metricsLayout->addWidget(summary_);
    metricsLayout->addWidget(table_, 1);
    metricsLayout->addWidget(legend);

    cellGallery_ = new ImageGallery;
    cellGallery_->setPlaceholderText(tr("Click a cell of the confusion matrix to see its test samples here, "
                                        "the most confident first."));
    mistakesGallery_ = new ImageGallery;
    tabs_ = new QTabWidget;
    tabs_->addTab(cellGallery_, tr("Selected cell"));
    tabs_->addTab(mistakesGallery_, tr("Most confident mistakes"));

    auto* top = new QSplitter(Qt::Horizontal);
    top->addWidget(matrix_);
    top->addWidget(metricsPane);
    top->setStretchFactor(0, 1);   // the matrix takes what the table leaves
    top->setStretchFactor(1, 0);
    top->setChildrenCollapsible(false);
    auto* split = new QSplitter(Qt::Vertical);
    split->addWidget(top);
    split->addWidget(tabs_);
    split->setStretchFactor(0, 1);
    split->setStretchFactor(1, 1);
    split->setChildrenCollapsible(false);
    auto* resultsPage = new QWidget;
    auto* resultsLayout = new QVBoxLayout(resultsPage);
    resultsLayout->addWidget(header_);
    resultsLayout->addWidget(split, 1);

    pages_ = new QStackedWidget;
    pages_->insertWidget(MessagePage, messagePage);
    pages_->insertWidget(ResultsPage, resultsPage);

    // Which data: the run's own test set by default, or any set of the catalogue, or a file.
    data_ = new QComboBox;
    data_->addItem(tr("its test set"), QString());
    for (const neurite::CatalogueEntry& entry : neurite::knownDatasets())
        if (entry.available)
            data_->addItem(QString::fromStdString(entry.name), QString::fromStdString(entry.name));
    data_->addItem(tr("a folder or file…"), QStringLiteral("?"));
    data_->setToolTip(tr("The data set the run's model is evaluated on: its test part, or all of it when it has none"));
    connect(data_, &QComboBox::activated, this, [this](int index) {
        QString spec = data_->itemData(index).toString();
        if (spec == QLatin1String("?")) {
            spec = QFileDialog::getExistingDirectory(this, tr("A data set: a folder of class folders, or IDX/CIFAR files"));
            if (spec.isEmpty())
                return;
            data_->insertItem(data_->count() - 1, QFileInfo(spec).fileName(), spec);
            data_->setCurrentIndex(data_->count() - 2);
        }
        if (runId_ > 0)
            showRun(runId_, workspace_, spec);
    });
    auto* dataRow = new QHBoxLayout;
    dataRow->addWidget(new QLabel(tr("Evaluate on")));
    dataRow->addWidget(data_);
    dataRow->addStretch(1);
    auto* content = new QWidget;
    auto* contentLayout = new QVBoxLayout(content);
    contentLayout->setContentsMargins(0, 0, 0, 0);
    contentLayout->addLayout(dataRow);
    contentLayout->addWidget(pages_, 1);
    setWidget(content);
    showMessage(tr("Choose a trained run in the runs browser to see how it does on its test set."), false);

    connect(matrix_, &ConfusionMatrixView::cellClicked, this, &EvaluationDock::showCell);
    connect(matrix_, &ConfusionMatrixView::currentCellChanged, this, &EvaluationDock::showCell);
    connect(runner_, &EvaluationRunner::progress, this, [this](const QString& text) { showMessage(text, true); });
    connect(runner_, &EvaluationRunner::finished, this, &EvaluationDock::take);
    connect(runner_, &EvaluationRunner::cancelled, this, [this] {
        showMessage(tr("Evaluation of run %1 stopped.").arg(runId_), false);
    });
    connect(runner_, &EvaluationRunner::failed, this, [this](const QString& text) {
        showMessage(tr("Run %1 cannot be evaluated: %2").arg(runId_).arg(text), false, true);
        emit failed(text);
    });
}

EvaluationDock::~EvaluationDock() = default;

void EvaluationDock::showRun(qint64 runId, const QString& workspace, const QString& dataSpec)
{
    if (const int at = data_->findData(dataSpec); at >= 0)
        data_->setCurrentIndex(at);
    runId_ = runId;
    workspace_ = workspace;
    stopped_ = false;
    predictions_.reset();
    shownCell_ = {-1, -1};
    matrix_->clear();
    metrics_->clear();
    cellGallery_->clear();
    mistakesGallery_->clear();
    setWindowTitle(tr("Evaluation · run %1").arg(runId));
    showMessage(tr("Evaluating run %1…").arg(runId), true);
    dataSpec_ = dataSpec;
    runner_->start(runId, workspace, dataSpec);
}

QString EvaluationDock::messageText() const
{
    return pages_->currentIndex() == MessagePage ? message_->text() : QString();
}

void EvaluationDock::showMessage(const QString& text, bool busy, bool error)
{
    message_->setText(text);
    message_->setStyleSheet(error ? QStringLiteral("color: #c0392b;") : QString());
    progress_->setVisible(busy);
    pages_->setCurrentIndex(MessagePage);
}

void EvaluationDock::take(EvaluationRunner::Result predictions)
{
    predictions_ = std::move(predictions);
    const SamplePredictions& p = *predictions_;
    const QLocale locale;

    header_->setText(tr("<b>Run %1</b> · checkpoint %2 (epoch %3) · %4 · %5 samples")
                         .arg(p.runId)
                         .arg(p.checkpointId)
                         .arg(p.epoch)
                         .arg(QString::fromStdString(p.dataDescription).toHtmlEscaped(), locale.toString(p.samples())));
    QStringList names;
    for (const auto& name : p.classNames)
        names << QString::fromStdString(name);
    matrix_->setMatrix(names, QVector<qint64>(p.confusion.begin(), p.confusion.end()));

    const neurite::EvalResult evaluation = neurite::evaluationOf(p);
    metrics_->setMetrics(neurite::perClassMetrics(evaluation, p.classNames));
    fitTableWidth();
    const auto right = qint64(std::llround(evaluation.accuracy * double(evaluation.samples)));
    summary_->setText(tr("Accuracy <b>%1%</b> (%2 of %3 right)<br>Macro F1 %4")
                          .arg(locale.toString(100.0 * evaluation.accuracy, 'f', 1), locale.toString(right),
                               locale.toString(evaluation.samples), locale.toString(metrics_->macroF1(), 'f', 3)));

    const auto mistakes = neurite::confidentMistakes(p, kMistakes);
    fillGallery(mistakesGallery_, mistakes);
    mistakesGallery_->setPlaceholderText(tr("No mistakes: every test sample is predicted right."));
    tabs_->setTabText(kMistakesTab, tr("Most confident mistakes (%1)").arg(locale.toString(qint64(mistakes.size()))));
    tabs_->setTabText(kCellTab, tr("Selected cell"));
    tabs_->setCurrentIndex(kMistakesTab);
    pages_->setCurrentIndex(ResultsPage);
    emit ready();
}

// The table as wide as its columns need, so that no class name or number is cut.
void EvaluationDock::fitTableWidth()
{
    table_->resizeColumnsToContents();
    table_->setMinimumWidth(2 * table_->frameWidth() + table_->horizontalHeader()->length() +
                            table_->verticalScrollBar()->sizeHint().width());
}

void EvaluationDock::showCell(int trueClass, int predicted)
{
    if (!predictions_ || trueClass < 0 || predicted < 0)
        return;
    tabs_->setCurrentIndex(kCellTab);
    if (shownCell_ == QPoint(predicted, trueClass))
        return;
    shownCell_ = {predicted, trueClass};
    matrix_->setCurrentCell(trueClass, predicted);
    const SamplePredictions& p = *predictions_;
    const auto samples = neurite::samplesInCell(p, trueClass, predicted);
    fillGallery(cellGallery_, samples);
    const QString count = QLocale().toString(qint64(samples.size()));
    tabs_->setTabText(kCellTab, trueClass == predicted
                                    ? tr("%1 predicted right (%2)").arg(className(p, trueClass), count)
                                    : tr("True %1, predicted %2 (%3)")
                                          .arg(className(p, trueClass), className(p, predicted), count));
    cellGallery_->setPlaceholderText(tr("No test sample of %1 was predicted as %2.")
                                         .arg(className(p, trueClass), className(p, predicted)));
}

void EvaluationDock::fillGallery(ImageGallery* gallery, const std::vector<std::int64_t>& samples)
{
    const SamplePredictions& p = *predictions_;
    QVector<ImageGallery::Item> items;
    items.reserve(qsizetype(samples.size()));
    for (const auto i : samples) {
        const bool wrong = p.labels[std::size_t(i)] != p.predicted[std::size_t(i)];
        items.push_back({caption(p, i), sampleToolTip(p, i), wrong ? kMistake : QColor()});
    }
    // The images are made when their tiles come into view; the predictions stay alive with them.
    gallery->setItems(std::move(items), [keep = predictions_, samples](int item) {
        return sampleImage(*keep, samples[std::size_t(item)]);
    });
}

void EvaluationDock::closeEvent(QCloseEvent* event)
{
    if (runner_->busy()) {
        runner_->cancel();
        stopped_ = true;
    }
    QDockWidget::closeEvent(event);
}

void EvaluationDock::showEvent(QShowEvent* event)
{
    QDockWidget::showEvent(event);
    if (stopped_ && runId_ > 0)
        showRun(runId_, workspace_, dataSpec_);
}
