# Execution test: matmuls of odd and round sizes through qcc-lower-to-llvm, checked against numpy.
# RUN: %python %s 2>&1 | FileCheck %s
#
# Sizes exercise full micro-tiles, peeled remainders in M and N, padded packed
# panels of B, the unpacked path (M < 16), transposed B and batch matmuls; both
# the avx512 (8x32) and the avx2 (6x16) tilings are run (vector<32xf32> code is
# legalized to ymm on hosts without AVX-512). Tolerance: |err| <= 1e-4 * K on
# values in [-1, 1] (f32 accumulation vs float64 reference).
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "Inputs"))
import exec_harness  # noqa: E402

MATMUL = """
func.func @kernel(%a: tensor<{M}x{K}xf32>, %b: tensor<{K}x{N}xf32>) -> tensor<{M}x{N}xf32> {{
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<{M}x{N}xf32>
  %c = linalg.fill ins(%zero : f32) outs(%e : tensor<{M}x{N}xf32>) -> tensor<{M}x{N}xf32>
  %r = linalg.matmul ins(%a, %b : tensor<{M}x{K}xf32>, tensor<{K}x{N}xf32>) outs(%c : tensor<{M}x{N}xf32>) -> tensor<{M}x{N}xf32>
  return %r : tensor<{M}x{N}xf32>
}}
"""

MATMUL_TB = """
func.func @kernel(%a: tensor<{M}x{K}xf32>, %b: tensor<{N}x{K}xf32>, %c: tensor<{M}x{N}xf32>) -> tensor<{M}x{N}xf32> {{
  %r = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
       ins(%a, %b : tensor<{M}x{K}xf32>, tensor<{N}x{K}xf32>) outs(%c : tensor<{M}x{N}xf32>) -> tensor<{M}x{N}xf32>
  return %r : tensor<{M}x{N}xf32>
}}
"""

BATCH = """
func.func @kernel(%a: tensor<{B}x{M}x{K}xf32>, %b: tensor<{B}x{K}x{N}xf32>) -> tensor<{B}x{M}x{N}xf32> {{
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<{B}x{M}x{N}xf32>
  %c = linalg.fill ins(%zero : f32) outs(%e : tensor<{B}x{M}x{N}xf32>) -> tensor<{B}x{M}x{N}xf32>
  %r = linalg.batch_matmul ins(%a, %b : tensor<{B}x{M}x{K}xf32>, tensor<{B}x{K}x{N}xf32>) outs(%c : tensor<{B}x{M}x{N}xf32>) -> tensor<{B}x{M}x{N}xf32>
  return %r : tensor<{B}x{M}x{N}xf32>
}}
"""

rng = np.random.default_rng(0)


def check(name, mlir, inputs, ref, target, k):
    pipeline = f"qcc-lower-to-llvm{{target={target}}}"
    (out,), stats = exec_harness.run(mlir, "kernel", inputs, [(ref.shape, np.float32)],
                                     pipeline=pipeline)
    err = float(np.max(np.abs(out.astype(np.float64) - ref)))
    status = "PASS" if err <= 1e-4 * k else "FAIL"
    print(f"{status} {name} {target} maxerr={err:.2e} leaks={stats['allocs'] - stats['frees']} "
          f"parallel={'yes' if stats['parallel_calls'] > 0 else 'no'}")


for target in ["avx512", "avx2"]:
    for (m, n, k) in [(37, 45, 29), (512, 512, 512), (5, 7, 3), (64, 96, 300), (130, 33, 1)]:
        a = rng.uniform(-1, 1, (m, k)).astype(np.float32)
        b = rng.uniform(-1, 1, (k, n)).astype(np.float32)
        check(f"matmul_{m}x{n}x{k}", MATMUL.format(M=m, N=n, K=k), [a, b],
              a.astype(np.float64) @ b.astype(np.float64), target, k)
    m, n, k = 33, 70, 40
    a = rng.uniform(-1, 1, (m, k)).astype(np.float32)
    b = rng.uniform(-1, 1, (n, k)).astype(np.float32)
    c = rng.uniform(-1, 1, (m, n)).astype(np.float32)
    check(f"matmul_transpose_b_{m}x{n}x{k}", MATMUL_TB.format(M=m, N=n, K=k), [a, b, c],
          c + a.astype(np.float64) @ b.astype(np.float64).T, target, k)
    # Few rows (unpacked) with transposed B, reached through a unit-dim slice that
    # elementwise fusion folds into the contraction (a unit M dimension).
    SLICE_TB = """
func.func @kernel(%a: tensor<2x3x4xf32>, %w: tensor<5x4xf32>) -> tensor<3x5xf32> {
  %s = tensor.extract_slice %a[1, 0, 0] [1, 3, 4] [1, 1, 1] : tensor<2x3x4xf32> to tensor<1x3x4xf32>
  %c = tensor.collapse_shape %s [[0, 1], [2]] : tensor<1x3x4xf32> into tensor<3x4xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<3x5xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<3x5xf32>) -> tensor<3x5xf32>
  %r = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
       ins(%c, %w : tensor<3x4xf32>, tensor<5x4xf32>) outs(%f : tensor<3x5xf32>) -> tensor<3x5xf32>
  return %r : tensor<3x5xf32>
}"""
    a = rng.uniform(-1, 1, (2, 3, 4)).astype(np.float32)
    w = rng.uniform(-1, 1, (5, 4)).astype(np.float32)
    check("slice_matmul_transpose_b_3x5x4", SLICE_TB, [a, w],
          a[1].astype(np.float64) @ w.astype(np.float64).T, target, 4)
    bs, m, n, k = 3, 17, 19, 23
    a = rng.uniform(-1, 1, (bs, m, k)).astype(np.float32)
    b = rng.uniform(-1, 1, (bs, k, n)).astype(np.float32)
    check(f"batch_matmul_{bs}x{m}x{n}x{k}", BATCH.format(B=bs, M=m, N=n, K=k), [a, b],
          np.matmul(a.astype(np.float64), b.astype(np.float64)), target, k)

# Bias (+ReLU) epilogues that qcc_rt_sgemm applies in registers (the call
# writes the generic's output directly; odd N exercises the edge tiles), also
# through the [M, N] -> [1, M, N] reshape of BERT's linear layers.
LINEAR = """
func.func @kernel(%a: tensor<{M}x{K}xf32>, %w: tensor<{K}x{N}xf32>, %bias: tensor<{N}xf32>) -> tensor<1x{M}x{N}xf32> {{
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<{M}x{N}xf32>
  %c = linalg.fill ins(%zero : f32) outs(%e : tensor<{M}x{N}xf32>) -> tensor<{M}x{N}xf32>
  %p = linalg.matmul ins(%a, %w : tensor<{M}x{K}xf32>, tensor<{K}x{N}xf32>) outs(%c : tensor<{M}x{N}xf32>) -> tensor<{M}x{N}xf32>
  %x = tensor.expand_shape %p [[0, 1], [2]] output_shape [1, {M}, {N}] : tensor<{M}x{N}xf32> into tensor<1x{M}x{N}xf32>
  %o = tensor.empty() : tensor<1x{M}x{N}xf32>
  %r = linalg.generic {{indexing_maps = [affine_map<(i, j, k) -> (i, j, k)>, affine_map<(i, j, k) -> (k)>, affine_map<(i, j, k) -> (i, j, k)>],
                       iterator_types = ["parallel", "parallel", "parallel"]}}
      ins(%x, %bias : tensor<1x{M}x{N}xf32>, tensor<{N}xf32>) outs(%o : tensor<1x{M}x{N}xf32>) {{
  ^bb0(%in: f32, %b: f32, %out: f32):
    %s = arith.addf %in, %b : f32
    {RELU}
  }} -> tensor<1x{M}x{N}xf32>
  return %r : tensor<1x{M}x{N}xf32>
}}
"""
for relu in [False, True]:
    m, n, k = 37, 45, 29
    a = rng.uniform(-1, 1, (m, k)).astype(np.float32)
    w = rng.uniform(-1, 1, (k, n)).astype(np.float32)
    bias = rng.uniform(-1, 1, (n,)).astype(np.float32)
    ref = a.astype(np.float64) @ w.astype(np.float64) + bias
    if relu:
        ref = np.maximum(ref, 0.0)
    body = "%y = arith.maximumf %s, %zero : f32\n    linalg.yield %y : f32" if relu else "linalg.yield %s : f32"
    check(f"linear_bias{'_relu' if relu else ''}_{m}x{n}x{k}", LINEAR.format(M=m, N=n, K=k, RELU=body),
          [a, w, bias], ref[None], "avx2", k)

# CHECK-NOT: FAIL
# CHECK: PASS matmul_37x45x29 avx512 {{.*}} leaks=0 parallel=yes
# CHECK: PASS matmul_512x512x512 avx512 {{.*}} leaks=0 parallel=yes
# CHECK: PASS matmul_5x7x3 avx512 {{.*}} leaks=0
# CHECK: PASS matmul_64x96x300 avx512 {{.*}} leaks=0
# CHECK: PASS matmul_130x33x1 avx512 {{.*}} leaks=0
# CHECK: PASS matmul_transpose_b_33x70x40 avx512 {{.*}} leaks=0
# CHECK: PASS slice_matmul_transpose_b_3x5x4 avx512 {{.*}} leaks=0
# CHECK: PASS batch_matmul_3x17x19x23 avx512 {{.*}} leaks=0
# CHECK: PASS matmul_37x45x29 avx2 {{.*}} leaks=0 parallel=yes
# CHECK: PASS matmul_512x512x512 avx2 {{.*}} leaks=0 parallel=yes
# CHECK: PASS matmul_5x7x3 avx2 {{.*}} leaks=0
# CHECK: PASS matmul_64x96x300 avx2 {{.*}} leaks=0
# CHECK: PASS matmul_130x33x1 avx2 {{.*}} leaks=0
# CHECK: PASS matmul_transpose_b_33x70x40 avx2 {{.*}} leaks=0
# CHECK: PASS slice_matmul_transpose_b_3x5x4 avx2 {{.*}} leaks=0
# CHECK: PASS batch_matmul_3x17x19x23 avx2 {{.*}} leaks=0
# CHECK: PASS linear_bias_37x45x29 avx2 {{.*}} leaks=0
# CHECK: PASS linear_bias_relu_37x45x29 avx2 {{.*}} leaks=0
