// The PyTorch export folder (PyTorchExport.h). Index:
//   [SECTION] Names, Python literals, files
//   [SECTION] The state_dict as safetensors (F32 and BatchNorm's I64 counters)
//   [SECTION] train.py's settings: the job, the data set, the loss
//   [SECTION] README.txt
//   [SECTION] exportPyTorch
#include "engine/export/PyTorchExport.h"

#include "datasets/DatasetCatalogue.h"
#include "engine/backends/Registry.h"
#include "engine/core/Error.h"
#include "engine/export/PyTorchCode.h"
#include "engine/export/PyTorchExportScripts.h"
#include "engine/graph/Attributes.h"
#include "engine/graph/ModelJson.h"
#include "engine/graph/ShapeInference.h"
#include "engine/run/Job.h"
#include "engine/train/Plan.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <sstream>

namespace neurite {

namespace fs = std::filesystem;

// [SECTION] Names, Python literals, files --------------------------------------------------------------

std::string pytorchParameterName(const std::string& neuriteName)
{
    const auto dot = neuriteName.rfind('.');
    if (dot == std::string::npos)
        return pythonName(neuriteName);
    return pythonName(neuriteName.substr(0, dot)) + neuriteName.substr(dot);
}

namespace {

// A JSON value as a Python literal: objects one key a line at the top levels, short lists inline.
void pythonLiteral(std::ostringstream& out, const nlohmann::json& v, int indent)
{
    if (v.is_null()) {
        out << "None";
    } else if (v.is_boolean()) {
        out << (v.get<bool>() ? "True" : "False");
    } else if (v.is_object()) {
        if (v.empty() || indent > 4) {
            out << "{";
            bool first = true;
            for (const auto& [key, value] : v.items()) {
                out << (first ? "" : ", ") << nlohmann::json(key).dump() << ": ";
                pythonLiteral(out, value, indent + 4);
                first = false;
            }
            out << "}";
            return;
        }
        out << "{\n";
        for (const auto& [key, value] : v.items()) {
            out << std::string(std::size_t(indent + 4), ' ') << nlohmann::json(key).dump() << ": ";
            pythonLiteral(out, value, indent + 4);
            out << ",\n";
        }
        out << std::string(std::size_t(indent), ' ') << "}";
    } else if (v.is_array()) {
        out << "[";
        for (std::size_t i = 0; i < v.size(); ++i) {
            out << (i ? ", " : "");
            pythonLiteral(out, v[i], indent + 4);
        }
        out << "]";
    } else {
        out << v.dump();  // numbers, and strings: JSON's escapes are Python's
    }
}

std::string pythonLiteral(const nlohmann::json& v)
{
    std::ostringstream out;
    pythonLiteral(out, v, 0);
    return out.str();
}

void writeText(const fs::path& path, const std::string& text)
{
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
    if (!out)
        throw DataError(path.string(), "cannot write the file");
}

// Text for a line of a docstring or a comment: one line, no backslash escapes, no end of the string.
std::string pythonLine(std::string text)
{
    for (char& c : text)
        if (c == '\n' || c == '\r' || c == '\\' || c == '"')
            c = c == '"' ? '\'' : c == '\\' ? '/' : ' ';
    return text;
}

// The script with its marker lines replaced.
std::string fill(std::string script, const std::vector<std::pair<std::string, std::string>>& values)
{
    for (const auto& [marker, value] : values) {
        const auto at = script.find(marker);
        if (at == std::string::npos)
            throw Error("the PyTorch script template has no marker " + marker);
        script.replace(at, marker.size(), value);
    }
    return script;
}

// "class Mlp(nn.Module):" → "Mlp".
std::string moduleClassName(const std::string& code)
{
    const auto at = code.find("class ");
    const auto end = code.find("(nn.Module)", at);
    if (at == std::string::npos || end == std::string::npos)
        throw Error("the generated model code has no nn.Module class");
    return code.substr(at + 6, end - at - 6);
}

// [SECTION] The state_dict as safetensors (F32 and BatchNorm's I64 counters) -----------------------

struct StateTensor {
    std::string name;                      // the state_dict's name
    std::string dtype;                     // F32 or I64
    std::vector<std::int64_t> shape;
    const char* data = nullptr;
    std::uint64_t bytes = 0;
};

void writeStateTensors(const fs::path& path, const std::vector<StateTensor>& tensors,
                       const std::map<std::string, std::string>& metadata)
{
    nlohmann::ordered_json header;
    if (!metadata.empty())
        header["__metadata__"] = metadata;
    std::uint64_t offset = 0;
    for (const auto& t : tensors) {
        header[t.name] = {{"dtype", t.dtype}, {"shape", t.shape}, {"data_offsets", {offset, offset + t.bytes}}};
        offset += t.bytes;
    }
    std::string text = header.dump();
    text.append((8 - text.size() % 8) % 8, ' ');
    const std::uint64_t length = text.size();  // little-endian on the machines we support
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(&length), 8);
    out.write(text.data(), std::streamsize(text.size()));
    for (const auto& t : tensors)
        out.write(t.data, std::streamsize(t.bytes));
    if (!out)
        throw DataError(path.string(), "cannot write the weights (disk full?)");
}

// Every parameter and state tensor of the model under the state_dict's names, in its order
// (a BatchNorm: weight, bias, running_mean, running_var, num_batches_tracked), shaped as the plan
// shapes them. Throws Error when the model lacks one or holds one of another size.
void writeStateDict(const fs::path& path, const ModelGraph& graph, const std::map<std::string, Tensor>& values,
                    const std::map<std::string, std::string>& metadata)
{
    auto backend = createBackend("cpu", 1);
    Plan plan(graph, *backend, 1, 1);
    static const std::int64_t zero = 0;   // num_batches_tracked: unused while a momentum is set
    std::vector<StateTensor> tensors;
    std::map<std::string, std::string> names = metadata;
    nlohmann::json renamed = nlohmann::json::object();
    for (Parameter* p : plan.parameters()) {
        const auto it = values.find(p->name);
        if (it == values.end())
            throw Error("the model has no values for its parameter '" + p->name + "'");
        if (it->second.numel() != p->value.numel())
            throw Error("the parameter '" + p->name + "' holds " + std::to_string(it->second.numel()) +
                        " values; the model needs " + std::to_string(p->value.numel()));
        const std::string name = pytorchParameterName(p->name);
        if (name != p->name)
            renamed[name] = p->name;
        tensors.push_back({name, "F32", p->value.shape().dims(), reinterpret_cast<const char*>(it->second.data()),
                           std::uint64_t(p->value.numel()) * sizeof(float)});
        constexpr std::string_view runningVar = ".running_var";
        if (name.ends_with(runningVar))
            tensors.push_back({name.substr(0, name.size() - runningVar.size()) + ".num_batches_tracked", "I64", {},
                               reinterpret_cast<const char*>(&zero), sizeof zero});
    }
    if (!renamed.empty())
        names["neurite_names"] = renamed.dump();
    writeStateTensors(path, tensors, names);
}

// [SECTION] train.py's settings: the job, the data set, the loss -------------------------------------

bool isSyntheticSpec(const std::string& spec)
{
    const std::string kind = spec.substr(0, spec.find(':'));
    return kind == "spiral" || kind == "circles" || kind == "xor" || kind == "blobs";
}

// A synthetic set's samples as generated (train_x [N × 2], train_y [N], test_x, test_y).
void writeSyntheticData(const fs::path& path, const DataBundle& data)
{
    std::vector<std::vector<std::int64_t>> labels;
    std::vector<StateTensor> tensors;
    labels.reserve(2);
    for (const auto* part : {&data.train, &data.test}) {
        if (part->size() == 0)
            continue;
        const std::string prefix = part == &data.train ? "train_" : "test_";
        labels.emplace_back(part->labels.begin(), part->labels.end());
        tensors.push_back({prefix + "x", "F32", {part->size(), part->sampleSize()},
                           reinterpret_cast<const char*>(part->features.data()),
                           std::uint64_t(part->features.size()) * sizeof(float)});
        tensors.push_back({prefix + "y", "I64", {part->size()}, reinterpret_cast<const char*>(labels.back().data()),
                           std::uint64_t(labels.back().size()) * sizeof(std::int64_t)});
    }
    writeStateTensors(path, tensors, {{"class_names", nlohmann::json(data.train.classNames).dump()},
                                      {"description", data.description}});
}

struct DataFacts {
    nlohmann::json settings;                 // SETTINGS["data"]
    std::unique_ptr<DataBundle> synthetic;   // its samples, for data.safetensors
    std::string note;                        // why the normalisation is left to train.py
};

// Where train.py finds the data and how Neurite normalised it: read once here, with the job's seed.
DataFacts dataFacts(const JobSpec& job)
{
    const DataSettings& d = job.data;
    DataFacts facts;
    nlohmann::json& s = facts.settings;
    s = {{"spec", d.spec}, {"val_split", d.valSplit}, {"train_samples", d.trainSamples},
         {"augment_crop", d.augmentCrop}, {"augment_flip", d.augmentFlip}, {"normalisation", nullptr},
         {"class_names", nullptr}};
    if (d.spec == "fashion-mnist") {
        s["kind"] = "idx";
        s["path"] = "/usr/share/datasets/fashion-mnist";
        for (const auto& known : knownDatasets())
            if (known.name == "fashion-mnist" && known.available)
                s["path"] = known.location;
    } else if (isSyntheticSpec(d.spec)) {
        s["kind"] = "arrays";
        s["path"] = "data.safetensors";
    } else {
        std::error_code ec;
        const fs::path absolute = fs::absolute(d.spec, ec);
        s["path"] = ec ? d.spec : absolute.string();
        s["kind"] = fs::path(d.spec).extension() == ".csv" ? "csv" : "folder";
    }
    try {
        auto data = std::make_unique<DataBundle>(loadDataset(d.spec, job.train.seed));
        s["normalisation"] = {{"images", data->train.isImage()}, {"mean", data->train.mean}, {"std", data->train.std}};
        s["class_names"] = data->train.classNames;
        if (s["kind"] == "arrays")
            facts.synthetic = std::move(data);
    } catch (const std::exception& e) {
        if (s["kind"] == "arrays")
            throw;   // a synthetic set is made here or not at all: a bad spec is the job's error
        facts.note = e.what();
    }
    return facts;
}

nlohmann::json trainSettings(const ModelGraph& graph, const GraphAnalysis& analysis, const JobSpec& job,
                             const nlohmann::json& data)
{
    const TrainConfig& t = job.train;
    const OptimizerConfig& o = t.optimizer;
    const Node& loss = *graph.find(analysis.lossNode);
    const double smoothing = loss.type == "CrossEntropyLoss"
                                 ? job.labelSmoothing.value_or(attrFloat(loss, "label_smoothing"))
                                 : 0.0;
    nlohmann::ordered_json s;
    s["model"] = graph.name;
    s["input_shape"] = analysis.info(analysis.inputNode).output.dims();
    s["outputs"] = analysis.info(analysis.lossNode).inputs[0].numel();
    s["loss"] = {{"kind", loss.type}, {"label_smoothing", smoothing}, {"target", attrChoice(loss, "target")}};
    s["data"] = data;
    s["epochs"] = t.epochs;
    s["batch"] = t.batch;
    s["lr"] = t.lr;
    s["optimizer"] = {{"kind", o.kind}, {"momentum", o.momentum}, {"nesterov", o.nesterov},
                      {"weight_decay", o.weightDecay}, {"beta1", o.beta1}, {"beta2", o.beta2},
                      {"alpha", o.alpha}, {"eps", o.eps}};
    s["schedule"] = {{"kind", t.schedule.kind}, {"gamma", t.schedule.gamma}, {"step_epochs", t.schedule.stepEpochs},
                     {"warmup_steps", t.schedule.warmupSteps}};
    s["clip_norm"] = t.clipNorm;
    s["seed"] = t.seed;
    s["top_k"] = t.topK;
    s["patience"] = t.patience;
    s["min_delta"] = t.minDelta;
    s["restore_best"] = t.restoreBest;
    s["checkpoint_every"] = job.recording.checkpointEvery;
    s["threads"] = job.threads;
    s["precision"] = job.precision;
    s["deterministic"] = job.deterministic;
    return nlohmann::json(s);
}

// Python's literal of the settings, keys in the order written (nlohmann::json sorts them).
std::string settingsLiteral(const nlohmann::json& settings, const std::vector<std::string>& order)
{
    std::string out = "SETTINGS = {\n";
    for (const auto& key : order) {
        std::ostringstream value;
        pythonLiteral(value, settings.at(key), 4);
        out += "    " + nlohmann::json(key).dump() + ": " + value.str() + ",\n";
    }
    return out + "}";
}

// [SECTION] README.txt ------------------------------------------------------------------------------

std::string readme(const TrainedModel& model, const std::string& className, bool withTraining)
{
    std::ostringstream r;
    r << (model.graph.name.empty() ? "A model" : model.graph.name) << ", exported from Neurite Studio"
      << (model.origin.empty() ? "" : " (" + model.origin + ")") << ".\n\n"
      << "It needs PyTorch and NumPy only (Debian: apt install python3-torch python3-numpy).\n\n"
      << "Files\n"
      << "  model.py            the network as a PyTorch nn.Module (class " << className << ")\n"
      << "  model.safetensors   its weights: the state_dict, under the state_dict's names\n"
      << "  load.py             loads them (strictly) and predicts\n";
    if (withTraining)
        r << "  train.py            the run's training in PyTorch, in one process or under torchrun\n"
          << "  initial.safetensors the weights Neurite started training from (train.py starts there)\n";
    r << "\nUse the model\n"
      << "  In Python, from this folder (or with it on sys.path):\n"
      << "      from load import load\n"
      << "      model = load()                  # eval mode; load_state_dict(strict=True)\n"
      << "      y = model(x)                    # x: [N, " << [&] {
             std::string s;
             const GraphAnalysis a = analyse(model.graph);
             for (auto d : a.info(a.inputNode).output.dims())
                 s += (s.empty() ? "" : ", ") + std::to_string(d);
             return s;
         }() << "], normalised as in training\n"
      << "  From a shell, for inputs saved with numpy.save:\n"
      << "      python3 load.py inputs.npy         # normalised inputs\n"
      << "      python3 load.py images.npy --raw   # raw values (images 0..255), normalised as in training\n"
      << "  Without load.py: model.safetensors is a plain safetensors file, e.g.\n"
      << "      from safetensors.torch import load_file; model.load_state_dict(load_file('model.safetensors'))\n"
      << "  BatchNorm's num_batches_tracked is stored as 0: Neurite's BatchNorm always has a momentum, so\n"
      << "  PyTorch never reads the counter. Where a node id is no Python name (\"conv-1\"), the state_dict\n"
      << "  says conv_1; the file's metadata \"neurite_names\" maps the names back.\n";
    if (withTraining)
        r << "\nTrain it again, or further\n"
          << "      python3 train.py                          one process (a GPU when there is one)\n"
          << "      python3 train.py --epochs 1 --limit 512   a quick try\n"
          << "      torchrun --nproc_per_node=4 train.py      DistributedDataParallel, 4 processes\n"
          << "      torchrun --nnodes=2 --nproc_per_node=8 --rdzv_backend=c10d --rdzv_endpoint=HOST:29500 train.py\n"
          << "                                                a cluster: the same command on every node\n"
          << "  Where torchrun is missing, `python3 -m torch.distributed.run` is the same program.\n"
          << "  PyTorch 1.13's torchrun fails on Python 3.11 (Debian 12) with \"'NoneType' object has no\n"
          << "  attribute 'get'\": add --redirects 1 --tee 1 (later PyTorch releases do not need them).\n"
          << "  --init trained fine-tunes the exported weights; --init pytorch starts from PyTorch's own\n"
          << "  initialisation. The settings (data set, normalisation, optimiser, schedule, ...) are at the\n"
          << "  top of train.py; its docstring says what it reproduces exactly and what it cannot.\n"
          << "  It writes into --out (default train-out/): checkpoint.pt (--resume continues from it),\n"
          << "  metrics.json and trained.safetensors (load.load('train-out/trained.safetensors')).\n";
    return r.str();
}

} // namespace

// [SECTION] exportPyTorch ---------------------------------------------------------------------------------

PyTorchExportResult exportPyTorch(const TrainedModel& model, const JobSpec* job, const std::string& folder)
{
    const GraphAnalysis analysis = analyse(model.graph);
    requireValid(analysis);
    const std::string code = pytorchCode(model.graph);
    const std::string className = moduleClassName(code);

    std::error_code ec;
    fs::create_directories(folder, ec);
    if (ec || !fs::is_directory(folder))
        throw DataError(folder, "cannot create the export folder" + (ec ? ": " + ec.message() : std::string()));
    const fs::path dir(folder);
    PyTorchExportResult result;
    const auto write = [&](const std::string& name, const std::string& text) {
        writeText(dir / name, text);
        result.files.push_back(name);
    };
    const std::string title = pythonLine((model.graph.name.empty() ? "A model" : model.graph.name) +
                                         " from Neurite Studio" +
                                         (model.origin.empty() ? "" : " (" + model.origin + ")") + ".");

    write("model.py", code);
    writeStateDict(dir / "model.safetensors", model.graph, model.parameters,
                   {{"format", "pt"}, {"origin", model.origin}, {"model", modelToJson(model.graph).dump()}});
    result.files.push_back("model.safetensors");

    const Node& loss = *model.graph.find(analysis.lossNode);
    const bool classes = attrChoice(loss, "target") == "class";
    std::optional<DataFacts> data;
    if (job)
        data = dataFacts(*job);
    nlohmann::json normalisation = data ? data->settings["normalisation"] : nlohmann::json(nullptr);
    nlohmann::json classNames = data ? data->settings["class_names"] : nlohmann::json(nullptr);
    const std::string output = loss.type == "CrossEntropyLoss" && classes ? "logits"
                               : loss.type == "BCEWithLogitsLoss"         ? "binary_logits"
                                                                          : "values";
    const std::string constants =
        "CLASS_NAME = " + nlohmann::json(className).dump() + "  # in model.py\n" +
        "INPUT_SHAPE = " + pythonLiteral(analysis.info(analysis.inputNode).output.dims()) + "  # one sample\n" +
        "OUTPUT = " + nlohmann::json(output).dump() +
        "  # logits (softmax: class probabilities), binary_logits (sigmoid each), values\n" +
        "CLASS_NAMES = " + pythonLiteral(classNames) + "\n" +
        "# The training data's normalisation (Neurite: images (v/255 - mean[c]) / std[c], features (v - mean) / std)\n" +
        "NORMALISATION = " + pythonLiteral(normalisation);
    write("load.py", fill(kLoadPyTemplate, {{"@TITLE@", "load.py: " + title}, {"# @MODEL_CONSTANTS@", constants}}));

    if (job) {
        const TrainedModel initial = initialisedModel(model.graph, job->train.seed);
        writeStateDict(dir / "initial.safetensors", model.graph, initial.parameters,
                       {{"format", "pt"}, {"origin", initial.origin}});
        result.files.push_back("initial.safetensors");
        if (data->synthetic) {
            writeSyntheticData(dir / "data.safetensors", *data->synthetic);
            result.files.push_back("data.safetensors");
        }
        const nlohmann::json settings = trainSettings(model.graph, analysis, *job, data->settings);
        std::string literal = settingsLiteral(
            settings, {"model", "input_shape", "outputs", "loss", "data", "epochs", "batch", "lr", "optimizer",
                       "schedule", "clip_norm", "seed", "top_k", "patience", "min_delta", "restore_best",
                       "checkpoint_every", "threads", "precision", "deterministic"});
        if (!data->note.empty())
            literal = "# The data set could not be read at export (" + pythonLine(data->note) +
                      "): train.py computes its normalisation as Neurite does.\n" + literal;
        write("train.py", fill(kTrainPyTemplate, {{"@TITLE@", "train.py: " + title},
                                                  {"# @SETTINGS@", "# ---- The run's settings, as Neurite trained it "
                                                                   "-------------------------------------------\n" +
                                                                       literal}}));
    }
    write("README.txt", readme(model, className, job != nullptr));
    return result;
}

} // namespace neurite
