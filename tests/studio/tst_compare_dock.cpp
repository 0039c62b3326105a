// The Compare view on real workspaces made with RunStore in a scratch folder: the settings that
// differ, the model diff, seed groups drawn as a band (checked against means worked out by hand),
// where each x-axis mode puts the points, the charts' shared x range, smoothing and log scale,
// run colours (stable, chosen, remembered), CSV and chart export, following a run that another
// connection is writing, and workspaces that cannot be opened. Runs on the `offscreen` platform.
#include "app/studio/compare/CompareDock.h"
#include "app/studio/compare/ComparePane.h"
#include "app/studio/compare/Comparison.h"
#include "app/studio/compare/RunColours.h"
#include "app/studio/compare/RunLegend.h"
#include "engine/compare/SettingsDiff.h"
#include "engine/graph/ModelJson.h"
#include "engine/run/Job.h"
#include "engine/store/RunStore.h"
#include "widgets/charts/MetricChart.h"

#include <QChart>
#include <QCheckBox>
#include <QComboBox>
#include <QFile>
#include <QLabel>
#include <QLineSeries>
#include <QPlainTextEdit>
#include <QSettings>
#include <QSignalSpy>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QtTest>

#include <set>

using namespace neurite;

namespace {

// A small classifier; hidden sets the first layer's width, shift moves every node on the canvas
// (layout only: the same model, another hash).
std::string model(int hidden, double shift = 0)
{
    const auto v1 = nlohmann::json::parse(R"({"version": 1, "name": "points", "input": [2], "layers": [
        {"type": "Linear", "out_features": 32}, {"type": "ReLU"},
        {"type": "Linear", "out_features": 3}, {"type": "CrossEntropyLoss"}]})");
    auto doc = v1;
    doc["layers"][0]["out_features"] = hidden;
    ModelGraph graph = modelFromJson(doc, "test");
    for (Node& n : graph.nodes)
        n.x += shift;
    return modelToJson(graph).dump();
}

JobSpec job(int epochs, int batch, double lr, std::uint64_t seed = 1)
{
    JobSpec j;
    j.data.spec = "spiral:samples=900";
    j.train.epochs = epochs;
    j.train.batch = batch;
    j.train.lr = lr;
    j.train.seed = seed;
    return j;
}

struct RunSpec {
    std::string name;
    JobSpec job;
    std::string model;
    bool running = false;
    std::map<std::string, std::vector<MetricPoint>> metrics = {};
};

std::int64_t record(RunStore& store, const RunSpec& spec)
{
    RunRecord r;
    r.name = spec.name;
    JobSpec j = spec.job;
    j.recording.name = spec.name;              // differs per run, never listed as a difference
    r.hyperparams = runSettings(j);
    r.modelJson = spec.model;
    r.seed = j.train.seed;
    const auto id = store.createRun(r);
    store.startRun(id);
    for (const auto& [name, points] : spec.metrics)
        for (const MetricPoint& p : points)
            store.addMetric(id, name, p);
    store.flush();
    if (!spec.running)
        store.finishRun(id, "completed");
    return id;
}

// Points at the given steps, value by step; epoch, samples and time derived from the step.
std::vector<MetricPoint> curve(std::vector<std::int64_t> steps, std::vector<double> values, int stepsPerEpoch = 10,
                               int batch = 32)
{
    std::vector<MetricPoint> out;
    for (std::size_t i = 0; i < steps.size(); ++i)
        out.push_back({steps[i], int((steps[i] - 1) / stepsPerEpoch) + 1, steps[i] * batch, 0.25 * double(steps[i]),
                       values[i]});
    return out;
}

// What the chart draws for a key now (the full-colour curve, a band's bounds, the faint raw curve).
QList<QPointF> drawn(const CompareDock& dock, int pane, const QString& key, MetricChart::Part part = MetricChart::Part::Line)
{
    MetricChart* chart = dock.pane(pane)->chart();
    chart->flush();
    return chart->drawnPoints(key, part);
}

QList<double> xsOf(const QList<QPointF>& points)
{
    QList<double> xs;
    for (const QPointF& p : points)
        xs << p.x();
    return xs;
}

std::optional<double> yAt(const QList<QPointF>& points, double x)
{
    for (const QPointF& p : points)
        if (qFuzzyCompare(p.x(), x))
            return p.y();
    return std::nullopt;
}

QStringList legendNames(const CompareDock& dock, int pane)
{
    QStringList names;
    for (QAbstractSeries* s : dock.pane(pane)->chart()->chart()->series())
        if (!s->name().isEmpty())
            names << s->name();
    return names;
}

QStringList rowKeys(const QTableWidget* table)
{
    QStringList keys;
    for (int r = 0; r < table->rowCount(); ++r)
        keys << table->verticalHeaderItem(r)->text();
    return keys;
}

} // namespace

class TestCompareDock : public QObject {
    Q_OBJECT

    QTemporaryDir settingsDir_;
    int workspaces_ = 0;

    // A fresh workspace path in the scratch folder.
    QString newWorkspace() { return settingsDir_.filePath(QStringLiteral("ws%1/neurite.db").arg(++workspaces_)); }

private slots:
    void initTestCase()
    {
        QVERIFY(settingsDir_.isValid());
        QCoreApplication::setOrganizationName(QStringLiteral("neurite-tests"));
        QCoreApplication::setApplicationName(QStringLiteral("tst_compare_dock"));
        QSettings::setDefaultFormat(QSettings::IniFormat);
        QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, settingsDir_.filePath(QStringLiteral("config")));
    }

    void settingsTableListsOnlyTheDifferingKeys()
    {
        const QString path = newWorkspace();
        std::int64_t a = 0, b = 0;
        {
            RunStore store(path.toStdString());
            a = record(store, {"baseline", job(5, 16, 0.01), model(32)});
            b = record(store, {"longer", job(7, 16, 0.02), model(32)});
        }
        CompareDock dock;
        QVERIFY(dock.setWorkspace(path));
        dock.setRuns({a, b});
        QCOMPARE(dock.runs(), (QList<qint64>{a, b}));
        QVERIFY(dock.showingComparison());
        const QTableWidget* table = dock.settingsTable();
        QCOMPARE(rowKeys(table), (QStringList{"train.epochs", "train.lr"}));   // batch, names: not listed
        QCOMPARE(table->columnCount(), 2);
        QCOMPARE(table->horizontalHeaderItem(0)->text(), QStringLiteral("run %1 · baseline").arg(a));
        QVERIFY(!table->horizontalHeaderItem(1)->icon().isNull());            // the run's colour
        QCOMPARE(table->item(0, 0)->text(), QStringLiteral("5"));
        QCOMPARE(table->item(0, 1)->text(), QStringLiteral("7"));
        QCOMPARE(table->item(1, 0)->text(), QStringLiteral("0.01"));
        QCOMPARE(table->item(1, 1)->text(), QStringLiteral("0.02"));
        const auto keys = flattenSettings(jobToJson(job(5, 16, 0.01)), {"version", "recording"});
        QVERIFY(keys.size() > 10);
        QVERIFY2(dock.settingsSummary()->text().startsWith(QString::number(keys.size() - 2) + " settings are the same"),
                 qPrintable(dock.settingsSummary()->text()));
    }

    void aRunWithoutSettingsShowsDashes()
    {
        const QString path = newWorkspace();
        std::int64_t a = 0, b = 0;
        {
            RunStore store(path.toStdString());
            a = record(store, {"baseline", job(5, 16, 0.01), model(32)});
            RunRecord bare;
            bare.name = "bare";
            bare.modelJson = model(32);
            b = store.createRun(bare);                   // no training settings recorded
        }
        CompareDock dock;
        QVERIFY(dock.setWorkspace(path));
        dock.setRuns({a, b});
        const QTableWidget* table = dock.settingsTable();
        QVERIFY(table->rowCount() > 10);                 // every key: run b has none
        QCOMPARE(table->item(0, 1)->text(), QStringLiteral("—"));
        QVERIFY(table->item(0, 0)->text() != QStringLiteral("—"));
        QVERIFY(!dock.comparison()->run(b)->problem.isEmpty());
        QCOMPARE(dock.comparison()->seedGroups().size(), std::size_t(2));
    }

    void modelTabShowsChangesAgainstTheFirstRun()
    {
        const QString path = newWorkspace();
        std::int64_t a = 0, wider = 0, moved = 0;
        {
            RunStore store(path.toStdString());
            a = record(store, {"baseline", job(5, 16, 0.01), model(32)});
            wider = record(store, {"wider", job(5, 16, 0.01), model(64)});
            moved = record(store, {"moved", job(5, 16, 0.01), model(32, 120)});
        }
        CompareDock dock;
        QVERIFY(dock.setWorkspace(path));
        dock.setRuns({a, wider, moved});
        const QString text = dock.modelText()->toPlainText();
        const int w = text.indexOf(QStringLiteral("run %1 · wider").arg(wider));
        const int m = text.indexOf(QStringLiteral("run %1 · moved").arg(moved));
        QVERIFY2(w > 0 && m > w, qPrintable(text));
        const QString widerPart = text.mid(w, m - w), movedPart = text.mid(m);
        QVERIFY2(widerPart.contains(QStringLiteral("out_features 32 -> 64")), qPrintable(text));
        QVERIFY(!widerPart.contains(QStringLiteral("the same model")));
        QVERIFY2(movedPart.contains(QStringLiteral("the same model")), qPrintable(text));
        QVERIFY(!movedPart.contains(QStringLiteral("->")));
    }

    void seedGroupIsOneBandWithTheMeanWorkedOutByHand()
    {
        const QString path = newWorkspace();
        std::int64_t r1 = 0, r2 = 0, r3 = 0, other = 0;
        {
            RunStore store(path.toStdString());
            r1 = record(store, {"s1", job(5, 16, 0.01, 1), model(32), false,
                                {{"train/loss", curve({1, 2, 3}, {1.0, 0.8, 0.6})}}});
            r2 = record(store, {"s2", job(5, 16, 0.01, 2), model(32), false,
                                {{"train/loss", curve({1, 2, 3}, {1.2, 0.7, 0.5})}}});
            // The same model laid out elsewhere on the canvas: another hash, still the same group.
            r3 = record(store, {"s3", job(5, 16, 0.01, 3), model(32, 50), false,
                                {{"train/loss", curve({1, 2, 3}, {0.9, 0.9, 0.4})}}});
            other = record(store, {"lr", job(5, 16, 0.05, 4), model(32), false,
                                   {{"train/loss", curve({1, 2, 3}, {2.0, 1.5, 1.0})}}});
        }
        CompareDock dock;
        dock.resize(1400, 900);
        QVERIFY(dock.setWorkspace(path));
        dock.setRuns({r1, r2, r3, other});
        QCOMPARE(dock.comparison()->seedGroups(), (std::vector<std::vector<qint64>>{{r1, r2, r3}, {other}}));
        QCOMPARE(dock.pane(0)->metric(), std::string("train/loss"));
        QCOMPARE(dock.pane(0)->chart()->keys().size(), 4);

        dock.groupSeedsCheck()->setChecked(true);
        const QStringList keys = dock.pane(0)->chart()->keys();
        QCOMPARE(keys, (QStringList{ComparePane::bandKey(r1), ComparePane::seriesKey(other)}));
        const QList<QPointF> mean = drawn(dock, 0, ComparePane::bandKey(r1));
        QCOMPARE(xsOf(mean), (QList<double>{1, 2, 3}));
        QVERIFY(yAt(mean, 2));
        QVERIFY(qFuzzyCompare(*yAt(mean, 2), (0.8 + 0.7 + 0.9) / 3));
        QVERIFY(qFuzzyCompare(*yAt(mean, 3), (0.6 + 0.5 + 0.4) / 3));
        const QString name = QStringLiteral("run %1, %2, %3 (3 seeds)").arg(r1).arg(r2).arg(r3);
        QVERIFY2(legendNames(dock, 0).contains(name), qPrintable(legendNames(dock, 0).join(" | ")));
        const QString band = ComparePane::bandKey(r1);
        const QList<QPointF> lower = drawn(dock, 0, band, MetricChart::Part::Lower);
        const QList<QPointF> upper = drawn(dock, 0, band, MetricChart::Part::Upper);
        QVERIFY(yAt(lower, 2) && yAt(upper, 2) && yAt(lower, 1) && yAt(upper, 1));
        QVERIFY(qFuzzyCompare(*yAt(lower, 2), 0.7));
        QVERIFY(qFuzzyCompare(*yAt(upper, 2), 0.9));
        QVERIFY(qFuzzyCompare(*yAt(lower, 1), 0.9));
        QVERIFY(qFuzzyCompare(*yAt(upper, 1), 1.2));
        QCOMPARE(dock.pane(0)->chart()->line(ComparePane::bandKey(r1))->pen().color().rgb(), dock.colour(r1).rgb());

        dock.setGroupSeeds(false);
        QCOMPARE(dock.pane(0)->chart()->keys().size(), 4);
    }

    void xAxisModesPlaceThePoints()
    {
        const QString path = newWorkspace();
        std::int64_t id = 0;
        {
            RunStore store(path.toStdString());
            // 10 steps per epoch, batch 32: the epoch records at steps 10 and 20 say so.
            id = record(store, {"axes", job(2, 32, 0.01), model(32), false,
                                {{"train/loss", curve({5, 10, 15, 20}, {1.0, 0.9, 0.8, 0.7})},
                                 {"val/loss", curve({10, 20}, {0.95, 0.75})},
                                 {"epoch/train_loss", curve({10, 20}, {0.92, 0.72})}}});
        }
        CompareDock dock;
        dock.resize(1400, 900);
        QVERIFY(dock.setWorkspace(path));
        dock.setRuns({id});
        ComparePane* pane = dock.pane(0);
        pane->setMetric("train/loss");
        const QString key = ComparePane::seriesKey(id);
        QCOMPARE(xsOf(drawn(dock, 0, key)), (QList<double>{5, 10, 15, 20}));
        dock.setXAxisMode(XAxisMode::Epoch);
        QCOMPARE(xsOf(drawn(dock, 0, key)), (QList<double>{0.5, 1, 1.5, 2}));
        dock.xAxisCombo()->setCurrentIndex(dock.xAxisCombo()->findData(int(XAxisMode::Samples)));
        QCOMPARE(dock.xAxisMode(), XAxisMode::Samples);
        QCOMPARE(xsOf(drawn(dock, 0, key)), (QList<double>{160, 320, 480, 640}));
        dock.setXAxisMode(XAxisMode::Time);
        QCOMPARE(xsOf(drawn(dock, 0, key)), (QList<double>{1.25, 2.5, 3.75, 5}));
        QCOMPARE(drawn(dock, 0, key).front().y(), 1.0);

        pane->setMetric("val/loss");                     // recorded per epoch: the epoch field
        dock.setXAxisMode(XAxisMode::Epoch);
        QCOMPARE(xsOf(drawn(dock, 0, key)), (QList<double>{1, 2}));
        dock.setXAxisMode(XAxisMode::Step);
        QCOMPARE(xsOf(drawn(dock, 0, key)), (QList<double>{10, 20}));
    }

    void defaultMetricsSmoothingLogScaleAndSharedZoom()
    {
        const QString path = newWorkspace();
        std::int64_t a = 0, b = 0;
        {
            RunStore store(path.toStdString());
            a = record(store, {"a", job(2, 32, 0.01), model(32), false,
                               {{"train/loss", curve({1, 2, 3, 4, 5, 6}, {1.0, 0.5, 0.9, 0.4, 0.8, 0.3})},
                                {"val/accuracy", curve({3, 6}, {0.5, 0.7})}}});
            b = record(store, {"b", job(2, 32, 0.02), model(32), false,
                               {{"train/loss", curve({1, 2, 3, 4, 5, 6}, {1.1, 0.6, 0.8, 0.5, 0.7, 0.4})}}});
        }
        CompareDock dock;
        dock.resize(1400, 900);
        QVERIFY(dock.setWorkspace(path));
        dock.setRuns({a, b});
        QCOMPARE(dock.pane(0)->metric(), std::string("val/accuracy"));
        QCOMPARE(dock.pane(1)->metric(), std::string("train/loss"));
        QCOMPARE(dock.pane(0)->metricCombo()->currentText(), QStringLiteral("validation accuracy"));
        MetricChart* loss = dock.pane(1)->chart();
        const QString key = ComparePane::seriesKey(a);
        QCOMPARE(loss->line(key)->name(), QStringLiteral("run %1 · a").arg(a));

        dock.smoothingSlider()->setValue(60);
        QCOMPARE(dock.smoothing(), 0.6);
        QCOMPARE(loss->smoothing(), 0.6);
        QCOMPARE(drawn(dock, 1, key, MetricChart::Part::Raw).size(), 6);   // the raw curve, faint
        QVERIFY(drawn(dock, 1, key)[1].y() > 0.5);       // smoothed: the dip is lifted

        dock.pane(1)->logCheck()->setChecked(true);
        QVERIFY(loss->logScale());
        QVERIFY(!dock.pane(0)->chart()->logScale());

        emit loss->zoomedByUser(true, 2, 4);             // as a person's drag would
        QCOMPARE(dock.pane(0)->chart()->xRange(), (AxisRange{2, 4}));
        emit loss->zoomedByUser(false, 0, 0);
        QVERIFY(!dock.pane(0)->chart()->isZoomed());
    }

    void coloursAreStableAndRemembered()
    {
        const QString ws = newWorkspace(), other = newWorkspace();
        RunColours one, two;
        QCOMPARE(one.colour(ws, 7), two.colour(ws, 7));
        QCOMPARE(one.colour(ws, 7), RunColours::defaultColour(7));
        QCOMPARE(one.colour(ws, 19), RunColours::defaultColour(7));   // 12 colours, then again
        std::set<QRgb> firstTwelve;
        for (qint64 id = 1; id <= 12; ++id)
            firstTwelve.insert(one.colour(ws, id).rgb());
        QCOMPARE(firstTwelve.size(), std::size_t(12));

        one.setColour(ws, 7, QColor("#123456"));
        QCOMPARE(RunColours().colour(ws, 7), QColor("#123456"));
        QVERIFY(RunColours().isOverridden(ws, 7));
        QCOMPARE(RunColours().colour(other, 7), RunColours::defaultColour(7));   // per workspace
        QCOMPARE(RunColours().colour(ws, 8), RunColours::defaultColour(8));
        two.reset(ws, 7);
        QCOMPARE(one.colour(ws, 7), RunColours::defaultColour(7));
    }

    void clickingASwatchChangesTheColourEverywhere()
    {
        const QString path = newWorkspace();
        std::int64_t a = 0, b = 0;
        {
            RunStore store(path.toStdString());
            a = record(store, {"a", job(2, 32, 0.01), model(32), false, {{"train/loss", curve({1, 2}, {1.0, 0.5})}}});
            b = record(store, {"b", job(2, 32, 0.02), model(32), false, {{"train/loss", curve({1, 2}, {1.1, 0.6})}}});
        }
        CompareDock dock;
        dock.resize(1400, 900);
        QVERIFY(dock.setWorkspace(path));
        dock.setRuns({a, b});
        dock.show();
        QVERIFY(QTest::qWaitForWindowExposed(&dock));
        const QColor chosen("#aa3311");
        int asked = 0;
        dock.setPrompts({[&](const QColor& current, const QString&) {
                             ++asked;
                             return current == dock.colour(b) ? chosen : QColor();
                         },
                         {}});
        QSignalSpy changed(&dock, &CompareDock::colourChanged);
        RunLegend* legend = dock.legend();
        const QRect swatch = legend->visualItemRect(legend->topLevelItem(legend->rowOf(b)));
        QTest::mouseClick(legend->viewport(), Qt::LeftButton, {},
                          QPoint(legend->columnViewportPosition(RunLegend::Swatch) + 8, swatch.center().y()));
        QCOMPARE(asked, 1);
        QCOMPARE(changed.count(), 1);
        QCOMPARE(changed.front().front().toLongLong(), b);
        QCOMPARE(dock.colour(b), chosen);
        QCOMPARE(RunColours().colour(path, b), chosen);                 // remembered
        QCOMPARE(dock.pane(0)->chart()->line(ComparePane::seriesKey(b))->pen().color().rgb(), chosen.rgb());

        CompareDock again;                                              // another view, later
        QVERIFY(again.setWorkspace(path));
        again.setRuns({a, b});
        QCOMPARE(again.colour(b), chosen);
        QCOMPARE(again.colour(a), RunColours::defaultColour(a));
        RunColours().resetAll(path);
    }

    void exportWritesTheCsvAndSavesCharts()
    {
        const QString path = newWorkspace();
        std::int64_t a = 0, b = 0;
        {
            RunStore store(path.toStdString());
            a = record(store, {"a", job(2, 32, 0.01), model(32), false,
                               {{"train/loss", curve({1, 2, 3, 4}, {1.0, 0.8, 0.6, 0.5})},
                                {"val/loss", curve({2, 4}, {0.9, 0.7})}}});
            b = record(store, {"b", job(2, 32, 0.02), model(32), false,
                               {{"train/loss", curve({1, 2, 3}, {1.1, 0.9, 0.7})}}});
        }
        CompareDock dock;
        dock.resize(1000, 700);
        QVERIFY(dock.setWorkspace(path));
        dock.setRuns({a, b});
        QTemporaryDir out;
        const QString csv = out.filePath("runs.csv");
        dock.setPrompts({{}, [&](const QString&, const QString&, const QString&) { return csv; }});
        dock.exportCsvAction()->trigger();
        QFile file(csv);
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QStringList lines = QString::fromUtf8(file.readAll()).split('\n', Qt::SkipEmptyParts);
        QCOMPARE(lines.front(), QStringLiteral("run,run_name,metric,step,epoch,samples,time,value"));
        QCOMPARE(lines.size(), 1 + 6 + 3);
        QVERIFY(dock.messageLabel()->text().contains(QStringLiteral("9 points")));

        QVERIFY(!dock.exportCsv(out.filePath("no/such/folder/runs.csv")));
        QVERIFY(dock.messageLabel()->text().startsWith(QStringLiteral("Could not export")));

        QVERIFY(dock.saveChart(0, out.filePath("chart.png")));
        QVERIFY(QImage(out.filePath("chart.png")).width() > 100);
        QVERIFY(dock.saveChart(1, out.filePath("chart.svg")));
        QFile svg(out.filePath("chart.svg"));
        QVERIFY(svg.open(QIODevice::ReadOnly));
        QVERIFY(svg.readAll().contains("<svg"));
    }

    void followsARunThatAnotherConnectionWrites()
    {
        const QString path = newWorkspace();
        RunStore writer(path.toStdString());
        const std::int64_t id = record(writer, {"live", job(2, 32, 0.01), model(32), true,
                                                {{"train/loss", curve({1, 2, 3}, {1.0, 0.9, 0.8})}}});
        CompareDock dock;
        dock.resize(1000, 700);
        dock.setPollInterval(0);
        QVERIFY(dock.setWorkspace(path));
        dock.setRuns({id});
        QVERIFY(!dock.polling());
        const QString key = ComparePane::seriesKey(id);
        QCOMPARE(drawn(dock, 0, key).size(), 3);
        QVERIFY(!dock.poll());                           // nothing committed since

        for (const MetricPoint& p : curve({4, 5}, {0.7, 0.6}))
            writer.addMetric(id, "train/loss", p);
        writer.flush();
        QVERIFY(dock.poll());
        QCOMPARE(xsOf(drawn(dock, 0, key)), (QList<double>{1, 2, 3, 4, 5}));

        // Now on the timer, as in the studio; a new metric shows up in the combos.
        dock.setPollInterval(20);
        QVERIFY(dock.polling());
        for (const MetricPoint& p : curve({6}, {0.55}))
            writer.addMetric(id, "train/loss", p);
        writer.addMetric(id, "val/accuracy", curve({6}, {0.5}).front());
        writer.flush();
        QTRY_COMPARE(drawn(dock, 0, key).size(), 6);
        QTRY_VERIFY(dock.pane(1)->metricCombo()->findData(QStringLiteral("val/accuracy")) >= 0);

        writer.finishRun(id, "completed");
        QTRY_VERIFY(!dock.polling());                    // every run has ended
        QCOMPARE(dock.legend()->topLevelItem(0)->text(RunLegend::Status), QStringLiteral("completed"));
    }

    void aBadWorkspaceSaysSoInPlace()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath("not-a-database.db");
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(QByteArray(4096, 'x'));
        file.close();
        CompareDock dock;
        QVERIFY(!dock.setWorkspace(path));
        QVERIFY(!dock.errorText().isEmpty());
        QVERIFY(!dock.showingComparison());
        QVERIFY(dock.pageLabel()->text().contains(QStringLiteral("cannot be opened")));
        dock.setRuns({1, 2});                            // nothing to read: no crash, still the message
        QVERIFY(!dock.showingComparison());
        QVERIFY(dock.runs().isEmpty());
        QVERIFY(!dock.exportCsv(dir.filePath("x.csv")));
    }

    void unknownRunsAreLeftOut()
    {
        const QString path = newWorkspace();
        std::int64_t a = 0;
        {
            RunStore store(path.toStdString());
            a = record(store, {"a", job(2, 32, 0.01), model(32)});
        }
        CompareDock dock;
        QVERIFY(dock.setWorkspace(path));
        dock.setRuns({a, 999});
        QCOMPARE(dock.runs(), QList<qint64>{a});
        QVERIFY(dock.messageLabel()->text().contains(QStringLiteral("999")));
        QVERIFY(dock.settingsSummary()->text().startsWith(QStringLiteral("Choose two or more")));
        dock.setRuns({});
        QVERIFY(!dock.showingComparison());
    }
};

QTEST_MAIN(TestCompareDock)
#include "tst_compare_dock.moc"
