"""Checks the sensitivities `qcc --sensitivity=all` wrote into a statistics file against numpy.

    sens_check.py model.gguf stats.qstats tokens.bin WINDOWS SEQLEN [--rtol-kl R]

kl:      the numpy reference forward (test/LLM/llama_reference.py) of the same windows (written
         by --sens-tokens), once with the float weights and once with ONLY the layer rounded to
         the scheme by the independent numpy RTN (quant_ref.rtn) or numpy's f16; the mean over all
         tokens of KL(p_f32 || p_q) in float64 must match the file's value to rtol (default 0.03:
         the two forwards differ by float32 summation order, which moves the logits by ~1e-5)
         plus an absolute 2e-7 nats: the float32 noise floor of the measurement (qcc adds x dW^T
         to y instead of using W + dW, so a layer rounded to f16, KL ~1e-8, reads 1e-7).
hessian: 1/2 tr(dW (2 X^T X) dW^T) / rows from the file's X^T X, float64, rtol 1e-5.
Also checks the sensitivity_summary (pairs; Spearman rho recomputed with average ranks).
Prints PASS <layer> <scheme> per checked pair.
"""
import argparse
import json
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "LLM"))
sys.path.insert(0, HERE)
from llama_reference import LlamaReference  # noqa: E402
import quant_ref  # noqa: E402
from calib_check import load_stats  # noqa: E402


def log_softmax(z):
    z = z.astype(np.float64)
    m = z.max(axis=-1, keepdims=True)
    return z - m - np.log(np.exp(z - m).sum(axis=-1, keepdims=True))


def logits(ref, ids):
    B, S = ids.shape
    pos = np.tile(np.arange(S, dtype=np.int64), (B, 1))
    pk, pv = ref.empty_cache(B)
    return ref.forward(ids, pos, pk, pv)[0]


def ranks(v):
    v = np.asarray(v, np.float64)
    order = np.argsort(v, kind="stable")
    r = np.empty(len(v))
    i = 0
    while i < len(v):
        j = i
        while j + 1 < len(v) and v[order[j + 1]] == v[order[i]]:
            j += 1
        r[order[i:j + 1]] = (i + j) / 2 + 1
        i = j + 1
    return r


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("stats")
    ap.add_argument("tokens")
    ap.add_argument("windows", type=int)
    ap.add_argument("seqlen", type=int)
    ap.add_argument("--rtol-kl", type=float, default=0.03)
    a = ap.parse_args()
    meta, arr = load_stats(a.stats)
    ids = np.fromfile(a.tokens, np.int32).astype(np.int64).reshape(a.windows, a.seqlen)
    ref = LlamaReference(a.model)
    base = log_softmax(logits(ref, ids))
    p = np.exp(base)
    ok = True
    hs, ks = [], []
    for name, layer in sorted(meta["layers"].items()):
        for scheme, sens in sorted(layer.get("sensitivity", {}).items()):
            if "kl" not in sens or "hessian" not in sens:
                continue
            hs.append(sens["hessian"])
            ks.append(sens["kl"])
            w = ref.w[name].copy()
            dq = quant_ref.f16(w) if scheme == "f16" else quant_ref.rtn(w, scheme)[3]
            ref.w[name] = dq
            q = log_softmax(logits(ref, ids))
            ref.w[name] = w
            kl = float(np.mean(np.sum(p * (base - q), axis=-1)))
            k = layer["in_features"]
            xtx = arr(layer["xtx"]).reshape(k, k)
            d = (dq - w).astype(np.float64)
            hess = 0.5 * np.sum((d @ (2.0 * xtx)) * d) / layer["rows"]
            good_kl = abs(sens["kl"] - kl) <= a.rtol_kl * kl + 2e-7
            good_h = abs(sens["hessian"] - hess) <= 1e-5 * hess + 1e-12
            print("%s %s %s: kl %.6g (numpy %.6g), hessian %.6g (numpy %.6g)" %
                  ("PASS" if good_kl and good_h else "FAIL", name, scheme, sens["kl"], kl,
                   sens["hessian"], hess))
            ok &= good_kl and good_h
    summ = meta.get("sensitivity_summary", {})
    if summ.get("pairs") != len(hs):
        print("FAIL summary pairs %s, expected %d" % (summ.get("pairs"), len(hs)))
        ok = False
    if len(hs) >= 2:
        rho = float(np.corrcoef(ranks(hs), ranks(ks))[0, 1])
        good = abs(summ.get("spearman", 2.0) - rho) <= 1e-9
        print("%s summary spearman %s (numpy %.6f)" % ("PASS" if good else "FAIL",
                                                       summ.get("spearman"), rho))
        ok &= good
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
