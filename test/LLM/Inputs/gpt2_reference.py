#!/usr/bin/env python3
"""GPT-2 test helper: writes a random-weight checkpoint and checks a qcc-compiled one (numpy only).

usage:
  gpt2_reference.py tiny DIR [--prefix P] [--drop NAME]
      random GPT-2 (n_embd 32, 4 heads, 2 layers, vocab 50, 32 positions, gelu_new, tied head) as
      DIR/config.json + DIR/model.safetensors; tensor names get prefix P (e.g. "transformer.").
  gpt2_reference.py compare DIR MODEL_SO QCC_RUN WORK
      runs MODEL_SO (Contract 5 causal LM) through qcc-run: a prefill of 2 x 7 tokens with an empty
      cache (P = 1 ignored slot), a 1-token decode step on the returned cache, a ragged decode
      (row 1 has only 5 valid cache slots; its slots 5 and 6 hold garbage) and a 3-token chunk after
      4 cached tokens, and a decode on a cache longer than n_positions (garbage past the valid
      slots); compares logits and present_key/value with the float64 reference below
      (full causal forward over each row's whole sequence). PASS when every |diff| <= 1e-4.
"""
import json
import math
import os
import subprocess
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bert_make import write_safetensors  # noqa: E402
from bert_reference import layer_norm, read_safetensors  # noqa: E402


def tiny(argv):
    d = argv[0]
    prefix = argv[argv.index("--prefix") + 1] if "--prefix" in argv else ""
    drop = argv[argv.index("--drop") + 1] if "--drop" in argv else None
    h, layers, vocab, pos = 32, 2, 50, 32
    cfg = {"model_type": "gpt2", "n_embd": h, "n_layer": layers, "n_head": 4, "vocab_size": vocab,
           "n_positions": pos, "activation_function": "gelu_new", "layer_norm_epsilon": 1e-5,
           "bos_token_id": 0, "eos_token_id": 0}
    rng = np.random.default_rng(11)
    t = {"wte.weight": rng.normal(0, 0.5, (vocab, h)), "wpe.weight": rng.normal(0, 0.2, (pos, h)),
         "ln_f.weight": rng.normal(1, 0.1, h), "ln_f.bias": rng.normal(0, 0.1, h)}
    for i in range(layers):
        p = "h.%d." % i
        for ln in ("ln_1", "ln_2"):
            t[p + ln + ".weight"] = rng.normal(1, 0.1, h)
            t[p + ln + ".bias"] = rng.normal(0, 0.1, h)
        t[p + "attn.c_attn.weight"] = rng.normal(0, h ** -0.5, (h, 3 * h))
        t[p + "attn.c_attn.bias"] = rng.normal(0, 0.1, 3 * h)
        t[p + "attn.c_proj.weight"] = rng.normal(0, h ** -0.5, (h, h))
        t[p + "attn.c_proj.bias"] = rng.normal(0, 0.1, h)
        t[p + "mlp.c_fc.weight"] = rng.normal(0, h ** -0.5, (h, 4 * h))
        t[p + "mlp.c_fc.bias"] = rng.normal(0, 0.1, 4 * h)
        t[p + "mlp.c_proj.weight"] = rng.normal(0, (4 * h) ** -0.5, (4 * h, h))
        t[p + "mlp.c_proj.bias"] = rng.normal(0, 0.1, h)
    t = {prefix + k: v for k, v in t.items() if k != drop}
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "config.json"), "w") as fp:
        json.dump(cfg, fp, indent=1)
    write_safetensors(os.path.join(d, "model.safetensors"), t)
    return 0


def gelu_tanh(x):
    return 0.5 * x * (1.0 + np.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x ** 3)))


def forward(cfg, w, ids):
    """Full causal forward of one row: (logits [S, V], K [L, S, nH, D], V [L, S, nH, D])."""
    h, nh = cfg["n_embd"], cfg["n_head"]
    d, eps, s = h // nh, cfg["layer_norm_epsilon"], len(ids)
    x = w["wte.weight"][ids] + w["wpe.weight"][np.arange(s)]
    causal = np.triu(np.full((s, s), -np.inf), 1)
    ks, vs = [], []
    for i in range(cfg["n_layer"]):
        p = "h.%d." % i
        a = layer_norm(x, w[p + "ln_1.weight"], w[p + "ln_1.bias"], eps)
        qkv = a @ w[p + "attn.c_attn.weight"] + w[p + "attn.c_attn.bias"]
        q, k, v = (qkv[:, j * h:(j + 1) * h].reshape(s, nh, d) for j in range(3))
        ks.append(k)
        vs.append(v)
        sc = np.einsum("qhd,khd->hqk", q, k) / math.sqrt(d) + causal
        sc = np.exp(sc - sc.max(-1, keepdims=True))
        sc /= sc.sum(-1, keepdims=True)
        ctx = np.einsum("hqk,khd->qhd", sc, v).reshape(s, h)
        x = x + ctx @ w[p + "attn.c_proj.weight"] + w[p + "attn.c_proj.bias"]
        m = layer_norm(x, w[p + "ln_2.weight"], w[p + "ln_2.bias"], eps)
        x = x + gelu_tanh(m @ w[p + "mlp.c_fc.weight"] + w[p + "mlp.c_fc.bias"]) \
            @ w[p + "mlp.c_proj.weight"] + w[p + "mlp.c_proj.bias"]
    x = layer_norm(x, w["ln_f.weight"], w["ln_f.bias"], eps)
    head = w.get("lm_head.weight", w["wte.weight"])
    return x @ head.T, np.stack(ks), np.stack(vs)


def compare(argv):
    d, so, qcc_run, work = argv[:4]
    with open(os.path.join(d, "config.json")) as fp:
        cfg = json.load(fp)
    w = read_safetensors(os.path.join(d, "model.safetensors"))
    w = {k[12:] if k.startswith("transformer.") else k: v for k, v in w.items()}
    L, nh = cfg["n_layer"], cfg["n_head"]
    D = cfg["n_embd"] // nh
    rng = np.random.default_rng(5)
    seqs = rng.integers(0, cfg["vocab_size"], (2, 9))
    os.makedirs(work, exist_ok=True)
    step = [0]

    def run(ids, positions, past_k, past_v):
        step[0] += 1
        cmd = [qcc_run, so, "--output-dir", os.path.join(work, "o%d" % step[0])]
        for name, value in (("input_ids", ids), ("positions", positions),
                            ("past_key", past_k), ("past_value", past_v)):
            path = os.path.join(work, "s%d.%s.npy" % (step[0], name))
            np.save(path, value)
            cmd += ["--input", "%s=%s" % (name, path)]
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        return [np.load(os.path.join(work, "o%d" % step[0], n + ".npy"))
                for n in ("logits", "present_key", "present_value")]

    worst, ok = 0.0, True

    def check(what, got, ref):
        nonlocal worst, ok
        diff = float(np.abs(got - ref).max())
        worst = max(worst, diff)
        good = got.shape == ref.shape and diff <= 1e-4
        ok = ok and good
        print("%s: shape %s max |diff| %.3g %s" % (what, list(got.shape), diff,
                                                   "ok" if good else "FAIL"))

    refs = [forward(cfg, w, row) for row in seqs]
    # 1. Prefill 7 tokens per row, empty cache (one ignored slot).
    empty = np.full((1, L, 2, nh, D), 1e3, np.float32)
    pos = np.tile(np.arange(7), (2, 1)).astype(np.int64)
    logits, pk, pv = run(seqs[:, :7].astype(np.int64), pos, empty, empty)
    check("prefill logits", logits, np.stack([r[0][:7] for r in refs]))
    check("prefill present_key", pk, np.stack([r[1][:, :7] for r in refs]).transpose(2, 1, 0, 3, 4))
    check("prefill present_value", pv, np.stack([r[2][:, :7] for r in refs]).transpose(2, 1, 0, 3, 4))
    # 2. Decode token 8 of each row on the 7-slot cache.
    logits2, _, _ = run(seqs[:, 7:8].astype(np.int64), np.full((2, 1), 7, np.int64), pk, pv)
    check("decode logits", logits2, np.stack([r[0][7:8] for r in refs]))
    # 3. Ragged: row 1 keeps only 5 cached tokens (slots 5, 6 garbage) and decodes its token 6.
    gk, gv = pk.copy(), pv.copy()
    gk[5:, :, 1] = 50.0
    gv[5:, :, 1] = -50.0
    logits3, _, _ = run(np.array([[seqs[0, 7]], [seqs[1, 5]]], np.int64),
                        np.array([[7], [5]], np.int64), gk, gv)
    check("ragged decode logits", logits3,
          np.stack([refs[0][0][7:8], forward(cfg, w, seqs[1, :6])[0][5:6]]))
    # 4. A 3-token chunk after 4 cached tokens (positions 4, 5, 6).
    logits4, pk4, _ = run(seqs[:, 4:7].astype(np.int64),
                          np.tile(np.arange(4, 7), (2, 1)).astype(np.int64), pk[:4], pv[:4])
    check("chunk logits", logits4, np.stack([r[0][4:7] for r in refs]))
    check("chunk present_key", pk4, np.stack([r[1][:, 4:7] for r in refs]).transpose(2, 1, 0, 3, 4))
    # 5. A cache longer than n_positions (slots 7.. garbage): same logits as the decode step.
    long_k = np.full((cfg["n_positions"] + 2,) + pk.shape[1:], 30.0, np.float32)
    long_v = np.full_like(long_k, -30.0)
    long_k[:7], long_v[:7] = pk, pv
    logits5, _, _ = run(seqs[:, 7:8].astype(np.int64), np.full((2, 1), 7, np.int64), long_k, long_v)
    check("long-cache decode logits", logits5, np.stack([r[0][7:8] for r in refs]))
    print("max |diff| %.3g" % worst)
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit({"tiny": tiny, "compare": compare}[sys.argv[1]](sys.argv[2:]))
