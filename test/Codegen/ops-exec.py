# Execution test: convolutions (im2col), depthwise/pooling, elementwise with approximated math,
# reductions and results that alias inputs, through qcc-lower-to-llvm, checked against numpy.
# RUN: %python %s 2>&1 | FileCheck %s
#
# Tolerances: |err| <= 1e-4 * (reduction length) for sums of products of values in [-1, 1];
# 5e-6 absolute (+1e-5 relative) for the polynomial tanh/erf/exp approximations.
import math
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "Inputs"))
import exec_harness  # noqa: E402

rng = np.random.default_rng(1)


def conv_nchw_ref(x, w, stride):
    n, c, h, wd = x.shape
    f, _, kh, kw = w.shape
    oh, ow = (h - kh) // stride + 1, (wd - kw) // stride + 1
    out = np.zeros((n, f, oh, ow))
    for i in range(oh):
        for j in range(ow):
            patch = x[:, :, i * stride:i * stride + kh, j * stride:j * stride + kw].astype(np.float64)
            out[:, :, i, j] = np.einsum("nchw,fchw->nf", patch, w.astype(np.float64))
    return out


def report(name, out, ref, atol, rtol=0.0, stats=None):
    err = np.abs(out.astype(np.float64) - ref)
    ok = bool(np.all(err <= atol + rtol * np.abs(ref)))
    leaks = stats["allocs"] - stats["frees"] if stats else 0
    print(f"{'PASS' if ok else 'FAIL'} {name} maxerr={float(err.max()):.2e} leaks={leaks}")


for target in ["avx512", "avx2"]:
    pipe = f"qcc-lower-to-llvm{{target={target}}}"

    # NCHW convolution (the ONNX layout), stride 2, through im2col + matmul.
    x = rng.uniform(-1, 1, (1, 5, 17, 19)).astype(np.float32)
    w = rng.uniform(-1, 1, (12, 5, 3, 3)).astype(np.float32)
    ref = conv_nchw_ref(x, w, 2)
    mlir = f"""
func.func @kernel(%x: tensor<1x5x17x19xf32>, %w: tensor<12x5x3x3xf32>) -> tensor<1x12x8x9xf32> {{
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x12x8x9xf32>
  %c = linalg.fill ins(%zero : f32) outs(%e : tensor<1x12x8x9xf32>) -> tensor<1x12x8x9xf32>
  %r = linalg.conv_2d_nchw_fchw {{dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}}
       ins(%x, %w : tensor<1x5x17x19xf32>, tensor<12x5x3x3xf32>) outs(%c : tensor<1x12x8x9xf32>) -> tensor<1x12x8x9xf32>
  return %r : tensor<1x12x8x9xf32>
}}"""
    (out,), st = exec_harness.run(mlir, "kernel", [x, w], [(ref.shape, np.float32)], pipeline=pipe)
    report(f"conv_nchw {target}", out, ref, 1e-4 * 45, stats=st)

    # NHWC convolution, stride 1.
    xh = rng.uniform(-1, 1, (1, 10, 12, 3)).astype(np.float32)
    wh = rng.uniform(-1, 1, (3, 3, 3, 40)).astype(np.float32)
    ref = np.transpose(conv_nchw_ref(np.transpose(xh, (0, 3, 1, 2)), np.transpose(wh, (3, 2, 0, 1)), 1), (0, 2, 3, 1))
    mlir = f"""
func.func @kernel(%x: tensor<1x10x12x3xf32>, %w: tensor<3x3x3x40xf32>) -> tensor<1x8x10x40xf32> {{
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x8x10x40xf32>
  %c = linalg.fill ins(%zero : f32) outs(%e : tensor<1x8x10x40xf32>) -> tensor<1x8x10x40xf32>
  %r = linalg.conv_2d_nhwc_hwcf {{dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}}
       ins(%x, %w : tensor<1x10x12x3xf32>, tensor<3x3x3x40xf32>) outs(%c : tensor<1x8x10x40xf32>) -> tensor<1x8x10x40xf32>
  return %r : tensor<1x8x10x40xf32>
}}"""
    (out,), st = exec_harness.run(mlir, "kernel", [xh, wh], [(ref.shape, np.float32)], pipeline=pipe)
    report(f"conv_nhwc {target}", out, ref, 1e-4 * 27, stats=st)

    # Depthwise NHWC 3x3 and NCHW max pooling 2x2/2 (loop fallback, parallel outer dims).
    wd = rng.uniform(-1, 1, (3, 3, 3)).astype(np.float32)
    ref = np.zeros((1, 8, 10, 3))
    for i in range(8):
        for j in range(10):
            ref[0, i, j, :] = np.einsum("hwc,hwc->c", xh[0, i:i + 3, j:j + 3, :].astype(np.float64), wd)
    mlir = """
func.func @kernel(%x: tensor<1x10x12x3xf32>, %w: tensor<3x3x3xf32>) -> tensor<1x8x10x3xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x8x10x3xf32>
  %c = linalg.fill ins(%zero : f32) outs(%e : tensor<1x8x10x3xf32>) -> tensor<1x8x10x3xf32>
  %r = linalg.depthwise_conv_2d_nhwc_hwc {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
       ins(%x, %w : tensor<1x10x12x3xf32>, tensor<3x3x3xf32>) outs(%c : tensor<1x8x10x3xf32>) -> tensor<1x8x10x3xf32>
  return %r : tensor<1x8x10x3xf32>
}"""
    (out,), st = exec_harness.run(mlir, "kernel", [xh, wd], [(ref.shape, np.float32)], pipeline=pipe)
    report(f"depthwise_nhwc {target}", out, ref, 1e-4 * 9, stats=st)

    ref = x[:, :, :16, :18].reshape(1, 5, 8, 2, 9, 2).max(axis=(3, 5)).astype(np.float64)
    mlir = """
func.func @kernel(%x: tensor<1x5x17x19xf32>) -> tensor<1x5x8x9xf32> {
  %ninf = arith.constant 0xFF800000 : f32
  %e = tensor.empty() : tensor<1x5x8x9xf32>
  %c = linalg.fill ins(%ninf : f32) outs(%e : tensor<1x5x8x9xf32>) -> tensor<1x5x8x9xf32>
  %win = tensor.empty() : tensor<2x2xf32>
  %r = linalg.pooling_nchw_max {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
       ins(%x, %win : tensor<1x5x17x19xf32>, tensor<2x2xf32>) outs(%c : tensor<1x5x8x9xf32>) -> tensor<1x5x8x9xf32>
  return %r : tensor<1x5x8x9xf32>
}"""
    (out,), st = exec_harness.run(mlir, "kernel", [x], [(ref.shape, np.float32)], pipeline=pipe)
    report(f"maxpool_nchw {target}", out, ref, 0.0, stats=st)

    # Fused elementwise chain with a broadcast: tanh(a + b) * exp(-|a|) + erf(a), odd row length.
    a = rng.uniform(-3, 3, (7, 37)).astype(np.float32)
    b = rng.uniform(-1, 1, (37,)).astype(np.float32)
    a64, b64 = a.astype(np.float64), b.astype(np.float64)
    erf = np.vectorize(math.erf)
    ref = np.tanh(a64 + b64) * np.exp(-np.abs(a64)) + erf(a64)
    mlir = """
#id = affine_map<(i, j) -> (i, j)>
#row = affine_map<(i, j) -> (j)>
func.func @kernel(%a: tensor<7x37xf32>, %b: tensor<37xf32>) -> tensor<7x37xf32> {
  %e = tensor.empty() : tensor<7x37xf32>
  %s = linalg.generic {indexing_maps = [#id, #row, #id], iterator_types = ["parallel", "parallel"]}
      ins(%a, %b : tensor<7x37xf32>, tensor<37xf32>) outs(%e : tensor<7x37xf32>) {
  ^bb0(%x: f32, %y: f32, %o: f32):
    %0 = arith.addf %x, %y : f32
    %1 = math.tanh %0 : f32
    linalg.yield %1 : f32
  } -> tensor<7x37xf32>
  %r = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%s, %a : tensor<7x37xf32>, tensor<7x37xf32>) outs(%e : tensor<7x37xf32>) {
  ^bb0(%t: f32, %x: f32, %o: f32):
    %0 = math.absf %x : f32
    %1 = arith.negf %0 : f32
    %2 = math.exp %1 : f32
    %3 = arith.mulf %t, %2 : f32
    %4 = math.erf %x : f32
    %5 = arith.addf %3, %4 : f32
    linalg.yield %5 : f32
  } -> tensor<7x37xf32>
  return %r : tensor<7x37xf32>
}"""
    (out,), st = exec_harness.run(mlir, "kernel", [a, b], [(ref.shape, np.float32)], pipeline=pipe)
    report(f"elementwise_math {target}", out, ref, 5e-6, 1e-5, stats=st)

    # Row reduction (sum) and a second result that is the input itself (must be a fresh copy).
    ref = a64.sum(axis=1)
    mlir = """
func.func @kernel(%a: tensor<7x37xf32>) -> (tensor<7xf32>, tensor<7x37xf32>) {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<7xf32>
  %c = linalg.fill ins(%zero : f32) outs(%e : tensor<7xf32>) -> tensor<7xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i)>], iterator_types = ["parallel", "reduction"]}
      ins(%a : tensor<7x37xf32>) outs(%c : tensor<7xf32>) {
  ^bb0(%x: f32, %o: f32):
    %0 = arith.addf %x, %o : f32
    linalg.yield %0 : f32
  } -> tensor<7xf32>
  return %r, %a : tensor<7xf32>, tensor<7x37xf32>
}"""
    (out, same), st = exec_harness.run(mlir, "kernel", [a], [((7,), np.float32), ((7, 37), np.float32)],
                                       pipeline=pipe)
    report(f"row_sum {target}", out, ref, 1e-4 * 37, stats=st)
    report(f"alias_input_result {target}", same, a64, 0.0, stats=st)

    # Softmax-style row reductions (vectorized whole rows): max, and the sum
    # of exp(x - max) over a 3-D input.
    x = rng.uniform(-4, 4, (2, 5, 128)).astype(np.float32)
    x64 = x.astype(np.float64)
    mx = x64.max(axis=2)
    se = np.exp(x64 - mx[..., None]).sum(axis=2)
    mlir = """
func.func @kernel(%x: tensor<2x5x128xf32>) -> (tensor<2x5xf32>, tensor<2x5xf32>) {
  %ninf = arith.constant 0xFF800000 : f32
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x5xf32>
  %m0 = linalg.fill ins(%ninf : f32) outs(%e : tensor<2x5xf32>) -> tensor<2x5xf32>
  %m = linalg.generic {indexing_maps = [affine_map<(i, j, k) -> (i, j, k)>, affine_map<(i, j, k) -> (i, j)>], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x : tensor<2x5x128xf32>) outs(%m0 : tensor<2x5xf32>) {
  ^bb0(%v: f32, %o: f32):
    %0 = arith.maxnumf %v, %o : f32
    linalg.yield %0 : f32
  } -> tensor<2x5xf32>
  %s0 = linalg.fill ins(%zero : f32) outs(%e : tensor<2x5xf32>) -> tensor<2x5xf32>
  %s = linalg.generic {indexing_maps = [affine_map<(i, j, k) -> (i, j, k)>, affine_map<(i, j, k) -> (i, j)>, affine_map<(i, j, k) -> (i, j)>], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %m : tensor<2x5x128xf32>, tensor<2x5xf32>) outs(%s0 : tensor<2x5xf32>) {
  ^bb0(%v: f32, %mm: f32, %o: f32):
    %0 = arith.subf %v, %mm : f32
    %1 = math.exp %0 : f32
    %2 = arith.addf %1, %o : f32
    linalg.yield %2 : f32
  } -> tensor<2x5xf32>
  return %m, %s : tensor<2x5xf32>, tensor<2x5xf32>
}"""
    (om, os_), st = exec_harness.run(mlir, "kernel", [x], [((2, 5), np.float32), ((2, 5), np.float32)],
                                     pipeline=pipe)
    report(f"row_max {target}", om, mx, 0.0, stats=st)
    report(f"row_sum_exp {target}", os_, se, 0.0, 1e-5, stats=st)

# CHECK-NOT: FAIL
# CHECK: PASS conv_nchw avx512 {{.*}} leaks=0
# CHECK: PASS conv_nhwc avx512 {{.*}} leaks=0
# CHECK: PASS depthwise_nhwc avx512 {{.*}} leaks=0
# CHECK: PASS maxpool_nchw avx512 {{.*}} leaks=0
# CHECK: PASS elementwise_math avx512 {{.*}} leaks=0
# CHECK: PASS row_sum avx512 {{.*}} leaks=0
# CHECK: PASS alias_input_result avx512 {{.*}} leaks=0
# CHECK: PASS row_max avx512 {{.*}} leaks=0
# CHECK: PASS row_sum_exp avx512 {{.*}} leaks=0
# CHECK: PASS conv_nchw avx2 {{.*}} leaks=0
# CHECK: PASS conv_nhwc avx2 {{.*}} leaks=0
# CHECK: PASS depthwise_nhwc avx2 {{.*}} leaks=0
# CHECK: PASS maxpool_nchw avx2 {{.*}} leaks=0
# CHECK: PASS elementwise_math avx2 {{.*}} leaks=0
# CHECK: PASS row_sum avx2 {{.*}} leaks=0
# CHECK: PASS alias_input_result avx2 {{.*}} leaks=0
# CHECK: PASS row_max avx2 {{.*}} leaks=0
# CHECK: PASS row_sum_exp avx2 {{.*}} leaks=0
