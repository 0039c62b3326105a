#pragma once
// Per-sample predictions of a trained run on its test part, for the evaluation views (confusion
// matrix with drill-down, per-class metrics, the most confident mistakes): each sample's label,
// predicted class and class probabilities, and its image as the data set stores it.
//
// The predicted class is the first highest score, as Trainer::evaluate counts it
// (kernels::rowArgMax), over the same batches on the CPU, so `confusion` is evaluateRun's
// confusion matrix on the CPU, cell for cell.
//
// Thread rule: predictRun runs on any thread with that thread's own RunStore; the result is a
// plain value.
#include "engine/core/Cancel.h"
#include "engine/store/RunStore.h"
#include "engine/train/Trainer.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace neurite {

struct SamplePredictions {
    std::string dataDescription;                 // "Fashion-MNIST (…), test part"
    std::vector<std::string> classNames;         // [classes]
    std::int64_t classes = 0;
    std::int64_t runId = 0, checkpointId = 0;
    int epoch = 0;                               // of the checkpoint
    std::vector<std::int32_t> labels, predicted; // [samples]
    std::vector<float> probabilities;            // [samples × classes], softmax of the model's scores
    std::vector<std::int64_t> confusion;         // [true × predicted], from labels and predicted
    // The input images as the data set stores them, for galleries: [samples × channels × h × w]
    // bytes 0..255, or empty for sets that are not images.
    std::vector<std::uint8_t> images;
    int channels = 0, height = 0, width = 0;

    std::int64_t samples() const { return std::int64_t(labels.size()); }
    // The probability the model gave its own prediction of `sample` (its confidence).
    float confidence(std::int64_t sample) const { return probability(sample, predicted[std::size_t(sample)]); }
    float probability(std::int64_t sample, std::int64_t k) const
    {
        return probabilities[std::size_t(sample * classes + k)];
    }
    // image bytes of `sample`: [channels × height × width]; null when there are no images.
    const std::uint8_t* image(std::int64_t sample) const
    {
        return images.empty() ? nullptr : images.data() + sample * channels * height * width;
    }
};

// Predicts every sample of run runId's test part (of its own data set; or, when dataSpec is not
// empty, of the set it names: its test part, all of it when it has none, normalised by its own
// statistics) with the run's best checkpoint (else its last), on the CPU. Returns nullopt when
// cancelled (checked between batches).
// Throws StoreError (no such run, an unreadable checkpoint), ConfigError (no checkpoint, no test
// part, a model that does not classify or does not fit the data), DataError (data files).
std::optional<SamplePredictions> predictRun(RunStore& store, std::int64_t runId, const std::string& dataSpec = {},
                                            const CancelToken* cancel = nullptr);

// The samples of cell (trueClass, predictedClass), most confident first (ties: lower index first).
std::vector<std::int64_t> samplesInCell(const SamplePredictions& p, int trueClass, int predictedClass);
// The mistakes (predicted ≠ label), most confident first (ties: lower index first); at most count.
std::vector<std::int64_t> confidentMistakes(const SamplePredictions& p, std::size_t count);

// The predictions as an evaluation, for perClassMetrics (RunRecorder.h): samples, classes,
// confusion and accuracy (loss and top-k are left at 0: they are not what the views show).
EvalResult evaluationOf(const SamplePredictions& p);

} // namespace neurite
