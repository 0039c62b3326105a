#pragma once
// Runs a Predictor for the GUI: on the GUI thread when one prediction is fast (measured at start:
// under syncLimitMs, as the MLP and CNN templates at ~1 ms), else on a worker thread of its own.
// On the worker, requests made while one runs are coalesced: only the newest waits, so a stroke
// drawn faster than the model runs never builds a queue.
//
// GUI thread only. ready() comes synchronously from request() in the first case, queued in the second.
#include "engine/run/Predict.h"

#include <QObject>
#include <QString>

#include <memory>
#include <optional>
#include <vector>

class QThread;
class PredictWorker;

class PredictRunner : public QObject {
    Q_OBJECT
public:
    PredictRunner(std::unique_ptr<neurite::Predictor> predictor, double syncLimitMs = 10.0, QObject* parent = nullptr);
    ~PredictRunner() override;

    bool threaded() const { return thread_ != nullptr; }
    double measuredMs() const { return measuredMs_; }   // one prediction, at start
    const neurite::Shape& inputShape() const { return shape_; }
    int classes() const { return classes_; }

    // input: [input shape], normalised; forClass: −1 for the predicted class.
    void request(std::vector<float> input, int forClass);

signals:
    void ready(const neurite::Prediction& prediction, const std::vector<float>& input, double milliseconds);
    void failed(const QString& message);

private:
    struct Request {
        std::vector<float> input;
        int forClass = -1;
    };
    void send(Request r);
    std::shared_ptr<neurite::Predictor> predictor_;
    neurite::Shape shape_;
    int classes_ = 0;
    double measuredMs_ = 0;
    QThread* thread_ = nullptr;
    PredictWorker* worker_ = nullptr;
    bool busy_ = false;
    std::optional<Request> pending_;
};

// The worker's side: runs one prediction per call, on its thread. (In this header for moc.)
class PredictWorker : public QObject {
    Q_OBJECT
public:
    explicit PredictWorker(std::shared_ptr<neurite::Predictor> predictor) : predictor_(std::move(predictor)) {}
public slots:
    void predict(const std::vector<float>& input, int forClass);
signals:
    void done(const neurite::Prediction& prediction, const std::vector<float>& input, double milliseconds);
    void failed(const QString& message);

private:
    std::shared_ptr<neurite::Predictor> predictor_;
};
