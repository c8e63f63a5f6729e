# AWQ of qcc-quant-check against the numpy AWQ of test/Quant/Inputs/quant_ref.py: the chosen alpha,
# the scales s, the codes and scales of RTN(W diag(s)) must be identical (s comes from pow() in
# f64 rounded to f32 on both sides), the 20 grid errors tr(D X^T X D^T) equal to 1e-9 relative
# (f64 summation order differs). AWQ's error is at most RTN's (alpha = 0 is RTN) and clearly below
# it on inputs with outlier channels.
# RUN: rm -rf %t && mkdir -p %t && %python %s %t
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "Inputs"))
from quant_ref import awq, check, make_layer, run_tool  # noqa: E402

out = sys.argv[1]
cases = 0
for (n, k, m) in [(16, 64, 256), (64, 256, 1024)]:
    w, x = make_layer(n, k, m, seed=5 * k + 2, dead=[3])
    x64 = x.astype(np.float64)
    xtx = x64.T @ x64
    mean_abs = np.abs(x64).mean(axis=0).astype(np.float32)
    for f, a in [("w", w), ("xtx", xtx), ("mean_abs", mean_abs)]:
        np.save(os.path.join(out, f + ".npy"), a)
    for name in ["int4_g32_asym", "int3_pc_asym", "int4_pc_sym", "nf4_g32", "int8_g32_sym", "int4_g48_asym"]:
        d = os.path.join(out, "%s_%d" % (name, n))
        os.makedirs(d)
        got = run_tool("awq", "--scheme", name, "--w", os.path.join(out, "w.npy"), "--h",
                       os.path.join(out, "xtx.npy"), "--mean-abs", os.path.join(out, "mean_abs.npy"),
                       "--out", d)
        alpha, s, (q, qs, qm, dq), errors = awq(w, xtx, mean_abs, name)
        what = "%s [%d,%d]" % (name, n, k)
        r = got["result"]
        check(r["alpha"] == alpha, "%s: alpha %r vs numpy %r" % (what, r["alpha"], alpha))
        check(np.array_equal(got["awq_scales"], s), what + ": AWQ scales differ")
        check(np.array_equal(got["codes"], q), "%s: codes differ at %d places" % (what, int(np.sum(got["codes"] != q))))
        check(np.array_equal(got["scales"], qs), what + ": group scales differ")
        check(len(r["errors"]) == 20, what + ": expected 20 grid points")
        for i, (a_, b_) in enumerate(zip(r["errors"], errors)):
            check(abs(a_ - b_) <= 1e-9 * b_, "%s: grid error %d: %r vs numpy %r" % (what, i, a_, b_))
        check(r["error"] <= r["rtn_error"], what + ": AWQ worse than RTN")
        if not name.startswith("int8"):
            check(r["error"] < 0.95 * r["rtn_error"], "%s: AWQ error %r not clearly below RTN %r" %
                  (what, r["error"], r["rtn_error"]))
        cases += 1
print("awq: %d cases identical to numpy" % cases)
