// CompareDock. [SECTION]s: building · workspace and runs · charts · settings and models ·
// colours · export · live
#include "app/studio/compare/CompareDock.h"

#include "app/studio/compare/Comparison.h"
#include "app/studio/compare/RunColours.h"
#include "app/studio/compare/RunLegend.h"
#include "engine/compare/MetricsCsv.h"
#include "engine/run/Workspace.h"
#include "widgets/charts/MetricChart.h"

#include <QAction>
#include <QCheckBox>
#include <QColorDialog>
#include <QComboBox>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QFontDatabase>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPlainTextEdit>
#include <QSlider>
#include <QSplitter>
#include <QStackedLayout>
#include <QTabWidget>
#include <QTableWidget>
#include <QTimer>
#include <QToolButton>
#include <QVBoxLayout>

#include <algorithm>

namespace {

constexpr XAxisMode kModes[] = {XAxisMode::Step, XAxisMode::Epoch, XAxisMode::Samples, XAxisMode::Time};

bool has(const std::vector<std::string>& names, const std::string& name)
{
    return std::find(names.begin(), names.end(), name) != names.end();
}

// The first chart: validation accuracy, else training loss; the second: a loss beside it.
std::string preferredMetric(const std::vector<std::string>& names, int pane, const std::string& other)
{
    const std::vector<std::string> wanted = pane == 0
        ? std::vector<std::string>{"val/accuracy", "train/loss"}
        : std::vector<std::string>{"train/loss", "val/loss", "train/accuracy", "epoch/train_loss"};
    for (const std::string& name : wanted)
        if (name != other && has(names, name))
            return name;
    for (const std::string& name : names)
        if (name != other)
            return name;
    return names.empty() ? std::string() : names.front();
}

QString idList(const QList<qint64>& ids)
{
    QStringList parts;
    for (qint64 id : ids)
        parts << QString::number(id);
    return parts.join(QStringLiteral(", "));
}

} // namespace

// [SECTION] building ---------------------------------------------------------------------------

CompareDock::CompareDock(QWidget* parent) : QDockWidget(tr("Compare"), parent)
{
    setObjectName(QStringLiteral("CompareDock"));
    exportCsv_ = new QAction(tr("Export CSV…"), this);
    exportCsv_->setToolTip(tr("Write every metric of the compared runs to a CSV file"));
    poll_ = new QTimer(this);

    auto* charts = new QWidget;
    buildCharts(charts);
    auto* panel = new QWidget;
    buildPanel(panel);
    auto* split = new QSplitter(Qt::Horizontal);
    split->addWidget(charts);
    split->addWidget(panel);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 2);

    page_ = new QLabel;
    page_->setAlignment(Qt::AlignCenter);
    page_->setWordWrap(true);
    page_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    page_->setMargin(16);
    message_ = new QLabel;
    message_->setWordWrap(true);
    message_->setTextInteractionFlags(Qt::TextSelectableByMouse);

    pages_ = new QStackedLayout;
    pages_->addWidget(split);
    pages_->addWidget(page_);
    auto* body = new QWidget;
    auto* layout = new QVBoxLayout(body);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addLayout(pages_, 1);
    layout->addWidget(message_);
    setWidget(body);

    prompts_.colour = [this](const QColor& current, const QString& title) {
        return QColorDialog::getColor(current, this, title);
    };
    prompts_.saveFile = [this](const QString& title, const QString& suggested, const QString& filter) {
        return QFileDialog::getSaveFileName(this, title, suggested, filter);
    };
    connect(exportCsv_, &QAction::triggered, this, &CompareDock::askToExport);
    connect(poll_, &QTimer::timeout, this, &CompareDock::poll);
    showPage(tr("Open a workspace to compare its runs."));
}

CompareDock::~CompareDock() = default;

void CompareDock::buildCharts(QWidget* into)
{
    xAxis_ = new QComboBox;
    for (XAxisMode mode : kModes)
        xAxis_->addItem(xAxisTitle(mode), int(mode));
    smoothingSlider_ = new QSlider(Qt::Horizontal);
    smoothingSlider_->setRange(0, 99);
    smoothingSlider_->setMaximumWidth(160);
    smoothingSlider_->setToolTip(tr("Exponential moving average, as TensorBoard's; the raw curve stays faint"));
    smoothingValue_ = new QLabel(QStringLiteral("0.00"));
    groupSeeds_ = new QCheckBox(tr("Group seeds"));
    groupSeeds_->setToolTip(tr("Runs that differ only by seed: one mean line over the band from the lowest to the highest"));
    auto* exportButton = new QToolButton;
    exportButton->setDefaultAction(exportCsv_);

    auto* controls = new QHBoxLayout;
    controls->addWidget(new QLabel(tr("x axis")));
    controls->addWidget(xAxis_);
    controls->addSpacing(12);
    controls->addWidget(new QLabel(tr("Smoothing")));
    controls->addWidget(smoothingSlider_);
    controls->addWidget(smoothingValue_);
    controls->addSpacing(12);
    controls->addWidget(groupSeeds_);
    controls->addStretch(1);
    controls->addWidget(exportButton);

    auto* stack = new QSplitter(Qt::Vertical);
    for (int i = 0; i < kPanes; ++i) {
        panes_[i] = new ComparePane;
        stack->addWidget(panes_[i]);
        connect(panes_[i], &ComparePane::metricChanged, this, [this, i] {
            if (comparison_)
                try {
                    panes_[i]->draw(*comparison_, options_);
                } catch (const std::exception& e) {
                    fail(tr("The runs cannot be read: %1").arg(QString::fromUtf8(e.what())));
                }
        });
        connect(panes_[i], &ComparePane::saveRequested, this, [this, i] { askToSave(i); });
        connect(panes_[i]->chart(), &MetricChart::zoomedByUser, this,
                [this, i](bool zoomed, double x0, double x1) { shareXRange(i, zoomed, x0, x1); });
    }
    auto* layout = new QVBoxLayout(into);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(controls);
    layout->addWidget(stack, 1);

    connect(xAxis_, &QComboBox::currentIndexChanged, this, [this] {
        setXAxisMode(XAxisMode(xAxis_->currentData().toInt()));
    });
    connect(smoothingSlider_, &QSlider::valueChanged, this, [this](int value) { setSmoothing(value / 100.0); });
    connect(groupSeeds_, &QCheckBox::toggled, this, &CompareDock::setGroupSeeds);
}

void CompareDock::buildPanel(QWidget* into)
{
    legend_ = new RunLegend;
    settingsSummary_ = new QLabel;
    settingsSummary_->setWordWrap(true);
    settingsTable_ = new QTableWidget;
    settingsTable_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    settingsTable_->setSelectionMode(QAbstractItemView::ContiguousSelection);
    settingsTable_->setWordWrap(false);
    settingsTable_->horizontalHeader()->setSectionResizeMode(QHeaderView::Interactive);
    settingsTable_->verticalHeader()->setDefaultAlignment(Qt::AlignLeft | Qt::AlignVCenter);
    auto* settingsPage = new QWidget;
    auto* settingsLayout = new QVBoxLayout(settingsPage);
    settingsLayout->setContentsMargins(4, 4, 4, 4);
    settingsLayout->addWidget(settingsSummary_);
    settingsLayout->addWidget(settingsTable_, 1);

    modelText_ = new QPlainTextEdit;
    modelText_->setReadOnly(true);
    modelText_->setLineWrapMode(QPlainTextEdit::NoWrap);
    modelText_->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));

    tabs_ = new QTabWidget;
    tabs_->addTab(settingsPage, tr("Settings"));
    tabs_->addTab(modelText_, tr("Model"));
    auto* split = new QSplitter(Qt::Vertical);
    split->addWidget(legend_);
    split->addWidget(tabs_);
    split->setStretchFactor(0, 1);
    split->setStretchFactor(1, 2);
    auto* layout = new QVBoxLayout(into);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(split);

    connect(legend_, &RunLegend::swatchClicked, this, &CompareDock::chooseColour);
}

// [SECTION] workspace and runs -----------------------------------------------------------------

bool CompareDock::setWorkspace(const QString& path)
{
    const QList<qint64> ids = runs();
    comparison_.reset();
    store_.reset();
    path_ = path;
    error_.clear();
    message_->clear();
    try {
        store_ = neurite::openWorkspace(path.toStdString());
    } catch (const std::exception& e) {
        fail(tr("The workspace %1 cannot be opened: %2").arg(path, QString::fromUtf8(e.what())));
        return false;
    }
    compare(ids);
    return error_.isEmpty();
}

void CompareDock::setRuns(const QList<qint64>& ids)
{
    if (!store_) {
        showPage(error_.isEmpty() ? tr("Open a workspace to compare its runs.") : error_);
        return;
    }
    compare(ids);
}

QList<qint64> CompareDock::runs() const
{
    QList<qint64> ids;
    if (comparison_)
        for (const ComparedRun& r : comparison_->runs())
            ids << r.id();
    return ids;
}

void CompareDock::compare(const QList<qint64>& ids)
{
    comparison_.reset();
    poll_->stop();
    message_->clear();
    try {
        comparison_ = std::make_unique<Comparison>(*store_, ids);
    } catch (const std::exception& e) {
        fail(tr("The runs cannot be read: %1").arg(QString::fromUtf8(e.what())));
        return;
    }
    error_.clear();
    if (!comparison_->missing().isEmpty())
        message_->setText(tr("Not in this workspace (any more): run %1.").arg(idList(comparison_->missing())));
    if (comparison_->runs().empty()) {
        showPage(tr("Choose runs in the Runs browser, then Compare."));
        return;
    }
    pages_->setCurrentIndex(0);
    options_.colours.clear();
    const RunColours colours;
    for (const ComparedRun& r : comparison_->runs())
        options_.colours[r.id()] = colours.colour(path_, r.id());
    legend_->setRuns(comparison_->runs(), options_.colours);
    const std::vector<std::string> names = comparison_->metricNames();
    panes_[0]->setMetrics(names, preferredMetric(names, 0, {}));
    for (int i = 1; i < kPanes; ++i)
        panes_[i]->setMetrics(names, preferredMetric(names, i, panes_[0]->metric()));
    redraw();
    for (ComparePane* pane : panes_)
        if (pane->chart()->isZoomed())
            pane->chart()->resetZoom();
    showSettings();
    showModels();
    updatePolling();
}

bool CompareDock::showingComparison() const
{
    return pages_->currentIndex() == 0;
}

void CompareDock::showPage(const QString& text)
{
    page_->setText(text);
    pages_->setCurrentIndex(1);
}

void CompareDock::fail(const QString& error)
{
    error_ = error;
    comparison_.reset();
    poll_->stop();
    showPage(error);
}

// [SECTION] charts -----------------------------------------------------------------------------

void CompareDock::redraw()
{
    if (!comparison_)
        return;
    try {
        for (ComparePane* pane : panes_)
            pane->draw(*comparison_, options_);
    } catch (const std::exception& e) {
        fail(tr("The runs cannot be read: %1").arg(QString::fromUtf8(e.what())));
    }
}

void CompareDock::setXAxisMode(XAxisMode mode)
{
    {
        const QSignalBlocker quiet(xAxis_);
        xAxis_->setCurrentIndex(xAxis_->findData(int(mode)));
    }
    if (mode == options_.x)
        return;
    options_.x = mode;
    redraw();
    for (ComparePane* pane : panes_)
        if (pane->chart()->isZoomed())
            pane->chart()->resetZoom();              // a step range means nothing in seconds
}

void CompareDock::setSmoothing(double weight)
{
    const int value = std::clamp(int(std::lround(weight * 100)), 0, 99);
    {
        const QSignalBlocker quiet(smoothingSlider_);
        smoothingSlider_->setValue(value);
    }
    smoothingValue_->setText(QString::number(value / 100.0, 'f', 2));
    options_.smoothing = value / 100.0;
    for (ComparePane* pane : panes_)
        pane->chart()->setSmoothing(options_.smoothing);
}

void CompareDock::setGroupSeeds(bool on)
{
    {
        const QSignalBlocker quiet(groupSeeds_);
        groupSeeds_->setChecked(on);
    }
    if (on == options_.groupSeeds)
        return;
    options_.groupSeeds = on;
    redraw();
}

void CompareDock::shareXRange(int from, bool zoomed, double x0, double x1)
{
    for (int i = 0; i < kPanes; ++i)
        if (i != from) {
            if (zoomed)
                panes_[i]->chart()->setXRange(x0, x1);
            else
                panes_[i]->chart()->resetZoom();
        }
}

// [SECTION] settings and models ----------------------------------------------------------------

void CompareDock::showSettings()
{
    const auto& runs = comparison_->runs();
    const auto& differences = comparison_->differences();
    settingsTable_->clear();
    settingsTable_->setColumnCount(int(runs.size()));
    settingsTable_->setRowCount(int(differences.size()));
    for (int c = 0; c < int(runs.size()); ++c) {
        auto* header = new QTableWidgetItem(RunLegend::swatch(options_.colours.value(runs[c].id())), runs[c].label());
        header->setToolTip(runs[c].problem.isEmpty() ? runs[c].label() : runs[c].problem);
        settingsTable_->setHorizontalHeaderItem(c, header);
    }
    for (int r = 0; r < int(differences.size()); ++r) {
        const neurite::SettingDifference& d = differences[r];
        settingsTable_->setVerticalHeaderItem(r, new QTableWidgetItem(QString::fromStdString(d.key)));
        for (int c = 0; c < int(d.values.size()) && c < int(runs.size()); ++c) {
            const QString text = d.values[c] ? QString::fromStdString(*d.values[c]) : QStringLiteral("—");
            auto* item = new QTableWidgetItem(text);
            item->setToolTip(text);
            settingsTable_->setItem(r, c, item);
        }
    }
    settingsTable_->resizeColumnsToContents();
    const int equal = comparison_->equalSettings();
    if (runs.size() < 2)
        settingsSummary_->setText(tr("Choose two or more runs to see which settings differ."));
    else if (differences.empty())
        settingsSummary_->setText(tr("All %1 settings are the same in every run.").arg(equal));
    else
        settingsSummary_->setText(tr("%1 settings are the same in every run; these %2 differ.")
                                      .arg(equal)
                                      .arg(differences.size()));
}

void CompareDock::showModels()
{
    const auto& runs = comparison_->runs();
    if (runs.size() < 2) {
        modelText_->setPlainText(tr("Choose two or more runs to compare their models."));
        return;
    }
    QString text = tr("Each model against the model of %1:").arg(runs.front().label()) + QStringLiteral("\n");
    for (std::size_t i = 1; i < runs.size(); ++i) {
        text += QStringLiteral("\n") + runs[i].label() + QStringLiteral("\n");
        const std::optional<std::string> changes = comparison_->modelChanges(i);
        if (!changes) {
            const QString problem = runs[i].problem.isEmpty() ? runs.front().problem : runs[i].problem;
            text += QStringLiteral("  ") + tr("cannot be compared: %1").arg(problem) + QStringLiteral("\n");
        } else if (changes->empty()) {
            text += QStringLiteral("  ") + tr("the same model") + QStringLiteral("\n");
        } else {
            for (const QString& line : QString::fromStdString(*changes).split('\n', Qt::SkipEmptyParts))
                text += QStringLiteral("  ") + line + QStringLiteral("\n");
        }
    }
    modelText_->setPlainText(text);
}

// [SECTION] colours ----------------------------------------------------------------------------

QColor CompareDock::colour(qint64 id) const
{
    return options_.colours.value(id);
}

void CompareDock::chooseColour(qint64 id)
{
    if (!comparison_ || !comparison_->run(id))
        return;
    const QColor chosen = prompts_.colour(options_.colours.value(id), tr("Colour of %1").arg(comparison_->run(id)->label()));
    if (!chosen.isValid() || chosen == options_.colours.value(id))
        return;
    RunColours().setColour(path_, id, chosen);
    reloadColours();
    emit colourChanged(id);
}

void CompareDock::reloadColours()
{
    if (!comparison_)
        return;
    const RunColours colours;
    for (const ComparedRun& r : comparison_->runs())
        options_.colours[r.id()] = colours.colour(path_, r.id());
    legend_->setRuns(comparison_->runs(), options_.colours);
    redraw();
    showSettings();
}

// [SECTION] export -----------------------------------------------------------------------------

void CompareDock::setPrompts(CompareDockPrompts prompts)
{
    prompts_ = std::move(prompts);
}

bool CompareDock::exportCsv(const QString& file)
{
    if (!comparison_ || comparison_->runs().empty()) {
        message_->setText(tr("There are no runs to export."));
        return false;
    }
    std::vector<std::int64_t> ids;
    for (const ComparedRun& r : comparison_->runs())
        ids.push_back(r.id());
    try {
        const std::size_t rows = neurite::saveMetricsCsv(*store_, ids, file.toStdString());
        message_->setText(tr("Exported %1 points to %2.").arg(rows).arg(QDir::toNativeSeparators(file)));
        return true;
    } catch (const std::exception& e) {
        message_->setText(tr("Could not export: %1").arg(QString::fromUtf8(e.what())));
        return false;
    }
}

bool CompareDock::saveChart(int pane, const QString& file)
{
    if (pane < 0 || pane >= kPanes)
        return false;
    MetricChart* chart = panes_[pane]->chart();
    const bool svg = QFileInfo(file).suffix().compare(QStringLiteral("svg"), Qt::CaseInsensitive) == 0;
    chart->setLegendVisible(true);  // an image stands alone: it names its curves
    const bool saved = svg ? chart->saveSvg(file) : chart->savePng(file);
    chart->setLegendVisible(false);
    message_->setText(saved ? tr("Saved the chart to %1.").arg(QDir::toNativeSeparators(file))
                            : tr("Could not save the chart to %1.").arg(QDir::toNativeSeparators(file)));
    return saved;
}

void CompareDock::askToExport()
{
    const QString suggested = QDir::home().filePath(QStringLiteral("runs-%1.csv").arg(idList(runs()).remove(' ').replace(',', '-')));
    const QString file = prompts_.saveFile(tr("Export metrics as CSV"), suggested, tr("CSV files (*.csv)"));
    if (!file.isEmpty())
        exportCsv(file);
}

void CompareDock::askToSave(int pane)
{
    const QString metric = QString::fromStdString(panes_[pane]->metric()).replace('/', '-');
    const QString suggested = QDir::home().filePath((metric.isEmpty() ? QStringLiteral("chart") : metric) + ".png");
    const QString file = prompts_.saveFile(tr("Save chart"), suggested, tr("PNG image (*.png);;SVG image (*.svg)"));
    if (!file.isEmpty())
        saveChart(pane, file);
}

// [SECTION] live -------------------------------------------------------------------------------

void CompareDock::setPollInterval(int milliseconds)
{
    pollInterval_ = std::max(0, milliseconds);
    poll_->stop();
    updatePolling();
}

bool CompareDock::polling() const
{
    return poll_->isActive();
}

void CompareDock::updatePolling()
{
    if (pollInterval_ > 0 && comparison_ && comparison_->anyLive()) {
        if (!poll_->isActive() || poll_->interval() != pollInterval_)
            poll_->start(pollInterval_);
    } else {
        poll_->stop();
    }
}

bool CompareDock::poll()
{
    if (!comparison_)
        return false;
    try {
        bool changed = false;
        const std::vector<MetricGrowth> grown = comparison_->refresh(&changed);
        if (changed) {
            legend_->setRuns(comparison_->runs(), options_.colours);
            const std::vector<std::string> names = comparison_->metricNames();
            for (int i = 0; i < kPanes; ++i) {
                const std::string before = panes_[i]->metric();
                const std::string other = i == 0 ? std::string() : panes_[0]->metric();
                panes_[i]->setMetrics(names, before.empty() ? preferredMetric(names, i, other) : before);
                if (panes_[i]->metric() != before)
                    panes_[i]->draw(*comparison_, options_);
            }
        }
        if (changed || !grown.empty())
            for (ComparePane* pane : panes_)
                pane->follow(*comparison_, options_, grown);
        updatePolling();
        return !grown.empty();
    } catch (const std::exception& e) {
        poll_->stop();
        message_->setText(tr("Stopped following the live runs: %1").arg(QString::fromUtf8(e.what())));
        return false;
    }
}
