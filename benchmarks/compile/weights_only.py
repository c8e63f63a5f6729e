# Compile-memory benchmark input built from a real GGUF checkpoint, without a graph
# builder: every tensor becomes a qcc.external_weight and @main returns the sum of
# all weights (per-tensor sums added in a chain; a 272-way concat makes one-shot
# bufferization's analysis quadratic), so every weight is used and must be placed
# in model.so.
#   weights_only.py mlir  MODEL.gguf OUT.mlir     writes the module
#   weights_only.py check MODEL.gguf SUM.npy      compares qcc's sum with the gguf
#                                                 package's dequantization (float64)
import sys

import numpy as np
from gguf import GGUFReader
from gguf.quants import dequantize


def tensors(path):
    for t in GGUFReader(path).tensors:
        shape = [int(d) for d in reversed(t.shape)]  # logical, outermost first
        yield t, shape


def write_mlir(path, out):
    lines, sums = [], []
    for i, (t, shape) in enumerate(tensors(path)):
        ty = "x".join(map(str, shape)) + "xf32"
        lines.append(f'    %w{i} = qcc.external_weight @w{i} {{source = "{path}", format = "gguf", '
                     f'tensor = "{t.name}"}} : tensor<{ty}>')
        cur, cur_shape = f"%w{i}", list(shape)
        # Sum the innermost axis until one [1] tensor is left.
        while len(cur_shape) > 1:
            nxt = cur_shape[:-1]
            lines.append(f"    %s{i}_{len(nxt)} = qcc.reduce_sum {cur} {{axes = array<i64: {len(cur_shape) - 1}>, "
                         f"keepdims = false}} : (tensor<{'x'.join(map(str, cur_shape))}xf32>) -> "
                         f"tensor<{'x'.join(map(str, nxt))}xf32>")
            cur, cur_shape = f"%s{i}_{len(nxt)}", nxt
        lines.append(f"    %t{i} = qcc.reduce_sum {cur} {{axes = array<i64: 0>, keepdims = true}} : "
                     f"(tensor<{cur_shape[0]}xf32>) -> tensor<1xf32>")
        sums.append(f"%t{i}")
    acc = sums[0]
    for i, t in enumerate(sums[1:]):
        lines.append(f"    %acc{i} = qcc.add {acc}, {t} : (tensor<1xf32>, tensor<1xf32>) -> tensor<1xf32>")
        acc = f"%acc{i}"
    body = "\n".join(lines)
    text = ('module {\n  func.func @main(%x: tensor<1xf32>) -> tensor<1xf32>\n'
            '      attributes {qcc.input_names = ["x"], qcc.output_names = ["sum"]} {\n' + body +
            f'\n    %y = qcc.add {acc}, %x : (tensor<1xf32>, tensor<1xf32>) -> tensor<1xf32>\n'
            '    return %y : tensor<1xf32>\n  }\n}\n')
    open(out, "w").write(text)
    np.save(out + ".zero.npy", np.zeros(1, np.float32))
    print(f"{len(sums)} tensors")


def check(path, sum_path):
    got = float(np.load(sum_path)[0])
    ref = scale = 0.0
    for t, shape in tensors(path):
        w = dequantize(t.data, t.tensor_type).astype(np.float64)
        ref += w.sum()
        scale += np.abs(w).sum()
    err = abs(got - ref) / scale
    print(f"qcc {got:.6g}, gguf package {ref:.6g}, |error| / sum|w| = {err:.2e}")
    # f32 accumulation over 135M elements vs float64: well below 1e-5 of sum|w|.
    if err > 1e-5:
        sys.exit("FAIL")
    print("PASS")


if __name__ == "__main__":
    {"mlir": write_mlir, "check": check}[sys.argv[1]](*sys.argv[2:])
