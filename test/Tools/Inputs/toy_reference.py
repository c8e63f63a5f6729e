"""Independent numpy reference of the toy causal LM (toy_lm.cpp) for the tool tests.

  toy_reference.py ppl TOKENIZER.json CTX STRIDE [--max-windows N] FILE...
      prints {"mean_nll", "perplexity", "scored_tokens", "windows", ...} as JSON, computed with
      HF `tokenizers` and numpy: files joined with "\\n\\n", HF's sliding-window stride recipe.
  toy_reference.py greedy TOKENIZER.json MAX_TOKENS PROMPT...
      prints "ids I: ..." with the greedy token ids the toy model generates from each PROMPT
      (stops at EOS 256), like qcc-run --print-ids.
  toy_reference.py decode OUT IDS_FILE
      reads the "ids 0: ..." line of IDS_FILE and writes the bytes of the ids (the toy tokenizer maps id b < 256 to byte b; special ids
      are skipped) and a newline to OUT.
  toy_reference.py kl TOKENIZER.json CTX STRIDE SCALE_REF SCALE_THIS K FILE...
      prints mean KL(ref || this) on the reference's top-K + rest buckets and the top-1 agreement
      between the toy with logit scale SCALE_REF and the one with SCALE_THIS.
  toy_reference.py check-kl JSON_FILE TOKENIZER.json CTX STRIDE SCALE_REF SCALE_THIS K FILE...
      compares the "compare" object of qcc-perplexity --json with `kl` (KL: relative tolerance
      1e-4, as the file stores float32 log-probabilities; agreement: exact); PASS or FAIL lines.
  toy_reference.py check-ppl JSON_FILE TOKENIZER.json CTX STRIDE [--max-windows N] FILE...
      compares qcc-perplexity --json output with the reference (relative tolerance 1e-5 on the
      mean NLL, exact counts) and prints PASS or FAIL lines.
"""
import json
import os
import sys

import numpy as np
from tokenizers import Tokenizer

V = int(os.environ.get("TOY_VOCAB", "259"))  # the toy's -DTOY_VOCAB
EOS = 256


def toy_logits(context_ids, position, scale=3.0):
    """Logits of the toy model for the last token of `context_ids` (all tokens of the sequence
    so far, in the window) at absolute position `position`."""
    h = int(np.sum(np.asarray(context_ids, dtype=np.int64)))
    t = context_ids[-1]
    v = np.arange(V, dtype=np.float64)
    return (scale * np.sin(0.37 * v + 0.11 * (h % 97) + 0.05 * t) + np.cos(0.7 * v + 0.5 * position)
            ).astype(np.float32)


def windows(n, ctx, stride, max_windows):
    """HF's stride recipe (perplexity docs): begin = 0, stride, ...; score tokens after prev_end."""
    out, prev_end = [], 0
    for begin in range(0, n, stride):
        end = min(begin + ctx, n)
        out.append((begin, end, max(prev_end, begin + 1)))
        prev_end = end
        if end == n or (max_windows and len(out) >= max_windows):
            break
    return out


def perplexity(tok_path, ctx, stride, max_windows, files):
    text = "\n\n".join(open(f, encoding="utf-8", errors="surrogateescape").read() for f in files)
    ids = Tokenizer.from_file(tok_path).encode(text).ids
    nll = []
    wins = windows(len(ids), ctx, stride, max_windows)
    for begin, end, first in wins:
        for t in range(first, end):
            logits = toy_logits(ids[begin:t], t - 1 - begin).astype(np.float64)
            m = logits.max()
            lse = m + np.log(np.exp(logits - m).sum())
            nll.append(lse - logits[ids[t]])
    nll = np.array(nll)
    return {"tokens": len(ids), "windows": len(wins), "scored_tokens": len(nll),
            "mean_nll": float(nll.mean()), "perplexity": float(np.exp(nll.mean())),
            "mean_nll_stderr": float(nll.std(ddof=1) / np.sqrt(len(nll)))}


def greedy(tok_path, max_tokens, prompt):
    ids = Tokenizer.from_file(tok_path).encode(prompt).ids
    out = []
    for _ in range(max_tokens):
        nxt = int(np.argmax(toy_logits(ids, len(ids) - 1)))
        out.append(nxt)
        ids.append(nxt)
        if nxt == EOS:
            break
    return out


def log_softmax(logits):
    x = logits.astype(np.float64)
    m = x.max()
    return x - (m + np.log(np.exp(x - m).sum()))


def kl(tok_path, ctx, stride, scale_ref, scale_this, k, files):
    text = "\n\n".join(open(f, encoding="utf-8").read() for f in files)
    ids = Tokenizer.from_file(tok_path).encode(text).ids
    kls, agree = [], 0
    for begin, end, first in windows(len(ids), ctx, stride, 0):
        for t in range(first, end):
            lp = log_softmax(toy_logits(ids[begin:t], t - 1 - begin, scale_ref))
            lq = log_softmax(toy_logits(ids[begin:t], t - 1 - begin, scale_this))
            top = np.argsort(-lp, kind="stable")[:k]
            p, q = np.exp(lp[top]), np.exp(lq[top])
            p_rest, q_rest = 1 - p.sum(), 1 - q.sum()
            kls.append(float((p * (lp[top] - lq[top])).sum() + p_rest * np.log(p_rest / q_rest)))
            agree += int(np.argmax(lq) == top[0])
    return float(np.mean(kls)), agree / len(kls)


def parse_ppl_args(args):
    tok, ctx, stride = args[0], int(args[1]), int(args[2])
    rest, max_windows = args[3:], 0
    if rest and rest[0] == "--max-windows":
        max_windows, rest = int(rest[1]), rest[2:]
    return tok, ctx, stride, max_windows, rest


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "ppl":
        print(json.dumps(perplexity(*parse_ppl_args(args))))
    elif cmd == "greedy":
        for i, prompt in enumerate(args[2:]):
            print("ids %d: %s" % (i, " ".join(map(str, greedy(args[0], int(args[1]), prompt)))))
    elif cmd == "decode":
        ids = open(args[1]).read().split("\n")[0].split(":")[1].split()
        data = bytes(int(i) for i in ids if int(i) < 256) + b"\n"
        open(args[0], "wb").write(data)
    elif cmd == "kl":
        mean_kl, agreement = kl(args[0], int(args[1]), int(args[2]), float(args[3]),
                                float(args[4]), int(args[5]), args[6:])
        print("reference mean KL %.6g top-1 agreement %.4f" % (mean_kl, agreement))
    elif cmd == "check-kl":
        got = json.load(open(args[0]))["compare"]
        mean_kl, agreement = kl(args[1], int(args[2]), int(args[3]), float(args[4]),
                                float(args[5]), int(args[6]), args[7:])
        ok = abs(got["mean_kl"] - mean_kl) <= 1e-4 * mean_kl
        print("%s mean_kl: qcc %.8g, reference %.8g" % ("PASS" if ok else "FAIL", got["mean_kl"],
                                                       mean_kl))
        ok = abs(got["top1_agreement"] - agreement) < 1e-8
        print("%s top1_agreement: qcc %.6f, reference %.6f" % ("PASS" if ok else "FAIL",
                                                              got["top1_agreement"], agreement))
    elif cmd == "check-ppl":
        got = json.load(open(args[0]))
        ref = perplexity(*parse_ppl_args(args[1:]))
        for key in ("tokens", "windows", "scored_tokens"):
            print("%s %s: qcc %d, reference %d" % ("PASS" if got[key] == ref[key] else "FAIL", key,
                                                    got[key], ref[key]))
        for key in ("mean_nll", "perplexity", "mean_nll_stderr"):
            ok = abs(got[key] - ref[key]) <= 1e-5 * abs(ref[key])
            print("%s %s: qcc %.8f, reference %.8f" % ("PASS" if ok else "FAIL", key, got[key],
                                                       ref[key]))


if __name__ == "__main__":
    main()
