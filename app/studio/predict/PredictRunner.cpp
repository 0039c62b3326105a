#include "app/studio/predict/PredictRunner.h"

#include <QElapsedTimer>
#include <QThread>

#include <algorithm>
#include <array>

namespace {

// One prediction, timed; exceptions become failed() at the caller.
double timedPredict(neurite::Predictor& predictor, const std::vector<float>& input, int forClass,
                    neurite::Prediction& out)
{
    QElapsedTimer timer;
    timer.start();
    out = predictor.predict(input, forClass);
    return double(timer.nsecsElapsed()) / 1e6;
}

} // namespace

PredictRunner::PredictRunner(std::unique_ptr<neurite::Predictor> predictor, double syncLimitMs, QObject* parent)
    : QObject(parent), predictor_(std::move(predictor)), shape_(predictor_->inputShape()),
      classes_(predictor_->classes())
{
    // The median of three predictions of a blank input (the first also warms the caches).
    const std::vector<float> blank(std::size_t(shape_.numel()), 0.0f);
    std::array<double, 3> times{};
    neurite::Prediction scratch;
    for (double& t : times)
        t = timedPredict(*predictor_, blank, -1, scratch);
    std::sort(times.begin(), times.end());
    measuredMs_ = times[1];
    if (measuredMs_ < syncLimitMs)
        return;
    thread_ = new QThread(this);
    worker_ = new PredictWorker(predictor_);
    worker_->moveToThread(thread_);
    connect(thread_, &QThread::finished, worker_, &QObject::deleteLater);
    connect(worker_, &PredictWorker::done, this, [this](const neurite::Prediction& p, const std::vector<float>& in, double ms) {
        busy_ = false;
        if (pending_) {   // the newest request that came in meanwhile
            Request next = std::move(*pending_);
            pending_.reset();
            send(std::move(next));
        }
        emit ready(p, in, ms);
    });
    connect(worker_, &PredictWorker::failed, this, [this](const QString& message) {
        busy_ = false;
        pending_.reset();
        emit failed(message);
    });
    thread_->start();
}

PredictRunner::~PredictRunner()
{
    if (thread_) {
        thread_->quit();
        thread_->wait();
    }
}

void PredictRunner::request(std::vector<float> input, int forClass)
{
    Request r{std::move(input), forClass};
    if (!thread_) {
        neurite::Prediction p;
        try {
            const double ms = timedPredict(*predictor_, r.input, r.forClass, p);
            emit ready(p, r.input, ms);
        } catch (const std::exception& e) {
            emit failed(QString::fromUtf8(e.what()));
        }
        return;
    }
    if (busy_) {
        pending_ = std::move(r);
        return;
    }
    send(std::move(r));
}

void PredictRunner::send(Request r)
{
    busy_ = true;
    QMetaObject::invokeMethod(worker_, [worker = worker_, r = std::move(r)] { worker->predict(r.input, r.forClass); },
                              Qt::QueuedConnection);
}

void PredictWorker::predict(const std::vector<float>& input, int forClass)
{
    try {
        neurite::Prediction p;
        const double ms = timedPredict(*predictor_, input, forClass, p);
        emit done(p, input, ms);
    } catch (const std::exception& e) {
        emit failed(QString::fromUtf8(e.what()));
    }
}
