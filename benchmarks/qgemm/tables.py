#!/usr/bin/env python3
"""tables.py - turns the output of run.sh (bench_qgemm, 1 and 2 threads) into the markdown tables of
benchmarks/RESULTS-quant.md. Usage: run.sh > out.txt; python3 tables.py out.txt"""
import re
import sys

dec, pre, th, bw, pm = {}, {}, None, {}, 512
for line in open(sys.argv[1]).read().splitlines():
    m = re.match(r"read bandwidth, (\d+) thread\(s\): ([\d.]+) GB/s", line)  # membw.c
    if m:
        bw[int(m.group(1))] = float(m.group(2))
        continue
    m = re.match(r"threads=(\d)", line)
    if m:
        th = int(m.group(1))
        continue
    m = re.match(r"decode N=(\d+)\s+K=(\d+)\s+(\S+)\s+bytes=(\d+)\s+([\d.]+) us\s+([\d.]+) GB/s\s+([\d.]+) Gw/s", line)
    if m:
        dec[(th, int(m.group(1)), int(m.group(2)), m.group(3))] = (
            float(m.group(5)), float(m.group(6)), float(m.group(7)), int(m.group(4)))
    m = re.match(r"prefill M=(\d+) N=(\d+)\s+K=(\d+)\s+(\S+)\s+([\d.]+) ms\s+([\d.]+) GFLOP/s", line)
    if m:
        pm = int(m.group(1))
        pre[(th, int(m.group(2)), int(m.group(3)), m.group(4))] = (float(m.group(5)), float(m.group(6)))

order = ["f32", "f16", "bf16", "int8_pc", "w8a8", "w8a8_f32", "fp8_pc", "int6_g128", "int5_g128", "int4_g128", "nf4_g64",
         "int3_g128", "int2_g128"]
rank = lambda s: order.index(s) if s in order else len(order)
schemes = sorted({k[3] for k in dec}, key=lambda s: (rank(s), s))
shapes = sorted({(k[1], k[2]) for k in dec}, key=lambda s: (s[0] * s[1], s[0]))
threads = sorted({k[0] for k in dec})
for t in threads:
    b = bw.get(t)
    print(f"\n#### Decode, M = 1, {t} thread(s): time per call, GB/s of weight bytes"
          + (f" (% of the {b:.1f} GB/s membw.c measured in the same run)" if b else "") + ", speed-up vs f32\n")
    print("| scheme | bits/weight | " + " | ".join(f"{n}x{k}" for n, k in shapes) + " |")
    print("|---|---|" + "---|" * len(shapes))
    for s in schemes:
        cells, bpw = [], 0.0
        for n, k in shapes:
            v, f = dec.get((t, n, k, s)), dec.get((t, n, k, "f32"))
            if not v:
                cells.append("-")
                continue
            bpw = v[3] * 8 / (n * k)
            pct = f" ({100 * v[1] / b:.0f}%)" if b else ""
            cells.append(f"{v[0]:.0f} us, {v[1]:.1f}{pct}" + ("" if s == "f32" else f", {f[0] / v[0]:.1f}x"))
        print(f"| {s} | {bpw:.2f} | " + " | ".join(cells) + " |")
pshapes = sorted({(k[1], k[2]) for k in pre}, key=lambda s: (s[0] * s[1], s[0]))
pschemes = sorted({k[3] for k in pre}, key=lambda s: (rank(s) if s != "f32_bc" else 0.5, s))
for t in threads:
    print(f"\n#### Prefill, M = {pm}, {t} thread(s): time per call, GFLOP/s (ratio to qcc_rt_sgemm packing B per call)\n")
    print("| scheme | " + " | ".join(f"{n}x{k}" for n, k in pshapes) + " |")
    print("|---|" + "---|" * len(pshapes))
    for s in pschemes:
        cells = []
        for n, k in pshapes:
            v, f = pre.get((t, n, k, s)), pre.get((t, n, k, "f32"))
            cells.append(f"{v[0]:.2f} ms, {v[1]:.1f} ({v[1] / f[1]:.2f})" if v else "-")
        print(f"| {s} | " + " | ".join(cells) + " |")
