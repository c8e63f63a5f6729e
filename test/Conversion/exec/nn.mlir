// Executes lowered convolutions, pooling, normalizations and reductions and compares them with numpy.
// RUN: qcc-opt %s --convert-qcc-to-linalg | %lower-to-llvm | %mlir-runner | %python %S/check_output.py %s | FileCheck %s
// The same through the production pipeline (convert-qcc-to-linalg + CODEGEN's qcc-lower-to-llvm, serial):
// RUN: qcc-opt %s --qcc-to-llvm=threads=false | %mlir-runner | %python %S/check_output.py %s | FileCheck %s
// CHECK: OK: 20 outputs match
// Inputs: arr(shape, mul, mod, off, div) below; the MLIR constants in @main were printed from the same formula.
// NUMPY: def arr(shape, mul, mod, off, div):
// NUMPY:     return (((np.arange(int(np.prod(shape))) * mul) % mod - off) / div).astype(np.float32).reshape(shape)
// NUMPY: x = arr((1, 4, 5, 5), 37, 23, 11, 7)
// NUMPY: w = arr((4, 4, 3, 3), 13, 17, 8, 9)
// NUMPY: wd = arr((4, 1, 3, 3), 11, 19, 9, 8)
// NUMPY: wg = arr((4, 2, 2, 2), 7, 13, 6, 5)
// NUMPY: b = arr((4,), 5, 7, 3, 4)
// NUMPY: x1 = arr((2, 3, 7), 29, 31, 15, 10)
// NUMPY: w1 = arr((2, 3, 3), 17, 11, 5, 6)
// NUMPY: wt = arr((4, 3, 3, 3), 19, 23, 11, 12)
// NUMPY: t = arr((2, 3, 4), 41, 29, 14, 6)
// NUMPY: g = arr((4,), 3, 5, 1, 2)
// NUMPY: bb = arr((4,), 7, 9, 4, 5)
// NUMPY: def conv2d(x, w, b, s, p, d, g):
// NUMPY:     N, C, H, W = x.shape; M, Cg, KH, KW = w.shape; Mg = M // g
// NUMPY:     xp = np.pad(x, ((0, 0), (0, 0), (p[0], p[2]), (p[1], p[3])))
// NUMPY:     OH = (xp.shape[2] - d[0] * (KH - 1) - 1) // s[0] + 1
// NUMPY:     OW = (xp.shape[3] - d[1] * (KW - 1) - 1) // s[1] + 1
// NUMPY:     y = np.zeros((N, M, OH, OW))
// NUMPY:     for m in range(M):
// NUMPY:         gi = m // Mg
// NUMPY:         for i in range(OH):
// NUMPY:             for j in range(OW):
// NUMPY:                 patch = xp[:, gi * Cg:(gi + 1) * Cg, i * s[0]:i * s[0] + d[0] * (KH - 1) + 1:d[0], j * s[1]:j * s[1] + d[1] * (KW - 1) + 1:d[1]]
// NUMPY:                 y[:, m, i, j] = (patch * w[m]).sum(axis=(1, 2, 3))
// NUMPY:     return y if b is None else y + b[None, :, None, None]
// NUMPY: def conv_t(x, w, s, p, op):
// NUMPY:     N, C, H, W = x.shape; _, M, KH, KW = w.shape
// NUMPY:     full = np.zeros((N, M, (H - 1) * s + KH + op, (W - 1) * s + KW + op))
// NUMPY:     for i in range(H):
// NUMPY:         for j in range(W):
// NUMPY:             full[:, :, i * s:i * s + KH, j * s:j * s + KW] += np.einsum('nc,cmij->nmij', x[:, :, i, j], w)
// NUMPY:     OH = (H - 1) * s + op + KH - 2 * p; OW = (W - 1) * s + op + KW - 2 * p
// NUMPY:     return full[:, :, p:p + OH, p:p + OW]
// NUMPY: def pool(x, k, s, p, ceil, kind, include=False):
// NUMPY:     H, W = x.shape[2:]
// NUMPY:     o = [(H + p[0] + p[2] - k) / s + 1, (W + p[1] + p[3] - k) / s + 1]
// NUMPY:     o = [int(np.ceil(v - 1)) + 1 if ceil else int(np.floor(v - 1)) + 1 for v in o]
// NUMPY:     eh = max(0, (o[0] - 1) * s + k - (H + p[0] + p[2])); ew = max(0, (o[1] - 1) * s + k - (W + p[1] + p[3]))
// NUMPY:     pads = ((0, 0), (0, 0), (p[0], p[2]), (p[1], p[3]))
// NUMPY:     fill = -np.inf if kind == 'max' else 0
// NUMPY:     xp = np.pad(np.pad(x, pads, constant_values=fill), ((0, 0), (0, 0), (0, eh), (0, ew)), constant_values=fill)
// NUMPY:     ones = np.pad(np.pad(np.ones_like(x), pads, constant_values=1 if include else 0), ((0, 0), (0, 0), (0, eh), (0, ew)))
// NUMPY:     y = np.zeros(x.shape[:2] + tuple(o))
// NUMPY:     for i in range(o[0]):
// NUMPY:         for j in range(o[1]):
// NUMPY:             win = xp[:, :, i * s:i * s + k, j * s:j * s + k]
// NUMPY:             y[:, :, i, j] = win.max(axis=(2, 3)) if kind == 'max' else win.sum(axis=(2, 3)) / ones[:, :, i * s:i * s + k, j * s:j * s + k].sum(axis=(2, 3))
// NUMPY:     return y
// NUMPY: def ln(v, axes, scale, bias, eps=1e-5):
// NUMPY:     m = v.mean(axis=axes, keepdims=True); var = ((v - m) ** 2).mean(axis=axes, keepdims=True)
// NUMPY:     return (v - m) / np.sqrt(var + eps) * scale + bias
// NUMPY: def softmax(v, a):
// NUMPY:     e = np.exp(v - v.max(axis=a, keepdims=True)); return e / e.sum(axis=a, keepdims=True)
// NUMPY: var = g * g + 0.5
// NUMPY: expected = [conv2d(x, w, b, (2, 2), (1, 1, 1, 1), (1, 1), 1),
// NUMPY:   conv2d(x, wd, None, (1, 1), (1, 1, 1, 1), (1, 1), 4),
// NUMPY:   conv2d(x, wg, b, (1, 1), (0, 1, 1, 0), (2, 2), 2),
// NUMPY:   conv2d(x1[:, :, None, :], w1[:, :, None, :], None, (1, 2), (0, 1, 0, 1), (1, 1), 1)[:, :, 0, :],
// NUMPY:   conv_t(x, wt, 2, 1, 1),
// NUMPY:   pool(x, 2, 2, (0, 0, 0, 0), True, 'max'),
// NUMPY:   pool(x, 3, 2, (1, 1, 1, 1), False, 'avg', False),
// NUMPY:   pool(x, 3, 2, (1, 1, 1, 1), False, 'avg', True),
// NUMPY:   pool(x, 2, 2, (0, 0, 0, 0), True, 'avg', False),
// NUMPY:   (x - b[None, :, None, None]) / np.sqrt(var[None, :, None, None] + 1e-5) * g[None, :, None, None] + bb[None, :, None, None],
// NUMPY:   ln(t, (2,), g, bb), ln(t, (1, 2), g, 0),
// NUMPY:   t / np.sqrt((t * t).mean(axis=2, keepdims=True) + 1e-6) * g,
// NUMPY:   softmax(t, 1), np.log(softmax(t, 2)),
// NUMPY:   t.sum(axis=(0, 2), keepdims=True), t.mean(axis=1), t.max(axis=2, keepdims=True),
// NUMPY:   t.argmax(axis=2), 2 - t[:, ::-1, :].argmin(axis=1)]
// TOL: 1e-4 1e-5

func.func @conv(%x: tensor<1x4x5x5xf32>, %w: tensor<4x4x3x3xf32>, %b: tensor<4xf32>, %wd: tensor<4x1x3x3xf32>, %wg: tensor<4x2x2x2xf32>, %x1: tensor<2x3x7xf32>, %w1: tensor<2x3x3xf32>, %wt: tensor<4x3x3x3xf32>) -> (tensor<1x4x3x3xf32>, tensor<1x4x5x5xf32>, tensor<1x4x4x4xf32>, tensor<2x2x4xf32>, tensor<1x3x10x10xf32>) {
  %0 = qcc.conv %x, %w, %b {strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>} : (tensor<1x4x5x5xf32>, tensor<4x4x3x3xf32>, tensor<4xf32>) -> tensor<1x4x3x3xf32>
  %1 = qcc.conv %x, %wd {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 4 : i64} : (tensor<1x4x5x5xf32>, tensor<4x1x3x3xf32>) -> tensor<1x4x5x5xf32>
  %2 = qcc.conv %x, %wg, %b {strides = array<i64: 1, 1>, pads = array<i64: 0, 1, 1, 0>, dilations = array<i64: 2, 2>, group = 2 : i64} : (tensor<1x4x5x5xf32>, tensor<4x2x2x2xf32>, tensor<4xf32>) -> tensor<1x4x4x4xf32>
  %3 = qcc.conv %x1, %w1 {strides = array<i64: 2>, pads = array<i64: 1, 1>, dilations = array<i64: 1>} : (tensor<2x3x7xf32>, tensor<2x3x3xf32>) -> tensor<2x2x4xf32>
  %4 = qcc.conv_transpose %x, %wt {strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, output_padding = array<i64: 1, 1>} : (tensor<1x4x5x5xf32>, tensor<4x3x3x3xf32>) -> tensor<1x3x10x10xf32>
  return %0, %1, %2, %3, %4 : tensor<1x4x3x3xf32>, tensor<1x4x5x5xf32>, tensor<1x4x4x4xf32>, tensor<2x2x4xf32>, tensor<1x3x10x10xf32>
}

func.func @pool(%x: tensor<1x4x5x5xf32>) -> (tensor<1x4x3x3xf32>, tensor<1x4x3x3xf32>, tensor<1x4x3x3xf32>, tensor<1x4x3x3xf32>) {
  %0 = qcc.max_pool %x {kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, ceil_mode = true} : (tensor<1x4x5x5xf32>) -> tensor<1x4x3x3xf32>
  %1 = qcc.avg_pool %x {kernel_shape = array<i64: 3, 3>, strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>} : (tensor<1x4x5x5xf32>) -> tensor<1x4x3x3xf32>
  %2 = qcc.avg_pool %x {kernel_shape = array<i64: 3, 3>, strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, count_include_pad = true} : (tensor<1x4x5x5xf32>) -> tensor<1x4x3x3xf32>
  %3 = qcc.avg_pool %x {kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, ceil_mode = true} : (tensor<1x4x5x5xf32>) -> tensor<1x4x3x3xf32>
  return %0, %1, %2, %3 : tensor<1x4x3x3xf32>, tensor<1x4x3x3xf32>, tensor<1x4x3x3xf32>, tensor<1x4x3x3xf32>
}

func.func @norm(%x: tensor<1x4x5x5xf32>, %t: tensor<2x3x4xf32>, %g: tensor<4xf32>, %bb: tensor<4xf32>, %b: tensor<4xf32>) -> (tensor<1x4x5x5xf32>, tensor<2x3x4xf32>, tensor<2x3x4xf32>, tensor<2x3x4xf32>, tensor<2x3x4xf32>, tensor<2x3x4xf32>) {
  %gg = qcc.mul %g, %g : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %h = arith.constant dense<0.5> : tensor<f32>
  %var = qcc.add %gg, %h : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  %0 = qcc.batch_norm %x, %g, %bb, %b, %var {epsilon = 1.0e-5 : f32} : (tensor<1x4x5x5xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<1x4x5x5xf32>
  %1 = qcc.layer_norm %t, %g, %bb {axis = -1 : i64, epsilon = 1.0e-5 : f32} : (tensor<2x3x4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<2x3x4xf32>
  %2 = qcc.layer_norm %t, %g {axis = 1 : i64, epsilon = 1.0e-5 : f32} : (tensor<2x3x4xf32>, tensor<4xf32>) -> tensor<2x3x4xf32>
  %3 = qcc.rms_norm %t, %g {axis = -1 : i64, epsilon = 1.0e-6 : f32} : (tensor<2x3x4xf32>, tensor<4xf32>) -> tensor<2x3x4xf32>
  %4 = qcc.softmax %t {axis = 1 : i64} : tensor<2x3x4xf32>
  %5 = qcc.log_softmax %t {axis = -1 : i64} : tensor<2x3x4xf32>
  return %0, %1, %2, %3, %4, %5 : tensor<1x4x5x5xf32>, tensor<2x3x4xf32>, tensor<2x3x4xf32>, tensor<2x3x4xf32>, tensor<2x3x4xf32>, tensor<2x3x4xf32>
}

func.func @reduce(%t: tensor<2x3x4xf32>) -> (tensor<1x3x1xf32>, tensor<2x4xf32>, tensor<2x3x1xf32>, tensor<2x3xf32>, tensor<2x4xf32>) {
  %0 = qcc.reduce_sum %t {axes = array<i64: 0, 2>, keepdims = true} : (tensor<2x3x4xf32>) -> tensor<1x3x1xf32>
  %1 = qcc.reduce_mean %t {axes = array<i64: 1>, keepdims = false} : (tensor<2x3x4xf32>) -> tensor<2x4xf32>
  %2 = qcc.reduce_max %t {axes = array<i64: 2>} : (tensor<2x3x4xf32>) -> tensor<2x3x1xf32>
  %i = qcc.argmax %t {axis = 2 : i64, keepdims = false} : (tensor<2x3x4xf32>) -> tensor<2x3xi64>
  %3 = qcc.cast %i : tensor<2x3xi64> -> tensor<2x3xf32>
  %j = qcc.argmin %t {axis = 1 : i64, keepdims = false, select_last_index = true} : (tensor<2x3x4xf32>) -> tensor<2x4xi64>
  %4 = qcc.cast %j : tensor<2x4xi64> -> tensor<2x4xf32>
  return %0, %1, %2, %3, %4 : tensor<1x3x1xf32>, tensor<2x4xf32>, tensor<2x3x1xf32>, tensor<2x3xf32>, tensor<2x4xf32>
}

func.func private @printMemrefF32(tensor<*xf32>)
func.func @main() {
  %x = arith.constant dense<[[[[-1.5714285373687744, 0.4285714328289032, -0.8571428656578064, 1.1428571939468384, -0.1428571492433548], [-1.4285714626312256, 0.5714285969734192, -0.7142857313156128, 1.2857142686843872, 0.0], [-1.2857142686843872, 0.7142857313156128, -0.5714285969734192, 1.4285714626312256, 0.1428571492433548], [-1.1428571939468384, 0.8571428656578064, -0.4285714328289032, 1.5714285373687744, 0.2857142984867096], [-1.0, 1.0, -0.2857142984867096, -1.5714285373687744, 0.4285714328289032]], [[-0.8571428656578064, 1.1428571939468384, -0.1428571492433548, -1.4285714626312256, 0.5714285969734192], [-0.7142857313156128, 1.2857142686843872, 0.0, -1.2857142686843872, 0.7142857313156128], [-0.5714285969734192, 1.4285714626312256, 0.1428571492433548, -1.1428571939468384, 0.8571428656578064], [-0.4285714328289032, 1.5714285373687744, 0.2857142984867096, -1.0, 1.0], [-0.2857142984867096, -1.5714285373687744, 0.4285714328289032, -0.8571428656578064, 1.1428571939468384]], [[-0.1428571492433548, -1.4285714626312256, 0.5714285969734192, -0.7142857313156128, 1.2857142686843872], [0.0, -1.2857142686843872, 0.7142857313156128, -0.5714285969734192, 1.4285714626312256], [0.1428571492433548, -1.1428571939468384, 0.8571428656578064, -0.4285714328289032, 1.5714285373687744], [0.2857142984867096, -1.0, 1.0, -0.2857142984867096, -1.5714285373687744], [0.4285714328289032, -0.8571428656578064, 1.1428571939468384, -0.1428571492433548, -1.4285714626312256]], [[0.5714285969734192, -0.7142857313156128, 1.2857142686843872, 0.0, -1.2857142686843872], [0.7142857313156128, -0.5714285969734192, 1.4285714626312256, 0.1428571492433548, -1.1428571939468384], [0.8571428656578064, -0.4285714328289032, 1.5714285373687744, 0.2857142984867096, -1.0], [1.0, -0.2857142984867096, -1.5714285373687744, 0.4285714328289032, -0.8571428656578064], [1.1428571939468384, -0.1428571492433548, -1.4285714626312256, 0.5714285969734192, -0.7142857313156128]]]]> : tensor<1x4x5x5xf32>
  %w = arith.constant dense<[[[[-0.8888888955116272, 0.5555555820465088, 0.1111111119389534], [-0.3333333432674408, -0.7777777910232544, 0.6666666865348816], [0.2222222238779068, -0.2222222238779068, -0.6666666865348816]], [[0.7777777910232544, 0.3333333432674408, -0.1111111119389534], [-0.5555555820465088, 0.8888888955116272, 0.4444444477558136], [0.0, -0.4444444477558136, -0.8888888955116272]], [[0.5555555820465088, 0.1111111119389534, -0.3333333432674408], [-0.7777777910232544, 0.6666666865348816, 0.2222222238779068], [-0.2222222238779068, -0.6666666865348816, 0.7777777910232544]], [[0.3333333432674408, -0.1111111119389534, -0.5555555820465088], [0.8888888955116272, 0.4444444477558136, 0.0], [-0.4444444477558136, -0.8888888955116272, 0.5555555820465088]]], [[[0.1111111119389534, -0.3333333432674408, -0.7777777910232544], [0.6666666865348816, 0.2222222238779068, -0.2222222238779068], [-0.6666666865348816, 0.7777777910232544, 0.3333333432674408]], [[-0.1111111119389534, -0.5555555820465088, 0.8888888955116272], [0.4444444477558136, 0.0, -0.4444444477558136], [-0.8888888955116272, 0.5555555820465088, 0.1111111119389534]], [[-0.3333333432674408, -0.7777777910232544, 0.6666666865348816], [0.2222222238779068, -0.2222222238779068, -0.6666666865348816], [0.7777777910232544, 0.3333333432674408, -0.1111111119389534]], [[-0.5555555820465088, 0.8888888955116272, 0.4444444477558136], [0.0, -0.4444444477558136, -0.8888888955116272], [0.5555555820465088, 0.1111111119389534, -0.3333333432674408]]], [[[-0.7777777910232544, 0.6666666865348816, 0.2222222238779068], [-0.2222222238779068, -0.6666666865348816, 0.7777777910232544], [0.3333333432674408, -0.1111111119389534, -0.5555555820465088]], [[0.8888888955116272, 0.4444444477558136, 0.0], [-0.4444444477558136, -0.8888888955116272, 0.5555555820465088], [0.1111111119389534, -0.3333333432674408, -0.7777777910232544]], [[0.6666666865348816, 0.2222222238779068, -0.2222222238779068], [-0.6666666865348816, 0.7777777910232544, 0.3333333432674408], [-0.1111111119389534, -0.5555555820465088, 0.8888888955116272]], [[0.4444444477558136, 0.0, -0.4444444477558136], [-0.8888888955116272, 0.5555555820465088, 0.1111111119389534], [-0.3333333432674408, -0.7777777910232544, 0.6666666865348816]]], [[[0.2222222238779068, -0.2222222238779068, -0.6666666865348816], [0.7777777910232544, 0.3333333432674408, -0.1111111119389534], [-0.5555555820465088, 0.8888888955116272, 0.4444444477558136]], [[0.0, -0.4444444477558136, -0.8888888955116272], [0.5555555820465088, 0.1111111119389534, -0.3333333432674408], [-0.7777777910232544, 0.6666666865348816, 0.2222222238779068]], [[-0.2222222238779068, -0.6666666865348816, 0.7777777910232544], [0.3333333432674408, -0.1111111119389534, -0.5555555820465088], [0.8888888955116272, 0.4444444477558136, 0.0]], [[-0.4444444477558136, -0.8888888955116272, 0.5555555820465088], [0.1111111119389534, -0.3333333432674408, -0.7777777910232544], [0.6666666865348816, 0.2222222238779068, -0.2222222238779068]]]]> : tensor<4x4x3x3xf32>
  %wd = arith.constant dense<[[[[-1.125, 0.25, -0.75], [0.625, -0.375, 1.0], [0.0, -1.0, 0.375]]], [[[-0.625, 0.75, -0.25], [1.125, 0.125, -0.875], [0.5, -0.5, 0.875]]], [[[-0.125, -1.125, 0.25], [-0.75, 0.625, -0.375], [1.0, 0.0, -1.0]]], [[[0.375, -0.625, 0.75], [-0.25, 1.125, 0.125], [-0.875, 0.5, -0.5]]]]> : tensor<4x1x3x3xf32>
  %wg = arith.constant dense<[[[[-1.2000000476837158, 0.20000000298023224], [-1.0, 0.4000000059604645]], [[-0.800000011920929, 0.6000000238418579], [-0.6000000238418579, 0.800000011920929]]], [[[-0.4000000059604645, 1.0], [-0.20000000298023224, 1.2000000476837158]], [[0.0, -1.2000000476837158], [0.20000000298023224, -1.0]]], [[[0.4000000059604645, -0.800000011920929], [0.6000000238418579, -0.6000000238418579]], [[0.800000011920929, -0.4000000059604645], [1.0, -0.20000000298023224]]], [[[1.2000000476837158, 0.0], [-1.2000000476837158, 0.20000000298023224]], [[-1.0, 0.4000000059604645], [-0.800000011920929, 0.6000000238418579]]]]> : tensor<4x2x2x2xf32>
  %b = arith.constant dense<[-0.75, 0.5, 0.0, -0.5]> : tensor<4xf32>
  %x1 = arith.constant dense<[[[-1.5, 1.399999976158142, 1.2000000476837158, 1.0, 0.800000011920929, 0.6000000238418579, 0.4000000059604645], [0.20000000298023224, 0.0, -0.20000000298023224, -0.4000000059604645, -0.6000000238418579, -0.800000011920929, -1.0], [-1.2000000476837158, -1.399999976158142, 1.5, 1.2999999523162842, 1.100000023841858, 0.8999999761581421, 0.699999988079071]], [[0.5, 0.30000001192092896, 0.10000000149011612, -0.10000000149011612, -0.30000001192092896, -0.5, -0.699999988079071], [-0.8999999761581421, -1.100000023841858, -1.2999999523162842, -1.5, 1.399999976158142, 1.2000000476837158, 1.0], [0.800000011920929, 0.6000000238418579, 0.4000000059604645, 0.20000000298023224, 0.0, -0.20000000298023224, -0.4000000059604645]]]> : tensor<2x3x7xf32>
  %w1 = arith.constant dense<[[[-0.8333333134651184, 0.1666666716337204, -0.6666666865348816], [0.3333333432674408, -0.5, 0.5], [-0.3333333432674408, 0.6666666865348816, -0.1666666716337204]], [[0.8333333134651184, 0.0, -0.8333333134651184], [0.1666666716337204, -0.6666666865348816, 0.3333333432674408], [-0.5, 0.5, -0.3333333432674408]]]> : tensor<2x3x3xf32>
  %wt = arith.constant dense<[[[[-0.9166666865348816, 0.6666666865348816, 0.3333333432674408], [0.0, -0.3333333432674408, -0.6666666865348816], [0.9166666865348816, 0.5833333134651184, 0.25]], [[-0.0833333358168602, -0.4166666567325592, -0.75], [0.8333333134651184, 0.5, 0.1666666716337204], [-0.1666666716337204, -0.5, -0.8333333134651184]], [[0.75, 0.4166666567325592, 0.0833333358168602], [-0.25, -0.5833333134651184, -0.9166666865348816], [0.6666666865348816, 0.3333333432674408, 0.0]]], [[[-0.3333333432674408, -0.6666666865348816, 0.9166666865348816], [0.5833333134651184, 0.25, -0.0833333358168602], [-0.4166666567325592, -0.75, 0.8333333134651184]], [[0.5, 0.1666666716337204, -0.1666666716337204], [-0.5, -0.8333333134651184, 0.75], [0.4166666567325592, 0.0833333358168602, -0.25]], [[-0.5833333134651184, -0.9166666865348816, 0.6666666865348816], [0.3333333432674408, 0.0, -0.3333333432674408], [-0.6666666865348816, 0.9166666865348816, 0.5833333134651184]]], [[[0.25, -0.0833333358168602, -0.4166666567325592], [-0.75, 0.8333333134651184, 0.5], [0.1666666716337204, -0.1666666716337204, -0.5]], [[-0.8333333134651184, 0.75, 0.4166666567325592], [0.0833333358168602, -0.25, -0.5833333134651184], [-0.9166666865348816, 0.6666666865348816, 0.3333333432674408]], [[0.0, -0.3333333432674408, -0.6666666865348816], [0.9166666865348816, 0.5833333134651184, 0.25], [-0.0833333358168602, -0.4166666567325592, -0.75]]], [[[0.8333333134651184, 0.5, 0.1666666716337204], [-0.1666666716337204, -0.5, -0.8333333134651184], [0.75, 0.4166666567325592, 0.0833333358168602]], [[-0.25, -0.5833333134651184, -0.9166666865348816], [0.6666666865348816, 0.3333333432674408, 0.0], [-0.3333333432674408, -0.6666666865348816, 0.9166666865348816]], [[0.5833333134651184, 0.25, -0.0833333358168602], [-0.4166666567325592, -0.75, 0.8333333134651184], [0.5, 0.1666666716337204, -0.1666666716337204]]]]> : tensor<4x3x3x3xf32>
  %t = arith.constant dense<[[[-2.3333332538604736, -0.3333333432674408, 1.6666666269302368, -1.1666666269302368], [0.8333333134651184, -2.0, 0.0, 2.0], [-0.8333333134651184, 1.1666666269302368, -1.6666666269302368, 0.3333333432674408]], [[2.3333332538604736, -0.5, 1.5, -1.3333333730697632], [0.6666666865348816, -2.1666667461395264, -0.1666666716337204, 1.8333333730697632], [-1.0, 1.0, -1.8333333730697632, 0.1666666716337204]]]> : tensor<2x3x4xf32>
  %g = arith.constant dense<[-0.5, 1.0, 0.0, 1.5]> : tensor<4xf32>
  %bb = arith.constant dense<[-0.800000011920929, 0.6000000238418579, 0.20000000298023224, -0.20000000298023224]> : tensor<4xf32>
  %conv:5 = call @conv(%x, %w, %b, %wd, %wg, %x1, %w1, %wt) : (tensor<1x4x5x5xf32>, tensor<4x4x3x3xf32>, tensor<4xf32>, tensor<4x1x3x3xf32>, tensor<4x2x2x2xf32>, tensor<2x3x7xf32>, tensor<2x3x3xf32>, tensor<4x3x3x3xf32>) -> (tensor<1x4x3x3xf32>, tensor<1x4x5x5xf32>, tensor<1x4x4x4xf32>, tensor<2x2x4xf32>, tensor<1x3x10x10xf32>)
  %u0 = tensor.cast %conv#0 : tensor<1x4x3x3xf32> to tensor<*xf32>
  call @printMemrefF32(%u0) : (tensor<*xf32>) -> ()
  %u1 = tensor.cast %conv#1 : tensor<1x4x5x5xf32> to tensor<*xf32>
  call @printMemrefF32(%u1) : (tensor<*xf32>) -> ()
  %u2 = tensor.cast %conv#2 : tensor<1x4x4x4xf32> to tensor<*xf32>
  call @printMemrefF32(%u2) : (tensor<*xf32>) -> ()
  %u3 = tensor.cast %conv#3 : tensor<2x2x4xf32> to tensor<*xf32>
  call @printMemrefF32(%u3) : (tensor<*xf32>) -> ()
  %u4 = tensor.cast %conv#4 : tensor<1x3x10x10xf32> to tensor<*xf32>
  call @printMemrefF32(%u4) : (tensor<*xf32>) -> ()
  %pool:4 = call @pool(%x) : (tensor<1x4x5x5xf32>) -> (tensor<1x4x3x3xf32>, tensor<1x4x3x3xf32>, tensor<1x4x3x3xf32>, tensor<1x4x3x3xf32>)
  %u5 = tensor.cast %pool#0 : tensor<1x4x3x3xf32> to tensor<*xf32>
  call @printMemrefF32(%u5) : (tensor<*xf32>) -> ()
  %u6 = tensor.cast %pool#1 : tensor<1x4x3x3xf32> to tensor<*xf32>
  call @printMemrefF32(%u6) : (tensor<*xf32>) -> ()
  %u7 = tensor.cast %pool#2 : tensor<1x4x3x3xf32> to tensor<*xf32>
  call @printMemrefF32(%u7) : (tensor<*xf32>) -> ()
  %u8 = tensor.cast %pool#3 : tensor<1x4x3x3xf32> to tensor<*xf32>
  call @printMemrefF32(%u8) : (tensor<*xf32>) -> ()
  %norm:6 = call @norm(%x, %t, %g, %bb, %b) : (tensor<1x4x5x5xf32>, tensor<2x3x4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) -> (tensor<1x4x5x5xf32>, tensor<2x3x4xf32>, tensor<2x3x4xf32>, tensor<2x3x4xf32>, tensor<2x3x4xf32>, tensor<2x3x4xf32>)
  %u9 = tensor.cast %norm#0 : tensor<1x4x5x5xf32> to tensor<*xf32>
  call @printMemrefF32(%u9) : (tensor<*xf32>) -> ()
  %u10 = tensor.cast %norm#1 : tensor<2x3x4xf32> to tensor<*xf32>
  call @printMemrefF32(%u10) : (tensor<*xf32>) -> ()
  %u11 = tensor.cast %norm#2 : tensor<2x3x4xf32> to tensor<*xf32>
  call @printMemrefF32(%u11) : (tensor<*xf32>) -> ()
  %u12 = tensor.cast %norm#3 : tensor<2x3x4xf32> to tensor<*xf32>
  call @printMemrefF32(%u12) : (tensor<*xf32>) -> ()
  %u13 = tensor.cast %norm#4 : tensor<2x3x4xf32> to tensor<*xf32>
  call @printMemrefF32(%u13) : (tensor<*xf32>) -> ()
  %u14 = tensor.cast %norm#5 : tensor<2x3x4xf32> to tensor<*xf32>
  call @printMemrefF32(%u14) : (tensor<*xf32>) -> ()
  %reduce:5 = call @reduce(%t) : (tensor<2x3x4xf32>) -> (tensor<1x3x1xf32>, tensor<2x4xf32>, tensor<2x3x1xf32>, tensor<2x3xf32>, tensor<2x4xf32>)
  %u15 = tensor.cast %reduce#0 : tensor<1x3x1xf32> to tensor<*xf32>
  call @printMemrefF32(%u15) : (tensor<*xf32>) -> ()
  %u16 = tensor.cast %reduce#1 : tensor<2x4xf32> to tensor<*xf32>
  call @printMemrefF32(%u16) : (tensor<*xf32>) -> ()
  %u17 = tensor.cast %reduce#2 : tensor<2x3x1xf32> to tensor<*xf32>
  call @printMemrefF32(%u17) : (tensor<*xf32>) -> ()
  %u18 = tensor.cast %reduce#3 : tensor<2x3xf32> to tensor<*xf32>
  call @printMemrefF32(%u18) : (tensor<*xf32>) -> ()
  %u19 = tensor.cast %reduce#4 : tensor<2x4xf32> to tensor<*xf32>
  call @printMemrefF32(%u19) : (tensor<*xf32>) -> ()
  return
}
