// MetricChart. [SECTION]s: series · settings · rebuilding what is drawn · view · export · palette
#include "widgets/charts/MetricChart.h"

#include "widgets/charts/CurveItem.h"
#include "widgets/charts/MetricChartView.h"
#include "widgets/charts/MetricSeries.h"
#include "widgets/OnScreen.h"

#include <QAreaSeries>
#include <QChart>
#include <QElapsedTimer>
#include <QEvent>
#include <QFileInfo>
#include <QGraphicsLayout>
#include <QGraphicsSimpleTextItem>
#include <QLegendMarker>
#include <QLineSeries>
#include <QLogValueAxis>
#include <QPainter>
#include <QSvgGenerator>
#include <QToolTip>
#include <QVBoxLayout>
#include <QValueAxis>
#include <algorithm>
#include <cmath>

namespace {
constexpr int kSlowestTickMs = 1000;

QColor withAlpha(QColor c, int alpha)
{
    c.setAlpha(alpha);
    return c;
}

// `over` laid on `under` at `alpha` (of 255), as one opaque colour: what a translucent line shows
// on the chart's plain background, drawn without blending.
QColor blended(const QColor& over, const QColor& under, int alpha)
{
    const auto mix = [alpha](int a, int b) { return (a * alpha + b * (255 - alpha) + 127) / 255; };
    return QColor(mix(over.red(), under.red()), mix(over.green(), under.green()), mix(over.blue(), under.blue()));
}

std::optional<AxisRange> unite(std::optional<AxisRange> a, std::optional<AxisRange> b)
{
    if (!a || !b)
        return a ? a : b;
    return AxisRange{std::min(a->lo, b->lo), std::max(a->hi, b->hi)};
}

// The y extent of `points` with x in `x` (all of them when none is).
std::optional<AxisRange> yExtent(const QList<QPointF>& points, AxisRange x)
{
    std::optional<AxisRange> in, all;
    for (const QPointF& p : points) {
        const AxisRange y{p.y(), p.y()};
        all = unite(all, y);
        if (p.x() >= x.lo && p.x() <= x.hi)
            in = unite(in, y);
    }
    return in ? in : all;
}

void showInLegend(QAbstractSeries* series, bool on)
{
    for (QLegendMarker* marker : series->chart()->legend()->markers(series))
        marker->setVisible(on);
}

// The axis lays its ticks out at each change: a wide range with the last, fine interval would
// make millions of them. Growing the interval goes first, shrinking it last. A range whose ticks
// cannot be counted (a zoom into rounding noise) is shown as the single value it is.
void setRangeAndTicks(QValueAxis* axis, AxisRange range, double interval)
{
    if (!ticksCountable(range, interval)) {
        const double at = std::isfinite(range.lo) ? range.lo : 0;
        range = paddedRange(at, at, false);
        interval = niceTickInterval(range.hi - range.lo, 4);
    }
    if (interval >= axis->tickInterval())
        axis->setTickInterval(interval);
    axis->setRange(range.lo, range.hi);
    axis->setTickInterval(interval);
}

void setPen(QXYSeries* series, const QColor& color, double width)
{
    QPen pen(color, width);
    pen.setCosmetic(true);
    series->setPen(pen);
}
} // namespace

// One entry of the legend: a series (line over faint) or a band (mean over area, from lower/upper).
// The curve item draws `drawn`; the Qt Charts series are the legend's entries and, once line() or
// rawLine() asked for them (mirrored), hold the drawn points too. Qt Charts never paints them.
struct MetricChart::Curve {
    QString key, name;
    bool visible = true;
    bool band = false;
    MetricSeries data;                      // a band's mean
    MetricSeries lo, hi;                    // a band's bounds
    DrawnCurve drawn;                       // what the curve item draws, with the colour
    PixelColumnReducer lineReducer, faintReducer, lowerReducer, upperReducer;   // drawn's parts, reduced
    QLineSeries* line = nullptr;
    QLineSeries* faint = nullptr;           // series only
    QLineSeries *lower = nullptr, *upper = nullptr;
    QAreaSeries* area = nullptr;            // bands only
    bool mirrored = false;                  // the series above are kept fed with `drawn`
    // What the last reduction was made from, to skip curves that did not change.
    int drawnVersion = -1, drawnColumns = 0;
    AxisRange drawnX;
    std::optional<AxisRange> drawnY;        // the y extent of what was drawn inside drawnX
    std::optional<double> drawnLastX;       // the last x drawn; none: nothing was

    int version() const { return data.version() + lo.version() + hi.version(); }
    std::optional<AxisRange> xExtent() const { return unite(data.xExtent(), unite(lo.xExtent(), hi.xExtent())); }
    bool drawable() const { return data.drawable() || lo.drawable() || hi.drawable(); }
    void forEachData(auto f)
    {
        f(data);
        if (band) {
            f(lo);
            f(hi);
        }
    }
    QList<QAbstractSeries*> chartSeries() const
    {
        if (band)
            return {area, line};
        return {faint, line};
    }
    // Feeds the series with what is drawn, now and at every rebuild from now on.
    void mirror()
    {
        mirrored = true;
        line->replace(drawn.line);
        if (band) {
            lower->replace(drawn.lower);
            upper->replace(drawn.upper);
        } else {
            faint->replace(drawn.faint);
        }
    }
};

MetricChart::MetricChart(QWidget* parent)
    : QWidget(parent), chart_(new QChart), view_(new MetricChartView(chart_, this)), xAxis_(new QValueAxis),
      linearY_(new QValueAxis), logY_(new QLogValueAxis),
      placeholder_(new QGraphicsSimpleTextItem(tr("No data yet"), chart_)), curveItem_(new CurveItem(chart_))
{
    chart_->setBackgroundRoundness(0);
    chart_->setMargins(QMargins(4, 4, 4, 4));
    chart_->legend()->setAlignment(Qt::AlignBottom);
    chart_->addAxis(xAxis_, Qt::AlignBottom);
    xAxis_->setTickType(QValueAxis::TicksDynamic);
    xAxis_->setTickAnchor(0);
    xAxis_->setLabelFormat("%.7g");
    linearY_->setTickType(QValueAxis::TicksDynamic);
    linearY_->setTickAnchor(0);
    linearY_->setLabelFormat("%.4g");
    logY_->setLabelFormat("%.4g");
    logY_->setVisible(false);
    chart_->addAxis(linearY_, Qt::AlignLeft);
    chart_->addAxis(logY_, Qt::AlignLeft);
    placeholder_->setZValue(100);
    curveItem_->setZValue(4.5);   // over Qt Charts' series (4), under its legend (5)
    // New points repaint their part of the view's viewport, not the item (see setPartRepainter),
    // widened by the 2 pixels QGraphicsView adds to an item's update for antialiasing, but never
    // beyond the plot: the curves are clipped to it, and a strip reaching past it would repaint
    // the axis labels there at every update.
    curveItem_->setPartRepainter([this](const QRectF& part) {
        const auto inView = [this](const QRectF& r) {
            return view_->viewportTransform().mapRect(curveItem_->mapRectToScene(r)).toAlignedRect();
        };
        view_->viewport()->update(inView(part).adjusted(-2, -2, 2, 2) & inView(curveItem_->boundingRect()));   // the plot
    });

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(view_);
    setMinimumSize(160, 100);  // small enough to share a dock strip with others

    tick_.setSingleShot(true);
    connect(&tick_, &QTimer::timeout, this, &MetricChart::rebuildIfSeen);
    connect(chart_, &QChart::plotAreaChanged, this, [this](const QRectF& plot) {
        placePlaceholder();
        curveItem_->setPlotArea(plot);
        if (std::abs(int(plot.width()) - drawnColumns_) > 1)   // the axis labels settle in a step or two
            scheduleRebuild();
    });
    connect(view_, &MetricChartView::zoomTo, this, &MetricChart::zoomTo);
    connect(view_, &MetricChartView::zoomAround, this, &MetricChart::zoomAround);
    connect(view_, &MetricChartView::pan, this, &MetricChart::pan);
    connect(view_, &MetricChartView::hovered, this, &MetricChart::showTooltip);
    connect(view_, &MetricChartView::fitAll, this, [this] {
        resetZoom();
        userChangedZoom();
    });
    applyPalette();
    rebuild();
}

MetricChart::~MetricChart() = default;

// [SECTION] series ------------------------------------------------------------------------------

MetricChart::Curve* MetricChart::find(const QString& key) const
{
    for (const auto& c : curves_)
        if (c->key == key)
            return c.get();
    return nullptr;
}

MetricChart::Curve& MetricChart::add(const QString& key, bool band)
{
    if (Curve* c = find(key); c && c->band == band)
        return *c;
    removeSeries(key);
    auto c = std::make_unique<Curve>();
    c->key = key;
    c->band = band;
    c->line = new QLineSeries;
    if (band) {
        c->lower = new QLineSeries(chart_);         // the area's outline: data only, not in the chart
        c->upper = new QLineSeries(chart_);
        c->area = new QAreaSeries(c->upper, c->lower);
    } else {
        c->faint = new QLineSeries;
    }
    for (QAbstractSeries* s : c->chartSeries()) {
        s->setOpacity(0);   // drawn by the curve item; the legend markers keep their colour
        chart_->addSeries(s);
        s->attachAxis(xAxis_);
        s->attachAxis(yAxis());
    }
    // The legend names each entry once: by its area (a band) or its full-colour line.
    showInLegend(band ? static_cast<QAbstractSeries*>(c->line) : c->faint, false);
    c->forEachData([this](MetricSeries& d) {
        d.setSmoothing(smoothing_);
        d.setLogScale(log_);
    });
    curves_.push_back(std::move(c));
    return *curves_.back();
}

void MetricChart::setSeries(const QString& key, const QString& name, const QColor& color,
                            std::span<const QPointF> points)
{
    Curve& c = add(key, false);
    c.name = name;
    c.drawn.color = color;
    c.line->setName(name);
    setPen(c.line, color, CurveItem::kLineWidth);
    setPen(c.faint, withAlpha(color, CurveItem::kFaintAlpha), CurveItem::kFaintWidth);
    c.data.setPoints(points);
    scheduleRebuild();
}

void MetricChart::appendPoints(const QString& key, std::span<const QPointF> points)
{
    Curve* c = find(key);
    if (!c || c->band) {
        static const QColor cycle[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                                       "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};
        setSeries(key, key, cycle[colourCycle_++ % 10], {});
        c = find(key);
    }
    c->data.append(points);
    scheduleAppendedRebuild();
}

void MetricChart::setBand(const QString& key, const QString& name, const QColor& color, std::span<const double> xs,
                          std::span<const double> mean, std::span<const double> lo, std::span<const double> hi)
{
    Curve& c = add(key, true);
    c.name = name;
    c.drawn.color = color;
    c.area->setName(name);
    setPen(c.line, color, CurveItem::kLineWidth);
    c.area->setPen(Qt::NoPen);
    c.area->setBrush(withAlpha(color, CurveItem::kAreaAlpha));
    const std::size_t n = std::min({xs.size(), mean.size(), lo.size(), hi.size()});
    const auto points = [&](std::span<const double> ys) {
        std::vector<QPointF> p(n);
        for (std::size_t i = 0; i < n; ++i)
            p[i] = QPointF(xs[i], ys[i]);
        return p;
    };
    c.data.setPoints(points(mean));
    c.lo.setPoints(points(lo));
    c.hi.setPoints(points(hi));
    scheduleRebuild();
}

void MetricChart::removeSeries(const QString& key)
{
    const auto it = std::find_if(curves_.begin(), curves_.end(), [&](const auto& c) { return c->key == key; });
    if (it == curves_.end())
        return;
    for (QAbstractSeries* s : (*it)->chartSeries()) {
        chart_->removeSeries(s);
        delete s;
    }
    delete (*it)->lower;
    delete (*it)->upper;
    curves_.erase(it);
    showCurves(std::nullopt);   // gone at once, as its legend entry
    scheduleRebuild();
}

void MetricChart::clear()
{
    while (!curves_.empty())
        removeSeries(curves_.back()->key);
}

void MetricChart::setSeriesVisible(const QString& key, bool visible)
{
    Curve* c = find(key);
    if (!c || c->visible == visible)
        return;
    c->visible = visible;
    for (QAbstractSeries* s : c->chartSeries())
        s->setVisible(visible);
    showInLegend(c->band ? static_cast<QAbstractSeries*>(c->area) : c->line, visible);
    c->drawnVersion = -1;
    showCurves(std::nullopt);
    scheduleRebuild();
}

QStringList MetricChart::keys() const
{
    QStringList keys;
    for (const auto& c : curves_)
        keys << c->key;
    return keys;
}

bool MetricChart::hasDrawablePoints() const
{
    return std::any_of(curves_.begin(), curves_.end(), [](const auto& c) { return c->visible && c->drawable(); });
}

QList<QPointF> MetricChart::drawnPoints(const QString& key, Part part) const
{
    const Curve* c = find(key);
    if (!c)
        return {};
    switch (part) {
    case Part::Line: return c->drawn.line;
    case Part::Raw: return c->drawn.faint;
    case Part::Lower: return c->drawn.lower;
    case Part::Upper: return c->drawn.upper;
    }
    return {};
}

QLineSeries* MetricChart::line(const QString& key) const
{
    Curve* c = find(key);
    if (!c)
        return nullptr;
    c->mirror();
    return c->line;
}

QLineSeries* MetricChart::rawLine(const QString& key) const
{
    Curve* c = find(key);
    if (!c || c->band)
        return nullptr;
    c->mirror();
    return c->faint;
}

// [SECTION] settings ----------------------------------------------------------------------------

void MetricChart::setSmoothing(double weight)
{
    smoothing_ = EmaSmoother(weight).weight();
    for (auto& c : curves_)
        c->forEachData([this](MetricSeries& d) { d.setSmoothing(smoothing_); });
    scheduleRebuild();
}

void MetricChart::setLogScale(bool on)
{
    if (on == log_)
        return;
    log_ = on;
    zoomY_.reset();
    for (auto& c : curves_)
        c->forEachData([on](MetricSeries& d) { d.setLogScale(on); });
    switchYAxis();
    scheduleRebuild();
}

void MetricChart::setTitle(const QString& title) { chart_->setTitle(title); }
void MetricChart::setXTitle(const QString& title) { xAxis_->setTitleText(title); }
void MetricChart::setLegendVisible(bool on) { chart_->legend()->setVisible(on); }

void MetricChart::setYTitle(const QString& title)
{
    linearY_->setTitleText(title);
    logY_->setTitleText(title);
}

void MetricChart::setPlaceholderText(const QString& text)
{
    placeholder_->setText(text);
    placePlaceholder();
}

QAbstractAxis* MetricChart::yAxis() const
{
    return log_ ? static_cast<QAbstractAxis*>(logY_) : linearY_;
}

// Linear and logarithmic axes are different classes: switching moves every series to the other.
void MetricChart::switchYAxis()
{
    QAbstractAxis* unused = log_ ? static_cast<QAbstractAxis*>(linearY_) : logY_;
    for (QAbstractSeries* s : chart_->series()) {
        s->detachAxis(unused);
        s->attachAxis(yAxis());
    }
    unused->setVisible(false);
    yAxis()->setVisible(true);
    yAxis()->setTitleText(unused->titleText());
}

// [SECTION] rebuilding what is drawn -----------------------------------------------------------

void MetricChart::setMinimumRedrawInterval(int ms)
{
    minTickMs_ = std::max(1, ms);
    redrawMs_ = std::max(redrawMs_, minTickMs_);
}

void MetricChart::setPlannedXRange(std::optional<AxisRange> range)
{
    if (range == plannedX_)
        return;
    plannedX_ = range;
    scheduleRebuild();
}

void MetricChart::scheduleRebuild()
{
    if (!isOnScreen(this)) {
        changedWhileHidden_ = true;  // nobody sees it: rebuild when shown (export and flush() do it at once)
        return;
    }
    if (!tick_.isActive())
        tick_.start(redrawMs_);
}

// Live data comes in a wake-up of the GUI thread of its own (a queued signal from a worker): when
// the last rebuild is old enough, the new points are drawn in that same wake-up, once every append
// of this batch is in (a call queued behind them). Otherwise the timer waits half an interval past
// due, so that the next data usually comes first and draws them: a chart beside a training run
// then never wakes the GUI thread, and with it a core, for a timer of its own.
void MetricChart::scheduleAppendedRebuild()
{
    if (!isOnScreen(this)) {
        changedWhileHidden_ = true;
        return;
    }
    if (rebuildQueued_)
        return;
    // A quarter of an interval early counts as due: data sent at the redraw rate arrives with jitter.
    if (sinceRebuild_.isValid() && sinceRebuild_.elapsed() < redrawMs_ - redrawMs_ / 4) {
        if (!tick_.isActive())
            tick_.start(int(redrawMs_ - sinceRebuild_.elapsed()) + redrawMs_ / 2);
        return;
    }
    rebuildQueued_ = true;
    QMetaObject::invokeMethod(this, [this] {
        rebuildQueued_ = false;
        rebuildIfSeen();
    }, Qt::QueuedConnection);
}

void MetricChart::rebuildIfSeen()
{
    if (isOnScreen(this))
        rebuild();
    else
        changedWhileHidden_ = true;  // hidden since the rebuild was asked for: wait until shown
}

void MetricChart::showEvent(QShowEvent* event)
{
    QWidget::showEvent(event);
    const auto redrawWhatChanged = [this] {
        if (changedWhileHidden_) {
            changedWhileHidden_ = false;
            scheduleRebuild();
        }
    };
    // In a dock behind another's tab it stays "visible" but nobody sees it: it waits for the tab.
    followDockVisibility(this, dock_, [redrawWhatChanged](bool shown) {
        if (shown)
            redrawWhatChanged();
    });
    redrawWhatChanged();
}

void MetricChart::flush()
{
    rebuild();
}

void MetricChart::rebuild()
{
    tick_.stop();
    changedWhileHidden_ = false;
    QElapsedTimer cost;
    cost.start();
    std::optional<AxisRange> all;
    for (const auto& c : curves_)
        if (c->visible)
            all = unite(all, c->xExtent());
    placeholder_->setVisible(!all);

    // Before the first layout the plot has no width yet: reduce for the widget's.
    const QRectF plot = chart_->plotArea();
    const int columns = std::max(plot.width() >= 16 ? int(plot.width()) : width(), 16);
    const std::optional<AxisRange> fit = all ? unite(all, plannedX_) : std::nullopt;
    const AxisRange x = zoomX_ ? *zoomX_ : fit ? paddedRange(fit->lo, fit->hi, false, 0) : AxisRange{0, 1};

    // Were points only appended since the last rebuild? Then, in the same frame, only the plot
    // right of the first new point needs painting.
    std::optional<double> changedFrom;
    bool onlyAppended = true, anyChange = false;
    std::vector<const Curve*> shown;
    for (const auto& c : curves_) {
        if (!c->visible)
            continue;
        shown.push_back(c.get());
        if (c->version() == c->drawnVersion)
            continue;
        anyChange = true;
        if (c->band || !c->drawnLastX || !c->data.onlyAppendedSince(c->drawnVersion))
            onlyAppended = false;
        else
            changedFrom = std::min(changedFrom.value_or(*c->drawnLastX), *c->drawnLastX);
    }

    std::optional<AxisRange> y;
    for (auto& c : curves_)
        if (c->visible) {
            reduce(*c, x, columns);
            y = unite(y, c->drawnY);
        }
    const AxisRange fittedY = y ? fittedRange(y->lo, y->hi, log_, yTickCount()) : log_ ? AxisRange{1, 10} : AxisRange{0, 1};
    const AxisRange newY = zoomY_ ? *zoomY_ : fittedY;
    const bool sameFrame = x == shownX_ && newY == shownY_ && columns == drawnColumns_ && plot == drawnPlot_ &&
                           log_ == drawnLog_ && shown == drawnCurves_;
    shownX_ = x;
    shownY_ = newY;
    drawnColumns_ = columns;
    drawnPlot_ = plot;
    drawnLog_ = log_;
    drawnCurves_ = std::move(shown);
    applyAxisRanges();
    placePlaceholder();
    if (!sameFrame || !onlyAppended)
        showCurves(std::nullopt);
    else if (anyChange)
        showCurves(changedFrom);
    // Reducing costs a few milliseconds per million points in the visible range: with many huge
    // series, tick less often so that rebuilds take at most a fifth of the GUI thread.
    redrawMs_ = std::clamp(int(cost.elapsed()) * 4, minTickMs_, std::max(minTickMs_, kSlowestTickMs));
    sinceRebuild_.start();
}

int MetricChart::yTickCount() const
{
    const double height = chart_->plotArea().height();
    return std::max(3, int((height > 16 ? height : 300) / 40));   // a live chart's strip is short: 3 at least
}

// Reduces one curve's drawable points to the columns of the visible range (skipped if nothing
// it depends on changed since the last time).
void MetricChart::reduce(Curve& c, AxisRange x, int columns)
{
    if (c.drawnVersion == c.version() && c.drawnColumns == columns && c.drawnX == x)
        return;
    // A live series only grows: its reduction is carried on from the last one (a band starts over).
    const bool onlyAppended = !c.band && c.data.onlyAppendedSince(c.drawnVersion);
    const auto reduced = [&](PixelColumnReducer& reducer, const QList<QPointF>& points) {
        const QList<QPointF>& r = reducer.reduce(points, x.lo, x.hi, columns, onlyAppended);
        c.drawnY = unite(c.drawnY, yExtent(r, x));
        return r;
    };
    c.drawnY.reset();
    c.drawn.line = reduced(c.lineReducer, c.data.smoothed());
    if (c.band) {
        c.drawn.lower = reduced(c.lowerReducer, c.lo.smoothed());
        c.drawn.upper = reduced(c.upperReducer, c.hi.smoothed());
    }
    c.drawn.faint = !c.band && c.data.smoothing() ? reduced(c.faintReducer, c.data.raw()) : QList<QPointF>();
    if (c.mirrored)
        c.mirror();
    if (const auto extent = c.data.xExtent())
        c.drawnLastX = extent->hi;
    else
        c.drawnLastX.reset();
    c.drawnVersion = c.version();
    c.drawnColumns = columns;
    c.drawnX = x;
}

// Hands the curve item what to draw: the visible curves as last reduced, in legend order, and the
// ranges they were reduced for.
void MetricChart::showCurves(std::optional<double> changedFromX)
{
    QList<DrawnCurve> shown;
    for (const auto& c : curves_)
        if (c->visible)
            shown.append(c->drawn);
    curveItem_->setPlotArea(chart_->plotArea());
    curveItem_->setRanges(shownX_, shownY_, log_);
    curveItem_->setCurves(std::move(shown), changedFromX);
}

void MetricChart::applyAxisRanges()
{
    const QRectF plot = chart_->plotArea();
    const double width = plot.width() > 16 ? plot.width() : 400;
    setRangeAndTicks(xAxis_, shownX_, niceTickInterval(shownX_.hi - shownX_.lo, std::max(2, int(width / 90))));
    if (!log_) {
        setRangeAndTicks(linearY_, shownY_, shownTickInterval(shownY_, yTickCount()));
        return;
    }
    // Ticks fall on powers of the base only: under a few decades, 10^(1/k), which keeps the
    // powers of ten among them and still gives about four.
    const double decades = std::log10(shownY_.hi / shownY_.lo);
    const int k = std::clamp(int(std::ceil(4 / std::max(decades, 1e-3))), 1, 200);
    logY_->setBase(std::pow(10.0, 1.0 / k));
    logY_->setRange(shownY_.lo, shownY_.hi);
}

// [SECTION] view -------------------------------------------------------------------------------

void MetricChart::setXRange(double x0, double x1)
{
    if (!(x1 > x0) || !std::isfinite(x0) || !std::isfinite(x1))
        return;
    zoomX_ = AxisRange{x0, x1};
    rebuild();
}

void MetricChart::resetZoom()
{
    zoomX_.reset();
    zoomY_.reset();
    rebuild();
}

void MetricChart::userChangedZoom()
{
    emit zoomedByUser(isZoomed(), shownX_.lo, shownX_.hi);
}

QPointF MetricChart::valueAt(QPointF position) const
{
    const QRectF plot = chart_->plotArea();
    const double fx = (position.x() - plot.left()) / plot.width();
    const double fy = (plot.bottom() - position.y()) / plot.height();
    const double y = log_ ? shownY_.lo * std::pow(shownY_.hi / shownY_.lo, fy)
                          : shownY_.lo + fy * (shownY_.hi - shownY_.lo);
    return {shownX_.lo + fx * (shownX_.hi - shownX_.lo), y};
}

void MetricChart::zoomTo(const QRectF& area, bool xOnly)
{
    const QPointF a = valueAt(area.bottomLeft()), b = valueAt(area.topRight());
    if (!(b.x() > a.x()))
        return;
    zoomX_ = AxisRange{a.x(), b.x()};
    if (!xOnly && b.y() > a.y())
        zoomY_ = AxisRange{a.y(), b.y()};
    rebuild();
    userChangedZoom();
}

// Zooming out past all the data fits it again, so that a live chart follows new points.
void MetricChart::zoomAround(double factor, QPointF at)
{
    const double ax = valueAt(at).x();
    const AxisRange x{ax - (ax - shownX_.lo) / factor, ax + (shownX_.hi - ax) / factor};
    if (!(x.hi - x.lo > 1e-9 * std::max(1.0, std::abs(ax))))
        return;
    std::optional<AxisRange> all;
    for (const auto& c : curves_)
        if (c->visible)
            all = unite(all, c->xExtent());
    if (factor < 1 && (!all || (x.lo <= all->lo && x.hi >= all->hi)))
        zoomX_.reset();
    else
        zoomX_ = x;
    rebuild();
    userChangedZoom();
}

void MetricChart::pan(QPointF delta)
{
    const QRectF plot = chart_->plotArea();
    if (plot.width() <= 0 || plot.height() <= 0)
        return;
    const double dx = delta.x() / plot.width() * (shownX_.hi - shownX_.lo);
    zoomX_ = AxisRange{shownX_.lo - dx, shownX_.hi - dx};
    if (zoomY_) {   // an unzoomed y keeps fitting what is visible
        const QPointF lo = valueAt(plot.bottomLeft() - QPointF(0, delta.y()));
        const QPointF hi = valueAt(plot.topLeft() - QPointF(0, delta.y()));
        zoomY_ = AxisRange{lo.y(), hi.y()};
    }
    rebuild();
    userChangedZoom();
}

// The nearest drawn point of any visible full-colour curve, by distance on screen.
void MetricChart::showTooltip(QPointF at)
{
    const QRectF plot = chart_->plotArea();
    const QPointF value = valueAt(at);
    const auto toScreen = [&](QPointF p) {
        const double fx = (p.x() - shownX_.lo) / (shownX_.hi - shownX_.lo);
        const double fy = log_ ? std::log(p.y() / shownY_.lo) / std::log(shownY_.hi / shownY_.lo)
                               : (p.y() - shownY_.lo) / (shownY_.hi - shownY_.lo);
        return QPointF(plot.left() + fx * plot.width(), plot.bottom() - fy * plot.height());
    };
    const Curve* best = nullptr;
    QPointF bestPoint;
    double bestDistance = 40;   // pixels: farther is no point in particular
    for (const auto& c : curves_) {
        if (!c->visible)
            continue;
        const QList<QPointF>& points = c->data.smoothed();
        const qsizetype after = std::lower_bound(points.begin(), points.end(), value.x(),
                                                 [](const QPointF& p, double x) { return p.x() < x; })
                                - points.begin();
        for (qsizetype i : {after - 1, after})
            if (i >= 0 && i < points.size()) {
                const QPointF d = toScreen(points[i]) - at;
                const double distance = std::hypot(d.x(), d.y());
                if (distance < bestDistance) {
                    bestDistance = distance;
                    best = c.get();
                    bestPoint = points[i];
                }
            }
    }
    if (!best)
        return QToolTip::hideText();
    QString text = QStringLiteral("%1\nx: %2\ny: %3")
                       .arg(best->name)
                       .arg(bestPoint.x(), 0, 'g', 7)
                       .arg(bestPoint.y(), 0, 'g', 5);
    if (!best->band && best->data.smoothing()) {
        const auto& raw = best->data.raw();
        const auto it = std::lower_bound(raw.begin(), raw.end(), bestPoint.x(),
                                         [](const QPointF& p, double x) { return p.x() < x; });
        if (it != raw.end() && it->x() == bestPoint.x())
            text += QStringLiteral(" (raw %1)").arg(it->y(), 0, 'g', 5);
    }
    QToolTip::showText(view_->mapToGlobal(view_->mapFromScene(chart_->mapToScene(at))), text, view_);
}

// [SECTION] export -----------------------------------------------------------------------------

// Lays the chart out at `size`, reduces for that width, draws it, then puts it back as it was:
// no event runs in between, so the widget never shows the export size.
void MetricChart::paintAt(QPainter& painter, QSize size)
{
    const QSizeF shown = chart_->size();
    chart_->resize(size);
    chart_->layout()->activate();
    rebuild();
    painter.setRenderHint(QPainter::Antialiasing);
    painter.fillRect(QRect(QPoint(), size), palette().color(QPalette::Base));
    chart_->scene()->render(&painter, QRectF(QPointF(), size), QRectF(chart_->scenePos(), size));
    chart_->resize(shown);
    chart_->layout()->activate();
    rebuild();
}

bool MetricChart::savePng(const QString& path, QSize size)
{
    const QSize s = size.isEmpty() ? view_->size() : size;
    QImage image(s, QImage::Format_ARGB32_Premultiplied);
    QPainter painter(&image);
    paintAt(painter, s);
    painter.end();
    return image.save(path, "PNG");
}

bool MetricChart::saveSvg(const QString& path, QSize size)
{
    const QSize s = size.isEmpty() ? view_->size() : size;
    QSvgGenerator svg;
    svg.setFileName(path);
    svg.setSize(s);
    svg.setViewBox(QRect(QPoint(), s));
    svg.setTitle(chart_->title());
    QPainter painter;
    if (!painter.begin(&svg))
        return false;
    paintAt(painter, s);
    painter.end();
    return QFileInfo(path).size() > 0;
}

// [SECTION] palette ----------------------------------------------------------------------------

void MetricChart::changeEvent(QEvent* event)
{
    if (event->type() == QEvent::PaletteChange)
        applyPalette();
    QWidget::changeEvent(event);
}

void MetricChart::applyPalette()
{
    const QPalette p = palette();
    const QColor text = p.color(QPalette::Text), base = p.color(QPalette::Base);
    chart_->setBackgroundBrush(base);
    chart_->setBackgroundPen(Qt::NoPen);
    chart_->setTitleBrush(text);
    chart_->legend()->setLabelColor(text);
    view_->setBackgroundBrush(base);
    for (QAbstractAxis* axis : std::initializer_list<QAbstractAxis*>{xAxis_, linearY_, logY_}) {
        axis->setLabelsBrush(text);
        axis->setTitleBrush(text);
        // Cosmetic pens (width 0: one pixel at any scale): Qt's line items then find their bounds
        // without stroking a path, which every live repaint asked of every grid line. Opaque
        // colours: Qt 6.4's raster engine hands the blending of a translucent line of more than
        // about a hundred pixel rows to its global thread pool, whose threads then woke about a
        // hundred times a second each while a run trained, each time taking a core from it.
        axis->setLinePen(QPen(blended(text, base, 120), 0));
        axis->setGridLinePen(QPen(blended(text, base, 40), 0));
        axis->setMinorGridLinePen(QPen(blended(text, base, 18), 0));
    }
    placeholder_->setBrush(withAlpha(text, 150));
}

void MetricChart::placePlaceholder()
{
    const QRectF plot = chart_->plotArea();
    const QRectF text = placeholder_->boundingRect();
    placeholder_->setPos(plot.center() - text.center());
}
