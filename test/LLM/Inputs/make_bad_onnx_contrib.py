"""Writes RotaryEmbedding / GroupQueryAttention models that qcc must reject at compile time (unsupported
attribute values, bad shapes) and one valid model of each with inputs that must fail at run time
(total_sequence_length or seqlens_k inconsistent with the past, positions outside the rotary caches),
plus their .npy inputs, into argv[1]."""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto as TP
from onnx import helper, numpy_helper

out = sys.argv[1]
MS = "com.microsoft"
N, NKV, H = 4, 2, 16


def save(name, node, ins, n_out, inits):
    outs = [helper.make_tensor_value_info(o, TP.FLOAT, None) for o in node.output[:n_out]]
    graph = helper.make_graph([node], name, ins, outs, inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid(MS, 1)])
    onnx.save(model, os.path.join(out, name + ".onnx"))


def caches(rows, half=H // 2):
    return [numpy_helper.from_array(np.ones((rows, half), np.float32), "cos"),
            numpy_helper.from_array(np.zeros((rows, half), np.float32), "sin")]


def gqa(name, rows=8, q_hidden=N * H, **attrs):
    ins = [helper.make_tensor_value_info("q", TP.FLOAT, ["B", "S", q_hidden]),
           helper.make_tensor_value_info("k", TP.FLOAT, ["B", "S", NKV * H]),
           helper.make_tensor_value_info("v", TP.FLOAT, ["B", "S", NKV * H]),
           helper.make_tensor_value_info("pk", TP.FLOAT, ["B", NKV, "P", H]),
           helper.make_tensor_value_info("pv", TP.FLOAT, ["B", NKV, "P", H]),
           helper.make_tensor_value_info("seqlens_k", TP.INT32, ["B"]),
           helper.make_tensor_value_info("total", TP.INT32, [])]
    args = dict(num_heads=N, kv_num_heads=NKV, do_rotary=1)
    args.update(attrs)
    node = helper.make_node("GroupQueryAttention", ["q", "k", "v", "pk", "pv", "seqlens_k", "total", "cos", "sin"],
                            ["o", "present_k", "present_v"], name="attn", domain=MS, **args)
    save(name, node, ins, 3, caches(rows))


def rope(name, dims, **attrs):
    ins = [helper.make_tensor_value_info("x", TP.FLOAT, dims),
           helper.make_tensor_value_info("pos", TP.INT64, ["B", "S"])]
    node = helper.make_node("RotaryEmbedding", ["x", "pos", "cos", "sin"], ["y"], name="rope", domain=MS, **attrs)
    save(name, node, ins, 1, caches(8))


# Compile-time errors.
gqa("softcap", softcap=30.0)
gqa("window", local_window_size=4)
gqa("heads", num_heads=3)
gqa("qhidden", q_hidden=60)
rope("packed_batching", ["B", "S", N * H], is_packed_batching=1)
rope("rope_rank", ["B", N * H])
rope("rope_rotdim", ["B", "S", N * H], num_heads=N, rotary_embedding_dim=12)
# Run-time errors: valid models.
gqa("gqa_ok")
rope("rope_ok", ["B", "S", N * H])

rng = np.random.default_rng(0)
B, S, P = 2, 1, 3
inputs = {
    "q": rng.standard_normal((B, S, N * H)), "k": rng.standard_normal((B, S, NKV * H)),
    "v": rng.standard_normal((B, S, NKV * H)), "pk": rng.standard_normal((B, NKV, P, H)),
    "pv": rng.standard_normal((B, NKV, P, H)),
    "x": rng.standard_normal((B, 2, N * H)),
}
for k, v in inputs.items():
    np.save(os.path.join(out, k + ".npy"), v.astype(np.float32))
np.save(os.path.join(out, "seqlens_ok.npy"), np.full(B, P + S - 1, np.int32))
np.save(os.path.join(out, "seqlens_ragged.npy"), np.array([P + S - 1, P + S - 2], np.int32))
np.save(os.path.join(out, "total_ok.npy"), np.array(P + S, np.int32))
np.save(os.path.join(out, "total_bad.npy"), np.array(P + S + 2, np.int32))
# A past of 8 slots: P + S = 9 exceeds the 8 rows of the rotary caches.
np.save(os.path.join(out, "pk_long.npy"), rng.standard_normal((B, NKV, 8, H)).astype(np.float32))
np.save(os.path.join(out, "seqlens_long.npy"), np.full(B, 8, np.int32))
np.save(os.path.join(out, "total_long.npy"), np.array(9, np.int32))
np.save(os.path.join(out, "pos_ok.npy"), np.array([[0, 7], [3, 4]], np.int64))
np.save(os.path.join(out, "pos_bad.npy"), np.array([[0, 8], [3, 4]], np.int64))
np.save(os.path.join(out, "pos_neg.npy"), np.array([[0, -1], [3, 4]], np.int64))
