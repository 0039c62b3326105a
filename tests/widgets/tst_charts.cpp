// widgets/charts: the reduction and smoothing arithmetic against hand-computed values, and
// MetricChart as a person and a training run use it (live appends, log scale, zoom, export).
// What a chart draws is read through drawnPoints(); the Qt Charts series only when a test is about them.
#include "widgets/charts/AxisRange.h"
#include "widgets/charts/MetricChart.h"
#include "widgets/charts/MetricChartView.h"
#include "widgets/charts/SeriesReduction.h"

#include <QApplication>
#include <QAreaSeries>
#include <QChart>
#include <QGraphicsScene>
#include <QGraphicsSimpleTextItem>
#include <QImage>
#include <QLineSeries>
#include <QScreen>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QVBoxLayout>
#include <QValueAxis>
#include <QWheelEvent>
#include <cmath>
#include <cstring>
#include <limits>

namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// A noisy, deterministic curve in [-1, 1].
std::vector<QPointF> noise(int n)
{
    std::vector<QPointF> p(n);
    for (int i = 0; i < n; ++i)
        p[i] = QPointF(i, std::sin(i * 0.37) * std::cos(i * 0.011));
    return p;
}

// The same points, bit for bit (a NaN is equal to itself here).
bool identical(const QList<QPointF>& a, const QList<QPointF>& b)
{
    return a.size() == b.size() && std::memcmp(a.constData(), b.constData(), sizeof(QPointF) * std::size_t(a.size())) == 0;
}

bool xSorted(const QList<QPointF>& p)
{
    return std::is_sorted(p.begin(), p.end(), [](QPointF a, QPointF b) { return a.x() < b.x(); });
}

// Pixels of `image` in `area` (all of it when empty) for which `like` holds.
int count(const QImage& image, auto like, QRect area = {})
{
    area = area.isEmpty() ? image.rect() : area & image.rect();
    int n = 0;
    for (int y = area.top(); y <= area.bottom(); ++y)
        for (int x = area.left(); x <= area.right(); ++x)
            n += like(image.pixelColor(x, y));
    return n;
}

// The colours of curvesAreDrawnByTheCurveItem's chart on white; a line's antialiased pixels count.
bool red(QColor c) { return c.red() - c.green() > 100 && std::abs(c.green() - c.blue()) < 20; }
bool faintRed(QColor c) { return c.red() > 240 && c.green() > 150 && c.green() < 235 && std::abs(c.green() - c.blue()) < 6; }
bool green(QColor c) { return c.green() - c.red() > 60 && std::abs(c.red() - c.blue()) < 20; }
bool areaGreen(QColor c)   // alpha 56 of (0, 160, 0) over white: (199, 234, 199)
{
    return std::abs(c.red() - 199) < 10 && std::abs(c.green() - 234) < 10 && std::abs(c.blue() - 199) < 10;
}

QGraphicsSimpleTextItem* placeholder(const MetricChart& chart)
{
    for (QGraphicsItem* item : chart.chart()->scene()->items())
        if (auto* text = dynamic_cast<QGraphicsSimpleTextItem*>(item))
            return text;
    return nullptr;
}
} // namespace

class TestCharts : public QObject {
    Q_OBJECT
private slots:
    // ---- reduceToPixelColumns
    void reductionKeepsASingleSampleSpike();
    void reductionKeepsFewPointsAsTheyAre();
    void reductionKeepsTheNeighboursOfTheRange();
    void aGrowingSeriesIsReducedAsAWholeOne();
    // ---- smoothing and axes
    void emaMatchesHandComputedValues();
    void emaPassesNonFiniteValuesThrough();
    void axisRangesAndTicks();
    // ---- MetricChart
    void appendedPointsAreDrawnReducedAtTheNextTick();
    void appendingRepaintsOnlyTheNewPoints();
    void liveDataIsDrawnInTheWakeUpThatBroughtIt();
    void liveChartsShareOneWindowPaint();
    void yAxisEndsOnItsTicks();
    void aRoundingSpreadIsOneValue();
    void smoothingKeepsTheRawCurve();
    void logScaleSkipsValuesItCannotShow();
    void emptyAndNanSeriesShowThePlaceholder();
    void bandsDrawMeanAndArea();
    void curvesAreDrawnByTheCurveItem();
    void seriesHoldTheDrawnPointsOnceAsked();
    void zoomAndResetZoom();
    void mouseZoomsAndDoubleClickFits();
    void exportsPngAndSvg();
    void followsThePalette();
};

void TestCharts::reductionKeepsASingleSampleSpike()
{
    const int n = 1'000'000, columns = 800;
    std::vector<QPointF> p = noise(n);
    p[123'457].setY(1000);
    p[765'433].setY(-1000);
    p[400'000].setY(kNaN);   // never chosen as a column's lowest or highest
    const QList<QPointF> r = reduceToPixelColumns(p, 0, n - 1, columns);
    QVERIFY(r.size() <= 4 * columns);
    QVERIFY(r.size() >= columns);
    QVERIFY(xSorted(r));
    QVERIFY(r.contains(QPointF(123'457, 1000)));
    QVERIFY(r.contains(QPointF(765'433, -1000)));
    QCOMPARE(r.front(), p.front());
    QCOMPARE(r.back(), p.back());
    // Each column keeps its true extremes: compare a few against a plain scan.
    const double perColumn = double(columns) / (n - 1);
    for (int column : {0, 7, 399, 799}) {
        double lo = INFINITY, hi = -INFINITY, rlo = INFINITY, rhi = -INFINITY;
        for (const QPointF& q : p)
            if (std::min(int(q.x() * perColumn), columns - 1) == column && std::isfinite(q.y())) {
                lo = std::min(lo, q.y());
                hi = std::max(hi, q.y());
            }
        for (const QPointF& q : r)
            if (std::min(int(q.x() * perColumn), columns - 1) == column && std::isfinite(q.y())) {
                rlo = std::min(rlo, q.y());
                rhi = std::max(rhi, q.y());
            }
        QCOMPARE(rlo, lo);
        QCOMPARE(rhi, hi);
    }
}

void TestCharts::reductionKeepsFewPointsAsTheyAre()
{
    const std::vector<QPointF> p = noise(1000);
    const QList<QPointF> r = reduceToPixelColumns(p, 0, 999, 800);   // 1000 < 2 × 800
    QCOMPARE(r, QList<QPointF>(p.begin(), p.end()));
    QVERIFY(reduceToPixelColumns(std::vector<QPointF>{}, 0, 1, 10).isEmpty());
    QCOMPARE(reduceToPixelColumns(p, 5, 5, 10).size(), 3);            // an empty range: the point and its neighbours
}

void TestCharts::reductionKeepsTheNeighboursOfTheRange()
{
    const std::vector<QPointF> p = noise(10'000);
    QList<QPointF> r = reduceToPixelColumns(p, 100, 200, 10);         // reduced: 101 points ≥ 2 × 10
    QVERIFY(r.size() <= 4 * 10 + 2);
    QCOMPARE(r.front(), p[99]);
    QCOMPARE(r.back(), p[201]);
    r = reduceToPixelColumns(p, 100.5, 104.5, 800);                    // as they are
    QCOMPARE(r.size(), 6);
    QCOMPARE(r.front(), p[100]);
    QCOMPARE(r.back(), p[105]);
}

// PixelColumnReducer carries a reduction on as points are appended: after every batch, what it
// gives must be what reducing the whole series gives, through the switch from "as they are" to
// reduced, spikes and NaN in the last column, points past the range's end, and a new range.
void TestCharts::aGrowingSeriesIsReducedAsAWholeOne()
{
    const int columns = 50;
    std::vector<QPointF> all = noise(6000);
    all[777].setY(50);
    all[2000].setY(kNaN);
    all[2001].setY(-50);
    PixelColumnReducer reducer;
    std::vector<QPointF> grown;
    double x1 = 4999;
    int batch = 1, carriedOn = 0;
    for (std::size_t next = 0; next < all.size(); next += std::size_t(batch), batch = batch * 7 % 97 + 1) {
        grown.insert(grown.end(), all.begin() + std::ptrdiff_t(next),
                     all.begin() + std::ptrdiff_t(std::min(all.size(), next + std::size_t(batch))));
        if (grown.size() > 5500)
            x1 = 5999;                                                // the range grows: starts over
        const QList<QPointF> want = reduceToPixelColumns(grown, 0, x1, columns);
        const QList<QPointF>& got = reducer.reduce(grown, 0, x1, columns, true);
        QVERIFY2(identical(got, want), qPrintable(QString("after %1 points").arg(grown.size())));
        carriedOn += grown.size() >= 2 * columns && grown.back().x() <= x1;
    }
    QVERIFY(carriedOn > 50);                                          // most batches took the carried-on path
    // Points that are not the last call's plus more: told so, it starts over.
    std::vector<QPointF> other = noise(3000);
    other[10].setY(99);
    QCOMPARE(reducer.reduce(other, 0, 5999, columns, false), reduceToPixelColumns(other, 0, 5999, columns));
}

void TestCharts::emaMatchesHandComputedValues()
{
    // weight 0.5 over 1, 2, 3: biased 0.5, 1.25, 2.125; debiased by 1 − 0.5ⁿ: 1, 5/3, 17/7.
    const std::vector<double> s = smoothEma(std::vector<double>{1, 2, 3}, 0.5);
    QCOMPARE(s.size(), std::size_t(3));
    QCOMPARE(s[0], 1.0);
    QVERIFY(std::abs(s[1] - 5.0 / 3) < 1e-12);
    QVERIFY(std::abs(s[2] - 17.0 / 7) < 1e-12);
    const std::vector<double> ys{3, -1, 4, 1, 5};
    QCOMPARE(smoothEma(ys, 0), ys);
    EmaSmoother one(0.9);   // the live path gives the same as the whole-series one
    const std::vector<double> whole = smoothEma(ys, 0.9);
    for (std::size_t i = 0; i < ys.size(); ++i)
        QCOMPARE(one.next(ys[i]), whole[i]);
    QCOMPARE(EmaSmoother(1.5).weight(), 0.999);
    QCOMPARE(EmaSmoother(-1).weight(), 0.0);
}

void TestCharts::emaPassesNonFiniteValuesThrough()
{
    const std::vector<double> s = smoothEma(std::vector<double>{1, kNaN, 3, INFINITY, 5}, 0.5);
    QCOMPARE(s[0], 1.0);
    QVERIFY(std::isnan(s[1]));
    QVERIFY(std::abs(s[2] - 7.0 / 3) < 1e-12);   // (0.25 + 1.5) / 0.75: as if the NaN were not there
    QVERIFY(std::isinf(s[3]));
    QVERIFY(std::abs(s[4] - 3.375 / 0.875) < 1e-12);   // (0.875 + 2.5) / (1 − 0.5³)
}

void TestCharts::axisRangesAndTicks()
{
    QCOMPARE(paddedRange(0, 10, false), (AxisRange{-0.5, 10.5}));
    QCOMPARE(paddedRange(2, 2, false), (AxisRange{1.8, 2.2}));
    QCOMPARE(paddedRange(0, 0, false), (AxisRange{-1, 1}));
    const AxisRange log = paddedRange(1, 100, true, 0.5);
    QVERIFY(std::abs(log.lo - 0.1) < 1e-12 && std::abs(log.hi - 1000) < 1e-9);
    QCOMPARE(niceTickInterval(100, 10), 10.0);
    QCOMPARE(niceTickInterval(100, 4), 50.0);
    QCOMPARE(niceTickInterval(0.7, 5), 0.2);

    // Fitted: widened to ticks, then padded; new data inside the ticks leaves it where it is.
    // 0.3..2.3 in at most 4 ticks: 0.5 → 0..2.5, whose own tick is 1 → 0..3.
    QCOMPARE(fittedRange(0.3, 2.3, false, 4), paddedRange(0, 3, false));
    QCOMPARE(fittedRange(0.05, 2.9, false, 4), paddedRange(0, 3, false));
    QCOMPARE(fittedRange(0, 1, false, 5), paddedRange(0, 1, false));
    QCOMPARE(fittedRange(-3.0000000001, 1, false, 6), paddedRange(-3, 1, false));   // a rounding error is no tick
    QCOMPARE(fittedRange(2, 2, false, 4), paddedRange(2, 2, false));
    // The axis's ticks are the step it was widened to, not one coarsened by the padding: 0.3..2.3 in
    // 2 ticks is 0..4 by 2 (the padded span, 4.4, would call for 5 and label only the 0).
    QCOMPARE(fittedRange(0.3, 2.3, false, 2), paddedRange(0, 4, false));
    QCOMPARE(shownTickInterval(fittedRange(0.3, 2.3, false, 2), 2), 2.0);
    QCOMPARE(shownTickInterval(fittedRange(0.05, 2.9, false, 4), 4), 1.0);
    const AxisRange logFit = fittedRange(0.03, 2.3, true, 4), logWant = paddedRange(0.02, 5, true);
    QVERIFY(std::abs(logFit.lo / logWant.lo - 1) < 1e-12 && std::abs(logFit.hi / logWant.hi - 1) < 1e-12);

    // A smoothed constant (CI's sanitizer run: an accuracy of 91/128 and its average a rounding
    // error below) is one value; ticks at its spread's step could not be counted.
    const double below = std::nextafter(0.7109375, 0.0);
    QVERIFY(isRoundingSpread(below, 0.7109375));
    QVERIFY(!isRoundingSpread(0.71, 0.7109375));
    QCOMPARE(fittedRange(below, 0.7109375, false, 4), paddedRange(below, below, false));
    QVERIFY(ticksCountable(fittedRange(below, 0.7109375, false, 4), 0.02));
    QVERIFY(!ticksCountable({0.7109375, 0.7109375 + 1e-15}, 1e-17));   // the step would not move a value
    QVERIFY(!ticksCountable({0, 1e6}, 1));                              // a million ticks
    QVERIFY(!ticksCountable({0, std::numeric_limits<double>::infinity()}, 1));
    QVERIFY(ticksCountable({0, 10}, 1));
}

void TestCharts::appendedPointsAreDrawnReducedAtTheNextTick()
{
    MetricChart chart;
    chart.resize(800, 400);
    chart.show();  // a hidden chart waits until it is shown (below)
    QVERIFY(QTest::qWaitForWindowExposed(&chart));
    chart.setSeries("loss", "loss", Qt::red, noise(100'000));
    chart.flush();
    const double plotWidth = chart.chart()->plotArea().width();
    QVERIFY(chart.drawnPoints("loss").size() > 100);
    QVERIFY(chart.drawnPoints("loss").size() <= 4 * std::max(plotWidth, 800.0) + 2);
    QCOMPARE(chart.xRange(), (AxisRange{0, 99'999}));

    chart.appendPoint("loss", QPointF(100'000, 7));
    QCOMPARE(chart.drawnPoints("loss").back().x(), 99'999.0);   // not yet: drawn at the next tick
    QTRY_COMPARE_WITH_TIMEOUT(chart.drawnPoints("loss").back(), QPointF(100'000, 7), 1000);
    QCOMPARE(chart.xRange().hi, 100'000.0);
    QVERIFY(chart.yRange().hi >= 7);

    // Hidden (a closed dock), it does no work until it is shown again (behind a tab: tst_studio_insight).
    chart.hide();
    chart.appendPoint("loss", QPointF(100'001, 8));
    QTest::qWait(200);
    QCOMPARE(chart.drawnPoints("loss").back().x(), 100'000.0);
    chart.show();
    QTRY_COMPARE_WITH_TIMEOUT(chart.drawnPoints("loss").back(), QPointF(100'001, 8), 1000);

    chart.appendPoint("new", QPointF(3, 1));   // an unknown key: a series of its own
    chart.flush();
    QCOMPARE(chart.keys(), (QStringList{"loss", "new"}));
    QCOMPARE(chart.drawnPoints("new").size(), 1);
    chart.removeSeries("loss");
    chart.flush();
    QCOMPARE(chart.keys(), QStringList{"new"});
    QVERIFY(!chart.line("loss"));
    QVERIFY(chart.drawnPoints("loss").isEmpty());
}

// A batch of live points (a worker's queued signal) is drawn as soon as it is all in, with no timer
// of the chart's own, when the last rebuild is old enough; points that come sooner wait for the
// next batch or, when none comes, for the timer.
void TestCharts::liveDataIsDrawnInTheWakeUpThatBroughtIt()
{
    MetricChart chart;
    chart.resize(600, 300);
    chart.setMinimumRedrawInterval(500);
    chart.show();
    QVERIFY(QTest::qWaitForWindowExposed(&chart));
    chart.setSeries("loss", "loss", Qt::red, {});
    chart.flush();
    QTest::qWait(600);
    // Posted events only: a timer cannot fire in sendPostedEvents().
    const auto handlePostedEvents = [] {
        for (int i = 0; i < 3; ++i)
            QCoreApplication::sendPostedEvents();
    };
    QMetaObject::invokeMethod(&chart, [&] {
        chart.appendPoint("loss", QPointF(1, 1));
        chart.appendPoint("loss", QPointF(2, 3));
    }, Qt::QueuedConnection);
    handlePostedEvents();
    QCOMPARE(chart.drawnPoints("loss").size(), 2);

    chart.appendPoint("loss", QPointF(3, 2));   // within the interval
    handlePostedEvents();
    QCOMPARE(chart.drawnPoints("loss").size(), 2);
    QTRY_COMPARE_WITH_TIMEOUT(chart.drawnPoints("loss").size(), 3, 2000);
}

// A live chart (x planned ahead, y inside its ticks) repaints only from the last point drawn to the
// last point, and what the screen then shows is what a whole repaint draws; a point out of the y
// range repaints all of it.
void TestCharts::appendingRepaintsOnlyTheNewPoints()
{
    QPalette light;
    light.setColor(QPalette::Base, Qt::white);
    light.setColor(QPalette::Text, Qt::black);
    MetricChart chart;
    chart.setPalette(light);
    chart.resize(600, 400);
    chart.setSmoothing(0.6);
    chart.setPlannedXRange(AxisRange{0, 1000});
    std::vector<QPointF> points = noise(1000);
    chart.setSeries("loss", "loss", Qt::red, std::span(points).first(400));
    chart.show();
    QVERIFY(QTest::qWaitForWindowExposed(&chart));
    QWidget* viewport = chart.findChild<MetricChartView*>()->viewport();
    struct PaintRects : QObject {
        QList<QRect> rects;
        bool eventFilter(QObject*, QEvent* e) override
        {
            if (e->type() == QEvent::Paint)
                rects.append(static_cast<QPaintEvent*>(e)->rect());
            return false;
        }
    } painted;
    viewport->installEventFilter(&painted);
    // Until the layout has settled (the axis labels take a step or two) and nothing repaints.
    for (int i = 0; i < 100; ++i) {
        painted.rects.clear();
        chart.flush();
        QTest::qWait(30);
        if (painted.rects.isEmpty())
            break;
    }
    QVERIFY(painted.rects.isEmpty());
    QCOMPARE(chart.xRange(), (AxisRange{0, 1000}));
    const auto screen = [&] { return chart.screen()->grabWindow(chart.winId()).toImage(); };   // as shown, not redrawn

    for (int from = 400; from < 600; from += 50) {
        chart.appendPoints("loss", std::span(points).subspan(std::size_t(from), 50));
        chart.flush();
        QTest::qWait(20);
    }
    QVERIFY(!painted.rects.isEmpty());
    // Points up to x 600 of the planned 1,000: the empty plot right of them is not repainted either,
    // nor anything outside the plot (the axis labels below and beside it).
    const MetricChartView* view = chart.findChild<MetricChartView*>();
    const QRect plot = view->mapFromScene(view->chart()->plotArea()).boundingRect().adjusted(-1, -1, 1, 1);
    for (const QRect& r : painted.rects) {
        QVERIFY2(r.left() > viewport->width() / 4 && r.right() < viewport->width() * 3 / 4,
                 qPrintable(QStringLiteral("repainted x %1 to %2").arg(r.left()).arg(r.right())));
        QVERIFY2(plot.contains(r), qPrintable(QStringLiteral("repainted y %1 to %2 of the plot's %3 to %4")
                                                  .arg(r.top()).arg(r.bottom()).arg(plot.top()).arg(plot.bottom())));
    }
    const QImage incremental = screen();
    viewport->update();
    QTest::qWait(50);
    // Antialiasing a polyline cut at another point rounds a pixel or two a level differently.
    const QImage full = screen();
    int differing = 0, worst = 0;
    for (int y = 0; y < full.height(); ++y)
        for (int x = 0; x < full.width(); ++x) {
            const QColor a = full.pixelColor(x, y), b = incremental.pixelColor(x, y);
            const int d = std::max({std::abs(a.red() - b.red()), std::abs(a.green() - b.green()),
                                    std::abs(a.blue() - b.blue())});
            differing += d > 0;
            worst = std::max(worst, d);
        }
    QVERIFY2(differing <= 20 && worst <= 8, qPrintable(QStringLiteral("%1 pixels differ, by up to %2").arg(differing).arg(worst)));

    painted.rects.clear();
    chart.appendPoint("loss", QPointF(600, 50));   // far above the y range: the axis moves
    chart.flush();
    QTest::qWait(20);
    QVERIFY(!painted.rects.isEmpty());
    QCOMPARE(painted.rects.back().left(), 0);

    // Without a plan, x grows with the data (it fits it) and every append repaints the whole plot.
    chart.setPlannedXRange(std::nullopt);
    chart.flush();
    QCOMPARE(chart.xRange(), (AxisRange{0, 600}));
}

// Charts side by side (the live charts dock) that take new points together are repainted in one
// paint of their window, and flushed to the screen once: not one paint per chart.
void TestCharts::liveChartsShareOneWindowPaint()
{
    QWidget window;
    auto* layout = new QVBoxLayout(&window);
    std::vector<MetricChart*> charts;
    const std::vector<QPointF> points = noise(1000);
    for (int i = 0; i < 3; ++i) {
        charts.push_back(new MetricChart);
        layout->addWidget(charts.back());
        charts.back()->setPlannedXRange(AxisRange{0, 1000});
        charts.back()->setSeries("loss", "loss", Qt::red, std::span(points).first(400));
    }
    window.resize(600, 700);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    struct Counter : QObject {
        int windowPaints = 0;   // the window's paint passes (QEvent::UpdateRequest), each flushed to the screen
        int viewportPaints = 0;
        bool eventFilter(QObject*, QEvent* e) override
        {
            windowPaints += e->type() == QEvent::UpdateRequest;
            viewportPaints += e->type() == QEvent::Paint;
            return false;
        }
    } counter;
    window.installEventFilter(&counter);
    for (MetricChart* chart : charts)
        chart->findChild<MetricChartView*>()->viewport()->installEventFilter(&counter);
    for (int i = 0; i < 100; ++i) {   // until the layout has settled and nothing repaints
        counter.windowPaints = 0;
        for (MetricChart* chart : charts)
            chart->flush();
        QTest::qWait(30);
        if (counter.windowPaints == 0)
            break;
    }
    QCOMPARE(counter.windowPaints, 0);
    for (int from = 400; from < 600; from += 50) {
        counter.windowPaints = counter.viewportPaints = 0;
        for (MetricChart* chart : charts) {
            chart->appendPoints("loss", std::span(points).subspan(std::size_t(from), 50));
            chart->flush();
        }
        QTest::qWait(30);
        QCOMPARE(counter.viewportPaints, 3);
        QCOMPARE(counter.windowPaints, 1);
    }
}

// A fitted y axis is the data widened to ticks, then padded: its labelled ticks are that step.
void TestCharts::yAxisEndsOnItsTicks()
{
    for (int height : {160, 300, 600}) {
        MetricChart chart;
        chart.resize(500, height);
        chart.setLegendVisible(false);
        chart.setSeries("loss", "loss", Qt::red, std::vector<QPointF>{{0, 2.3}, {1, 1.1}, {2, 0.3}});
        chart.show();
        QVERIFY(QTest::qWaitForWindowExposed(&chart));
        chart.flush();
        QValueAxis* y = nullptr;
        for (QAbstractAxis* a : chart.chart()->axes(Qt::Vertical))
            if (a->isVisible())
                y = qobject_cast<QValueAxis*>(a);
        QVERIFY(y);
        const AxisRange shown = chart.yRange();
        const double span = (shown.hi - shown.lo) / (1 + 2 * kAxisMargin), step = y->tickInterval();
        const double lo = shown.lo + kAxisMargin * span, hi = shown.hi - kAxisMargin * span;
        const auto onTick = [step](double v) { return std::abs(v / step - std::round(v / step)) < 1e-9; };
        QVERIFY2(onTick(lo) && onTick(hi) && (hi - lo) / step >= 2,
                 qPrintable(QStringLiteral("height %1: %2..%3 by %4").arg(height).arg(lo).arg(hi).arg(step)));
        QVERIFY(lo <= 0.3 && hi >= 2.3);
    }
}

// Values a rounding error apart (a smoothed constant) get an axis around their value, with ticks
// Qt Charts can lay out (before: a step of 1e-17 that never moved a label, and memory filled).
void TestCharts::aRoundingSpreadIsOneValue()
{
    MetricChart chart;
    chart.resize(500, 300);
    const double a = 0.7109375, b = std::nextafter(a, 0.0);
    chart.setSeries("accuracy", "accuracy", Qt::blue, std::vector<QPointF>{{0, a}, {1, b}, {2, a}, {3, b}});
    chart.show();
    QVERIFY(QTest::qWaitForWindowExposed(&chart));
    chart.flush();
    QTest::qWait(50);   // the axes lay their labels out
    const QValueAxis* y = nullptr;
    for (QAbstractAxis* axis : chart.chart()->axes(Qt::Vertical))
        if (axis->isVisible())
            y = qobject_cast<QValueAxis*>(axis);
    QVERIFY(y);
    const AxisRange shown = chart.yRange();
    QVERIFY2(ticksCountable(shown, y->tickInterval()),
             qPrintable(QStringLiteral("%1..%2 by %3").arg(shown.lo, 0, 'g', 17).arg(shown.hi, 0, 'g', 17).arg(y->tickInterval())));
    QVERIFY(shown.lo < b && shown.hi > a && shown.hi - shown.lo > 0.1);
}

void TestCharts::smoothingKeepsTheRawCurve()
{
    MetricChart chart;
    chart.resize(800, 400);
    chart.setSeries("a", "a", Qt::blue, std::vector<QPointF>{{0, 1}, {1, 2}, {2, 3}});
    chart.flush();
    using Part = MetricChart::Part;
    QCOMPARE(chart.drawnPoints("a", Part::Raw).size(), 0);   // smoothing 0: the full-colour curve is the raw one
    QCOMPARE(chart.drawnPoints("a").at(2), QPointF(2, 3));
    chart.setSmoothing(0.5);
    chart.flush();
    QCOMPARE(chart.drawnPoints("a", Part::Raw).size(), 3);
    QCOMPARE(chart.drawnPoints("a", Part::Raw).at(2), QPointF(2, 3));
    QVERIFY(std::abs(chart.drawnPoints("a").at(2).y() - 17.0 / 7) < 1e-12);
    QVERIFY(chart.rawLine("a")->pen().color().alpha() < 100);   // the legend's pens: faint, full
    QCOMPARE(chart.line("a")->pen().color(), QColor(Qt::blue));
    chart.appendPoint("a", QPointF(3, kNaN));   // passes through: not drawn, the average unchanged
    chart.appendPoint("a", QPointF(4, 4));
    chart.flush();
    QCOMPARE(chart.drawnPoints("a").size(), 4);
    QVERIFY(std::abs(chart.drawnPoints("a").at(3).y() - smoothEma(std::vector<double>{1, 2, 3, 4}, 0.5)[3]) < 1e-12);
}

void TestCharts::logScaleSkipsValuesItCannotShow()
{
    MetricChart chart;
    chart.resize(600, 400);
    chart.setSeries("lr", "lr", Qt::green, std::vector<QPointF>{{0, -1}, {1, 0}, {2, 0.01}, {3, kNaN}, {4, 10}});
    chart.setSeries("zero", "zero", Qt::gray, std::vector<QPointF>{{0, 0}, {1, -5}});
    chart.setLogScale(true);
    chart.flush();
    QCOMPARE(chart.drawnPoints("lr").size(), 2);
    QCOMPARE(chart.drawnPoints("zero").size(), 0);
    QVERIFY(chart.yRange().lo > 0 && chart.yRange().lo < 0.01);
    QVERIFY(chart.yRange().hi > 10);
    chart.setSmoothing(0.6);
    chart.flush();
    for (const QPointF& p : chart.drawnPoints("lr"))
        QVERIFY(p.y() > 0);
    chart.show();   // draws the log axis for real
    QVERIFY(QTest::qWaitForWindowExposed(&chart));
    QVERIFY(!chart.grab().isNull());
    chart.setLogScale(false);
    chart.flush();
    QCOMPARE(chart.drawnPoints("lr", MetricChart::Part::Raw).size(), 4);
    QVERIFY(chart.yRange().lo < -1);
}

void TestCharts::emptyAndNanSeriesShowThePlaceholder()
{
    MetricChart chart;
    chart.resize(400, 300);
    chart.flush();
    QVERIFY(!chart.hasDrawablePoints());
    QVERIFY(placeholder(chart) && placeholder(chart)->isVisible());
    QCOMPARE(placeholder(chart)->text(), QString("No data yet"));
    chart.setPlaceholderText("Waiting for step 1");
    QCOMPARE(placeholder(chart)->text(), QString("Waiting for step 1"));
    chart.setSeries("nan", "nan", Qt::red, std::vector<QPointF>{{0, kNaN}, {1, kNaN}, {kNaN, 1}});
    chart.setSeries("none", "none", Qt::blue, {});
    chart.setSmoothing(0.9);
    chart.flush();
    QVERIFY(!chart.hasDrawablePoints());
    QVERIFY(placeholder(chart)->isVisible());
    QVERIFY(!chart.grab().isNull());
    chart.appendPoint("none", QPointF(1, 1));
    chart.flush();
    QVERIFY(chart.hasDrawablePoints());
    QVERIFY(!placeholder(chart)->isVisible());
    chart.setSeriesVisible("none", false);
    chart.flush();
    QVERIFY(placeholder(chart)->isVisible());
}

void TestCharts::bandsDrawMeanAndArea()
{
    MetricChart chart;
    chart.resize(600, 400);
    const std::vector<double> xs{0, 1, 2, 3}, mean{1, 2, 3, 4}, lo{0.5, -1, 2.5, 3}, hi{2, 3, 3.5, 9};
    chart.setBand("seeds", "lr 0.1 (3 seeds)", Qt::magenta, xs, mean, lo, hi);
    chart.flush();
    using Part = MetricChart::Part;
    QCOMPARE(chart.drawnPoints("seeds").size(), 4);
    QVERIFY(chart.drawnPoints("seeds", Part::Raw).isEmpty());
    QVERIFY(!chart.rawLine("seeds"));
    QAreaSeries* area = nullptr;   // the legend's entry
    for (QAbstractSeries* s : chart.chart()->series())
        if (auto* a = qobject_cast<QAreaSeries*>(s))
            area = a;
    QVERIFY(area);
    QCOMPARE(area->name(), QString("lr 0.1 (3 seeds)"));
    QCOMPARE(chart.drawnPoints("seeds", Part::Upper).size(), 4);
    QCOMPARE(chart.drawnPoints("seeds", Part::Lower).at(1), QPointF(1, -1));
    QVERIFY(chart.yRange().lo < -1 && chart.yRange().hi > 9);
    chart.setLogScale(true);   // the lower bound's -1 is skipped
    chart.flush();
    QCOMPARE(chart.drawnPoints("seeds", Part::Lower).size(), 3);
    chart.setSeries("seeds", "now a series", Qt::black, std::vector<QPointF>{{0, 1}});
    chart.flush();
    QCOMPARE(chart.chart()->series().size(), 2);   // the band's area and mean are gone
    QVERIFY(chart.rawLine("seeds"));
}

void TestCharts::curvesAreDrawnByTheCurveItem()
{
    QPalette light;
    light.setColor(QPalette::Base, Qt::white);
    light.setColor(QPalette::Text, Qt::black);
    MetricChart chart;
    chart.setPalette(light);
    chart.resize(600, 400);
    chart.setLegendVisible(false);   // only the curves are red or green
    chart.setSeries("red", "red", QColor(255, 0, 0), noise(5000));
    const std::vector<double> xs{0, 2500, 4999}, mean{-2.5, -2.4, -2.5}, lo{-3, -3, -3}, hi{-2, -2, -2};
    chart.setBand("green", "green", QColor(0, 160, 0), xs, mean, lo, hi);
    chart.show();
    QVERIFY(QTest::qWaitForWindowExposed(&chart));
    chart.flush();
    const QImage sharp = chart.grab().toImage();
    chart.setSmoothing(0.6);
    chart.flush();
    for (QAbstractSeries* s : chart.chart()->series())   // Qt Charts holds and paints nothing
        if (auto* xy = qobject_cast<QXYSeries*>(s))
            QCOMPARE(xy->count(), 0);
    QImage image = chart.grab().toImage();
    QVERIFY(count(image, red) > 400);                         // the smoothed curve
    QVERIFY(count(image, faintRed) > 4 * count(sharp, faintRed));   // the raw one, faint behind it
    QVERIFY(count(image, green) > 300);                       // the band's mean
    QVERIFY(count(image, areaGreen) > 5000);                  // and its area

    // Zoomed in, the curves run past the plot area's sides and stop at them.
    chart.setXRange(1000, 2000);
    image = chart.grab().toImage();
    auto* view = chart.findChild<MetricChartView*>();
    const QRectF plotInScene = chart.chart()->mapRectToScene(chart.chart()->plotArea());
    const QPoint topLeft = view->viewport()->mapTo(&chart, view->mapFromScene(plotInScene.topLeft()));
    const QPoint bottomRight = view->viewport()->mapTo(&chart, view->mapFromScene(plotInScene.bottomRight()));
    const QRect left(0, 0, topLeft.x() - 2, image.height()), right(bottomRight.x() + 3, 0, image.width(), image.height());
    QVERIFY(count(image, areaGreen, QRect(topLeft, bottomRight)) > 5000);
    for (const QRect& outside : {left, right}) {
        QCOMPARE(count(image, areaGreen, outside), 0);
        QCOMPARE(count(image, red, outside), 0);
        QCOMPARE(count(image, green, outside), 0);
    }

    chart.setSeriesVisible("red", false);
    image = chart.grab().toImage();   // hidden at once, not at the next tick
    QCOMPARE(count(image, red), 0);
    chart.removeSeries("green");
    image = chart.grab().toImage();
    QCOMPARE(count(image, green), 0);
    QCOMPARE(count(image, areaGreen), 0);
}

void TestCharts::seriesHoldTheDrawnPointsOnceAsked()
{
    MetricChart chart;
    chart.resize(800, 400);
    chart.setSeries("s", "s", Qt::red, noise(10'000));
    chart.setSmoothing(0.6);
    chart.flush();
    QLineSeries* line = chart.line("s");
    QLineSeries* raw = chart.rawLine("s");
    QCOMPARE(line->points(), chart.drawnPoints("s"));
    QCOMPARE(raw->points(), chart.drawnPoints("s", MetricChart::Part::Raw));
    chart.appendPoint("s", QPointF(10'000, 5));   // kept fed from then on
    chart.flush();
    QCOMPARE(line->points().back(), chart.drawnPoints("s").back());
    QCOMPARE(raw->points().back(), QPointF(10'000, 5));

    const std::vector<double> xs{0, 1}, mean{1, 2}, lo{0, 1}, hi{2, 3};
    chart.setBand("b", "b", Qt::blue, xs, mean, lo, hi);
    chart.flush();
    QCOMPARE(chart.line("b")->points(), chart.drawnPoints("b"));
    for (QAbstractSeries* s : chart.chart()->series())
        if (auto* area = qobject_cast<QAreaSeries*>(s)) {
            QCOMPARE(area->lowerSeries()->points(), chart.drawnPoints("b", MetricChart::Part::Lower));
            QCOMPARE(area->upperSeries()->points(), chart.drawnPoints("b", MetricChart::Part::Upper));
        }
}

void TestCharts::zoomAndResetZoom()
{
    MetricChart chart;
    chart.resize(800, 400);
    std::vector<QPointF> p;
    for (int i = 0; i <= 1000; ++i)
        p.emplace_back(i, i);
    chart.setSeries("y=x", "y = x", Qt::red, p);
    chart.flush();
    const AxisRange full = chart.xRange();
    QCOMPARE(full, (AxisRange{0, 1000}));
    QCOMPARE(chart.yRange(), paddedRange(0, 1000, false));
    chart.setXRange(100, 200);
    QVERIFY(chart.isZoomed());
    QCOMPARE(chart.xRange(), (AxisRange{100, 200}));
    QVERIFY(chart.yRange().lo > 90 && chart.yRange().hi < 210);   // y fits what is visible
    QCOMPARE(chart.drawnPoints("y=x").at(0), QPointF(99, 99));    // the line reaches the edges
    chart.appendPoint("y=x", QPointF(2000, 2000));                // a zoomed chart stays where it is
    chart.flush();
    QCOMPARE(chart.xRange(), (AxisRange{100, 200}));
    chart.resetZoom();
    QVERIFY(!chart.isZoomed());
    QCOMPARE(chart.xRange(), (AxisRange{0, 2000}));
    QCOMPARE(chart.yRange(), paddedRange(0, 2000, false));
}

void TestCharts::mouseZoomsAndDoubleClickFits()
{
    MetricChart chart;
    chart.resize(800, 400);
    chart.setSeries("s", "s", Qt::red, noise(5000));
    chart.show();
    QVERIFY(QTest::qWaitForWindowExposed(&chart));
    chart.flush();
    auto* view = chart.findChild<MetricChartView*>();
    QVERIFY(view);
    QSignalSpy zoomed(&chart, &MetricChart::zoomedByUser);
    const QPoint centre = view->mapFromScene(chart.chart()->mapToScene(chart.chart()->plotArea().center()));

    QWheelEvent wheel(centre, view->viewport()->mapToGlobal(centre), QPoint(), QPoint(0, 120), Qt::NoButton,
                      Qt::NoModifier, Qt::NoScrollPhase, false);
    QApplication::sendEvent(view->viewport(), &wheel);
    QVERIFY(chart.isZoomed());
    QCOMPARE(zoomed.size(), 1);
    QVERIFY(chart.xRange().hi - chart.xRange().lo < 4999 / 1.2);
    const double zoomedLo = chart.xRange().lo;

    QTest::mousePress(view->viewport(), Qt::MiddleButton, {}, centre);   // pan: the content follows the mouse
    QTest::mouseMove(view->viewport(), centre + QPoint(100, 0));
    QTest::mouseRelease(view->viewport(), Qt::MiddleButton, {}, centre + QPoint(100, 0));
    QVERIFY(chart.xRange().lo < zoomedLo);

    QTest::mouseMove(view->viewport(), centre + QPoint(3, 2));   // the tooltip's nearest-point search

    QTest::mouseDClick(view->viewport(), Qt::LeftButton, {}, centre);
    QVERIFY(!chart.isZoomed());
    QCOMPARE(chart.xRange(), (AxisRange{0, 4999}));
    QCOMPARE(zoomed.last().at(0).toBool(), false);

    const AxisRange fittedY = chart.yRange();   // a rubber band zooms x and y
    QTest::mousePress(view->viewport(), Qt::LeftButton, {}, centre - QPoint(100, 40));
    QTest::mouseMove(view->viewport(), centre + QPoint(100, 40));
    QTest::mouseRelease(view->viewport(), Qt::LeftButton, {}, centre + QPoint(100, 40));
    QVERIFY(chart.isZoomed());
    QVERIFY(chart.xRange().lo > 0 && chart.xRange().hi < 4999);
    QVERIFY(chart.yRange().lo > fittedY.lo && chart.yRange().hi < fittedY.hi);
    chart.resetZoom();
    QCOMPARE(chart.yRange(), fittedY);
}

void TestCharts::exportsPngAndSvg()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    MetricChart chart;
    chart.resize(640, 360);
    chart.setTitle("loss");
    chart.setXTitle("step");
    chart.setYTitle("cross-entropy");
    chart.setSeries("a", "run 1", Qt::red, noise(20'000));
    chart.setSmoothing(0.6);
    const QString png = dir.filePath("chart.png"), svg = dir.filePath("chart.svg");
    const QString early = dir.filePath("early.svg");   // before it was ever shown or laid out
    QVERIFY(chart.saveSvg(early, QSize(300, 200)));
    chart.show();
    QVERIFY(QTest::qWaitForWindowExposed(&chart));
    const QSizeF before = chart.chart()->size();
    QVERIFY(chart.savePng(png, QSize(1200, 700)));
    const QImage image(png);
    QCOMPARE(image.size(), QSize(1200, 700));
    int red = 0;   // the curve is in the picture
    for (int y = 0; y < image.height(); ++y)
        for (int x = 0; x < image.width(); ++x)
            red += qRed(image.pixel(x, y)) > 200 && qGreen(image.pixel(x, y)) < 80;
    QVERIFY(red > 1000);
    QVERIFY(chart.saveSvg(svg));
    QFile file(svg);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QByteArray text = file.readAll();
    QVERIFY(text.contains("<svg"));
    QVERIFY(text.contains("<path") || text.contains("<polyline"));
    QVERIFY(!chart.savePng(dir.filePath("no/such/folder/chart.png")));
    QCOMPARE(chart.chart()->size(), before);   // export leaves the widget as it was
}

void TestCharts::followsThePalette()
{
    MetricChart chart;
    QPalette dark;
    dark.setColor(QPalette::Base, QColor(30, 30, 30));
    dark.setColor(QPalette::Text, QColor(230, 230, 230));
    chart.setPalette(dark);
    QCOMPARE(chart.chart()->backgroundBrush().color(), QColor(30, 30, 30));
    for (QAbstractAxis* axis : chart.chart()->axes())
        QCOMPARE(axis->labelsBrush().color(), QColor(230, 230, 230));
    // Grid and axis lines are opaque, as faint as a translucent line would show on the background
    // (Qt's raster engine hands the blending of a long translucent line to its thread pool, which
    // wakes threads beside a training run); cosmetic, one pixel wide.
    for (QAbstractAxis* axis : chart.chart()->axes()) {
        QCOMPARE(axis->gridLinePen().color(), QColor(30 + (200 * 40 + 127) / 255, 30 + (200 * 40 + 127) / 255,
                                                     30 + (200 * 40 + 127) / 255));
        QCOMPARE(axis->gridLinePen().widthF(), 0.0);
        QCOMPARE(axis->linePen().color().alpha(), 255);
    }
    chart.setLogScale(true);   // a new axis takes the palette too
    for (QAbstractAxis* axis : chart.chart()->axes())
        QCOMPARE(axis->labelsBrush().color(), QColor(230, 230, 230));
}

QTEST_MAIN(TestCharts)
#include "tst_charts.moc"
