# Round-to-nearest of qcc-quant-check against the numpy reference (test/Quant/Inputs/quant_ref.py):
# codes, f16 scales/mins and dequantized weights must be identical (same f32 arithmetic).
# RUN: rm -rf %t && mkdir -p %t && %python %s %t
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "Inputs"))
from quant_ref import check, make_layer, rtn, run_tool  # noqa: E402

out = sys.argv[1]
cases = 0
for (n, k) in [(16, 64), (64, 256)]:
    w, _ = make_layer(n, k, 8, seed=n + k)
    w[0, :8] = 0.0          # an all-zero corner
    w[1, 3] = 0.9           # an outlier
    np.save(os.path.join(out, "w.npy"), w)
    for name in ["int2_g32_asym", "int3_g32_sym", "int4_g32_asym", "int4_pc_sym", "int5_g64_asym",
                 "int6_pc_asym", "int8_g32_sym", "nf4_g32", "nf4_pc", "fp8_e4m3_pc", "fp8_e4m3_g32",
                 "w8a8", "int4_g48_asym", "nf4_g96", "int3_g40_sym"]:  # the last 3: partial groups
        d = os.path.join(out, "%s_%d" % (name, n))
        os.makedirs(d)
        got = run_tool("rtn", "--scheme", name, "--w", os.path.join(out, "w.npy"), "--out", d)
        q, s, m, dq = rtn(w, name)
        check(np.array_equal(got["codes"], q), "%s [%d,%d]: codes differ at %d places" %
              (name, n, k, int(np.sum(got["codes"] != q))))
        check(np.array_equal(got["scales"], s), "%s: scales differ" % name)
        if "mins" in got:
            check(np.array_equal(got["mins"], m), "%s: mins differ" % name)
        check(np.array_equal(got["dequant"], dq), "%s: dequantized weights differ" % name)
        cases += 1
print("rtn: %d cases identical to numpy" % cases)
