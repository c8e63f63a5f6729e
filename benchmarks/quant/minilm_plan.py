#!/usr/bin/env python3
"""A mixed-precision plan for a BERT encoder at a given average weight bits (Hessian sensitivity).

usage: minilm_plan.py MODEL_DIR STATS OUT_PLAN [--avg-bits 4.5] [--method gptq]
                      [--candidates f16,int8_pc_sym,...] [--quant-check BUILD/bin/qcc-quant-check]

Stand-in for the budget pipeline (`qcc --avg-bits`) on encoders, whose KL sensitivity (next-token
logits) does not apply. For every linear layer of the statistics file and every candidate scheme it
asks QccQuant's Hessian sensitivity (`qcc-quant-check sensitivity`, Sensitivity.h: 1/2 tr(dW H dW^T)
with H = 2 X^T X from the calibration statistics, dW = RTN(W) - W) and divides by the calibration
rows (the contract's unit: mean squared output error per token), or with --relative by the layer's
output energy sum ||x W^T||^2 (the relative output error: layers are then compared by how much of
their signal they lose, not by their output scale). Sizes are Scheme::sizeInBits
(bits x weights + one f16 scale, and one f16 min for asymmetric schemes, per group). The
multiple-choice knapsack "least summed sensitivity with total bits <= avg_bits x weights" is solved
exactly by the Pareto-front merge that include/qcc/Quant/Knapsack.h documents (reimplemented here in
a few lines; the C++ solver has no command-line entry). Writes a plan file (docs/Quantization.md,
"The plan file") with the chosen scheme and --method per layer, and prints the table.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "test", "LLM", "Inputs"))
import bert_reference  # noqa: E402

CANDIDATES = "f16,int8_pc_sym,int6_g128_asym,int5_g128_asym,int4_g128_asym,int3_g128_asym"


def scheme_bits(name, n, k):
    """Scheme::sizeInBits for the names used here."""
    if name in ("f16", "bf16"):
        return 16 * n * k
    m = re.fullmatch(r"int(\d)_(pc|g(\d+))_(sym|asym)", name)
    if not m:
        raise SystemExit("unsupported candidate '%s'" % name)
    bits, group = int(m.group(1)), (k if m.group(2) == "pc" else int(m.group(3)))
    groups = n * -(-k // group)
    return bits * n * k + groups * (32 if m.group(4) == "asym" else 16)


def pareto_min_loss(groups, budget):
    """Exact multiple-choice knapsack: least loss with cost <= budget (Pareto-front merge)."""
    cheapest_rest = [0] * (len(groups) + 1)
    for i in range(len(groups) - 1, -1, -1):
        cheapest_rest[i] = cheapest_rest[i + 1] + min(c for c, _ in groups[i])
    front = [(0, 0.0, ())]
    for i, options in enumerate(groups):
        cand = sorted(((c + oc, l + ol, ch + (j,)) for c, l, ch in front
                       for j, (oc, ol) in enumerate(options)
                       if c + oc + cheapest_rest[i + 1] <= budget), key=lambda t: (t[0], t[1]))
        front, best = [], float("inf")
        for t in cand:  # keep the non-dominated (cost ascending, loss strictly falling)
            if t[1] < best:
                front.append(t)
                best = t[1]
        if not front:
            raise SystemExit("budget infeasible: the cheapest plan needs %d bits, budget %d"
                             % (cheapest_rest[0], budget))
    return min(front, key=lambda t: (t[1], t[0]))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model_dir")
    ap.add_argument("stats")
    ap.add_argument("out")
    ap.add_argument("--avg-bits", type=float, default=4.5)
    ap.add_argument("--method", default="rtn")
    ap.add_argument("--candidates", default=CANDIDATES)
    ap.add_argument("--relative", action="store_true",
                    help="divide each sensitivity by the layer's output energy tr(W X^T X W^T)")
    ap.add_argument("--quant-check", default=os.path.join(ROOT, "build", "bin", "qcc-quant-check"))
    a = ap.parse_args()
    cands = a.candidates.split(",")
    meta = json.load(open(a.stats))
    blob = open(os.path.join(os.path.dirname(os.path.abspath(a.stats)), meta["blob"]["file"]),
                "rb").read()
    weights = bert_reference.read_safetensors(os.path.join(a.model_dir, "model.safetensors"))
    names = sorted(meta["layers"])
    groups, rows_out = [], []
    tmp = tempfile.mkdtemp(prefix="minilm_plan")
    for name in names:
        L = meta["layers"][name]
        ref = L["xtx"]
        k = L["in_features"]
        xtx = np.frombuffer(blob, np.float64, ref["count"], ref["offset"]).reshape(k, k)
        w = weights[name if name in weights else "bert." + name].astype(np.float32)
        n = w.shape[0]
        np.save(os.path.join(tmp, "w.npy"), w)
        np.save(os.path.join(tmp, "h.npy"), 2.0 * xtx)
        energy = float(np.einsum("nk,kl,nl->", w.astype(np.float64), xtx, w.astype(np.float64)))
        norm = energy if a.relative else float(L["rows"])
        opts = []
        for s in cands:
            out = os.path.join(tmp, "out")
            subprocess.run([a.quant_check, "sensitivity", "--scheme", s, "--w",
                            os.path.join(tmp, "w.npy"), "--h", os.path.join(tmp, "h.npy"),
                            "--out", out], check=True, capture_output=True)
            sens = json.load(open(os.path.join(out, "result.json")))["sensitivity"] / norm
            opts.append((scheme_bits(s, n, k), sens))
        groups.append(opts)
        rows_out.append((name, n, k))
    total = sum(n * k for _, n, k in rows_out)
    budget = int(a.avg_bits * total)
    cost, loss, choice = pareto_min_loss(groups, budget)
    plan = {"format": "qcc-quant-plan", "version": 1,
            "model": {"path": meta["model"]["path"], "digest": meta["model"]["digest"]},
            "layers": {}}
    print("| layer | shape | chosen | sensitivity (%s) |" % ("relative" if a.relative else "per token"))
    print("|---|---|---|---|")
    for (name, n, k), opts, j in zip(rows_out, groups, choice):
        plan["layers"][name] = {"scheme": cands[j], "method": a.method}
        print("| %s | %dx%d | %s | %.3g |" % (name, n, k, cands[j], opts[j][1]))
    with open(a.out, "w") as f:
        json.dump(plan, f, indent=1)
    counts = {}
    for j in choice:
        counts[cands[j]] = counts.get(cands[j], 0) + 1
    print("plan: %d layers, %.3f average bits (budget %.2f), predicted summed sensitivity %.4g; %s"
          % (len(names), cost / total, a.avg_bits, loss,
             ", ".join("%s x%d" % kv for kv in sorted(counts.items()))))


if __name__ == "__main__":
    sys.exit(main())
