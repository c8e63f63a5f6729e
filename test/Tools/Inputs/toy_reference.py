"""Independent numpy reference of the toy causal LM (toy_lm.cpp) for the tool tests.

  toy_reference.py ppl TOKENIZER.json CTX STRIDE [--max-windows N] FILE...
      prints {"mean_nll", "perplexity", "scored_tokens", "windows", ...} as JSON, computed with
      HF `tokenizers` and numpy: files joined with "\\n\\n", HF's sliding-window stride recipe.
  toy_reference.py greedy TOKENIZER.json MAX_TOKENS PROMPT
      prints the greedy token ids the toy model generates from PROMPT (stops at EOS 256).
  toy_reference.py check-ppl JSON_FILE TOKENIZER.json CTX STRIDE [--max-windows N] FILE...
      compares qcc-perplexity --json output with the reference (relative tolerance 1e-5 on the
      mean NLL, exact counts) and prints PASS or FAIL lines.
"""
import json
import sys

import numpy as np
from tokenizers import Tokenizer

V = 259
EOS = 256


def toy_logits(context_ids, position):
    """Logits of the toy model for the last token of `context_ids` (all tokens of the sequence
    so far, in the window) at absolute position `position`."""
    h = int(np.sum(np.asarray(context_ids, dtype=np.int64)))
    t = context_ids[-1]
    v = np.arange(V, dtype=np.float64)
    return (3.0 * np.sin(0.37 * v + 0.11 * (h % 97) + 0.05 * t) + np.cos(0.7 * v + 0.5 * position)
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
        print(" ".join(map(str, greedy(args[0], int(args[1]), args[2]))))
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
