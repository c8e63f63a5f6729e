"""Fills a calibration statistics file with per-layer sensitivities for the budget tests.

Usage: budget_stats.py STATS.qstats MODEL.gguf OUT.qstats [--kl] [--schemes a,b,c] [--drop-kl LAYER:SCHEME]

hessian: the true Hessian estimate of the contract, tr(dW X^T X dW^T) / rows (= 1/2 tr(dW H dW^T) per
row with H = 2 X^T X), dW = RTN(W) - W computed by the independent numpy reference (test/Quant/
Inputs/quant_ref.py); f16 rounds W to half. --kl adds kl = 1e-3 * hessian / rows-independent
scale (a FABRICATED stand-in for the measured KL, proportional to the Hessian estimate, so that the
solver's choices can be predicted by brute force; it is not a measurement). The blob is shared with
STATS (copied next to OUT)."""
import json
import os
import shutil
import sys

import numpy as np
import gguf

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import quant_ref  # noqa: E402

DEFAULT = "f16,int8_pc_sym,int6_g128_asym,int5_g128_asym,int4_g128_asym,int3_g128_asym"


def main():
    a = sys.argv[1:]
    src, model, out = a[0], a[1], a[2]
    schemes = (a[a.index("--schemes") + 1] if "--schemes" in a else DEFAULT).split(",")
    drop = [x.split(":") for i, x in enumerate(a) if i > 0 and a[i - 1] == "--drop-kl"]
    meta = json.load(open(src))
    blob_name = meta["blob"]["file"]
    blob = open(os.path.join(os.path.dirname(os.path.abspath(src)), blob_name), "rb").read()
    weights = {t.name: np.array(t.data, dtype=np.float32).reshape([int(d) for d in reversed(t.shape)])
               for t in gguf.GGUFReader(model).tensors}
    for name, L in meta["layers"].items():
        w = weights[name]
        n, k = w.shape
        ref = L["xtx"]
        xtx = np.frombuffer(blob, np.float64, ref["count"], ref["offset"]).reshape(k, k)
        rows = L["rows"]
        sens = {}
        for s in schemes:
            if s == "f16":
                dq = w.astype(np.float16).astype(np.float32)
            else:
                dq = quant_ref.rtn(w, s)[3]
            d = (dq - w).astype(np.float64)
            h = float(np.einsum("ij,jk,ik->", d, xtx, d)) / rows
            e = {"hessian": h}
            if "--kl" in a and [name, s] not in drop:
                e["kl"] = 1e-3 * h
            sens[s] = e
        L["sensitivity"] = sens
    json.dump(meta, open(out, "w"), indent=1)
    a_blob = os.path.join(os.path.dirname(os.path.abspath(src)), blob_name)
    b_blob = os.path.join(os.path.dirname(os.path.abspath(out)), blob_name)
    if os.path.abspath(a_blob) != os.path.abspath(b_blob):
        shutil.copyfile(a_blob, b_blob)


main()
