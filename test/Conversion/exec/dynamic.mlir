// Executes lowered ops on dynamically shaped tensors (sizes known at run time
// through tensor.dim) and compares them with numpy.
// RUN: qcc-opt %s --convert-qcc-to-linalg | %lower-to-llvm | %mlir-runner | %python %S/check_output.py %s | FileCheck %s
// RUN: qcc-opt %s --qcc-to-llvm=threads=false | %mlir-runner | %python %S/check_output.py %s | FileCheck %s
// CHECK: OK: 8 outputs match

// NUMPY: x = np.array([[1.0, -2.0, 3.0], [0.5, 0.25, -1.0]], np.float32)
// NUMPY: y = np.array([10.0, 20.0, 30.0], np.float32)
// NUMPY: w = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], np.float32)
// NUMPY: e = np.exp(x - x.max(axis=1, keepdims=True)); sm = e / e.sum(axis=1, keepdims=True)
// NUMPY: expected = [x + y, sm, x @ w, x.reshape(3, 2), np.concatenate([x, x], axis=0),
// NUMPY:   x.sum(axis=0, keepdims=True),
// NUMPY:   # resize: nearest x2 (asymmetric, floor); linear align_corners to width floor(3 * 1.7) = 5 (x_in = o / 2)
// NUMPY:   np.repeat(np.repeat(x, 2, axis=0), 2, axis=1).reshape(1, 1, 4, 6),
// NUMPY:   np.array([x[:, 0], 0.5 * (x[:, 0] + x[:, 1]), x[:, 1], 0.5 * (x[:, 1] + x[:, 2]), x[:, 2]]).T.reshape(1, 1, 2, 5)]

func.func @compute(%x: tensor<?x3xf32>, %y: tensor<3xf32>, %w: tensor<3x2xf32>, %s: tensor<2xi64>) -> (tensor<?x3xf32>, tensor<?x3xf32>, tensor<?x2xf32>, tensor<?x2xf32>, tensor<?x3xf32>, tensor<1x3xf32>) {
  %0 = qcc.add %x, %y : (tensor<?x3xf32>, tensor<3xf32>) -> tensor<?x3xf32>
  %1 = qcc.softmax %x {axis = 1 : i64} : tensor<?x3xf32>
  %2 = qcc.matmul %x, %w : (tensor<?x3xf32>, tensor<3x2xf32>) -> tensor<?x2xf32>
  %3 = qcc.reshape %x, %s : (tensor<?x3xf32>, tensor<2xi64>) -> tensor<?x2xf32>
  %4 = qcc.concat %x, %x {axis = 0 : i64} : (tensor<?x3xf32>, tensor<?x3xf32>) -> tensor<?x3xf32>
  %5 = qcc.reduce_sum %x {axes = array<i64: 0>, keepdims = true} : (tensor<?x3xf32>) -> tensor<1x3xf32>
  return %0, %1, %2, %3, %4, %5 : tensor<?x3xf32>, tensor<?x3xf32>, tensor<?x2xf32>, tensor<?x2xf32>, tensor<?x3xf32>, tensor<1x3xf32>
}

// The resize pattern of PP-OCR det: dynamic spatial dims, output floor(in * scale).
func.func @resize(%x: tensor<1x1x?x?xf32>) -> (tensor<1x1x?x?xf32>, tensor<1x1x?x?xf32>) {
  %0 = qcc.resize %x {mode = "nearest", coordinate_transformation_mode = "asymmetric", nearest_mode = "floor", scales = array<f64: 1.0, 1.0, 2.0, 2.0>} : (tensor<1x1x?x?xf32>) -> tensor<1x1x?x?xf32>
  %1 = qcc.resize %x {mode = "linear", coordinate_transformation_mode = "align_corners", scales = array<f64: 1.0, 1.0, 1.0, 1.7>} : (tensor<1x1x?x?xf32>) -> tensor<1x1x?x?xf32>
  return %0, %1 : tensor<1x1x?x?xf32>, tensor<1x1x?x?xf32>
}

func.func private @printMemrefF32(tensor<*xf32>)

// The model runtime's run-time check hook (runtime/ModelRuntime.cpp); the
// shapes here are valid, so it is never called (runtime-check.mlir tests it).
func.func @qcc_rt_check_failed(%msg: !llvm.ptr, %actual: i64, %expected: i64) {
  return
}

func.func @main() {
  %xs = arith.constant dense<[[1.0, -2.0, 3.0], [0.5, 0.25, -1.0]]> : tensor<2x3xf32>
  %x = tensor.cast %xs : tensor<2x3xf32> to tensor<?x3xf32>
  %y = arith.constant dense<[10.0, 20.0, 30.0]> : tensor<3xf32>
  %w = arith.constant dense<[[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]> : tensor<3x2xf32>
  // ONNX-style shape: -1 is inferred (3), 2 is given.
  %s = arith.constant dense<[-1, 2]> : tensor<2xi64>
  %r:6 = call @compute(%x, %y, %w, %s) : (tensor<?x3xf32>, tensor<3xf32>, tensor<3x2xf32>, tensor<2xi64>) -> (tensor<?x3xf32>, tensor<?x3xf32>, tensor<?x2xf32>, tensor<?x2xf32>, tensor<?x3xf32>, tensor<1x3xf32>)
  %u0 = tensor.cast %r#0 : tensor<?x3xf32> to tensor<*xf32>
  call @printMemrefF32(%u0) : (tensor<*xf32>) -> ()
  %u1 = tensor.cast %r#1 : tensor<?x3xf32> to tensor<*xf32>
  call @printMemrefF32(%u1) : (tensor<*xf32>) -> ()
  %u2 = tensor.cast %r#2 : tensor<?x2xf32> to tensor<*xf32>
  call @printMemrefF32(%u2) : (tensor<*xf32>) -> ()
  %u3 = tensor.cast %r#3 : tensor<?x2xf32> to tensor<*xf32>
  call @printMemrefF32(%u3) : (tensor<*xf32>) -> ()
  %u4 = tensor.cast %r#4 : tensor<?x3xf32> to tensor<*xf32>
  call @printMemrefF32(%u4) : (tensor<*xf32>) -> ()
  %u5 = tensor.cast %r#5 : tensor<1x3xf32> to tensor<*xf32>
  call @printMemrefF32(%u5) : (tensor<*xf32>) -> ()
  %x4 = tensor.cast %xs : tensor<2x3xf32> to tensor<?x?xf32>
  %s4 = arith.constant dense<[1, 1, 2, 3]> : tensor<4xi64>
  %x4d = qcc.reshape %x4, %s4 : (tensor<?x?xf32>, tensor<4xi64>) -> tensor<1x1x?x?xf32>
  %z:2 = call @resize(%x4d) : (tensor<1x1x?x?xf32>) -> (tensor<1x1x?x?xf32>, tensor<1x1x?x?xf32>)
  %u6 = tensor.cast %z#0 : tensor<1x1x?x?xf32> to tensor<*xf32>
  call @printMemrefF32(%u6) : (tensor<*xf32>) -> ()
  %u7 = tensor.cast %z#1 : tensor<1x1x?x?xf32> to tensor<*xf32>
  call @printMemrefF32(%u7) : (tensor<*xf32>) -> ()
  return
}
