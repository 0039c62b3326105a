#pragma once
// Computes a run's per-sample predictions (neurite::predictRun) on a thread of its own, so that the
// window never waits: one evaluation at a time; starting another or cancel() stops the one in
// flight within a batch, and only the latest one's results are delivered.
// - The thread opens its own connection to the workspace (RunStore is one connection per thread)
//   and hands back plain values: a shared, immutable SamplePredictions or a message.
// - The destructor cancels and waits (at most a data set's loading and one batch).
// GUI thread only (the signals arrive on it).
#include "engine/run/Predictions.h"

#include <QObject>
#include <QString>

#include <functional>
#include <memory>

class EvaluationRunner : public QObject {
    Q_OBJECT
public:
    using Result = std::shared_ptr<const neurite::SamplePredictions>;

    explicit EvaluationRunner(QObject* parent = nullptr);
    ~EvaluationRunner() override;

    // dataSpec empty: the run's own test part; else that data set (its test part, or all of it).
    void start(qint64 runId, const QString& workspace, const QString& dataSpec = {});
    void cancel();                      // the one in flight ends with cancelled()
    bool busy() const { return busy_; }

signals:
    void progress(const QString& message);   // "Evaluating run 12 on fashion-mnist: 10,000 test samples…"
    void finished(EvaluationRunner::Result predictions);
    void failed(const QString& message);
    void cancelled();

private:
    struct Job;
    void deliver(quint64 generation, bool ends, const std::function<void()>& emitIt);

    std::shared_ptr<Job> job_;          // the latest; older ones are cancelled and ignored
    quint64 generation_ = 0;
    bool busy_ = false;
};
