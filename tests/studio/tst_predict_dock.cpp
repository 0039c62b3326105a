// The Predict dock on a real workspace: a tiny CNN trained (TrainingJob) on a folder of 12×12
// images of horizontal and vertical bars, then a stroke drawn on the pad with mouse events, images
// predicted and dropped, a chosen class explained, the worker-thread path, and the runs it cannot
// show said in place. Runs on the `offscreen` platform.
//
// With NEURITE_PREDICT_DOCK_RUN=<workspace>:<run id> and NEURITE_PREDICT_DOCK_PNG=<file> (and
// NEURITE_PREDICT_DOCK_SIZE=820x720), the screenshot slot draws on that run's pad (or predicts
// NEURITE_PREDICT_DOCK_IMAGE=<file>) and saves the dock as a PNG, to look at it.
#include "app/studio/predict/PredictDock.h"
#include "app/studio/predict/PredictRunner.h"
#include "app/studio/predict/ProbabilityBars.h"
#include "engine/run/JobControl.h"
#include "engine/run/TrainingJob.h"
#include "engine/store/RunStore.h"
#include "widgets/drawing/DrawPad.h"
#include "widgets/drawing/SaliencyView.h"

#include <QCheckBox>
#include <QDir>
#include <QMimeData>
#include <QPainter>
#include <QTemporaryDir>
#include <QTest>
#include <QUrl>
#include <QtTest>

#include <numeric>

using namespace neurite;

namespace {

constexpr int kSide = 12;

// White bar on black: horizontal (class "horizontal") or vertical, at `at`, `thickness` pixels.
QImage bar(bool horizontal, int at, int thickness = 2)
{
    QImage image(kSide, kSide, QImage::Format_Grayscale8);
    image.fill(Qt::black);
    QPainter p(&image);
    p.fillRect(horizontal ? QRect(1, at, kSide - 2, thickness) : QRect(at, 1, thickness, kSide - 2), Qt::white);
    return image;
}

const char* kImageModel = R"({"version": 1, "name": "bars", "input": [1, 12, 12], "layers": [
    {"type": "Conv2d", "out_channels": 4, "kernel_size": 3, "padding": 1}, {"type": "ReLU"},
    {"type": "MaxPool2d", "kernel_size": 2}, {"type": "BatchNorm2d"}, {"type": "Flatten"},
    {"type": "Linear", "out_features": 2}, {"type": "CrossEntropyLoss"}]})";

const char* kPointModel = R"({"version": 1, "name": "points", "input": [2], "layers": [
    {"type": "Linear", "out_features": 8}, {"type": "ReLU"},
    {"type": "Linear", "out_features": 3}, {"type": "CrossEntropyLoss"}]})";

std::int64_t train(RunStore& store, const char* model, const std::string& data, int epochs)
{
    JobSpec spec;
    spec.modelJson = model;
    spec.data.spec = data;
    spec.train.epochs = epochs;
    spec.train.batch = 8;
    spec.train.lr = 0.01;
    spec.threads = 1;
    TrainingJob job(spec, &store);
    JobControl control;
    if (job.run({}, control).status != "completed")
        throw std::runtime_error("training the test run failed");
    return job.info().runId;
}

double total(const std::vector<float>& v) { return std::accumulate(v.begin(), v.end(), 0.0); }

} // namespace

class TestPredictDock : public QObject {
    Q_OBJECT

    QTemporaryDir dir_;
    QString workspace_;
    std::int64_t imageRun_ = 0, pointRun_ = 0;

private slots:
    void initTestCase()
    {
        QVERIFY(dir_.isValid());
        const QString data = dir_.filePath("bars");
        for (const char* cls : {"horizontal", "vertical"}) {
            QVERIFY(QDir().mkpath(data + "/" + cls));
            for (int at = 0; at < kSide - 2; ++at)
                for (int thickness : {1, 2, 3})
                    QVERIFY(bar(QString(cls) == "horizontal", at, thickness)
                                .save(QString("%1/%2/%3-%4.png").arg(data, cls).arg(at).arg(thickness)));
        }
        workspace_ = dir_.filePath("workspace.db");
        RunStore store(workspace_.toStdString());
        imageRun_ = train(store, kImageModel, data.toStdString(), 10);
        pointRun_ = train(store, kPointModel, "spiral:samples=120", 1);
    }

    void drawingOnThePadPredicts()
    {
        PredictDock dock;
        dock.resize(760, 640);
        dock.show();
        QVERIFY(QTest::qWaitForWindowExposed(&dock));
        QVERIFY2(dock.showRun(imageRun_, workspace_), qPrintable(dock.message()));
        QVERIFY(dock.message().isEmpty());
        QVERIFY(dock.pad()->isVisible());   // a 1-channel model: the pad is the input
        QVERIFY(!dock.lastPrediction());

        // A vertical stroke down the middle of the pad.
        DrawPad* pad = dock.pad();
        const int x = pad->width() / 2, top = pad->height() / 5, bottom = pad->height() * 4 / 5;
        QTest::mousePress(pad, Qt::LeftButton, {}, QPoint(x, top));
        for (int y = top; y <= bottom; y += 8)
            QTest::mouseMove(pad, QPoint(x, y));
        QTest::mouseRelease(pad, Qt::LeftButton, {}, QPoint(x, bottom));
        const Prediction* p = dock.lastPrediction();
        QVERIFY(p);
        QCOMPARE(p->probabilities.size(), std::size_t(2));
        QVERIFY(std::abs(total(p->probabilities) - 1.0) < 1e-5);
        QCOMPARE(p->saliency.size(), std::size_t(kSide * kSide));
        QVERIFY(total(p->saliency) > 0);
        QCOMPARE(p->predicted, 1);   // vertical
        // The model's input, shown back: the stroke is bright in the middle column, the corner dark.
        const QImage seen = dock.modelInputView()->shown();
        QCOMPARE(seen.size(), QSize(kSide, kSide));
        QVERIFY(qGray(seen.pixel(kSide / 2, kSide / 2)) > 120);
        QVERIFY(qGray(seen.pixel(0, 0)) < 20);
        QCOMPARE(dock.saliencyView()->heat().size(), qsizetype(kSide * kSide));
        QCOMPARE(dock.bars()->probabilities().size(), qsizetype(2));

        // The right button clears the pad and the outputs.
        QTest::mouseClick(pad, Qt::RightButton, {}, QPoint(x, top));
        QVERIFY(pad->isEmpty());
        QVERIFY(!dock.lastPrediction());
    }

    void imagesArePredictedAsTrainingMadeThem()
    {
        PredictDock dock;
        QVERIFY(dock.showRun(imageRun_, workspace_));
        dock.predictImage(bar(true, 5).scaled(48, 48));   // larger than the model's input: resized
        const Prediction* p = dock.lastPrediction();
        QVERIFY(p);
        QCOMPARE(p->predicted, 0);   // horizontal
        const std::vector<float> whiteOnBlack = p->probabilities;

        // The same bar in dark ink on white paper is inverted by itself (the data set is light on dark).
        QImage paper = bar(true, 5);
        paper.invertPixels();
        dock.predictImage(paper);
        QVERIFY(dock.findChild<QCheckBox*>()->isChecked());
        QVERIFY(std::abs(dock.lastPrediction()->probabilities[0] - whiteOnBlack[0]) < 1e-4);

        // A class chosen in the bars: the saliency explains it; a click on it again follows the prediction.
        dock.explainClass(1);
        QCOMPARE(dock.lastPrediction()->explained, 1);
        QCOMPARE(dock.lastPrediction()->predicted, 0);
        dock.explainClass(1);
        QCOMPARE(dock.lastPrediction()->explained, 0);

        // A dropped file.
        const QString file = dir_.filePath("dropped.png");
        QVERIFY(bar(false, 4).save(file));
        QMimeData mime;
        mime.setUrls({QUrl::fromLocalFile(file)});
        QDragEnterEvent enter(QPoint(10, 10), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
        QCoreApplication::sendEvent(&dock, &enter);   // Qt delivers a drop to the widget that took the drag
        QVERIFY(enter.isAccepted());
        QDropEvent drop(QPointF(10, 10), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
        QCoreApplication::sendEvent(&dock, &drop);
        QVERIFY(drop.isAccepted());
        QCOMPARE(dock.lastPrediction()->predicted, 1);
    }

    // A model slower than the limit runs on a worker thread: the same prediction, delivered queued.
    void slowModelsRunOnAWorker()
    {
        PredictDock direct, threaded;
        QVERIFY(direct.showRun(imageRun_, workspace_));
        threaded.setSyncLimitMs(0);
        QVERIFY(threaded.showRun(imageRun_, workspace_));
        QVERIFY(!direct.runner()->threaded());   // the tiny model: well under 10 ms
        QVERIFY(threaded.runner()->threaded());
        const QImage image = bar(false, 6);
        direct.predictImage(image);
        QSignalSpy shown(&threaded, &PredictDock::predictionShown);
        threaded.predictImage(image);
        threaded.predictImage(bar(false, 7));   // coalesced: the newest is predicted last
        threaded.predictImage(image);
        QTRY_VERIFY(threaded.lastPrediction() && shown.count() >= 2);
        QTRY_COMPARE(threaded.lastPrediction()->probabilities, direct.lastPrediction()->probabilities);
    }

    void whatCannotBeShownIsSaidInPlace()
    {
        PredictDock dock;
        QVERIFY(!dock.showRun(pointRun_, workspace_));
        QVERIFY2(dock.message().contains("not images"), qPrintable(dock.message()));
        QVERIFY(!dock.lastPrediction());
        QVERIFY(!dock.showRun(999, workspace_));
        QVERIFY2(dock.message().contains("Run 999"), qPrintable(dock.message()));
        QVERIFY(!dock.showRun(imageRun_, dir_.filePath("nowhere.db")));
        QVERIFY(dock.message().contains("no workspace"));
        dock.predictImage(bar(true, 3));   // nothing to predict with: ignored
        QVERIFY(!dock.lastPrediction());
        // And a good run after a bad one.
        QVERIFY(dock.showRun(imageRun_, workspace_));
        QVERIFY(dock.message().isEmpty());
    }

    // Not a check: draws on a given run's pad and saves the dock (see the header comment): a pair
    // of trousers, in strokes on a 10×10 grid of the pad.
    void screenshot()
    {
        const QStringList run = qEnvironmentVariable("NEURITE_PREDICT_DOCK_RUN").split(':');
        const QString png = qEnvironmentVariable("NEURITE_PREDICT_DOCK_PNG");
        if (run.size() != 2 || png.isEmpty())
            QSKIP("set NEURITE_PREDICT_DOCK_RUN=<workspace>:<run id> and NEURITE_PREDICT_DOCK_PNG=<file>");
        PredictDock dock;
        const QStringList size = qEnvironmentVariable("NEURITE_PREDICT_DOCK_SIZE", "820x720").split('x');
        dock.resize(size.value(0).toInt(), size.value(1).toInt());
        dock.show();
        QVERIFY(QTest::qWaitForWindowExposed(&dock));
        QVERIFY2(dock.showRun(run[1].toLongLong(), run[0]), qPrintable(dock.message()));
        DrawPad* pad = dock.pad();
        const double side = std::min(pad->width(), pad->height()) / 10.0;
        const QPointF origin((pad->width() - side * 10) / 2, (pad->height() - side * 10) / 2);
        const auto at = [&](QPointF p) { return (origin + p * side).toPoint(); };
        const QList<QList<QPointF>> strokes{
            {{3.8, 1.2}, {6.2, 1.2}},                             // waistband
            {{3.8, 1.2}, {3.4, 8.9}}, {{4.4, 1.6}, {4.2, 8.9}},   // left leg
            {{6.2, 1.2}, {6.6, 8.9}}, {{5.6, 1.6}, {5.8, 8.9}}};  // right leg
        if (const QString file = qEnvironmentVariable("NEURITE_PREDICT_DOCK_IMAGE"); !file.isEmpty())
            dock.predictImage(QImage(file));   // or an image (NEURITE_PREDICT_DOCK_IMAGE=<file>)
        else
            for (const auto& stroke : strokes) {
                QTest::mousePress(pad, Qt::LeftButton, {}, at(stroke.first()));
                for (int k = 1; k <= 12; ++k)
                    QTest::mouseMove(pad, at(stroke.first() + (stroke.last() - stroke.first()) * (k / 12.0)));
                QTest::mouseRelease(pad, Qt::LeftButton, {}, at(stroke.last()));
            }
        QVERIFY(dock.lastPrediction());
        QVERIFY(dock.grab().save(png));
    }
};

QTEST_MAIN(TestPredictDock)
#include "tst_predict_dock.moc"
