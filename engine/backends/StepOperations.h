#pragma once
// The per-step operations of training besides matrix products, convolutions and pooling: every
// one a backend operation, so that on a GPU a step never leaves the device (issue 10). Their
// arithmetic is written once, in engine/kernels (host and device); HostBackend runs it on host
// memory (the reference serially, the CPU backend on its threads), the CUDA module in kernels.
//
// Every pointer is the backend's memory (Backend::allocate). Results a host needs (the loss, the
// gradient norm, hit counts) are written into small backend buffers and read with download().
// Shapes are written [rows × width]; "count" is a number of floats.
#include <cstdint>
#include <span>

namespace neurite {

enum class ActivationKind { ReLU, LeakyReLU, ELU, GELU, SiLU, Sigmoid, Tanh };

struct ActivationSpec {
    ActivationKind kind = ActivationKind::ReLU;
    float alpha = 0;                   // LeakyReLU's negative slope, ELU's alpha
};

enum class LossKind { CrossEntropy, MeanSquaredError, BinaryCrossEntropyWithLogits };

struct LossSpec {
    LossKind kind = LossKind::CrossEntropy;
    float labelSmoothing = 0;          // cross-entropy only
};

// The target of a loss over x: [rows × width]: each row's class (labels: [rows]) or a tensor of
// x's shape (targets: the model's input, for reconstruction). Exactly one is set.
struct LossTarget {
    const std::int32_t* labels = nullptr;
    const float* targets = nullptr;
};

// Batch norm's tensors: x, y, dy, dx: [n × channels × positions]; the rest: [channels].
struct BatchNormTensors {
    const float* gamma = nullptr;
    const float* beta = nullptr;
    float* runningMean = nullptr;
    float* runningVar = nullptr;
    float* savedMean = nullptr;        // written by the forward pass, read by the backward one
    float* savedInvstd = nullptr;
};

enum class OptimizerKind { Sgd, Adam, AdamW, RmsProp };

// One step's settings, the same for every tensor (Adam's bias corrections follow from `step`).
struct OptimizerStepSettings {
    OptimizerKind kind = OptimizerKind::Sgd;
    double lr = 0, weightDecay = 0, momentum = 0;
    bool nesterov = false;
    double beta1 = 0.9, beta2 = 0.999, eps = 1e-8, alpha = 0.99;
    std::int64_t step = 1;             // counting this one, from 1
};

// One learned tensor and its optimiser state (state1: Adam's v, RMSprop's momentum; null if unused).
struct OptimizerSlot {
    float* value = nullptr;
    const float* grad = nullptr;
    float* state0 = nullptr;
    float* state1 = nullptr;
    std::int64_t count = 0;
};

// One learned tensor's gradient: [count].
struct GradientSlice {
    float* data = nullptr;
    std::int64_t count = 0;
};

// A data set in the backend's memory, uploaded once (Trainer), from which batches are gathered by
// sample id; as HostSamples (engine/core/BatchSource.h), every pointer the backend's. Exactly one of
// bytes and features is set.
struct ResidentSamples {
    std::int64_t count = 0, sampleSize = 0;
    const std::uint8_t* bytes = nullptr;          // images: [count × channels × plane]
    const float* byteValues = nullptr;            //   [channels × 256]
    std::int64_t channels = 0, plane = 0;
    const float* features = nullptr;              // feature vectors: [count × sampleSize]
    const float* mean = nullptr;                  //   [sampleSize]
    const float* std = nullptr;                   //   [sampleSize]
    const std::int32_t* labels = nullptr;         // [count]
};

class StepOperations {
public:
    virtual ~StepOperations() = default;

    // ---- Element-wise. x, y, dy, dx: [count].
    virtual void activationForward(ActivationSpec a, const float* x, float* y, std::int64_t count) = 0;
    // dx = dy · f'(x); the functions that read their output (ReLU, ELU, Sigmoid, Tanh) read y.
    virtual void activationBackward(ActivationSpec a, const float* x, const float* y, const float* dy, float* dx,
                                    std::int64_t count) = 0;
    // mask = 0 with probability p, else 1/(1 − p), drawn by Philox from (seed, step, stream, element)
    // (engine/kernels/Philox.h: the same masks on every backend); y = x · mask.
    virtual void dropoutForward(float p, std::uint64_t seed, std::uint32_t step, std::uint32_t stream, const float* x,
                                float* y, float* mask, std::int64_t count) = 0;
    virtual void multiply(const float* a, const float* b, float* y, std::int64_t count) = 0;   // y = a ⊙ b
    virtual void add(const float* a, const float* b, float* y, std::int64_t count) = 0;        // y = a + b
    virtual void accumulate(const float* x, float* y, std::int64_t count) = 0;                 // y += x
    virtual void copy(const float* x, float* y, std::int64_t count) = 0;
    // Row by row: y[r · yStride + yOffset + i] = x[r · xStride + i] for i < width (Concat's halves;
    // xStride 0 repeats one row: Linear's bias in every row before its product).
    virtual void copyRows(const float* x, std::int64_t xStride, float* y, std::int64_t yStride, std::int64_t yOffset,
                          std::int64_t rows, std::int64_t width) = 0;

    // ---- Bias over y: [rows × channels × positions] (positions: 1 after Linear, H·W after Conv2d).
    virtual void addBias(float* y, const float* bias, std::int64_t rows, std::int64_t channels,
                         std::int64_t positions) = 0;
    virtual void biasGradient(const float* dy, float* db, std::int64_t rows, std::int64_t channels,
                              std::int64_t positions) = 0;   // db: [channels], overwritten

    // ---- Rows: x, y, dy, dx: [rows × width].
    virtual void softmaxForward(const float* x, float* y, std::int64_t rows, std::int64_t width) = 0;
    virtual void softmaxBackward(const float* y, const float* dy, float* dx, std::int64_t rows, std::int64_t width) = 0;
    // The mean loss over the batch into loss[0]; then its gradient (overwritten).
    virtual void lossForward(LossSpec l, const float* x, LossTarget t, std::int64_t rows, std::int64_t width,
                             float* loss) = 0;
    virtual void lossBackward(LossSpec l, const float* x, LossTarget t, std::int64_t rows, std::int64_t width,
                              float* dx) = 0;

    // ---- Normalisation (PyTorch's semantics: biased variance to normalise, unbiased in the
    // running estimate). Training normalises by the batch's statistics and updates the running
    // ones; evaluation uses the running ones. Both save the mean and 1/σ the backward pass reads.
    virtual void batchNormForward(const float* x, float* y, std::int64_t n, std::int64_t channels,
                                  std::int64_t positions, const BatchNormTensors& t, float momentum, float eps,
                                  bool training) = 0;
    // dgamma, dbeta: [channels], overwritten; dx may be null.
    virtual void batchNormBackward(const float* x, const float* dy, float* dx, std::int64_t n, std::int64_t channels,
                                   std::int64_t positions, const BatchNormTensors& t, float* dgamma,
                                   float* dbeta) = 0;
    // Per row of [rows × width]; gamma, beta: [width]; savedMean, savedInvstd: [rows].
    virtual void layerNormForward(const float* x, float* y, std::int64_t rows, std::int64_t width, const float* gamma,
                                  const float* beta, float eps, float* savedMean, float* savedInvstd) = 0;
    virtual void layerNormBackward(const float* x, const float* dy, float* dx, std::int64_t rows, std::int64_t width,
                                   const float* gamma, const float* savedMean, const float* savedInvstd,
                                   float* dgamma, float* dbeta) = 0;

    // ---- Global average pooling: x, dx: [planes × planeSize]; y, dy: [planes].
    virtual void globalAvgPoolForward(const float* x, float* y, std::int64_t planes, std::int64_t planeSize) = 0;
    virtual void globalAvgPoolBackward(const float* dy, float* dx, std::int64_t planes, std::int64_t planeSize) = 0;

    // ---- The optimiser: one update of every learned tensor.
    virtual void optimizerStep(const OptimizerStepSettings& s, std::span<const OptimizerSlot> slots) = 0;
    // ‖g‖ over all the tensors into norm[0]; when maxNorm > 0 and the norm exceeds it, every
    // tensor is scaled by maxNorm / (norm + 1e-6) (PyTorch's clip_grad_norm_).
    virtual void clipGradientNorm(std::span<const GradientSlice> gradients, double maxNorm, float* norm) = 0;

    // ---- Data held by the backend: x [n × sampleSize] and labels [n] of the samples ids [n]
    // (each in [0, set.count)), normalised as engine/kernels/Gather.h says.
    virtual void gatherBatch(const ResidentSamples& set, const std::int32_t* ids, std::int64_t n, float* x,
                             std::int32_t* labels) = 0;

    // ---- Checks and metrics. x: [count]; scores: [rows × classes]; labels: [rows].
    virtual void countNonFinite(const float* x, std::int64_t count, std::int32_t* found) = 0;   // found[0] = how many
    // hits[0] += the rows whose label is among their k best scores (ties to the lower index).
    virtual void countTopK(const float* scores, const std::int32_t* labels, std::int64_t rows, std::int64_t classes,
                           int topK, std::int32_t* hits) = 0;
    // matrix[label × classes + predicted] += 1 for each row; matrix: [classes × classes].
    virtual void addToConfusion(const float* scores, const std::int32_t* labels, std::int64_t rows,
                                std::int64_t classes, std::int32_t* matrix) = 0;

    // ---- Telemetry (engine/kernels/Statistics.h): summaries of tensors, accumulated over calls
    // so that several tensors (a layer's weight and bias) make one summary.
    // moments: [kMomentFields] = Σv, Σv², min v, max v, count of non-finite elements, over the
    // finite v = x[i] (x[i] − minus[i] when minus is not null); x, minus: [count]. Start from
    // kernels::kEmptyMoments (a host upload).
    virtual void accumulateMoments(const float* x, const float* minus, std::int64_t count, float* moments) = 0;
    // counts[b] += the finite x[i] in bin b of `bins` equal parts of [moments min, moments max]
    // (kernels::histogramBin); counts: [bins], floats (exact to 2²⁴ per call).
    virtual void accumulateHistogram(const float* x, std::int64_t count, const float* moments, int bins,
                                     float* counts) = 0;
    // unitMax[c] = max(unitMax[c], max over r and p of x[r][c][p]); x: [rows × channels × positions],
    // unitMax: [channels] (start it at −∞, or 0 for a ReLU's output).
    virtual void accumulateUnitMaximum(const float* x, std::int64_t rows, std::int64_t channels,
                                       std::int64_t positions, float* unitMax) = 0;
};

} // namespace neurite
