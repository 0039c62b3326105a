#!/usr/bin/env python3
"""Records and reports the GPU check (benchmarks/gpu_check.sh). Every result goes as one JSON line
into OUT/results.jsonl the moment it exists, so that a run cut short still reports what it got;
`report` then writes OUT/gpu-report-YYYY-MM-DD.md from that file and OUT/gpu-check.log.

    gpu_report.py machine OUT                 the GPU (nvidia-smi) and the CPU of this machine
    gpu_report.py neurite OUT --case mlp --device cuda --precision fp32 --batch 128 --epochs 10 \\
                  --summary S.json --stdout S.out --rc 0     one `neurite train` run
    gpu_report.py report OUT                  the Markdown report

The PyTorch peer (torch_gpu_peer.py) appends its own lines ({"peer": "pytorch", ...}); gpu_check.sh
appends {"kind": "step", ...} for each step. Standard library only: it runs beside any torch."""
import argparse
import datetime
import json
import os
import re
import subprocess
import sys

# The targets (issue 10): Neurite's samples/s over PyTorch's, and against which variant.
CASES = [
    # case, model file, batch, precision, epochs, target ratio, compared with
    ("mlp", "resources/models/mlp.json", 128, "fp32", 10, 3.0, "best"),
    ("cnn", "resources/models/cnn.json", 128, "fp32", 5, 1.3, "best"),
    ("cnn-wide", "benchmarks/models/cnn-wide.json", 512, "tf32", 5, 1.0, "compile"),
]
# Forward FLOPs per sample (`neurite models check`); training is about 3× that.
FORWARD_FLOPS = {"mlp": 469e3, "cnn": 8.6e6, "cnn-wide": 120.9e6}
# The CPU's accuracy when the check could not train on this machine's CPU: README.md's Speed (CPU)
# table (bench_fashion.py, same epochs, batch 128, Adam lr 1e-3, all 60,000 training images).
README_CPU = {"mlp": (0.8880, "README, 2-core development machine"), "cnn": (0.9151, "README, 2-core development machine")}
ACCURACY_SLACK = 0.01  # "to the CPU's accuracy": another device's rounding moves a 5-10 epoch run by tenths of a point


def append(out, line):
    with open(os.path.join(out, "results.jsonl"), "a") as f:
        f.write(json.dumps(line) + "\n")


def read_results(out):
    lines = []
    path = os.path.join(out, "results.jsonl")
    if os.path.exists(path):
        with open(path) as f:
            for text in f:
                text = text.strip()
                if text.startswith("{"):
                    try:
                        lines.append(json.loads(text))
                    except json.JSONDecodeError:
                        pass  # a line cut by a timeout
    return lines


def run(cmd):
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=20).stdout
    except (OSError, subprocess.SubprocessError):
        return ""


def cmd_machine(a):
    line = {"kind": "machine", "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")}
    csv = run(["nvidia-smi", "--query-gpu=name,memory.total,driver_version", "--format=csv,noheader"]).strip()
    if csv:
        name, memory, driver = [s.strip() for s in csv.splitlines()[0].split(",")][:3]
        line.update(gpu=name, gpu_memory=memory, driver=driver, gpus=len(csv.splitlines()))
        m = re.search(r"CUDA Version:\s*([\d.]+)", run(["nvidia-smi"]))
        if m:
            line["cuda_driver"] = m.group(1)
    try:
        with open("/proc/cpuinfo") as f:
            m = re.search(r"^model name\s*:\s*(.+)$", f.read(), re.M)
        line["cpu"] = re.sub(r"\s+", " ", m.group(1)) if m else "unknown CPU"
    except OSError:
        line["cpu"] = "unknown CPU"
    line["cores"] = os.cpu_count()
    append(a.out, line)
    print(json.dumps(line))


def cmd_neurite(a):
    line = {"kind": "neurite", "case": a.case, "device": a.device, "precision": a.precision, "batch": a.batch,
            "epochs": a.epochs, "rc": a.rc, "summary": None}
    try:
        with open(a.summary) as f:
            line["summary"] = json.load(f)
    except (OSError, json.JSONDecodeError):
        pass
    text = ""
    try:
        with open(a.stdout, errors="replace") as f:
            text = f.read()
    except OSError:
        pass
    m = re.search(r"^device\s+(.+)$", text, re.M)
    line["device_line"] = m.group(1).strip() if m else ""
    line["epoch_rates"] = [float(r) for r in re.findall(r"^epoch \d+/\d+ .*?([\d.]+) samples/s", text, re.M)]
    m = re.search(r"^test\s+.*$", text, re.M)
    line["test_line"] = m.group(0) if m else ""
    append(a.out, line)


def cudnn_text(v):
    """torch.backends.cudnn.version()'s 91400 as 9.14.0."""
    return f"{v // 10000}.{v % 10000 // 100}.{v % 100}" if isinstance(v, int) else "?"


def fmt_rate(x):
    return f"{x:,.0f}" if x is not None else "—"


def fmt_acc(x):
    return f"{x:.4f}" if x is not None else "—"


def neurite_rate(r):
    """samples/s of a neurite run: its summary, else the mean of its epoch lines (a run cut short)."""
    if r is None:
        return None, ""
    if r.get("summary") and r["summary"].get("samples_per_second"):
        return r["summary"]["samples_per_second"], ""
    if r.get("epoch_rates"):
        rates = r["epoch_rates"]
        return sum(rates) / len(rates), f" (mean of {len(rates)} epoch line(s): the run did not finish)"
    return None, ""


def on_gpu(r):
    return r is not None and r.get("device_line", "").startswith("cuda")


def parity_section(log):
    lines = ["## Parity (CUDA against the reference backend)", ""]
    m = re.search(r"^parity: cuda against reference.*?^(\d+) checks, (\d+) failed$", log, re.M | re.S)
    if m:
        failed = [l.strip() for l in m.group(0).splitlines() if l.rstrip().endswith("FAILED")]
        verdict = "pass" if m.group(2) == "0" else "FAIL"
        lines.append(f"- `neurite doctor --parity --device cuda`: **{verdict}**, {m.group(1)} checks, {m.group(2)} failed")
        lines += [f"  - `{l}`" for l in failed]
    else:
        lines.append("- `neurite doctor --parity --device cuda`: no result in the log (not run, or cut short)")
    # gpu_check.sh's step header, the program's output, then the step's "exit N (Ss)".
    block = re.search(r"^== \[\d+s\] neurite_cuda_check .*?$(.*?)(?=^== |\Z)", log, re.M | re.S)
    if block:
        body = block.group(1)
        passes = len(re.findall(r"^pass  ", body, re.M))
        fails = [l for l in body.splitlines() if l.startswith("FAIL  ")]
        ended = re.search(r"^exit (\d+)", body, re.M)
        meaning = {"0": "every check passed", "1": "a check failed", "2": "no GPU"}
        status = (f"exit {ended.group(1)} ({meaning.get(ended.group(1), 'crashed or timed out')})" if ended
                  else "no exit status (cut short)")
        lines.append(f"- `neurite_cuda_check`: {passes} pass, {len(fails)} FAIL, {status}")
        lines += [f"  - `{l}`" for l in fails]
    else:
        lines.append("- `neurite_cuda_check`: not run")
    return lines


def cmd_report(a):
    results = read_results(a.out)
    log = ""
    try:
        with open(os.path.join(a.out, "gpu-check.log"), errors="replace") as f:
            log = f.read()
    except OSError:
        pass
    machine = next((r for r in results if r.get("kind") == "machine"), {})
    gpu = machine.get("gpu", "no GPU found")
    cpu = f"{machine.get('cpu', 'unknown CPU')}, {machine.get('cores', '?')} cores"
    peers = [r for r in results if r.get("peer") == "pytorch"]
    runs = [r for r in results if r.get("kind") == "neurite"]
    steps = [r for r in results if r.get("kind") == "step"]
    date = machine.get("date", datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d"))[:10]
    torch_info = next((p for p in peers if p.get("device") == "cuda"), peers[0] if peers else {})

    def neurite_run(case, device):
        found = [r for r in runs if r["case"] == case and r["device"] == device]
        return found[-1] if found else None

    def where(r):
        """The device a neurite run trained on, in words."""
        if on_gpu(r):
            return gpu
        return f"the CPU, {cpu} (no usable GPU: see the log)" if r else "—"

    md = [f"# GPU check, {date}", "",
          "`benchmarks/gpu_check.sh` on the lent GPU machine: the Qt-free build against the Debian packages carried in",
          "`.kit`, the parity check, and Fashion-MNIST training in Neurite and in that machine's PyTorch on the same card",
          "(the data resident on the GPU for both, warm-up excluded for PyTorch).", "",
          f"- GPU: **{gpu}**, {machine.get('gpu_memory', '?')}, driver {machine.get('driver', '?')}, "
          f"CUDA {machine.get('cuda_driver', '?')} (driver API)",
          f"- CPU: {cpu}",
          *[f"- `neurite doctor`: `{l}`" for l in dict.fromkeys(re.findall(r"^(?:GPU|CUDA)\s{3,}.*$", log, re.M))],
          f"- PyTorch {torch_info.get('torch', '?')}, CUDA {torch_info.get('cuda', '?')}, cuDNN "
          f"{cudnn_text(torch_info.get('cudnn'))}, cuDNN autotuning (benchmark mode) {torch_info.get('cudnn_benchmark', '?')}",
          ""]
    md += parity_section(log) + [""]
    for r in runs:
        if r["device"] == "cuda" and r.get("summary"):
            held = r["summary"].get("data_on_device")
            md.append(f"- Neurite {r['case']}: training set "
                      f"{'held on the GPU, batches gathered there' if held else 'batches made on the host'}")
    md.append("")

    # Accuracy: the GPU against the CPU, same model, epochs, batch and seed.
    md += ["## Accuracy: the GPU against the CPU", "",
           f"Same model, epochs, batch 128, Adam lr 1e-3, seed 1, all 60,000 training images (`--val-split 0`). "
           f"\"At the CPU's accuracy\": at most {ACCURACY_SLACK:.2f} below it.", "",
           "| model (epochs) | Neurite on the GPU | Neurite on the CPU | difference | PyTorch on the GPU (eager) | at the CPU's accuracy |",
           "|---|---|---|---|---|---|"]
    for case, _, _, _, epochs, _, _ in CASES:
        if case == "cnn-wide":
            continue  # no CPU run: hours of CPU time at this size
        g, c = neurite_run(case, "cuda"), neurite_run(case, "cpu")
        gacc = g["summary"].get("test_accuracy") if g and g.get("summary") else None
        cacc = c["summary"].get("test_accuracy") if c and c.get("summary") else None
        cpu_where = f"{cpu}, this machine"
        if cacc is None and case in README_CPU:
            cacc, cpu_where = README_CPU[case]
        peer = next((p for p in peers if p["model"] == case and p["variant"] == "eager" and p["status"] == "ok"), None)
        gtext = f"{fmt_acc(gacc)} ({where(g)})" if g else "—"
        epochs = (g or c or {}).get("epochs", epochs)
        diff = f"{gacc - cacc:+.4f}" if gacc is not None and cacc is not None else "—"
        met = ("met" if gacc >= cacc - ACCURACY_SLACK else "**not met**") if on_gpu(g) and gacc is not None and cacc is not None else "not measured"
        md.append(f"| {case} ({epochs}) | {gtext} | {fmt_acc(cacc)} ({cpu_where}) | {diff} | "
                  f"{fmt_acc(peer['test_accuracy']) + ' (' + peer.get('device_name', '?') + ')' if peer else '—'} | {met} |")
    md.append("")

    # Speed: one table per case.
    md += ["## Speed against PyTorch on the same GPU", "",
           "Samples per second of the training loop (data loading and evaluation excluded). Neurite's figure is its",
           "`--json` summary over every epoch, first steps included; PyTorch's excludes its warm-up steps (and",
           "compilation) and drops each epoch's last partial batch. Training TFLOP/s = 3 × forward FLOPs × samples/s.",
           ""]
    for case, model_file, batch, precision, epochs, target, against in CASES:
        g = neurite_run(case, "cuda")
        rate, note = neurite_rate(g)
        epochs = (g or {}).get("epochs", epochs)
        md += [f"### {case}: batch {batch}, {precision.upper()}, {epochs} epochs (`{model_file}`)", "",
               "| | on | samples/s | TFLOP/s | test accuracy | Neurite's ratio to it |", "|---|---|---|---|---|---|"]
        flops = 3 * FORWARD_FLOPS[case]
        tflops = lambda r: f"{r * flops / 1e12:.2f}" if r else "—"
        if g is None:
            md.append("| **Neurite** | — | not run | | | |")
        else:
            acc = g["summary"].get("test_accuracy") if g.get("summary") else None
            status = "" if g["rc"] == 0 else f" (exit {g['rc']}{', timed out' if g['rc'] in (124, 137) else ''})"
            md.append(f"| **Neurite**{status} | {where(g)} | **{fmt_rate(rate)}**{note} | {tflops(rate)} | {fmt_acc(acc)} | |")
        case_peers = [p for p in peers if p["model"] == case and p.get("batch") == batch and p.get("precision") == precision]
        ok = [p for p in case_peers if p["status"] == "ok"]
        for p in case_peers:
            if p["status"] == "ok":
                ratio = f"{rate / p['samples_per_second']:.2f}×" if rate and on_gpu(g) else "—"
                md.append(f"| PyTorch {p['variant']} | {p.get('device_name', '?')} | {fmt_rate(p['samples_per_second'])} | "
                          f"{tflops(p['samples_per_second'])} | {fmt_acc(p['test_accuracy'])} | {ratio} |")
            else:
                reason = p.get("reason", "").replace("|", "/").replace("\n", " ")[:200]
                md.append(f"| PyTorch {p['variant']} | {p.get('device_name', '?')} | {p['status']}: {reason} | | | |")
        if not case_peers:
            md.append("| PyTorch | — | not run | | | |")
        best = max(ok, key=lambda p: p["samples_per_second"]) if ok else None
        ref = next((p for p in ok if p["variant"] == against), None) if against != "best" else best
        ref_name = "PyTorch's best" if against == "best" else "compiled PyTorch"
        if ref is None and best is not None:
            ref, ref_name = best, f"PyTorch's best ({against} did not run)"
        md.append("")
        if ref and rate and on_gpu(g):
            ratio = rate / ref["samples_per_second"]
            md.append(f"Target: Neurite ≥ {target:g}× {ref_name} ({ref['variant']}, {fmt_rate(ref['samples_per_second'])} "
                      f"samples/s on {ref.get('device_name', '?')}). Ratio **{ratio:.2f}×**: "
                      f"**{'met' if ratio >= target else 'not met'}**{' (from the epochs of a run cut short)' if note else ''}.")
        else:
            md.append(f"Target: Neurite ≥ {target:g}× {ref_name}: not measured "
                      f"({'no Neurite GPU figure' if not (rate and on_gpu(g)) else 'no PyTorch figure'}).")
        md.append("")

    bf16, tf32 = neurite_run("cnn-wide-bf16", "cuda"), neurite_run("cnn-wide", "cuda")
    if bf16 is not None:
        rate16, note16 = neurite_rate(bf16)
        rate32, _ = neurite_rate(tf32)
        acc16 = bf16["summary"].get("test_accuracy") if bf16.get("summary") else None
        md += ["## Mixed precision (bf16) on the wide CNN", "",
               f"Neurite, batch 512, bf16 with fp32 master weights, on {where(bf16)}: {fmt_rate(rate16)} samples/s"
               f"{note16}, test accuracy {fmt_acc(acc16)}"
               + (f"; {rate16 / rate32:.2f}× its TF32 rate." if rate16 and rate32 and on_gpu(bf16) else "."), ""]

    if steps:
        md += ["## Steps", "", "| step | exit | seconds | limit |", "|---|---|---|---|"]
        for s in steps:
            rc = s.get("rc")
            rc_text = "skipped (time budget spent)" if s.get("skipped") else (f"{rc} (timed out)" if rc in (124, 137) else str(rc))
            md.append(f"| {s.get('name')} | {rc_text} | {s.get('seconds', '—')} | {s.get('limit', '—')} |")
        md.append("")
    path = os.path.join(a.out, f"gpu-report-{date}.md")
    with open(path, "w") as f:
        f.write("\n".join(md))
    print(path)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="command", required=True)
    s = sub.add_parser("machine")
    s.add_argument("out")
    s.set_defaults(func=cmd_machine)
    s = sub.add_parser("neurite")
    s.add_argument("out")
    s.add_argument("--case", required=True)
    s.add_argument("--device", required=True)
    s.add_argument("--precision", default="fp32")
    s.add_argument("--batch", type=int, required=True)
    s.add_argument("--epochs", type=int, required=True)
    s.add_argument("--summary", required=True)
    s.add_argument("--stdout", required=True)
    s.add_argument("--rc", type=int, required=True)
    s.set_defaults(func=cmd_neurite)
    s = sub.add_parser("report")
    s.add_argument("out")
    s.set_defaults(func=cmd_report)
    a = p.parse_args()
    os.makedirs(a.out, exist_ok=True)
    a.func(a)


if __name__ == "__main__":
    sys.exit(main())
