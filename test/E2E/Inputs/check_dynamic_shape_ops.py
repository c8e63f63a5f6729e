"""Range, ConstantOfShape, Expand and Trilu with inputs known only at run time (DynamicShapeOps.cpp):
each model is built with onnx.helper (dynamic input dims, the shape / scalar operands computed from
Shape or passed as inputs), compiled once by qcc and run by qcc-run on several inputs; outputs must equal
onnxruntime's exactly (integer / copied values) or within 1e-6 (float Range). Then inputs ORT rejects
(Range delta 0, an Expand to an incompatible shape, a negative ConstantOfShape dim) must fail the run
with a message naming the node. Prints PASS/FAIL lines. Usage: check_dynamic_shape_ops.py WORKDIR"""
import os
import subprocess
import sys

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto as TP
from onnx import helper, numpy_helper

work = sys.argv[1]
os.makedirs(work, exist_ok=True)
ok = True


def model(name, nodes, ins, outs, inits=()):
    m = helper.make_model(helper.make_graph(nodes, name, ins, outs, list(inits)),
                          opset_imports=[helper.make_opsetid("", 17)])
    path = os.path.join(work, name + ".onnx")
    onnx.save(m, path)
    so = path[:-5] + ".so"
    subprocess.run(["qcc", path, "-o", so], check=True)
    return path, so


def run_qcc(so, feeds, tag):
    d = os.path.join(work, tag)
    os.makedirs(d, exist_ok=True)
    cmd = ["qcc-run", so, "--output-dir", d]
    for k, v in feeds.items():
        np.save(os.path.join(d, k + ".in.npy"), v)
        cmd += ["--input", "%s=%s" % (k, os.path.join(d, k + ".in.npy"))]
    r = subprocess.run(cmd, capture_output=True, text=True)
    return r, d


def check(name, path, so, feeds, atol=0.0):
    global ok
    ref = ort.InferenceSession(path, providers=["CPUExecutionProvider"]).run(None, feeds)
    tag = name + "_" + "_".join("x".join(map(str, v.shape)) if v.ndim else str(v) for v in feeds.values())
    r, d = run_qcc(so, feeds, tag)
    if r.returncode:
        print("FAIL %s: %s" % (tag, r.stderr.strip()))
        ok = False
        return
    got = np.load(os.path.join(d, "y.npy"))
    good = got.shape == ref[0].shape and got.dtype == ref[0].dtype and np.allclose(got, ref[0], rtol=0, atol=atol)
    print("%s %s %s" % ("PASS" if good else "FAIL", tag, got.shape))
    ok &= good


def expect_error(name, so, feeds, text):
    global ok
    r, _ = run_qcc(so, feeds, name + "_bad")
    good = r.returncode != 0 and text in r.stderr
    print("%s %s: %s" % ("PASS" if good else "FAIL", name, r.stderr.strip().splitlines()[-1] if r.stderr else "no error"))
    ok &= good


i64 = lambda *v: np.array(v, np.int64)
# Range over run-time scalars (int64 and float), any sign of delta.
for et, np_t in ((TP.INT64, np.int64), (TP.FLOAT, np.float32)):
    name = "range_" + ("i64" if et == TP.INT64 else "f32")
    path, so = model(name, [helper.make_node("Range", ["s", "l", "d"], ["y"], name="range")],
                     [helper.make_tensor_value_info(n, et, []) for n in "sld"],
                     [helper.make_tensor_value_info("y", et, None)])
    for s, l, d in [(2, 9, 1), (10, -3, -3), (0, 7, 2), (5, 5, 1), (0.5, 3.2, 0.7)]:
        if et == TP.INT64 and isinstance(s, float):
            continue
        check(name, path, so, {"s": np.array(s, np_t), "l": np.array(l, np_t), "d": np.array(d, np_t)},
              atol=1e-6)
    expect_error(name + "_delta0", so, {"s": np.array(0, np_t), "l": np.array(4, np_t), "d": np.array(0, np_t)},
                 "node 'range (Range) delta is 0'")

# ConstantOfShape of a run-time shape (from an input).
path, so = model("cos", [helper.make_node("ConstantOfShape", ["shape"], ["y"], name="fill",
                                          value=helper.make_tensor("v", TP.INT64, [1], [7]))],
                 [helper.make_tensor_value_info("shape", TP.INT64, [3])],
                 [helper.make_tensor_value_info("y", TP.INT64, None)])
check("cos", path, so, {"shape": i64(2, 3, 4)})
check("cos", path, so, {"shape": i64(1, 0, 5)})
expect_error("cos_negative", so, {"shape": i64(2, -1, 4)}, "node 'fill (ConstantOfShape) negative dimension")

# Expand to a run-time shape, broadcasting both ways ([3, 1] x [2, 1, 4] -> [2, 3, 4]).
path, so = model("expand", [helper.make_node("Expand", ["x", "shape"], ["y"], name="expand")],
                 [helper.make_tensor_value_info("x", TP.FLOAT, ["a", "b"]),
                  helper.make_tensor_value_info("shape", TP.INT64, [3])],
                 [helper.make_tensor_value_info("y", TP.FLOAT, None)])
x31 = np.arange(3, dtype=np.float32).reshape(3, 1)
check("expand", path, so, {"x": x31, "shape": i64(2, 1, 4)})
check("expand", path, so, {"x": np.arange(4, dtype=np.float32).reshape(1, 4), "shape": i64(3, 5, 1)})
expect_error("expand_bad", so, {"x": x31, "shape": i64(2, 2, 4)},
             "node 'expand (Expand) input dims do not broadcast to the shape'")

# Trilu with a run-time k on a dynamic matrix (upper and lower), and Trilu of an int tensor with a
# constant k, behind Shape-derived ConstantOfShape (the causal-mask pattern).
for upper in (1, 0):
    name = "trilu_" + ("upper" if upper else "lower")
    path, so = model(name, [helper.make_node("Trilu", ["x", "k"], ["y"], upper=upper)],
                     [helper.make_tensor_value_info("x", TP.FLOAT, ["b", "n", "m"]),
                      helper.make_tensor_value_info("k", TP.INT64, [])],
                     [helper.make_tensor_value_info("y", TP.FLOAT, None)])
    for k in (0, 2, -1, 9):
        check(name, path, so, {"x": np.random.default_rng(k + 5).standard_normal((2, 4, 6)).astype(np.float32),
                               "k": np.array(k, np.int64)})
path, so = model("trilu_mask", [
    helper.make_node("Shape", ["ids"], ["s"]),
    helper.make_node("ConstantOfShape", ["s"], ["full"], value=helper.make_tensor("v", TP.INT32, [1], [3])),
    helper.make_node("Trilu", ["full", "one"], ["y"], upper=1)],
    [helper.make_tensor_value_info("ids", TP.INT64, ["s", "t"])],
    [helper.make_tensor_value_info("y", TP.INT32, None)],
    [numpy_helper.from_array(np.array(1, np.int64), "one")])
check("trilu_mask", path, so, {"ids": np.zeros((5, 7), np.int64)})
check("trilu_mask", path, so, {"ids": np.zeros((1, 1), np.int64)})

print("ALL PASS" if ok else "SOME FAILED")
sys.exit(0 if ok else 1)
