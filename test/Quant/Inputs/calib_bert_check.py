"""Checks a `qcc --calib` statistics file of a BERT encoder against numpy.

    calib_bert_check.py MODEL_DIR STATS TEXT TOKENS SAMPLES SEQLEN [--layers a,b] [--rtol R]

Independently of qcc: the calibration text is split into sentences here (the rule documented in
lib/Driver/CalibrateEncoder.h), every k-th of them selected (k = count // SAMPLES), tokenized by
HF `tokenizers` from the model's tokenizer.json (truncated to SEQLEN tokens); the ids must equal
the ones qcc wrote with --calib-tokens. Each sentence then runs alone (no padding) through a
float64 numpy BERT (test/LLM/Inputs/bert_reference.py's helpers) that captures the input of every
linear layer, and the saved rows, absmax, mean|x|, p99.9, X^T X and sample rows are compared
with statistics computed here: rtol (default 1e-3) of the channel's absmax, X^T X relative to
sqrt(diag_i diag_j). Prints PASS <layer> per checked layer, FAIL lines otherwise.
"""
import argparse
import json
import math
import os
import re
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "LLM",
                                "Inputs"))
import bert_reference as br  # noqa: E402


def sentences_of(text):
    out = []
    for para in re.split(r"\n[ \t\r\f\v]*\n", text):
        words = [w for w in re.split(r"[ \t\n\r\f\v]+", para) if w]
        for s in re.split(r"(?<=[.!?]) ", " ".join(words)):
            if any((c.isascii() and c.isalnum()) or ord(c) >= 0x80 for c in s):
                out.append(s)
    return out


def layer_inputs(ckpt, ids):
    """{layer name: [S, K] input rows} of one unpadded sentence (batch 1)."""
    c, w = ckpt.config, ckpt.w
    eps = c.get("layer_norm_eps", 1e-12)
    nh, H = c["num_attention_heads"], c["hidden_size"]
    D, S = H // nh, len(ids)
    caps = {}
    x = (w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][:S]
         + w["embeddings.token_type_embeddings.weight"][np.zeros(S, np.int64)])
    x = br.layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"], eps)

    def lin(x, name):
        caps["encoder.layer.%s.weight" % name] = x
        return x @ w["encoder.layer.%s.weight" % name].T + w["encoder.layer.%s.bias" % name]
    for i in range(c["num_hidden_layers"]):
        p = "%d." % i
        q, k, v = (lin(x, p + "attention.self." + n).reshape(S, nh, D).transpose(1, 0, 2)
                   for n in ("query", "key", "value"))
        sc = q @ k.transpose(0, 2, 1) / math.sqrt(D)
        e = np.exp(sc - sc.max(-1, keepdims=True))
        ctx = ((e / e.sum(-1, keepdims=True)) @ v).transpose(1, 0, 2).reshape(S, H)
        x = br.layer_norm(lin(ctx, p + "attention.output.dense") + x,
                          w["encoder.layer." + p + "attention.output.LayerNorm.weight"],
                          w["encoder.layer." + p + "attention.output.LayerNorm.bias"], eps)
        up = br.gelu(lin(x, p + "intermediate.dense"), c.get("hidden_act", "gelu"))
        x = br.layer_norm(lin(up, p + "output.dense") + x,
                          w["encoder.layer." + p + "output.LayerNorm.weight"],
                          w["encoder.layer." + p + "output.LayerNorm.bias"], eps)
    return caps


def main():
    ap = argparse.ArgumentParser()
    for a in ("model_dir", "stats", "text", "tokens"):
        ap.add_argument(a)
    ap.add_argument("samples", type=int)
    ap.add_argument("seqlen", type=int)
    ap.add_argument("--layers", default="")
    ap.add_argument("--rtol", type=float, default=1e-3)
    a = ap.parse_args()
    from tokenizers import Tokenizer

    with open(a.text, encoding="utf-8") as f:
        sents = sentences_of(f.read())
    n = min(a.samples, len(sents))
    step = max(1, len(sents) // n)
    chosen = [sents[i * step] for i in range(n)]
    tok = Tokenizer.from_file(os.path.join(a.model_dir, "tokenizer.json"))
    tok.no_padding()
    tok.enable_truncation(max_length=a.seqlen)
    ids = [e.ids for e in tok.encode_batch(chosen)]
    got = np.fromfile(a.tokens, np.int32)
    want = np.concatenate([np.array(i, np.int32) for i in ids])
    if got.shape != want.shape or not (got == want).all():
        print("FAIL token ids differ from HF tokenizers (%d vs %d ids)" % (got.size, want.size))
        return 1
    print("tokens: %d sentences of %d, %d ids, longest %d: same as HF tokenizers"
          % (n, len(sents), want.size, max(len(i) for i in ids)))

    ckpt = br.load_checkpoint(a.model_dir)
    inputs = {}
    for s in ids:
        for name, x in layer_inputs(ckpt, np.array(s, np.int64)).items():
            inputs.setdefault(name, []).append(x)
    meta = json.load(open(a.stats))
    blob = open(os.path.join(os.path.dirname(os.path.abspath(a.stats)), meta["blob"]["file"]),
                "rb").read()

    def arr(ref):
        dt = {"f64": np.float64, "f32": np.float32}[ref["dtype"]]
        return np.frombuffer(blob, dt, ref["count"], ref["offset"])
    cal = meta["calibration"]
    if cal["samples"] != n or cal["seq_len"] != max(len(i) for i in ids):
        print("FAIL calibration header %s" % cal)
        return 1
    if sorted(meta["layers"]) != sorted(inputs):
        print("FAIL layers %s, expected %s" % (sorted(meta["layers"]), sorted(inputs)))
        return 1
    ok = True
    for name in [x for x in a.layers.split(",") if x] or sorted(inputs):
        L = meta["layers"][name]
        X = np.concatenate(inputs[name])
        R, K = X.shape
        scale = np.maximum(np.abs(X).max(axis=0), 1e-30)
        if L["rows"] != R or L["in_features"] != K:
            print("FAIL %s rows/in_features %d/%d, expected %d/%d" % (name, L["rows"],
                                                                  L["in_features"], R, K))
            ok = False
            continue
        errs = {"absmax": np.max(np.abs(np.array(L["absmax"]) - np.abs(X).max(0)) / scale),
                "mean_abs": np.max(np.abs(np.array(L["mean_abs"]) - np.abs(X).mean(0)) / scale)}
        rank = -(-999 * R // 1000)  # ceil(0.999 R), 1-based ascending
        errs["p999"] = np.max(np.abs(np.array(L["p999"]) - np.sort(np.abs(X), 0)[rank - 1]) / scale)
        xtx = X.T @ X
        d = np.sqrt(np.outer(np.diag(xtx), np.diag(xtx))) + 1e-30
        errs["xtx"] = np.max(np.abs(arr(L["xtx"]).reshape(K, K) - xtx) / d)
        s = L["samples"]
        rows = arr(s).reshape(s["rows"], K).astype(np.float64)
        if s["rows"] != min(R, 16):
            print("FAIL %s sample rows %d" % (name, s["rows"]))
            ok = False
        errs["samples"] = max(np.min(np.max(np.abs(X - r) / scale, axis=1)) for r in rows)
        bad = {k: v for k, v in errs.items() if not v <= a.rtol}
        if bad:
            print("FAIL %s %s" % (name, " ".join("%s=%.3g" % kv for kv in bad.items())))
            ok = False
        else:
            print("PASS %s rows=%d K=%d %s" % (name, R, K,
                                               " ".join("%s=%.2g" % kv for kv in errs.items())))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
