#include "engine/run/Predict.h"

#include "datasets/DatasetCatalogue.h"
#include "engine/backends/Registry.h"
#include "engine/core/Error.h"
#include "engine/graph/Attributes.h"
#include "engine/train/Plan.h"
#include "engine/train/PlanWeights.h"

#include <algorithm>
#include <cmath>

namespace neurite {

// [SECTION] Predictor ---------------------------------------------------------------------------

Predictor::Predictor(const TrainedModel& model)
{
    const GraphAnalysis analysis = analyse(model.graph, 1);
    requireValid(analysis);
    // The saliency is the gradient of log p_c: the loss must be plain cross-entropy of one class.
    ModelGraph graph = model.graph;
    Node& loss = *graph.find(analysis.lossNode);
    if (loss.type != "CrossEntropyLoss" || attrChoice(loss, "target") != "class")
        throw ConfigError("the model is not a classifier: it is trained with " + loss.type +
                          (loss.type == "CrossEntropyLoss" ? " against its input" : "") +
                          ", not CrossEntropyLoss against the sample's class");
    loss.attrs["label_smoothing"] = 0.0;   // −log p_c exactly, whatever training smoothed

    backend_ = createBackend("cpu", 1);    // batch 1: one thread is fastest
    plan_ = std::make_unique<Plan>(graph, *backend_, 1, 1);
    loadParameters(*plan_, model.parameters, model.origin);
    plan_->computeInputGradient(true);
    inputShape_ = plan_->inputShape();
    classes_ = int(plan_->predictionSize());
}

Predictor::~Predictor() = default;

Prediction Predictor::predict(const std::vector<float>& normalisedInput, int forClass)
{
    if (std::int64_t(normalisedInput.size()) != inputShape_.numel())
        throw Error("prediction: " + std::to_string(normalisedInput.size()) + " values for an input of " +
                    inputShape_.str());
    if (forClass < -1 || forClass >= classes_)
        throw Error("prediction: no class " + std::to_string(forClass) + " among " + std::to_string(classes_));
    Backend& backend = *backend_;
    std::int32_t label = 0;   // the real one is known after the forward pass
    std::copy(normalisedInput.begin(), normalisedInput.end(), plan_->input());
    *plan_->labels() = label;
    plan_->forward(1, false);

    // Softmax of the scores [classes], in double: the probabilities sum to 1 to float precision.
    std::vector<float> scores(static_cast<std::size_t>(classes_));
    backend.download(scores.data(), plan_->prediction(), std::int64_t(scores.size() * sizeof(float)));
    const double top = *std::max_element(scores.begin(), scores.end());
    double sum = 0;
    for (float s : scores)
        sum += std::exp(double(s) - top);
    Prediction out;
    out.probabilities.resize(scores.size());
    for (std::size_t k = 0; k < scores.size(); ++k)
        out.probabilities[k] = float(std::exp(double(scores[k]) - top) / sum);
    out.predicted = int(std::max_element(scores.begin(), scores.end()) - scores.begin());
    out.explained = forClass >= 0 ? forClass : out.predicted;

    // The loss is −log p_c for the label c (cross-entropy, one sample, no smoothing), so the
    // input gradient of the backward pass is −∂ log p_c / ∂x. The loss layer's backward pass
    // reads only the scores and the label, so the label can be set after the forward pass.
    label = out.explained;
    backend.upload(plan_->labelsOnBackend(), &label, sizeof label);
    plan_->backward();
    out.saliency.resize(normalisedInput.size());
    backend.download(out.saliency.data(), plan_->inputGradient(), std::int64_t(out.saliency.size() * sizeof(float)));
    for (float& g : out.saliency)
        g = std::abs(g);
    return out;
}

// [SECTION] Pixels → input ----------------------------------------------------------------------

bool isImageInput(const Shape& input) { return input.rank() == 3 && (input[0] == 1 || input[0] == 3); }

namespace {

// Area averaging along one axis: output o covers [o·s, (o+1)·s) of the source, s = from / to;
// each source element weighs the part of it inside that span, over s (the weights sum to 1).
struct Tap {
    int index;
    double weight;
};

std::vector<std::vector<Tap>> areaTaps(int from, int to)
{
    std::vector<std::vector<Tap>> taps(static_cast<std::size_t>(to));
    const double s = double(from) / to;
    for (int o = 0; o < to; ++o) {
        const double a = o * s, b = (o + 1) * s;
        for (int i = int(std::floor(a)); i < std::min(from, int(std::ceil(b))); ++i) {
            const double overlap = std::min(b, i + 1.0) - std::max(a, double(i));
            if (overlap > 1e-12)
                taps[std::size_t(o)].push_back({i, overlap / s});
        }
    }
    return taps;
}

} // namespace

std::vector<float> inputFromPixels(const std::uint8_t* pixels, int width, int height, int channels, const Shape& input,
                                   const std::vector<float>& mean, const std::vector<float>& std, bool invert)
{
    if (!isImageInput(input))
        throw Error("the model's input " + input.str() + " is not an image (C×H×W with 1 or 3 channels)");
    if (width < 1 || height < 1 || (channels != 1 && channels != 3))
        throw Error("pixels: " + std::to_string(width) + "×" + std::to_string(height) + " with " +
                    std::to_string(channels) + " channels; expected grey or RGB");
    const int c = int(input[0]), h = int(input[1]), w = int(input[2]);
    const auto meanOf = [&](int k) { return mean.size() == 1 ? mean[0] : mean.at(std::size_t(k)); };
    const auto stdOf = [&](int k) { return std.size() == 1 ? std[0] : std.at(std::size_t(k)); };
    if ((mean.size() != 1 && int(mean.size()) != c) || (std.size() != 1 && int(std.size()) != c))
        throw Error("normalisation for " + std::to_string(mean.size()) + " channels; the model takes " +
                    std::to_string(c));

    // The source as planes of the model's channels: [c × height × width], values 0..255.
    const std::size_t plane = std::size_t(width) * std::size_t(height);
    std::vector<float> source(std::size_t(c) * plane);
    for (std::size_t p = 0; p < plane; ++p) {
        const std::uint8_t* px = pixels + p * std::size_t(channels);
        for (int k = 0; k < c; ++k) {
            float v;
            if (channels == c)
                v = px[k];
            else if (channels == 1)   // grey → RGB
                v = px[0];
            else                      // RGB → grey
                v = 0.299f * px[0] + 0.587f * px[1] + 0.114f * px[2];
            source[std::size_t(k) * plane + p] = invert ? 255.0f - v : v;
        }
    }

    const auto rows = areaTaps(height, h), cols = areaTaps(width, w);
    std::vector<float> out(std::size_t(c) * std::size_t(h) * std::size_t(w));
    for (int k = 0; k < c; ++k) {
        const float* src = source.data() + std::size_t(k) * plane;
        for (int y = 0; y < h; ++y)
            for (int x = 0; x < w; ++x) {
                double v = 0;
                for (const Tap& r : rows[std::size_t(y)])
                    for (const Tap& q : cols[std::size_t(x)])
                        v += r.weight * q.weight * src[std::size_t(r.index) * std::size_t(width) + std::size_t(q.index)];
                out[(std::size_t(k) * std::size_t(h) + std::size_t(y)) * std::size_t(w) + std::size_t(x)] =
                    (float(v) / 255.0f - meanOf(k)) / stdOf(k);
            }
    }
    return out;
}

// [SECTION] A run's inputs ----------------------------------------------------------------------

RunInputs runInputs(const RunRecord& run, const JobSpec& job)
{
    const nlohmann::json& settings = run.datasetSettings;
    RunInputs out;
    if (settings.contains("mean") && settings.contains("std") && settings.contains("classes")) {
        out.images = settings.value("images", false);
        out.mean = settings["mean"].get<std::vector<float>>();
        out.std = settings["std"].get<std::vector<float>>();
        out.classNames = settings["classes"].get<std::vector<std::string>>();
        return out;
    }
    // Runs that did not record them: the data set again, as the job loaded it. Its statistics are
    // those of the whole training part (the readers compute them before any sample limit).
    const DataBundle data = loadDataset(job.data.spec, job.train.seed);
    out.images = data.train.isImage();
    out.mean = data.train.mean;
    out.std = data.train.std;
    out.classNames = data.train.classNames;
    return out;
}

} // namespace neurite
