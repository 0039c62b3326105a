#!/usr/bin/python3
"""The PyTorch peer of the Fashion-MNIST benchmark: the same model, batch, optimiser (Adam, lr 1e-3)
and normalisation (mean 0.2860, std 0.3530) as Neurite. Data loading is excluded from the timing.
Thread settings come from the caller (OPENBLAS_NUM_THREADS and OPENBLAS_CORETYPE must be set before
torch loads OpenBLAS); prints one JSON line."""
import argparse
import gzip
import json
import resource
import time

import numpy as np
import torch
import torch.nn as nn

FASHION = "/usr/share/datasets/fashion-mnist"


def load(kind):
    with gzip.open(f"{FASHION}/{kind}-images-idx3-ubyte.gz") as f:
        images = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 1, 28, 28)
    with gzip.open(f"{FASHION}/{kind}-labels-idx1-ubyte.gz") as f:
        labels = np.frombuffer(f.read(), np.uint8, offset=8)
    x = (torch.from_numpy(images.astype(np.float32)) / 255.0 - 0.2860) / 0.3530
    return x, torch.from_numpy(labels.astype(np.int64))


def model(name):
    if name == "mlp":
        return nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(),
                             nn.Linear(128, 10))
    return nn.Sequential(nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                         nn.Linear(3136, 128), nn.ReLU(), nn.Linear(128, 10))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--model", choices=["mlp", "cnn"], required=True)
    p.add_argument("--epochs", type=float, default=1)
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--torch-threads", type=int, default=1)
    p.add_argument("--evaluate", action="store_true")
    a = p.parse_args()
    torch.set_num_threads(a.torch_threads)
    torch.manual_seed(1)
    x, y = load("train")
    net = model(a.model)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    steps = int(a.epochs * len(x) / a.batch)
    per_epoch = (len(x) + a.batch - 1) // a.batch
    seconds, samples, step = 0.0, 0, 0
    while step < steps:
        order = torch.randperm(len(x))
        t0 = time.perf_counter()
        for b in range(per_epoch):
            if step == steps:
                break
            idx = order[b * a.batch:(b + 1) * a.batch]
            xb, yb = x[idx], y[idx]
            opt.zero_grad(set_to_none=True)
            loss_fn(net(xb), yb).backward()
            opt.step()
            samples += len(idx)
            step += 1
        seconds += time.perf_counter() - t0
    result = {"samples_per_second": samples / seconds, "steps": steps}
    if a.evaluate:
        tx, ty = load("t10k")
        net.eval()
        with torch.no_grad():
            correct = sum(int((net(tx[i:i + 1000]).argmax(1) == ty[i:i + 1000]).sum()) for i in range(0, len(tx), 1000))
        result["test_accuracy"] = correct / len(tx)
    result["peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result))


if __name__ == "__main__":
    main()
