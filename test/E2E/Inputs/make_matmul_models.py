# Builds the ONNX model of matmul-ukernel.test: f32 products of odd shapes that qcc lowers to the runtime
# micro-kernel qcc_rt_sgemm, random inputs, and numpy float64 references: make_matmul_models.py OUTDIR
#   OUTDIR/mm.onnx, OUTDIR/mm.<input>.npy, OUTDIR/mm.ref.<output>.npy
# Outputs (each a different kernel path or operand layout):
#   lin    Relu(x[37,29] W[29,45] + b)             constant B [K,N], bias, ReLU, edge tiles
#   gemmt  Gemm(x[37,29], Wt[43,29]^T, c[43])       constant B stored [N,K] (transB=1)
#   gemv   Gemm(v[3,29], Wt[43,29]^T)               M <= 4: GEMV path, [N,K] B
#   bmm    a[3,17,19] @ bb[3,19,23]                 batched, both operands run-time inputs
#   bcast  y[2,3,5,29] @ W[29,45]                   rank-4 x 2-D (collapsed to one product)
#   big    x2[130,300] @ W2[300,129]                several K and N blocks, M not a multiple of 6
#   conv   Conv(img[1,3,11,13], k[7,3,3,3])         im2col contraction
# and OUTDIR/dyn.onnx: y[seq,45] = x[seq,29] W[29,45] with a dynamic M (LLM prefill), run with seq = 1, 7
# and 50 (OUTDIR/dyn.x<seq>.npy, OUTDIR/dyn.ref<seq>.npy).
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def main(out):
    rng = np.random.default_rng(7)

    def arr(*shape):
        return rng.uniform(-1, 1, shape).astype(np.float32)

    consts = {"W": arr(29, 45), "b": arr(45), "Wt": arr(43, 29), "c": arr(43), "W2": arr(300, 129),
              "k": arr(7, 3, 3, 3)}
    feeds = {"x": arr(37, 29), "v": arr(3, 29), "a": arr(3, 17, 19), "bb": arr(3, 19, 23),
             "y": arr(2, 3, 5, 29), "x2": arr(130, 300), "img": arr(1, 3, 11, 13)}
    d = {k: v.astype(np.float64) for k, v in {**consts, **feeds}.items()}
    conv = np.zeros((1, 7, 9, 11))
    for f in range(7):
        for i in range(9):
            for j in range(11):
                conv[0, f, i, j] = np.sum(d["img"][0, :, i:i + 3, j:j + 3] * d["k"][f])
    refs = {"lin": np.maximum(d["x"] @ d["W"] + d["b"], 0), "gemmt": d["x"] @ d["Wt"].T + d["c"],
            "gemv": d["v"] @ d["Wt"].T, "bmm": d["a"] @ d["bb"], "bcast": d["y"] @ d["W"],
            "big": d["x2"] @ d["W2"], "conv": conv}
    nodes = [helper.make_node("MatMul", ["x", "W"], ["lin0"]), helper.make_node("Add", ["lin0", "b"], ["lin1"]),
             helper.make_node("Relu", ["lin1"], ["lin"]),
             helper.make_node("Gemm", ["x", "Wt", "c"], ["gemmt"], transB=1),
             helper.make_node("Gemm", ["v", "Wt"], ["gemv"], transB=1),
             helper.make_node("MatMul", ["a", "bb"], ["bmm"]), helper.make_node("MatMul", ["y", "W"], ["bcast"]),
             helper.make_node("MatMul", ["x2", "W2"], ["big"]), helper.make_node("Conv", ["img", "k"], ["conv"])]
    inputs = [helper.make_tensor_value_info(k, TensorProto.FLOAT, v.shape) for k, v in feeds.items()]
    outputs = [helper.make_tensor_value_info(k, TensorProto.FLOAT, v.shape) for k, v in refs.items()]
    inits = [numpy_helper.from_array(v, k) for k, v in consts.items()]
    model = helper.make_model(helper.make_graph(nodes, "mm", inputs, outputs, inits),
                              opset_imports=[helper.make_opsetid("", 17)])
    onnx.checker.check_model(model)
    onnx.save(model, f"{out}/mm.onnx")
    for k, v in feeds.items():
        np.save(f"{out}/mm.{k}.npy", v)
    for k, v in refs.items():
        np.save(f"{out}/mm.ref.{k}.npy", v.astype(np.float32))

    dyn = helper.make_graph([helper.make_node("MatMul", ["x", "W"], ["y"])], "dyn",
                            [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["seq", 29])],
                            [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["seq", 45])],
                            [numpy_helper.from_array(consts["W"], "W")])
    onnx.save(helper.make_model(dyn, opset_imports=[helper.make_opsetid("", 17)]), f"{out}/dyn.onnx")
    for seq in (1, 7, 50):
        x = arr(seq, 29)
        np.save(f"{out}/dyn.x{seq}.npy", x)
        np.save(f"{out}/dyn.ref{seq}.npy", (x.astype(np.float64) @ d["W"]).astype(np.float32))


if __name__ == "__main__":
    main(sys.argv[1])
