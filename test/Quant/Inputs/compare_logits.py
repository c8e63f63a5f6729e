"""Runs the same real tokens through two causal-LM model.so files and compares their logits:
max|a - b| / max|a| < TOL (the equivalence of a folded model with its float original).
Usage: compare_logits.py MODULE.mlir TOKENS.bin N TOL WORKDIR A.so B.so
MODULE.mlir (either build's -emit=mlir) gives the cache shape [P, layers, B, kv_heads, head_dim];
TOKENS.bin: int32 token ids (qcc --calib-tokens); the first N are fed as one sequence."""
import os
import re
import subprocess
import sys

import numpy as np

mlir, tokens, n, tol, work, a_so, b_so = sys.argv[1:8]
n, tol = int(n), float(tol)
m = re.search(r"tensor<\?x(\d+)x\?x(\d+)x(\d+)xf32>", open(mlir).read())
layers, kv, hd = (int(g) for g in m.groups())
ids = np.fromfile(tokens, dtype=np.int32)[:n].astype(np.int64)[None, :]
pos = np.arange(n, dtype=np.int64)[None, :]
pk = np.zeros((1, layers, 1, kv, hd), np.float32)
os.makedirs(work, exist_ok=True)
logits = []
for so in (a_so, b_so):
    args = ["qcc-run", so, "--output-dir", work]
    for name, v in (("input_ids", ids), ("positions", pos), ("past_key", pk), ("past_value", pk)):
        np.save(os.path.join(work, name + ".in.npy"), v)
        args += ["--input", "%s=%s" % (name, os.path.join(work, name + ".in.npy"))]
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL)
    logits.append(np.load(os.path.join(work, "logits.npy")).astype(np.float64))
a, b = logits
err = float(np.abs(a - b).max() / np.abs(a).max())
same_top = float((a.argmax(-1) == b.argmax(-1)).mean())
ok = a.shape == b.shape and err < tol
print("%s: logits %s max|a-b|/max|a| = %.2e (tol %g), same argmax %.3f" % ("PASS" if ok else "FAIL", a.shape, err,
                                                                          tol, same_top))
sys.exit(0 if ok else 1)
