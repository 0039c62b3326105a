// Inside the network, in the window (issue 12), as a person uses it: a template trained with F5
// fills the Layers dock live and puts a health badge on every layer of the canvas; a row clicked
// selects its node and the reverse; a finished run opened from the runs browser shows its recorded
// telemetry on its own model. Under xvfb-run: the Layers dock is an OpenGL widget.
#include "app/studio/GraphAdapter.h"
#include "app/studio/MainWindow.h"
#include "app/studio/runs/RunsDock.h"
#include "app/studio/runs/RunsTableModel.h"
#include "app/studio/telemetry/TelemetryDock.h"
#include "app/studio/telemetry/TelemetryView.h"
#include "app/studio/training/LiveChartsDock.h"
#include "app/studio/training/TrainingController.h"
#include "app/studio/training/TrainingPanel.h"
#include "engine/run/Workspace.h"
#include "engine/store/RunStore.h"
#include "widgets/OnScreen.h"
#include "widgets/charts/MetricChart.h"
#include "widgets/nodegraph/NodeGraphScene.h"
#include "tests/GlTestMain.h"

#include <QSignalSpy>
#include <QTemporaryDir>
#include <QUndoStack>
#include <QtTest>

using namespace neurite;

class TestStudioInsight : public QObject {
    Q_OBJECT
    QTemporaryDir dir_;
    qint64 trainedRun_ = 0;

private slots:
    // A dock behind another's tab stays "visible" to Qt (it is moved out of the window), but nobody
    // sees it: the live Layers dock stops its 33-frames-a-second clock there, and a live chart
    // stops redrawing, until their tab is chosen again; then both catch up.
    void aDockBehindATabDoesNoWork()
    {
        MainWindow w;
        QVERIFY(w.setWorkspace(dir_.filePath(QStringLiteral("tabs.db"))));
        w.resize(1500, 950);
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        TelemetryView* view = w.telemetry()->view();
        MetricChart* loss = w.liveCharts()->lossChart();
        QVERIFY(w.tabifiedDockWidgets(w.telemetry()).contains(w.liveCharts()));
        w.telemetry()->setLive(true);

        w.liveCharts()->raise();
        QTRY_VERIFY(isOnScreen(loss));
        QVERIFY(view->isVisible());   // Qt's view: still "visible", out of the window
        QTRY_VERIFY(!view->isTicking());
        loss->setSeries(QStringLiteral("train"), QStringLiteral("loss"), Qt::blue, {});
        loss->appendPoint(QStringLiteral("train"), QPointF(1, 0.5));
        QTRY_COMPARE(loss->drawnPoints(QStringLiteral("train")).size(), 1);

        w.telemetry()->raise();
        QTRY_VERIFY(view->isTicking());
        loss->appendPoint(QStringLiteral("train"), QPointF(2, 0.4));
        QTest::qWait(300);
        QCOMPARE(loss->drawnPoints(QStringLiteral("train")).size(), 1);   // nobody sees it

        w.liveCharts()->raise();
        QTRY_VERIFY(!view->isTicking());
        QTRY_COMPARE(loss->drawnPoints(QStringLiteral("train")).size(), 2);   // caught up
        w.telemetry()->setLive(false);
    }

    void liveTelemetryFillsTheDockAndBadgesTheCanvas()
    {
        MainWindow w;
        QVERIFY(w.setWorkspace(dir_.filePath(QStringLiteral("insight.db"))));
        w.resize(1500, 950);
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        QVERIFY(w.openTemplate(QStringLiteral(":/models/cnn.json")));
        JobSpec job = w.trainingPanel()->job();
        job.train.epochs = 1;
        job.data.trainSamples = 1200;
        w.trainingPanel()->setJob(job);
        QSignalSpy snapshots(w.training(), &TrainingController::telemetry);
        QSignalSpy maps(w.training(), &TrainingController::featureMaps);
        QSignalSpy finished(w.training(), &TrainingController::finished);
        w.train();
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 180000);
        const auto result = finished.last().at(0).value<TrainingFinished>();
        QCOMPARE(result.status, QStringLiteral("completed"));
        trainedRun_ = result.runId;
        QVERIFY(snapshots.count() >= 2);
        QVERIFY(maps.count() >= 1);

        // The dock kept every snapshot; its rows are the layers.
        TelemetryView* view = w.telemetry()->view();
        QCOMPARE(view->history().arrived(), std::int64_t(snapshots.count()));
        w.telemetry()->show();
        w.telemetry()->raise();
        QTRY_VERIFY(view->rowNodes().contains(QStringLiteral("conv1")));

        // Every measured layer has a badge on the canvas, with its numbers in the tooltip.
        const auto& badges = w.graphAdapter()->badges();
        for (const char* node : {"conv1", "relu1", "conv2", "fc1", "fc2"}) {
            QVERIFY2(badges.contains(QString::fromLatin1(node)), node);
            QVERIFY(badges.value(QString::fromLatin1(node)).tip.contains(QStringLiteral("Health")));
        }
        QVERIFY(!badges.contains(QStringLiteral("input")));
        QVERIFY(!badges.contains(QStringLiteral("loss")));

        // A row clicked selects its node on the canvas; a node selected on the canvas selects its row.
        QString shown;   // a row the dock's height lets one see
        for (const QString& node : view->rowNodes())
            if (shown.isEmpty() && view->tableViewport().contains(view->rowRect(node).center()))
                shown = node;
        QVERIFY(!shown.isEmpty());
        const QPointF row(view->rowRect(shown).left() + 20, view->rowRect(shown).center().y());
        QMouseEvent press(QEvent::MouseButtonPress, row, view->mapToGlobal(row), Qt::LeftButton, Qt::LeftButton, {});
        QMouseEvent release(QEvent::MouseButtonRelease, row, view->mapToGlobal(row), Qt::LeftButton, Qt::NoButton, {});
        QCoreApplication::sendEvent(view, &press);
        QCoreApplication::sendEvent(view, &release);
        QTRY_COMPARE(w.scene()->selectedNodeIds(), QStringList{shown});
        w.scene()->selectNodes({QStringLiteral("fc1")});
        QTRY_COMPARE(view->selectedNode(), QStringLiteral("fc1"));
        w.document()->undoStack()->setClean();
    }

    // The run recorded above, opened from the runs browser in a window that shows another model:
    // its model comes back on the canvas with the badges of its last snapshot, and the dock holds
    // every snapshot the store kept.
    void aFinishedRunOpensInTheInspector()
    {
        QVERIFY(trainedRun_ > 0);
        MainWindow w;
        QVERIFY(w.setWorkspace(dir_.filePath(QStringLiteral("insight.db"))));
        w.resize(1500, 950);
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        QVERIFY(w.openTemplate(QStringLiteral(":/models/mlp.json")));
        w.document()->undoStack()->setClean();
        QTRY_COMPARE(w.runs()->model()->rowCount(), 1);
        w.runs()->selectRuns({trainedRun_});
        QVERIFY(w.runs()->inspectAction()->isEnabled());
        w.runs()->inspectAction()->trigger();
        QVERIFY(w.document()->graph().find("conv2"));   // the run's CNN replaced the MLP
        std::size_t stored = 0;
        {
            const auto store = openWorkspace(dir_.filePath(QStringLiteral("insight.db")).toStdString());
            stored = store->telemetry(trainedRun_).size();
        }
        QVERIFY(stored >= 2);
        QCOMPARE(w.telemetry()->view()->history().arrived(), std::int64_t(stored));
        QVERIFY(w.graphAdapter()->badges().contains(QStringLiteral("conv1")));
        QTRY_VERIFY(w.telemetry()->view()->rowNodes().contains(QStringLiteral("fc2")));
        w.document()->undoStack()->setClean();
    }
};

NEURITE_GL_TEST_MAIN(TestStudioInsight)
#include "tst_studio_insight.moc"
