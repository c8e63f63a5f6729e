#!/usr/bin/env python3
# Generates the example model (a tiny MLP classifier, fixed seed) and its
# reference input/output computed with onnxruntime:
#   model.onnx, input.npy (x: f32[1,64]), expected.npy (probs: f32[1,10]).
import os

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

here = os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(2024)


def w(name, shape, scale):
    return numpy_helper.from_array(
        (rng.standard_normal(shape) * scale).astype(np.float32), name)


x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 64])
probs = helper.make_tensor_value_info("probs", TensorProto.FLOAT, [1, 10])
graph = helper.make_graph(
    [
        helper.make_node("Gemm", ["x", "w1", "b1"], ["h1"], name="fc1"),
        helper.make_node("Relu", ["h1"], ["a1"], name="relu1"),
        helper.make_node("Gemm", ["a1", "w2", "b2"], ["h2"], name="fc2"),
        helper.make_node("Relu", ["h2"], ["a2"], name="relu2"),
        helper.make_node("Gemm", ["a2", "w3", "b3"], ["logits"], name="fc3"),
        helper.make_node("Softmax", ["logits"], ["probs"], axis=-1,
                         name="softmax"),
    ],
    "tiny_mlp",
    [x],
    [probs],
    [w("w1", [64, 32], 0.2), w("b1", [32], 0.1),
     w("w2", [32, 32], 0.2), w("b2", [32], 0.1),
     w("w3", [32, 10], 0.2), w("b3", [10], 0.1)],
)
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)],
                          producer_name="qcc-example")
model.ir_version = 8
onnx.checker.check_model(model)
onnx.save(model, os.path.join(here, "model.onnx"))

inp = rng.standard_normal((1, 64)).astype(np.float32)
np.save(os.path.join(here, "input.npy"), inp)
sess = ort.InferenceSession(os.path.join(here, "model.onnx"),
                            providers=["CPUExecutionProvider"])
(out,) = sess.run(None, {"x": inp})
np.save(os.path.join(here, "expected.npy"), out)
print("wrote model.onnx, input.npy, expected.npy; argmax =", int(out.argmax()))
