#include "engine/run/Predictions.h"

#include "datasets/Batcher.h"
#include "datasets/DatasetCatalogue.h"
#include "engine/backends/Registry.h"
#include "engine/core/Error.h"
#include "engine/kernels/Softmax.h"
#include "engine/run/RunModel.h"
#include "engine/run/Workspace.h"
#include "engine/train/Plan.h"
#include "engine/train/PlanWeights.h"

#include <algorithm>

namespace neurite {

namespace {

// The checkpoint's weights into the plan, by parameter name; a missing or resized one is the
// checkpoint's fault (it was written for another model).
void loadWeights(Plan& plan, const RunModel& run)
{
    loadParameters(plan, run.model.parameters, "checkpoint " + std::to_string(run.checkpoint.id));
}

// Whether the model can predict classes of `set`: a classifier with the set's sample size and at
// least as many scores as the set has classes.
void checkFits(const Plan& plan, const Dataset& set, const std::string& run)
{
    if (!plan.classifies())
        throw ConfigError(run + "'s model does not classify (its loss does not compare with a class); "
                                "there are no predicted classes to show");
    if (set.sampleSize() != plan.inputShape().numel())
        throw ConfigError("the data has samples of " + set.sampleShape.str() + " but " + run +
                          "'s model expects " + plan.inputShape().str());
    if (set.classes() > plan.predictionSize())
        throw ConfigError("the data has " + std::to_string(set.classes()) + " classes but " + run + "'s model predicts " +
                          std::to_string(plan.predictionSize()));
}

// Samples ordered most confident first, ties by index (a total order: the same list every time).
void sortByConfidence(const SamplePredictions& p, std::vector<std::int64_t>& ids, std::size_t keep)
{
    const auto before = [&](std::int64_t a, std::int64_t b) {
        const float ca = p.confidence(a), cb = p.confidence(b);
        return ca != cb ? ca > cb : a < b;
    };
    keep = std::min(keep, ids.size());
    std::partial_sort(ids.begin(), ids.begin() + std::ptrdiff_t(keep), ids.end(), before);
    ids.resize(keep);
}

} // namespace

std::optional<SamplePredictions> predictRun(RunStore& store, std::int64_t runId, const std::string& dataSpec,
                                            const CancelToken* cancel)
{
    const std::string run = "run " + std::to_string(runId);
    const RunRecord record = store.run(runId);  // StoreError "…: no run 12"
    if (store.checkpoints(runId).empty())
        throw ConfigError(run + " has no checkpoint to predict with (it ended before its first checkpoint)");
    const RunModel model = loadRunModel(store, runId, "best");

    // The run's own test part normalised as its training part was (as evaluateRun does), or
    // another set's test part (all of it when it has none) by that set's own statistics.
    const bool own = dataSpec.empty();
    DataBundle data = loadDataset(own ? model.job.data.spec : dataSpec, record.seed);
    if (own && data.test.size() == 0)
        throw ConfigError("data set '" + model.job.data.spec + "' of " + run + " has no test part");
    data.test.mean = data.train.mean;
    data.test.std = data.train.std;
    const bool testPart = data.test.size() > 0;
    const Dataset& set = testPart ? data.test : data.train;

    // The batch size evaluateRun uses, so that every sample meets the same arithmetic.
    const std::int64_t batch = model.job.train.batch;
    auto backend = createBackend("cpu", 0);
    Plan plan(model.model.graph, *backend, batch, 1);
    checkFits(plan, set, run);
    loadWeights(plan, model);

    SamplePredictions out;
    out.dataDescription = data.description + (testPart ? ", test part" : ", all of it");
    out.classNames = data.train.classNames;
    out.classes = plan.predictionSize();
    for (auto k = std::int64_t(out.classNames.size()); k < out.classes; ++k)
        out.classNames.push_back(std::to_string(k));  // scores the data set has no name for
    out.runId = runId;
    out.checkpointId = model.checkpoint.id;
    out.epoch = model.checkpoint.epoch;
    const std::int64_t c = out.classes, samples = set.size();
    out.labels.reserve(std::size_t(samples));
    out.predicted.reserve(std::size_t(samples));
    out.probabilities.resize(std::size_t(samples * c));
    out.confusion.assign(std::size_t(c * c), 0);

    Batcher batches(set, allIndices(samples), batch, false, Augment{}, record.seed);
    batches.startEpoch(0);
    std::vector<float> scores(std::size_t(batch * c));  // [batch × classes]
    while (const std::int64_t n = batches.next(plan.input(), plan.labels(), plan.batch())) {
        if (cancel && cancel->cancelled())
            return std::nullopt;
        plan.forward(n, false);
        backend->download(scores.data(), plan.prediction(), n * c * std::int64_t(sizeof(float)));
        const std::int32_t* labels = plan.labels();
        for (std::int64_t r = 0; r < n; ++r) {
            const float* row = scores.data() + r * c;
            const auto predicted = std::int32_t(kernels::rowArgMax(row, c));  // as the confusion kernel
            const auto sample = std::int64_t(out.labels.size());
            kernels::softmaxForwardRow(row, out.probabilities.data() + sample * c, c);
            out.labels.push_back(labels[r]);
            out.predicted.push_back(predicted);
            ++out.confusion[std::size_t(labels[r] * c + predicted)];
        }
    }
    if (cancel && cancel->cancelled())
        return std::nullopt;

    if (set.isImage() && set.sampleShape.rank() == 3) {
        const auto& dims = set.sampleShape.dims();  // [C, H, W]
        out.channels = int(dims[0]);
        out.height = int(dims[1]);
        out.width = int(dims[2]);
        out.images = set.bytes;  // [samples × C × H × W], in the order predicted (allIndices)
    }
    return out;
}

std::vector<std::int64_t> samplesInCell(const SamplePredictions& p, int trueClass, int predictedClass)
{
    std::vector<std::int64_t> ids;
    for (std::int64_t i = 0; i < p.samples(); ++i)
        if (p.labels[std::size_t(i)] == trueClass && p.predicted[std::size_t(i)] == predictedClass)
            ids.push_back(i);
    sortByConfidence(p, ids, ids.size());
    return ids;
}

std::vector<std::int64_t> confidentMistakes(const SamplePredictions& p, std::size_t count)
{
    std::vector<std::int64_t> ids;
    for (std::int64_t i = 0; i < p.samples(); ++i)
        if (p.labels[std::size_t(i)] != p.predicted[std::size_t(i)])
            ids.push_back(i);
    sortByConfidence(p, ids, count);
    return ids;
}

EvalResult evaluationOf(const SamplePredictions& p)
{
    EvalResult r;
    r.samples = p.samples();
    r.classes = p.classes;
    r.confusion = p.confusion;
    std::int64_t hits = 0;
    for (std::int64_t k = 0; k < p.classes; ++k)
        hits += p.confusion[std::size_t(k * p.classes + k)];
    r.accuracy = r.samples ? double(hits) / double(r.samples) : 0.0;
    return r;
}

} // namespace neurite
