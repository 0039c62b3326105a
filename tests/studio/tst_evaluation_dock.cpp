// The Evaluation dock on a real run (a tiny image classifier trained a few steps into a scratch
// workspace): ready() arrives, the matrix shows the predicted counts, a click on a cell fills the
// gallery with exactly that cell's samples (most confident first), the keyboard moves the cell,
// errors and cancels are said in place. Runs on the `offscreen` platform.
//
// Not a test: with NEURITE_EVALUATION_WORKSPACE, NEURITE_EVALUATION_RUN and NEURITE_EVALUATION_PNG
// set, screenshot() shows that run and saves the dock as a PNG (run it under xvfb-run).
#include "app/studio/evaluation/ClassMetricsModel.h"
#include "app/studio/evaluation/EvaluationDock.h"
#include "engine/run/TrainingJob.h"
#include "widgets/evaluation/ConfusionMatrixView.h"
#include "widgets/evaluation/ImageGallery.h"
#include "tests/run/TinyImages.h"

#include <QSignalSpy>
#include <QTabWidget>
#include <QTableView>
#include <QTemporaryDir>
#include <QtTest>


using namespace neurite;

namespace {

std::int64_t trainTinyRun(RunStore& store, const std::string& dataDir)
{
    TrainingJob training(tinyImageJob(dataDir), &store);
    JobControl control;
    training.run({}, control);
    return training.info().runId;
}

// The sample number a gallery item stands for, from its tooltip ("Test sample 12 · …").
std::int64_t sampleOf(const ImageGallery& gallery, int item)
{
    const QString tip = gallery.item(item).toolTip;
    return tip.section(QLatin1Char(' '), 2, 2).toLongLong();
}

} // namespace

class TestEvaluationDock : public QObject {
    Q_OBJECT

    QTemporaryDir dir_;
    QString workspace_;
    std::int64_t run_ = 0, second_ = 0;

    // Shows run `id` and waits for ready().
    bool showAndWait(EvaluationDock& dock, std::int64_t id)
    {
        QSignalSpy ready(&dock, &EvaluationDock::ready);
        dock.showRun(id, workspace_);
        return ready.wait(60000);
    }

private slots:
    void initTestCase()
    {
        writeTinyImages(dir_.path(), 400, 230);
        workspace_ = dir_.filePath("ws.db");
        RunStore store(workspace_.toStdString());
        run_ = trainTinyRun(store, dir_.path().toStdString());
        second_ = trainTinyRun(store, dir_.path().toStdString());
    }

    void readyShowsTheCounts()
    {
        EvaluationDock dock;
        dock.resize(1200, 900);
        dock.show();
        QSignalSpy ready(&dock, &EvaluationDock::ready);
        dock.showRun(run_, workspace_);
        QVERIFY(dock.busy());
        QVERIFY(dock.messageText().startsWith(QStringLiteral("Evaluating run %1").arg(run_)));
        QVERIFY(ready.wait(60000));
        QVERIFY(!dock.busy());
        QVERIFY(dock.messageText().isEmpty());
        const SamplePredictions* p = dock.predictions();
        QVERIFY(p);
        QCOMPARE(p->runId, run_);
        QCOMPARE(p->samples(), std::int64_t(230));
        const ConfusionMatrixView* matrix = dock.matrixView();
        QCOMPARE(matrix->classes(), 10);
        for (int t = 0; t < 10; ++t)
            for (int q = 0; q < 10; ++q)
                QCOMPARE(matrix->count(t, q), p->confusion[std::size_t(t * 10 + q)]);
        QCOMPARE(dock.metricsTable()->model()->rowCount(), 10);
        const auto mistakes = confidentMistakes(*p, EvaluationDock::kMistakes);
        QVERIFY(!mistakes.empty());
        QCOMPARE(dock.mistakesGallery()->count(), int(mistakes.size()));
        QCOMPARE(sampleOf(*dock.mistakesGallery(), 0), mistakes[0]);
        QVERIFY(!dock.grab().isNull());   // paints the matrix and the visible tiles
    }

    void clickingACellFillsTheGallery()
    {
        EvaluationDock dock;
        dock.resize(1200, 900);
        dock.show();
        QVERIFY(showAndWait(dock, run_));
        const SamplePredictions& p = *dock.predictions();
        // The fullest cell off the diagonal: a confusion worth looking at.
        int bestT = 0, bestQ = 1;
        for (int t = 0; t < 10; ++t)
            for (int q = 0; q < 10; ++q)
                if (t != q && p.confusion[std::size_t(t * 10 + q)] > p.confusion[std::size_t(bestT * 10 + bestQ)])
                    bestT = t, bestQ = q;
        QVERIFY(p.confusion[std::size_t(bestT * 10 + bestQ)] > 0);
        ConfusionMatrixView* matrix = dock.matrixView();
        QTest::mouseClick(matrix, Qt::LeftButton, {}, matrix->cellRect(bestT, bestQ).center());
        QCOMPARE(dock.shownCell(), QPoint(bestQ, bestT));
        QCOMPARE(dock.galleryTabs()->currentWidget(), dock.gallery());
        const auto expected = samplesInCell(p, bestT, bestQ);
        QCOMPARE(dock.gallery()->count(), int(expected.size()));
        for (int i = 0; i < dock.gallery()->count(); ++i)
            QCOMPARE(sampleOf(*dock.gallery(), i), expected[std::size_t(i)]);
        QVERIFY(dock.gallery()->item(0).accent.isValid());   // mistakes are marked

        // The keyboard moves the current cell and the gallery follows.
        const int next = bestQ + 1 < 10 ? bestQ + 1 : bestQ - 1;
        QTest::keyClick(matrix, next > bestQ ? Qt::Key_Right : Qt::Key_Left);
        QCOMPARE(dock.shownCell(), QPoint(next, bestT));
        QCOMPARE(dock.gallery()->count(), int(samplesInCell(p, bestT, next).size()));

        // A gallery item under the mouse is the one itemAt() says.
        QTest::mouseClick(matrix, Qt::LeftButton, {}, matrix->cellRect(bestT, bestT).center());
        ImageGallery* gallery = dock.gallery();
        QVERIFY(gallery->count() > 0);
        QCOMPARE(gallery->itemAt(gallery->itemRect(0).center()), 0);
        QVERIFY(!gallery->item(0).accent.isValid());   // predicted right
        QVERIFY(!gallery->grab().isNull());
    }

    void anotherRunReplacesTheFirst()
    {
        EvaluationDock dock;
        QSignalSpy ready(&dock, &EvaluationDock::ready);
        dock.showRun(run_, workspace_);
        dock.showRun(second_, workspace_);   // the first is cancelled and never shown
        QVERIFY(ready.wait(60000));
        QTest::qWait(200);
        QCOMPARE(ready.count(), 1);
        QCOMPARE(dock.predictions()->runId, second_);
    }

    void errorsAreSaidInPlace()
    {
        EvaluationDock dock;
        QSignalSpy failed(&dock, &EvaluationDock::failed);
        dock.showRun(9999, workspace_);
        QVERIFY(failed.wait(30000));
        QVERIFY(!dock.busy());
        QVERIFY2(dock.messageText().contains(QStringLiteral("no run 9999")), qPrintable(dock.messageText()));
        QVERIFY(!dock.predictions());
    }

    void closingCancelsAndOpeningStartsAgain()
    {
        EvaluationDock dock;
        dock.show();
        dock.showRun(run_, workspace_);
        QVERIFY(dock.busy());
        dock.close();
        QTRY_VERIFY_WITH_TIMEOUT(!dock.busy(), 30000);
        QVERIFY2(dock.messageText().contains(QStringLiteral("stopped")), qPrintable(dock.messageText()));
        QVERIFY(!dock.predictions());
        QSignalSpy ready(&dock, &EvaluationDock::ready);
        dock.show();
        QVERIFY(dock.busy());
        QVERIFY(ready.wait(60000));
        QCOMPARE(dock.predictions()->runId, run_);
    }

    void screenshot()
    {
        const QString workspace = qEnvironmentVariable("NEURITE_EVALUATION_WORKSPACE");
        const QString png = qEnvironmentVariable("NEURITE_EVALUATION_PNG");
        if (workspace.isEmpty() || png.isEmpty())
            QSKIP("set NEURITE_EVALUATION_WORKSPACE, NEURITE_EVALUATION_RUN and NEURITE_EVALUATION_PNG");
        EvaluationDock dock;
        dock.resize(1500, 950);
        dock.show();
        QSignalSpy ready(&dock, &EvaluationDock::ready);
        dock.showRun(qEnvironmentVariableIntValue("NEURITE_EVALUATION_RUN"), workspace);
        QVERIFY(ready.wait(120000));
        const SamplePredictions& p = *dock.predictions();
        int bestT = 0, bestQ = 1;   // the most frequent confusion, as a person would click it
        for (int t = 0; t < p.classes; ++t)
            for (int q = 0; q < p.classes; ++q)
                if (t != q && p.confusion[std::size_t(t * p.classes + q)] >
                                  p.confusion[std::size_t(bestT * p.classes + bestQ)])
                    bestT = t, bestQ = q;
        QTest::mouseClick(dock.matrixView(), Qt::LeftButton, {}, dock.matrixView()->cellRect(bestT, bestQ).center());
        QTest::qWait(100);
        QVERIFY(dock.grab().save(png));
        dock.galleryTabs()->setCurrentIndex(1);
        QTest::qWait(100);
        QVERIFY(dock.grab().save(QString(png).replace(QStringLiteral(".png"), QStringLiteral("-mistakes.png"))));
    }
};

QTEST_MAIN(TestEvaluationDock)
#include "tst_evaluation_dock.moc"
