"""Writes malformed or unsupported uses of com.microsoft ops to argv[1], one model each, for the importer's
one-line errors: bits2.onnx, gidx.onnx, bshape.onnx, skipshape.onnx, stats.onnx."""
import os
import sys

import onnx
from onnx import TensorProto as T
from onnx import helper as h

out = sys.argv[1]
MS = "com.microsoft"


def save(name, node, inputs, outputs):
    g = h.make_graph([node], name, [h.make_tensor_value_info(n, t, s) for n, t, s in inputs],
                     [h.make_tensor_value_info(n, T.FLOAT, s) for n, s in outputs])
    m = h.make_model(g, opset_imports=[h.make_opsetid("", 17), h.make_opsetid(MS, 1)])
    onnx.save(m, os.path.join(out, name + ".onnx"))


nbits = [("a", T.FLOAT, [1, 16]), ("b", T.UINT8, [2, 1, 8]), ("s", T.FLOAT, [2])]
save("bits2", h.make_node("MatMulNBits", ["a", "b", "s"], ["y"], "mm", domain=MS, K=16, N=2, bits=2,
                          block_size=16), nbits, [("y", [1, 2])])
save("gidx", h.make_node("MatMulNBits", ["a", "b", "s", "", "g"], ["y"], "mm", domain=MS, K=16, N=2,
                         block_size=16), nbits + [("g", T.INT32, [16])], [("y", [1, 2])])
save("bshape", h.make_node("MatMulNBits", ["a", "b", "s"], ["y"], "mm", domain=MS, K=16, N=2,
                           block_size=16), [("a", T.FLOAT, [1, 16]), ("b", T.UINT8, [2, 1, 4]),
                                            ("s", T.FLOAT, [2])], [("y", [1, 2])])
ln = [("x", T.FLOAT, [2, 8]), ("skip", T.FLOAT, [3, 8]), ("g", T.FLOAT, [8])]
save("skipshape", h.make_node("SkipLayerNormalization", ["x", "skip", "g"], ["y"], "sln", domain=MS),
     ln, [("y", [2, 8])])
save("stats", h.make_node("SkipLayerNormalization", ["x", "x", "g"], ["y", "mean"], "sln", domain=MS),
     ln, [("y", [2, 8]), ("mean", [2, 1])])
