// Executes lowered shape / data-movement ops and compares them with numpy.
// RUN: qcc-opt %s --convert-qcc-to-linalg | %lower-to-llvm | %mlir-runner | %python %S/check_output.py %s | FileCheck %s
// The same through the production pipeline (convert-qcc-to-linalg + CODEGEN's qcc-lower-to-llvm, serial):
// RUN: qcc-opt %s --qcc-to-llvm=threads=false | %mlir-runner | %python %S/check_output.py %s | FileCheck %s
// CHECK: OK: 10 outputs match

// NUMPY: x = np.arange(12, dtype=np.float32).reshape(3, 4)
// NUMPY: t = np.arange(8, dtype=np.float32).reshape(4, 2) * 10
// NUMPY: idx = np.array([[3, -1], [0, -4]])
// NUMPY: expected = [x.reshape(2, 6), x.T, np.concatenate([x, x[:, :2]], axis=1),
// NUMPY:   x[::-1, 3:0:-2], t[idx], np.tile(x, (2, 1)),
// NUMPY:   np.pad(x, ((1, 0), (2, 1)), mode="reflect"), np.pad(x, ((0, 2), (1, 1)), mode="edge"),
// NUMPY:   np.pad(x, ((1, 1), (0, 0)), constant_values=-1)[:, 1:], np.pad(x, ((0, 0), (2, 1)), mode="wrap")]

func.func @compute(%x: tensor<3x4xf32>, %t: tensor<4x2xf32>, %i: tensor<2x2xi64>) -> (tensor<2x6xf32>, tensor<4x3xf32>, tensor<3x6xf32>, tensor<3x2xf32>, tensor<2x2x2xf32>, tensor<6x4xf32>, tensor<4x7xf32>, tensor<5x6xf32>, tensor<5x3xf32>, tensor<3x7xf32>) {
  %0 = qcc.reshape %x : (tensor<3x4xf32>) -> tensor<2x6xf32>
  %1 = qcc.transpose %x {perm = array<i64: 1, 0>} : (tensor<3x4xf32>) -> tensor<4x3xf32>
  %h = qcc.slice %x {starts = array<i64: 0, 0>, steps = array<i64: 1, 1>} : (tensor<3x4xf32>) -> tensor<3x2xf32>
  %2 = qcc.concat %x, %h {axis = 1 : i64} : (tensor<3x4xf32>, tensor<3x2xf32>) -> tensor<3x6xf32>
  %3 = qcc.slice %x {starts = array<i64: 2, 3>, steps = array<i64: -1, -2>} : (tensor<3x4xf32>) -> tensor<3x2xf32>
  %4 = qcc.gather %t, %i {axis = 0 : i64} : (tensor<4x2xf32>, tensor<2x2xi64>) -> tensor<2x2x2xf32>
  %5 = qcc.tile %x {repeats = array<i64: 2, 1>} : (tensor<3x4xf32>) -> tensor<6x4xf32>
  %6 = qcc.pad %x {pads = array<i64: 1, 2, 0, 1>, mode = "reflect"} : (tensor<3x4xf32>) -> tensor<4x7xf32>
  %7 = qcc.pad %x {pads = array<i64: 0, 1, 2, 1>, mode = "edge"} : (tensor<3x4xf32>) -> tensor<5x6xf32>
  %8 = qcc.pad %x {pads = array<i64: 1, -1, 1, 0>, mode = "constant", value = -1.0} : (tensor<3x4xf32>) -> tensor<5x3xf32>
  %9 = qcc.pad %x {pads = array<i64: 0, 2, 0, 1>, mode = "wrap"} : (tensor<3x4xf32>) -> tensor<3x7xf32>
  return %0, %1, %2, %3, %4, %5, %6, %7, %8, %9 : tensor<2x6xf32>, tensor<4x3xf32>, tensor<3x6xf32>, tensor<3x2xf32>, tensor<2x2x2xf32>, tensor<6x4xf32>, tensor<4x7xf32>, tensor<5x6xf32>, tensor<5x3xf32>, tensor<3x7xf32>
}

func.func private @printMemrefF32(tensor<*xf32>)

func.func @main() {
  %x = arith.constant dense<[[0.0, 1.0, 2.0, 3.0], [4.0, 5.0, 6.0, 7.0], [8.0, 9.0, 10.0, 11.0]]> : tensor<3x4xf32>
  %t = arith.constant dense<[[0.0, 10.0], [20.0, 30.0], [40.0, 50.0], [60.0, 70.0]]> : tensor<4x2xf32>
  %i = arith.constant dense<[[3, -1], [0, -4]]> : tensor<2x2xi64>
  %r:10 = call @compute(%x, %t, %i) : (tensor<3x4xf32>, tensor<4x2xf32>, tensor<2x2xi64>) -> (tensor<2x6xf32>, tensor<4x3xf32>, tensor<3x6xf32>, tensor<3x2xf32>, tensor<2x2x2xf32>, tensor<6x4xf32>, tensor<4x7xf32>, tensor<5x6xf32>, tensor<5x3xf32>, tensor<3x7xf32>)
  %u0 = tensor.cast %r#0 : tensor<2x6xf32> to tensor<*xf32>
  call @printMemrefF32(%u0) : (tensor<*xf32>) -> ()
  %u1 = tensor.cast %r#1 : tensor<4x3xf32> to tensor<*xf32>
  call @printMemrefF32(%u1) : (tensor<*xf32>) -> ()
  %u2 = tensor.cast %r#2 : tensor<3x6xf32> to tensor<*xf32>
  call @printMemrefF32(%u2) : (tensor<*xf32>) -> ()
  %u3 = tensor.cast %r#3 : tensor<3x2xf32> to tensor<*xf32>
  call @printMemrefF32(%u3) : (tensor<*xf32>) -> ()
  %u4 = tensor.cast %r#4 : tensor<2x2x2xf32> to tensor<*xf32>
  call @printMemrefF32(%u4) : (tensor<*xf32>) -> ()
  %u5 = tensor.cast %r#5 : tensor<6x4xf32> to tensor<*xf32>
  call @printMemrefF32(%u5) : (tensor<*xf32>) -> ()
  %u6 = tensor.cast %r#6 : tensor<4x7xf32> to tensor<*xf32>
  call @printMemrefF32(%u6) : (tensor<*xf32>) -> ()
  %u7 = tensor.cast %r#7 : tensor<5x6xf32> to tensor<*xf32>
  call @printMemrefF32(%u7) : (tensor<*xf32>) -> ()
  %u8 = tensor.cast %r#8 : tensor<5x3xf32> to tensor<*xf32>
  call @printMemrefF32(%u8) : (tensor<*xf32>) -> ()
  %u9 = tensor.cast %r#9 : tensor<3x7xf32> to tensor<*xf32>
  call @printMemrefF32(%u9) : (tensor<*xf32>) -> ()
  return
}
