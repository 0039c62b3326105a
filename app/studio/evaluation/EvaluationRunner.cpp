#include "app/studio/evaluation/EvaluationRunner.h"

#include "engine/store/RunStore.h"

#include <QFileInfo>
#include <QLocale>
#include <QThread>

struct EvaluationRunner::Job {
    neurite::CancelToken cancel;
};

namespace {

// "fashion-mnist", or a path's last part: what a person calls the data set.
QString dataName(const std::string& spec)
{
    const QString name = QString::fromStdString(spec);
    return name.contains(QLatin1Char('/')) ? QFileInfo(name).fileName() : name;
}

} // namespace

EvaluationRunner::EvaluationRunner(QObject* parent) : QObject(parent)
{
    qRegisterMetaType<EvaluationRunner::Result>();
}

EvaluationRunner::~EvaluationRunner()
{
    if (job_)
        job_->cancel.cancel();
    for (QThread* thread : findChildren<QThread*>())
        thread->wait();
}

void EvaluationRunner::start(qint64 runId, const QString& workspace, const QString& dataSpec)
{
    if (job_)
        job_->cancel.cancel();
    job_ = std::make_shared<Job>();
    const quint64 generation = ++generation_;
    busy_ = true;
    const std::shared_ptr<Job> job = job_;
    const std::string path = workspace.toStdString(), spec = dataSpec.toStdString();
    QThread* thread = QThread::create([this, job, generation, runId, path, spec] {
        try {
            neurite::RunStore store(path, !neurite::RunStore::writable(path));
            const neurite::RunRecord run = store.run(runId);
            const qint64 samples = run.datasetSettings.value("test", qint64(0));
            const QString message =
                !spec.empty() ? tr("Evaluating run %1 on %2…").arg(runId).arg(dataName(spec))
                : samples > 0 ? tr("Evaluating run %1 on %2: %3 test samples…")
                                  .arg(runId)
                                  .arg(dataName(run.dataset), QLocale().toString(samples))
                            : tr("Evaluating run %1 on %2…").arg(runId).arg(dataName(run.dataset));
            deliver(generation, false, [this, message] { emit progress(message); });
            auto predictions = neurite::predictRun(store, runId, spec, &job->cancel);
            if (!predictions) {
                deliver(generation, true, [this] { emit cancelled(); });
                return;
            }
            Result result = std::make_shared<const neurite::SamplePredictions>(std::move(*predictions));
            deliver(generation, true, [this, result] { emit finished(result); });
        } catch (const std::exception& e) {
            const QString message = QString::fromUtf8(e.what());
            deliver(generation, true, [this, message] { emit failed(message); });
        }
    });
    thread->setParent(this);
    connect(thread, &QThread::finished, thread, &QObject::deleteLater);
    thread->start(QThread::LowPriority);
}

void EvaluationRunner::cancel()
{
    if (job_)
        job_->cancel.cancel();
}

// On the GUI thread, and only while `generation` is still the latest evaluation. Progress leaves
// the runner busy; an outcome ends it (as cancelled when cancel() came first).
void EvaluationRunner::deliver(quint64 generation, bool ends, const std::function<void()>& emitIt)
{
    QMetaObject::invokeMethod(
        this,
        [this, generation, ends, emitIt] {
            if (generation != generation_)
                return;
            if (!ends) {
                emitIt();
                return;
            }
            busy_ = false;
            if (job_->cancel.cancelled())
                emit cancelled();   // asked after the thread's last look: stopped all the same
            else
                emitIt();
        },
        Qt::QueuedConnection);
}
