// MetricChart's cost as a live training run and a comparison of runs see it (a benchmark, never a
// test): 20 series of 10,000 points set and drawn, then one point appended to each of the 20 and
// drawn again, with smoothing off and on; and the same with 100,000 points, where the per-pixel
// reduction matters; and a live run's chart at 10,000 to 1,000,000 steps, rebuilt after each
// batch of 16 new steps (its reduction carried on, not redone). "Drawn" is a synchronous grab() of the whole widget, as a repaint would.
// The rebuild (flush) is the per-pixel reduction of each changed curve; the drawing is the curve
// item's polylines (1-pixel antialiased lines) with Qt Charts' axes, grid and legend.
// Runs offscreen when there is no display:  build/benchmarks/bench_charts
#include "widgets/charts/MetricChart.h"
#include "widgets/charts/SeriesReduction.h"

#include <QApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QRegularExpression>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <vector>

namespace {

double median(std::vector<double> v)
{
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

QString cpuModel()
{
    QFile file("/proc/cpuinfo");
    if (!file.open(QIODevice::ReadOnly))
        return "unknown CPU";
    const auto match = QRegularExpression("model name\\s*:\\s*(.*)").match(QString::fromUtf8(file.readAll()));
    return match.hasMatch() ? match.captured(1).trimmed() : "unknown CPU";
}

// A loss-like curve: decaying, noisy, with a few spikes.
std::vector<QPointF> curve(int series, int n, int from = 0)
{
    std::vector<QPointF> p;
    p.reserve(n);
    for (int i = from; i < from + n; ++i) {
        const double noise = std::sin(i * 12.9898 + series * 78.233) * 0.1;
        p.emplace_back(i, 2.5 * std::exp(-i / 3000.0) + 0.2 + noise + (i % 997 == 0 ? 1.0 : 0.0));
    }
    return p;
}

struct Figures {
    double setAndDraw, appendAndDraw, appendOnly, rebuildOnly;
};

Figures measure(int seriesCount, int points, double smoothing)
{
    MetricChart chart;
    chart.resize(1000, 600);
    chart.setSmoothing(smoothing);
    chart.show();
    QApplication::processEvents();
    std::vector<std::vector<QPointF>> data;
    for (int s = 0; s < seriesCount; ++s)
        data.push_back(curve(s, points));

    std::vector<double> sets;
    for (int rep = 0; rep < 7; ++rep) {
        chart.clear();
        chart.flush();
        QElapsedTimer t;
        t.start();
        for (int s = 0; s < seriesCount; ++s)
            chart.setSeries(QString("run %1").arg(s), QString("run %1").arg(s), QColor::fromHsv(s * 18, 200, 220),
                            data[s]);
        chart.flush();
        chart.grab();
        sets.push_back(t.nsecsElapsed() / 1e6);
    }

    std::vector<double> appends, appendOnly, rebuildOnly;
    for (int rep = 0; rep < 31; ++rep) {
        QElapsedTimer t;
        t.start();
        for (int s = 0; s < seriesCount; ++s)
            chart.appendPoint(QString("run %1").arg(s), curve(s, 1, points + rep).front());
        appendOnly.push_back(t.nsecsElapsed() / 1e6);
        chart.flush();
        rebuildOnly.push_back(t.nsecsElapsed() / 1e6 - appendOnly.back());
        chart.grab();
        appends.push_back(t.nsecsElapsed() / 1e6);
    }
    return {median(sets), median(appends), median(appendOnly), median(rebuildOnly)};
}

// A live run's chart: its x axis planned for the whole run (setPlannedXRange), `points` steps
// drawn so far, then batches of 16 new steps each rebuilt, as the live charts dock gets them.
double liveRebuild(int points, double smoothing)
{
    MetricChart chart;
    chart.resize(1000, 600);
    chart.setSmoothing(smoothing);
    chart.setPlannedXRange(AxisRange{0, 2.0 * points});
    chart.show();
    QApplication::processEvents();
    chart.setSeries("train", "train", Qt::blue, curve(0, points));
    chart.flush();
    std::vector<double> rebuilds;
    for (int rep = 0; rep < 31; ++rep) {
        const std::vector<QPointF> batch = curve(0, 16, points + 16 * rep);
        chart.appendPoints("train", batch);
        QElapsedTimer t;
        t.start();
        chart.flush();
        rebuilds.push_back(t.nsecsElapsed() / 1e6);
    }
    return median(rebuilds);
}

} // namespace

int main(int argc, char** argv)
{
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM") && qEnvironmentVariableIsEmpty("DISPLAY"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    std::printf("CPU: %s; Qt platform: %s; widget 1000 × 600\n", qPrintable(cpuModel()),
                qPrintable(QApplication::platformName()));
    const std::vector<QPointF> million = curve(0, 1'000'000);
    std::vector<double> reductions;
    for (int rep = 0; rep < 9; ++rep) {
        QElapsedTimer t;
        t.start();
        const QList<QPointF> reduced = reduceToPixelColumns(million, 0, 999'999, 1000);
        reductions.push_back(t.nsecsElapsed() / 1e6);
        if (reduced.isEmpty())
            return 1;
    }
    std::printf("reduceToPixelColumns, 1,000,000 points to 1000 columns: %.2f ms\n", median(reductions));
    for (int points : {10'000, 100'000})
        for (double smoothing : {0.0, 0.6}) {
            const Figures f = measure(20, points, smoothing);
            std::printf("20 series × %d points, smoothing %.1f: set all + draw %.1f ms; append 1 point to each + "
                        "draw %.1f ms (the appends %.3f ms, the rebuild %.1f ms, the rest drawing)\n",
                        points, smoothing, f.setAndDraw, f.appendAndDraw, f.appendOnly, f.rebuildOnly);
        }
    for (int points : {10'000, 100'000, 1'000'000})
        std::printf("a live chart at %d steps of a run planned for twice as many: 16 steps appended, rebuilt in "
                    "%.3f ms (smoothed: %.3f ms)\n", points, liveRebuild(points, 0), liveRebuild(points, 0.6));
    return 0;
}
