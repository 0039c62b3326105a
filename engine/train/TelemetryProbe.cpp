#include "engine/train/TelemetryProbe.h"

#include "engine/kernels/Statistics.h"

#include <algorithm>
#include <cmath>

namespace neurite {

namespace k = kernels;

namespace {

std::int64_t learnedCount(const std::vector<Parameter*>& params)
{
    std::int64_t count = 0;
    for (const Parameter* p : params)
        count += p->value.numel();
    return count;
}

// A summary from its moments [kMomentFields] and histogram counts [kHistogramBins] (or null).
TensorSummary summarise(const float* moments, const float* histogram, std::int64_t count)
{
    TensorSummary t;
    t.count = count;
    t.nonFinite = std::int64_t(moments[k::kMomentNonFinite]);
    const double finite = double(count - t.nonFinite);
    if (finite <= 0)
        return t;
    t.mean = double(moments[k::kMomentSum]) / finite;
    t.std = std::sqrt(std::max(0.0, double(moments[k::kMomentSquares]) / finite - t.mean * t.mean));
    t.min = moments[k::kMomentMin];
    t.max = moments[k::kMomentMax];
    t.norm = std::sqrt(double(moments[k::kMomentSquares]));
    if (histogram) {
        t.histogram.lo = moments[k::kMomentMin];
        t.histogram.hi = moments[k::kMomentMax];
        for (int b = 0; b < kHistogramBins; ++b)
            t.histogram.counts[std::size_t(b)] = std::uint32_t(histogram[b]);
    }
    return t;
}

} // namespace

TelemetryProbe::TelemetryProbe(Plan& plan) : plan_(plan), backend_(plan.backend())
{
    std::int64_t size = 0, learned = 0;
    auto reserve = [&](std::int64_t floats, float value) {
        const std::int64_t at = size;
        size += floats;
        initial_.resize(std::size_t(size), value);
        return at;
    };
    auto moments = [&] {
        const std::int64_t at = reserve(k::kMomentFields, 0);
        std::copy_n(k::kEmptyMoments, k::kMomentFields, initial_.begin() + at);
        return at;
    };
    for (int l = 0; l < plan.layerCount(); ++l) {
        Slot slot;
        slot.view = plan.layerView(l);
        if (slot.view.isLoss) {
            slots_.push_back(std::move(slot));
            continue;
        }
        const auto& dims = slot.view.outputShape.dims();
        slot.channels = dims.empty() ? 1 : dims[0];
        slot.positions = slot.view.outputShape.numel() / std::max<std::int64_t>(slot.channels, 1);
        // Fused layers share one buffer (a producer and its ReLU): it is measured once.
        const auto same = std::find_if(slots_.begin(), slots_.end(),
                                       [&](const Slot& s) { return s.activation >= 0 && s.view.output == slot.view.output; });
        if (same != slots_.end()) {
            slot.activation = same->activation;
            slot.activationHistogram = same->activationHistogram;
            slot.sharesOutput = true;
        } else {
            slot.activation = moments();
            slot.activationHistogram = reserve(kHistogramBins, 0);
        }
        if (slot.view.reluOutput)
            slot.unitMax = reserve(slot.channels, 0);   // a ReLU's output is ≥ 0: a unit stays 0 when dead
        if (!slot.view.learned.empty()) {
            slot.weight = moments();
            slot.weightHistogram = reserve(kHistogramBins, 0);
            slot.gradient = moments();
            slot.gradientHistogram = reserve(kHistogramBins, 0);
            slot.update = moments();
            slot.previous = learned;
            learned += learnedCount(slot.view.learned);
        }
        slots_.push_back(std::move(slot));
    }
    host_.resize(initial_.size());
    results_ = BackendBuffer<float>(backend_, size, "telemetry");
    previous_ = BackendBuffer<float>(backend_, learned, "telemetry (weights before the update)");
}

std::int64_t TelemetryProbe::bytesHeld() const
{
    return results_.bytes() + previous_.bytes() + std::int64_t((initial_.size() + host_.size()) * sizeof(float));
}

void TelemetryProbe::measure()
{
    backend_.upload(results_.data(), initial_.data(), results_.bytes());
    float* r = results_.data();
    const std::int64_t n = plan_.lastBatchSize();
    for (const Slot& s : slots_) {
        if (s.activation < 0)
            continue;
        const std::int64_t count = n * s.view.outputShape.numel();
        if (!s.sharesOutput) {
            backend_.accumulateMoments(s.view.output, nullptr, count, r + s.activation);
            backend_.accumulateHistogram(s.view.output, count, r + s.activation, kHistogramBins,
                                         r + s.activationHistogram);
        }
        if (s.unitMax >= 0)
            backend_.accumulateUnitMaximum(s.view.output, n, s.channels, s.positions, r + s.unitMax);
        if (s.weight < 0)
            continue;
        // Moments of every tensor of the layer first: the histograms' range is the layer's.
        for (Parameter* p : s.view.learned) {
            backend_.accumulateMoments(p->live(), nullptr, p->value.numel(), r + s.weight);
            backend_.accumulateMoments(p->liveGrad(), nullptr, p->value.numel(), r + s.gradient);
        }
        std::int64_t at = s.previous;
        for (Parameter* p : s.view.learned) {
            backend_.accumulateHistogram(p->live(), p->value.numel(), r + s.weight, kHistogramBins,
                                         r + s.weightHistogram);
            backend_.accumulateHistogram(p->liveGrad(), p->value.numel(), r + s.gradient, kHistogramBins,
                                         r + s.gradientHistogram);
            backend_.copy(p->live(), previous_.data() + at, p->value.numel());
            at += p->value.numel();
        }
    }
    updated_ = false;
}

void TelemetryProbe::measureUpdate()
{
    float* r = results_.data();
    for (const Slot& s : slots_) {
        std::int64_t at = s.previous;
        for (Parameter* p : s.view.learned) {   // Δw = w − w before
            backend_.accumulateMoments(p->live(), previous_.data() + at, p->value.numel(), r + s.update);
            at += p->value.numel();
        }
    }
    updated_ = true;
}

TelemetrySnapshot TelemetryProbe::read(std::int64_t step, int epoch, double lr)
{
    backend_.download(host_.data(), results_.data(), results_.bytes());
    TelemetrySnapshot snapshot;
    snapshot.step = step;
    snapshot.epoch = epoch;
    snapshot.lr = lr;
    const std::int64_t n = plan_.lastBatchSize();
    for (const Slot& s : slots_) {
        LayerTelemetry layer;
        layer.node = s.view.id;
        layer.type = s.view.type;
        if (s.activation >= 0) {
            layer.hasActivation = true;
            layer.activationAfter = s.view.outputAfter;
            layer.activation = summarise(&host_[std::size_t(s.activation)], &host_[std::size_t(s.activationHistogram)],
                                         n * s.view.outputShape.numel());
            if (snapshot.firstNonFinite.empty() && layer.activation.nonFinite > 0)
                snapshot.firstNonFinite = layer.node;
        }
        if (s.unitMax >= 0) {
            layer.units = s.channels;
            for (std::int64_t c = 0; c < s.channels; ++c)
                layer.deadUnits += host_[std::size_t(s.unitMax + c)] <= 0.0f;
        }
        if (s.weight >= 0) {
            const std::int64_t count = learnedCount(s.view.learned);
            layer.learned = true;
            layer.weight = summarise(&host_[std::size_t(s.weight)], &host_[std::size_t(s.weightHistogram)], count);
            layer.gradient = summarise(&host_[std::size_t(s.gradient)], &host_[std::size_t(s.gradientHistogram)], count);
            if (updated_ && layer.weight.norm > 0)
                layer.updateRatio = std::sqrt(double(host_[std::size_t(s.update + k::kMomentSquares)])) / layer.weight.norm;
        }
        snapshot.layers.push_back(std::move(layer));
    }
    return snapshot;
}

std::vector<float> TelemetryProbe::firstSampleOfBatch(int* label)
{
    const std::int64_t size = plan_.inputShape().numel();
    std::vector<float> sample(static_cast<std::size_t>(size));
    std::int32_t l = -1;
    backend_.download(sample.data(), plan_.inputOnBackend(), size * std::int64_t(sizeof(float)));
    backend_.download(&l, plan_.labelsOnBackend(), sizeof l);
    if (label)
        *label = plan_.classifies() ? l : -1;
    return sample;
}

FeatureMaps TelemetryProbe::featureMaps(const std::vector<float>& sample, int label)
{
    FeatureMaps maps;
    maps.sampleLabel = label;
    const auto& in = plan_.inputShape().dims();
    if (in.size() == 3) {
        maps.inputChannels = int(in[0]);
        maps.inputHeight = int(in[1]);
        maps.inputWidth = int(in[2]);
        maps.input = sample;
    }
    std::copy(sample.begin(), sample.end(), plan_.input());
    plan_.labels()[0] = std::max(label, 0);
    plan_.forward(1, false);
    for (const Slot& s : slots_) {
        const auto& dims = s.view.outputShape.dims();
        if (s.view.type != "Conv2d" || dims.size() != 3)
            continue;
        FeatureMapLayer layer;
        layer.node = s.view.id;
        layer.type = s.view.type;
        layer.after = s.view.outputAfter;
        layer.channels = int(std::min<std::int64_t>(dims[0], kMaxFeatureChannels));
        layer.height = int(dims[1]);
        layer.width = int(dims[2]);
        layer.values.resize(std::size_t(layer.channels) * std::size_t(layer.height * layer.width));
        backend_.download(layer.values.data(), s.view.output, std::int64_t(layer.values.size() * sizeof(float)));
        maps.layers.push_back(std::move(layer));
    }
    return maps;
}

} // namespace neurite
