// Per-sample predictions of a trained run (engine/run/Predictions.h): they agree with
// evaluateRun's confusion matrix cell for cell, carry the test images as stored, and the
// drill-down lists (a cell's samples, the most confident mistakes) select and order exactly.
#include "datasets/DatasetCatalogue.h"
#include "engine/core/Error.h"
#include "engine/run/Predictions.h"
#include "engine/run/RunRecorder.h"
#include "engine/run/TrainingJob.h"
#include "tests/run/TinyImages.h"

#include <QtTest>

#include <cmath>

using namespace neurite;

namespace {

bool mostConfidentFirst(const SamplePredictions& p, const std::vector<std::int64_t>& ids)
{
    for (std::size_t i = 1; i < ids.size(); ++i) {
        const float a = p.confidence(ids[i - 1]), b = p.confidence(ids[i]);
        if (a < b || (a == b && ids[i - 1] > ids[i]))
            return false;
    }
    return true;
}

} // namespace

class TestPredictions : public QObject {
    Q_OBJECT

    QTemporaryDir dir_;
    std::unique_ptr<RunStore> store_;
    std::int64_t run_ = 0;
    std::optional<SamplePredictions> p_;

private slots:
    void initTestCase()
    {
        writeTinyImages(dir_.path(), 400, 230);
        store_ = std::make_unique<RunStore>(dir_.filePath("ws.db").toStdString());
        TrainingJob job(tinyImageJob(dir_.path().toStdString()), store_.get());
        JobControl control;
        QCOMPARE(job.run({}, control).status, std::string("completed"));
        run_ = job.info().runId;
        p_ = predictRun(*store_, run_);
        QVERIFY(p_.has_value());
    }

    // The same counts as evaluateRun (on the CPU), the test part in its stored order and images.
    void agreesWithEvaluateRun()
    {
        const auto evaluation = evaluateRun(*store_, run_);
        QVERIFY(evaluation.has_value());
        const SamplePredictions& p = *p_;
        QCOMPARE(p.classes, std::int64_t(10));
        QCOMPARE(p.samples(), std::int64_t(230));
        QCOMPARE(p.confusion, evaluation->result.confusion);
        QCOMPARE(evaluationOf(p).accuracy, evaluation->result.accuracy);
        QCOMPARE(p.checkpointId, evaluation->checkpointId);
        QVERIFY(evaluationOf(p).accuracy > 0.3);   // it learned something
        QVERIFY(evaluationOf(p).accuracy < 1.0);   // and the wrong labels leave mistakes
        QCOMPARE(perClassMetrics(evaluationOf(p), p.classNames), perClassMetrics(evaluation->result, p.classNames));
        QVERIFY(QString::fromStdString(p.dataDescription).endsWith(", test part"));

        const DataBundle data = loadDataset(dir_.path().toStdString());
        QCOMPARE(p.labels, data.test.labels);
        QCOMPARE(p.images, data.test.bytes);
        QCOMPARE(p.channels, 1);
        QCOMPARE(p.height, 8);
        QCOMPARE(p.width, 8);
        QCOMPARE(p.image(3)[0], data.test.bytes[3 * 64]);
        for (std::int64_t i = 0; i < p.samples(); ++i) {
            double sum = 0;
            for (std::int64_t k = 0; k < p.classes; ++k) {
                sum += p.probability(i, k);
                QVERIFY(p.probability(i, k) <= p.confidence(i));  // the prediction is the likeliest class
            }
            QVERIFY(std::abs(sum - 1.0) < 1e-5);
        }
    }

    void cellsSelectExactlyTheirSamples()
    {
        const SamplePredictions& p = *p_;
        std::int64_t seen = 0;
        for (int t = 0; t < p.classes; ++t)
            for (int q = 0; q < p.classes; ++q) {
                const auto ids = samplesInCell(p, t, q);
                QCOMPARE(std::int64_t(ids.size()), p.confusion[std::size_t(t * p.classes + q)]);
                for (const auto i : ids) {
                    QCOMPARE(p.labels[std::size_t(i)], t);
                    QCOMPARE(p.predicted[std::size_t(i)], q);
                }
                QVERIFY(mostConfidentFirst(p, ids));
                seen += std::int64_t(ids.size());
            }
        QCOMPARE(seen, p.samples());  // every sample is in one cell
    }

    void mistakesMostConfidentFirst()
    {
        const SamplePredictions& p = *p_;
        const auto all = confidentMistakes(p, std::size_t(p.samples()));
        std::int64_t wrong = 0;
        for (std::int64_t i = 0; i < p.samples(); ++i)
            wrong += p.labels[std::size_t(i)] != p.predicted[std::size_t(i)];
        QCOMPARE(std::int64_t(all.size()), wrong);
        QVERIFY(wrong > 5);
        for (const auto i : all)
            QVERIFY(p.labels[std::size_t(i)] != p.predicted[std::size_t(i)]);
        QVERIFY(mostConfidentFirst(p, all));
        const auto few = confidentMistakes(p, 5);
        QCOMPARE(few, std::vector<std::int64_t>(all.begin(), all.begin() + 5));  // the top of the same order
    }

    void anotherDataSetAndCancel()
    {
        // The same folder named explicitly: the same samples (its test part, its own statistics).
        const auto again = predictRun(*store_, run_, dir_.path().toStdString());
        QVERIFY(again.has_value());
        QCOMPARE(again->confusion, p_->confusion);
        QCOMPARE(again->probabilities, p_->probabilities);
        // A set the model does not fit is refused with what differs.
        try {
            predictRun(*store_, run_, "spiral:samples=200");
            QFAIL("a set of 2-D points was predicted by an 8×8 image model");
        } catch (const ConfigError& e) {
            QVERIFY2(std::string(e.what()).find("expects") != std::string::npos, e.what());
        }
        CancelToken cancelled;
        cancelled.cancel();
        QVERIFY(!predictRun(*store_, run_, {}, &cancelled).has_value());
    }

    void pointsHaveNoImages()
    {
        JobSpec job = tinyImageJob("spiral:samples=300");
        job.modelJson = R"({"version": 1, "input": [2], "layers": [{"type": "Linear", "out_features": 16},
                            {"type": "ReLU"}, {"type": "Linear", "out_features": 3}, {"type": "CrossEntropyLoss"}]})";
        job.train.epochs = 1;
        TrainingJob training(job, store_.get());
        JobControl control;
        training.run({}, control);
        const auto p = predictRun(*store_, training.info().runId);
        QVERIFY(p.has_value());
        QVERIFY(p->images.empty());
        QCOMPARE(p->image(0), static_cast<const std::uint8_t*>(nullptr));
        QCOMPARE(p->classes, std::int64_t(3));
        QCOMPARE(p->confusion, evaluateRun(*store_, training.info().runId)->result.confusion);
    }

    void clearErrors()
    {
        try {
            predictRun(*store_, 9999);
            QFAIL("a run that does not exist was predicted");
        } catch (const StoreError& e) {
            QVERIFY2(std::string(e.what()).find("no run 9999") != std::string::npos, e.what());
        }
        // A run stopped before its first epoch ended has no checkpoint.
        TrainingJob job(tinyImageJob(dir_.path().toStdString()), store_.get());
        JobControl control;
        control.cancel();
        job.run({}, control);
        try {
            predictRun(*store_, job.info().runId);
            QFAIL("a run without checkpoint was predicted");
        } catch (const ConfigError& e) {
            const std::string expected = "run " + std::to_string(job.info().runId) + " has no checkpoint";
            QVERIFY2(std::string(e.what()).starts_with(expected), e.what());
        }
    }
};

QTEST_APPLESS_MAIN(TestPredictions)
#include "tst_predictions.moc"
