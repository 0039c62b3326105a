// Training in the studio, measured (issue 9's figures; a benchmark, never a test):
//   - input latency while a model trains on every core: a stamped event is posted to the window's
//     event loop every 20 ms and its wait measured, as a key press or a click would wait; median,
//     95th percentile and worst over the run, with the live charts and the Training dock updating;
//   - training speed inside the studio against `neurite train` on the same model, data and
//     settings, in pairs, samples per second of the training loop from each. Each side trains
//     about --speed-seconds (whole epochs) into a workspace of its own, and which goes first is
//     drawn for each pair, so a machine whose speed drifts favours neither side.
//     --control trains both sides of every pair with `neurite train`: the method's own spread,
//     what a ratio of two identical jobs looks like on this machine.
// Run under Xvfb (the window is drawn by X11's raster engine, as on a desktop without a GPU):
//   xvfb-run -a -s "-screen 0 1600x1000x24" build/benchmarks/bench_training_ui [--model cnn] [--seconds 60]
//       [--pairs 3] [--speed-seconds 10] [--threads N] [--control] [--paints]
// --threads trains the speed pairs on N threads (default: all cores); with fewer threads than cores
// the GUI thread and the X server have a core to themselves, and the ratio measures the job's own
// path in the studio (worker thread, signals, recording) without their competition.
// Each pair also prints both sides' context switches a second (an involuntary one is a thread
// losing its core to another) and, for the window's side, each thread's CPU share by name;
// --paints times every event the GUI thread handles during the first pair (what the window's
// share of the machine goes to).
#include "app/studio/MainWindow.h"
#include "app/studio/training/TrainingController.h"
#include "app/studio/training/TrainingPanel.h"
#include "engine/backends/Registry.h"
#include "engine/core/CpuInfo.h"
#include "engine/run/Workspace.h"
#include "engine/store/RunStore.h"
#include "benchmarks/TrainingSpeed.h"

#include <QApplication>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMetaEnum>
#include <QPaintEvent>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>
#include <QTimer>
#include <QUndoStack>
#include <algorithm>
#include <cmath>
#include <map>
#include <random>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <sys/resource.h>
#include <unistd.h>
#include <cstdio>
#include <vector>

using namespace neurite;

namespace {

// An event that carries the time it was posted; its handler records how long it waited.
class StampedEvent : public QEvent {
public:
    static QEvent::Type kind() { static const int t = QEvent::registerEventType(); return QEvent::Type(t); }
    explicit StampedEvent(qint64 postedNs) : QEvent(kind()), posted(postedNs) {}
    qint64 posted;
};

class LatencyProbe : public QObject {
public:
    explicit LatencyProbe(const QElapsedTimer& clock) : clock_(clock) {}
    std::vector<double> waitsMs;
    bool event(QEvent* e) override
    {
        if (e->type() != StampedEvent::kind())
            return QObject::event(e);
        waitsMs.push_back(double(clock_.nsecsElapsed() - static_cast<StampedEvent*>(e)->posted) / 1e6);
        return true;
    }

private:
    const QElapsedTimer& clock_;
};

double threadCpuSeconds()
{
    timespec t{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return double(t.tv_sec) + double(t.tv_nsec) / 1e9;
}

double guiShare = 0;  // the GUI thread's CPU time over the last trainInStudio's wall time

// CPU seconds of every thread of this process by name, and of the X server (Xvfb or Xorg), read
// from /proc: what the window's side of a pair spends besides the training threads.
std::map<std::string, double> cpuSecondsByThreadName()
{
    std::map<std::string, double> byName;
    const double tick = double(sysconf(_SC_CLK_TCK));
    const auto add = [&](const std::filesystem::path& stat, const std::string& prefix) {
        std::ifstream in(stat);
        std::string line;
        if (!std::getline(in, line))
            return;
        const auto open = line.find('('), close = line.rfind(')');
        if (open == std::string::npos || close == std::string::npos)
            return;
        std::istringstream rest(line.substr(close + 2));
        std::string field;
        double utime = 0, stime = 0;
        for (int i = 3; i <= 15 && rest >> field; ++i)   // fields 14 and 15: utime, stime (man 5 proc)
            if (i == 14)
                utime = std::stod(field);
            else if (i == 15)
                stime = std::stod(field);
        byName[prefix + line.substr(open + 1, close - open - 1)] += (utime + stime) / tick;
    };
    std::error_code ec;
    for (const auto& t : std::filesystem::directory_iterator("/proc/self/task", ec))
        add(t.path() / "stat", "");
    for (const auto& p : std::filesystem::directory_iterator("/proc", ec)) {
        std::ifstream comm(p.path() / "comm");
        std::string name;
        if (std::getline(comm, name) && (name == "Xvfb" || name == "Xorg"))
            add(p.path() / "stat", "X server ");
    }
    return byName;
}

// Each thread's (and the X server's) CPU time over the last trainInStudio's wall time, by name.
std::map<std::string, double> cpuShares;

// Context switches per second of wall time, of this process (RUSAGE_SELF: the window's side, its
// finished threads included) or of the waited-for children (RUSAGE_CHILDREN: `neurite train`).
// Involuntary ones are a thread losing its core to another runnable thread.
struct Switches {
    double voluntary = 0, involuntary = 0;
};

class SwitchCounter {
public:
    explicit SwitchCounter(int who) : who_(who) { getrusage(who_, &before_); wall_.start(); }
    Switches perSecond() const
    {
        rusage after{};
        getrusage(who_, &after);
        const double seconds = std::max(1e-9, double(wall_.nsecsElapsed()) / 1e9);
        return {double(after.ru_nvcsw - before_.ru_nvcsw) / seconds, double(after.ru_nivcsw - before_.ru_nivcsw) / seconds};
    }

private:
    int who_;
    rusage before_{};
    QElapsedTimer wall_;
};

Switches studioSwitches, cliSwitches;   // of the last side trained

// One side's training speed in samples per second: over every epoch, and over the epochs after the
// first (the steady speed of a run of minutes: the first epoch also holds the run's start, in the
// window its charts reset and docks re-enabled, on both sides the engine's warm-up).
struct SideSpeed {
    double all = 0, steady = 0;
};

// `epochs`: each epoch's (samples per second, seconds), in order.
SideSpeed speedOf(const std::vector<std::pair<double, double>>& epochs)
{
    double samples = 0, seconds = 0, laterSamples = 0, laterSeconds = 0;
    for (std::size_t i = 0; i < epochs.size(); ++i) {
        const auto [rate, epochSeconds] = epochs[i];
        samples += rate * epochSeconds;
        seconds += epochSeconds;
        if (i > 0) {
            laterSamples += rate * epochSeconds;
            laterSeconds += epochSeconds;
        }
    }
    SideSpeed speed;
    speed.all = seconds > 0 ? samples / seconds : 0;
    speed.steady = laterSeconds > 0 ? laterSamples / laterSeconds : speed.all;
    return speed;
}

// Trains `job` in the window; returns the training loop's samples per second.
SideSpeed trainInStudio(MainWindow& w, const JobSpec& job, LatencyProbe* probe, const QElapsedTimer& clock)
{
    w.trainingPanel()->setJob(job);
    std::vector<std::pair<double, double>> epochs;
    auto c = QObject::connect(w.training(), &TrainingController::epochEnded, [&](const EpochPoint& e) {
        epochs.emplace_back(e.samplesPerSecond, e.seconds);
    });
    QTimer poster;
    if (probe) {
        QObject::connect(&poster, &QTimer::timeout, [&] {
            // Posted from a thread of its own would be more exact; from a timer on the GUI thread it
            // measures the same queue, from the moment the loop could take a new event.
            QCoreApplication::postEvent(probe, new StampedEvent(clock.nsecsElapsed()));
        });
        poster.start(20);
    }
    const double cpuBefore = threadCpuSeconds();
    const auto threadsBefore = cpuSecondsByThreadName();
    const SwitchCounter switches(RUSAGE_SELF);
    QElapsedTimer wall;
    wall.start();
    // An event loop that sleeps until something happens, as the studio's own does (QTest::qWaitFor
    // would wake the GUI thread every 10 ms and steal time slices from the training threads).
    QEventLoop untilIdle;
    QObject::connect(w.training(), &TrainingController::stateChanged, &untilIdle, [&](TrainingController::State s) {
        if (s == TrainingController::State::Idle)
            untilIdle.quit();
    });
    w.train();
    untilIdle.exec();
    poster.stop();
    const double wallSeconds = double(wall.nsecsElapsed()) / 1e9;
    guiShare = (threadCpuSeconds() - cpuBefore) / wallSeconds;
    studioSwitches = switches.perSecond();
    cpuShares = cpuSecondsByThreadName();
    for (auto& [name, cpu] : cpuShares)
        cpu = (cpu - (threadsBefore.count(name) ? threadsBefore.at(name) : 0.0)) / wallSeconds;
    QObject::disconnect(c);
    return speedOf(epochs);
}

// With --paints: every event the GUI thread handles, counted and timed by its type and receiver
// (top-level dispatches, which include what they cause), and every paint by widget: where the
// window's share of the machine goes while it trains.
class TimedApplication : public QApplication {
public:
    using QApplication::QApplication;
    bool timing = false;
    struct Cost {
        int count = 0;
        double ms = 0;
    };
    std::map<QString, Cost> costs;

    bool notify(QObject* receiver, QEvent* event) override
    {
        if (!timing || QThread::currentThread() != thread())
            return QApplication::notify(receiver, event);
        const bool paint = event->type() == QEvent::Paint;
        const bool topLevel = depth_ == 0;
        QString key;
        if (topLevel || paint) {
            key = QStringLiteral("%1 %2 %3")
                      .arg(paint ? QStringLiteral("paint") : QStringLiteral("event"))
                      .arg(QString::fromLatin1(QMetaEnum::fromType<QEvent::Type>().valueToKey(event->type())))
                      .arg(QString::fromLatin1(receiver->metaObject()->className()));
            if ((paint || event->type() == QEvent::Timer || event->type() == QEvent::MetaCall) && receiver->parent())
                key += QStringLiteral(" in ") + QString::fromLatin1(receiver->parent()->metaObject()->className());
            else if (auto* timer = qobject_cast<QTimer*>(receiver))   // a member timer: known by its interval
                key += QStringLiteral(" every %1 ms").arg(timer->interval());
            if (paint)   // the whole widget, or the part that changed
                key += static_cast<QPaintEvent*>(event)->rect() == static_cast<QWidget*>(receiver)->rect()
                           ? QStringLiteral(" (whole)")
                           : QStringLiteral(" (part)");
        }
        QElapsedTimer t;
        t.start();
        ++depth_;
        const bool handled = QApplication::notify(receiver, event);
        --depth_;
        if (!key.isEmpty()) {
            Cost& c = costs[key];
            ++c.count;
            c.ms += double(t.nsecsElapsed()) / 1e6;
        }
        return handled;
    }

    void print(double seconds) const
    {
        std::vector<std::pair<QString, Cost>> sorted(costs.begin(), costs.end());
        std::sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) { return a.second.ms > b.second.ms; });
        for (const auto& [key, c] : sorted)
            if (c.ms >= 1)
                std::printf("    %8.1f ms (%5.2f%% of a core) %6d x  %s\n", c.ms, c.ms / 10 / seconds, c.count, qPrintable(key));
    }

private:
    int depth_ = 0;
};

// `workspace`: a file name in `scratch`; each side of a pair records into its own, as the studio
// and a terminal do (one shared file would give the sides different SQLite checkpoint cadences).
SideSpeed trainInCli(const QString& model, const JobSpec& job, const QString& scratch,
                  const QString& workspace = QStringLiteral("cli.db"))
{
    const QString summary = scratch + QStringLiteral("/summary.json");
    const SwitchCounter switches(RUSAGE_CHILDREN);
    QProcess p;
    p.start(QStringLiteral(NEURITE_CLI), neuriteTrainArguments(model, job, scratch + QLatin1Char('/') + workspace) +
                                             QStringList{QStringLiteral("--quiet"), QStringLiteral("--json"), summary});
    p.waitForFinished(-1);
    cliSwitches = switches.perSecond();
    QFile f(summary);
    if (p.exitCode() != 0 || !f.open(QIODevice::ReadOnly)) {
        std::fprintf(stderr, "neurite train failed: %s\n", p.readAllStandardError().constData());
        return {};
    }
    // Each epoch's speed, as the run recorded it in its workspace (the summary has only the whole).
    const auto run = std::int64_t(QJsonDocument::fromJson(f.readAll()).object().value(QStringLiteral("run")).toDouble());
    const auto store = neurite::openWorkspace((scratch + QLatin1Char('/') + workspace).toStdString());
    const auto rates = store->metrics(run, "epoch/samples_per_second"), seconds = store->metrics(run, "epoch/seconds");
    std::vector<std::pair<double, double>> epochs;
    for (std::size_t i = 0; i < std::min(rates.size(), seconds.size()); ++i)
        epochs.emplace_back(rates[i].value, seconds[i].value);
    return speedOf(epochs);
}

// Every leaf of `j` as "path = value", for comparing two runs' settings.
void flatten(const nlohmann::json& j, const std::string& path, std::map<std::string, std::string>& out)
{
    if (j.is_object()) {
        for (const auto& [key, value] : j.items())
            flatten(value, path.empty() ? key : path + "." + key, out);
        return;
    }
    out[path] = j.dump();
}

// The two sides must train the same job: the settings of the last run each workspace recorded,
// compared (the device's description and the run's own identity aside).
void printSettingsThatDiffer(const QString& studioWorkspace, const QString& cliWorkspace)
{
    std::map<std::string, std::string> sides[2];
    const QString workspaces[2] = {studioWorkspace, cliWorkspace};
    for (int i = 0; i < 2; ++i) {
        const auto store = neurite::openWorkspace(workspaces[i].toStdString());
        const auto runs = store->listRuns();
        const auto last = std::max_element(runs.begin(), runs.end(),
                                           [](const auto& a, const auto& b) { return a.run.id < b.run.id; });
        if (last == runs.end())
            return;
        const neurite::RunRecord& r = last->run;
        flatten({{"dataset", r.dataset}, {"data", r.datasetSettings}, {"train", r.hyperparams},
                 {"seed", r.seed}, {"modelHash", r.modelHash}},
                "", sides[i]);
    }
    std::string differ;
    for (const auto& [key, value] : sides[0])
        if (!sides[1].count(key) || sides[1].at(key) != value)
            differ += "\n    " + key + ": studio " + value + ", neurite train " +
                      (sides[1].count(key) ? sides[1].at(key) : std::string("(none)"));
    for (const auto& [key, value] : sides[1])
        if (!sides[0].count(key))
            differ += "\n    " + key + ": studio (none), neurite train " + value;
    std::printf("settings of the last pair's runs: %s\n", differ.empty() ? "the same" : ("differ:" + differ).c_str());
}

} // namespace

int main(int argc, char** argv)
{
    neurite::prepareProcessForBackends(argv);  // as neurite-studio does
    QTemporaryDir home;  // scratch settings and workspace
    qputenv("XDG_CONFIG_HOME", home.filePath(QStringLiteral("config")).toUtf8());
    qputenv("XDG_DATA_HOME", home.filePath(QStringLiteral("data")).toUtf8());
    TimedApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("Neurite Studio"));
    QString modelName = QStringLiteral("cnn");
    int seconds = 60, pairs = 3, speedSeconds = 10, speedThreads = 0;
    bool listPaints = false, control = false;
    for (int i = 1; i < argc; ++i) {
        const QString flag = QString::fromLocal8Bit(argv[i]);
        const char* value = i + 1 < argc ? argv[i + 1] : "";
        if (flag == QLatin1String("--paints"))
            listPaints = true;
        else if (flag == QLatin1String("--control"))
            control = true;
        else if (flag == QLatin1String("--threads"))
            speedThreads = std::atoi(value), ++i;
        else if (flag == QLatin1String("--speed-seconds"))
            speedSeconds = std::atoi(value), ++i;
        else if (flag == QLatin1String("--model"))
            modelName = QString::fromLocal8Bit(value), ++i;
        else if (flag == QLatin1String("--seconds"))
            seconds = std::atoi(value), ++i;
        else if (flag == QLatin1String("--pairs"))
            pairs = std::atoi(value), ++i;
    }
    const QString model = QStringLiteral(NEURITE_SOURCE_DIR "/resources/models/%1.json").arg(modelName);
    const auto& cpu = CpuInfo::current();
    std::string extensions;
    for (const auto& e : cpu.extensions())
        extensions += (extensions.empty() ? "" : " ") + e;
    std::printf("CPU %s, %d logical cores (%s)\n", cpu.model.c_str(), cpu.logicalCores, extensions.c_str());

    MainWindow w;
    w.resize(1600, 960);
    w.show();
    if (!QTest::qWaitForWindowExposed(&w) || !w.openFile(model))
        return 1;
    QElapsedTimer clock;
    clock.start();

    // 1. Latency while training for about `seconds` (epochs sized from a first short measurement).
    JobSpec job = w.trainingPanel()->job();
    job.data.spec = "fashion-mnist";
    job.data.valSplit = 0;
    job.data.trainSamples = 6000;
    job.train.epochs = 1;
    const double rate = trainInStudio(w, job, nullptr, clock).all;
    job.data.trainSamples = 0;  // all 60,000
    job.train.epochs = std::max(1, int(seconds * rate / 60000.0 + 0.5));
    LatencyProbe probe(clock);
    std::printf("latency: %s trains %d epoch(s) of 60,000 images (about %d s) in the window\n", qPrintable(modelName),
                job.train.epochs, seconds);
    trainInStudio(w, job, &probe, clock);
    std::printf("  %zu probes: median %.2f ms, 95th percentile %.2f ms, worst %.2f ms (target: answers within 50 ms)\n",
                probe.waitsMs.size(), median(probe.waitsMs), percentile(probe.waitsMs, 0.95),
                percentile(probe.waitsMs, 1.0));
    std::printf("  the GUI thread was busy %.1f%% of the time (charts, progress, the probes)\n", 100 * guiShare);

    // 2. Speed: the same job in the window and in `neurite train`, in pairs.
    job.data.valSplit = 0.1;
    job.threads = speedThreads;
    // At least two epochs a side: the figure is the steady speed, the epochs after the first.
    job.train.epochs = std::max(2, int(speedSeconds * rate / 54000.0 + 0.5));
    std::printf("speed: %s trains %d epochs of 54,000 images (about %d s) on %s on each side of %d pairs%s\n",
                qPrintable(modelName), job.train.epochs, speedSeconds,
                speedThreads > 0 ? qPrintable(QStringLiteral("%1 thread(s)").arg(speedThreads)) : "all cores", pairs,
                control ? " (control: neurite train on both sides)" : "");
    std::vector<SideSpeed> studio, cli;
    const auto trainStudioSide = [&](int pair) {
        if (control) {
            const SideSpeed r = trainInCli(model, job, home.path(), QStringLiteral("control.db"));
            studioSwitches = cliSwitches;
            return r;
        }
        app.timing = pair == 0 && listPaints;
        QElapsedTimer wall;
        wall.start();
        const SideSpeed r = trainInStudio(w, job, nullptr, clock);
        app.timing = false;
        std::printf("  (GUI thread busy %.1f%%; CPU by thread, in cores:", 100 * guiShare);
        for (const auto& [name, share] : cpuShares)
            if (share >= 0.001)
                std::printf(" %s %.3f,", name.c_str(), share);
        std::printf(")\n");
        if (pair == 0 && listPaints)
            app.print(double(wall.elapsed()) / 1e3);
        return r;
    };
    const char* studioName = control ? "neurite train (control)" : "studio";
    // Which side goes first is drawn for each pair (a fixed seed): a machine whose speed drifts, or
    // changes in a rhythm of its own, favours neither side.
    std::mt19937 draw(1);
    for (int i = 0; i < pairs; ++i) {
        const bool studioFirst = draw() % 2 == 0;
        if (studioFirst) {
            studio.push_back(trainStudioSide(i));
            cli.push_back(trainInCli(model, job, home.path()));
        } else {
            cli.push_back(trainInCli(model, job, home.path()));
            studio.push_back(trainStudioSide(i));
        }
        const SideSpeed &a = studio.back(), &b = cli.back();
        std::printf("  pair %d (%s first): samples/s every epoch / after the first: %s %.0f / %.0f, neurite train "
                    "%.0f / %.0f, ratios %.3f / %.3f; context switches a second, involuntary/voluntary: %.0f/%.0f "
                    "against %.0f/%.0f\n",
                    i + 1, studioFirst ? (control ? "control" : "studio") : "terminal", studioName, a.all, a.steady,
                    b.all, b.steady, b.all > 0 ? a.all / b.all : 0.0, b.steady > 0 ? a.steady / b.steady : 0.0,
                    studioSwitches.involuntary, studioSwitches.voluntary, cliSwitches.involuntary,
                    cliSwitches.voluntary);
    }
    // Each pair's ratio cancels the machine's slow drifts (a shared machine's speed wanders by ±10%
    // and more over minutes); their geometric mean, with its 95% interval, is the figure.
    for (const bool steady : {false, true}) {
        const auto speed = [&](const SideSpeed& s) { return steady ? s.steady : s.all; };
        std::vector<double> ratios, studioSpeeds, cliSpeeds;
        for (std::size_t i = 0; i < studio.size(); ++i) {
            ratios.push_back(speed(cli[i]) > 0 ? speed(studio[i]) / speed(cli[i]) : 0);
            studioSpeeds.push_back(speed(studio[i]));
            cliSpeeds.push_back(speed(cli[i]));
        }
        const RatioSummary summary = summariseRatios(ratios);
        std::printf("speed %s: %s, %d pairs: %s median %.0f samples/s, neurite train median %.0f samples/s; ratio per "
                    "pair: geometric mean %.3f (95%% interval %.3f to %.3f), median %.3f, from %.3f to %.3f%s\n",
                    steady ? "after the first epoch (the steady run)" : "over every epoch", qPrintable(modelName),
                    pairs, studioName, median(studioSpeeds), median(cliSpeeds), summary.mean, summary.low,
                    summary.high, median(ratios), percentile(ratios, 0.0), percentile(ratios, 1.0),
                    steady ? " (target: within 3%)" : "");
    }
    if (!control)
        printSettingsThatDiffer(w.training()->workspace(), home.path() + QStringLiteral("/cli.db"));
    w.document()->undoStack()->setClean();
    return 0;
}
