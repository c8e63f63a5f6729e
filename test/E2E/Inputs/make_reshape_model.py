"""Writes reshape.onnx (a Reshape whose target shape is a graph input) to argv[1] with x.npy (2x3x4 f32),
good.npy (a valid shape using 0 and -1), y.npy (its numpy result) and bad.npy (a shape of the wrong element
count)."""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper

out = sys.argv[1]
node = helper.make_node("Reshape", ["x", "shape"], ["y"], name="reshape_by_input")
graph = helper.make_graph(
    [node], "reshape",
    [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 3, 4]),
     helper.make_tensor_value_info("shape", TensorProto.INT64, [3])],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["a", "b", "c"])])
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
onnx.checker.check_model(model)
onnx.save(model, os.path.join(out, "reshape.onnx"))

x = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
np.save(os.path.join(out, "x.npy"), x)
# ONNX rules: 0 copies input dim 1 (3), -1 is inferred (24 / (4 * 3) = 2).
np.save(os.path.join(out, "good.npy"), np.array([4, 0, -1], np.int64))
np.save(os.path.join(out, "y.npy"), x.reshape(4, 3, 2))
# 5 * 3 * 2 = 30 elements from 24: must be a clean error, not a read past x.
np.save(os.path.join(out, "bad.npy"), np.array([5, 0, 2], np.int64))
