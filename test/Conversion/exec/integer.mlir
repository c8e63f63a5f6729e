// Executes lowered casts and integer arithmetic (signed, unsigned, bool) and compares them with numpy.
// RUN: qcc-opt %s --convert-qcc-to-linalg | %lower-to-llvm | %mlir-runner | %python %S/check_output.py %s | FileCheck %s
// RUN: qcc-opt %s --qcc-to-llvm=threads=false | %mlir-runner | %python %S/check_output.py %s | FileCheck %s
// CHECK: OK: 8 outputs match

// NUMPY: x = np.array([-2.7, -0.5, 0.0, 0.4, 1.5, 2.5, 200.9, 3.0], np.float32)
// NUMPY: a = np.array([-7, 7, -8, 9, 100, -100, 1, 0], np.int32)
// NUMPY: b = np.array([2, -2, 3, 4, 7, 7, 5, 3], np.int32)
// NUMPY: ua = np.array([250, 7, 8, 9, 100, 3, 1, 0], np.uint8); ub = np.array([7, 2, 3, 4, 7, 7, 5, 3], np.uint8)
// NUMPY: expected = [np.trunc(x), (x != 0).astype(np.float32), np.trunc(np.clip(x, 0, None)),
// NUMPY:   np.trunc(a / b), ua // ub, np.power(a, 2), np.sign(a), (ua > 8).astype(np.float32)]

func.func @compute(%x: tensor<8xf32>, %a: tensor<8xi32>, %b: tensor<8xi32>, %ua: tensor<8xui8>, %ub: tensor<8xui8>) -> (tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>) {
  %ti = qcc.cast %x : tensor<8xf32> -> tensor<8xi32>
  %0 = qcc.cast %ti : tensor<8xi32> -> tensor<8xf32>
  %tb = qcc.cast %x : tensor<8xf32> -> tensor<8xi1>
  %1 = qcc.cast %tb : tensor<8xi1> -> tensor<8xf32>
  %r = qcc.relu %x : tensor<8xf32>
  %tu = qcc.cast %r : tensor<8xf32> -> tensor<8xui8>
  %2 = qcc.cast %tu : tensor<8xui8> -> tensor<8xf32>
  %d = qcc.div %a, %b : (tensor<8xi32>, tensor<8xi32>) -> tensor<8xi32>
  %3 = qcc.cast %d : tensor<8xi32> -> tensor<8xf32>
  %ud = qcc.div %ua, %ub : (tensor<8xui8>, tensor<8xui8>) -> tensor<8xui8>
  %4 = qcc.cast %ud : tensor<8xui8> -> tensor<8xf32>
  %two = arith.constant dense<2> : tensor<i32>
  %p = qcc.pow %a, %two : (tensor<8xi32>, tensor<i32>) -> tensor<8xi32>
  %5 = qcc.cast %p : tensor<8xi32> -> tensor<8xf32>
  %s = qcc.sign %a : tensor<8xi32>
  %6 = qcc.cast %s : tensor<8xi32> -> tensor<8xf32>
  %eight = arith.constant dense<8> : tensor<ui8>
  %g = qcc.greater %ua, %eight : (tensor<8xui8>, tensor<ui8>) -> tensor<8xi1>
  %7 = qcc.cast %g : tensor<8xi1> -> tensor<8xf32>
  return %0, %1, %2, %3, %4, %5, %6, %7 : tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>
}

func.func private @printMemrefF32(tensor<*xf32>)

func.func @print(%t: tensor<8xf32>) {
  %u = tensor.cast %t : tensor<8xf32> to tensor<*xf32>
  call @printMemrefF32(%u) : (tensor<*xf32>) -> ()
  return
}

func.func @main() {
  %x = arith.constant dense<[-2.7, -0.5, 0.0, 0.4, 1.5, 2.5, 200.9, 3.0]> : tensor<8xf32>
  %a = arith.constant dense<[-7, 7, -8, 9, 100, -100, 1, 0]> : tensor<8xi32>
  %b = arith.constant dense<[2, -2, 3, 4, 7, 7, 5, 3]> : tensor<8xi32>
  %ua = arith.constant dense<[250, 7, 8, 9, 100, 3, 1, 0]> : tensor<8xui8>
  %ub = arith.constant dense<[7, 2, 3, 4, 7, 7, 5, 3]> : tensor<8xui8>
  %r:8 = call @compute(%x, %a, %b, %ua, %ub) : (tensor<8xf32>, tensor<8xi32>, tensor<8xi32>, tensor<8xui8>, tensor<8xui8>) -> (tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>)
  call @print(%r#0) : (tensor<8xf32>) -> ()
  call @print(%r#1) : (tensor<8xf32>) -> ()
  call @print(%r#2) : (tensor<8xf32>) -> ()
  call @print(%r#3) : (tensor<8xf32>) -> ()
  call @print(%r#4) : (tensor<8xf32>) -> ()
  call @print(%r#5) : (tensor<8xf32>) -> ()
  call @print(%r#6) : (tensor<8xf32>) -> ()
  call @print(%r#7) : (tensor<8xf32>) -> ()
  return
}
