"""Runs random tokens through one or more causal-LM model.so files built from the same tiny checkpoint and
compares their logits with test/LLM/llama_reference.py on the GGUF: max|d| / max|ref| < TOL.
Usage: compare_tiny.py MODEL.gguf TOL WORKDIR [--past N] A.so [B.so ...]
--past N feeds N random cached positions (only meaningful for the GGUF build: cached K vectors are in the
checkpoint's own head-dimension order, which differs between GGUF and HF checkpoints); default 0 (one masked
slot)."""
import os
import subprocess
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from llama_reference import LlamaReference  # noqa: E402

gguf_path, tol, work = sys.argv[1], float(sys.argv[2]), sys.argv[3]
sos = sys.argv[4:]
n_past = 0
if sos[0] == "--past":
    n_past, sos = int(sos[1]), sos[2:]
ref = LlamaReference(gguf_path)
rng = np.random.default_rng(0)
B, S = 2, 5
ids = rng.integers(0, ref.vocab, (B, S)).astype(np.int64)
pos = (n_past + np.arange(S, dtype=np.int64))[None, :].repeat(B, 0)
pk = rng.standard_normal((max(n_past, 1), ref.n_layers, B, ref.n_kv, ref.head_dim)).astype(np.float32)
pv = rng.standard_normal(pk.shape).astype(np.float32)
want = ref.forward(ids, pos, pk, pv)[0]
bad = 0
os.makedirs(work, exist_ok=True)
for so in sos:
    args = ["qcc-run", so, "--output-dir", work]
    for name, a in (("input_ids", ids), ("positions", pos), ("past_key", pk), ("past_value", pv)):
        np.save(os.path.join(work, name + ".in.npy"), a)
        args += ["--input", "%s=%s" % (name, os.path.join(work, name + ".in.npy"))]
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL)
    got = np.load(os.path.join(work, "logits.npy"))
    err = float(np.abs(got - want).max() / np.abs(want).max())
    ok = got.shape == want.shape and err < tol
    bad += not ok
    print("%s %s: logits %s rel err %.2e (tol %g)" % ("PASS" if ok else "FAIL", os.path.basename(so), got.shape,
                                                       err, tol))
sys.exit(1 if bad else 0)
