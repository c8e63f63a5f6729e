#!/usr/bin/env python3
"""Compares the memrefs printed by mlir-runner against numpy references.

Usage: mlir-runner ... | check_output.py TEST.mlir

TEST.mlir holds the reference as comment lines:
  // NUMPY: <python statement>   executed in order with `np`, `math` and `erf` in scope;
                                 they must define `expected`, a list of arrays, one per
                                 printed memref, in print order.
  // TOL: <rtol> <atol>          tolerance of np.allclose (default 2e-5 1e-6).
Exits non-zero with a message naming the first mismatching output.
"""
import ast
import math
import re
import sys

import numpy as np


def parse_printed(text):
    """Returns the arrays printed by printMemref* in `text`, in order."""
    arrays = []
    blocks = text.split("Unranked Memref")[1:]
    for block in blocks:
        header, _, data = block.partition("data =")
        sizes = re.search(r"sizes = \[([^\]]*)\]", header)
        shape = tuple(int(s) for s in sizes.group(1).split(",") if s.strip()) if sizes else ()
        data = data.strip()
        data = re.sub(r"-?nan", "'nan'", data)
        data = re.sub(r"(-?)inf", r"'\1inf'", data)
        value = ast.literal_eval(data) if data else []
        arr = np.array(value, dtype=object)
        arr = np.vectorize(float, otypes=[np.float64])(arr) if arr.size else arr.astype(np.float64)
        arrays.append(arr.reshape(shape))
    return arrays


def main():
    test_file = sys.argv[1]
    code, rtol, atol = [], 2e-5, 1e-6
    for line in open(test_file):
        m = re.match(r"\s*// NUMPY: ?(.*)$", line)
        if m:
            code.append(m.group(1))
        m = re.match(r"\s*// TOL: *(\S+) +(\S+)", line)
        if m:
            rtol, atol = float(m.group(1)), float(m.group(2))
    scope = {"np": np, "math": math, "erf": np.vectorize(math.erf)}
    exec("\n".join(code), scope)
    expected = [np.asarray(e, dtype=np.float64) for e in scope["expected"]]
    actual = parse_printed(sys.stdin.read())
    if len(actual) != len(expected):
        print(f"error: {len(actual)} printed outputs, {len(expected)} expected")
        return 1
    for i, (a, e) in enumerate(zip(actual, expected)):
        if a.shape != e.shape:
            print(f"error: output {i}: shape {a.shape}, expected {e.shape}")
            return 1
        if not np.allclose(a, e, rtol=rtol, atol=atol, equal_nan=True):
            print(f"error: output {i} differs (rtol={rtol}, atol={atol})\nactual:\n{a}\nexpected:\n{e}")
            return 1
    print(f"OK: {len(actual)} outputs match")
    return 0


if __name__ == "__main__":
    sys.exit(main())
