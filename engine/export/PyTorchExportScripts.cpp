// The Python of the PyTorch export (PyTorchExport.h): load.py and train.py, with the marker lines
// exportPyTorch fills ("@TITLE@", "# @MODEL_CONSTANTS@", "# @SETTINGS@"). Both need only PyTorch and
// NumPy; tests/export/tst_pytorch_export.cpp runs them (Debian's python3-torch).
#include "engine/export/PyTorchExportScripts.h"

namespace neurite {

// [SECTION] load.py -----------------------------------------------------------------------------------

const char* const kLoadPyTemplate = R"neurite("""@TITLE@

Loads the model that Neurite Studio exported into this folder. It needs only PyTorch and NumPy
(no safetensors package: the weights' format is read here, in read_safetensors()).

    from load import load
    model = load()                    # the nn.Module of model.py in eval mode, model.safetensors
                                      # loaded with load_state_dict(strict=True)
    y = model(x)                      # x: [N, *INPUT_SHAPE], normalised as in training

    python3 load.py input.npy         # prints the predictions for a NumPy array of inputs:
                                      # one sample [*INPUT_SHAPE] or a batch [N, *INPUT_SHAPE]
    python3 load.py input.npy --raw   # the array holds raw values (images: 0..255), normalised
                                      # here as in training (NORMALISATION)
"""
import argparse
import importlib.util
import json
import os
import struct
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))

# @MODEL_CONSTANTS@

_DTYPES = {"F64": "<f8", "F32": "<f4", "F16": "<f2", "I64": "<i8", "I32": "<i4", "I16": "<i2", "I8": "i1",
           "U8": "u1", "BOOL": "?"}


def read_safetensors(path):
    """The tensors of a safetensors file by name (and its metadata as read_safetensors.metadata)."""
    with open(path, "rb") as f:
        blob = f.read()
    if len(blob) < 8:
        raise ValueError(f"{path}: {len(blob)} bytes; a safetensors file starts with an 8-byte header length")
    (length,) = struct.unpack("<Q", blob[:8])
    if length > len(blob) - 8:
        raise ValueError(f"{path}: the header length {length} runs past the end of the file ({len(blob)} bytes)")
    try:
        header = json.loads(blob[8:8 + length])
    except ValueError as e:
        raise ValueError(f"{path}: malformed JSON header: {e}") from None
    start = 8 + length
    tensors = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        if entry.get("dtype") not in _DTYPES:
            raise ValueError(f"{path}: tensor '{name}' has the unknown dtype {entry.get('dtype')}")
        dtype = np.dtype(_DTYPES[entry["dtype"]])
        shape = [int(d) for d in entry["shape"]]
        begin, end = (int(o) for o in entry["data_offsets"])
        count = int(np.prod(shape, dtype=np.int64))
        if end - begin != count * dtype.itemsize or start + end > len(blob) or begin < 0:
            raise ValueError(f"{path}: tensor '{name}' at byte {start + begin}: its offsets do not match "
                             f"its shape {shape} or the file's size (truncated?)")
        array = np.frombuffer(blob, dtype=dtype, count=count, offset=start + begin).reshape(shape)
        tensors[name] = torch.from_numpy(array.astype(dtype.newbyteorder("="), copy=True))
    read_safetensors.metadata = header.get("__metadata__", {})
    return tensors


def write_safetensors(path, tensors, metadata=None):
    """Writes tensors (name → torch tensor) as safetensors, through a temporary file."""
    names = {np.dtype("float32"): "F32", np.dtype("float64"): "F64", np.dtype("int64"): "I64",
             np.dtype("int32"): "I32", np.dtype("uint8"): "U8"}
    header, blobs, offset = {}, [], 0
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    for name, t in tensors.items():
        array = t.detach().cpu().contiguous().numpy()
        data = array.astype(array.dtype.newbyteorder("<"), copy=False).tobytes()
        header[name] = {"dtype": names[array.dtype], "shape": list(array.shape),
                        "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path + ".part", "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for data in blobs:
            f.write(data)
    os.replace(path + ".part", path)


def model_class():
    """The nn.Module class of model.py."""
    spec = importlib.util.spec_from_file_location("neurite_export_model", os.path.join(HERE, "model.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return getattr(module, CLASS_NAME)


def load(weights=None, device="cpu"):
    """The model with its weights (default: model.safetensors beside this file), in eval mode."""
    model = model_class()()
    model.load_state_dict(read_safetensors(weights or os.path.join(HERE, "model.safetensors")), strict=True)
    return model.to(device).eval()


def normalise(raw):
    """Raw inputs [N, *INPUT_SHAPE] (images: values 0..255) as the model saw them in training."""
    if NORMALISATION is None:
        raise ValueError("this export does not know the training normalisation (it was made without its run)")
    x = torch.as_tensor(np.asarray(raw), dtype=torch.float32)
    mean = torch.tensor(NORMALISATION["mean"], dtype=torch.float32)
    std = torch.tensor(NORMALISATION["std"], dtype=torch.float32)
    if NORMALISATION["images"]:
        shape = (1, -1) + (1,) * (len(INPUT_SHAPE) - 1)
        return (x / 255.0 - mean.reshape(shape)) / std.reshape(shape)
    return (x - mean) / std


def main():
    parser = argparse.ArgumentParser(description="Predictions of the exported model for inputs in a .npy file.")
    parser.add_argument("inputs", help="a .npy array: one sample %s or a batch [N, ...]" % (INPUT_SHAPE,))
    parser.add_argument("--weights", help="a safetensors file of this model (default: model.safetensors)")
    parser.add_argument("--raw", action="store_true", help="the inputs are raw values: normalise them as in training")
    parser.add_argument("--top", type=int, default=1, help="classifiers: how many classes to print per sample")
    args = parser.parse_args()
    x = np.load(args.inputs)
    if list(x.shape) == INPUT_SHAPE:
        x = x[None]
    if list(x.shape[1:]) != INPUT_SHAPE:
        sys.exit(f"{args.inputs}: an array of {list(x.shape)}; this model takes [N, {', '.join(map(str, INPUT_SHAPE))}]")
    x = normalise(x) if args.raw else torch.from_numpy(x.astype(np.float32))
    model = load(args.weights)
    with torch.no_grad():
        y = model(x)
    for i, row in enumerate(y):
        if OUTPUT == "logits":
            p = torch.softmax(row, 0)
            best = torch.topk(p, min(args.top, p.numel()))
            print(f"{i}: " + ", ".join(f"{CLASS_NAMES[c] if CLASS_NAMES and c < len(CLASS_NAMES) else c} ({v:.4f})"
                                       for v, c in zip(best.values.tolist(), best.indices.tolist())))
        elif OUTPUT == "binary_logits":
            print(f"{i}: " + " ".join(f"{v:.4f}" for v in torch.sigmoid(row).reshape(-1).tolist()))
        else:
            print(f"{i}: " + " ".join(f"{v:.6g}" for v in row.reshape(-1).tolist()))


if __name__ == "__main__":
    main()
)neurite";

// [SECTION] train.py ----------------------------------------------------------------------------------

const char* const kTrainPyTemplate = R"neurite("""@TITLE@

Trains the model of this folder in PyTorch as Neurite Studio trained it: the same data set and
normalisation, the same training/validation split, the same initial weights and order of batches,
the same optimiser, learning-rate schedule (Neurite's formulas), batch, epochs, seed, weight decay,
clipping, label smoothing and early stopping (SETTINGS below). It needs only PyTorch and NumPy.

    python3 train.py                                 one process (a GPU when there is one)
    torchrun --nproc_per_node=4 train.py             DistributedDataParallel: 4 processes here
    torchrun --nnodes=2 --nproc_per_node=8 --rdzv_backend=c10d \
             --rdzv_endpoint=HOST:29500 train.py     a cluster: run this on every node
    python3 train.py --epochs 1 --limit 512          a quick try on the first 512 samples

(Where torchrun is missing, `python3 -m torch.distributed.run` is the same program. PyTorch 1.13's
torchrun fails on Python 3.11, Debian 12's pair, with "'NoneType' object has no attribute 'get'":
give it `--redirects 1 --tee 1`; later PyTorch releases need no such flags.) Launched by
torchrun, every process trains on its share of each batch; gradients are averaged across processes
(NCCL between GPUs, gloo on CPUs), so the batch of SETTINGS stays the batch of one optimiser step,
whatever the number of processes: --batch sets another. The first process (rank 0) logs, writes
checkpoint.pt (every checkpoint_every epochs; --resume continues from it), metrics.json and, at
the end, trained.safetensors (load.load("<out>/trained.safetensors") reads it) into --out.

What stays different from Neurite, by nature: floating-point sums run in another order (losses
agree to about 1e-6 over a few epochs, not to the bit; a parameter whose gradient is zero but for
rounding, such as a convolution's bias just before BatchNorm, follows each engine's rounding under
Adam and drifts apart); Dropout's masks and the augmentation's random crops and flips are drawn by
PyTorch's generator; under several processes BatchNorm normalises over each process's share of the
batch (--sync-bn: over the whole batch, GPUs only); a final batch smaller than the number of
processes is skipped. --sampler torch replaces Neurite's batch order by PyTorch's
DistributedSampler; --init pytorch starts from PyTorch's own initialisation instead of Neurite's.

Data sets: Fashion-MNIST and other IDX folders, CIFAR-10 binary batches, CSV files, image folders
(with Pillow installed: PNG, JPEG and BMP, decoded by Pillow, whose JPEG and grey conversion may
round a little differently from Neurite's), and Neurite's synthetic sets (their samples, as
generated, are in data.safetensors). Anything else is refused with a message.
"""
import argparse
import contextlib
import copy
import gzip
import json
import math
import os
import struct
import sys
import time

import numpy as np
import torch
import torch.distributed as dist
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from load import model_class, read_safetensors, write_safetensors  # noqa: E402  (this folder's load.py)

# @SETTINGS@


# ---- Neurite's random generator (engine/core/Rng.h: xoshiro128+ seeded by splitmix64) ---------------
# The split into training and validation samples and the order of each epoch's batches come from it,
# so that they are Neurite's.

_M32, _M64 = 0xFFFFFFFF, 0xFFFFFFFFFFFFFFFF


def _rng_state(seed):
    state = []
    for _ in range(4):
        seed = (seed + 0x9E3779B97F4A7C15) & _M64
        z = seed
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _M64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _M64
        state.append((z ^ (z >> 31)) & _M32)
    return state


def neurite_shuffle(values, seed):
    """Shuffles the list in place as Neurite's shuffle(values, Rng(seed)) does (Fisher-Yates)."""
    s0, s1, s2, s3 = _rng_state(seed)
    for i in range(len(values), 1, -1):
        result = (s0 + s3) & _M32
        t = (s1 << 9) & _M32
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = ((s3 << 11) | (s3 >> 21)) & _M32
        j = (result * i) >> 32
        values[i - 1], values[j] = values[j], values[i - 1]
    return values


def split_indices(size, fraction, seed):
    """Neurite's split (datasets/Batcher.cpp: splitIndices): training and validation, each sorted."""
    order = neurite_shuffle(list(range(size)), (seed ^ 0x5EED5911) & _M64)
    validation = int(size * fraction)
    return sorted(order[validation:]), sorted(order[:validation])


def epoch_order(indices, seed, epoch):
    """The order in which Neurite's Batcher serves the training samples in this epoch."""
    return neurite_shuffle(list(indices), (seed * 1000003 + epoch) & _M64)


# ---- Neurite's learning-rate schedule (engine/train/Schedule.cpp), per optimiser step from 0 -------

def learning_rate(step, steps_per_epoch, total_steps, base):
    s = SETTINGS["schedule"]
    per, total = max(steps_per_epoch, 1), max(total_steps, 1)
    epoch = step // per
    lr = base
    if s["kind"] == "step":
        lr = base * s["gamma"] ** (epoch // s["step_epochs"])
    elif s["kind"] == "exponential":
        lr = base * s["gamma"] ** epoch
    elif s["kind"] == "cosine":  # CosineAnnealingLR over all steps, to 0
        lr = base * 0.5 * (1.0 + math.cos(math.pi * min(step, total) / total))
    elif s["kind"] == "onecycle":  # OneCycleLR: pct_start 0.3, div_factor 25, final_div_factor 1e4
        initial = base / 25.0
        final = initial / 1e4
        peak, last = 0.3 * total - 1.0, total - 1.0

        def anneal(start, end, pct):
            return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1.0)

        lr = (anneal(initial, base, step / peak) if step <= peak
              else anneal(base, final, min(1.0, (step - peak) / (last - peak))))
    elif s["kind"] != "constant":
        raise SystemExit(f"unknown schedule '{s['kind']}'")
    if s["warmup_steps"] > 0 and step < s["warmup_steps"]:
        lr *= (step + 1) / s["warmup_steps"]
    return lr


# ---- Data ---------------------------------------------------------------------------------------

class Part:
    """Samples in memory: images as bytes [N, C, H, W] (uint8) or feature vectors [N, F] (float32)."""

    def __init__(self, x, y, class_names):
        self.x, self.y, self.class_names = x, y, class_names
        self.images = x.dtype == torch.uint8

    def __len__(self):
        return len(self.y)

    def first(self, n):
        return Part(self.x[:n], self.y[:n], self.class_names)


def _open(path):
    return gzip.open(path, "rb") if path.endswith(".gz") else open(path, "rb")


def _find(folder, name):
    for candidate in (name, name + ".gz"):
        if os.path.exists(os.path.join(folder, candidate)):
            return os.path.join(folder, candidate)
    return None


def _read_idx(path, dims):
    with _open(path) as f:
        blob = f.read()
    if len(blob) < 4 + 4 * dims or blob[:3] != b"\0\0\x08" or blob[3] != dims:
        raise SystemExit(f"{path}: not an IDX file of unsigned bytes with {dims} dimension(s)")
    shape = struct.unpack(">" + "I" * dims, blob[4:4 + 4 * dims])
    count = int(np.prod(shape))
    if len(blob) < 4 + 4 * dims + count:
        raise SystemExit(f"{path}: truncated ({len(blob)} bytes for {list(shape)})")
    return np.frombuffer(blob, np.uint8, count, 4 + 4 * dims).reshape(shape)


def read_idx_folder(folder, class_names):
    def part(prefix):
        images, labels = _find(folder, prefix + "-images-idx3-ubyte"), _find(folder, prefix + "-labels-idx1-ubyte")
        if not images or not labels:
            return None
        x = _read_idx(images, 3)
        y = _read_idx(labels, 1)
        if len(x) != len(y):
            raise SystemExit(f"{images}: {len(x)} images but {len(y)} labels")
        names = class_names or [str(c) for c in range(int(y.max()) + 1)]
        return Part(torch.from_numpy(x[:, None].copy()), torch.from_numpy(y.astype(np.int64)), names)

    train = part("train")
    if train is None:
        raise SystemExit(f"{folder}: no train-images-idx3-ubyte(.gz) and train-labels-idx1-ubyte(.gz)")
    return train, part("t10k")


def _cifar_names(folder):
    meta = os.path.join(folder, "batches.meta.txt")
    names = [line.strip() for line in open(meta)] if os.path.exists(meta) else []
    names = [n for n in names if n]
    return names if len(names) == 10 else [str(c) for c in range(10)]


def read_cifar10(folder, class_names):
    def part(files):
        blob = b"".join(open(f, "rb").read() for f in files)
        if len(blob) % 3073:
            raise SystemExit(f"{folder}: CIFAR-10 batches are 3073-byte records; {len(blob) % 3073} bytes left over")
        records = np.frombuffer(blob, np.uint8).reshape(-1, 3073)
        return Part(torch.from_numpy(records[:, 1:].reshape(-1, 3, 32, 32).copy()),
                    torch.from_numpy(records[:, 0].astype(np.int64)), class_names)

    train = [os.path.join(folder, f"data_batch_{i}.bin") for i in range(1, 6)]
    train = [f for f in train if os.path.exists(f)]
    if not train:
        raise SystemExit(f"{folder}: no CIFAR-10 batches (data_batch_1.bin ...)")
    test = os.path.join(folder, "test_batch.bin")
    return part(train), part([test]) if os.path.exists(test) else None


def _csv_cells(line):
    """A row as Neurite's CSV reader splits it: commas outside double quotes, spaces trimmed."""
    cells, cell, quoted = [], "", False
    for c in line:
        if c == '"':
            quoted = not quoted
        elif c == "," and not quoted:
            cells.append(cell)
            cell = ""
        elif c != "\r":
            cell += c
    cells.append(cell)
    return [c.strip(" ") for c in cells]


def read_csv(path):
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    header = _csv_cells(lines[0]) if lines else []
    if len(header) < 2:
        raise SystemExit(f"{path}: needs a header row, at least one feature column and a label column")
    features, labels = [], []
    for number, line in enumerate(lines[1:], start=2):
        if line in ("", "\r"):
            continue
        cells = _csv_cells(line)
        if len(cells) != len(header):
            raise SystemExit(f"{path}:{number}: the row has {len(cells)} columns but the header has {len(header)}")
        try:
            features.append([float(c) for c in cells[:-1]])
        except ValueError:
            raise SystemExit(f"{path}:{number}: a feature is not a number") from None
        labels.append(cells[-1])
    if all(len(s) < 7 and s.isdigit() for s in labels):
        y = [int(s) for s in labels]
        names = [str(c) for c in range(max(y) + 1)]
    else:
        names = sorted(set(labels))
        y = [names.index(s) for s in labels]
    return Part(torch.tensor(features, dtype=torch.float32), torch.tensor(y, dtype=torch.int64), names), None


def read_image_folder(root):
    try:
        from PIL import Image
    except ImportError:
        raise SystemExit("an image-folder data set needs Pillow to decode its images (pip install pillow, "
                         "or Debian's python3-pil)") from None

    def part(folder):
        classes = sorted(d for d in os.listdir(folder) if os.path.isdir(os.path.join(folder, d)))
        images, labels, mode = [], [], None
        for label, name in enumerate(classes):
            files = sorted(f for f in os.listdir(os.path.join(folder, name))
                           if f.lower().endswith((".png", ".jpg", ".jpeg", ".bmp")))
            for f in files:
                image = Image.open(os.path.join(folder, name, f))
                if mode is None:
                    mode = "RGB" if len(image.getbands()) >= 3 else "L"
                array = np.asarray(image.convert(mode), np.uint8)
                images.append(array[None] if mode == "L" else array.transpose(2, 0, 1))
                labels.append(label)
        if not images:
            raise SystemExit(f"{folder}: no PNG, JPEG or BMP images in class subfolders")
        if len({i.shape for i in images}) != 1:
            raise SystemExit(f"{folder}: the images differ in size; Neurite needs them all of one size")
        return Part(torch.from_numpy(np.stack(images)), torch.tensor(labels, dtype=torch.int64), classes)

    split = os.path.isdir(os.path.join(root, "train"))
    train = part(os.path.join(root, "train") if split else root)
    test = part(os.path.join(root, "test")) if split and os.path.isdir(os.path.join(root, "test")) else None
    return train, test


def read_arrays(path):
    t = read_safetensors(path)
    names = json.loads(read_safetensors.metadata.get("class_names", "null"))
    test = Part(t["test_x"], t["test_y"], names) if "test_x" in t else None
    return Part(t["train_x"], t["train_y"], names), test


def load_data(path):
    d = SETTINGS["data"]
    kind, path = d["kind"], path or d["path"]
    if kind == "arrays":
        return read_arrays(os.path.join(HERE, path))
    if not os.path.exists(path):
        raise SystemExit(f"the data set '{d['spec']}' is not at {path}; give its place with --data")
    if kind == "csv" and os.path.isfile(path):
        return read_csv(path)
    if kind == "folder" and os.path.isdir(path):  # as Neurite tells them apart: IDX, CIFAR-10, images
        if _find(path, "train-images-idx3-ubyte"):
            kind = "idx"
        elif os.path.exists(os.path.join(path, "data_batch_1.bin")):
            kind = "cifar10"
        else:
            return read_image_folder(path)
    if kind == "idx":
        return read_idx_folder(path, d["class_names"])
    if kind == "cifar10":
        return read_cifar10(path, d["class_names"] or _cifar_names(path))
    raise SystemExit(f"the data set '{d['spec']}' ({kind}) cannot be read by this script")


def normalisation_of(train):
    """Neurite's normalisation (datasets/Dataset.cpp: computeNormalisation), when SETTINGS has none:
    per channel of v/255 (images) or per feature, over the whole training file."""
    x = train.x.double() / 255.0 if train.images else train.x.double()
    groups = x.reshape(len(x), x.shape[1], -1) if train.images else x.reshape(len(x), -1, 1)
    count = groups.shape[0] * groups.shape[2]
    mean = groups.sum(dim=(0, 2)) / count
    var = (groups * groups).sum(dim=(0, 2)) / count - mean * mean
    std = torch.where(var > 1e-12, var.clamp(min=0).sqrt(), torch.ones_like(var))
    return {"images": train.images, "mean": mean.float().tolist(), "std": std.float().tolist()}


class Batches:
    """Makes normalised (and augmented) batches from a Part, as Neurite's Batcher does: images
    x = (v/255 − mean[c]) / std[c], through the same per-channel table of the 256 byte values;
    features x = (v − mean[f]) / std[f]."""

    def __init__(self, part, normalisation, device):
        self.part, self.device = part, device
        mean = torch.tensor(normalisation["mean"], dtype=torch.float32)
        std = torch.tensor(normalisation["std"], dtype=torch.float32)
        if part.images:
            scale = 1.0 / (255.0 * std)
            shift = -mean / std
            self.table = (torch.arange(256, dtype=torch.float32)[None] * scale[:, None] + shift[:, None]).to(device)
        else:
            self.mean, self.std = mean.to(device), std.to(device)

    def make(self, indices, crop=0, flip=False, generator=None):
        ids = torch.as_tensor(indices, dtype=torch.int64)
        x = self.part.x[ids].to(self.device)
        y = self.part.y[ids].to(self.device)
        if not self.part.images:
            return (x - self.mean) / self.std, y
        n, c, h, w = x.shape
        if crop or flip:  # pad with raw 0 by `crop` pixels, mirror with probability 1/2, crop back
            dy = torch.randint(-crop, crop + 1, (n,), generator=generator) if crop else torch.zeros(n, dtype=torch.int64)
            dx = torch.randint(-crop, crop + 1, (n,), generator=generator) if crop else torch.zeros(n, dtype=torch.int64)
            mirror = torch.rand(n, generator=generator) < 0.5 if flip else torch.zeros(n, dtype=torch.bool)
            padded = F.pad(x, (crop, crop, crop, crop))
            columns = torch.arange(w)
            rows = (torch.arange(h)[None] + dy[:, None] + crop).to(self.device)
            cols = (torch.where(mirror[:, None], w - 1 - columns[None], columns[None]) + dx[:, None] + crop)
            x = padded[torch.arange(n, device=self.device)[:, None, None, None],
                       torch.arange(c, device=self.device)[None, :, None, None],
                       rows[:, None, :, None], cols.to(self.device)[:, None, None, :]]
        flat = x.long() + (torch.arange(c, device=self.device) * 256)[None, :, None, None]
        return self.table.reshape(-1)[flat], y


# ---- The loss, as the model's loss node says ---------------------------------------------------------

def loss_sum(out, y, x):
    """The sum over the samples of each sample's loss (Neurite's per-sample loss: the mean over a
    sample's outputs for MSE and BCE)."""
    spec = SETTINGS["loss"]
    n = out.shape[0]
    out = out.reshape(n, -1)
    if spec["kind"] == "CrossEntropyLoss":
        return F.cross_entropy(out, y, reduction="sum", label_smoothing=spec["label_smoothing"])
    if spec["target"] == "input":
        target = x.reshape(n, -1)
    else:
        target = F.one_hot(y, out.shape[1]).to(out.dtype)
    if spec["kind"] == "MSELoss":
        return F.mse_loss(out, target, reduction="sum") / out.shape[1]
    if spec["kind"] == "BCEWithLogitsLoss":
        return F.binary_cross_entropy_with_logits(out, target, reduction="sum") / out.shape[1]
    raise SystemExit(f"unknown loss {spec['kind']}")


def hits(out, y, k):
    if SETTINGS["loss"]["target"] != "class":
        return 0.0
    out = out.reshape(out.shape[0], -1)
    top = out.topk(min(k, out.shape[1]), dim=1).indices
    return float((top == y[:, None]).any(dim=1).sum())


# ---- Processes ---------------------------------------------------------------------------------

class Processes:
    """This process's place: one process, or one of WORLD_SIZE under torchrun."""

    def __init__(self, device):
        self.distributed = "RANK" in os.environ and "WORLD_SIZE" in os.environ
        self.rank = int(os.environ.get("RANK", 0))
        self.world = int(os.environ.get("WORLD_SIZE", 1))
        local = int(os.environ.get("LOCAL_RANK", 0))
        if device == "auto":
            device = "cuda" if torch.cuda.is_available() else "cpu"
        if device == "cuda":
            if not torch.cuda.is_available():
                raise SystemExit("--device cuda: PyTorch sees no GPU here")
            self.device = torch.device("cuda", local % torch.cuda.device_count())
            torch.cuda.set_device(self.device)
        else:
            self.device = torch.device("cpu")
        self.backend = None
        if self.distributed:
            self.backend = "nccl" if self.device.type == "cuda" else "gloo"
            dist.init_process_group(self.backend)

    def log(self, *text):
        if self.rank == 0:
            print(*text, flush=True)

    def sum(self, values):
        """values (a list of floats) summed over the processes."""
        t = torch.tensor(values, dtype=torch.float64, device=self.device)
        if self.distributed:
            dist.all_reduce(t)
        return t.tolist()

    def close(self):
        if self.distributed:
            dist.barrier()
            dist.destroy_process_group()


def rank_batches(order, batch, processes):
    """The epoch's batches of `batch` samples in Neurite's order; this process takes its share of
    each: (its sample indices, the batch's size)."""
    out, world, rank = [], processes.world, processes.rank
    for start in range(0, len(order), batch):
        chunk = order[start:start + batch]
        if len(chunk) < world:
            continue
        out.append((chunk[rank * len(chunk) // world:(rank + 1) * len(chunk) // world], len(chunk)))
    return out


def torch_batches(train_indices, batch, epoch, processes):
    """PyTorch's DistributedSampler over the training samples (--sampler torch)."""
    from torch.utils.data.distributed import DistributedSampler
    sampler = DistributedSampler(range(len(train_indices)), num_replicas=processes.world, rank=processes.rank,
                                 shuffle=True, seed=SETTINGS["seed"], drop_last=False)
    sampler.set_epoch(epoch)
    mine = [train_indices[i] for i in sampler]
    per = max(1, batch // processes.world)
    return [(mine[i:i + per], len(mine[i:i + per]) * processes.world) for i in range(0, len(mine), per)]


def precision(device):
    """bf16: products and convolutions on bf16 inputs, fp32 weights and sums, as Neurite does on a
    GPU (and fp32 on a CPU); fp32 and tf32 otherwise (tf32: set up in main())."""
    if SETTINGS["precision"] == "bf16" and device.type == "cuda":
        return torch.autocast("cuda", dtype=torch.bfloat16)
    return contextlib.nullcontext()


def evaluate(model, batches, indices, batch, processes):
    """Loss, accuracy and top-k over `indices`, each process taking its share; the sums are exact."""
    model.eval()
    mine = indices[processes.rank::processes.world]
    total = [0.0, 0.0, 0.0, 0.0]
    with torch.no_grad():
        for start in range(0, len(mine), batch):
            x, y = batches.make(mine[start:start + batch])
            with precision(x.device):
                out = model(x.reshape(len(y), *SETTINGS["input_shape"])).float()
            total[0] += float(loss_sum(out, y, x))
            total[1] += hits(out, y, 1)
            total[2] += hits(out, y, SETTINGS["top_k"])
            total[3] += len(y)
    loss, top1, topk, count = processes.sum(total)
    if count == 0:
        return None
    return {"loss": loss / count, "accuracy": top1 / count, "top_k": topk / count, "samples": int(count)}


def make_optimizer(parameters, lr):
    o = SETTINGS["optimizer"]
    if o["kind"] == "sgd":
        return torch.optim.SGD(parameters, lr=lr, momentum=o["momentum"], nesterov=o["nesterov"],
                               weight_decay=o["weight_decay"])
    if o["kind"] == "adam":
        return torch.optim.Adam(parameters, lr=lr, betas=(o["beta1"], o["beta2"]), eps=o["eps"],
                                weight_decay=o["weight_decay"])
    if o["kind"] == "adamw":
        return torch.optim.AdamW(parameters, lr=lr, betas=(o["beta1"], o["beta2"]), eps=o["eps"],
                                 weight_decay=o["weight_decay"])
    if o["kind"] == "rmsprop":
        return torch.optim.RMSprop(parameters, lr=lr, alpha=o["alpha"], eps=o["eps"],
                                   weight_decay=o["weight_decay"], momentum=o["momentum"])
    raise SystemExit(f"unknown optimiser '{o['kind']}'")


def save_atomically(obj, path):
    torch.save(obj, path + ".part")
    os.replace(path + ".part", path)


def arguments():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--epochs", type=int, default=SETTINGS["epochs"], help="default: %(default)s, the run's")
    p.add_argument("--batch", type=int, default=SETTINGS["batch"],
                   help="samples per optimiser step, over all processes (default: %(default)s, the run's)")
    p.add_argument("--lr", type=float, default=SETTINGS["lr"], help="base learning rate (default: %(default)s)")
    p.add_argument("--limit", type=int, default=0,
                   help="a quick try: only the first N samples of the training file (before the split, as "
                        "Neurite's train_samples) and of the test part")
    p.add_argument("--data", help="where the data set is (default: where Neurite read it)")
    p.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto")
    p.add_argument("--init", choices=["neurite", "pytorch", "trained"], default="neurite",
                   help="start from Neurite's initial weights (initial.safetensors), PyTorch's own "
                        "initialisation, or the trained weights (model.safetensors: fine-tuning)")
    p.add_argument("--sampler", choices=["neurite", "torch"], default="neurite",
                   help="Neurite's batch order, or PyTorch's DistributedSampler")
    p.add_argument("--sync-bn", action="store_true", help="BatchNorm over the whole batch across GPUs")
    p.add_argument("--out", default="train-out", help="folder for checkpoints, metrics and weights")
    p.add_argument("--resume", help="a checkpoint.pt to continue from")
    p.add_argument("--log-every", type=int, default=0, help="log the loss every N steps (0: per epoch)")
    return p.parse_args()


def main():
    args = arguments()
    if args.epochs < 1 or args.batch < 1 or args.limit < 0:
        raise SystemExit("--epochs and --batch must be at least 1, --limit at least 0")
    processes = Processes(args.device)
    device, seed = processes.device, SETTINGS["seed"]
    if device.type == "cpu" and not processes.distributed and SETTINGS["threads"] > 0:
        torch.set_num_threads(SETTINGS["threads"])
    if device.type == "cuda":
        tf32 = SETTINGS["precision"] == "tf32"
        torch.backends.cuda.matmul.allow_tf32 = tf32
        torch.backends.cudnn.allow_tf32 = tf32
        torch.backends.cudnn.deterministic = SETTINGS["deterministic"]
        torch.backends.cudnn.benchmark = not SETTINGS["deterministic"]

    # The data, as TrainingJob prepares it: the training file (its first train_samples), the split.
    train_part, test_part = load_data(args.data)
    normalisation = SETTINGS["data"]["normalisation"] or normalisation_of(train_part)
    limit = SETTINGS["data"]["train_samples"]
    limit = min(limit, args.limit) if limit and args.limit else (limit or args.limit)
    if limit and limit < len(train_part):
        train_part = train_part.first(limit)
    if test_part is not None and args.limit and args.limit < len(test_part):
        test_part = test_part.first(args.limit)
    if train_part.x[0].numel() != int(np.prod(SETTINGS["input_shape"])):
        raise SystemExit(f"the data has samples of {list(train_part.x.shape[1:])} but the model takes "
                         f"{SETTINGS['input_shape']}")
    train_indices, validation_indices = split_indices(len(train_part), SETTINGS["data"]["val_split"], seed)
    batches = Batches(train_part, normalisation, device)
    test_batches = Batches(test_part, normalisation, device) if test_part is not None and len(test_part) else None
    classes = len(train_part.class_names or [])
    if SETTINGS["loss"]["target"] == "class" and classes > SETTINGS["outputs"]:
        raise SystemExit(f"the data has {classes} classes but the model predicts {SETTINGS['outputs']} scores")

    # The model: Neurite's initial weights (or another start), then DistributedDataParallel.
    torch.manual_seed(seed)
    model = model_class()()
    start = {"neurite": "initial.safetensors", "trained": "model.safetensors"}.get(args.init)
    if start:
        if not os.path.exists(os.path.join(HERE, start)):
            raise SystemExit(f"{start} is not in {HERE}; use --init pytorch")
        model.load_state_dict(read_safetensors(os.path.join(HERE, start)), strict=True)
    model.to(device)
    if args.sync_bn and processes.distributed:
        if device.type != "cuda":
            raise SystemExit("--sync-bn needs GPUs (PyTorch's SyncBatchNorm runs on CUDA only)")
        model = torch.nn.SyncBatchNorm.convert_sync_batchnorm(model)
    net = model
    if processes.distributed:
        net = torch.nn.parallel.DistributedDataParallel(model, device_ids=[device.index] if device.type == "cuda" else None)
    torch.manual_seed(seed * 1000 + processes.rank + 1)  # Dropout's masks: each process its own
    optimizer = make_optimizer(model.parameters(), args.lr)

    if args.sampler == "neurite":
        def epoch_batches(epoch):
            return rank_batches(epoch_order(train_indices, seed, epoch), args.batch, processes)
    else:
        def epoch_batches(epoch):
            return torch_batches(train_indices, args.batch, epoch, processes)
    steps_per_epoch = (len(train_indices) + args.batch - 1) // args.batch
    total_steps = steps_per_epoch * args.epochs
    per_process = max(1, args.batch // processes.world)

    state = {"epoch": 0, "step": 0, "best_loss": math.inf, "since_best": 0, "best_epoch": 0, "epochs": []}
    best_weights = None
    if args.resume:
        saved = torch.load(args.resume, map_location=device)
        model.load_state_dict(saved["model"], strict=True)
        optimizer.load_state_dict(saved["optimizer"])
        state = saved["state"]
        best_weights = saved.get("best_weights")
    os.makedirs(args.out, exist_ok=True)
    processes.log(f"{SETTINGS['model']}: {sum(p.numel() for p in model.parameters())} parameters; "
                  f"{SETTINGS['data']['spec']}: {len(train_indices)} training, {len(validation_indices)} validation, "
                  f"{len(test_part) if test_part is not None else 0} test samples")
    processes.log(f"{processes.world} process(es) on {device.type}"
                  + (f" ({processes.backend})" if processes.backend else "")
                  + f"; batch {args.batch}, {steps_per_epoch} steps per epoch, {args.epochs} epochs"
                  + (f"; resumed after epoch {state['epoch']}" if args.resume else ""))

    top_k, status = SETTINGS["top_k"], "completed"
    crop, flip = SETTINGS["data"]["augment_crop"], SETTINGS["data"]["augment_flip"]
    generator = torch.Generator()
    for epoch in range(state["epoch"] + 1, args.epochs + 1):
        began = time.time()
        net.train()
        generator.manual_seed(((seed * 1000003 + epoch) ^ 0xA0A0A0A0) * 65536 + processes.rank)
        sums = [0.0, 0.0, 0.0]  # loss × samples, hits, samples (all processes)
        lr = args.lr
        for indices, size in epoch_batches(epoch):
            x, y = batches.make(indices, crop, flip, generator)
            with precision(device):
                out = net(x.reshape(len(y), *SETTINGS["input_shape"]))
            loss = loss_sum(out.float(), y, x)
            # Gradients are averaged over the processes: each contributes its sum / the batch's size
            # × processes, so the step's gradient is the batch mean's, as in one process.
            (loss * (processes.world / size)).backward()
            step_loss, step_hits = processes.sum([float(loss), hits(out, y, 1)])
            if not math.isfinite(step_loss):
                status = "diverged"
                processes.log(f"step {state['step'] + 1}: the loss is {step_loss / size}; "
                              "lower the learning rate or clip gradients")
                break
            if SETTINGS["clip_norm"] > 0:
                torch.nn.utils.clip_grad_norm_(model.parameters(), SETTINGS["clip_norm"])
            lr = learning_rate(state["step"], steps_per_epoch, total_steps, args.lr)
            for group in optimizer.param_groups:
                group["lr"] = lr
            optimizer.step()
            optimizer.zero_grad(set_to_none=True)
            state["step"] += 1
            sums = [sums[0] + step_loss, sums[1] + step_hits, sums[2] + size]
            if args.log_every and state["step"] % args.log_every == 0:
                processes.log(f"step {state['step']}: loss {step_loss / size:.6f}, lr {lr:.6g}")
        if status == "diverged":
            break
        stats = {"epoch": epoch, "train_loss": sums[0] / max(sums[2], 1), "lr": lr}
        if SETTINGS["loss"]["target"] == "class":
            stats["train_accuracy"] = sums[1] / max(sums[2], 1)
        validation = evaluate(model, batches, validation_indices, per_process, processes) if validation_indices else None
        if validation:
            stats.update({"val_loss": validation["loss"], "val_accuracy": validation["accuracy"],
                          "val_top_k": validation["top_k"]})
        stats["seconds"] = time.time() - began
        state["epochs"].append(stats)
        state["epoch"] = epoch
        processes.log(f"epoch {epoch}/{args.epochs}: " + ", ".join(
            f"{k} {v:.6g}" for k, v in stats.items() if k != "epoch"))

        # Early stopping on the validation loss (the training loss without validation), as Neurite.
        monitored = validation["loss"] if validation else stats["train_loss"]
        stop = False
        if monitored < state["best_loss"] - SETTINGS["min_delta"]:
            state.update(best_loss=monitored, best_epoch=epoch, since_best=0)
            if SETTINGS["patience"] > 0 and SETTINGS["restore_best"]:
                best_weights = copy.deepcopy(model.state_dict())
        elif SETTINGS["patience"] > 0:
            state["since_best"] += 1
            stop = state["since_best"] >= SETTINGS["patience"]
        if processes.rank == 0 and (epoch % SETTINGS["checkpoint_every"] == 0 or epoch == args.epochs or stop):
            save_atomically({"model": model.state_dict(), "optimizer": optimizer.state_dict(), "state": state,
                             "best_weights": best_weights, "settings": SETTINGS},
                            os.path.join(args.out, "checkpoint.pt"))
        if stop:
            status = "early-stopped"
            processes.log(f"no improvement for {SETTINGS['patience']} epoch(s); best was epoch {state['best_epoch']}")
            if SETTINGS["restore_best"] and best_weights is not None:
                model.load_state_dict(best_weights)
            break

    result = {"status": status, "steps": state["step"], "processes": processes.world, "device": device.type,
              "epochs": state["epochs"], "best_epoch": state["best_epoch"]}
    if status != "diverged" and test_batches is not None:
        result["test"] = evaluate(model, test_batches, list(range(len(test_part))), per_process, processes)
        processes.log("test: " + ", ".join(f"{k} {v:.6g}" for k, v in result["test"].items()))
    if processes.rank == 0:
        write_safetensors(os.path.join(args.out, "trained.safetensors"), model.state_dict(),
                          {"origin": f"train.py: {status} after {state['step']} steps"})
        with open(os.path.join(args.out, "metrics.json"), "w") as f:
            json.dump(result, f, indent=1)
        processes.log(f"{status}: {state['step']} steps; wrote {args.out}/trained.safetensors, metrics.json, "
                      "checkpoint.pt")
    # Every process waits for rank 0's files, then DistributedDataParallel goes before its process
    # group: a process that left early can otherwise hang the others' exit (gloo).
    del net
    processes.close()
    return 0 if status != "diverged" else 1


if __name__ == "__main__":
    sys.exit(main())
)neurite";

} // namespace neurite
