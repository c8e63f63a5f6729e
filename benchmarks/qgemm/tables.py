#!/usr/bin/env python3
"""tables.py - turns the output of run.sh (bench_qgemm, 1 and 2 threads) into the markdown tables of
benchmarks/RESULTS-quant.md. Usage: run.sh > out.txt; python3 tables.py out.txt"""
import re
import sys

dec, pre, th = {}, {}, None
for line in open(sys.argv[1]).read().splitlines():
    m = re.match(r"threads=(\d)", line)
    if m:
        th = int(m.group(1))
        continue
    m = re.match(r"decode N=(\d+)\s+K=(\d+)\s+(\S+)\s+bytes=(\d+)\s+([\d.]+) us\s+([\d.]+) GB/s\s+([\d.]+) Gw/s", line)
    if m:
        dec[(th, int(m.group(1)), int(m.group(2)), m.group(3))] = (
            float(m.group(5)), float(m.group(6)), float(m.group(7)), int(m.group(4)))
    m = re.match(r"prefill M=512 N=(\d+)\s+K=(\d+)\s+(\S+)\s+([\d.]+) ms\s+([\d.]+) GFLOP/s", line)
    if m:
        pre[(th, int(m.group(1)), int(m.group(2)), m.group(3))] = (float(m.group(4)), float(m.group(5)))

schemes = sorted({k[3] for k in dec}, key=lambda s: (s != "f32", s))
shapes = sorted({(k[1], k[2]) for k in dec}, key=lambda s: (s[0] * s[1], s[0]))
threads = sorted({k[0] for k in dec})
for t in threads:
    print(f"\n#### Decode, M = 1, {t} thread(s): GB/s of weight bytes read / G weights/s (time speed-up vs f32)\n")
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
            cells.append(f"{v[1]:.1f} / {v[2]:.2f}" + ("" if s == "f32" else f" ({f[0] / v[0]:.1f}x)"))
        print(f"| {s} | {bpw:.2f} | " + " | ".join(cells) + " |")
pshapes = sorted({(k[1], k[2]) for k in pre}, key=lambda s: (s[0] * s[1], s[0]))
pschemes = sorted({k[3] for k in pre}, key=lambda s: (not s.startswith("f32"), s))
for t in threads:
    print(f"\n#### Prefill, M = 512, {t} thread(s): GFLOP/s (ratio to qcc_rt_sgemm packing B per call)\n")
    print("| scheme | " + " | ".join(f"{n}x{k}" for n, k in pshapes) + " |")
    print("|---|" + "---|" * len(pshapes))
    for s in pschemes:
        cells = []
        for n, k in pshapes:
            v, f = pre.get((t, n, k, s)), pre.get((t, n, k, "f32"))
            cells.append(f"{v[1]:.1f} ({v[1] / f[1]:.2f})" if v else "-")
        print(f"| {s} | " + " | ".join(cells) + " |")
