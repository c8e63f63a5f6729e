"""Independent checks of qcc's budget solver and report (test/Quant/budget-*.test).

  budget_check.py optimum REPORT_DIR    the plan in REPORT_DIR/report.json is optimal: brute force over
                                        every combination of candidate schemes of the free layers
                                        (numpy broadcasting), costs from the scheme size formula
                                        recomputed here, losses from report.json's sensitivities
  budget_check.py files REPORT_DIR N    report.json keys and N layers, report.md has N table rows,
                                        plan.json has N layers, sensitivity.png is a valid 800x480 RGB
                                        PNG (chunk CRCs, zlib stream with Adler-32, row filters)
Prints PASS lines; exits 1 on the first FAIL."""
import json
import math
import os
import re
import struct
import sys
import zlib

import numpy as np

CANDIDATES = ["f16", "int8_pc_sym", "int6_g128_asym", "int5_g128_asym", "int4_g128_asym", "int3_g128_asym"]


def fail(msg):
    print("FAIL", msg)
    sys.exit(1)


def size_bits(scheme, n, k):
    if scheme in ("f16", "bf16"):
        return 16 * n * k
    if scheme == "f32":
        return 32 * n * k
    m = re.fullmatch(r"int(\d)_(pc|g(\d+))_(sym|asym)", scheme)
    if not m:
        fail("scheme %s not handled by the checker" % scheme)
    bits, group = int(m.group(1)), (int(m.group(3)) if m.group(3) else k)
    groups = -(-k // group)
    # Uniform blobs store an f16 scale and an f16 min per group, symmetric or not (QKernels.h).
    return n * k * bits + n * groups * 32


def optimum(d):
    r = json.load(open(os.path.join(d, "report.json")))
    loss_key = r["loss"]
    budget = r["budget"]
    fixed_cost = fixed_loss = 0.0
    free = []
    weights = 0
    for L in r["layers"]:
        n, k = L["shape"]
        weights += n * k
        cost = size_bits(L["scheme"], n, k)
        if cost != L["size_bits"]:
            fail("%s: size_bits %d, expected %d" % (L["name"], L["size_bits"], cost))
        if L["fixed"]:
            fixed_cost += cost
            fixed_loss += L["predicted_loss"]
            continue
        costs = np.array([size_bits(s, n, k) for s in CANDIDATES], np.float64)
        losses = np.array([L["sensitivity"][s][loss_key] for s in CANDIDATES], np.float64)
        free.append((L, costs, losses))
    if len(free) > 8:
        fail("%d free layers: too many for brute force" % len(free))
    tc, tl = np.zeros(1), np.zeros(1)
    for _, c, l in free:  # every combination, as flat arrays
        tc = (tc[:, None] + c[None, :]).ravel()
        tl = (tl[:, None] + l[None, :]).ravel()
    tc += fixed_cost
    tl += fixed_loss
    chosen_cost = fixed_cost + sum(size_bits(L["scheme"], *L["shape"]) for L, _, _ in free)
    chosen_loss = fixed_loss + sum(L["predicted_loss"] for L, _, _ in free)
    kind, v = budget["kind"], budget["value"]
    if kind in ("avg-bits", "max-size"):
        limit = math.floor(v * weights) if kind == "avg-bits" else math.floor(v * 8)
        ok = tc <= limit
        best = tl[ok].min()
        if chosen_cost > limit:
            fail("chosen cost %d exceeds %d" % (chosen_cost, limit))
        if chosen_loss > best * (1 + 1e-9) + 1e-300:
            fail("chosen loss %.12g, brute force %.12g" % (chosen_loss, best))
        print("PASS optimum: loss %.6g = brute force over %d combinations, cost %d <= %d"
              % (chosen_loss, tc.size, chosen_cost, limit))
    else:
        limit = math.log1p(v) if kind == "max-ppl-increase" else v
        ok = tl <= limit * (1 + 1e-12)
        best = tc[ok].min()
        if chosen_loss > limit * (1 + 1e-12):
            fail("chosen loss %.12g exceeds %.12g" % (chosen_loss, limit))
        if chosen_cost != best:
            fail("chosen cost %d, brute force %d" % (chosen_cost, best))
        print("PASS optimum: cost %d = brute force over %d combinations, loss %.6g <= %.6g"
              % (chosen_cost, tc.size, chosen_loss, limit))
    avg = chosen_cost / weights
    if abs(r["totals"]["average_bits"] - avg) > 1e-9:
        fail("average_bits %r, expected %r" % (r["totals"]["average_bits"], avg))
    print("PASS totals: average bits %.4f" % avg)


def png(path, w, h):
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        fail("%s: no PNG signature" % path)
    pos, chunks = 8, []
    while pos < len(data):
        n, = struct.unpack(">I", data[pos:pos + 4])
        typ, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + n]
        crc, = struct.unpack(">I", data[pos + 8 + n:pos + 12 + n])
        if zlib.crc32(typ + body) != crc:
            fail("%s: bad CRC in chunk %r" % (path, typ))
        chunks.append((typ, body))
        pos += 12 + n
    if [c[0] for c in chunks] != [b"IHDR", b"IDAT", b"IEND"]:
        fail("%s: chunks %r" % (path, [c[0] for c in chunks]))
    W, H, depth, color, comp, filt, inter = struct.unpack(">IIBBBBB", chunks[0][1])
    if (W, H, depth, color, comp, filt, inter) != (w, h, 8, 2, 0, 0, 0):
        fail("%s: IHDR %r" % (path, (W, H, depth, color, comp, filt, inter)))
    raw = zlib.decompress(chunks[1][1])  # checks the Adler-32 too
    if len(raw) != h * (1 + 3 * w):
        fail("%s: %d bytes of image data, expected %d" % (path, len(raw), h * (1 + 3 * w)))
    rows = np.frombuffer(raw, np.uint8).reshape(h, 1 + 3 * w)
    if rows[:, 0].any():
        fail("%s: a row filter is not 0" % path)
    px = rows[:, 1:].reshape(h, w, 3)
    dark = int((px.sum(axis=2) < 200).sum())
    blue = int(((px[:, :, 2] > 150) & (px[:, :, 0] < 80)).sum())
    if dark < 2000 or blue < 25:
        fail("%s: %d dark (axes, text) and %d blue (points) pixels: nothing drawn?" % (path, dark, blue))
    print("PASS png %dx%d, %d dark pixels, %d point pixels" % (w, h, dark, blue))


def files(d, n):
    r = json.load(open(os.path.join(d, "report.json")))
    for key in ("format", "model", "statistics", "budget", "loss", "layers", "totals"):
        if key not in r:
            fail("report.json has no %s" % key)
    for key in ("size_bytes", "average_bits", "fp16_size_bytes", "compression_vs_fp16", "predicted_loss",
                "predicted_ppl_increase", "measured_ppl_increase"):
        if key not in r["totals"]:
            fail("report.json totals have no %s" % key)
    if len(r["layers"]) != n:
        fail("report.json has %d layers, expected %d" % (len(r["layers"]), n))
    for L in r["layers"]:
        for key in ("name", "shape", "sensitivity", "scheme", "method", "bits", "predicted_loss"):
            if key not in L:
                fail("report.json layer %s has no %s" % (L.get("name"), key))
    t = r["totals"]
    if abs(t["compression_vs_fp16"] - t["fp16_size_bytes"] / t["size_bytes"]) > 1e-9:
        fail("compression_vs_fp16 inconsistent")
    print("PASS report.json: %d layers, keys present" % n)
    md = open(os.path.join(d, "report.md")).read().splitlines()
    names = [L["name"] for L in r["layers"]]
    rows = [l for l in md if l.startswith("| ") and any(("| %s |" % nm) in l for nm in names)]
    if len(rows) != n:
        fail("report.md has %d layer rows, expected %d" % (len(rows), n))
    print("PASS report.md: %d layer rows" % n)
    plan = json.load(open(os.path.join(d, "plan.json")))
    if len(plan["layers"]) != n:
        fail("plan.json has %d layers" % len(plan["layers"]))
    for L in r["layers"]:
        if plan["layers"][L["name"]]["scheme"] != L["scheme"]:
            fail("plan.json and report.json disagree on %s" % L["name"])
    print("PASS plan.json agrees")
    png(os.path.join(d, "sensitivity.png"), 800, 480)


if sys.argv[1] == "optimum":
    optimum(sys.argv[2])
elif sys.argv[1] == "files":
    files(sys.argv[2], int(sys.argv[3]))
else:
    fail("unknown command")
