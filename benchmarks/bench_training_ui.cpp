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

#include <QApplication>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMetaEnum>
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

double percentile(std::vector<double> v, double p)
{
    if (v.empty())
        return 0;
    std::sort(v.begin(), v.end());
    return v[std::min(v.size() - 1, std::size_t(p * double(v.size() - 1) + 0.5))];
}

double median(std::vector<double> v) { return percentile(std::move(v), 0.5); }

// The geometric mean of ratios and its 95% interval (Student's t on their logarithms).
struct RatioSummary {
    double mean = 0, low = 0, high = 0;
};

RatioSummary summariseRatios(const std::vector<double>& ratios)
{
    std::vector<double> logs;
    for (double r : ratios)
        if (r > 0)
            logs.push_back(std::log(r));
    const std::size_t n = logs.size();
    if (n == 0)
        return {};
    double mean = 0;
    for (double l : logs)
        mean += l / double(n);
    if (n == 1)
        return {std::exp(mean), std::exp(mean), std::exp(mean)};
    double variance = 0;
    for (double l : logs)
        variance += (l - mean) * (l - mean) / double(n - 1);
    // t(0.975, d) for d = 1..30 degrees of freedom; 2.0 beyond (1.96 at infinity, 2.02 at 40).
    static const double t[] = {12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
                               2.201,  2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
                               2.080,  2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042};
    const double quantile = n - 1 <= 30 ? t[n - 2] : 2.0;
    const double half = quantile * std::sqrt(variance / double(n));
    return {std::exp(mean), std::exp(mean - half), std::exp(mean + half)};
}

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

// Trains `job` in the window; returns the training loop's samples per second (all epochs).
double trainInStudio(MainWindow& w, const JobSpec& job, LatencyProbe* probe, const QElapsedTimer& clock)
{
    w.trainingPanel()->setJob(job);
    double samples = 0, seconds = 0;
    auto c = QObject::connect(w.training(), &TrainingController::epochEnded, [&](const EpochPoint& e) {
        samples += e.samplesPerSecond * e.seconds;
        seconds += e.seconds;
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
    return seconds > 0 ? samples / seconds : 0;
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
double trainInCli(const QString& model, const JobSpec& job, const QString& scratch,
                  const QString& workspace = QStringLiteral("cli.db"))
{
    const QString summary = scratch + QStringLiteral("/summary.json");
    const SwitchCounter switches(RUSAGE_CHILDREN);
    QProcess p;
    p.start(QStringLiteral(NEURITE_CLI),
            {QStringLiteral("train"), model, QStringLiteral("--data"), QString::fromStdString(job.data.spec),
             QStringLiteral("--epochs"), QString::number(job.train.epochs), QStringLiteral("--batch"),
             QString::number(job.train.batch), QStringLiteral("--val-split"), QString::number(job.data.valSplit),
             QStringLiteral("--train-samples"), QString::number(job.data.trainSamples),
             QStringLiteral("--threads"), QString::number(job.threads),  // 0: all cores, as in the studio
             QStringLiteral("--workspace"), scratch + QLatin1Char('/') + workspace,  // both record, as the studio does
             QStringLiteral("--quiet"), QStringLiteral("--json"), summary});
    p.waitForFinished(-1);
    cliSwitches = switches.perSecond();
    QFile f(summary);
    if (p.exitCode() != 0 || !f.open(QIODevice::ReadOnly)) {
        std::fprintf(stderr, "neurite train failed: %s\n", p.readAllStandardError().constData());
        return 0;
    }
    return QJsonDocument::fromJson(f.readAll()).object().value(QStringLiteral("samples_per_second")).toDouble();
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
    const double rate = trainInStudio(w, job, nullptr, clock);
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
    job.train.epochs = std::max(1, int(speedSeconds * rate / 54000.0 + 0.5));
    std::printf("speed: %s trains %d epoch(s) of 54,000 images (about %d s) on %s on each side of %d pairs%s\n",
                qPrintable(modelName), job.train.epochs, speedSeconds,
                speedThreads > 0 ? qPrintable(QStringLiteral("%1 thread(s)").arg(speedThreads)) : "all cores", pairs,
                control ? " (control: neurite train on both sides)" : "");
    std::vector<double> studio, cli;
    const auto trainStudioSide = [&](int pair) {
        if (control) {
            const double r = trainInCli(model, job, home.path(), QStringLiteral("control.db"));
            studioSwitches = cliSwitches;
            return r;
        }
        app.timing = pair == 0 && listPaints;
        QElapsedTimer wall;
        wall.start();
        const double r = trainInStudio(w, job, nullptr, clock);
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
        std::printf("  pair %d (%s first): %s %.0f samples/s, neurite train %.0f samples/s, ratio %.3f; context switches "
                    "a second, involuntary/voluntary: %.0f/%.0f against %.0f/%.0f\n",
                    i + 1, studioFirst ? (control ? "control" : "studio") : "terminal",
                    control ? "neurite train (control)" : "studio", studio.back(), cli.back(),
                    cli.back() > 0 ? studio.back() / cli.back() : 0.0, studioSwitches.involuntary,
                    studioSwitches.voluntary, cliSwitches.involuntary, cliSwitches.voluntary);
    }
    // Each pair's ratio cancels the machine's slow drifts (a shared machine's speed wanders by ±10%
    // and more over minutes); their geometric mean, with its 95% interval, is the figure.
    std::vector<double> ratios;
    for (std::size_t i = 0; i < studio.size(); ++i)
        ratios.push_back(cli[i] > 0 ? studio[i] / cli[i] : 0);
    const RatioSummary summary = summariseRatios(ratios);
    std::printf("speed: %s, %d pairs: %s median %.0f samples/s, neurite train median %.0f samples/s; ratio per pair: "
                "geometric mean %.3f (95%% interval %.3f to %.3f), median %.3f, from %.3f to %.3f (target: within "
                "3%%)\n",
                qPrintable(modelName), pairs, control ? "neurite train (control)" : "studio", median(studio),
                median(cli), summary.mean, summary.low, summary.high, median(ratios), percentile(ratios, 0.0),
                percentile(ratios, 1.0));
    if (!control)
        printSettingsThatDiffer(w.training()->workspace(), home.path() + QStringLiteral("/cli.db"));
    w.document()->undoStack()->setClean();
    return 0;
}
