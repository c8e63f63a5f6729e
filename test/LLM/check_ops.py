"""Runs test/LLM/Inputs/ops.mlir compiled by qcc (rotary_embedding, cached_attention) on random inputs of
several shapes through qcc-run and compares with numpy (float64). Tolerance: max abs error 1e-5 (values are
O(1)). Usage: check_ops.py MODEL.so WORKDIR"""
import os
import subprocess
import sys

import numpy as np


def rope(x, pos, theta, interleaved):
    D = x.shape[-1]
    inv = theta ** (-np.arange(0, D, 2, dtype=np.float64) / D)
    ang = pos[:, :, None, None].astype(np.float64) * inv
    c, s = np.cos(ang), np.sin(ang)
    x = x.astype(np.float64)
    out = np.empty_like(x)
    if interleaved:
        a, b = x[..., 0::2], x[..., 1::2]
        out[..., 0::2], out[..., 1::2] = a * c - b * s, a * s + b * c
    else:
        a, b = x[..., :D // 2], x[..., D // 2:]
        out[..., :D // 2], out[..., D // 2:] = a * c - b * s, a * s + b * c
    return out


def attention(q, k, v, pk, pv, pos):
    B, S, H, D = q.shape
    G = H // k.shape[2]
    out = np.zeros(q.shape)
    for b in range(B):
        n = int(pos[b, 0])
        keys = np.concatenate([pk[:n, b], k[b]]).astype(np.float64)
        vals = np.concatenate([pv[:n, b], v[b]]).astype(np.float64)
        for h in range(H):
            sc = q[b, :, h].astype(np.float64) @ keys[:, h // G].T / np.sqrt(D)
            mask = np.arange(n + S)[None, :] <= (n + np.arange(S))[:, None]
            sc = np.where(mask, sc, -np.inf)
            e = np.exp(sc - sc.max(1, keepdims=True))
            out[b, :, h] = e / e.sum(1, keepdims=True) @ vals[:, h // G]
    return out


def main():
    so, work = sys.argv[1:3]
    os.makedirs(work, exist_ok=True)
    rng = np.random.default_rng(0)
    bad = 0
    # (B, S, P, first positions per row): prefill with and without a cache, decode, a masked junk tail.
    for case, (B, S, P, starts) in enumerate([(2, 3, 5, [2, 0]), (1, 1, 6, [6]), (3, 4, 1, [0, 0, 1]),
                                              (1, 5, 9, [1000])]):
        P = max(P, 1)
        pos = np.array([np.arange(s, s + S) for s in starts], np.int64)
        ins = {
            "x": rng.standard_normal((B, S, 4, 8)).astype(np.float32),
            "positions": pos,
            "q": rng.standard_normal((B, S, 4, 8)).astype(np.float32),
            "k": rng.standard_normal((B, S, 2, 8)).astype(np.float32),
            "v": rng.standard_normal((B, S, 2, 8)).astype(np.float32),
            "past_key": rng.standard_normal((P, B, 2, 8)).astype(np.float32),
            "past_value": rng.standard_normal((P, B, 2, 8)).astype(np.float32),
        }
        if starts == [1000]:  # a long cache: rows use only the first slots they are given
            ins["past_key"] = rng.standard_normal((1000, B, 2, 8)).astype(np.float32)
            ins["past_value"] = rng.standard_normal((1000, B, 2, 8)).astype(np.float32)
        # Slots at or beyond positions[b, 0] hold junk that must be ignored.
        for b, s in enumerate(starts):
            ins["past_key"][s:, b] = 1e3
            ins["past_value"][s:, b] = -1e3
        args = ["qcc-run", so, "--output-dir", work]
        for name, a in ins.items():
            f = os.path.join(work, name + ".npy")
            np.save(f, a)
            args += ["--input", "%s=%s" % (name, f)]
        subprocess.run(args, check=True, stdout=subprocess.DEVNULL)
        want = {
            "rope_halves": rope(ins["x"], pos, 10000.0, False),
            "rope_pairs": rope(ins["x"], pos, 500.0, True),
            "attention": attention(ins["q"], ins["k"], ins["v"], ins["past_key"], ins["past_value"], pos),
        }
        for name, w in want.items():
            got = np.load(os.path.join(work, name + ".npy"))
            err = np.abs(got - w).max() if got.shape == w.shape else float("inf")
            ok = err < 1e-5
            bad += not ok
            print("%s case %d %s B=%d S=%d P=%d: max abs err %.2e" % ("PASS" if ok else "FAIL", case, name, B, S,
                                                                      ins["past_key"].shape[0], err))
    sys.exit(1 if bad else 0)


main()
