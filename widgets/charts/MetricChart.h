#pragma once
// A chart of training metrics (a loss, an accuracy, a learning rate... against step or epoch), for
// the live charts of a training run and the comparison of runs. It knows nothing of the engine.
//  - A series is a key, a name for the legend, a colour and points (x ascending, y). Set them in
//    bulk or append them live: appending costs the new points only. What is drawn is rebuilt at
//    most once per tick (40 ms, longer when rebuilding is slow: see rebuild()); appended points
//    are drawn in the GUI thread's wake-up that brought them when a tick is due, so live data
//    never wakes the thread for a timer of the chart's own. A rebuild reads the visible range
//    only, reduced per pixel column to its first, lowest, highest and last points
//    (reduceToPixelColumns): a spike of one step in a million still shows, and the cost of a
//    redraw depends on the plot's width, not on the number of points. A series that only grew
//    since the last rebuild has its reduction carried on (PixelColumnReducer): a live chart's
//    redraw costs the new points, not the whole run so far.
//  - Drawing: Qt Charts draws the axes, grid, title and legend; the curves are drawn by one
//    CurveItem of ours over the plot area, which strokes the reduced polylines with drawPolyline
//    as 1-pixel antialiased lines, clipped to the plot area (Qt Charts would re-stroke each whole
//    line for its hover shape at every change; wider lines cost the raster engine 7×). Each curve
//    keeps its Qt Charts series, empty and never painted, as its legend entry (line(), rawLine()).
//    Redrawing 20 series of 10,000 points takes milliseconds, so the tick stays at 40 ms.
//  - Smoothing is TensorBoard's debiased moving average. While it is on, each series is drawn
//    twice: smoothed in full colour, raw faintly behind it; the raw curve is never hidden.
//  - A band is a group of runs (one setting over several seeds): its mean as a line over a
//    lowest–highest area. Smoothing applies to the mean and both bounds; no faint raw curve.
//  - Live data redraws only itself: y fits the data widened to its ticks (fittedRange) and x spans
//    a planned range (setPlannedXRange), so new points seldom move an axis; when nothing but points
//    were appended, only the columns from the last point drawn to the new last point are repainted.
//  - The axes fit all data with a small margin until a person zooms: drag a rectangle (a flat one
//    zooms x only), the wheel zooms x around the cursor, the middle button or Shift + drag pans,
//    a double-click fits everything again. While only x is zoomed, y fits what is visible.
//  - Non-finite values are never drawn (the line joins their neighbours); on a logarithmic y axis
//    values ≤ 0 are skipped too. No drawable point at all: a placeholder text in the middle.
//  - Axes, labels, grid and background take the widget palette's colours (dark and light themes).
//  - Hovering the plot shows the nearest point's series, x and y in a tooltip.
// GUI thread only, like every widget.
#include <QColor>
#include <QElapsedTimer>
#include <QList>
#include <QPointF>
#include <QPointer>
#include <QTimer>
#include <QWidget>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "widgets/charts/AxisRange.h"

class CurveItem;
class MetricChartView;
class QChart;
class QGraphicsSimpleTextItem;
class QLineSeries;
class QPainter;
class QAbstractAxis;
class QLogValueAxis;
class QValueAxis;
class QDockWidget;

class MetricChart : public QWidget {
    Q_OBJECT
public:
    explicit MetricChart(QWidget* parent = nullptr);
    ~MetricChart() override;

    // ---- Series. Keys are the caller's ids (a run id, "run 7/loss"); a band and a series share them.
    // Replaces the series' name, colour and points, or adds it (at the end of the legend).
    void setSeries(const QString& key, const QString& name, const QColor& color, std::span<const QPointF> points);
    // Appends points (x at or after the last one; an earlier x re-sorts the series). An unknown
    // key adds a series named after the key, in the next colour of a ten-colour cycle.
    void appendPoints(const QString& key, std::span<const QPointF> points);
    void appendPoint(const QString& key, QPointF point) { appendPoints(key, {&point, 1}); }
    // A band: at xs[i], the mean mean[i] over the area lo[i]..hi[i]; the shortest list sets the length.
    void setBand(const QString& key, const QString& name, const QColor& color, std::span<const double> xs,
                 std::span<const double> mean, std::span<const double> lo, std::span<const double> hi);
    void removeSeries(const QString& key);           // a series or a band; an unknown key: nothing
    void clear();
    void setSeriesVisible(const QString& key, bool visible);   // hidden: out of the plot, the axes and the legend
    QStringList keys() const;                        // in legend order
    bool hasDrawablePoints() const;                  // false: the placeholder shows

    // ---- Settings
    void setSmoothing(double weight);                // [0, 0.999]; 0 (the default): none
    double smoothing() const { return smoothing_; }
    void setLogScale(bool on);                       // y axis; also forgets a y zoom
    bool logScale() const { return log_; }
    void setTitle(const QString& title);
    void setXTitle(const QString& title);
    void setYTitle(const QString& title);
    void setLegendVisible(bool on);
    void setPlaceholderText(const QString& text);    // "No data yet" by default
    // Changes are redrawn at most this often (40 ms by default); a live chart beside a training
    // run that shares the cores may ask for less.
    void setMinimumRedrawInterval(int ms);
    // The x range the data will fill (a live run's planned steps): while fitting the data, the x
    // axis spans it from the first point on, so that appending redraws only the new points instead
    // of rescaling the whole chart; none (the default): the data's own range.
    void setPlannedXRange(std::optional<AxisRange> range);

    // ---- View. Code that sets the range (a comparison view keeping its charts in step) gets no signal.
    void setXRange(double x0, double x1);            // zooms x; y keeps fitting what is visible
    void resetZoom();                                // fits all data again (double-click does this)
    bool isZoomed() const { return zoomX_ || zoomY_; }
    AxisRange xRange() const { return shownX_; }     // as drawn at the last rebuild
    AxisRange yRange() const { return shownY_; }

    // ---- Export: the chart as shown, drawn afresh at `size` (empty: the widget's). False on failure.
    bool savePng(const QString& path, QSize size = {});
    bool saveSvg(const QString& path, QSize size = {});

    // Rebuilds what is drawn now instead of at the next tick (tests, benchmarks; export does it).
    void flush();

    // ---- Parts, for tests and styling.
    // What the curve item draws for a key, in data coordinates, as of the last rebuild (flush()):
    enum class Part {
        Line,                                        // the full-colour curve: smoothed, or raw while smoothing is 0; a band's mean
        Raw,                                         // the faint raw curve; empty while smoothing is 0, and for a band
        Lower, Upper,                                // a band's area; empty for a series
    };
    QList<QPointF> drawnPoints(const QString& key, Part part = Part::Line) const;   // empty for an unknown key
    QChart* chart() const { return chart_; }
    // The Qt Charts series behind a key's legend entry (its name and pen); nullptr for an unknown
    // key (and rawLine for a band). They hold no points until asked for: from the first call on,
    // they and a band's area series are kept fed with the drawn points (Line, Raw; Lower, Upper
    // in the QAreaSeries), at Qt Charts' cost of re-stroking them at each rebuild. For tests.
    QLineSeries* line(const QString& key) const;
    QLineSeries* rawLine(const QString& key) const;

signals:
    // A person zoomed, panned or fitted the chart (zoomed false: it fits all data again).
    void zoomedByUser(bool zoomed, double x0, double x1);

protected:
    void changeEvent(QEvent* event) override;
    void showEvent(QShowEvent* event) override;    // catches up with what changed while hidden

private:
    struct Curve;

    Curve* find(const QString& key) const;
    Curve& add(const QString& key, bool band);
    void scheduleRebuild();
    void scheduleAppendedRebuild();                  // for live data: in the wake-up that brought it
    void rebuildIfSeen();                            // else remembers to, for when it is shown
    void rebuild();
    void reduce(Curve& curve, AxisRange x, int columns);
    // Hands the visible curves and the ranges to the curve item; `changedFromX`: only points right
    // of it changed (see CurveItem::setCurves).
    void showCurves(std::optional<double> changedFromX);
    int yTickCount() const;                          // at most, on a linear y axis, for the plot's height
    QAbstractAxis* yAxis() const;                    // the one in use
    void switchYAxis();
    void applyPalette();
    void applyAxisRanges();
    void placePlaceholder();
    void paintAt(QPainter& painter, QSize size);
    QPointF valueAt(QPointF position) const;         // chart coordinates → values, by the shown ranges
    void zoomTo(const QRectF& area, bool xOnly);
    void zoomAround(double factor, QPointF at);
    void pan(QPointF delta);
    void showTooltip(QPointF at);
    void userChangedZoom();

    QChart* chart_;
    MetricChartView* view_;
    QValueAxis* xAxis_;
    // Both y axes stay in the chart, the unused one hidden: a removed axis leaves its labels on
    // screen until the event loop deletes them, and an export can come before that.
    QValueAxis* linearY_;
    QLogValueAxis* logY_;
    QGraphicsSimpleTextItem* placeholder_;
    CurveItem* curveItem_;                           // draws every curve; a child of chart_
    std::vector<std::unique_ptr<Curve>> curves_;
    QTimer tick_;                                    // coalesces changes into one rebuild
    int redrawMs_ = 40;                              // the least time between rebuilds: 4 × the last one's cost, ≥ minTickMs_
    QElapsedTimer sinceRebuild_;
    bool rebuildQueued_ = false;                     // a rebuild behind this batch of appended points
    double smoothing_ = 0;
    bool log_ = false;
    std::optional<AxisRange> zoomX_, zoomY_;         // set by zooming; unset: fit the data
    std::optional<AxisRange> plannedX_;
    AxisRange shownX_, shownY_;
    // The frame of the last rebuild: when none of it changed, appended points repaint only themselves.
    int drawnColumns_ = 0;                           // the plot width the curves were reduced for
    QRectF drawnPlot_;
    bool drawnLog_ = false;
    std::vector<const Curve*> drawnCurves_;          // the visible curves, in order
    int colourCycle_ = 0;
    bool changedWhileHidden_ = false;                // a chart nobody sees (hidden, a dock behind a tab) does not redraw
    QPointer<QDockWidget> dock_;                     // the dock that holds it, whose tab it waits for
    int minTickMs_ = 40;                             // at most 25 rebuilds a second, whatever the data rate
};
