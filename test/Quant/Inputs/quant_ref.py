"""Independent numpy reference of qcc's quantizers (RTN, GPTQ, AWQ, SmoothQuant).

Written from the papers and docs/Quantization.md, in numpy idioms, NOT from lib/Quant:
GPTQ here is the plain column-by-column algorithm (no lazy blocks, H^-1 from np.linalg.inv),
FP8 E4M3 rounding works on exponents and ulps instead of a value table, f16 rounding is numpy's.
"""
import json
import os
import subprocess
import sys

import numpy as np

F32 = np.float32

NF4 = np.array([-1.0, -0.6961928009986877, -0.5250730514526367, -0.39491748809814453,
                -0.28444138169288635, -0.18477343022823334, -0.09105003625154495, 0.0,
                0.07958029955625534, 0.16093020141124725, 0.24611230194568634, 0.33791524171829224,
                0.44070982933044434, 0.5626170039176941, 0.7229568362236023, 1.0], dtype=F32)


def parse_scheme(name):
    """(format, bits, group or 0 for per channel, symmetric) from a scheme name."""
    if name == "w8a8":
        return ("w8a8", 8, 0, True)
    parts = name.split("_")
    if parts[0] == "nf4":
        return ("nf4", 4, 0 if parts[1] == "pc" else int(parts[1][1:]), True)
    if parts[0] == "fp8":
        return ("fp8", 8, 0 if parts[2] == "pc" else int(parts[2][1:]), True)
    assert parts[0].startswith("int")
    return ("uniform", int(parts[0][3:]), 0 if parts[1] == "pc" else int(parts[1][1:]), parts[2] == "sym")


def f16(x):
    """Round f32 values to IEEE half (numpy: round to nearest even), back to f32."""
    return np.asarray(x, dtype=F32).astype(np.float16).astype(F32)


def fp8_round(x):
    """Nearest FP8 E4M3 value of f32 x (ties to even mantissa), saturating at +-448."""
    x = np.asarray(x, dtype=np.float64)
    a = np.abs(x)
    e = np.floor(np.log2(np.where(a > 0, a, 1.0)))
    e = np.maximum(e, -6.0)          # subnormals share the exponent of the smallest normal
    ulp = np.exp2(e - 3.0)           # 3 mantissa bits
    r = np.rint(a / ulp) * ulp       # rint: half to even == even mantissa
    r = np.minimum(r, 448.0)
    return np.sign(x) * r


def fp8_code(v):
    """E4M3 byte (sign bit clear) of an exactly representable magnitude v >= 0."""
    a = np.abs(v)
    e = np.floor(np.log2(np.where(a > 0, a, 1.0)))
    normal = a >= 2.0 ** -6
    exp_field = np.where(normal, e + 7, 0)
    mant = np.where(normal, a / np.exp2(e) - 1.0, a / 2.0 ** -6) * 8
    code = (exp_field * 8 + np.rint(mant)).astype(np.int64)
    return np.where(a == 0, 0, code).astype(np.uint8)


def fp8_value(code):
    code = np.asarray(code, dtype=np.int64)
    e, m = (code >> 3) & 15, code & 7
    v = np.where(e == 0, m / 8.0 * 2.0 ** -6, (1 + m / 8.0) * np.exp2(e - 7.0))
    return np.where(code & 0x80, -v, v).astype(F32)


def group_params(vals, scheme):
    """Scale and min (f16 values as f32) of each row of vals [rows, g] (f32)."""
    fmt, bits, _, sym = scheme
    vals = np.asarray(vals, dtype=F32)
    am = np.abs(vals).max(axis=1)
    tiny = F32(2.0 ** -24)
    if fmt == "uniform" and not sym:
        mn, mx = vals.min(axis=1), vals.max(axis=1)
        s = f16((mx - mn) / F32(2 ** bits - 1))
        s = np.where((s == 0) & (mx > mn), tiny, s)
        return s, f16(mn)
    div = {"nf4": F32(1), "fp8": F32(448), "w8a8": F32(127)}.get(fmt, F32(2 ** (bits - 1) - 1))
    s = f16(am / div)
    s = np.where((s == 0) & (am > 0), tiny, s)
    m = (-F32(2 ** (bits - 1)) * s).astype(F32) if fmt == "uniform" else np.zeros_like(s)
    return s, m


def encode(w, s, m, scheme):
    """Codes of f32 weights w given per-element scale s and min m."""
    fmt, bits, _, _ = scheme
    w, s, m = (np.asarray(a, dtype=F32) for a in (w, s, m))
    safe = np.where(s == 0, F32(1), s)
    with np.errstate(divide="ignore", invalid="ignore"):
        if fmt == "uniform":
            q = np.clip(np.rint((w - m) / safe), 0, 2 ** bits - 1)
            return np.where(s == 0, 0, q).astype(np.uint8)
        if fmt == "nf4":
            x = w / safe
            q = np.argmin(np.abs(x[..., None] - NF4), axis=-1)
            return np.where(s == 0, 7, q).astype(np.uint8)
        if fmt == "fp8":
            x = w / safe
            q = fp8_code(np.abs(fp8_round(x))) | np.where(x < 0, 0x80, 0).astype(np.uint8)
            return np.where(s == 0, 0, q).astype(np.uint8)
        q = np.clip(np.rint(w / safe), -127, 127)
        return np.where(s == 0, 0, q).astype(np.int8).view(np.uint8)


def decode(q, s, m, scheme):
    fmt = scheme[0]
    s, m = np.asarray(s, dtype=F32), np.asarray(m, dtype=F32)
    if fmt == "uniform":
        return (q.astype(F32) * s + m).astype(F32)
    if fmt == "nf4":
        return (NF4[q] * s).astype(F32)
    if fmt == "fp8":
        return (fp8_value(q) * s).astype(F32)
    return (q.view(np.int8).astype(F32) * s).astype(F32)


def rtn(w, name):
    """Round-to-nearest: (codes, scales, mins, dequant). A row has ceil(k / g) groups; the last one
    may be partial."""
    scheme = parse_scheme(name)
    n, k = w.shape
    g = scheme[2] or k
    G = -(-k // g)
    q = np.zeros((n, k), np.uint8)
    dq = np.zeros((n, k), F32)
    S = np.zeros((n, G), F32)
    M = np.zeros((n, G), F32)
    for j in range(G):
        cols = slice(j * g, min(k, (j + 1) * g))
        S[:, j], M[:, j] = group_params(w[:, cols], scheme)
        q[:, cols] = encode(w[:, cols], S[:, j:j + 1], M[:, j:j + 1], scheme)
        dq[:, cols] = decode(q[:, cols], S[:, j:j + 1], M[:, j:j + 1], scheme)
    return q, S, M, dq


def gptq(w, h, name, act_order=False, damp=0.01):
    """Plain GPTQ (one column at a time, immediate updates); static natural groups whose
    parameters are taken when the group is first reached. Returns codes, scales, mins,
    dequant, loss = tr(dW H dW^T) with the undamped H."""
    scheme = parse_scheme(name)
    n, k = w.shape
    g = scheme[2] or k
    h0 = h
    h = h.copy()
    W = w.astype(np.float64).copy()
    dead = np.diag(h) == 0
    h[dead, dead] = 1.0
    W[:, dead] = 0.0
    perm = np.argsort(-np.diag(h), kind="stable") if act_order else np.arange(k)
    pos = np.argsort(perm)
    hp = h[np.ix_(perm, perm)] + damp * np.mean(np.diag(h)) * np.eye(k)
    U = np.linalg.cholesky(np.linalg.inv(hp)).T
    W = W[:, perm]
    codes = np.zeros((n, k), np.uint8)
    G = -(-k // g)
    S = np.zeros((n, G), F32)
    M = np.zeros((n, G), F32)
    reached = set()
    for i in range(k):
        col = perm[i]
        gi = col // g
        if gi not in reached:
            reached.add(gi)
            cols = pos[gi * g:min(k, (gi + 1) * g)]
            S[:, gi], M[:, gi] = group_params(W[:, cols].astype(F32), scheme)
        x = W[:, i]
        q = encode(x.astype(F32), S[:, gi], M[:, gi], scheme)
        codes[:, col] = q
        err = (x - decode(q, S[:, gi], M[:, gi], scheme).astype(np.float64)) / U[i, i]
        W[:, i + 1:] -= np.outer(err, U[i, i + 1:])
    dq = decode(codes, np.repeat(S, g, axis=1)[:, :k], np.repeat(M, g, axis=1)[:, :k], scheme)
    d = (dq - w).astype(np.float64)
    return codes, S, M, dq, float(np.sum((d @ h0) * d))


def awq(w, xtx, mean_abs, name, grid=20):
    """AWQ alpha search on X^T X: returns alpha, scales, (codes, scales, mins, dequant), errors."""
    best = None
    errors = []
    for i in range(grid):
        alpha = i / (grid - 1)
        s = np.maximum(mean_abs.astype(np.float64), 1e-4) ** alpha
        s = (s / np.sqrt(s.max() * s.min())).astype(F32)
        q = rtn((w * s).astype(F32), name)
        d = (q[3] / s - w).astype(F32).astype(np.float64)
        e = float(np.sum((d @ xtx) * d))
        errors.append(e)
        if best is None or e < best[0]:
            best = (e, alpha, s, q)
    return best[1], best[2], best[3], errors


def fake_quant_tokens(x):
    """Per-row int8: scale max|row|/127, round half away from zero, clamp +-127."""
    x = np.asarray(x, dtype=F32)
    am = np.abs(x).max(axis=1, keepdims=True)
    s = (am / F32(127)).astype(F32)
    safe = np.where(s == 0, F32(1), s)
    v = (x / safe).astype(np.float64)
    q = np.clip(np.trunc(v + np.copysign(0.5, v)), -127, 127).astype(F32)
    return np.where(am == 0, x, (q * safe).astype(F32))


def smoothquant(w, x, act_max, grid=21):
    """SmoothQuant alpha search: returns alpha, scales, errors, unsmoothed error."""
    wmax = np.abs(w).max(axis=0).astype(np.float64)
    a = act_max.astype(np.float64)
    y = x.astype(np.float64) @ w.astype(np.float64).T

    def error(s):
        xs = (x / s).astype(F32) if s is not None else x
        ws = (w * s).astype(F32) if s is not None else w
        yq = fake_quant_tokens(xs).astype(np.float64) @ rtn(ws, "w8a8")[3].astype(np.float64).T
        return float(np.sum((y - yq) ** 2) / np.sum(y ** 2))

    errors, best = [], None
    for i in range(grid):
        alpha = i / (grid - 1)
        with np.errstate(divide="ignore"):
            s = np.clip(a ** alpha / wmax ** (1 - alpha), 1e-5, 1e5)
        s = np.where((a <= 0) | (wmax <= 0), 1.0, s).astype(F32)
        e = error(s)
        errors.append(e)
        if best is None or e < best[0]:
            best = (e, alpha, s)
    return best[1], best[2], errors, error(None)


def make_layer(n, k, m, seed, dead=None):
    """W [n, k] f32 and calibration X [m, k] f32 with correlated inputs and outlier channels."""
    rng = np.random.default_rng(seed)
    w = (0.05 * rng.standard_normal((n, k))).astype(F32)
    chan = np.where(np.arange(k) % 13 == 5, 15.0, 0.5 + 0.1 * (np.arange(k) % 5))
    common = rng.standard_normal((m, 1))
    x = (chan * (0.7 * rng.standard_normal((m, k)) + 0.3 * common)).astype(F32)
    if dead is not None:
        x[:, dead] = 0
    return w, x


def run_tool(*args):
    """Runs qcc-quant-check; returns its output directory's arrays and result.json."""
    out = args[args.index("--out") + 1]
    subprocess.run(["qcc-quant-check"] + list(args), check=True)
    res = {}
    for f in os.listdir(out):
        if f.endswith(".npy"):
            res[f[:-4]] = np.load(os.path.join(out, f))
    with open(os.path.join(out, "result.json")) as fh:
        res["result"] = json.load(fh)
    return res


def check(cond, msg):
    if not cond:
        print("FAIL: " + msg)
        sys.exit(1)
