#!/usr/bin/env python3
"""Interleaved A/B of compiled models: CPU milliseconds per inference, round by round.

On a shared machine wall time measures the other processes as much as the code; CPU time of the
process (user + system) is steadier, and alternating the candidates round by round (A B ORT, then
ORT B A, ...) spreads the drift of the load over all of them. Each round runs every model.so with
`qcc-run --threads T --repeat N+3` and subtracts a `--repeat 3` run (loading and set-up), and
optionally ONNX Runtime on the same .onnx and inputs in this process (CPU time of its timed loop,
after 3 warm-up runs, as run_onnx_vs_ort.py measures it).
Prints the median over rounds, the ratio to ORT when it was measured, and every round's figure.

Example (what PERF5 in benchmarks/RESULTS.md used):
  ab_cpu.py --input x=bert_x.npy --onnx bert.onnx --rounds 6 --runs 30 before.so after.so
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent


def children_cpu_s() -> float:
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def qcc_cpu_ms(qcc_run: str, so: str, inputs: list[str], threads: int, runs: int) -> float:
    """CPU ms per inference of `runs` runs (a 3-run invocation is subtracted: loading, warm-up)."""
    def run(reps: int) -> float:
        cmd = [qcc_run, so, "--threads", str(threads), "--repeat", str(reps), "--warmup", "0"]
        for spec in inputs:
            cmd += ["--input", spec]
        before = children_cpu_s()
        subprocess.run(cmd, capture_output=True, check=True)
        return children_cpu_s() - before
    return (run(runs + 3) - run(3)) / runs * 1e3


def ort_cpu_ms(onnx_path: str, inputs: list[str], threads: int, runs: int) -> float:
    import onnxruntime as ort
    so = ort.SessionOptions()
    so.intra_op_num_threads = threads
    so.inter_op_num_threads = 1
    so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    so.log_severity_level = 3
    sess = ort.InferenceSession(onnx_path, so, providers=["CPUExecutionProvider"])
    feeds = {}
    for spec in inputs:
        name, path = spec.split("=", 1)
        feeds[name] = np.load(path)
    for _ in range(3):
        sess.run(None, feeds)
    c0 = time.process_time()
    for _ in range(runs):
        sess.run(None, feeds)
    return (time.process_time() - c0) / runs * 1e3


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("models", nargs="+", help="model.so files to compare")
    ap.add_argument("--input", action="append", default=[], help="NAME=FILE.npy (repeatable)")
    ap.add_argument("--onnx", help="also time ONNX Runtime on this model")
    ap.add_argument("--qcc-run", default=str(ROOT / "build" / "bin" / "qcc-run"))
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--rounds", type=int, default=6)
    ap.add_argument("--runs", type=int, default=30)
    args = ap.parse_args()

    names = list(args.models) + (["ORT"] if args.onnx else [])
    results: dict[str, list[float]] = {n: [] for n in names}
    for r in range(args.rounds):
        for name in names if r % 2 == 0 else names[::-1]:
            if name == "ORT":
                results[name].append(ort_cpu_ms(args.onnx, args.input, args.threads, args.runs))
            else:
                results[name].append(qcc_cpu_ms(args.qcc_run, name, args.input, args.threads, args.runs))
    ort = statistics.median(results["ORT"]) if args.onnx else None
    for name, values in results.items():
        med = statistics.median(values)
        ratio = f"  ratio to ORT {med / ort:.3f}" if ort else ""
        print(f"{name:32s} median {med:8.3f} ms{ratio}   rounds: " + " ".join(f"{v:.2f}" for v in values))
    return 0


if __name__ == "__main__":
    sys.exit(main())
