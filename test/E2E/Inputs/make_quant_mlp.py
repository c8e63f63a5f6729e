"""Builds an ONNX MLP (Gemm transB=1 + bias, Relu, MatMul, Add) and, for one weight
scheme, the expected output computed with numpy from weights quantized by an
independent numpy round-to-nearest (the formulas of include/qcc/Quant/Numerics.h:
per-group scale/min rounded to f16, round half to even, clamp; NF4 nearest table
entry). Writes <out>/qmlp.onnx, qmlp.x.npy, qmlp.<scheme>.ref.npy and qmlp.f32.ref.npy.

usage: make_quant_mlp.py OUT_DIR SCHEME (int8_pc_sym | int4_g128_asym | nf4_g64 | f16 |
                                        w8a8_g64_azp)

w8a8_g64_azp (W8A8ACC): int8 symmetric weights with an f16 scale per group of 64 input
channels, and the input of each linear layer fake-quantized per row and per group of 64
to uint8 with a zero point, in float32 like the kernels (QKernels.h, QCC_QF_INT8_W8A8_AZP).
"""
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

NF4 = np.array([-1.0, -0.6961928009986877, -0.5250730514526367, -0.39491748809814453,
                -0.28444138169288635, -0.18477343022823334, -0.09105003625154495, 0.0,
                0.07958029955625534, 0.16093020141124725, 0.24611230194568634,
                0.33791524171829224, 0.44070982933044434, 0.5626170039176941,
                0.7229568362236023, 1.0], dtype=np.float32)


def f16(x):
    return np.asarray(x, dtype=np.float32).astype(np.float16).astype(np.float32)


def rtn_dequant(w, scheme):
    """Dequantized copy of W[N, K] (f32) under `scheme`."""
    n, k = w.shape
    if scheme == "f16":  # QF16: each weight rounded to the nearest half (numpy, ties to even)
        return f16(w)
    if scheme == "w8a8_g64_azp":  # int8 symmetric, scale f16(max|w| / 127) per group of 64
        g = w.reshape(n, k // 64, 64).astype(np.float32)
        scale = f16(np.abs(g).max(axis=2, keepdims=True) / np.float32(127))
        safe = np.where(scale == 0, np.float32(1), scale)
        q = np.clip(np.rint(g / safe), -127, 127).astype(np.float32)
        return (q * scale).reshape(n, k).astype(np.float32)
    if scheme == "int8_pc_sym":
        bits, group, sym, fmt = 8, k, True, "uniform"
    elif scheme == "int4_g128_asym":
        bits, group, sym, fmt = 4, 128, False, "uniform"
    elif scheme == "nf4_g64":
        bits, group, sym, fmt = 4, 64, True, "nf4"
    else:
        raise SystemExit("unknown scheme " + scheme)
    g = w.reshape(n, k // group, group).astype(np.float32)
    if fmt == "nf4":
        scale = f16(np.abs(g).max(axis=2, keepdims=True))
        safe = np.where(scale == 0, np.float32(1), scale)
        idx = np.abs((g / safe)[..., None] - NF4).argmin(axis=-1)
        return (NF4[idx] * scale).reshape(n, k).astype(np.float32)
    qmax = np.float32(2 ** bits - 1)
    if sym:
        scale = f16(np.abs(g).max(axis=2, keepdims=True) / np.float32(2 ** (bits - 1) - 1))
        mn = f16(np.float32(-(2 ** (bits - 1))) * scale)
    else:
        lo, hi = g.min(axis=2, keepdims=True), g.max(axis=2, keepdims=True)
        scale = f16((hi - lo) / qmax)
        mn = f16(lo)
    safe = np.where(scale == 0, np.float32(1), scale)
    q = np.clip(np.rint((g - mn) / safe), 0, qmax).astype(np.float32)
    return (q * scale + mn).reshape(n, k).astype(np.float32)


def round_half_away(x):
    return np.where(x >= 0, np.floor(x + np.float32(0.5)), -np.floor(-x + np.float32(0.5)))


def fake_quant_azp(x, group=64):
    """Per-row, per-group uint8 zero-point fake quantization of x[M, K] in float32."""
    x = x.astype(np.float32)
    out = np.zeros_like(x)
    for j in range(0, x.shape[1], group):
        a = x[:, j:j + group]
        lo = np.minimum(a.min(1, keepdims=True), np.float32(0))
        hi = np.maximum(a.max(1, keepdims=True), np.float32(0))
        scale = ((hi - lo) / np.float32(255)).astype(np.float32)
        safe = np.where(scale > 0, scale, np.float32(1))
        zp = np.minimum(round_half_away(-lo / safe), np.float32(255))
        u = np.clip(round_half_away(a / safe) + zp, 0, 255)
        out[:, j:j + group] = np.where(scale > 0, (u - zp) * scale, 0)
    return out


def main():
    out, scheme = sys.argv[1], sys.argv[2]
    rng = np.random.default_rng(7)
    k0, h, o = 256, 384, 128
    w1 = rng.standard_normal((h, k0)).astype(np.float32) * 0.05   # Gemm transB: [out, in]
    b1 = rng.standard_normal(h).astype(np.float32) * 0.1
    w2 = rng.standard_normal((h, o)).astype(np.float32) * 0.05    # MatMul: [in, out]
    b2 = rng.standard_normal(o).astype(np.float32) * 0.1
    x = rng.standard_normal((5, k0)).astype(np.float32)
    graph = helper.make_graph(
        [helper.make_node("Gemm", ["x", "w1", "b1"], ["h"], transB=1),
         helper.make_node("Relu", ["h"], ["r"]),
         helper.make_node("MatMul", ["r", "w2"], ["m"]),
         helper.make_node("Add", ["m", "b2"], ["y"])],
        "qmlp",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", k0])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", o])],
        [numpy_helper.from_array(w1, "w1"), numpy_helper.from_array(b1, "b1"),
         numpy_helper.from_array(w2, "w2"), numpy_helper.from_array(b2, "b2")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    onnx.save(model, out + "/qmlp.onnx")
    np.save(out + "/qmlp.x.npy", x)

    def forward(a, b):
        if scheme == "w8a8_g64_azp":  # the activations are quantized too
            hid = np.maximum(fake_quant_azp(x).astype(np.float64) @ a.T.astype(np.float64) + b1, 0)
            hid = fake_quant_azp(hid.astype(np.float32)).astype(np.float64)
        else:
            hid = np.maximum(x.astype(np.float64) @ a.T.astype(np.float64) + b1, 0)
        return (hid @ b.astype(np.float64) + b2).astype(np.float32)

    np.save(out + "/qmlp.f32.ref.npy", forward(w1, w2))
    dq1 = rtn_dequant(w1, scheme)
    dq2 = rtn_dequant(w2.T.copy(), scheme).T   # quantized as W^T [out, in]
    np.save(out + "/qmlp.%s.ref.npy" % scheme, forward(dq1, dq2))


if __name__ == "__main__":
    main()
