#pragma once
// The PyTorch export: a folder that needs only PyTorch and NumPy, where a PyTorch user continues
// with the model, and from where a run outgrows one machine (train.py under torchrun).
//
//   model.py             the nn.Module `neurite models code` writes (PyTorchCode.h)
//   model.safetensors    its state_dict: every parameter and state tensor under the state_dict's
//                        names, in its order, BatchNorm's num_batches_tracked included (I64, 0:
//                        Neurite's BatchNorm always has a momentum, so PyTorch never reads it):
//                        the keys are exactly model.state_dict()'s. (PyTorch's load_state_dict
//                        would fill a missing counter in; safetensors' load_model(strict=True)
//                        would not.) Neurite's readSafetensors reads F32 only: it refuses this
//                        file; the bundle (Bundle.h) is Neurite's own.
//   load.py              load() → the model in eval mode, weights loaded strictly; reads
//                        safetensors itself (no safetensors package); `python3 load.py x.npy`
//                        prints predictions
//   README.txt           how to use the scripts
// With the job the model was trained by:
//   train.py             the run's training in PyTorch: data set, normalisation, split,
//                        augmentation, optimiser, schedule (Neurite's formulas), batch, epochs,
//                        seed, clipping, label smoothing, early stopping; one process, or
//                        DistributedDataParallel under torchrun (gloo on the CPU, NCCL on GPUs)
//   initial.safetensors  the weights Neurite started the run from (its initialisation from the
//                        run's seed): train.py starts there unless told otherwise
//   data.safetensors     a synthetic data set's samples (spiral, circles, xor, blobs), as generated
//
// The state_dict's name of a parameter is the node id made a Python identifier ("conv-1.weight" →
// "conv_1.weight"); model.safetensors' metadata maps the names back where they differ.
#include "engine/export/TrainedModel.h"

#include <string>
#include <vector>

namespace neurite {

struct JobSpec;

struct PyTorchExportResult {
    std::vector<std::string> files;   // the file names written, in the folder
};

// Writes the folder (created when missing; files of the same names are replaced). job: how the
// model was trained (null: no train.py). Reads the job's data set (when it can) for the
// normalisation Neurite computed and a synthetic set's samples; where it cannot, train.py computes
// them the same way. Throws ModelError (an invalid graph), DataError (the folder cannot be
// written), Error (a parameter missing or of the wrong size).
PyTorchExportResult exportPyTorch(const TrainedModel& model, const JobSpec* job, const std::string& folder);

// The state_dict's name of a Neurite parameter: "conv-1.running_mean" → "conv_1.running_mean".
std::string pytorchParameterName(const std::string& neuriteName);

} // namespace neurite
