// Training speed in the studio's window against `neurite train`, measured in interleaved slices
// (issue 9's "within 3%"; a benchmark, never a test).
//
// On a shared machine the speed available to a program swings by ±20% and more within seconds, so
// two runs one after the other (bench_training_ui's pairs) differ by more than the 3% asked. Here
// both sides are alive at once, as child processes: the studio's window (this program again, with
// --studio-side) and `neurite train`, each training the same job. Once both have trained their
// first epoch (start-up and warm-up behind them), they take turns: one runs for --slice-ms while
// the other is stopped (SIGSTOP, using no CPU at all), then the other, until each has run about
// --seconds. Both feel the same machine within a second of each other, so its swings cancel.
// Each side's speed is read afterwards from its own run store: the steps it recorded after its
// first epoch over the wall time between them, less the time it spent stopped.
// --control puts `neurite train` on both sides: what two identical jobs measure by this method.
// Run under Xvfb:
//   xvfb-run -a -s "-screen 0 1600x1000x24" build/benchmarks/bench_training_interleaved
//       [--model mlp] [--runs 4] [--seconds 30] [--slice-ms 500] [--threads N] [--control]
//       [--studio shown|hidden|silent]   (see studioSide)
#include "app/studio/MainWindow.h"
#include "app/studio/training/TrainingController.h"
#include "app/studio/training/TrainingPanel.h"
#include "benchmarks/TrainingSpeed.h"
#include "engine/backends/Registry.h"
#include "engine/core/CpuInfo.h"
#include "engine/run/Workspace.h"
#include "engine/store/RunStore.h"

#include <QApplication>
#include <QDir>
#include <QProcess>
#include <QSocketNotifier>
#include <QTemporaryDir>
#include <QTest>
#include <QUndoStack>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <thread>
#include <unistd.h>

using namespace neurite;
using Clock = std::chrono::steady_clock;

namespace {

constexpr int kEpochs = 10000;  // more than either side reaches: each is stopped from outside
constexpr int kTailMs = 2000;    // each side's last run alone (more than an epoch's validation)

// The job both sides train: the studio's own settings for the model, on all of Fashion-MNIST.
JobSpec speedJob(MainWindow& w, int threads)
{
    JobSpec job = w.trainingPanel()->job();
    job.data.spec = "fashion-mnist";
    job.data.valSplit = 0.1;
    job.data.trainSamples = 0;
    job.train.epochs = kEpochs;
    job.threads = threads;
    return job;
}

// --studio-side MODEL THREADS VARIANT: the window trains the job; prints "epoch N" after each epoch
// and stops the run when "stop" arrives on its standard input. VARIANT, to find where a difference
// comes from: "shown" (the studio as it is), "hidden" (the window never shown: nothing painted) or
// "silent" (shown, but the run's steps, telemetry and feature maps reach nothing in it).
int studioSide(int argc, char** argv)
{
    const std::string variant = argv[4];
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("Neurite Studio"));
    const QString model = QString::fromLocal8Bit(argv[2]);
    MainWindow w;
    w.resize(1600, 960);
    if (variant != "hidden") {
        w.show();
        if (!QTest::qWaitForWindowExposed(&w))
            return 1;
    }
    if (!w.openFile(model))
        return 1;
    w.trainingPanel()->setJob(speedJob(w, std::atoi(argv[3])));
    if (variant == "silent") {
        QObject::disconnect(w.training(), &TrainingController::steps, nullptr, nullptr);
        QObject::disconnect(w.training(), &TrainingController::telemetry, nullptr, nullptr);
        QObject::disconnect(w.training(), &TrainingController::featureMaps, nullptr, nullptr);
    }
    QObject::connect(w.training(), &TrainingController::epochEnded, [](const EpochPoint& e) {
        std::printf("epoch %d\n", e.epoch);
        std::fflush(stdout);
    });
    QSocketNotifier input(STDIN_FILENO, QSocketNotifier::Read);
    QObject::connect(&input, &QSocketNotifier::activated, [&] {
        char text[64];
        const ssize_t n = read(STDIN_FILENO, text, sizeof text);
        if (n <= 0 || QByteArray(text, int(n)).startsWith("stop"))
            w.training()->stop();
    });
    QObject::connect(w.training(), &TrainingController::stateChanged, [&](TrainingController::State s) {
        if (s == TrainingController::State::Idle)
            app.quit();
    });
    if (!w.train())
        return 1;
    app.exec();
    w.document()->undoStack()->setClean();  // nothing to save on closing
    return 0;
}

// One side: a child process training the job into a workspace of its own.
struct Side {
    Side(const char* name, QString workspace) : name(name), workspace(std::move(workspace)) {}
    const char* name;
    QString workspace;
    QProcess process;
    double stoppedSeconds = 0;          // time spent stopped since its first epoch ended
    Clock::time_point stoppedAt;

    void stop()
    {
        kill(pid_t(process.processId()), SIGSTOP);
        stoppedAt = Clock::now();
    }
    void resume()
    {
        stoppedSeconds += std::chrono::duration<double>(Clock::now() - stoppedAt).count();
        kill(pid_t(process.processId()), SIGCONT);
    }
    // Waits for a line of output that starts with `prefix`; false when the process ends first.
    bool waitForLine(const QByteArray& prefix)
    {
        for (;;) {
            while (process.canReadLine())
                if (process.readLine().startsWith(prefix))
                    return true;
            if (process.state() == QProcess::NotRunning || !process.waitForReadyRead(120000)) {
                std::fprintf(stderr, "%s ended before its first epoch: %s\n", name,
                             process.readAllStandardError().constData());
                return false;
            }
        }
    }
    // Starts it and lets it train its first epoch (start-up and warm-up), then stops it.
    bool startAndWarmUp(const QString& program, const QStringList& arguments, const QByteArray& epochLine)
    {
        process.start(program, arguments);
        if (!waitForLine(epochLine))
            return false;
        stop();
        stoppedSeconds = 0;
        return true;
    }
};

// Samples a second over the steps after the first epoch: the steps recorded (each with its wall
// time since the run began) over the wall time between them, less the time the side was stopped.
struct Measured {
    double samplesPerSecond = 0, activeSeconds = 0;
    std::int64_t steps = 0;
};

Measured measure(const Side& side, std::int64_t batch)
{
    const auto store = openWorkspace(side.workspace.toStdString());
    const auto runs = store->listRuns();
    if (runs.empty())
        return {};
    const auto points = store->metrics(runs.back().run.id, "train/loss");
    const MetricPoint* firstEpochEnd = nullptr;
    for (const auto& p : points)
        if (p.epoch == 1)
            firstEpochEnd = &p;
    if (!firstEpochEnd || points.back().step <= firstEpochEnd->step)
        return {};
    Measured m;
    m.steps = points.back().step - firstEpochEnd->step;
    m.activeSeconds = points.back().time - firstEpochEnd->time - side.stoppedSeconds;
    m.samplesPerSecond = double(m.steps * batch) / m.activeSeconds;
    return m;
}

} // namespace

int main(int argc, char** argv)
{
    prepareProcessForBackends(argv);  // as neurite-studio does
    if (argc >= 5 && std::string(argv[1]) == "--studio-side")
        return studioSide(argc, argv);

    QTemporaryDir home;  // scratch settings and workspaces, for this process and its children
    qputenv("XDG_CONFIG_HOME", home.filePath(QStringLiteral("config")).toUtf8());
    qputenv("XDG_DATA_HOME", home.filePath(QStringLiteral("data")).toUtf8());
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("Neurite Studio"));
    QString modelName = QStringLiteral("mlp");
    int runs = 4, seconds = 30, sliceMs = 500, threads = 0;
    bool control = false;
    QString variant = QStringLiteral("shown");
    for (int i = 1; i < argc; ++i) {
        const std::string flag = argv[i];
        const char* value = i + 1 < argc ? argv[i + 1] : "0";
        if (flag == "--control")
            control = true;
        else if (flag == "--model")
            modelName = QString::fromLocal8Bit(value), ++i;
        else if (flag == "--runs")
            runs = std::atoi(value), ++i;
        else if (flag == "--seconds")
            seconds = std::atoi(value), ++i;
        else if (flag == "--slice-ms")
            sliceMs = std::atoi(value), ++i;
        else if (flag == "--studio")
            variant = QString::fromLocal8Bit(value), ++i;
        else if (flag == "--threads")
            threads = std::atoi(value), ++i;
    }
    const QString model = QStringLiteral(NEURITE_SOURCE_DIR "/resources/models/%1.json").arg(modelName);
    JobSpec job;
    {
        MainWindow w;  // never shown: only the studio's settings for the model
        if (!w.openFile(model))
            return 1;
        job = speedJob(w, threads);
        w.document()->undoStack()->setClean();
    }
    const auto& cpu = CpuInfo::current();
    std::printf("CPU %s, %d logical cores\n", cpu.model.c_str(), cpu.logicalCores);
    std::printf("%s: batch %lld on %s; %d runs, each side about %d s in slices of %d ms%s\n", qPrintable(modelName),
                (long long)job.train.batch, threads > 0 ? qPrintable(QStringLiteral("%1 thread(s)").arg(threads)) : "all cores",
                runs, seconds, sliceMs,
                control ? " (control: neurite train on both sides)"
                        : qPrintable(QStringLiteral(" (the studio's window %1)").arg(variant)));

    std::vector<double> ratios;
    for (int run = 0; run < runs; ++run) {
        const QString dir = home.filePath(QStringLiteral("run%1").arg(run));
        QDir().mkpath(dir + QStringLiteral("/studio/neurite"));
        Side studio(control ? "neurite train (control)" : "studio", {});
        Side cli("neurite train", dir + QStringLiteral("/cli.db"));
        bool started = false;
        if (control) {
            studio.workspace = dir + QStringLiteral("/control.db");
            started = studio.startAndWarmUp(QStringLiteral(NEURITE_CLI),
                                            neuriteTrainArguments(model, job, studio.workspace), "epoch 1/");
        } else {
            studio.workspace = dir + QStringLiteral("/studio/neurite/neurite.db");  // its default workspace
            QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
            env.insert(QStringLiteral("XDG_DATA_HOME"), dir + QStringLiteral("/studio"));
            studio.process.setProcessEnvironment(env);
            started = studio.startAndWarmUp(QCoreApplication::applicationFilePath(),
                                            {QStringLiteral("--studio-side"), model, QString::number(threads), variant},
                                            "epoch 1");
        }
        started = started && cli.startAndWarmUp(QStringLiteral(NEURITE_CLI),
                                                neuriteTrainArguments(model, job, cli.workspace), "epoch 1/");
        if (!started)
            return 1;
        // Slices in the order A B B A A B ...: a machine that speeds up or slows down steadily
        // favours neither side. The first side alternates from run to run.
        Side* order[2] = {&studio, &cli};
        if (run % 2)
            std::swap(order[0], order[1]);
        const int slices = std::max(1, seconds * 1000 / sliceMs);
        for (int i = 0; i < 2 * slices; ++i) {
            Side* side = order[(i + 1) / 2 % 2];
            side->resume();
            std::this_thread::sleep_for(std::chrono::milliseconds(sliceMs));
            side->stop();
        }
        // Each side ends alone: it is let go for kTailMs first, then asked to stop (within a step),
        // and its run recorded. The tail makes it record steps after its last stopped spell, so
        // that this spell lies inside its measured span: asked at once, a side caught between
        // steps or in an epoch's validation recorded none, and the spell (the other side's last
        // slice and its shutdown) was taken off a span that did not hold it.
        studio.resume();
        std::this_thread::sleep_for(std::chrono::milliseconds(kTailMs));
        if (control)
            kill(pid_t(studio.process.processId()), SIGINT);
        else
            studio.process.write("stop\n"), studio.process.waitForBytesWritten();
        studio.process.waitForFinished(-1);
        cli.resume();
        std::this_thread::sleep_for(std::chrono::milliseconds(kTailMs));
        kill(pid_t(cli.process.processId()), SIGINT);
        cli.process.waitForFinished(-1);

        const Measured a = measure(studio, job.train.batch), b = measure(cli, job.train.batch);
        const double ratio = b.samplesPerSecond > 0 ? a.samplesPerSecond / b.samplesPerSecond : 0;
        ratios.push_back(ratio);
        std::printf("  run %d (%s slices first): %s %.0f samples/s (%lld steps in %.1f s), neurite train %.0f "
                    "samples/s (%lld steps in %.1f s), ratio %.3f\n",
                    run + 1, order[0] == &studio ? (control ? "control" : "studio") : "terminal", studio.name,
                    a.samplesPerSecond, (long long)a.steps, a.activeSeconds, b.samplesPerSecond, (long long)b.steps,
                    b.activeSeconds, ratio);
        std::fflush(stdout);
    }
    const RatioSummary summary = summariseRatios(ratios);
    std::printf("speed, %s ÷ neurite train, %s, %d interleaved runs: geometric mean %.3f (95%% interval %.3f to "
                "%.3f), from %.3f to %.3f (target: within 3%%)\n",
                control ? "neurite train (control)" : "studio", qPrintable(modelName), runs, summary.mean,
                summary.low, summary.high, percentile(ratios, 0.0), percentile(ratios, 1.0));
    return 0;
}
