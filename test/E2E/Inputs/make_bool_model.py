"""Writes bool.onnx: y = Not(And(a, b)) ; z = Where(Or(a, Less(x, 0.5)), x, -x), with bool inputs, a bool
output and numpy references (bool tensors are one byte per element at the model boundary)."""
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper

out = sys.argv[1]
shape = [5, 37]  # 37: not a multiple of any vector width, so edge tiles are exercised
g = helper.make_graph(
    [helper.make_node("And", ["a", "b"], ["ab"]), helper.make_node("Not", ["ab"], ["y"]),
     helper.make_node("Constant", [], ["half"], value=helper.make_tensor("half", TensorProto.FLOAT, [], [0.5])),
     helper.make_node("Less", ["x", "half"], ["lt"]), helper.make_node("Or", ["a", "lt"], ["c"]),
     helper.make_node("Neg", ["x"], ["nx"]), helper.make_node("Where", ["c", "x", "nx"], ["z"])],
    "bools",
    [helper.make_tensor_value_info("a", TensorProto.BOOL, shape),
     helper.make_tensor_value_info("b", TensorProto.BOOL, shape),
     helper.make_tensor_value_info("x", TensorProto.FLOAT, shape)],
    [helper.make_tensor_value_info("y", TensorProto.BOOL, shape),
     helper.make_tensor_value_info("z", TensorProto.FLOAT, shape)])
onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)]), f"{out}/bool.onnx")
rng = np.random.default_rng(7)
a = rng.random(shape) < 0.5
b = rng.random(shape) < 0.5
x = rng.random(shape).astype(np.float32)
np.save(f"{out}/a.npy", a)
np.save(f"{out}/b.npy", b)
np.save(f"{out}/x.npy", x)
np.save(f"{out}/y.npy", ~(a & b))
np.save(f"{out}/z.npy", np.where(a | (x < 0.5), x, -x).astype(np.float32))
