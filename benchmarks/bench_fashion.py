#!/usr/bin/python3
"""Fashion-MNIST training benchmark: Neurite against PyTorch at its best on this machine, in one run.

    /usr/bin/python3 benchmarks/bench_fashion.py [--build build] [--models mlp,cnn] [--quick]

For the peer it first tries its thread settings (torch threads 1 or 2 × OpenBLAS threads 1 or 2)
and OpenBLAS kernels (as OpenBLAS finds it, and SkylakeX) on a short run, then trains with the
fastest. Both train the same model with the same settings; the report gives samples/s, test
accuracy, peak memory and start-up time for both, and the ratios. Not a test: it never fails for
being slow."""
import argparse
import itertools
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
CEILING_GFLOPS = 330.0  # measured fp32 peak of the two-core development machine (AVX-512 FMA)
# Training FLOPs per sample: forward (from `neurite models check`) times 3 (forward + backward).
FORWARD_FLOPS = {"mlp": 469_000, "cnn": 8_600_000}
EPOCHS = {"mlp": 10, "cnn": 5}
TRIAL_EPOCHS = {"mlp": 0.25, "cnn": 0.03}


def torch_run(model, epochs, torch_threads, blas_threads, coretype, evaluate=False):
    env = dict(os.environ, OPENBLAS_NUM_THREADS=str(blas_threads), OMP_NUM_THREADS=str(blas_threads))
    env.pop("OPENBLAS_CORETYPE", None)
    if coretype:
        env["OPENBLAS_CORETYPE"] = coretype
    cmd = ["/usr/bin/python3", os.path.join(HERE, "torch_peer.py"), "--model", model, "--epochs", str(epochs),
           "--torch-threads", str(torch_threads)] + (["--evaluate"] if evaluate else [])
    out = subprocess.run(cmd, env=env, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def neurite_run(build, model, epochs):
    with tempfile.TemporaryDirectory() as tmp:
        summary = os.path.join(tmp, "summary.json")
        cmd = [os.path.join(build, "app/cli/neurite"), "train", os.path.join(ROOT, "resources/models", model + ".json"),
               "--data", "fashion-mnist", "--epochs", str(epochs), "--batch", "128", "--optimizer", "adam",
               "--lr", "0.001", "--val-split", "0", "--json", summary, "--quiet", "--no-store"]
        subprocess.run(cmd, check=True, capture_output=True, text=True)
        with open(summary) as f:
            return json.load(f)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--build", default=os.path.join(ROOT, "build"))
    p.add_argument("--models", default="mlp,cnn")
    p.add_argument("--quick", action="store_true", help="one epoch each (a smoke run, not the reference figures)")
    a = p.parse_args()
    for model in a.models.split(","):
        epochs = 1 if a.quick else EPOCHS[model]
        print(f"== {model}: batch 128, Adam lr 1e-3, {epochs} epoch(s) on Fashion-MNIST", flush=True)
        trials = []
        for tt, bt, core in itertools.product((1, 2), (1, 2), (None, "SkylakeX")):
            r = torch_run(model, TRIAL_EPOCHS[model], tt, bt, core)
            name = f"torch threads {tt}, OpenBLAS threads {bt}, kernel {core or 'as found'}"
            trials.append((r["samples_per_second"], name, tt, bt, core))
            print(f"   trial  {name:55s} {r['samples_per_second']:9.0f} samples/s", flush=True)
        best = max(trials)
        print(f"   fastest PyTorch setting: {best[1]}", flush=True)
        peer = torch_run(model, epochs, best[2], best[3], best[4], evaluate=True)
        ours = neurite_run(a.build, model, epochs)
        train_flops = 3 * FORWARD_FLOPS[model]
        for name, r in (("PyTorch " + "1.13", peer), ("Neurite", ours)):
            gflops = r["samples_per_second"] * train_flops / 1e9
            print(f"   {name:12s} {r['samples_per_second']:9.0f} samples/s  test accuracy {r['test_accuracy']:.4f}  "
                  f"peak memory {r['peak_rss_mib']:6.0f} MiB  {gflops:6.1f} GFLOP/s = {100 * gflops / CEILING_GFLOPS:4.1f}% of "
                  f"{CEILING_GFLOPS:.0f}", flush=True)
        print(f"   ratio        speed {ours['samples_per_second'] / peer['samples_per_second']:.2f}x  "
              f"memory {ours['peak_rss_mib'] / peer['peak_rss_mib']:.2f}x  "
              f"Neurite start-up to first step {ours['start_to_first_step_seconds']:.2f} s\n", flush=True)


if __name__ == "__main__":
    sys.exit(main())
