// app/studio/telemetry: the history's bound, the re-binning of histograms into one range, and the
// Telemetry dock fed with hand-made snapshots of a small CNN (conv2 with 70% dead units, fc1 with
// exploding updates): its rows, their verdict colours, a click on a row, selectNode scrolling to
// a row, the history halving past its bound, the feature maps.
// Needs OpenGL: run under xvfb-run with QT_QPA_PLATFORM=xcb (tests/CMakeLists.txt does). With
// NEURITE_TELEMETRY_PNG=path set, realisticRun() also saves what the dock looks like there (and
// the feature maps beside it, "-maps" added to the name).
#include "app/studio/telemetry/Distribution.h"
#include "app/studio/telemetry/TelemetryDock.h"
#include "app/studio/telemetry/TelemetryHistory.h"
#include "app/studio/telemetry/TelemetryStyle.h"
#include "app/studio/telemetry/TelemetryView.h"
#include "engine/train/LayerHealth.h"
#include "tests/GlTestMain.h"

#include <QApplication>
#include <QMouseEvent>
#include <QSignalSpy>
#include <QTest>
#include <cmath>

using namespace neurite;

namespace {

// [SECTION] A hand-made run: a small CNN on 28×28 images -----------------------------------------

// A histogram of `count` values with density `pdf` over [lo, hi].
template <class Pdf> TensorSummary summary(std::int64_t count, double lo, double hi, double mean, double std, Pdf pdf)
{
    TensorSummary s;
    s.count = count;
    s.mean = mean;
    s.std = std;
    s.min = lo;
    s.max = hi;
    s.norm = std::sqrt(double(count) * (mean * mean + std * std));
    s.histogram.lo = float(lo);
    s.histogram.hi = float(hi);
    double total = 0;
    std::array<double, kHistogramBins> w{};
    for (int b = 0; b < kHistogramBins; ++b)
        total += w[std::size_t(b)] = pdf(lo + (hi - lo) * (b + 0.5) / kHistogramBins);
    for (int b = 0; b < kHistogramBins; ++b)
        s.histogram.counts[std::size_t(b)] =
            std::uint32_t(std::lround(double(count) * w[std::size_t(b)] / std::max(total, 1e-300)));
    return s;
}

TensorSummary normal(std::int64_t count, double mean, double std)
{
    return summary(count, mean - 3.5 * std, mean + 3.5 * std, mean, std,
                   [&](double x) { return std::exp(-0.5 * std::pow((x - mean) / std, 2)); });
}

// After a ReLU: a share `zero` of exact zeros (the first bin) and a half-normal of scale `scale`.
TensorSummary relu(std::int64_t count, double scale, double zero)
{
    TensorSummary s = summary(count, 0.0, 3.2 * scale, 0.8 * scale * (1 - zero), 0.6 * scale,
                              [&](double x) { return std::exp(-0.5 * std::pow(x / scale, 2)); });
    const auto zeros = std::uint32_t(double(count) * zero);
    s.histogram.counts[0] += zeros;
    return s;
}

LayerTelemetry layer(const char* node, const char* type)
{
    LayerTelemetry l;
    l.node = node;
    l.type = type;
    return l;
}

// The snapshot at `step` of a run of `steps`: conv2's units die as it goes (70% at the end), fc1's
// updates grow until they explode (‖Δw‖/‖w‖ 0.35 at the end).
TelemetrySnapshot snapshot(std::int64_t step, std::int64_t steps = 1200)
{
    const double t = double(step) / double(steps); // 0 … 1 through the run
    TelemetrySnapshot s;
    s.step = step;
    s.epoch = int(step / 400) + 1;
    s.lr = 1e-3;
    LayerTelemetry in = layer("input", "Input");
    in.hasActivation = true;
    in.activation = normal(64 * 784, 0.0, 1.0);
    s.layers.push_back(in);

    LayerTelemetry conv1 = layer("conv1", "Conv2d");
    conv1.hasActivation = true;
    conv1.activationAfter = "relu1";
    conv1.activation = relu(64 * 16 * 784, 0.9 + 0.3 * t, 0.45);
    conv1.units = 16;
    conv1.deadUnits = 1;
    conv1.learned = true;
    conv1.weight = normal(16 * 9 + 16, 0.0, 0.33 + 0.05 * t);
    conv1.gradient = normal(16 * 9 + 16, 0.0, 2e-3 * (1.2 - 0.5 * t));
    conv1.updateRatio = 1.6e-3 * (1.1 - 0.4 * t) * (1 + 0.15 * std::sin(double(step) * 0.05));
    s.layers.push_back(conv1);

    LayerTelemetry relu1 = layer("relu1", "ReLU"); // computed inside conv1: nothing to show
    s.layers.push_back(relu1);

    LayerTelemetry pool1 = layer("pool1", "MaxPool2d");
    pool1.hasActivation = true;
    pool1.activation = relu(64 * 16 * 196, 1.2 + 0.3 * t, 0.2);
    s.layers.push_back(pool1);

    LayerTelemetry conv2 = layer("conv2", "Conv2d");
    const double dead = std::min(0.7, 0.05 + 0.9 * t);
    conv2.hasActivation = true;
    conv2.activationAfter = "relu2";
    conv2.activation = relu(64 * 32 * 196, 0.6, 0.3 + 0.6 * dead);
    conv2.units = 32;
    conv2.deadUnits = std::int64_t(std::lround(32 * dead));
    conv2.learned = true;
    conv2.weight = normal(32 * 16 * 9 + 32, -0.02 * t, 0.08);
    conv2.gradient = normal(32 * 16 * 9 + 32, 0.0, 8e-4 * (1 - 0.6 * t));
    conv2.updateRatio = 9e-4 * (1 - 0.5 * t);
    s.layers.push_back(conv2);

    LayerTelemetry pool2 = layer("pool2", "MaxPool2d");
    pool2.hasActivation = true;
    pool2.activation = relu(64 * 32 * 49, 0.7, 0.3 + 0.6 * dead);
    s.layers.push_back(pool2);

    LayerTelemetry fc1 = layer("fc1", "Linear");
    const double blow = std::exp(6.0 * t) / std::exp(6.0); // 0.0025 … 1
    fc1.hasActivation = true;
    fc1.activationAfter = "relu3";
    fc1.activation = relu(64 * 128, 1.0 + 40 * blow, 0.3);
    fc1.units = 128;
    fc1.deadUnits = 12;
    fc1.learned = true;
    fc1.weight = normal(1568 * 128 + 128, 0.0, 0.03 + 0.4 * blow);
    fc1.gradient = normal(1568 * 128 + 128, 0.0, 1e-3 + 0.2 * blow);
    fc1.updateRatio = 2e-3 + 0.35 * blow;
    s.layers.push_back(fc1);

    LayerTelemetry fc2 = layer("fc2", "Linear");
    fc2.hasActivation = true;
    fc2.activation = normal(64 * 10, 0.1, 2.0 + 3 * blow);
    fc2.learned = true;
    fc2.weight = normal(128 * 10 + 10, 0.0, 0.09);
    fc2.gradient = normal(128 * 10 + 10, 0.0, 4e-3);
    fc2.updateRatio = 1.1e-3;
    s.layers.push_back(fc2);
    return s;
}

// A "7" on 28×28, then conv1 as oriented edge filters of it (ReLU), conv2 mixing pooled conv1
// channels, 70% of them dead (all zero).
FeatureMaps featureMaps(std::int64_t step)
{
    FeatureMaps m;
    m.step = step;
    m.sampleLabel = 7;
    m.inputChannels = 1;
    m.inputHeight = m.inputWidth = 28;
    m.input.assign(784, -0.42f);
    const auto ink = [&](double x, double y) {
        for (int dy = -1; dy <= 1; ++dy)
            for (int dx = -1; dx <= 1; ++dx) {
                const int px = int(x) + dx, py = int(y) + dy;
                if (px >= 0 && px < 28 && py >= 0 && py < 28)
                    m.input[std::size_t(py * 28 + px)] = 2.8f;
            }
    };
    for (double x = 7; x <= 21; x += 0.25)
        ink(x, 6);
    for (double u = 0; u <= 1; u += 0.01)
        ink(21 - 9 * u, 6 + 16 * u);
    const auto at = [&](const std::vector<float>& img, int w, int x, int y) {
        x = std::clamp(x, 0, w - 1);
        y = std::clamp(y, 0, w - 1);
        return img[std::size_t(y * w + x)];
    };
    FeatureMapLayer conv1{"conv1", "Conv2d", "relu1", 16, 28, 28, {}};
    for (int c = 0; c < 16; ++c) {
        const double angle = M_PI * c / 8.0, ca = std::cos(angle), sa = std::sin(angle);
        for (int y = 0; y < 28; ++y)
            for (int x = 0; x < 28; ++x) {
                double v = 0;
                for (int dy = -1; dy <= 1; ++dy)
                    for (int dx = -1; dx <= 1; ++dx)
                        v += (dx * ca + dy * sa) * at(m.input, 28, x + dx, y + dy);
                v = v * (c % 3 == 0 ? -1 : 1) + 0.1 * (c % 5);
                conv1.values.push_back(float(std::max(0.0, v)));
            }
    }
    FeatureMapLayer conv2{"conv2", "Conv2d", "relu2", 32, 14, 14, {}};
    for (int c = 0; c < 32; ++c)
        for (int y = 0; y < 14; ++y)
            for (int x = 0; x < 14; ++x) {
                const bool deadUnit = c % 10 < 7;
                const auto pooled = [&](int k) {
                    const float* p = conv1.values.data() + std::size_t(k % 16) * 784;
                    return std::max({p[(2 * y) * 28 + 2 * x], p[(2 * y) * 28 + 2 * x + 1], p[(2 * y + 1) * 28 + 2 * x],
                                     p[(2 * y + 1) * 28 + 2 * x + 1]});
                };
                const float v = pooled(c) - 0.6f * pooled(c + 5) + 0.3f * pooled(c + 11) - 0.2f;
                conv2.values.push_back(deadUnit ? 0.0f : std::max(0.0f, v));
            }
    m.layers = {conv1, conv2};
    return m;
}

// [SECTION] Driving the dock --------------------------------------------------------------------

void settle(ImGuiHost& host)
{
    qint64 frames = -1;
    for (int i = 0; i < 100 && frames != host.framesDrawn(); ++i) {
        frames = host.framesDrawn();
        QTest::qWait(60);
    }
}

void click(QWidget* w, QPointF at)
{
    QMouseEvent press(QEvent::MouseButtonPress, at, w->mapToGlobal(at), Qt::LeftButton, Qt::LeftButton, Qt::NoModifier);
    QMouseEvent release(QEvent::MouseButtonRelease, at, w->mapToGlobal(at), Qt::LeftButton, Qt::NoButton,
                        Qt::NoModifier);
    QCoreApplication::sendEvent(w, &press);
    QCoreApplication::sendEvent(w, &release);
}

void move(QWidget* w, QPointF at)
{
    QMouseEvent e(QEvent::MouseMove, at, w->mapToGlobal(at), Qt::NoButton, Qt::NoButton, Qt::NoModifier);
    QCoreApplication::sendEvent(w, &e);
}

bool showDock(TelemetryDock& dock, QSize size)
{
    dock.resize(size);
    dock.show();
    if (!QTest::qWaitForWindowExposed(&dock))
        return false;
    settle(*dock.view());
    return dock.view()->framesDrawn() > 0;
}

// Pixels in `area` (widget pixels) near `colour` (each channel within 30).
int pixelsLike(const QImage& image, QColor colour, QRectF area, qreal ratio)
{
    const QRect r = QRect(int(area.left() * ratio), int(area.top() * ratio), int(area.width() * ratio),
                          int(area.height() * ratio)) &
                    image.rect();
    int n = 0;
    for (int y = r.top(); y <= r.bottom(); ++y)
        for (int x = r.left(); x <= r.right(); ++x) {
            const QColor c = image.pixelColor(x, y);
            n += std::abs(c.red() - colour.red()) < 30 && std::abs(c.green() - colour.green()) < 30 &&
                 std::abs(c.blue() - colour.blue()) < 30;
        }
    return n;
}

QColor qcolour(ImVec4 c)
{
    return QColor::fromRgbF(c.x, c.y, c.z);
}

} // namespace

// [SECTION] Tests --------------------------------------------------------------------------------

class TestTelemetryDock : public QObject {
    Q_OBJECT
private slots:
    void historyHalvesAndKeepsTheNewest()
    {
        TelemetryHistory h(10);
        for (int i = 1; i <= 11; ++i) {
            TelemetrySnapshot s;
            s.step = i;
            h.add(s);
        }
        // 11 > 10: every other one kept (steps 1, 3, … 11), evenly spaced.
        QCOMPARE(h.stride(), 2);
        QCOMPARE(int(h.snapshots().size()), 6);
        for (std::size_t i = 0; i < h.snapshots().size(); ++i)
            QCOMPARE(h.snapshots()[i].step, std::int64_t(1 + 2 * i));
        // From now on every 2nd arrival is kept, but the newest is always last.
        TelemetrySnapshot s;
        s.step = 12;
        h.add(s);
        QCOMPARE(h.latest()->step, 12);
        QCOMPARE(int(h.snapshots().size()), 7);
        s.step = 13;
        h.add(s);
        QCOMPARE(h.latest()->step, 13);
        QCOMPARE(int(h.snapshots().size()), 7); // 12 was only there for being the newest
        QCOMPARE(h.snapshots()[5].step, 11);
        const auto before = h.generation();
        h.clear();
        QVERIFY(h.empty() && h.stride() == 1 && h.generation() != before);
    }

    void distributionsShareOneRange()
    {
        // Two snapshots: all values in [0, 1], then all in [2, 4]; one range [0, 4] for both.
        TensorSummary a, b;
        a.count = b.count = 100;
        a.histogram.lo = 0;
        a.histogram.hi = 1;
        a.histogram.counts.fill(0);
        a.histogram.counts[0] = 100; // [0, 1/32)
        b.histogram.lo = 2;
        b.histogram.hi = 4;
        b.histogram.counts.fill(0);
        b.histogram.counts[31] = 60;                                             // [3.9375, 4]
        b.histogram.counts[16] = 40;                                             // [3, 3.0625)
        const Distribution d = distributionOverTime({&a, &b}, {10, 20}, 100, 8); // bins of 0.5
        QCOMPARE(d.columns, 2);
        QCOMPARE(d.lo, 0.0);
        QCOMPARE(d.hi, 4.0);
        QCOMPARE(d.at(0, 0), 1.0f);
        QCOMPARE(d.at(1, 7), 0.6f);
        QCOMPARE(d.at(1, 6), 0.4f);
        // A bin that straddles two common bins is split by overlap.
        TensorSummary c;
        c.count = 32;
        c.histogram.lo = 0;
        c.histogram.hi = 32;
        c.histogram.counts.fill(1);
        const Distribution e = distributionOverTime({&c}, {1}, 10, 5); // bins of 6.4
        float total = 0;
        for (int bin = 0; bin < 5; ++bin) {
            QVERIFY(std::abs(e.at(0, bin) - 0.2f) < 1e-5f);
            total += e.at(0, bin);
        }
        QVERIFY(std::abs(total - 1.0f) < 1e-5f);
        // More snapshots than columns: they share columns; a missing tensor leaves a column empty.
        const Distribution f = distributionOverTime({&a, &a, nullptr, nullptr}, {1, 2, 3, 4}, 2, 4);
        QCOMPARE(f.firstStep[0], 1);
        QCOMPARE(f.lastStep[1], 4);
        QVERIFY(!f.empty[0] && f.empty[1]);
    }

    void emptyStateThenRows()
    {
        TelemetryDock dock;
        QVERIFY(showDock(dock, {1000, 480}));
        QVERIFY(dock.view()->rowNodes().isEmpty());
        // The empty state says what to do: text in the middle of the dock.
        const QImage empty = dock.view()->grabFramebuffer();
        const QColor bg = dock.view()->palette().color(QPalette::Window);
        const qreal ratio = dock.view()->devicePixelRatioF();
        QVERIFY(pixelsLike(empty, bg, QRectF(0, 0, 1000, 480), ratio) < int(1000 * 480 * ratio * ratio));
        QVERIFY(pixelsLike(empty, dock.view()->palette().color(QPalette::WindowText), QRectF(0, 150, 1000, 180),
                           ratio) > 100);
        if (const QString png = qEnvironmentVariable("NEURITE_TELEMETRY_PNG"); !png.isEmpty())
            QVERIFY(empty.save(QString(png).replace(QLatin1String(".png"), QLatin1String("-empty.png"))));
        dock.addSnapshot(snapshot(10));
        settle(*dock.view());
        // Not the input, not relu1 (computed inside conv1, no weights): the rest, in order.
        QCOMPARE(dock.view()->rowNodes(), QStringList({"conv1", "pool1", "conv2", "pool2", "fc1", "fc2"}));
        QVERIFY(!dock.view()->isAnimating());
        dock.setLive(true);
        QVERIFY(dock.view()->isAnimating());
        dock.setLive(false);
        dock.clear();
        settle(*dock.view());
        QVERIFY(dock.view()->rowNodes().isEmpty());
    }

    void clickingARowEmitsItsNode()
    {
        TelemetryDock dock;
        dock.addSnapshot(snapshot(10));
        QVERIFY(showDock(dock, {1000, 480}));
        QSignalSpy clicked(&dock, &TelemetryDock::nodeClicked);
        const QRectF row = dock.view()->rowRect(QStringLiteral("conv2"));
        QVERIFY(!row.isEmpty());
        QVERIFY(dock.view()->tableViewport().contains(row.center()));
        click(dock.view(), QPointF(row.left() + 20, row.center().y()));
        QTRY_COMPARE(clicked.count(), 1);
        QCOMPARE(clicked.at(0).at(0).toString(), QStringLiteral("conv2"));
        QCOMPARE(dock.view()->selectedNode(), QStringLiteral("conv2"));
        // Anywhere along the row counts, numbers included.
        click(dock.view(), QPointF(dock.view()->rowRect("fc1").center().x(), dock.view()->rowRect("fc1").center().y()));
        QTRY_COMPARE(clicked.count(), 2);
        QCOMPARE(clicked.at(1).at(0).toString(), QStringLiteral("fc1"));
    }

    void selectNodeScrollsToTheRow()
    {
        // Twenty layers in a short dock: the last rows start out of sight.
        TelemetrySnapshot s;
        s.step = 1;
        for (int i = 0; i < 20; ++i) {
            LayerTelemetry l = layer("", "Linear");
            l.node = "dense" + std::to_string(i);
            l.hasActivation = true;
            l.activation = normal(100, 0, 1);
            s.layers.push_back(l);
        }
        TelemetryDock dock;
        dock.addSnapshot(s);
        QVERIFY(showDock(dock, {900, 300}));
        TelemetryView* view = dock.view();
        QCOMPARE(view->rowNodes().size(), 20);
        const auto seen = [&](const char* node) { // within the rows' visible height
            const QRectF row = view->rowRect(node), port = view->tableViewport();
            return row.top() >= port.top() && row.bottom() <= port.bottom();
        };
        QVERIFY(!seen("dense18"));
        dock.selectNode(QStringLiteral("dense18"));
        settle(*view);
        QCOMPARE(view->selectedNode(), QStringLiteral("dense18"));
        QVERIFY2(seen("dense18"), qPrintable(QStringLiteral("row %1, viewport %2")
                                                 .arg(view->rowRect("dense18").top())
                                                 .arg(view->tableViewport().bottom())));
    }

    void historyHalvesPastItsBound()
    {
        TelemetryDock dock;
        for (int step = 1; step <= 2001; ++step)
            dock.addSnapshot(snapshot(step, 2001));
        const TelemetryHistory& h = dock.view()->history();
        QCOMPARE(int(h.snapshots().size()), 1001);
        QCOMPARE(h.stride(), 2);
        QCOMPARE(h.latest()->step, 2001);
        QCOMPARE(dock.view()->historyNote(), QStringLiteral("every 2nd snapshot kept"));
        QVERIFY(showDock(dock, {1000, 480}));
        QCOMPARE(dock.view()->rowNodes().size(), 6);
        // A finished run opened: the same bound.
        std::vector<TelemetrySnapshot> all;
        for (int step = 1; step <= 4001; ++step)
            all.push_back(snapshot(step, 4001));
        dock.setSnapshots(std::move(all));
        QCOMPARE(h.stride(), 4);
        QVERIFY(h.snapshots().size() <= h.bound());
        QCOMPARE(dock.view()->historyNote(), QStringLiteral("every 4th snapshot kept"));
    }

    void realisticRun()
    {
        TelemetryDock dock;
        dock.setRunTitle(QStringLiteral("Run 12 · cnn · live"));
        for (int step = 10; step <= 1200; step += 10)
            dock.addSnapshot(snapshot(step));
        dock.setFeatureMaps(featureMaps(1200));
        QVERIFY(showDock(dock, {1180, 500}));
        TelemetryView* view = dock.view();
        // The verdicts the data was made for, and their chips' colours in the rows.
        const TelemetrySnapshot last = snapshot(1200);
        QCOMPARE(judgeLayer(last.layers[4], "").health, LayerHealth::DeadUnits);
        QCOMPARE(judgeLayer(last.layers[6], "").health, LayerHealth::Exploding);
        QCOMPARE(judgeLayer(last.layers[1], "").health, LayerHealth::Healthy);
        const QImage image = view->grabFramebuffer();
        const qreal ratio = view->devicePixelRatioF();
        const auto chip = [&](const char* node, LayerHealth health) {
            return pixelsLike(image, qcolour(healthColourVec(health)), view->rowRect(node), ratio);
        };
        QVERIFY(chip("conv2", LayerHealth::DeadUnits) > 100);
        QVERIFY(chip("fc1", LayerHealth::Exploding) > 100);
        QVERIFY(chip("conv1", LayerHealth::Healthy) > 100);
        QCOMPARE(chip("conv1", LayerHealth::Exploding), 0);
        const QString png = qEnvironmentVariable("NEURITE_TELEMETRY_PNG");
        if (!png.isEmpty())
            QVERIFY(image.save(png));

        // Hovering fc1's distribution strip explains it in a tooltip (saved beside, to look at).
        const QRectF fc1 = view->rowRect("fc1");
        move(view, QPointF(fc1.right() - 60, fc1.center().y()));
        settle(*view);
        const QImage hover = view->grabFramebuffer();
        QVERIFY(hover != image);
        if (!png.isEmpty())
            QVERIFY(hover.save(QString(png).replace(QLatin1String(".png"), QLatin1String("-tooltip.png"))));
        move(view, QPointF(-1, -1));

        // Docked at the side, narrow: still every row.
        dock.resize(640, 420);
        settle(*view);
        QCOMPARE(view->rowNodes().size(), 6);
        if (!png.isEmpty())
            QVERIFY(view->grabFramebuffer().save(
                QString(png).replace(QLatin1String(".png"), QLatin1String("-narrow.png"))));
        dock.resize(1180, 500);
        settle(*view);

        // The other tensors' distributions draw as well.
        for (TensorKind kind : {TensorKind::Weights, TensorKind::Gradients}) {
            view->setTensor(kind);
            settle(*view);
            QCOMPARE(view->rowNodes().size(), 6);
        }

        // The feature maps: the tab shows them; the sample and 16 + 32 channels are drawn.
        view->showTab(TelemetryView::Tab::FeatureMaps);
        settle(*view);
        QVERIFY(view->rowNodes().isEmpty()); // the Layers tab is not drawn now
        const QImage maps = view->grabFramebuffer();
        QVERIFY(pixelsLike(maps, Qt::white, QRectF(0, 0, view->width(), view->height()), ratio) > 500);
        if (!png.isEmpty())
            QVERIFY(maps.save(QString(png).replace(QLatin1String(".png"), QLatin1String("-maps.png"))));

        // Live: redrawn continuously; how long a frame of this dock takes (for information).
        view->showTab(TelemetryView::Tab::Layers);
        dock.setLive(true);
        QTest::qWait(500);
        qInfo("a frame of this dock: %.2f ms", view->lastFrameMilliseconds());
        dock.setLive(false);
    }

    void nonFiniteValuesAreRed()
    {
        TelemetrySnapshot s = snapshot(600);
        s.firstNonFinite = "fc1";
        s.layers[6].activation.nonFinite = 40;
        TelemetryDock dock;
        dock.addSnapshot(s);
        QVERIFY(showDock(dock, {1180, 500}));
        TelemetryView* view = dock.view();
        QCOMPARE(judgeLayer(s.layers[6], s.firstNonFinite).health, LayerHealth::NonFinite);
        const QImage image = view->grabFramebuffer();
        const qreal ratio = view->devicePixelRatioF();
        const QColor red = qcolour(healthColourVec(LayerHealth::NonFinite));
        // The header's line names the layer in red; the layer's chip is red.
        const QRectF header(0, 0, view->width(), view->rowRect("conv1").top() - 40);
        QVERIFY(pixelsLike(image, red, header, ratio) > 50);
        QVERIFY(pixelsLike(image, red, view->rowRect("fc1"), ratio) > 100);
        QCOMPARE(pixelsLike(image, red, view->rowRect("conv1"), ratio), 0);
    }

    void followsADarkPalette()
    {
        TelemetryDock dock;
        for (int step = 10; step <= 1200; step += 10)
            dock.addSnapshot(snapshot(step));
        QPalette dark = dock.palette();
        dark.setColor(QPalette::Window, QColor(0x24, 0x26, 0x2B));
        dark.setColor(QPalette::WindowText, QColor(0xE6, 0xE6, 0xE6));
        dark.setColor(QPalette::Base, QColor(0x1B, 0x1D, 0x21));
        dark.setColor(QPalette::AlternateBase, QColor(0x20, 0x22, 0x26));
        dark.setColor(QPalette::Button, QColor(0x24, 0x26, 0x2B));
        dark.setColor(QPalette::PlaceholderText, QColor(0x9A, 0xA0, 0xA6));
        dark.setColor(QPalette::ToolTipBase, QColor(0x1B, 0x1D, 0x21));
        dark.setColor(QPalette::Mid, QColor(0x4A, 0x4D, 0x55));
        dock.setPalette(dark);
        QVERIFY(showDock(dock, {1180, 500}));
        const QImage image = dock.view()->grabFramebuffer();
        // The window's colour under the rows' text, light text on it.
        const QRectF below(0, dock.view()->height() - 4, dock.view()->width(), 4);
        const qreal ratio = dock.view()->devicePixelRatioF();
        QVERIFY(pixelsLike(image, QColor(0x24, 0x26, 0x2B), below, ratio) > 0);
        QVERIFY(pixelsLike(image, QColor(0xE6, 0xE6, 0xE6), QRectF(0, 0, 300, 60), ratio) > 30);
        const QString png = qEnvironmentVariable("NEURITE_TELEMETRY_PNG");
        if (!png.isEmpty())
            QVERIFY(image.save(QString(png).replace(QLatin1String(".png"), QLatin1String("-dark.png"))));
    }
};

NEURITE_GL_TEST_MAIN(TestTelemetryDock)
#include "tst_telemetry_dock.moc"
