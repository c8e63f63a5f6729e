# Writes a small CNN in the qcc dialect (conv -> relu -> max_pool -> reshape ->
# gemm -> softmax) with its weights as dense_resource blobs, an input, and the
# numpy reference output: make_qcc_cnn.py OUTDIR
import sys

import numpy as np

d = sys.argv[1]
rng = np.random.default_rng(11)
x = rng.standard_normal((1, 3, 10, 10)).astype(np.float32)
w = (rng.standard_normal((8, 3, 3, 3)) * 0.3).astype(np.float32)
b = (rng.standard_normal(8) * 0.1).astype(np.float32)
fw = (rng.standard_normal((200, 10)) * 0.1).astype(np.float32)
fb = (rng.standard_normal(10) * 0.1).astype(np.float32)


def blob(a):
    return "0x04000000" + a.tobytes().hex().upper()


# Reference: conv (pad 1, stride 1), relu, 2x2/2 max pool, flatten, gemm, softmax.
xp = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
conv = np.zeros((1, 8, 10, 10), np.float64)
for i in range(3):
    for j in range(3):
        conv += np.einsum("nchw,oc->nohw", xp[:, :, i:i + 10, j:j + 10],
                          w[:, :, i, j].astype(np.float64))
conv += b[None, :, None, None]
relu = np.maximum(conv, 0)
pool = relu.reshape(1, 8, 5, 2, 5, 2).max(axis=(3, 5))
logits = pool.reshape(1, 200) @ fw + fb
e = np.exp(logits - logits.max(axis=-1, keepdims=True))
probs = (e / e.sum(axis=-1, keepdims=True)).astype(np.float32)

np.save(f"{d}/x.npy", x)
np.save(f"{d}/probs.npy", probs)
with open(f"{d}/cnn.mlir", "w") as f:
    f.write(f"""module attributes {{qcc.source = "cnn"}} {{
  func.func @main(%x: tensor<1x3x10x10xf32>) -> tensor<1x10xf32>
      attributes {{qcc.input_names = ["x"], qcc.output_names = ["probs"]}} {{
    %w = arith.constant dense_resource<w> : tensor<8x3x3x3xf32>
    %b = arith.constant dense_resource<b> : tensor<8xf32>
    %fw = arith.constant dense_resource<fw> : tensor<200x10xf32>
    %fb = arith.constant dense_resource<fb> : tensor<10xf32>
    %0 = qcc.conv %x, %w, %b {{strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>}} : (tensor<1x3x10x10xf32>, tensor<8x3x3x3xf32>, tensor<8xf32>) -> tensor<1x8x10x10xf32>
    %1 = qcc.relu %0 : tensor<1x8x10x10xf32>
    %2 = qcc.max_pool %1 {{kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>}} : (tensor<1x8x10x10xf32>) -> tensor<1x8x5x5xf32>
    %3 = qcc.reshape %2 : (tensor<1x8x5x5xf32>) -> tensor<1x200xf32>
    %4 = qcc.gemm %3, %fw, %fb : (tensor<1x200xf32>, tensor<200x10xf32>, tensor<10xf32>) -> tensor<1x10xf32>
    %5 = qcc.softmax %4 {{axis = -1 : i64}} : tensor<1x10xf32>
    return %5 : tensor<1x10xf32>
  }}
}}

{{-#
  dialect_resources: {{
    builtin: {{
      w: "{blob(w)}",
      b: "{blob(b)}",
      fw: "{blob(fw)}",
      fb: "{blob(fb)}"
    }}
  }}
#-}}
""")
