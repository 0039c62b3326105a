// The training job every front end uses (engine/run): its JSON, its flags, old runs opened and
// resumed, pause and cancel at random moments, cancellable evaluation, the metric catalogue.
#include "engine/backends/CudaDevices.h"
#include "engine/core/Error.h"
#include "engine/run/JobFlags.h"
#include "engine/run/MetricCatalogue.h"
#include "engine/run/TrainingJob.h"
#include "engine/run/Workspace.h"

#include <QtTest>

#include <atomic>
#include <random>
#include <thread>

using namespace neurite;

namespace {

const char* kPointModel = R"({"version": 1, "name": "points", "input": [2], "layers": [
    {"type": "Linear", "out_features": 32}, {"type": "ReLU"}, {"type": "Dropout", "p": 0.1},
    {"type": "Linear", "out_features": 3}, {"type": "CrossEntropyLoss"}]})";

JobSpec pointJob(int epochs)
{
    JobSpec job;
    job.modelJson = kPointModel;
    job.data.spec = "spiral:samples=900";
    job.train.epochs = epochs;
    job.train.batch = 16;
    job.train.lr = 0.01;
    job.threads = 1;
    return job;
}

std::vector<float> weightsOf(TrainingJob& job)
{
    std::vector<float> out;
    for (auto* p : job.trainer().plan().parameters())
        out.insert(out.end(), p->value.data(), p->value.data() + p->value.numel());
    return out;
}

} // namespace

class TestJob : public QObject {
    Q_OBJECT

    QTemporaryDir dir_;
    std::string at(const char* name) const { return dir_.filePath(name).toStdString(); }

private slots:
    void jsonRoundTrip()
    {
        JobSpec job = pointJob(7);
        job.data.valSplit = 0.25;
        job.data.augmentFlip = true;
        job.train.optimizer.kind = "sgd";
        job.train.optimizer.momentum = 0.8;
        job.train.optimizer.nesterov = true;
        job.train.schedule.kind = "cosine";
        job.train.schedule.warmupSteps = 30;
        job.train.seed = 42;
        job.labelSmoothing = 0.1;
        job.device = "reference";
        job.precision = "tf32";
        job.deterministic = true;
        job.recording.tags = {"a", "b"};
        job.recording.keepBest = "val/accuracy";
        const nlohmann::json j = jobToJson(job);
        const JobSpec back = jobFromJson(j, "test");
        QCOMPARE(jobToJson(back), j);
        QCOMPARE(back.train.optimizer.momentum, 0.8);
        QCOMPARE(*back.labelSmoothing, 0.1);
        QCOMPARE(back.recording.tags.size(), std::size_t(2));
        QCOMPARE(back.precision, std::string("tf32"));
        QVERIFY(back.deterministic);
        QVERIFY(back.modelJson.empty());  // the model is kept apart
        nlohmann::json older = j;   // a job from before the precision settings: their defaults
        older.erase("precision");
        older.erase("deterministic");
        QCOMPARE(jobFromJson(older, "test").precision, std::string("fp32"));
        QVERIFY(!jobFromJson(older, "test").deterministic);
    }

    void badJsonNamesTheSetting()
    {
        nlohmann::json j = jobToJson(pointJob(1));
        j["train"]["lrr"] = 0.1;
        try {
            jobFromJson(j, "job.json");
            QFAIL("an unknown key was accepted");
        } catch (const ConfigError& e) {
            QVERIFY2(std::string(e.what()) == "job.json: unknown setting 'train.lrr'", e.what());
        }
        j = jobToJson(pointJob(1));
        j["train"]["epochs"] = "many";
        try {
            jobFromJson(j, "job.json");
            QFAIL("a string epoch count was accepted");
        } catch (const ConfigError& e) {
            QVERIFY2(std::string(e.what()).find("'train.epochs' has the wrong type") != std::string::npos, e.what());
        }
        j = jobToJson(pointJob(1));
        j["version"] = kJobFormatVersion + 1;
        QVERIFY_THROWS_EXCEPTION(ConfigError, jobFromJson(j, "job.json"));
    }

    void flagsReadAsTheCommandLineDoes()
    {
        const JobSpec job = jobFromFlags({{"optimizer", "sgd"}, {"lr", "0.05"}, {"epochs", "3"}, {"tag", "x,y"},
                                          {"augment-flip", "1"}});
        QCOMPARE(job.train.optimizer.momentum, 0.9);  // sgd's default momentum
        QCOMPARE(job.train.lr, 0.05);
        QCOMPARE(job.train.epochs, 3);
        QCOMPARE(job.recording.tags, (std::vector<std::string>{"x", "y"}));
        QVERIFY(job.data.augmentFlip);
        try {
            jobFromFlags({{"lr", "fast"}});
            QFAIL("accepted");
        } catch (const ConfigError& e) {
            QCOMPARE(std::string(e.what()), std::string("option --lr: 'fast' is not a number"));
        }
        JobSpec bad = pointJob(1);
        bad.recording.keepBest = "val/acc";
        QVERIFY_THROWS_EXCEPTION(ConfigError, validate(bad));

        const JobSpec gpu = jobFromFlags({{"precision", "tf32"}, {"deterministic", "1"}});
        QCOMPARE(gpu.precision, std::string("tf32"));
        QVERIFY(gpu.deterministic);
        validate(gpu);   // on any device: the CPU computes in fp32 and deterministically anyway
    }

    // tf32 is a permission any device takes; bf16 is other arithmetic, which only the GPU has.
    void precisionIsCheckedAgainstTheDevice()
    {
        const auto refusal = [](const std::string& device, const std::string& precision) -> std::string {
            JobSpec job = pointJob(1);
            job.device = device;
            job.precision = precision;
            try {
                validate(job);
                return {};
            } catch (const ConfigError& e) {
                return e.what();
            }
        };
        for (const char* device : {"cpu", "reference", "cuda"}) {
            QCOMPARE(refusal(device, "fp32"), std::string());
            QCOMPARE(refusal(device, "tf32"), std::string());
            QCOMPARE(refusal(device, "fp16"), std::string("--precision fp16: choose fp32, tf32 or bf16"));
        }
        QCOMPARE(refusal("cuda", "bf16"), std::string());
        QCOMPARE(refusal("cpu", "bf16"),
                 std::string("--precision bf16 needs a GPU (--device cuda): device 'cpu' computes in fp32 only"));
        QCOMPARE(refusal("reference", "bf16"),
                 std::string("--precision bf16 needs a GPU (--device cuda): device 'reference' computes in fp32 only"));
        const JobSpec flags = jobFromFlags({{"device", "cuda"}, {"precision", "bf16"}});
        QCOMPARE(flags.precision, std::string("bf16"));
        validate(flags);
        QCOMPARE(jobFromJson(jobToJson(flags), "test").precision, std::string("bf16"));
    }

    // `--device cuda --precision bf16` where no GPU is usable trains on the CPU in fp32 and says so
    // (on a GPU machine it is the GPU, in bf16, with nothing to say).
    void bf16WithoutAGpuTrainsOnTheCpuInFp32()
    {
        JobSpec spec = pointJob(1);
        spec.device = "cuda";
        spec.precision = "bf16";
        TrainingJob job(spec, nullptr);
        if (cudaStatus().available) {
            QCOMPARE(job.info().device, std::string("cuda"));
            const std::string& description = job.info().deviceDescription;
            QVERIFY2(description.find("bf16") != std::string::npos, description.c_str());
            QVERIFY(job.info().deviceNote.empty());
            return;
        }
        QCOMPARE(job.info().device, std::string("cpu"));
        const std::string& note = job.info().deviceNote;
        QVERIFY2(note.starts_with("device 'cuda': no usable GPU: ") &&
                     note.ends_with("; training on the CPU instead, in fp32 (bf16 needs the GPU)"),
                 note.c_str());
        JobControl control;
        QCOMPARE(job.run({}, control).status, std::string("completed"));
    }

    void everyRecordedMetricIsInTheCatalogue()
    {
        RunStore store(at("catalogue.db"));
        TrainingJob job(pointJob(2), &store);
        JobControl control;
        const JobOutcome outcome = job.run({}, control);
        QCOMPARE(outcome.status, std::string("completed"));
        QVERIFY(outcome.test.has_value());  // the synthetic sets have a test part
        const auto names = store.metricNames(job.info().runId);
        QVERIFY(names.size() >= 10);
        for (const auto& name : names)
            QVERIFY2(findMetric(name), name.c_str());
        QVERIFY(higherIsBetter("val/accuracy"));
        QVERIFY(!higherIsBetter("val/loss"));
        // The run keeps its job as its settings, and the device it really used.
        const RunRecord r = store.run(job.info().runId);
        QCOMPARE(jobToJson(jobOfRun(r)), jobToJson(job.spec()));
        QCOMPARE(r.device.value("backend", ""), std::string("cpu"));
    }

    // A run recorded by the previous version (settings as command-line flags) opens, is upgraded,
    // and resumes to the same weights as a run that was never stopped.
    void oldFormatRunsOpenAndResume()
    {
        const std::string ws = at("legacy.db");
        std::vector<float> straight;
        {
            TrainingJob job(pointJob(4), nullptr);
            JobControl control;
            job.run({}, control);
            straight = weightsOf(job);
        }
        std::int64_t id = 0;
        {
            RunStore store(ws);
            TrainingJob job(pointJob(4), &store);
            id = job.info().runId;
            JobControl control;
            job.run({[&](const StepStats& s) {
                         if (s.epoch == 3)
                             control.cancel();  // stops in epoch 3; checkpoints of epochs 1 and 2 are kept
                     },
                      nullptr, nullptr},
                     control);
            QCOMPARE(store.run(id).status, std::string("stopped"));
            // Make it look as schema 1 wrote it: the settings as the flags that gave this job.
            store.setHyperparams(id, {{"settings", {{"data", "spiral:samples=900"}, {"epochs", "4"}, {"batch", "16"},
                                                    {"lr", "0.01"}, {"threads", "1"}}},
                                      {"epochs", 4}});
        }
        auto store = openWorkspace(ws);
        const RunRecord upgraded = store->run(id);
        QVERIFY(upgraded.hyperparams.contains("job"));
        QVERIFY(upgraded.hyperparams.contains("legacy_flags"));
        QCOMPARE(upgradeLegacyRuns(*store), 0);  // once is enough
        auto resumed = TrainingJob::resume(*store, id);
        QVERIFY(resumed->info().resumed);
        QCOMPARE(resumed->info().resumedEpoch, 2);
        JobControl control;
        QCOMPARE(resumed->run({}, control).status, std::string("completed"));
        QVERIFY(weightsOf(*resumed) == straight);
        QCOMPARE(store->run(id).status, std::string("completed"));
    }

    // Pause holds the job between two steps; continue goes on; a cancel at any moment (paused or
    // not) ends it within one step and records it as stopped.
    void pauseContinueAndCancelAtRandomMoments()
    {
        RunStore store(at("pause.db"));
        std::mt19937 random(7);
        for (int trial = 0; trial < 6; ++trial) {
            TrainingJob job(pointJob(200), &store);
            JobControl control;
            std::atomic<std::int64_t> steps{0};
            std::atomic<bool> pausedSeen{false};
            JobOutcome outcome;
            std::thread worker([&] {
                outcome = job.run({[&](const StepStats& s) { steps = s.step; }, nullptr,
                                   [&](JobPhase p) {
                                       if (p == JobPhase::Paused)
                                           pausedSeen = true;
                                   }},
                                  control);
            });
            std::this_thread::sleep_for(std::chrono::milliseconds(random() % 150));
            control.pause();
            QTRY_VERIFY_WITH_TIMEOUT(pausedSeen.load(), 5000);
            const std::int64_t held = steps;
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
            QCOMPARE(steps.load(), held);  // no step while paused
            if (trial % 2 == 0) {
                control.resume();
                QTRY_VERIFY_WITH_TIMEOUT(steps.load() > held, 5000);
                std::this_thread::sleep_for(std::chrono::milliseconds(random() % 100));
            }
            // Read after the cancel: read before it, a test thread preempted between the two lines
            // let the worker run more steps that were never cancelled.
            control.cancel();
            const std::int64_t atCancel = steps;
            worker.join();
            QCOMPARE(outcome.status, std::string("stopped"));
            QVERIFY(outcome.result.steps <= atCancel + 1);  // within one step
            QCOMPARE(store.run(job.info().runId).status, std::string("stopped"));
        }
    }

    // Fashion-MNIST (Debian's dataset-fashion-mnist) has a test part of 10,000 images.
    void evaluationCanBeCancelled()
    {
        RunStore store(at("eval.db"));
        JobSpec spec = pointJob(1);
        spec.modelJson = R"({"version": 1, "input": [1, 28, 28], "layers": [{"type": "Flatten"},
                             {"type": "Linear", "out_features": 10}, {"type": "CrossEntropyLoss"}]})";
        spec.data.spec = "fashion-mnist";
        spec.data.trainSamples = 512;
        spec.train.batch = 64;
        TrainingJob job(spec, &store);
        JobControl control;
        const JobOutcome outcome = job.run({}, control);
        QVERIFY(outcome.test.has_value());
        QCOMPARE(outcome.test->samples, std::int64_t(10000));
        CancelToken cancelled;
        cancelled.cancel();
        QVERIFY(!evaluateRun(store, job.info().runId, &cancelled).has_value());
        const auto evaluation = evaluateRun(store, job.info().runId);
        QVERIFY(evaluation.has_value());
        QCOMPARE(evaluation->result.samples, std::int64_t(10000));
        QVERIFY(store.artefact(job.info().runId, "evaluation", "test").has_value());
    }

    void resumeRefusesWhatCannotBeResumed()
    {
        RunStore store(at("refuse.db"));
        TrainingJob job(pointJob(1), &store);
        JobControl control;
        job.run({}, control);
        try {
            TrainingJob::resume(store, job.info().runId);
            QFAIL("a completed run was resumed");
        } catch (const ConfigError& e) {
            QVERIFY2(std::string(e.what()).find("has completed") != std::string::npos, e.what());
        }
    }
};

QTEST_APPLESS_MAIN(TestJob)
#include "tst_job.moc"
