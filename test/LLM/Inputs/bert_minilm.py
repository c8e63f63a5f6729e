#!/usr/bin/env python3
"""Compares the sentence embeddings of a qcc-compiled BERT encoder with the numpy reference.

usage: bert_minilm.py MODEL_DIR MODEL_SO QCC_RUN SOTU_DIR WORK_DIR [--sentences N] [--batch B]
                      [--min-cosine C] [--min-mean-cosine M]

Takes N real sentences from the SOTU evaluation split (addresses from 2000 on; every k-th sentence
of 4 to 60 words, so lengths vary), tokenizes them with the HF `tokenizers` package from the
model's tokenizer.json (padding to the longest sentence of each batch, attention_mask 0 on the
padding), runs MODEL_SO through qcc-run on .npy inputs batch by batch (the last batch holds a single
sentence, without padding) and compares with test/LLM/Inputs/bert_reference.py (float64 numpy):
cosine of every sentence embedding >= C (default 0.9999; lower for quantized models) and their mean
>= M (default 0), and prints the largest |difference| of
last_hidden_state over the real tokens and of the embeddings. Exit status 1 on any failure.
"""
import argparse
import os
import re
import subprocess
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bert_reference  # noqa: E402


def evaluation_sentences(sotu_dir, count):
    names = sorted(f for f in os.listdir(sotu_dir) if f[:4].isdigit() and int(f[:4]) >= 2000)
    sentences = []
    for name in names:
        with open(os.path.join(sotu_dir, name), encoding="utf-8") as f:
            text = " ".join(f.read().split())
        for s in re.split(r"(?<=[.!?])\s+", text):
            if 4 <= len(s.split()) <= 60:
                sentences.append(s)
    step = max(1, len(sentences) // count)
    return sentences[::step][:count], len(names)


def main():
    ap = argparse.ArgumentParser()
    for a in ("model_dir", "model_so", "qcc_run", "sotu_dir", "work_dir"):
        ap.add_argument(a)
    ap.add_argument("--sentences", type=int, default=32)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--min-cosine", type=float, default=0.9999)
    ap.add_argument("--min-mean-cosine", type=float, default=0.0)
    args = ap.parse_args()
    from tokenizers import Tokenizer

    os.makedirs(args.work_dir, exist_ok=True)
    sentences, docs = evaluation_sentences(args.sotu_dir, args.sentences)
    print("%d sentences from %d evaluation addresses" % (len(sentences), docs))
    tok = Tokenizer.from_file(os.path.join(args.model_dir, "tokenizer.json"))
    tok.no_truncation()
    tok.enable_padding(pad_id=0, pad_token="[PAD]")
    ckpt = bert_reference.load_checkpoint(args.model_dir)

    # Batches of args.batch sentences; the last sentence alone (B = 1, no padding).
    groups = [sentences[i:i + args.batch] for i in range(0, len(sentences) - 1, args.batch)]
    groups[-1] = groups[-1][:-1] if len(groups[-1]) > 1 else groups[-1]
    groups.append(sentences[-1:])
    worst_cos, worst_hidden, worst_emb, ok = 1.0, 0.0, 0.0, True
    all_cos = []
    for g, batch in enumerate(groups):
        enc = tok.encode_batch(batch)
        feeds = {"input_ids": np.array([e.ids for e in enc], dtype=np.int64),
                 "attention_mask": np.array([e.attention_mask for e in enc], dtype=np.int64),
                 "token_type_ids": np.array([e.type_ids for e in enc], dtype=np.int64)}
        cmd = [args.qcc_run, args.model_so, "--threads", "2",
               "--output-dir", os.path.join(args.work_dir, "out%d" % g)]
        for name, value in feeds.items():
            path = os.path.join(args.work_dir, "b%d.%s.npy" % (g, name))
            np.save(path, value)
            cmd += ["--input", "%s=%s" % (name, path)]
        run = subprocess.run(cmd, capture_output=True, text=True)
        if run.returncode != 0:
            print("qcc-run failed on batch %d: %s" % (g, run.stderr.strip()))
            return 1
        out = os.path.join(args.work_dir, "out%d" % g)
        hidden = np.load(os.path.join(out, "last_hidden_state.npy"))
        emb = np.load(os.path.join(out, "sentence_embedding.npy"))
        ref_hidden, ref_emb = bert_reference.forward(ckpt, feeds["input_ids"],
                                                     feeds["attention_mask"],
                                                     feeds["token_type_ids"])
        if hidden.shape != ref_hidden.shape or emb.shape != ref_emb.shape:
            print("batch %d: shapes %s %s, reference %s %s" % (g, hidden.shape, emb.shape,
                                                                ref_hidden.shape, ref_emb.shape))
            return 1
        valid = feeds["attention_mask"].astype(bool)
        worst_hidden = max(worst_hidden, float(np.abs(hidden - ref_hidden)[valid].max()))
        worst_emb = max(worst_emb, float(np.abs(emb - ref_emb).max()))
        cos = (emb * ref_emb).sum(1) / (np.linalg.norm(emb, axis=1) * np.linalg.norm(ref_emb, axis=1))
        for i, c in enumerate(cos):
            if not c >= args.min_cosine:
                print("FAIL batch %d sentence %d: cosine %.6f: %r" % (g, i, c, batch[i]))
                ok = False
        worst_cos = min(worst_cos, float(cos.min()))
        all_cos.extend(cos.tolist())
        print("batch %d: %d sentences x %d tokens, min cosine %.7f" % (g, len(batch),
                                                                      feeds["input_ids"].shape[1],
                                                                      cos.min()))
    print("min cosine %.7f (>= %g required)" % (worst_cos, args.min_cosine))
    mean_cos = float(np.mean(all_cos))
    print("mean cosine %.7f (>= %g required)" % (mean_cos, args.min_mean_cosine))
    if not mean_cos >= args.min_mean_cosine:
        print("FAIL mean cosine")
        ok = False
    print("max |last_hidden_state - reference| over real tokens %.3g" % worst_hidden)
    print("max |sentence_embedding - reference| %.3g" % worst_emb)
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
