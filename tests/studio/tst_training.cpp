// Training in the studio: the controller and its worker thread (start, pause, continue, stop at
// random moments; 100 start/stop cycles; throttled updates that still carry every step), errors
// shown where they are, the store recording every state, settings saved with the model, and the
// whole path driven as a person does it: a template, F5, the run in the browser, two runs compared.
#include "app/studio/MainWindow.h"
#include "app/studio/compare/CompareDock.h"
#include "app/studio/export/ExportDialog.h"
#include "app/studio/runs/RunsDock.h"
#include "app/studio/runs/RunsTableModel.h"
#include "app/studio/training/TrainingController.h"
#include "app/studio/training/DataPreview.h"
#include "app/studio/training/ProgressLine.h"
#include "app/studio/training/TrainingPanel.h"
#include "engine/export/Bundle.h"
#include "engine/graph/ModelJson.h"
#include "engine/tensorio/Safetensors.h"
#include "engine/run/Workspace.h"
#include "engine/store/RunStore.h"
#include "widgets/nodegraph/NodeGraphScene.h"

#include <QAbstractItemModel>
#include <QApplication>
#include <QComboBox>
#include <QAction>
#include <QLabel>
#include <QLineEdit>
#include <QTableWidget>
#include <QMessageBox>
#include <QPushButton>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTableView>
#include <QTemporaryDir>
#include <QUndoStack>
#include <QtTest>
#include <random>

using namespace neurite;

namespace {

const char* kPointModel = R"({"version": 1, "name": "points", "input": [2], "layers": [
    {"type": "Linear", "out_features": 32}, {"type": "ReLU"}, {"type": "Dropout", "p": 0.1},
    {"type": "Linear", "out_features": 3}, {"type": "CrossEntropyLoss"}]})";

JobSpec pointJob(int epochs, const char* data = "spiral:samples=600")
{
    JobSpec job;
    job.modelJson = kPointModel;
    job.data.spec = data;
    job.train.epochs = epochs;
    job.train.batch = 16;
    job.train.lr = 0.01;
    job.threads = 1;
    return job;
}

// Answers the next modal question box with `button` (QMessageBox::question blocks the test).
void answerNextQuestion(QMessageBox::StandardButton button)
{
    QTimer::singleShot(0, [button] {
        QTRY_VERIFY(qobject_cast<QMessageBox*>(QApplication::activeModalWidget()));
        auto* box = qobject_cast<QMessageBox*>(QApplication::activeModalWidget());
        box->button(button)->click();
    });
}

} // namespace

class TestTraining : public QObject {
    Q_OBJECT
    QTemporaryDir dir_;
    QString at(const char* name) const { return dir_.filePath(QString::fromLatin1(name)); }

private slots:
    // Pause holds between steps (nothing arrives), continue goes on, stop ends within one step and
    // the run is recorded as stopped, at random moments.
    void pauseContinueStopAtRandomMoments()
    {
        TrainingController c;
        c.setWorkspace(at("pause.db"));
        std::mt19937 random(11);
        qint64 lastStep = 0;
        connect(&c, &TrainingController::steps, &c, [&](const QVector<StepPoint>& p) { lastStep = p.back().step; });
        QSignalSpy finished(&c, &TrainingController::finished);
        for (int trial = 0; trial < 5; ++trial) {
            c.enqueue(pointJob(500), QStringLiteral("trial"));
            QTRY_COMPARE(c.state(), TrainingController::State::Training);
            QTest::qWait(int(random() % 200));
            c.pause();
            QTRY_COMPARE(c.state(), TrainingController::State::Paused);
            QTest::qWait(50);  // updates already on their way arrive
            const qint64 held = lastStep;
            QTest::qWait(150);
            QCOMPARE(lastStep, held);
            c.resume();
            QTRY_VERIFY(lastStep > held);
            QTest::qWait(int(random() % 100));
            c.stop();  // (that it ends within one step is tst_job's; here: the window's side)
            QTRY_COMPARE(finished.count(), trial + 1);
            const auto r = finished.last().at(0).value<TrainingFinished>();
            QCOMPARE(r.status, QStringLiteral("stopped"));
            QCOMPARE(lastStep, r.steps);  // every step taken reached the window before the end
            QCOMPARE(c.state(), TrainingController::State::Idle);
            RunStore store(at("pause.db").toStdString());
            QCOMPARE(store.run(r.runId).status, std::string("stopped"));
        }
    }

    // Updates come at most about ten times a second, and together they carry every step; a
    // telemetry snapshot comes with (after) the steps it follows.
    void updatesAreThrottledButCarryEveryStep()
    {
        TrainingController c;
        c.setWorkspace({});  // not recorded
        int updates = 0, snapshots = 0;
        qint64 points = 0, last = 0;
        bool ordered = true, snapshotsFollowTheirSteps = true;
        connect(&c, &TrainingController::steps, &c, [&](const QVector<StepPoint>& p) {
            ++updates;
            for (const auto& s : p) {
                ordered &= s.step == last + 1;
                last = s.step;
            }
            points += p.size();
        });
        connect(&c, &TrainingController::telemetry, &c, [&](const TelemetrySnapshot& t) {
            ++snapshots;
            snapshotsFollowTheirSteps &= t.step <= last;
        });
        QSignalSpy finished(&c, &TrainingController::finished);
        QElapsedTimer clock;
        clock.start();
        c.enqueue(pointJob(30), QStringLiteral("fast"));
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 60000);
        const double seconds = clock.elapsed() / 1000.0;
        const auto r = finished.last().at(0).value<TrainingFinished>();
        QCOMPARE(r.status, QStringLiteral("completed"));
        QVERIFY(ordered);
        QCOMPARE(points, r.steps);  // 30 epochs × 34 steps, every one delivered
        qInfo("%lld steps in %.2f s reached the GUI in %d updates", r.steps, seconds, updates);
        QVERIFY(updates < r.steps / 4);           // gathered, not one signal per step
        QVERIFY(updates <= int(11 * seconds) + 2 * 30 + 5);  // ≤ 10/s, plus a flush per epoch and phase
        QVERIFY(snapshots > 0);
        QVERIFY(snapshotsFollowTheirSteps);
    }

    // 100 starts and stops at random moments: no crash, no leak (the sanitizer pass runs this too),
    // every job ends with exactly one finished().
    // The live progress changes several times a second while the window shares the cores with the
    // training: each change repaints the line and relays out nothing (a label's text change relaid
    // out the whole dock, a progress bar repainted outside the window's frame).
    void progressRelaysOutNothing()
    {
        TrainingPanel panel({});
        panel.resize(420, 700);
        panel.show();
        QVERIFY(QTest::qWaitForWindowExposed(&panel));
        TrainingStarted info;
        info.runId = 7;
        info.device = QStringLiteral("CPU");
        info.trainSamples = 6400;
        info.stepsPerEpoch = 50;
        info.epochs = 2;
        panel.onStarted(info);
        struct Layouts : QObject {
            QWidget* within = nullptr;
            int requests = 0;
            bool eventFilter(QObject* o, QEvent* e) override
            {
                if (e->type() == QEvent::LayoutRequest && o->isWidgetType() &&
                    (o == within || within->isAncestorOf(static_cast<QWidget*>(o))))
                    ++requests;
                return false;
            }
        } layouts;
        layouts.within = &panel;
        qApp->installEventFilter(&layouts);
        QTRY_VERIFY_WITH_TIMEOUT(!panel.dataPreview()->isLoading(), 20000);   // read on its own thread
        // Until the start's own layout, and the data preview's, have settled.
        for (int quiet = 0, i = 0; quiet < 3 && i < 50; ++i) {
            layouts.requests = 0;
            QTest::qWait(100);
            quiet = layouts.requests == 0 ? quiet + 1 : 0;
        }
        layouts.requests = 0;
        for (int i = 1; i <= 3; ++i) {
            StepPoint p;
            p.step = 10 * i;
            p.epoch = 1;
            p.loss = 1.0 / i;
            p.samplesPerSecond = 1000.0 * i;
            panel.onSteps({p});
            QTest::qWait(260);   // the line changes at most four times a second
        }
        qApp->removeEventFilter(&layouts);
        ProgressLine* line = panel.progressLine();
        QVERIFY2(line->text().startsWith(QStringLiteral("epoch 1/2 · step 30/50 · 3,000 samples/s")),
                 qPrintable(line->text()));
        QCOMPARE(line->fraction(), 30.0 / 100.0);
        QCOMPARE(layouts.requests, 0);
        TrainingFinished done;
        done.runId = 7;
        done.status = QStringLiteral("completed");
        panel.onFinished(done);
        QCOMPARE(line->fraction(), 1.0);
        QVERIFY(panel.statusLabel()->text().startsWith(QStringLiteral("Run 7 completed")));
    }

    void hundredStartStopCycles()
    {
        TrainingController c;
        c.setWorkspace(at("cycles.db"));
        QSignalSpy finished(&c, &TrainingController::finished);
        std::mt19937 random(5);
        for (int i = 0; i < 100; ++i) {
            c.enqueue(pointJob(1000, "spiral:samples=200"), QStringLiteral("cycle"));
            QTest::qWait(int(random() % 30));
            c.stop();
            QTRY_COMPARE_WITH_TIMEOUT(finished.count(), i + 1, 20000);
        }
        QCOMPARE(c.state(), TrainingController::State::Idle);
        RunStore store(at("cycles.db").toStdString());
        for (const auto& r : store.listRuns())
            QVERIFY2(r.run.status == "stopped", r.run.status.c_str());
    }

    void aQueueRunsOneAfterAnother()
    {
        TrainingController c;
        c.setWorkspace(at("queue.db"));
        QSignalSpy finished(&c, &TrainingController::finished);
        c.enqueue(pointJob(2), QStringLiteral("a"));
        c.enqueue(pointJob(3), QStringLiteral("b"));
        c.enqueue(pointJob(1), QStringLiteral("c"));
        QCOMPARE(c.queued(), 2);
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 3, 60000);
        RunStore store(at("queue.db").toStdString());
        const auto runs = store.listRuns();
        QCOMPARE(runs.size(), std::size_t(3));
        for (const auto& r : runs)
            QCOMPARE(r.run.status, std::string("completed"));
        QCOMPARE(jobOfRun(runs[1].run).train.epochs, 3);  // in the order queued
        // Evaluation and resume go through the same queue.
        c.enqueueEvaluation(runs[0].run.id);
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 4, 60000);
        QCOMPARE(finished.last().at(0).value<TrainingFinished>().status, QStringLiteral("evaluated"));
    }

    // Stopped after its first epoch, a run is resumed from the window and completes; its charts
    // begin with what it recorded before the stop.
    void aStoppedRunResumesAndForks()
    {
        MainWindow w;
        QVERIFY(w.setWorkspace(at("resume.db")));
        w.document()->reset(modelFromText(kPointModel), {});
        w.trainingPanel()->setJob(pointJob(300));
        connect(w.training(), &TrainingController::epochEnded, w.training(), &TrainingController::stop);
        QSignalSpy finished(w.training(), &TrainingController::finished);
        QVERIFY(w.train());
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 60000);
        const auto stopped = finished.last().at(0).value<TrainingFinished>();
        QCOMPARE(stopped.status, QStringLiteral("stopped"));
        w.training()->disconnect(w.training());
        w.training()->enqueueResume(stopped.runId);
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 2, 60000);
        QCOMPARE(finished.last().at(0).value<TrainingFinished>().status, QStringLiteral("completed"));
        QCOMPARE(finished.last().at(0).value<TrainingFinished>().runId, stopped.runId);
        w.forkRun(stopped.runId);
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 3, 60000);
        RunStore store(at("resume.db").toStdString());
        const auto runs = store.listRuns();
        QCOMPARE(runs.size(), std::size_t(2));
        QCOMPARE(runs[0].run.status, std::string("completed"));
        QCOMPARE(runs[1].run.parentId.value_or(0), stopped.runId);   // the fork knows its parent
        QCOMPARE(jobToJson(jobOfRun(runs[1].run))["train"], jobToJson(jobOfRun(runs[0].run))["train"]);
        // Both trained the same model with the same settings and seed: the same curve.
        QCOMPARE(store.metrics(runs[1].run.id, "train/loss").back().value, store.metrics(runs[0].run.id, "train/loss").back().value);
        w.document()->undoStack()->setClean();
    }

    // The window: a model with a problem is not trained (the node is selected); a diverging run
    // and bad data show where they belong; the store keeps each run's status.
    void errorsShowInPlace()
    {
        MainWindow w;
        QVERIFY(w.setWorkspace(at("errors.db")));
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        QVERIFY(w.openTemplate(QStringLiteral(":/models/cnn.json")));
        w.scene()->selectNodes({QStringLiteral("flatten")});
        w.scene()->removeSelection();
        QVERIFY(!w.train());
        QVERIFY2(w.message().contains(QStringLiteral("Fix")), qPrintable(w.message()));
        QVERIFY(!w.scene()->selectedNodeIds().isEmpty());
        QVERIFY(!w.training()->busy());

        // Diverges: plain SGD at a learning rate of 1e30.
        ModelGraph points = modelFromText(kPointModel);
        w.document()->reset(points, {});
        JobSpec job = pointJob(20);
        job.train.optimizer.kind = "sgd";
        job.train.lr = 1e30;
        w.trainingPanel()->setJob(job);
        QSignalSpy finished(w.training(), &TrainingController::finished);
        QVERIFY(w.train());
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 60000);
        QVERIFY2(w.message().contains(QStringLiteral("diverged")),
                 qPrintable(w.message() + finished.last().at(0).value<TrainingFinished>().status));

        // Data that is not there: said under the data set field.
        job = pointJob(2, "/nonexistent/folder");
        w.trainingPanel()->setJob(job);
        QVERIFY(w.train());
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 2, 60000);
        QVERIFY(w.trainingPanel()->dataProblemLabel()->isVisible());
        QVERIFY2(w.trainingPanel()->dataProblemLabel()->text().contains(QStringLiteral("/nonexistent/folder")),
                 qPrintable(w.trainingPanel()->dataProblemLabel()->text()));
        RunStore store(at("errors.db").toStdString());
        const auto runs = store.listRuns();
        QCOMPARE(runs.size(), std::size_t(1));  // the data error stopped it before a run began
        QCOMPARE(runs[0].run.status, std::string("diverged"));
        w.document()->undoStack()->setClean();
    }

    // Closing the window while training asks; yes stops the run cleanly and records it stopped.
    void closingWhileTrainingAsksThenStops()
    {
        auto w = std::make_unique<MainWindow>();
        QVERIFY(w->setWorkspace(at("close.db")));
        w->show();
        QVERIFY(QTest::qWaitForWindowExposed(w.get()));
        w->document()->reset(modelFromText(kPointModel), {});
        w->trainingPanel()->setJob(pointJob(5000));
        QVERIFY(w->train());
        QTRY_COMPARE(w->training()->state(), TrainingController::State::Training);
        answerNextQuestion(QMessageBox::No);
        QVERIFY(!w->close());  // kept open, still training
        QVERIFY(w->training()->busy());
        answerNextQuestion(QMessageBox::Yes);
        QVERIFY(w->close());
        QVERIFY(!w->training()->busy());
        w.reset();
        RunStore store(at("close.db").toStdString());
        QCOMPARE(store.listRuns().at(0).run.status, std::string("stopped"));
    }

    // The Training dock's settings are saved with the model and come back when it is opened.
    void settingsAreSavedWithTheModel()
    {
        MainWindow w;
        QVERIFY(w.setWorkspace(at("settings.db")));
        w.openTemplate(QStringLiteral(":/models/mlp.json"));
        QVERIFY(!w.document()->isModified());
        w.trainingPanel()->epochsBox()->setValue(7);
        QVERIFY(w.document()->isModified());
        QCOMPARE(w.document()->graph().training["train"]["epochs"].get<int>(), 7);
        w.document()->undoStack()->undo();  // an edit like any other
        QCOMPARE(w.trainingPanel()->epochsBox()->value(), 10);
        w.document()->undoStack()->redo();
        QVERIFY(w.saveTo(at("mlp-7.json")));
        MainWindow other;
        QVERIFY(other.openFile(at("mlp-7.json")));
        QCOMPARE(other.trainingPanel()->epochsBox()->value(), 7);
        // The run stores the network alone: the training settings are its job, not its model.
        QVERIFY(!modelToJson(loadModel(at("mlp-7.json").toStdString())).value("training", nlohmann::json()).empty());
    }

    // A person: a template from the start page, F5, the run appears in the runs browser.
    void templateF5AndTheRunIsInTheBrowser()
    {
        MainWindow w;
        QVERIFY(w.setWorkspace(at("person.db")));
        w.resize(1400, 900);
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        QVERIFY(w.openTemplate(QStringLiteral(":/models/mlp.json")));
        JobSpec job = w.trainingPanel()->job();
        job.train.epochs = 1;
        job.data.trainSamples = 2000;
        w.trainingPanel()->setJob(job);
        QSignalSpy finished(w.training(), &TrainingController::finished);
        QTest::keyClick(&w, Qt::Key_F5);
        QTRY_VERIFY(w.training()->busy() || finished.count() == 1);
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 120000);
        const auto r = finished.last().at(0).value<TrainingFinished>();
        QCOMPARE(r.status, QStringLiteral("completed"));
        QVERIFY(r.hasTest && r.testAccuracy > 0.5);  // 2,000 images, one epoch: well above chance (0.1)
        QTRY_COMPARE(w.runs()->model()->rowCount(), 1);

        // A second run at another learning rate, typed into the dock; then both compared.
        auto* lr = w.trainingPanel()->findChild<QLineEdit*>(QStringLiteral("learningRate"));
        QVERIFY(lr);
        lr->selectAll();
        QTest::keyClicks(lr, QStringLiteral("3e-3"));
        QCOMPARE(w.trainingPanel()->job().train.lr, 0.003);
        QTest::keyClick(&w, Qt::Key_F5);
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 2, 120000);
        QTRY_COMPARE(w.runs()->model()->rowCount(), 2);
        const qint64 first = r.runId, second = finished.last().at(0).value<TrainingFinished>().runId;
        w.runs()->selectRuns({first, second});
        QVERIFY(w.runs()->compareAction()->isEnabled());
        w.runs()->compareAction()->trigger();
        QTRY_VERIFY(w.compare()->isVisible());
        QList<qint64> compared = w.compare()->runs();
        std::sort(compared.begin(), compared.end());
        QCOMPARE(compared, (QList<qint64>{first, second}));
        QStringList differing;
        for (int row = 0; row < w.compare()->settingsTable()->rowCount(); ++row)
            differing << w.compare()->settingsTable()->verticalHeaderItem(row)->text();
        QVERIFY2(differing.contains(QStringLiteral("train.lr")), qPrintable(differing.join(',')));
        QCOMPARE(differing.size(), 1);  // nothing else differs
        w.document()->undoStack()->setClean();
    }

    // A trained run exported as ONNX from the runs browser (verified by ONNX Runtime, the proof
    // kept with the run), imported back through File → Import ONNX, and fine-tuned: the second
    // training starts from the first one's weights (its first epoch's loss is far lower).
    void exportImportAndFineTune()
    {
        if (!onnxAvailable())
            QSKIP("this build has no ONNX export (libonnx-dev missing)");
        MainWindow w;
        QVERIFY(w.setWorkspace(at("export.db")));
        w.resize(1400, 900);
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        QVERIFY(w.openTemplate(QStringLiteral(":/models/mlp.json")));
        JobSpec job = w.trainingPanel()->job();
        job.train.epochs = 1;
        job.data.trainSamples = 3000;
        job.threads = 1;   // CTest runs two tests at once on two cores: no pool spinning on a busy core
        w.trainingPanel()->setJob(job);
        QSignalSpy finished(w.training(), &TrainingController::finished);
        QSignalSpy epochs(w.training(), &TrainingController::epochEnded);
        QTest::keyClick(&w, Qt::Key_F5);
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 120000);
        const qint64 trained = finished.last().at(0).value<TrainingFinished>().runId;
        const double firstLoss = epochs.last().at(0).value<EpochPoint>().trainLoss;
        QTRY_COMPARE(w.runs()->model()->rowCount(), 1);

        w.runs()->selectRuns({trained});
        QVERIFY(w.runs()->exportAction()->isEnabled());
        w.runs()->exportAction()->trigger();
        auto* dialog = w.findChild<ExportDialog*>();
        QVERIFY(dialog && dialog->isVisible());
        const QString onnx = at("trained.onnx");
        dialog->setFormat(ExportFormat::Onnx);
        dialog->setOutput(onnx);
        QSignalSpy exported(dialog, &ExportDialog::finished);
        dialog->start();
        QTRY_COMPARE_WITH_TIMEOUT(exported.count(), 1, 60000);
        QVERIFY2(dialog->succeeded(), qPrintable(dialog->resultText()));
        QVERIFY2(dialog->resultText().contains(QStringLiteral("Verified in")), qPrintable(dialog->resultText()));
        {
            RunStore store(at("export.db").toStdString());
            const auto record = store.artefact(trained, "export", "onnx " + onnx.toStdString());
            QVERIFY(record && record->at("verification").at("passed").get<bool>());
        }
        dialog->close();

        QVERIFY(w.importOnnxFile(onnx));
        QVERIFY(!w.trainingPanel()->initialWeights().isEmpty());
        QVERIFY(w.trainingPanel()->job().initialWeights == w.trainingPanel()->initialWeights().toStdString());
        {   // File → Export Model… of the imported model carries the imported weights, not the seed's.
            ExportDialog again(w.document()->graph(), w.trainingPanel()->job(), QStringLiteral("imported"));
            again.setFormat(ExportFormat::Bundle);
            again.setOutput(at("imported.neurite"));
            QSignalSpy done(&again, &ExportDialog::finished);
            again.start();
            QTRY_COMPARE_WITH_TIMEOUT(done.count(), 1, 60000);
            QVERIFY2(again.succeeded(), qPrintable(again.resultText()));
            const auto imported = readSafetensors(w.trainingPanel()->initialWeights().toStdString());
            const Bundle written = readBundle(at("imported.neurite").toStdString());
            QCOMPARE(written.model.parameters.size(), imported.size());
            for (const auto& [name, tensor] : imported) {
                const Tensor& t = written.model.parameters.at(name);
                QVERIFY(std::equal(t.data(), t.data() + t.numel(), tensor.data()));
            }
        }
        {   // the imported model is a new document with the default settings: the first run's again
            JobSpec again = w.trainingPanel()->job();
            again.train.epochs = 1;
            again.data.trainSamples = 3000;
            again.threads = 1;
            w.trainingPanel()->setJob(again);
            QCOMPARE(w.trainingPanel()->job().initialWeights, w.trainingPanel()->initialWeights().toStdString());
        }
        w.train();   // (F5 would go to the dialog, the active window until the platform activates ours)
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 2, 120000);
        QCOMPARE(finished.last().at(0).value<TrainingFinished>().status, QStringLiteral("completed"));
        const double fineTunedLoss = epochs.last().at(0).value<EpochPoint>().trainLoss;
        qInfo("first epoch's loss from scratch %.3f, fine-tuned from the imported weights %.3f", firstLoss, fineTunedLoss);
        QVERIFY2(fineTunedLoss < 0.8 * firstLoss, qPrintable(QStringLiteral("first epoch %1, fine-tuned %2")
                                                                 .arg(firstLoss)
                                                                 .arg(fineTunedLoss)));

        // A bundle opens like a model file, with its weights as the starting ones.
        const QString bundle = at("points.neurite");
        writeBundle(initialisedModel(modelFromText(kPointModel)), {{"origin", "a test"}}, bundle.toStdString());
        w.document()->undoStack()->setClean();
        QVERIFY(w.openFile(bundle));
        QCOMPARE(w.document()->graph().nodes.size(), modelFromText(kPointModel).nodes.size());
        QCOMPARE(w.trainingPanel()->initialWeights(), bundle);
        w.document()->undoStack()->setClean();
    }
};

int main(int argc, char** argv)
{
    QTemporaryDir home;  // scratch settings and data
    qputenv("XDG_CONFIG_HOME", home.filePath(QStringLiteral("config")).toUtf8());
    qputenv("XDG_DATA_HOME", home.filePath(QStringLiteral("data")).toUtf8());
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("Neurite Studio"));
    QApplication::setOrganizationName(QStringLiteral("Neurite"));
    TestTraining test;
    return QTest::qExec(&test, argc, argv);
}

#include "tst_training.moc"
