"""Checks a causal-LM model.so compiled by qcc (Contract 5) against test/LLM/llama_reference.py.

Usage: check_causal_lm.py MODEL.so MODEL.gguf WORKDIR [--greedy N] [--compare-so OTHER.so] [--hf] [--tol T]
  (a) logits of several real prompts: max|qcc - ref| / max|ref| < 1e-3 and identical argmax at every position;
  (b) prefill of n tokens, then one decode step fed present_key/value as past: equals the prefill of n + 1
      (rel. 1e-4) and the reference;
  (c) --greedy N: greedy continuation of N tokens by repeated qcc-run calls with the growing KV cache agrees
      token for token with the reference's;
  --compare-so: another model.so of the same model (e.g. from safetensors) gives the same logits (rel. 1e-4);
  --hf: MODEL.so was built from an HF checkpoint converted from the GGUF: its cached K vectors are in HF
        head-dimension order (halves), converted to/from the reference's GGUF order (adjacent pairs);
  --tol: the relative logits tolerance of (a) and (b) (default 1e-3).
Prints one PASS/FAIL line per check; exits 1 on any failure."""
import os
import subprocess
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from llama_reference import LlamaReference  # noqa: E402

PROMPTS = [
    "The capital of France is",
    "<|im_start|>user\nWhat is the boiling point of water?<|im_end|>\n<|im_start|>assistant\n",
    "Once upon a time, there was a little robot who wanted to learn how to paint.",
]
REL_TOL = 1e-3
failures = 0


def report(ok, msg):
    global failures
    print(("PASS " if ok else "FAIL ") + msg)
    sys.stdout.flush()
    failures += 0 if ok else 1


def run_qcc(so, work, ids, pos, pk, pv):
    os.makedirs(work, exist_ok=True)
    args = ["qcc-run", so, "--threads", "2", "--output-dir", work]
    for name, a in (("input_ids", ids), ("positions", pos), ("past_key", pk), ("past_value", pv)):
        f = os.path.join(work, name + ".in.npy")
        np.save(f, a)
        args += ["--input", "%s=%s" % (name, f)]
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL)
    return tuple(np.load(os.path.join(work, n + ".npy")) for n in ("logits", "present_key", "present_value"))


def gguf_to_hf(k):
    """K head vectors in GGUF order (element 2i+t) to HF order (element t*D/2+i)."""
    D = k.shape[-1]
    return np.ascontiguousarray(k.reshape(k.shape[:-1] + (D // 2, 2)).swapaxes(-1, -2).reshape(k.shape))


def hf_to_gguf(k):
    D = k.shape[-1]
    return np.ascontiguousarray(k.reshape(k.shape[:-1] + (2, D // 2)).swapaxes(-1, -2).reshape(k.shape))


def rel_err(a, b):
    return float(np.abs(a - b).max() / np.abs(b).max())


def main():
    global REL_TOL
    so, gguf_path, work = sys.argv[1:4]
    opts = sys.argv[4:]
    hf = "--hf" in opts
    if "--tol" in opts:
        REL_TOL = float(opts[opts.index("--tol") + 1])
    greedy = int(opts[opts.index("--greedy") + 1]) if "--greedy" in opts else 0
    other = opts[opts.index("--compare-so") + 1] if "--compare-so" in opts else None
    ref = LlamaReference(gguf_path)
    tok = ref.tokenizer()
    pk0, pv0 = ref.empty_cache()

    # (a) real prompts.
    prompt_ids = []
    for i, text in enumerate(PROMPTS):
        ids = np.array([tok.encode(text).ids], np.int64)
        prompt_ids.append(ids)
        pos = np.arange(ids.shape[1], dtype=np.int64)[None, :]
        got, gk, gv = run_qcc(so, os.path.join(work, "a%d" % i), ids, pos, pk0, pv0)
        want, wk, wv = ref.forward(ids, pos, pk0, pv0)
        if hf:
            wk = gguf_to_hf(wk)
        e, ek = rel_err(got, want), rel_err(gk, wk)
        same = bool((got.argmax(-1) == want.argmax(-1)).all())
        report(got.shape == want.shape and e < REL_TOL and ek < REL_TOL and same,
               "(a) prompt %d (%d tokens): logits rel err %.2e, present_key rel err %.2e, argmax %s"
               % (i, ids.shape[1], e, ek, "identical" if same else "DIFFERS"))
        if other:
            o, _, _ = run_qcc(other, os.path.join(work, "o%d" % i), ids, pos, pk0, pv0)
            eo = rel_err(o, got)
            report(eo < 1e-4, "(compare-so) prompt %d: logits rel diff between the two model.so %.2e" % (i, eo))

    # (b) prefill n, then decode 1 with the returned cache == prefill n + 1.
    ids = prompt_ids[2]
    n = ids.shape[1] - 1
    pos = np.arange(n + 1, dtype=np.int64)[None, :]
    full, _, _ = run_qcc(so, os.path.join(work, "b_full"), ids, pos, pk0, pv0)
    _, k1, v1 = run_qcc(so, os.path.join(work, "b_pre"), ids[:, :n], pos[:, :n], pk0, pv0)
    # Give the cache one spare (masked) slot to check that slots >= positions[b, 0] are ignored.
    junk = np.full((1,) + k1.shape[1:], 7.0, np.float32)
    pk, pv = np.concatenate([k1, junk]), np.concatenate([v1, junk])
    step, _, _ = run_qcc(so, os.path.join(work, "b_step"), ids[:, n:], pos[:, n:], pk, pv)
    want, _, _ = ref.forward(ids[:, n:], pos[:, n:], hf_to_gguf(pk) if hf else pk, pv)
    e1, e2 = rel_err(step[0, 0], full[0, n]), rel_err(step, want)
    report(e1 < max(1e-4, REL_TOL) and e2 < REL_TOL,
           "(b) decode step after %d-token prefill vs prefill of %d: rel diff %.2e; vs reference %.2e"
           % (n, n + 1, e1, e2))

    # (c) greedy continuation.
    if greedy:
        ids = prompt_ids[1]
        seqs = []
        for impl in ("qcc", "ref"):
            cur, start = ids, 0
            pk, pv = pk0, pv0
            out = []
            for step in range(greedy):
                pos = np.arange(start, start + cur.shape[1], dtype=np.int64)[None, :]
                if impl == "qcc":
                    lg, k, v = run_qcc(so, os.path.join(work, "c"), cur, pos, pk, pv)
                    print("  step %d: qcc token %d" % (step, int(lg[0, -1].argmax())))
                    sys.stdout.flush()
                else:
                    lg, k, v = ref.forward(cur, pos, pk, pv)
                pk = k if start == 0 else np.concatenate([pk, k])
                pv = v if start == 0 else np.concatenate([pv, v])
                start += cur.shape[1]
                nxt = int(lg[0, -1].argmax())
                out.append(nxt)
                cur = np.array([[nxt]], np.int64)
            seqs.append(out)
        same = seqs[0] == seqs[1]
        report(same, "(c) greedy %d tokens: %s; qcc text: %r" % (greedy, "identical" if same else
               "DIFFER qcc %s ref %s" % (seqs[0], seqs[1]), tok.decode(seqs[0])))
    sys.exit(1 if failures else 0)


main()
