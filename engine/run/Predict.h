#pragma once
// Predicting with a trained classifier, one sample at a time: the class probabilities and the
// saliency of each input element (how much a small change of it moves the chosen class's
// log-probability), and the way a picture becomes the model's input exactly as training made it.
//
// - Predictor: the model on the CPU, batch 1, evaluation mode (running BatchNorm statistics,
//   Dropout off). One thread at a time; ~1 ms for the MLP and CNN templates.
// - inputFromPixels: decoded 8-bit pixels (any size, grey or RGB) → [C, H, W] floats, normalised.
// - runInputs: how a recorded run normalised its images, and its class names.
#include "engine/core/Shape.h"
#include "engine/export/TrainedModel.h"
#include "engine/run/Job.h"
#include "engine/store/RunStore.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace neurite {

class Backend;
class Plan;

struct Prediction {
    std::vector<float> probabilities;   // [classes] softmax of the scores
    std::vector<float> saliency;        // [input shape] |∂ log p_c / ∂ x| for the class c below
    int predicted = 0;                  // argmax of the probabilities
    int explained = 0;                  // c: the class the saliency is for (predicted unless chosen)
};

class Predictor {
public:
    // Throws ConfigError when the model is not a classifier trained with CrossEntropyLoss,
    // ModelError for an invalid graph, Error when a parameter is missing or of the wrong size.
    explicit Predictor(const TrainedModel& model);
    ~Predictor();
    Predictor(const Predictor&) = delete;
    Predictor& operator=(const Predictor&) = delete;

    const Shape& inputShape() const { return inputShape_; }   // per sample: [C, H, W] for images
    int classes() const { return classes_; }

    // normalisedInput: [input shape], as the data set's batches are made. forClass: the class the
    // saliency explains, −1 for the predicted one. Throws Error for a wrong size or class.
    Prediction predict(const std::vector<float>& normalisedInput, int forClass = -1);

private:
    std::unique_ptr<Backend> backend_;
    std::unique_ptr<Plan> plan_;
    Shape inputShape_;
    int classes_ = 0;
};

// Whether a model input of this shape is an image the studio can draw or load: [C, H, W], C = 1 or 3.
bool isImageInput(const Shape& input);

// pixels: [height × width × channels] row-major bytes, channels 1 (grey) or 3 (RGB). Returns the
// model's input [C, H, W] (input = [C, H, W], C = 1 or 3): resized by area averaging (each output
// pixel the mean of the source area it covers), RGB → grey by luminance (0.299 R + 0.587 G +
// 0.114 B) or grey → RGB by repetition, v → 255 − v when invert (dark ink on white paper), then
// x = (v/255 − mean[c]) / std[c] as the data set's batches (mean, std: [C], or [1] for every
// channel). Throws Error for sizes or channels it cannot take.
std::vector<float> inputFromPixels(const std::uint8_t* pixels, int width, int height, int channels, const Shape& input,
                                   const std::vector<float>& mean, const std::vector<float>& std, bool invert);

// How a run made its inputs: what predicting needs besides the model.
struct RunInputs {
    bool images = false;                   // the data set is images: bytes 0..255 per pixel and channel
    std::vector<float> mean, std;          // per channel (images) or feature: x = (v/255 − mean) / std
    std::vector<std::string> classNames;   // [classes], the data set's
};

// From the run's dataset settings when they hold them ("images", "mean", "std", "classes"), else
// by loading the run's data set again (its spec and seed): the readers compute the same statistics
// from the same files. Throws what loadDataset throws (ConfigError, DataError) when it is gone.
RunInputs runInputs(const RunRecord& run, const JobSpec& job);

} // namespace neurite
