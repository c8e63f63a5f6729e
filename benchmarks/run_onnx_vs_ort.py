#!/usr/bin/env python3
"""Compares qcc's FP32 model.so with ONNX Runtime on the same inputs and thread counts, in one run.

Workloads (weights from a fixed seed, built with onnx.helper unless stated):
  mlp     MLP 1024-4096-1024 (MatMul+Add+Relu, MatMul+Add), batch 64;
  bert    one BERT-base encoder layer: seq 128, hidden 768, 12 heads, FFN 3072, erf-GELU, LayerNormalization
          (opset 17, the form PyTorch exports);
  det/cls the rapidocr PaddleOCR text detector (1x3x160x160) and direction classifier (1x3x48x192), real
          pretrained CNNs from the rapidocr_onnxruntime wheel;
  matmul  single-thread 1024^3 f32 MatMul, reported in GFLOP/s next to the machine's measured FP32 peak.

Each workload is compiled once with `qcc model.onnx -o model.so` and timed with `qcc-run --threads T
--repeat N --warmup W`; ONNX Runtime runs with intra_op_num_threads=T (inter_op 1, all graph optimizations)
for the same repeats, and the median times are compared (ratio = qcc / ORT, lower is better for qcc). The
outputs of qcc are checked against ORT (max abs error relative to the output scale) so a fast wrong answer
is visible. Writes a markdown table to benchmarks/RESULTS.md (or --output) and prints it.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

ROOT = Path(__file__).resolve().parent.parent
OPSET = 17


# ---------------------------------------------------------------------------------------------------------
# Workloads
# ---------------------------------------------------------------------------------------------------------

def _init(name: str, arr: np.ndarray):
    return numpy_helper.from_array(np.ascontiguousarray(arr.astype(np.float32)), name)


def build_mlp(batch=64, d_in=1024, d_hidden=4096, d_out=1024, seed=0):
    """x[batch, d_in] -> Relu(x W1 + b1) W2 + b2."""
    rng = np.random.default_rng(seed)
    inits = [_init("W1", rng.normal(0, d_in ** -0.5, (d_in, d_hidden))),
             _init("b1", rng.normal(0, 0.02, (d_hidden,))),
             _init("W2", rng.normal(0, d_hidden ** -0.5, (d_hidden, d_out))),
             _init("b2", rng.normal(0, 0.02, (d_out,)))]
    nodes = [helper.make_node("MatMul", ["x", "W1"], ["h0"]), helper.make_node("Add", ["h0", "b1"], ["h1"]),
             helper.make_node("Relu", ["h1"], ["h2"]), helper.make_node("MatMul", ["h2", "W2"], ["y0"]),
             helper.make_node("Add", ["y0", "b2"], ["y"])]
    g = helper.make_graph(nodes, "mlp", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [batch, d_in])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, [batch, d_out])], inits)
    flops = 2 * batch * (d_in * d_hidden + d_hidden * d_out)
    x = rng.normal(0, 1, (batch, d_in)).astype(np.float32)
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", OPSET)]), {"x": x}, flops


def build_bert_layer(seq=128, hidden=768, heads=12, ffn=3072, seed=0):
    """One post-LN BERT encoder layer on x[1, seq, hidden] (no attention mask)."""
    rng = np.random.default_rng(seed)
    dh = hidden // heads
    inits, nodes = [], []

    def w(name, shape, std):
        inits.append(_init(name, rng.normal(0, std, shape)))
        return name

    def c(name, arr, dtype=np.int64):
        inits.append(numpy_helper.from_array(np.asarray(arr, dtype=dtype), name))
        return name

    def node(op, ins, out, **attrs):
        nodes.append(helper.make_node(op, ins, [out], **attrs))
        return out

    def linear(x, name, d_in, d_out):
        y = node("MatMul", [x, w(f"{name}.W", (d_in, d_out), d_in ** -0.5)], f"{name}.mm")
        return node("Add", [y, w(f"{name}.b", (d_out,), 0.02)], f"{name}.out")

    def heads_view(x, name):  # [1, seq, hidden] -> [1, heads, seq, dh]
        r = node("Reshape", [x, c("shape_heads", [1, seq, heads, dh])], f"{name}.r")
        return node("Transpose", [r], f"{name}.t", perm=[0, 2, 1, 3])

    def layer_norm(x, name):
        g = f"{name}.g"
        inits.append(_init(g, 1.0 + rng.normal(0, 0.02, (hidden,))))
        return node("LayerNormalization", [x, g, w(f"{name}.b", (hidden,), 0.02)], f"{name}.out",
                    axis=-1, epsilon=1e-12)

    q = heads_view(linear("x", "q", hidden, hidden), "q")
    k = heads_view(linear("x", "k", hidden, hidden), "k")
    v = heads_view(linear("x", "v", hidden, hidden), "v")
    kt = node("Transpose", [k], "kT", perm=[0, 1, 3, 2])
    s = node("MatMul", [q, kt], "scores")
    s = node("Mul", [s, c("scale", np.float32(dh ** -0.5), np.float32)], "scores.scaled")
    p = node("Softmax", [s], "probs", axis=-1)
    ctx = node("MatMul", [p, v], "ctx")
    ctx = node("Transpose", [ctx], "ctx.t", perm=[0, 2, 1, 3])
    ctx = node("Reshape", [ctx, c("shape_merge", [1, seq, hidden])], "ctx.r")
    a = linear(ctx, "o", hidden, hidden)
    h = layer_norm(node("Add", [a, "x"], "res1"), "ln1")
    f = linear(h, "ff1", hidden, ffn)
    # GELU(x) = 0.5 x (1 + erf(x / sqrt 2)), as exported by PyTorch.
    e = node("Erf", [node("Div", [f, c("sqrt2", np.float32(np.sqrt(2.0)), np.float32)], "g.div")], "g.erf")
    e = node("Add", [e, c("one", np.float32(1.0), np.float32)], "g.add")
    f = node("Mul", [node("Mul", [f, e], "g.mul"), c("half", np.float32(0.5), np.float32)], "g.out")
    f = linear(f, "ff2", ffn, hidden)
    y = layer_norm(node("Add", [f, h], "res2"), "ln2")
    nodes.append(helper.make_node("Identity", [y], ["y"]))
    g = helper.make_graph(nodes, "bert_layer",
                          [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, seq, hidden])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, seq, hidden])], inits)
    flops = 2 * seq * (4 * hidden * hidden + 2 * hidden * ffn) + 2 * 2 * heads * seq * seq * dh
    x = rng.normal(0, 1, (1, seq, hidden)).astype(np.float32)
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", OPSET)]), {"x": x}, flops


def build_matmul(n=1024, seed=0):
    """y = a b with a, b both [n, n] inputs (so nothing is constant-folded)."""
    rng = np.random.default_rng(seed)
    g = helper.make_graph([helper.make_node("MatMul", ["a", "b"], ["y"])], "matmul",
                          [helper.make_tensor_value_info("a", TensorProto.FLOAT, [n, n]),
                           helper.make_tensor_value_info("b", TensorProto.FLOAT, [n, n])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, [n, n])])
    feeds = {"a": rng.normal(0, 1, (n, n)).astype(np.float32), "b": rng.normal(0, 1, (n, n)).astype(np.float32)}
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", OPSET)]), feeds, 2 * n ** 3


def rapidocr_model(stem: str) -> Path | None:
    spec = importlib.util.find_spec("rapidocr_onnxruntime")
    if spec is None or not spec.submodule_search_locations:
        return None
    p = Path(list(spec.submodule_search_locations)[0]) / "models" / f"{stem}.onnx"
    return p if p.is_file() else None


def build_rapidocr(stem: str, shape, seed=0):
    path = rapidocr_model(stem)
    if path is None:
        return None
    rng = np.random.default_rng(seed)
    # Normalized image-like input in rapidocr's range ([-1, 1] for cls, ImageNet-normalized for det).
    x = np.clip(rng.normal(0.0, 0.6, shape), -2.0, 2.0).astype(np.float32)
    return onnx.load(str(path)), {"x": x}, None


# ---------------------------------------------------------------------------------------------------------
# Timing
# ---------------------------------------------------------------------------------------------------------

def time_ort(model_path: Path, feeds, threads: int, repeat: int, warmup: int):
    import onnxruntime as ort
    so = ort.SessionOptions()
    so.intra_op_num_threads = threads
    so.inter_op_num_threads = 1
    so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    sess = ort.InferenceSession(str(model_path), so, providers=["CPUExecutionProvider"])
    out = None
    for _ in range(warmup):
        out = sess.run(None, feeds)
    times = []
    cpu0 = time.process_time()
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = sess.run(None, feeds)
        times.append(time.perf_counter() - t0)
    time_ort.cpu_per_run = (time.process_time() - cpu0) / max(repeat, 1)
    return float(np.median(times)), float(np.min(times)), out


def children_cpu_s() -> float:
    """User + system CPU seconds of all finished child processes so far."""
    import resource
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


_UNITS = {"s": 1.0, "ms": 1e-3, "us": 1e-6, "µs": 1e-6, "ns": 1e-9}


def parse_qcc_run_times(text: str):
    """Extracts (median, min) seconds from qcc-run's timing report (`min ... median ... mean ...`)."""
    found = {}
    for key in ("median", "min"):
        m = re.search(rf"{key}\s*[:=]?\s*([0-9.eE+-]+)\s*(ms|us|µs|ns|s)\b", text, re.IGNORECASE)
        if m:
            found[key] = float(m.group(1)) * _UNITS[m.group(2)]
    if "median" not in found:
        raise RuntimeError(f"cannot find a median time in qcc-run's output:\n{text[-2000:]}")
    return found["median"], found.get("min", found["median"])


class Qcc:
    def __init__(self, qcc: str, qcc_run: str, work: Path, extra: list[str]):
        self.qcc, self.qcc_run, self.work, self.extra = qcc, qcc_run, work, extra

    def compile(self, name: str, model_path: Path, feeds) -> tuple[Path, float]:
        so = self.work / f"{name}.so"
        cmd = [self.qcc, str(model_path), "-o", str(so), *self.extra]
        for k, v in feeds.items():
            cmd += ["--input-shape", f"{k}=" + ",".join(map(str, v.shape))]
        t0 = time.perf_counter()
        r = subprocess.run(cmd, capture_output=True, text=True)
        if r.returncode != 0:
            text = (r.stderr or r.stdout).strip()
            first = next((l for l in text.splitlines() if "error" in l.lower()), text[-300:])
            raise RuntimeError(f"qcc failed ({r.returncode}): {first.strip()[:300]}")
        return so, time.perf_counter() - t0

    def time(self, name: str, so: Path, feeds, threads: int, repeat: int, warmup: int):
        out_dir = self.work / f"{name}.out{threads}"
        shutil.rmtree(out_dir, ignore_errors=True)
        out_dir.mkdir()
        cmd = [self.qcc_run, str(so), "--threads", str(threads), "--repeat", str(repeat), "--warmup",
               str(warmup), "--output-dir", str(out_dir)]
        for k, v in feeds.items():
            p = self.work / f"{name}.{k}.npy"
            np.save(p, v)
            cmd += ["--input", f"{k}={p}"]
        cpu0 = children_cpu_s()
        r = subprocess.run(cmd, capture_output=True, text=True)
        cpu1 = children_cpu_s()
        if r.returncode != 0:
            raise RuntimeError(f"qcc-run failed ({r.returncode}): {(r.stderr or r.stdout).strip()[-1500:]}")
        med, mn = parse_qcc_run_times(r.stdout + r.stderr)
        # CPU seconds per inference: the same command with one run and no warm-up costs the same loading,
        # input and output work, so the difference is (repeat + warmup - 1) inferences.
        once = [c for c in cmd]
        once[once.index("--repeat") + 1], once[once.index("--warmup") + 1] = "1", "0"
        subprocess.run(once, capture_output=True, text=True)
        cpu2 = children_cpu_s()
        self.cpu_per_run = max(0.0, (cpu1 - cpu0) - (cpu2 - cpu1)) / max(repeat + warmup - 1, 1)
        outs = sorted(out_dir.glob("*.npy"))
        return med, mn, [np.load(p) for p in outs]


# ---------------------------------------------------------------------------------------------------------
# FP32 peak
# ---------------------------------------------------------------------------------------------------------

PEAK_C = r"""
// Single-thread FP32 peak: 12 independent FMA chains at the widest vector width of -march=native
// (zmm with AVX-512, else ymm), enough to cover FMA latency times the FMA ports.
#include <immintrin.h>
#include <stdio.h>
#include <time.h>
#ifdef __AVX512F__
typedef __m512 V;
#define W 16
#define SET1 _mm512_set1_ps
#define FMA _mm512_fmadd_ps
static float sum(V v) { return _mm512_reduce_add_ps(v); }
#else
typedef __m256 V;
#define W 8
#define SET1 _mm256_set1_ps
#define FMA _mm256_fmadd_ps
static float sum(V v) { float t[8]; _mm256_storeu_ps(t, v); return t[0] + t[7]; }
#endif
int main(void) {
  V acc[12]; V a = SET1(0.999999f), b = SET1(1e-7f);
  for (int i = 0; i < 12; ++i) acc[i] = SET1((float)i);
  const long iters = 100000000L; struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  for (long it = 0; it < iters; ++it)
    for (int i = 0; i < 12; ++i) acc[i] = FMA(acc[i], a, b);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  float s = 0; for (int i = 0; i < 12; ++i) s += sum(acc[i]);
  double sec = (t1.tv_sec - t0.tv_sec) + 1e-9 * (t1.tv_nsec - t0.tv_nsec);
  printf("%.3f GFLOP/s (%d-wide FMA, checksum %g)\n", iters * 12.0 * W * 2 / sec / 1e9, W, s);
  return 0;
}
"""


def run_codegen_matmul_bench() -> dict:
    """Runs CODEGEN's benchmarks/matmul/run.sh (qcc-opt-compiled 1024^3 kernel next to the FMA peak, one
    thread) and returns {'peak': GFLOP/s, 'kernel1024': GFLOP/s, 'raw': text}; empty when unavailable."""
    script = ROOT / "benchmarks" / "matmul" / "run.sh"
    if not script.is_file():
        return {}
    r = subprocess.run(["bash", str(script), "native", "10"], capture_output=True, text=True)
    if r.returncode != 0:
        return {"raw": (r.stderr or r.stdout).strip()[-300:]}
    out = {"raw": r.stdout.strip()}
    peaks = [float(x) for x in re.findall(r"fp32 fma peak[^:]*:\s*([0-9.]+) GFLOP/s", r.stdout)]
    if peaks:
        out["peak"] = max(peaks)
    m = re.search(r"matmul 1024\^3:\s*([0-9.]+) GFLOP/s", r.stdout)
    if m:
        out["kernel1024"] = float(m.group(1))
    m = re.search(r"sgemm M=1024\s+N=1024\s+K=1024\s+B=\[K,N\]\s+([0-9.]+) GFLOP/s \(\s*([0-9.]+) per CPU", r.stdout)
    if m:
        out["sgemm1024"], out["sgemm1024_cpu"] = float(m.group(1)), float(m.group(2))
    return out


def measure_peak(work: Path, codegen: dict) -> tuple[float | None, str]:
    """The machine's single-thread FP32 peak: CODEGEN's benchmarks/matmul measurement when it ran, else a
    12-chain FMA loop compiled here with clang-22."""
    if codegen.get("peak"):
        return codegen["peak"], "benchmarks/matmul/run.sh (CODEGEN's FMA loop)"
    clang = "/usr/lib/llvm-22/bin/clang"
    if not os.path.exists(clang):
        return None, "clang-22 not found"
    src, exe = work / "peak.c", work / "peak"
    src.write_text(PEAK_C)
    r = subprocess.run([clang, "-O2", "-march=native", str(src), "-o", str(exe)], capture_output=True,
                       text=True)
    if r.returncode != 0:
        return None, f"peak kernel did not compile: {r.stderr.strip()[:200]}"
    out = subprocess.run([str(exe)], capture_output=True, text=True).stdout
    m = re.search(r"([0-9.]+) GFLOP/s \(([0-9]+)-wide", out)
    if not m:
        return None, f"peak kernel failed: {out.strip()[:200]}"
    return float(m.group(1)), f"{m.group(2)}-wide FMA loop, 12 chains, -march=native (this script)"


# ---------------------------------------------------------------------------------------------------------
# Driver
# ---------------------------------------------------------------------------------------------------------

def rel_err(a: np.ndarray, b: np.ndarray) -> float:
    if a.shape != b.shape:
        return float("inf")
    scale = max(float(np.abs(b).max()), 1e-12)
    return float(np.abs(a.astype(np.float64) - b.astype(np.float64)).max()) / scale


def fmt_ms(s):
    return "n/a" if s is None else f"{s * 1e3:.2f}"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--qcc", default=str(ROOT / "build" / "bin" / "qcc"))
    ap.add_argument("--qcc-run", default=str(ROOT / "build" / "bin" / "qcc-run"))
    ap.add_argument("--qcc-flag", action="append", default=[], help="extra qcc flag (e.g. -target=avx512)")
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--repeat", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--workloads", default="mlp,bert,det,cls,matmul")
    ap.add_argument("--ort-only", action="store_true", help="time only ONNX Runtime (qcc columns n/a)")
    ap.add_argument("--output", type=Path, default=ROOT / "benchmarks" / "RESULTS.md")
    ap.add_argument("--json", type=Path, help="also write the raw figures as JSON")
    args = ap.parse_args()
    threads = [int(t) for t in args.threads.split(",")]
    import onnxruntime as ort

    work = Path(tempfile.mkdtemp(prefix="qcc-bench."))
    have_qcc = not args.ort_only and shutil.which(args.qcc) and shutil.which(args.qcc_run)
    qcc = Qcc(args.qcc, args.qcc_run, work, args.qcc_flag) if have_qcc else None
    if not args.ort_only and not have_qcc:
        print(f"warning: {args.qcc} / {args.qcc_run} not found: timing ONNX Runtime only", file=sys.stderr)

    builders = {
        "mlp": ("MLP 1024-4096-1024, batch 64", build_mlp),
        "bert": ("BERT-base encoder layer, seq 128", build_bert_layer),
        "det": ("PP-OCRv4 det 1x3x160x160", lambda: build_rapidocr("ch_PP-OCRv4_det_infer", (1, 3, 160, 160))),
        "cls": ("PP-OCR cls 1x3x48x192", lambda: build_rapidocr("ch_ppocr_mobile_v2.0_cls_infer",
                                                                 (1, 3, 48, 192))),
        "matmul": ("MatMul 1024^3 (f32)", build_matmul),
    }
    rows, raw, cpu_rows = [], [], []
    for key in args.workloads.split(","):
        title, build = builders[key]
        built = build()
        if built is None:
            rows.append(f"| {title} | – | – | – | – | – | skipped: rapidocr_onnxruntime not installed |")
            continue
        model, feeds, flops = built
        mpath = work / f"{key}.onnx"
        onnx.save(model, str(mpath))
        so = comp_s = None
        note = ""
        if qcc:
            try:
                so, comp_s = qcc.compile(key, mpath, feeds)
            except RuntimeError as e:
                note = f"qcc: {str(e).splitlines()[0][:160]}"
        for t in (threads if key != "matmul" else [1]):
            ort_med, ort_min, ort_out = time_ort(mpath, feeds, t, args.repeat, args.warmup)
            q_med = err = None
            row_note = note
            if so is not None:
                try:
                    q_med, _, q_out = qcc.time(key, so, feeds, t, args.repeat, args.warmup)
                    err = max(rel_err(a, b) for a, b in zip(q_out, ort_out)) if len(q_out) == len(ort_out) \
                        else float("inf")
                except RuntimeError as e:
                    row_note = f"qcc-run: {str(e).splitlines()[0][:160]}"
            ratio = f"{q_med / ort_med:.2f}" if q_med else "n/a"
            gf = (lambda s: f"{flops / s / 1e9:.1f}" if (flops and s) else "–")
            errs = "n/a" if err is None else f"{err:.1e}"
            comp = f"{comp_s:.1f}s" if comp_s else "n/a"
            rows.append(f"| {title} | {t} | {fmt_ms(q_med)} ({gf(q_med)}) | {fmt_ms(ort_med)} ({gf(ort_med)}) "
                        f"| {ratio} | {errs} | compile {comp}{'; ' + row_note if row_note else ''} |")
            raw.append({"workload": key, "threads": t, "qcc_median_s": q_med, "ort_median_s": ort_med,
                        "ort_min_s": ort_min, "flops": flops, "qcc_rel_err": err, "compile_s": comp_s,
                        "note": row_note, "ort_cpu_s": time_ort.cpu_per_run,
                        "qcc_cpu_s": qcc.cpu_per_run if (qcc and q_med) else None})
            if t == 1 and q_med:
                qc, oc = qcc.cpu_per_run, time_ort.cpu_per_run
                cpu_rows.append(f"| {title} | {qc * 1e3:.2f} ({gf(qc)}) | {oc * 1e3:.2f} ({gf(oc)}) | "
                                f"{qc / oc:.2f} |" if oc else f"| {title} | {qc * 1e3:.2f} | n/a | n/a |")
            print(rows[-1], flush=True)

    codegen = run_codegen_matmul_bench()
    peak, peak_src = measure_peak(work, codegen)
    mm = next((r for r in raw if r["workload"] == "matmul"), None)
    lines = []
    if mm:
        q = mm["qcc_median_s"]
        qg = mm["flops"] / q / 1e9 if q else None
        og = mm["flops"] / mm["ort_median_s"] / 1e9
        pk = f"{peak:.1f}" if peak else "n/a"
        lines.append(f"Single-thread f32 matmul 1024^3: qcc {qg:.1f} GFLOP/s" if qg else
                     "Single-thread f32 matmul 1024^3: qcc n/a")
        lines[-1] += f", ONNX Runtime {og:.1f} GFLOP/s; measured FP32 peak {pk} GFLOP/s ({peak_src})"
        if qg and peak:
            lines[-1] += f"; qcc at {100 * qg / peak:.0f}% of peak, ORT at {100 * og / peak:.0f}%"
        lines[-1] += "."
    if codegen.get("kernel1024"):
        k = codegen["kernel1024"]
        lines.append(f"MLIR-generated micro-tiles (benchmarks/matmul/run.sh, linalg.matmul 1024^3 through "
                     f"qcc-lower-to-llvm with ukernels=false, no runtime): {k:.1f} GFLOP/s"
                     + (f" = {100 * k / peak:.0f}% of peak." if peak else "."))
    if codegen.get("sgemm1024"):
        k, kc = codegen["sgemm1024"], codegen["sgemm1024_cpu"]
        lines.append(f"Runtime micro-kernel qcc_rt_sgemm alone (benchmarks/matmul/bench_sgemm.c, 1024^3, B packed "
                     f"per call): {k:.1f} GFLOP/s per wall second, {kc:.1f} per CPU second"
                     + (f" = {100 * k / peak:.0f}% / {100 * kc / peak:.0f}% of peak." if peak else "."))
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    md = ["# qcc vs ONNX Runtime (FP32, CPU)", "",
          f"Measured by `benchmarks/run_onnx_vs_ort.py` on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}: "
          f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, onnxruntime {ort.__version__}, "
          f"median of {args.repeat} runs after {args.warmup} warm-up runs, same inputs for both; load average "
          f"at the end {' '.join(open('/proc/loadavg').read().split()[:3])} (the machine is shared: figures taken "
          f"under load are noisy, compare ratios from the same run).",
          "Times in ms (GFLOP/s in parentheses where the FLOP count is known); ratio = qcc / ORT (below 1: qcc "
          "faster); rel. err = max |qcc - ORT| / max |ORT|.", "",
          "| workload | threads | qcc ms | ORT ms | ratio | rel. err | notes |",
          "|---|---|---|---|---|---|---|", *rows, "",
          "One thread, CPU time per inference (user + system CPU seconds of the timed runs, divided by the "
          "runs; unlike wall time it does not count the time slices other processes take on a shared "
          "machine, though cache sharing still slows both):", "",
          "| workload | qcc CPU ms | ORT CPU ms | ratio |", "|---|---|---|---|", *cpu_rows, "",
          *lines, ""]
    text = "\n".join(md)
    args.output.write_text(text)
    print("\n" + text)
    if args.json:
        args.json.write_text(json.dumps({"rows": raw, "peak_gflops": peak, "peak_source": peak_src,
                                         "codegen_matmul": codegen}, indent=1))
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
