// Executes lowered matmul / gemm / matmul_integer and compares them with numpy.
// RUN: qcc-opt %s --convert-qcc-to-linalg | %lower-to-llvm | %mlir-runner | %python %S/check_output.py %s | FileCheck %s
// The same through the production pipeline (convert-qcc-to-linalg + CODEGEN's qcc-lower-to-llvm, serial):
// RUN: qcc-opt %s --qcc-to-llvm=threads=false | %mlir-runner | %python %S/check_output.py %s | FileCheck %s
// CHECK: OK: 6 outputs match

// NUMPY: a = np.arange(24, dtype=np.float32).reshape(2, 3, 4) / 10 - 1
// NUMPY: b = np.arange(20, dtype=np.float32).reshape(4, 5) / 7 - 1.5
// NUMPY: bb = np.arange(40, dtype=np.float32).reshape(2, 4, 5) / 9 - 2
// NUMPY: v = np.array([1.0, -2.0, 0.5, 3.0], np.float32)
// NUMPY: c = a[0]; w = np.arange(20, dtype=np.float32).reshape(5, 4) / 11 - 0.5
// NUMPY: bias = np.array([0.5, 1.0, -1.0, 2.0, 0.0], np.float32)
// NUMPY: q = np.array([[0, 255, 128, 7], [200, 3, 90, 45], [17, 34, 250, 1]], np.uint8)
// NUMPY: r = np.arange(20).reshape(4, 5).astype(np.int8) * 6 - 60
// NUMPY: zr = np.array([1, -2, 3, 0, 5], np.int32)
// NUMPY: expected = [a @ b, a @ bb[:1], a @ bb, a @ v,
// NUMPY:   2.0 * c @ w.T + 0.5 * bias,
// NUMPY:   (q.astype(np.int32) - 128) @ (r.astype(np.int32) - zr)]
// TOL: 2e-5 1e-5

func.func @compute(%a: tensor<2x3x4xf32>, %b: tensor<4x5xf32>, %bb: tensor<2x4x5xf32>, %v: tensor<4xf32>, %w: tensor<5x4xf32>, %bias: tensor<5xf32>) -> (tensor<2x3x5xf32>, tensor<2x3x5xf32>, tensor<2x3x5xf32>, tensor<2x3xf32>, tensor<3x5xf32>) {
  %0 = qcc.matmul %a, %b : (tensor<2x3x4xf32>, tensor<4x5xf32>) -> tensor<2x3x5xf32>
  %b1 = qcc.slice %bb {starts = array<i64: 0, 0, 0>, steps = array<i64: 1, 1, 1>} : (tensor<2x4x5xf32>) -> tensor<1x4x5xf32>
  %1 = qcc.matmul %a, %b1 : (tensor<2x3x4xf32>, tensor<1x4x5xf32>) -> tensor<2x3x5xf32>
  %2 = qcc.matmul %a, %bb : (tensor<2x3x4xf32>, tensor<2x4x5xf32>) -> tensor<2x3x5xf32>
  %3 = qcc.matmul %a, %v : (tensor<2x3x4xf32>, tensor<4xf32>) -> tensor<2x3xf32>
  %c = qcc.slice %a {starts = array<i64: 0, 0, 0>, steps = array<i64: 1, 1, 1>} : (tensor<2x3x4xf32>) -> tensor<1x3x4xf32>
  %c2 = qcc.reshape %c : (tensor<1x3x4xf32>) -> tensor<3x4xf32>
  %4 = qcc.gemm %c2, %w, %bias {trans_b = true, alpha = 2.0 : f32, beta = 0.5 : f32} : (tensor<3x4xf32>, tensor<5x4xf32>, tensor<5xf32>) -> tensor<3x5xf32>
  return %0, %1, %2, %3, %4 : tensor<2x3x5xf32>, tensor<2x3x5xf32>, tensor<2x3x5xf32>, tensor<2x3xf32>, tensor<3x5xf32>
}

func.func @integer(%q: tensor<3x4xui8>, %r: tensor<4x5xi8>, %zq: tensor<ui8>, %zr: tensor<5xi8>) -> tensor<3x5xf32> {
  %0 = qcc.matmul_integer %q, %r, %zq, %zr : (tensor<3x4xui8>, tensor<4x5xi8>, tensor<ui8>, tensor<5xi8>) -> tensor<3x5xi32>
  %1 = qcc.cast %0 : tensor<3x5xi32> -> tensor<3x5xf32>
  return %1 : tensor<3x5xf32>
}

func.func private @printMemrefF32(tensor<*xf32>)

func.func @main() {
  %a0 = arith.constant dense<[[[0.0, 1.0, 2.0, 3.0], [4.0, 5.0, 6.0, 7.0], [8.0, 9.0, 10.0, 11.0]], [[12.0, 13.0, 14.0, 15.0], [16.0, 17.0, 18.0, 19.0], [20.0, 21.0, 22.0, 23.0]]]> : tensor<2x3x4xf32>
  %ten = arith.constant dense<10.0> : tensor<f32>
  %one = arith.constant dense<1.0> : tensor<f32>
  %a1 = qcc.div %a0, %ten : (tensor<2x3x4xf32>, tensor<f32>) -> tensor<2x3x4xf32>
  %a = qcc.sub %a1, %one : (tensor<2x3x4xf32>, tensor<f32>) -> tensor<2x3x4xf32>
  %i20 = arith.constant dense<[0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0, 12.0, 13.0, 14.0, 15.0, 16.0, 17.0, 18.0, 19.0]> : tensor<20xf32>
  %seven = arith.constant dense<7.0> : tensor<f32>
  %c15 = arith.constant dense<1.5> : tensor<f32>
  %b0 = qcc.reshape %i20 : (tensor<20xf32>) -> tensor<4x5xf32>
  %b1 = qcc.div %b0, %seven : (tensor<4x5xf32>, tensor<f32>) -> tensor<4x5xf32>
  %b = qcc.sub %b1, %c15 : (tensor<4x5xf32>, tensor<f32>) -> tensor<4x5xf32>
  %i40a = qcc.concat %i20, %i20 {axis = 0 : i64} : (tensor<20xf32>, tensor<20xf32>) -> tensor<40xf32>
  %twenty = arith.constant dense<[0.0, 20.0]> : tensor<2xf32>
  %i40c = qcc.reshape %i40a : (tensor<40xf32>) -> tensor<2x20xf32>
  %tw = qcc.reshape %twenty : (tensor<2xf32>) -> tensor<2x1xf32>
  %i40d = qcc.add %i40c, %tw : (tensor<2x20xf32>, tensor<2x1xf32>) -> tensor<2x20xf32>
  %bb0 = qcc.reshape %i40d : (tensor<2x20xf32>) -> tensor<2x4x5xf32>
  %nine = arith.constant dense<9.0> : tensor<f32>
  %two = arith.constant dense<2.0> : tensor<f32>
  %bb1 = qcc.div %bb0, %nine : (tensor<2x4x5xf32>, tensor<f32>) -> tensor<2x4x5xf32>
  %bb = qcc.sub %bb1, %two : (tensor<2x4x5xf32>, tensor<f32>) -> tensor<2x4x5xf32>
  %v = arith.constant dense<[1.0, -2.0, 0.5, 3.0]> : tensor<4xf32>
  %w0 = qcc.reshape %i20 : (tensor<20xf32>) -> tensor<5x4xf32>
  %eleven = arith.constant dense<11.0> : tensor<f32>
  %half = arith.constant dense<0.5> : tensor<f32>
  %w1 = qcc.div %w0, %eleven : (tensor<5x4xf32>, tensor<f32>) -> tensor<5x4xf32>
  %w = qcc.sub %w1, %half : (tensor<5x4xf32>, tensor<f32>) -> tensor<5x4xf32>
  %bias = arith.constant dense<[0.5, 1.0, -1.0, 2.0, 0.0]> : tensor<5xf32>
  %r:5 = call @compute(%a, %b, %bb, %v, %w, %bias) : (tensor<2x3x4xf32>, tensor<4x5xf32>, tensor<2x4x5xf32>, tensor<4xf32>, tensor<5x4xf32>, tensor<5xf32>) -> (tensor<2x3x5xf32>, tensor<2x3x5xf32>, tensor<2x3x5xf32>, tensor<2x3xf32>, tensor<3x5xf32>)
  %u0 = tensor.cast %r#0 : tensor<2x3x5xf32> to tensor<*xf32>
  call @printMemrefF32(%u0) : (tensor<*xf32>) -> ()
  %u1 = tensor.cast %r#1 : tensor<2x3x5xf32> to tensor<*xf32>
  call @printMemrefF32(%u1) : (tensor<*xf32>) -> ()
  %u2 = tensor.cast %r#2 : tensor<2x3x5xf32> to tensor<*xf32>
  call @printMemrefF32(%u2) : (tensor<*xf32>) -> ()
  %u3 = tensor.cast %r#3 : tensor<2x3xf32> to tensor<*xf32>
  call @printMemrefF32(%u3) : (tensor<*xf32>) -> ()
  %u4 = tensor.cast %r#4 : tensor<3x5xf32> to tensor<*xf32>
  call @printMemrefF32(%u4) : (tensor<*xf32>) -> ()
  %q = arith.constant dense<[[0, 255, 128, 7], [200, 3, 90, 45], [17, 34, 250, 1]]> : tensor<3x4xui8>
  %ri = arith.constant dense<[[-60, -54, -48, -42, -36], [-30, -24, -18, -12, -6], [0, 6, 12, 18, 24], [30, 36, 42, 48, 54]]> : tensor<4x5xi8>
  %zq = arith.constant dense<128> : tensor<ui8>
  %zr = arith.constant dense<[1, -2, 3, 0, 5]> : tensor<5xi8>
  %m = call @integer(%q, %ri, %zq, %zr) : (tensor<3x4xui8>, tensor<4x5xi8>, tensor<ui8>, tensor<5xi8>) -> tensor<3x5xf32>
  %u5 = tensor.cast %m : tensor<3x5xf32> to tensor<*xf32>
  call @printMemrefF32(%u5) : (tensor<*xf32>) -> ()
  return
}
