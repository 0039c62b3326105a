#!/usr/bin/env python3
"""The PyTorch peer of the GPU benchmark (benchmarks/gpu_check.sh): the models, normalisation (mean
0.2860, std 0.3530), optimiser (Adam, lr 1e-3) and batch of torch_peer.py, with the whole of
Fashion-MNIST resident on the device and batches taken by a device permutation per epoch, so that
no host copy is timed. Each variant trains from the same seed:

    eager    nn.Module and Adam(foreach=True)
    fused    nn.Module and Adam(fused=True)
    compile  torch.compile(model) and Adam(fused=True)

Warm-up steps (and compilation) are excluded: they run first, then the weights are put back and
the optimiser's state dropped, so every variant trains the same number of steps from the same
start. The last partial batch of an epoch is dropped (a new shape would recompile the compiled
variant). Prints one JSON line per variant on stdout, a readable line per variant on stderr; a
variant that cannot run (no fused Adam or torch.compile in this torch, a compiler failure) is
reported as "unavailable" or "failed" with the reason, and the others still run.

    python3 benchmarks/torch_gpu_peer.py --model cnn --batch 128 --epochs 5 [--precision tf32]
    /usr/bin/python3 benchmarks/torch_gpu_peer.py --device cpu --model mlp --max-steps 20   # smoke test
"""
import argparse
import gzip
import json
import os
import sys
import time
import warnings

import numpy as np
import torch
import torch.nn as nn

VARIANTS = ("eager", "fused", "compile")


def load(folder, kind, device):
    with gzip.open(f"{folder}/{kind}-images-idx3-ubyte.gz") as f:
        images = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 1, 28, 28)
    with gzip.open(f"{folder}/{kind}-labels-idx1-ubyte.gz") as f:
        labels = np.frombuffer(f.read(), np.uint8, offset=8)
    x = (torch.from_numpy(images.astype(np.float32)) / 255.0 - 0.2860) / 0.3530
    return x.to(device), torch.from_numpy(labels.astype(np.int64)).to(device)


def model(name):
    if name == "mlp":
        return nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(),
                             nn.Linear(128, 10))
    c1, c2 = (128, 256) if name == "cnn-wide" else (32, 64)  # benchmarks/models/cnn-wide.json: 4× the channels
    return nn.Sequential(nn.Conv2d(1, c1, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(c1, c2, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                         nn.Linear(c2 * 49, 128), nn.ReLU(), nn.Linear(128, 10))


def set_precision(tf32):
    """TF32 on or off for matrix products and convolutions; PyTorch's default lets cuDNN use TF32,
    so FP32 has to switch it off to compare like with like. The legacy switches first: in PyTorch
    2.9-2.10 setting the new fp32_precision ones makes torch.compile fail (inductor still reads the
    legacy ones and refuses the mix: pytorch/pytorch#166387). Returns what was set, and how."""
    matmul, cudnn = torch.backends.cuda.matmul, torch.backends.cudnn
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # deprecation notices of the legacy switches
            matmul.allow_tf32 = tf32
            cudnn.allow_tf32 = tf32
        return {"tf32": tf32, "api": "allow_tf32"}
    except (RuntimeError, AttributeError):
        mode = "tf32" if tf32 else "ieee"
        matmul.fp32_precision = mode
        cudnn.conv.fp32_precision = mode
        return {"tf32": tf32, "api": "fp32_precision"}


def synchronize(device):
    if device.type == "cuda":
        torch.cuda.synchronize(device)


class Unavailable(Exception):
    """This torch has no such variant (an old release): not a failure of the variant."""


def optimiser(variant, params):
    try:
        if variant == "eager":
            return torch.optim.Adam(params, lr=1e-3, foreach=True)
        return torch.optim.Adam(params, lr=1e-3, fused=True)
    except (TypeError, RuntimeError) as e:  # 1.13: no fused; some builds: fused only on CUDA
        raise Unavailable(f"Adam({'foreach' if variant == 'eager' else 'fused'}=True): {e}") from e


def run_variant(variant, a, device, data):
    x, y, tx, ty = data
    torch.manual_seed(1)
    net = model(a.model).to(device)
    params = list(net.parameters())
    if variant == "compile" and not hasattr(torch, "compile"):
        raise Unavailable(f"torch.compile: not in torch {torch.__version__}")
    opt = optimiser(variant, params)
    forward = torch.compile(net) if variant == "compile" else net
    loss_fn = nn.CrossEntropyLoss()

    def step(idx):
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(forward(x[idx]), y[idx])
        loss.backward()
        opt.step()
        return loss

    # Warm-up: cuDNN's algorithm search, the caching allocator, compilation. Then back to the start.
    start = [p.detach().clone() for p in params]
    warm = torch.Generator(device="cpu").manual_seed(2)
    synchronize(device)
    t0 = time.perf_counter()
    for _ in range(a.warmup):
        step(torch.randint(0, len(x), (a.batch,), generator=warm).to(device))
    synchronize(device)
    warmup_seconds = time.perf_counter() - t0
    with torch.no_grad():
        for p, p0 in zip(params, start):
            p.copy_(p0)
    opt.state.clear()
    del start

    per_epoch = len(x) // a.batch
    steps = per_epoch * a.epochs if a.max_steps is None else min(a.max_steps, per_epoch * a.epochs)
    done, seconds, epoch_rates = 0, 0.0, []
    torch.manual_seed(1)
    while done < steps:
        order = torch.randperm(len(x), device=device)
        n = min(per_epoch, steps - done)
        synchronize(device)
        t0 = time.perf_counter()
        for b in range(n):
            loss = step(order[b * a.batch:(b + 1) * a.batch])
        synchronize(device)
        dt = time.perf_counter() - t0
        seconds += dt
        done += n
        epoch_rates.append(round(n * a.batch / dt, 1))
        print(f"  {variant}: epoch {len(epoch_rates)}  loss {float(loss):.4f}  {n * a.batch / dt:,.0f} samples/s",
              file=sys.stderr, flush=True)

    net.eval()  # the plain module shares the compiled one's weights; no recompile for batches of 1000
    correct, tested = 0, min(len(tx), a.test_samples or len(tx))
    with torch.no_grad():
        for i in range(0, tested, 1000):
            j = min(i + 1000, tested)
            correct += int((net(tx[i:j]).argmax(1) == ty[i:j]).sum())
    result = {"samples_per_second": done * a.batch / seconds, "train_seconds": seconds, "steps": done,
              "samples": done * a.batch, "epoch_samples_per_second": epoch_rates,
              "warmup_steps": a.warmup, "warmup_seconds": warmup_seconds,
              "test_accuracy": correct / tested, "test_samples": tested, "final_train_loss": float(loss)}
    if device.type == "cuda":
        result["peak_gpu_mib"] = torch.cuda.max_memory_allocated(device) / 2**20
        torch.cuda.reset_peak_memory_stats(device)
    return result


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--model", choices=["mlp", "cnn", "cnn-wide"], required=True)
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--epochs", type=int, default=1)
    p.add_argument("--precision", choices=["fp32", "tf32"], default="fp32")
    p.add_argument("--device", default="cuda")
    p.add_argument("--variants", default=",".join(VARIANTS), help="comma-separated, of: " + ", ".join(VARIANTS))
    p.add_argument("--warmup", type=int, default=30, help="untimed steps before training (compilation included)")
    p.add_argument("--max-steps", type=int, help="stop after this many timed steps (smoke tests)")
    p.add_argument("--test-samples", type=int, help="evaluate on the first N test images only (smoke tests)")
    p.add_argument("--no-cudnn-benchmark", action="store_true",
                   help="leave cuDNN's algorithm search off (PyTorch's default; on is faster for fixed shapes)")
    p.add_argument("--threads", type=int, help="CPU threads for --device cpu")
    p.add_argument("--data", default=os.environ.get("NEURITE_FASHION_MNIST", "/usr/share/datasets/fashion-mnist"))
    a = p.parse_args()
    device = torch.device(a.device)
    if a.threads:
        torch.set_num_threads(a.threads)
    common = {"peer": "pytorch", "torch": torch.__version__, "model": a.model, "batch": a.batch, "epochs": a.epochs,
              "precision": a.precision, "device": a.device}
    if device.type == "cuda":
        common["device_name"] = torch.cuda.get_device_name(device)
        common["cuda"] = torch.version.cuda
        common["cudnn"] = torch.backends.cudnn.version()
        common["tf32"] = set_precision(a.precision == "tf32")
        torch.backends.cudnn.benchmark = not a.no_cudnn_benchmark
        common["cudnn_benchmark"] = torch.backends.cudnn.benchmark
    else:
        common["device_name"] = "CPU, %d torch threads" % torch.get_num_threads()
    t0 = time.perf_counter()
    data = load(a.data, "train", device) + load(a.data, "t10k", device)
    synchronize(device)
    common["load_seconds"] = time.perf_counter() - t0
    for variant in a.variants.split(","):
        line = dict(common, variant=variant)
        try:
            if variant not in VARIANTS:
                raise Unavailable(f"unknown variant (known: {', '.join(VARIANTS)})")
            line.update(status="ok", **run_variant(variant, a, device, data))
            print(f"{a.model} {variant}: {line['samples_per_second']:,.0f} samples/s, test accuracy "
                  f"{line['test_accuracy']:.4f} ({common['device_name']})", file=sys.stderr, flush=True)
        except Unavailable as e:
            line.update(status="unavailable", reason=str(e))
        except Exception as e:  # a compiler or CUDA failure: report it, go on with the next variant
            line.update(status="failed", reason=f"{type(e).__name__}: {str(e)[:1500]}")
        if line["status"] != "ok":
            print(f"{a.model} {variant}: {line['status']}: {line['reason'][:300]}", file=sys.stderr, flush=True)
        print(json.dumps(line), flush=True)
        if device.type == "cuda":
            torch.cuda.empty_cache()


if __name__ == "__main__":
    main()
