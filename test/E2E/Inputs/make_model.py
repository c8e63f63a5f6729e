# Builds a small ONNX model for the end-to-end tests, random inputs, and the
# onnxruntime reference outputs: make_model.py NAME OUTDIR
#   OUTDIR/NAME.onnx, OUTDIR/NAME.<input>.npy, OUTDIR/NAME.ref.<output>.npy
import sys

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper


def weight(rng, name, shape, scale=0.5):
    return numpy_helper.from_array(
        (rng.standard_normal(shape) * scale).astype(np.float32), name)


def mlp(rng):
    # x[2,16] -> Gemm(32) -> Relu -> MatMul(10) + b -> Softmax
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 16])
    y = helper.make_tensor_value_info("probs", TensorProto.FLOAT, [2, 10])
    inits = [weight(rng, "w1", [16, 32]), weight(rng, "b1", [32]),
             weight(rng, "w2", [32, 10]), weight(rng, "b2", [10])]
    nodes = [
        helper.make_node("Gemm", ["x", "w1", "b1"], ["h"], name="fc1"),
        helper.make_node("Relu", ["h"], ["r"], name="relu"),
        helper.make_node("MatMul", ["r", "w2"], ["m"], name="fc2"),
        helper.make_node("Add", ["m", "b2"], ["logits"], name="bias2"),
        helper.make_node("Softmax", ["logits"], ["probs"], axis=-1,
                         name="softmax"),
    ]
    return helper.make_graph(nodes, "mlp", [x], [y], inits), {"x": [2, 16]}


def cnn(rng):
    # x[1,3,12,12] -> Conv 3x3 (8) -> Relu -> MaxPool 2x2 -> Flatten -> Gemm(5)
    x = helper.make_tensor_value_info("image", TensorProto.FLOAT,
                                      [1, 3, 12, 12])
    y = helper.make_tensor_value_info("scores", TensorProto.FLOAT, [1, 5])
    inits = [weight(rng, "k", [8, 3, 3, 3]), weight(rng, "kb", [8]),
             weight(rng, "fw", [5, 8 * 5 * 5], 0.1), weight(rng, "fb", [5])]
    nodes = [
        helper.make_node("Conv", ["image", "k", "kb"], ["c"],
                         kernel_shape=[3, 3], name="conv"),
        helper.make_node("Relu", ["c"], ["r"], name="relu"),
        helper.make_node("MaxPool", ["r"], ["p"], kernel_shape=[2, 2],
                         strides=[2, 2], name="pool"),
        helper.make_node("Flatten", ["p"], ["f"], axis=1, name="flatten"),
        helper.make_node("Gemm", ["f", "fw", "fb"], ["scores"], transB=1,
                         name="fc"),
    ]
    return (helper.make_graph(nodes, "cnn", [x], [y], inits),
            {"image": [1, 3, 12, 12]})


def twoout(rng):
    # Symbolic batch "N" (bound with --input-shape); two outputs.
    a = helper.make_tensor_value_info("a", TensorProto.FLOAT, ["N", 6])
    b = helper.make_tensor_value_info("b", TensorProto.FLOAT, ["N", 6])
    s = helper.make_tensor_value_info("sig", TensorProto.FLOAT, ["N", 6])
    p = helper.make_tensor_value_info("prod", TensorProto.FLOAT, ["N", 6])
    nodes = [
        helper.make_node("Add", ["a", "b"], ["t"], name="add"),
        helper.make_node("Sigmoid", ["t"], ["sig"], name="sigmoid"),
        helper.make_node("Mul", ["a", "b"], ["prod"], name="mul"),
    ]
    return helper.make_graph(nodes, "twoout", [a, b], [s, p]), {"a": [3, 6],
                                                               "b": [3, 6]}


def main():
    name, out = sys.argv[1], sys.argv[2]
    rng = np.random.default_rng(1234)
    graph, shapes = {"mlp": mlp, "cnn": cnn, "twoout": twoout}[name](rng)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    path = f"{out}/{name}.onnx"
    onnx.save(model, path)
    feeds = {k: rng.standard_normal(v).astype(np.float32)
             for k, v in shapes.items()}
    for k, v in feeds.items():
        np.save(f"{out}/{name}.{k}.npy", v)
    sess = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    for o, v in zip(sess.get_outputs(), sess.run(None, feeds)):
        np.save(f"{out}/{name}.ref.{o.name}.npy", v)


main()
