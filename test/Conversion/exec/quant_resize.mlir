// Executes lowered quantize/dequantize and resize and compares them with numpy.
// RUN: qcc-opt %s --convert-qcc-to-linalg | %lower-to-llvm | %mlir-runner | %python %S/check_output.py %s | FileCheck %s
// The same through the production pipeline (convert-qcc-to-linalg + CODEGEN's qcc-lower-to-llvm, serial):
// RUN: qcc-opt %s --qcc-to-llvm=threads=false | %mlir-runner | %python %S/check_output.py %s | FileCheck %s
// CHECK: OK: 9 outputs match

// NUMPY: x = ((np.arange(32, dtype=np.float32).reshape(4, 8) - 16) * np.float32(0.25))
// NUMPY: sa = np.array([0.1, 0.2, 0.3, 0.4], np.float32)
// NUMPY: sb = np.array([[0.5, 0.25], [0.3, 0.2], [0.1, 0.5], [1.0, 0.75]], np.float32)
// NUMPY: zb = np.array([[0, 1], [-2, 3], [7, -8], [2, -1]])
// NUMPY: q1 = np.clip(np.round(x / np.float32(0.5)) + 128, 0, 255)
// NUMPY: q2 = np.clip(np.round(x / sa[:, None]), -128, 127)
// NUMPY: q3 = np.clip(np.round(x / np.repeat(sb, 4, axis=1)) + np.repeat(zb, 4, axis=1), -8, 7)
// NUMPY: def coord(o, s, inl, outl, m):
// NUMPY:     o = o.astype(np.float64)
// NUMPY:     if m == 'half_pixel': return (o + 0.5) / s - 0.5
// NUMPY:     if m == 'asymmetric': return o / s
// NUMPY:     if m == 'align_corners': return o * (inl - 1) / (outl - 1) if outl > 1 else 0 * o
// NUMPY:     if m == 'pytorch_half_pixel': return (o + 0.5) / s - 0.5 if outl > 1 else 0 * o
// NUMPY: def nearest(v, scales, outs, m, nm):
// NUMPY:     idx = []
// NUMPY:     for d, (s, n) in enumerate(zip(scales, outs)):
// NUMPY:         c = coord(np.arange(n), s, v.shape[d], n, m)
// NUMPY:         r = {'floor': np.floor, 'ceil': np.ceil, 'round_prefer_floor': lambda t: np.ceil(t - 0.5), 'round_prefer_ceil': lambda t: np.floor(t + 0.5)}[nm](c)
// NUMPY:         idx.append(np.clip(r, 0, v.shape[d] - 1).astype(int))
// NUMPY:     return v[np.ix_(*idx)]
// NUMPY: def linear(v, scales, outs, m):
// NUMPY:     for d, (s, n) in enumerate(zip(scales, outs)):
// NUMPY:         if s == 1.0 and n == v.shape[d]: continue
// NUMPY:         c = coord(np.arange(n), s, v.shape[d], n, m); f = np.floor(c); w = c - f
// NUMPY:         lo = np.clip(f, 0, v.shape[d] - 1).astype(int); hi = np.clip(f + 1, 0, v.shape[d] - 1).astype(int)
// NUMPY:         shp = [1] * v.ndim; shp[d] = n; w = w.reshape(shp)
// NUMPY:         v = np.take(v, lo, axis=d) * (1 - w) + np.take(v, hi, axis=d) * w
// NUMPY:     return v
// NUMPY: r = x.reshape(1, 1, 4, 8)
// NUMPY: expected = [q1, q2, q3, (q1 - 128) * 0.5,
// NUMPY:   nearest(r, [1, 1, 2, 0.5], [1, 1, 8, 4], 'asymmetric', 'floor'),
// NUMPY:   nearest(r, [1, 1, 1.5, 1.5], [1, 1, 6, 12], 'half_pixel', 'round_prefer_floor'),
// NUMPY:   linear(r, [1, 1, 2, 2], [1, 1, 8, 16], 'half_pixel'),
// NUMPY:   linear(r, [1, 1, 0.5, 0.75], [1, 1, 2, 6], 'align_corners'),
// NUMPY:   linear(r, [1, 1, 1.75, 0.5], [1, 1, 7, 4], 'pytorch_half_pixel')]

func.func @quant(%x: tensor<4x8xf32>, %sa: tensor<4xf32>, %sb: tensor<4x2xf32>, %zb: tensor<4x2xi4>) -> (tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>) {
  %s1 = arith.constant dense<0.5> : tensor<f32>
  %z1 = arith.constant dense<128> : tensor<ui8>
  %q1 = qcc.quantize %x, %s1, %z1 : (tensor<4x8xf32>, tensor<f32>, tensor<ui8>) -> tensor<4x8xui8>
  %0 = qcc.cast %q1 : tensor<4x8xui8> -> tensor<4x8xf32>
  %q2 = qcc.quantize %x, %sa {axis = 0 : i64} : (tensor<4x8xf32>, tensor<4xf32>) -> tensor<4x8xi8>
  %1 = qcc.cast %q2 : tensor<4x8xi8> -> tensor<4x8xf32>
  %q3 = qcc.quantize %x, %sb, %zb {axis = 1 : i64, block_size = 4 : i64} : (tensor<4x8xf32>, tensor<4x2xf32>, tensor<4x2xi4>) -> tensor<4x8xi4>
  %2 = qcc.cast %q3 : tensor<4x8xi4> -> tensor<4x8xf32>
  %3 = qcc.dequantize %q1, %s1, %z1 : (tensor<4x8xui8>, tensor<f32>, tensor<ui8>) -> tensor<4x8xf32>
  return %0, %1, %2, %3 : tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>
}

func.func @resize(%r: tensor<1x1x4x8xf32>) -> (tensor<1x1x8x4xf32>, tensor<1x1x6x12xf32>, tensor<1x1x8x16xf32>, tensor<1x1x2x6xf32>, tensor<1x1x7x4xf32>) {
  %0 = qcc.resize %r {mode = "nearest", scales = array<f64: 1.0, 1.0, 2.0, 0.5>, coordinate_transformation_mode = "asymmetric", nearest_mode = "floor"} : (tensor<1x1x4x8xf32>) -> tensor<1x1x8x4xf32>
  %1 = qcc.resize %r {mode = "nearest", scales = array<f64: 1.0, 1.0, 1.5, 1.5>} : (tensor<1x1x4x8xf32>) -> tensor<1x1x6x12xf32>
  %2 = qcc.resize %r {mode = "linear", scales = array<f64: 1.0, 1.0, 2.0, 2.0>} : (tensor<1x1x4x8xf32>) -> tensor<1x1x8x16xf32>
  %3 = qcc.resize %r {mode = "linear", scales = array<f64: 1.0, 1.0, 0.5, 0.75>, coordinate_transformation_mode = "align_corners"} : (tensor<1x1x4x8xf32>) -> tensor<1x1x2x6xf32>
  %4 = qcc.resize %r {mode = "linear", scales = array<f64: 1.0, 1.0, 1.75, 0.5>, coordinate_transformation_mode = "pytorch_half_pixel"} : (tensor<1x1x4x8xf32>) -> tensor<1x1x7x4xf32>
  return %0, %1, %2, %3, %4 : tensor<1x1x8x4xf32>, tensor<1x1x6x12xf32>, tensor<1x1x8x16xf32>, tensor<1x1x2x6xf32>, tensor<1x1x7x4xf32>
}

func.func private @printMemrefF32(tensor<*xf32>)

func.func @main() {
  %i = arith.constant dense<[[-16.0, -15.0, -14.0, -13.0, -12.0, -11.0, -10.0, -9.0], [-8.0, -7.0, -6.0, -5.0, -4.0, -3.0, -2.0, -1.0], [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0], [8.0, 9.0, 10.0, 11.0, 12.0, 13.0, 14.0, 15.0]]> : tensor<4x8xf32>
  %q = arith.constant dense<0.25> : tensor<f32>
  %x = qcc.mul %i, %q : (tensor<4x8xf32>, tensor<f32>) -> tensor<4x8xf32>
  %sa = arith.constant dense<[0.1, 0.2, 0.3, 0.4]> : tensor<4xf32>
  %sb = arith.constant dense<[[0.5, 0.25], [0.3, 0.2], [0.1, 0.5], [1.0, 0.75]]> : tensor<4x2xf32>
  %zb = arith.constant dense<[[0, 1], [-2, 3], [7, -8], [2, -1]]> : tensor<4x2xi4>
  %a:4 = call @quant(%x, %sa, %sb, %zb) : (tensor<4x8xf32>, tensor<4xf32>, tensor<4x2xf32>, tensor<4x2xi4>) -> (tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>)
  %u0 = tensor.cast %a#0 : tensor<4x8xf32> to tensor<*xf32>
  call @printMemrefF32(%u0) : (tensor<*xf32>) -> ()
  %u1 = tensor.cast %a#1 : tensor<4x8xf32> to tensor<*xf32>
  call @printMemrefF32(%u1) : (tensor<*xf32>) -> ()
  %u2 = tensor.cast %a#2 : tensor<4x8xf32> to tensor<*xf32>
  call @printMemrefF32(%u2) : (tensor<*xf32>) -> ()
  %u3 = tensor.cast %a#3 : tensor<4x8xf32> to tensor<*xf32>
  call @printMemrefF32(%u3) : (tensor<*xf32>) -> ()
  %r = qcc.reshape %x : (tensor<4x8xf32>) -> tensor<1x1x4x8xf32>
  %b:5 = call @resize(%r) : (tensor<1x1x4x8xf32>) -> (tensor<1x1x8x4xf32>, tensor<1x1x6x12xf32>, tensor<1x1x8x16xf32>, tensor<1x1x2x6xf32>, tensor<1x1x7x4xf32>)
  %v0 = tensor.cast %b#0 : tensor<1x1x8x4xf32> to tensor<*xf32>
  call @printMemrefF32(%v0) : (tensor<*xf32>) -> ()
  %v1 = tensor.cast %b#1 : tensor<1x1x6x12xf32> to tensor<*xf32>
  call @printMemrefF32(%v1) : (tensor<*xf32>) -> ()
  %v2 = tensor.cast %b#2 : tensor<1x1x8x16xf32> to tensor<*xf32>
  call @printMemrefF32(%v2) : (tensor<*xf32>) -> ()
  %v3 = tensor.cast %b#3 : tensor<1x1x2x6xf32> to tensor<*xf32>
  call @printMemrefF32(%v3) : (tensor<*xf32>) -> ()
  %v4 = tensor.cast %b#4 : tensor<1x1x7x4xf32> to tensor<*xf32>
  call @printMemrefF32(%v4) : (tensor<*xf32>) -> ()
  return
}
