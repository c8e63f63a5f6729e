"""Writes deliberately broken binary ONNX models for test/Driver/bad-onnx.test."""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper


def good_model(weight):
    """y = x + w for a float[4] input and initializer `weight`."""
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [4])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [4])
    node = helper.make_node("Add", ["x", "w"], ["y"], name="add0")
    graph = helper.make_graph([node], "g", [x], [y], [weight])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])


def main(kind, out):
    w = helper.make_tensor("w", TensorProto.FLOAT, [4],
                           np.arange(4, dtype=np.float32).tobytes(), raw=True)
    if kind == "good":
        model = good_model(w)
    elif kind == "rawsize":  # 4 floats declared, 3 floats of raw_data
        w.raw_data = np.arange(3, dtype=np.float32).tobytes()
        model = good_model(w)
    elif kind in ("extrange", "extmissing"):
        w.ClearField("raw_data")
        w.data_location = TensorProto.EXTERNAL
        for key, value in (("location", "w.bin"), ("offset", "8"),
                           ("length", "16")):
            entry = w.external_data.add()
            entry.key, entry.value = key, value
        model = good_model(w)
        if kind == "extrange":  # the data file holds 12 bytes, not 8+16
            with open(os.path.join(os.path.dirname(out) or ".", "w.bin"), "wb") as f:
                f.write(b"\0" * 12)
    else:
        sys.exit("unknown kind " + kind)
    with open(out, "wb") as f:
        f.write(model.SerializeToString())


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
