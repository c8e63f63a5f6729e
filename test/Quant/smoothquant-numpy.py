# SmoothQuant of qcc-quant-check against the numpy SmoothQuant of test/Quant/Inputs/quant_ref.py:
# same alpha, identical smoothing factors (pow in f64 rounded to f32), W8A8 output errors equal to
# 1e-9 relative on the 21 grid points (f64 summation order differs). With outlier activation
# channels smoothing must lower the W8A8 error.
# RUN: rm -rf %t && mkdir -p %t && %python %s %t
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "Inputs"))
from quant_ref import check, make_layer, run_tool, smoothquant  # noqa: E402

out = sys.argv[1]
cases = 0
for (n, k, m) in [(16, 64, 256), (64, 256, 512)]:
    w, x = make_layer(n, k, m, seed=7 * k, dead=[9])
    act_max = np.abs(x).max(axis=0).astype(np.float32)
    rows = x[:16].copy()
    for f, a in [("w", w), ("x", rows), ("act_max", act_max)]:
        np.save(os.path.join(out, f + ".npy"), a)
    d = os.path.join(out, "sq_%d" % n)
    os.makedirs(d)
    got = run_tool("smoothquant", "--w", os.path.join(out, "w.npy"), "--x", os.path.join(out, "x.npy"),
                   "--act-max", os.path.join(out, "act_max.npy"), "--out", d)
    alpha, s, errors, plain = smoothquant(w, rows, act_max)
    r = got["result"]
    what = "[%d,%d]" % (n, k)
    check(r["alpha"] == alpha, "%s: alpha %r vs numpy %r" % (what, r["alpha"], alpha))
    check(np.array_equal(got["smooth_scales"], s), what + ": smoothing factors differ")
    for i, (a_, b_) in enumerate(zip(r["errors"], errors)):
        check(abs(a_ - b_) <= 1e-9 * b_, "%s: grid error %d: %r vs numpy %r" % (what, i, a_, b_))
    check(abs(r["unsmoothed_error"] - plain) <= 1e-9 * plain, what + ": unsmoothed error differs")
    check(r["error"] < 0.7 * r["unsmoothed_error"], "%s: smoothing did not help (%r vs %r)" %
          (what, r["error"], r["unsmoothed_error"]))
    print("smoothquant %s: alpha %.2f, relative W8A8 error %.3g (unsmoothed %.3g)" %
          (what, alpha, r["error"], r["unsmoothed_error"]))
    cases += 1
print("smoothquant: %d cases identical to numpy" % cases)
