"""Perplexity of a Llama-family GGUF model by the numpy reference (test/LLM/llama_reference.py).

Independent of qcc: HF `tokenizers` built from the GGUF vocabulary, numpy forward pass. Uses the same
definition as tools/qcc-perplexity (docs/Runtime.md): files joined with "\n\n", HF stride windows, each window
from an empty cache, token-weighted mean NLL, standard error s/sqrt(M).

    python3 benchmarks/llm/reference_perplexity.py model.gguf a.txt b.txt --ctx 512 --stride 256 [--max-windows N]
"""
import argparse
import json
import math
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "test", "LLM"))
from llama_reference import LlamaReference  # noqa: E402


def log_softmax(x):
    m = x.max(axis=-1, keepdims=True)
    return x - m - np.log(np.exp(x - m).sum(axis=-1, keepdims=True))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("texts", nargs="+")
    ap.add_argument("--ctx", type=int, default=512)
    ap.add_argument("--stride", type=int, default=256)
    ap.add_argument("--max-windows", type=int, default=0)
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()

    ref = LlamaReference(a.model)
    text = "\n\n".join(open(p, encoding="utf-8").read() for p in a.texts)
    ids = np.array(ref.tokenizer().encode(text).ids, np.int64)
    n = len(ids)
    nll, windows, evaluated, prev_end, begin = [], 0, 0, 0, 0
    t0 = time.time()
    while True:
        end = min(begin + a.ctx, n)
        window = ids[begin:end][None, :]
        pos = np.arange(end - begin, dtype=np.int64)[None, :]
        pk, pv = ref.empty_cache(1)
        logits, _, _ = ref.forward(window, pos, pk, pv)
        lp = log_softmax(logits[0].astype(np.float64))
        for t in range(max(prev_end, begin + 1), end):
            nll.append(-lp[t - 1 - begin, ids[t]])
        evaluated += end - begin
        windows += 1
        prev_end = end
        if end == n or (a.max_windows and windows >= a.max_windows):
            break
        begin += a.stride
    secs = time.time() - t0
    nll = np.array(nll)
    mean = float(nll.mean())
    se = float(nll.std(ddof=1) / math.sqrt(len(nll)))
    ppl = math.exp(mean)
    out = {"tokens": int(n), "windows": windows, "scored": int(len(nll)), "mean_nll": mean,
           "se_nll": se, "perplexity": ppl, "se_perplexity": ppl * se, "tokens_per_s": evaluated / secs}
    if a.json:
        print(json.dumps(out))
    else:
        print("reference perplexity %.4f +/- %.4f (mean NLL %.5f, %d scored tokens, %d windows, %.1f tok/s)"
              % (ppl, ppl * se, mean, len(nll), windows, evaluated / secs))


if __name__ == "__main__":
    main()
