#include "engine/train/Plan.h"

#include "engine/core/Error.h"
#include "engine/graph/Attributes.h"

#include <algorithm>
#include <cmath>
#include <map>

namespace neurite {

Plan::Plan(const ModelGraph& graph, Backend& backend, std::int64_t batch, std::uint64_t seed)
    : analysis_(analyse(graph, batch)), backend_(backend), batch_(batch), seed_(seed), rng_(seed),
      nonFinite_(backend, 1, "non-finite check")
{
    requireValid(analysis_);
    std::map<std::string, int> index;
    for (const auto& id : analysis_.order)
        index[id] = int(index.size());
    inputShape_ = analysis_.info(analysis_.inputNode).output;

    for (const auto& id : analysis_.order) {
        const Node& node = *graph.find(id);
        drawsPerStep_ = drawsPerStep_ || node.type == "Dropout";
        types_.push_back(node.type);
        layers_.push_back(createLayer({node, analysis_.info(id), backend, batch, inputShape_}));
        std::vector<int> sources;
        const auto* spec = Catalogue::instance().find(node.type);
        for (const auto& port : spec->inputs) {
            const int src = index.at(graph.edgeInto(id, port)->from.node);
            consumers_.resize(layers_.size());
            consumers_[src].push_back({int(layers_.size()) - 1, int(sources.size())});
            sources.push_back(src);
        }
        sources_.push_back(sources);
    }
    consumers_.resize(layers_.size());
    fuseActivations(graph);

    std::int64_t workspace = 0;
    storage_.resize(layers_.size());
    gradStorage_.resize(layers_.size());
    for (std::size_t l = 0; l < layers_.size(); ++l) {
        workspace = std::max(workspace, layers_[l]->workspaceFloats());
        std::vector<std::int64_t> dims{batch};
        for (auto d : analysis_.info(analysis_.order[l]).output.dims())
            dims.push_back(d);
        // A layer with a fused ReLU writes into the ReLU's buffer and needs none of its own.
        storage_[l] = fusedInto_[l] >= 0 ? fusedInto_[l] : int(l);
        const bool backwardFused = fusedInto_[l] >= 0 && skipBackward_[fusedInto_[l]];
        gradStorage_[l] = backwardFused ? fusedInto_[l] : int(l);  // it reads the ReLU's gradient
        const std::int64_t size = Shape(dims).numel();
        const std::string& id = analysis_.order[l];
        values_.emplace_back(backend, fusedInto_[l] >= 0 || absorbed_[l] ? 0 : size, id);
        grads_.emplace_back(backend, backwardFused || absorbed_[l] ? 0 : size, id + " (gradient)");
        bytes_ += values_.back().bytes() + grads_.back().bytes();
    }
    // A tensor used by several layers gets one gradient buffer per use; they are summed in backward().
    inputGrads_.resize(layers_.size());
    for (std::size_t l = 0; l < layers_.size(); ++l)
        for (int src : sources_[l]) {
            const std::int64_t size = consumers_[src].size() > 1 ? values_[storage_[src]].size() : 0;
            inputGrads_[l].emplace_back(backend, size, analysis_.order[l] + " (gradient of an input)");
            bytes_ += inputGrads_[l].back().bytes();
        }
    workspace_ = BackendBuffer<float>(backend, std::max<std::int64_t>(workspace, 1), "workspace");
    bytes_ += workspace_.bytes();
    labels_ = BackendBuffer<std::int32_t>(backend, batch, "labels");
    if (!backend.hostAddressable()) {   // the batch is written on the host, then uploaded
        inputStaging_.resize(std::size_t(values_[std::size_t(index.at(analysis_.inputNode))].size()));
        labelStaging_.resize(std::size_t(batch));
    }

    inputIndex_ = index.at(analysis_.inputNode);
    lossIndex_ = index.at(analysis_.lossNode);
    const Node& loss = *graph.find(analysis_.lossNode);
    const Shape& predicted = analysis_.info(loss.id).inputs[0];
    predictionSize_ = predicted.numel();
    classifies_ = attrChoice(loss, "target") == "class";
    if (!classifies_ && predicted.numel() != inputShape_.numel())
        throw ModelError(loss.id, "reconstructing the input needs an output of " + inputShape_.str() + " elements, but gets " +
                                      predicted.str(), "end the decoder with a Linear of " +
                                      std::to_string(inputShape_.numel()) + " outputs (and a Reshape)");

    // The buffers never move: each layer's pointers are gathered once, not at every step.
    for (std::size_t l = 0; l < layers_.size(); ++l)
        ios_.push_back(makeIo(int(l)));
    for (auto& layer : layers_)
        layer->initialise(rng_);
    placeParameters();
}

// On a host backend a step works on the parameters' own tensors; elsewhere on copies in the
// backend's memory, uploaded now and kept in step by parametersToHost/ToBackend.
void Plan::placeParameters()
{
    if (backend_.hostAddressable())
        return;
    for (Parameter* p : parameters()) {
        parameterCopies_.emplace_back(backend_, p->value.numel(), p->name);
        p->deviceValue = parameterCopies_.back().data();
        if (p->grad.numel()) {
            parameterCopies_.emplace_back(backend_, p->grad.numel(), p->name + " (gradient)");
            p->deviceGrad = parameterCopies_.back().data();
        }
        bytes_ += (p->value.numel() + p->grad.numel()) * std::int64_t(sizeof(float));
    }
    parametersToBackend();
}

void Plan::parametersToHost()
{
    if (backend_.hostAddressable())
        return;
    for (Parameter* p : parameters())
        backend_.download(p->value.data(), p->live(), p->value.numel() * std::int64_t(sizeof(float)));
}

void Plan::parametersToBackend()
{
    if (backend_.hostAddressable())
        return;
    for (Parameter* p : parameters())
        backend_.upload(p->live(), p->value.data(), p->value.numel() * std::int64_t(sizeof(float)));
}

float* Plan::input()
{
    return inputStaging_.empty() ? values(inputIndex_) : inputStaging_.data();
}

float* Plan::inputOnBackend() { return values(inputIndex_); }

std::int32_t* Plan::labels()
{
    return labelStaging_.empty() ? labels_.data() : labelStaging_.data();
}

Plan::~Plan() = default;

// Conv2d → ReLU and Linear → ReLU, where the ReLU is the only user of the output: the producer
// applies the ReLU while its output is still in cache, writing straight into the ReLU's buffer;
// the ReLU's forward pass is skipped, and so is its backward pass when the producer (Conv2d)
// applies the ReLU's mask itself.
void Plan::fuseActivations(const ModelGraph& graph)
{
    fusedInto_.assign(layers_.size(), -1);
    skipForward_.assign(layers_.size(), false);
    skipBackward_.assign(layers_.size(), false);
    absorbed_.assign(layers_.size(), false);
    for (std::size_t l = 0; l < layers_.size(); ++l) {
        if (graph.find(analysis_.order[l])->type != "ReLU")
            continue;
        const int producer = sources_[l][0];
        if (consumers_[producer].size() == 1 && layers_[producer]->fuseRelu()) {
            fusedInto_[producer] = int(l);
            skipForward_[l] = true;
            skipBackward_[l] = layers_[producer]->fusesReluBackward();
        }
    }
    // Then Conv2d → ReLU → MaxPool2d(2): the producer pools too, and writes the pooling's buffer;
    // the ReLU's output is never made (the backward pass needs it only where the pooling took).
    for (std::size_t l = 0; l < layers_.size(); ++l) {
        const Node& pool = *graph.find(analysis_.order[l]);
        if (pool.type != "MaxPool2d" || attrInt(pool, "kernel_size") != 2 || attrInt(pool, "padding") != 0 ||
            (attrInt(pool, "stride") != 0 && attrInt(pool, "stride") != 2))
            continue;
        const int relu = sources_[l][0];
        if (!skipForward_[relu] || !skipBackward_[relu] || consumers_[relu].size() != 1)
            continue;
        const int producer = sources_[relu][0];
        if (fusedInto_[producer] == relu && layers_[producer]->fuseMaxPool2x2()) {
            fusedInto_[producer] = int(l);
            absorbed_[relu] = true;
            skipForward_[l] = skipBackward_[l] = true;
        }
    }
}

LayerIO Plan::makeIo(int l)
{
    LayerIO io;
    io.out = values(l);
    io.dOut = gradient(l);
    io.workspace = workspace_.data();
    io.labels = labels_.data();   // the backend's copy
    io.modelInput = values(inputIndex_);
    io.seed = seed_;
    for (std::size_t p = 0; p < sources_[l].size(); ++p) {
        const int src = sources_[l][p];
        io.in.push_back(values(src));
        float* grad = inputGrads_[l][p].size() ? inputGrads_[l][p].data() : gradient(src);
        // Nobody needs the input's gradient, unless asked for (computeInputGradient).
        io.dIn.push_back(src == inputIndex_ && !inputGradient_ ? nullptr : grad);
    }
    return io;
}

void Plan::computeInputGradient(bool on)
{
    inputGradient_ = on;
    for (auto [consumer, port] : consumers_[inputIndex_])
        ios_[std::size_t(consumer)] = makeIo(consumer);
}

const LayerIO& Plan::io(int l)
{
    LayerIO& io = ios_[std::size_t(l)];
    io.n = n_;
    io.training = training_;
    io.step = step_;
    return io;
}

void Plan::forward(std::int64_t n, bool training, bool batchOnBackend)
{
    if (n < 1 || n > batch_)
        throw Error("Plan::forward: batch of " + std::to_string(n) + " outside [1, " + std::to_string(batch_) + "]");
    n_ = n;
    training_ = training;
    if (training)
        ++step_;
    if (!inputStaging_.empty() && !batchOnBackend) {   // the batch as written on the host, to the backend
        const std::int64_t perSample = std::int64_t(inputStaging_.size()) / batch_;
        backend_.upload(values(inputIndex_), inputStaging_.data(), n * perSample * std::int64_t(sizeof(float)));
        backend_.upload(labels_.data(), labelStaging_.data(), n * std::int64_t(sizeof(std::int32_t)));
    }
    for (std::size_t l = 0; l < layers_.size(); ++l)
        if (!skipForward_[l])
            layers_[l]->forward(io(int(l)));
}

double Plan::loss() const { return layers_[lossIndex_]->lossValue(); }

void Plan::setLossOutput(float* target) { layers_[lossIndex_]->setLossOutput(target); }

void Plan::backward()
{
    for (int l = int(layers_.size()) - 1; l >= 0; --l) {
        // Sum the per-use gradient buffers of a tensor that fans out.
        if (consumers_[l].size() > 1 && (l != inputIndex_ || inputGradient_)) {
            float* g = gradient(l);
            const std::int64_t count = n_ * (grads_[gradStorage_[l]].size() / batch_);
            bool first = true;
            for (auto [consumer, port] : consumers_[l]) {
                const float* part = inputGrads_[consumer][port].data();
                if (first)
                    backend_.copy(part, g, count);
                else
                    backend_.accumulate(part, g, count);
                first = false;
            }
        }
        if (l != inputIndex_ && !skipBackward_[l])
            layers_[l]->backward(io(l));
    }
}

const float* Plan::prediction() const { return values_[storage_[sources_[lossIndex_][0]]].data(); }

std::vector<Parameter*> Plan::parameters()
{
    std::vector<Parameter*> all;
    for (auto& layer : layers_)
        for (auto* p : layer->parameters())
            all.push_back(p);
    return all;
}

Plan::LayerView Plan::layerView(int l)
{
    LayerView view;
    view.id = analysis_.order[std::size_t(l)];
    view.type = types_[std::size_t(l)];
    int holder = storage_[std::size_t(l)];
    if (absorbed_[std::size_t(l)])   // a ReLU inside conv-ReLU-pool: only the pooled result exists
        holder = consumers_[std::size_t(l)][0].first;
    view.output = values_[std::size_t(storage_[std::size_t(holder)])].data();
    view.outputShape = analysis_.info(analysis_.order[std::size_t(holder)]).output;
    if (holder != l)
        view.outputAfter = analysis_.order[std::size_t(holder)];
    view.reluOutput = view.type == "ReLU";
    view.isInput = l == inputIndex_;
    view.isLoss = l == lossIndex_;
    for (Parameter* p : layers_[std::size_t(l)]->parameters())
        if (p->learned)
            view.learned.push_back(p);
    return view;
}

std::string Plan::firstNonFinite()
{
    for (std::size_t l = 0; l < layers_.size(); ++l) {
        if (int(l) == lossIndex_)
            return std::isfinite(layers_[l]->lossValue()) ? std::string() : layers_[l]->id();
        // A fused producer's output lives (after its ReLU) in the ReLU's buffer: ReLU lets NaN
        // through, so a non-finite value there is the producer's.
        const std::int64_t count = n_ * (values_[storage_[l]].size() / batch_);
        std::int32_t found = 0;
        backend_.countNonFinite(values_[storage_[l]].data(), count, nonFinite_.data());
        backend_.download(&found, nonFinite_.data(), sizeof found);
        if (found)
            return layers_[l]->id();
    }
    return {};
}

} // namespace neurite
