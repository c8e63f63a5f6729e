// Executes lowered elementwise ops and compares them with numpy.
// RUN: qcc-opt %s --convert-qcc-to-linalg | %lower-to-llvm | %mlir-runner | %python %S/check_output.py %s | FileCheck %s
// The same through the production pipeline (convert-qcc-to-linalg + CODEGEN's qcc-lower-to-llvm, serial):
// RUN: qcc-opt %s --qcc-to-llvm=threads=false | %mlir-runner | %python %S/check_output.py %s | FileCheck %s
// CHECK: OK: 20 outputs match

// NUMPY: x = np.array([[-2.5, -1.0, -0.5, 0.0], [0.5, 1.5, 2.5, 3.7]], np.float32)
// NUMPY: y = np.array([0.5, -2.0, 1.5, 3.0], np.float32)
// NUMPY: sig = 1 / (1 + np.exp(-x))
// NUMPY: ii = np.array([[-7, -3, 3, 7]], np.int32); jj = np.array([[2], [-2]], np.int32)
// NUMPY: expected = [x + y, x * y - y, x / y, np.maximum(x, y), np.power(np.abs(x), y),
// NUMPY:   np.fmod(x, y), np.mod(x, y), np.where(x >= 0, x, 0.1 * x),
// NUMPY:   0.5 * x * (1 + erf(x / math.sqrt(2))),
// NUMPY:   0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3))),
// NUMPY:   x * sig, np.log1p(np.exp(x)), np.round(x), np.sign(x), np.clip(x, -1, 2),
// NUMPY:   np.where(x > 0, x, 1.2 * (np.exp(x) - 1)), x * np.clip(x / 6 + 0.5, 0, 1),
// NUMPY:   np.mod(ii, jj), np.fmod(ii, jj), (x < y).astype(np.float32)]
// TOL: 2e-5 1e-5

func.func @compute(%x: tensor<2x4xf32>, %y: tensor<4xf32>) -> (tensor<2x4xf32>, tensor<2x4xf32>, tensor<2x4xf32>, tensor<2x4xf32>, tensor<2x4xf32>, tensor<2x4xf32>, tensor<2x4xf32>, tensor<2x4xf32>, tensor<2x4xf32>, tensor<2x4xf32>) {
  %0 = qcc.add %x, %y : (tensor<2x4xf32>, tensor<4xf32>) -> tensor<2x4xf32>
  %m = qcc.mul %x, %y : (tensor<2x4xf32>, tensor<4xf32>) -> tensor<2x4xf32>
  %1 = qcc.sub %m, %y : (tensor<2x4xf32>, tensor<4xf32>) -> tensor<2x4xf32>
  %2 = qcc.div %x, %y : (tensor<2x4xf32>, tensor<4xf32>) -> tensor<2x4xf32>
  %3 = qcc.max %x, %y : (tensor<2x4xf32>, tensor<4xf32>) -> tensor<2x4xf32>
  %a = qcc.abs %x : tensor<2x4xf32>
  %4 = qcc.pow %a, %y : (tensor<2x4xf32>, tensor<4xf32>) -> tensor<2x4xf32>
  %5 = qcc.mod %x, %y {fmod = true} : (tensor<2x4xf32>, tensor<4xf32>) -> tensor<2x4xf32>
  %6 = qcc.mod %x, %y : (tensor<2x4xf32>, tensor<4xf32>) -> tensor<2x4xf32>
  %7 = qcc.leaky_relu %x {alpha = 0.1 : f32} : tensor<2x4xf32>
  %8 = qcc.gelu %x : tensor<2x4xf32>
  %9 = qcc.gelu %x {approximate = "tanh"} : tensor<2x4xf32>
  return %0, %1, %2, %3, %4, %5, %6, %7, %8, %9 : tensor<2x4xf32>, tensor<2x4xf32>, tensor<2x4xf32>, tensor<2x4xf32>, tensor<2x4xf32>, tensor<2x4xf32>, tensor<2x4xf32>, tensor<2x4xf32>, tensor<2x4xf32>, tensor<2x4xf32>
}

func.func @compute2(%x: tensor<2x4xf32>, %y: tensor<4xf32>, %i: tensor<1x4xi32>, %j: tensor<2x1xi32>) -> (tensor<2x4xf32>, tensor<2x4xf32>, tensor<2x4xf32>, tensor<2x4xf32>, tensor<2x4xf32>, tensor<2x4xf32>, tensor<2x4xf32>, tensor<2x4xf32>, tensor<2x4xf32>, tensor<2x4xf32>) {
  %0 = qcc.silu %x : tensor<2x4xf32>
  %1 = qcc.softplus %x : tensor<2x4xf32>
  %2 = qcc.round %x : tensor<2x4xf32>
  %3 = qcc.sign %x : tensor<2x4xf32>
  %4 = qcc.clip %x {min = -1.0, max = 2.0} : tensor<2x4xf32>
  %5 = qcc.elu %x {alpha = 1.2 : f32} : tensor<2x4xf32>
  %6 = qcc.hard_swish %x : tensor<2x4xf32>
  %mi = qcc.mod %i, %j : (tensor<1x4xi32>, tensor<2x1xi32>) -> tensor<2x4xi32>
  %8 = qcc.cast %mi : tensor<2x4xi32> -> tensor<2x4xf32>
  %fi = qcc.mod %i, %j {fmod = true} : (tensor<1x4xi32>, tensor<2x1xi32>) -> tensor<2x4xi32>
  %9 = qcc.cast %fi : tensor<2x4xi32> -> tensor<2x4xf32>
  %lt = qcc.less %x, %y : (tensor<2x4xf32>, tensor<4xf32>) -> tensor<2x4xi1>
  %10 = qcc.cast %lt : tensor<2x4xi1> -> tensor<2x4xf32>
  return %0, %1, %2, %3, %4, %5, %6, %8, %9, %10 : tensor<2x4xf32>, tensor<2x4xf32>, tensor<2x4xf32>, tensor<2x4xf32>, tensor<2x4xf32>, tensor<2x4xf32>, tensor<2x4xf32>, tensor<2x4xf32>, tensor<2x4xf32>, tensor<2x4xf32>
}

func.func private @printMemrefF32(tensor<*xf32>)

func.func @print(%t: tensor<2x4xf32>) {
  %u = tensor.cast %t : tensor<2x4xf32> to tensor<*xf32>
  call @printMemrefF32(%u) : (tensor<*xf32>) -> ()
  return
}

func.func @main() {
  %x = arith.constant dense<[[-2.5, -1.0, -0.5, 0.0], [0.5, 1.5, 2.5, 3.7]]> : tensor<2x4xf32>
  %y = arith.constant dense<[0.5, -2.0, 1.5, 3.0]> : tensor<4xf32>
  %i = arith.constant dense<[[-7, -3, 3, 7]]> : tensor<1x4xi32>
  %j = arith.constant dense<[[2], [-2]]> : tensor<2x1xi32>
  %r:10 = call @compute(%x, %y) : (tensor<2x4xf32>, tensor<4xf32>) -> (tensor<2x4xf32>, tensor<2x4xf32>, tensor<2x4xf32>, tensor<2x4xf32>, tensor<2x4xf32>, tensor<2x4xf32>, tensor<2x4xf32>, tensor<2x4xf32>, tensor<2x4xf32>, tensor<2x4xf32>)
  call @print(%r#0) : (tensor<2x4xf32>) -> ()
  call @print(%r#1) : (tensor<2x4xf32>) -> ()
  call @print(%r#2) : (tensor<2x4xf32>) -> ()
  call @print(%r#3) : (tensor<2x4xf32>) -> ()
  call @print(%r#4) : (tensor<2x4xf32>) -> ()
  call @print(%r#5) : (tensor<2x4xf32>) -> ()
  call @print(%r#6) : (tensor<2x4xf32>) -> ()
  call @print(%r#7) : (tensor<2x4xf32>) -> ()
  call @print(%r#8) : (tensor<2x4xf32>) -> ()
  call @print(%r#9) : (tensor<2x4xf32>) -> ()
  %s:10 = call @compute2(%x, %y, %i, %j) : (tensor<2x4xf32>, tensor<4xf32>, tensor<1x4xi32>, tensor<2x1xi32>) -> (tensor<2x4xf32>, tensor<2x4xf32>, tensor<2x4xf32>, tensor<2x4xf32>, tensor<2x4xf32>, tensor<2x4xf32>, tensor<2x4xf32>, tensor<2x4xf32>, tensor<2x4xf32>, tensor<2x4xf32>)
  call @print(%s#0) : (tensor<2x4xf32>) -> ()
  call @print(%s#1) : (tensor<2x4xf32>) -> ()
  call @print(%s#2) : (tensor<2x4xf32>) -> ()
  call @print(%s#3) : (tensor<2x4xf32>) -> ()
  call @print(%s#4) : (tensor<2x4xf32>) -> ()
  call @print(%s#5) : (tensor<2x4xf32>) -> ()
  call @print(%s#6) : (tensor<2x4xf32>) -> ()
  call @print(%s#7) : (tensor<2x4xf32>) -> ()
  call @print(%s#8) : (tensor<2x4xf32>) -> ()
  call @print(%s#9) : (tensor<2x4xf32>) -> ()
  return
}
