"""ONNX Runtime's com.microsoft RotaryEmbedding and GroupQueryAttention imported by qcc, against
onnxruntime's own execution. Builds small models with onnx.helper (dynamic batch, sequence and past
dims), compiles each once with qcc, runs several shapes through qcc-run and compares every output with
onnxruntime's: |qcc - ort| <= 1e-5 + 1e-4 * |ort| (float32). For GroupQueryAttention it runs a prompt
(empty past) and two decode steps, each fed the previous step's present_key/value, in qcc and in ORT
independently. Prints one PASS/FAIL line per case. Usage: check_onnx_contrib.py WORKDIR"""
import os
import subprocess
import sys

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto as TP
from onnx import helper, numpy_helper

MS = "com.microsoft"
RTOL, ATOL = 1e-4, 1e-5
rng = np.random.default_rng(1)


def rope_caches(max_pos, rot_dim, theta=10000.0):
    ang = np.arange(max_pos)[:, None] * theta ** (-np.arange(0, rot_dim, 2) / rot_dim)[None]
    return np.cos(ang).astype(np.float32), np.sin(ang).astype(np.float32)


def save_model(work, name, nodes, inputs, outputs, inits):
    graph = helper.make_graph(nodes, name, inputs, outputs, inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17),
                                                    helper.make_opsetid(MS, 1)])
    path = os.path.join(work, name + ".onnx")
    onnx.save(model, path)
    return path


def compile_model(path):
    so = path[:-5] + ".so"
    subprocess.run(["qcc", path, "-o", so], check=True)
    return so


def run_qcc(so, feeds, work, tag):
    d = os.path.join(work, tag)
    os.makedirs(d, exist_ok=True)
    cmd = ["qcc-run", so, "--output-dir", d]
    for k, v in feeds.items():
        np.save(os.path.join(d, "in_" + k + ".npy"), v)
        cmd += ["--input", "%s=%s" % (k, os.path.join(d, "in_" + k + ".npy"))]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    return lambda name: np.load(os.path.join(d, name + ".npy"))


def compare(tag, names, ours, ref):
    ok = True
    worst = 0.0
    for name, r in zip(names, ref):
        o = ours(name)
        if o.shape != r.shape:
            print("FAIL %s %s: shape %s, onnxruntime %s" % (tag, name, o.shape, r.shape))
            ok = False
            continue
        err = np.abs(o.astype(np.float64) - r)
        worst = max(worst, float(err.max()) if err.size else 0.0)
        if not np.all(err <= ATOL + RTOL * np.abs(r)):
            print("FAIL %s %s: max abs err %.3g" % (tag, name, err.max()))
            ok = False
    if ok:
        print("PASS %s (max abs err %.2e)" % (tag, worst))
    return ok


def rope_cases(work):
    """RotaryEmbedding: [B, S, N*H] halves / pairs / partial rotary, [B, N, S, H], scalar position."""
    ok = True
    cos, sin = rope_caches(64, 16)
    cos8, sin8 = rope_caches(64, 8, theta=500.0)
    cases = [
        # name, input dims, attrs, caches, position format
        ("rope_halves", ["B", "S", 4 * 16], {}, (cos, sin), "grid"),
        ("rope_pairs", ["B", "S", 4 * 16], {"interleaved": 1}, (cos, sin), "grid"),
        ("rope_partial_pairs", ["B", "S", 2 * 16], {"interleaved": 1, "num_heads": 2,
                                                    "rotary_embedding_dim": 8}, (cos8, sin8),
         "scalar"),
        ("rope_bnsh", ["B", 3, "S", 16], {}, (cos, sin), "grid"),
    ]
    for name, dims, attrs, (c, s), fmt in cases:
        pos_info = helper.make_tensor_value_info("pos", TP.INT64, ["B", "S"] if fmt == "grid" else [1])
        node = helper.make_node("RotaryEmbedding", ["x", "pos", "cos", "sin"], ["y"], domain=MS, **attrs)
        path = save_model(work, name, [node],
                          [helper.make_tensor_value_info("x", TP.FLOAT, dims), pos_info],
                          [helper.make_tensor_value_info("y", TP.FLOAT, None)],
                          [numpy_helper.from_array(c, "cos"), numpy_helper.from_array(s, "sin")])
        so = compile_model(path)
        sess = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
        for B, S in [(2, 5), (1, 1), (3, 7)]:
            shape = [B if d == "B" else S if d == "S" else d for d in dims]
            x = rng.standard_normal(shape).astype(np.float32)
            if fmt == "grid":
                pos = rng.integers(0, 64, size=(B, S)).astype(np.int64)
            else:
                pos = np.array([rng.integers(0, 64 - S)], np.int64)
            feeds = {"x": x, "pos": pos}
            ref = sess.run(None, feeds)
            tag = "%s B=%d S=%d" % (name, B, S)
            ok &= compare(tag, ["y"], run_qcc(so, feeds, work, tag.replace(" ", "_")), ref)
    return ok


def gqa_model(work, name, N, NKV, H, packed, has_past, attrs, rot_dim=None):
    ins = [helper.make_tensor_value_info("q", TP.FLOAT, ["B", "S", (N + 2 * NKV) * H if packed else N * H])]
    names = ["q"]
    if packed:
        names += ["", ""]
    else:
        ins += [helper.make_tensor_value_info(n, TP.FLOAT, ["B", "S", NKV * H]) for n in ("k", "v")]
        names += ["k", "v"]
    if has_past:
        ins += [helper.make_tensor_value_info(n, TP.FLOAT, ["B", NKV, "P", H]) for n in ("pk", "pv")]
        names += ["pk", "pv"]
    else:
        names += ["", ""]
    ins += [helper.make_tensor_value_info("seqlens_k", TP.INT32, ["B"]),
            helper.make_tensor_value_info("total", TP.INT32, [])]
    names += ["seqlens_k", "total"]
    inits = []
    if rot_dim:
        c, s = rope_caches(64, rot_dim)
        inits = [numpy_helper.from_array(c, "cos"), numpy_helper.from_array(s, "sin")]
        names += ["cos", "sin"]
    node = helper.make_node("GroupQueryAttention", names, ["o", "present_k", "present_v"], domain=MS,
                            num_heads=N, kv_num_heads=NKV, **attrs)
    outs = [helper.make_tensor_value_info(n, TP.FLOAT, None) for n in ("o", "present_k", "present_v")]
    return save_model(work, name, [node], ins, outs, inits)


def gqa_cases(work):
    """GroupQueryAttention: a prompt then two decode steps feeding present back as past."""
    ok = True
    cases = [
        # name, N, NKV, H, packed, past input, attributes, rotary dim, batch, new tokens per step
        ("gqa_rotary", 4, 2, 16, False, True, {"do_rotary": 1}, 16, 2, [5, 1, 1]),
        ("gqa_packed_pairs", 6, 2, 16, True, True, {"do_rotary": 1, "rotary_interleaved": 1,
                                                    "scale": 0.3}, 16, 2, [5, 1, 1]),
        ("gqa_plain", 4, 1, 16, False, True, {}, None, 2, [5, 1, 1]),
        ("gqa_partial_rotary", 2, 2, 32, False, True, {"do_rotary": 1}, 16, 2, [5, 1, 1]),
        # Chunked prefill (ORT's "subsequent prompt", batch 1): S > 1 with a past.
        ("gqa_chunked", 4, 2, 16, False, True, {"do_rotary": 1}, 16, 1, [4, 3, 1]),
    ]
    for name, N, NKV, H, packed, has_past, attrs, rot, B, steps in cases:
        path = gqa_model(work, name, N, NKV, H, packed, has_past, attrs, rot)
        so = compile_model(path)
        sess = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
        past = {"ort": None, "qcc": None}
        P = 0
        for step, S in enumerate(steps):
            qdim = (N + 2 * NKV) * H if packed else N * H
            feeds = {"q": rng.standard_normal((B, S, qdim)).astype(np.float32)}
            if not packed:
                for n in ("k", "v"):
                    feeds[n] = rng.standard_normal((B, S, NKV * H)).astype(np.float32)
            feeds["seqlens_k"] = np.full(B, P + S - 1, np.int32)
            feeds["total"] = np.array(P + S, np.int32)
            ort_feeds, qcc_feeds = dict(feeds), dict(feeds)
            if step == 0:
                empty = np.zeros((B, NKV, 0, H), np.float32)
                ort_feeds.update(pk=empty, pv=empty)
                qcc_feeds.update(pk=empty, pv=empty)
            else:
                ort_feeds.update(pk=past["ort"][0], pv=past["ort"][1])
                qcc_feeds.update(pk=past["qcc"][0], pv=past["qcc"][1])
            ref = sess.run(None, ort_feeds)
            tag = "%s step=%d S=%d P=%d" % (name, step, S, P)
            ours = run_qcc(so, qcc_feeds, work, tag.replace(" ", "_").replace("=", ""))
            ok &= compare(tag, ["o", "present_k", "present_v"], ours, ref)
            past["ort"] = ref[1], ref[2]
            past["qcc"] = ours("present_k"), ours("present_v")
            P += S
    # Without past inputs: a prompt only.
    path = gqa_model(work, "gqa_no_past", 4, 2, 16, False, False, {"do_rotary": 1}, 16)
    so = compile_model(path)
    sess = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    S = 4
    feeds = {"q": rng.standard_normal((1, S, 64)).astype(np.float32),
             "k": rng.standard_normal((1, S, 32)).astype(np.float32),
             "v": rng.standard_normal((1, S, 32)).astype(np.float32),
             "seqlens_k": np.array([S - 1], np.int32), "total": np.array(S, np.int32)}
    ok &= compare("gqa_no_past S=4", ["o", "present_k", "present_v"],
                  run_qcc(so, feeds, work, "gqa_no_past"), sess.run(None, feeds))
    return ok


def main():
    work = sys.argv[1]
    os.makedirs(work, exist_ok=True)
    ok = rope_cases(work)
    ok &= gqa_cases(work)
    print("ALL PASS" if ok else "SOME FAILED")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
