"""Writes contrib.onnx to argv[1]: ONNX Runtime's fused com.microsoft ops (SkipLayerNormalization,
SkipSimplifiedLayerNormalization, SimplifiedLayerNormalization, MatMulNBits with 4 and 8 bits, with
packed uint8, float or default zero points and K not a multiple of block_size, FastGelu, BiasGelu),
built with onnx.helper, plus random inputs and onnxruntime's outputs as .npy (the reference)."""
import os
import sys

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

out = sys.argv[1]
rng = np.random.default_rng(7)
B, S, H = 2, 5, 40  # K = H = 40 is not a multiple of block_size 16: the last block is padded
N, BS = 24, 16
KB = (H + BS - 1) // BS
MS = "com.microsoft"


def quantized_weight(bits):
    """Random codes, scales and zero points in MatMulNBits' layout: B[N, KB, BS * bits / 8]."""
    q = rng.integers(0, 2**bits, size=(N, KB * BS), dtype=np.uint8)
    q[:, H:] = 0  # padding codes past K
    if bits == 4:
        packed = (q[:, 0::2] | (q[:, 1::2] << 4)).astype(np.uint8)
    else:
        packed = q
    scales = rng.uniform(0.01, 0.05, size=(N * KB,)).astype(np.float32)
    zp = rng.integers(0, 2**bits, size=(N, KB), dtype=np.uint8)
    return packed.reshape(N, KB, BS * bits // 8), scales, zp


def pack_zp4(zp):
    """Two 4-bit zero points per byte, low nibble first, each row padded to whole bytes."""
    padded = np.zeros((N, (KB + 1) // 2 * 2), np.uint8)
    padded[:, :KB] = zp
    return (padded[:, 0::2] | (padded[:, 1::2] << 4)).reshape(-1).astype(np.uint8)


inits = []
b4, s4, zp4 = quantized_weight(4)
b8, s8, zp8 = quantized_weight(8)
for name, arr in [("gamma", rng.normal(1, 0.1, H)), ("beta", rng.normal(0, 0.1, H)),
                  ("bias", rng.normal(0, 0.1, H)), ("b4", b4), ("s4", s4), ("zp4", pack_zp4(zp4)),
                  ("b8", b8), ("s8", s8), ("zp8", zp8.reshape(-1)),
                  ("zpf", rng.uniform(6, 9, size=(N * KB,))), ("nbias", rng.normal(0, 0.1, N))]:
    if arr.dtype != np.uint8:
        arr = arr.astype(np.float32)
    inits.append(numpy_helper.from_array(arr, name))

nbits = dict(domain=MS, K=H, N=N, block_size=BS)
nodes = [
    helper.make_node("SkipLayerNormalization", ["x", "skip", "gamma", "beta", "bias"],
                     ["sln", "", "", "sum"], domain=MS, epsilon=1e-5),
    helper.make_node("SkipSimplifiedLayerNormalization", ["x", "skip", "gamma"], ["ssln"],
                     domain=MS, epsilon=1e-6),
    helper.make_node("SimplifiedLayerNormalization", ["x", "gamma"], ["sl"], epsilon=1e-6),
    helper.make_node("MatMulNBits", ["x", "b4", "s4", "zp4"], ["mm4"], bits=4, **nbits),
    helper.make_node("MatMulNBits", ["x", "b4", "s4"], ["mm4d"], bits=4, **nbits),
    helper.make_node("MatMulNBits", ["x", "b4", "s4", "zpf", "", "nbias"], ["mm4f"], bits=4, **nbits),
    helper.make_node("MatMulNBits", ["x", "b8", "s8", "zp8"], ["mm8"], bits=8, **nbits),
    helper.make_node("FastGelu", ["x", "bias"], ["fg"], domain=MS),
    helper.make_node("BiasGelu", ["x", "bias"], ["bg"], domain=MS),
]
outs = {"sln": [B, S, H], "sum": [B, S, H], "ssln": [B, S, H], "sl": [B, S, H], "mm4": [B, S, N],
        "mm4d": [B, S, N], "mm4f": [B, S, N], "mm8": [B, S, N], "fg": [B, S, H], "bg": [B, S, H]}
graph = helper.make_graph(
    nodes, "contrib",
    [helper.make_tensor_value_info("x", TensorProto.FLOAT, [B, S, H]),
     helper.make_tensor_value_info("skip", TensorProto.FLOAT, [B, S, H])],
    [helper.make_tensor_value_info(n, TensorProto.FLOAT, s) for n, s in outs.items()], inits)
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid(MS, 1)])
onnx.save(model, os.path.join(out, "contrib.onnx"))

feeds = {"x": rng.normal(0, 1, (B, S, H)).astype(np.float32),
         "skip": rng.normal(0, 1, (B, S, H)).astype(np.float32)}
for k, v in feeds.items():
    np.save(os.path.join(out, k + ".npy"), v)
so = ort.SessionOptions()
so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
sess = ort.InferenceSession(os.path.join(out, "contrib.onnx"), so, providers=["CPUExecutionProvider"])
for name, value in zip([o.name for o in sess.get_outputs()], sess.run(None, feeds)):
    np.save(os.path.join(out, "ref_" + name + ".npy"), value)

# An independent numpy check of the 4-bit dequantization, so that the ORT reference itself is tested.
w = ((np.unpackbits(b4[..., None], axis=-1, bitorder="little").reshape(N, KB, BS // 2, 2, 4)
      @ (1 << np.arange(4))).reshape(N, KB * BS).astype(np.float32)
     - np.repeat(zp4, BS, axis=1)) * np.repeat(s4.reshape(N, KB), BS, axis=1)
ref = np.load(os.path.join(out, "ref_mm4.npy"))
err = np.abs(feeds["x"] @ w[:, :H].T - ref).max()
assert err < 1e-4, f"numpy and onnxruntime disagree on MatMulNBits: {err}"
