"""Checks a `qcc --calib` statistics file against numpy: the inputs of every linear layer are
recomputed with test/LLM/llama_reference.py (an independent numpy forward pass) on the same
token windows (written by --calib-tokens), and the saved absmax, mean|x|, p99.9, X^T X and
sample rows are compared with statistics computed here in float64.

    calib_check.py model.gguf stats.qstats tokens.bin SEQLEN [--layers a,b] [--rtol R]

Tolerances: the two forward passes differ by float32 rounding (different summation order),
so per-channel statistics must agree to rtol (default 1e-3, relative to the channel's absmax
scale) and X^T X to rtol relative to sqrt(diag_i * diag_j); every sample row must be one of
the reference input rows to the same tolerance. Prints PASS <layer> per checked layer.
"""
import argparse
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "LLM"))
from llama_reference import LlamaReference  # noqa: E402


def layer_inputs(ref, ids, only=None):
    """Inputs [S, K] of every linear layer (or of those in `only`) for one window (batch 1,
    empty cache)."""
    caps = {}

    def cap(name, x):
        if only and name not in only:
            return
        caps.setdefault(name, []).append(np.asarray(x, np.float32).reshape(-1, x.shape[-1]))

    B, S = ids.shape
    H, Hkv, D = ref.n_heads, ref.n_kv, ref.head_dim
    G = H // Hkv
    pos = np.arange(S, dtype=np.int64)[None, :]
    x = ref.w["token_embd.weight"][ids]
    for l in range(ref.n_layers):
        p = "blk.%d." % l
        h = ref._rms(x, ref.w[p + "attn_norm.weight"])
        for n in ("attn_q", "attn_k", "attn_v"):
            cap(p + n + ".weight", h)
        q = (h @ ref.w[p + "attn_q.weight"].T).reshape(B, S, H, D)
        k = (h @ ref.w[p + "attn_k.weight"].T).reshape(B, S, Hkv, D)
        v = (h @ ref.w[p + "attn_v.weight"].T).reshape(B, S, Hkv, D)
        q, k = ref._rope(q, pos), ref._rope(k, pos)
        out = np.zeros((B, S, H, D), np.float32)
        mask = np.arange(S)[None, :] <= np.arange(S)[:, None]
        for hh in range(H):
            sc = (q[0, :, hh] @ k[0, :, hh // G].T) / np.sqrt(D)
            sc = np.where(mask, sc, -np.inf)
            e = np.exp(sc - sc.max(axis=1, keepdims=True))
            out[0, :, hh] = (e / e.sum(axis=1, keepdims=True)) @ v[0, :, hh // G]
        a = out.reshape(B, S, H * D)
        cap(p + "attn_output.weight", a)
        x = x + a @ ref.w[p + "attn_output.weight"].T
        h = ref._rms(x, ref.w[p + "ffn_norm.weight"])
        cap(p + "ffn_gate.weight", h)
        cap(p + "ffn_up.weight", h)
        g = h @ ref.w[p + "ffn_gate.weight"].T
        u = h @ ref.w[p + "ffn_up.weight"].T
        act = (g / (1 + np.exp(-g))) * u
        cap(p + "ffn_down.weight", act)
        x = x + act @ ref.w[p + "ffn_down.weight"].T
    x = ref._rms(x, ref.w["output_norm.weight"])
    cap("output.weight" if "output.weight" in ref.w else "token_embd.weight", x)
    return caps


def load_stats(path):
    meta = json.load(open(path))
    blob_name = meta["blob"]["file"]
    blob = open(os.path.join(os.path.dirname(os.path.abspath(path)), blob_name), "rb").read()

    def arr(ref):
        dt = {"f64": np.float64, "f32": np.float32}[ref["dtype"]]
        return np.frombuffer(blob, dt, ref["count"], ref["offset"])
    return meta, arr


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("gguf")
    ap.add_argument("stats")
    ap.add_argument("tokens")
    ap.add_argument("seqlen", type=int)
    ap.add_argument("--layers", default="")
    ap.add_argument("--rtol", type=float, default=1e-3)
    a = ap.parse_args()
    ref = LlamaReference(a.gguf)
    toks = np.fromfile(a.tokens, np.int32).astype(np.int64)
    windows = toks.reshape(-1, a.seqlen)
    inputs = {}
    only = set(n for n in a.layers.split(",") if n)
    for w in windows:
        for name, xs in layer_inputs(ref, w[None, :], only).items():
            inputs.setdefault(name, []).extend(xs)
    meta, arr = load_stats(a.stats)
    assert meta["calibration"]["samples"] == len(windows), meta["calibration"]
    assert meta["calibration"]["seq_len"] == a.seqlen, meta["calibration"]
    wanted = [n for n in a.layers.split(",") if n] or sorted(meta["layers"])
    missing = sorted(set(inputs) - set(meta["layers"])) + sorted(set(wanted) - set(inputs))
    if missing:
        print("FAIL layers without statistics:", missing)
        return 1
    ok = True
    for name in wanted:
        L = meta["layers"][name]
        X = np.concatenate(inputs[name]).astype(np.float64)
        R, K = X.shape
        scale = np.maximum(np.abs(X).max(axis=0), 1e-30)
        errs = {}
        if L["rows"] != R or L["in_features"] != K:
            print("FAIL %s rows/in_features %d/%d, expected %d/%d" % (name, L["rows"], L["in_features"], R, K))
            ok = False
            continue
        errs["absmax"] = np.max(np.abs(np.array(L["absmax"]) - np.abs(X).max(axis=0)) / scale)
        errs["mean_abs"] = np.max(np.abs(np.array(L["mean_abs"]) - np.abs(X).mean(axis=0)) / scale)
        srt = np.sort(np.abs(X), axis=0)
        rank = -(-999 * R // 1000)  # ceil(0.999 R), 1-based ascending
        errs["p999"] = np.max(np.abs(np.array(L["p999"]) - srt[rank - 1]) / scale)
        xtx = X.T @ X
        got = arr(L["xtx"]).reshape(K, K)
        d = np.sqrt(np.outer(np.diag(xtx), np.diag(xtx))) + 1e-30
        errs["xtx"] = np.max(np.abs(got - xtx) / d)
        errs["xtx_sym"] = np.max(np.abs(got - got.T))
        s = L["samples"]
        S = arr(s).reshape(s["rows"], K).astype(np.float64)
        if s["rows"] != min(R, 16):
            print("FAIL %s sample rows %d" % (name, s["rows"]))
            ok = False
        # Each sample is one of the rows (distance to the nearest row, scaled per channel).
        dist = [np.min(np.max(np.abs(X - r) / scale, axis=1)) for r in S]
        errs["samples"] = max(dist) if dist else 0.0
        # Reservoir sampling picks each row at most once: a value may appear among the samples
        # at most as often as among the rows (layer 0 sees equal rows for repeated tokens).
        seen = {}
        for r in S:
            key = frozenset(np.nonzero(np.max(np.abs(X - r) / scale, axis=1) <= a.rtol)[0].tolist())
            seen[key] = seen.get(key, 0) + 1
        if any(n > len(key) for key, n in seen.items()):
            print("FAIL %s a sample row appears more often than among the inputs" % name)
            ok = False
        bad = {k: v for k, v in errs.items() if not v <= a.rtol}
        if bad:
            print("FAIL %s %s" % (name, " ".join("%s=%.3g" % kv for kv in bad.items())))
            ok = False
        else:
            print("PASS %s rows=%d K=%d %s" % (name, R, K, " ".join("%s=%.2g" % kv for kv in errs.items())))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
