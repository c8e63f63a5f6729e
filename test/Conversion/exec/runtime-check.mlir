// Executes the run-time check of a reshape to a run-time shape: a valid shape
// reshapes, a shape of the wrong element count calls the runtime hook
// qcc_rt_check_failed (defined below in place of the model runtime's) with the
// two element counts and yields an empty tensor instead of reading past the
// input.
// RUN: qcc-opt %s --convert-qcc-to-linalg | %lower-to-llvm | %mlir-runner | FileCheck %s
// RUN: qcc-opt %s --qcc-to-llvm=threads=false | %mlir-runner | FileCheck %s

func.func private @printMemrefF32(tensor<*xf32>)
func.func private @printI64(i64)
func.func private @printNewline()

// Stands in for the runtime: prints the offending values.
func.func @qcc_rt_check_failed(%msg: !llvm.ptr, %actual: i64, %expected: i64) {
  call @printI64(%actual) : (i64) -> ()
  call @printNewline() : () -> ()
  call @printI64(%expected) : (i64) -> ()
  call @printNewline() : () -> ()
  return
}

func.func @reshape(%x: tensor<?x3xf32>, %s: tensor<2xi64>) -> tensor<?x?xf32> {
  %0 = qcc.reshape %x, %s : (tensor<?x3xf32>, tensor<2xi64>) -> tensor<?x?xf32>
  return %0 : tensor<?x?xf32>
}

func.func @main() {
  %xs = arith.constant dense<[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]> : tensor<2x3xf32>
  %x = tensor.cast %xs : tensor<2x3xf32> to tensor<?x3xf32>
  // [3, -1]: 3x2, no check failure.
  // CHECK: sizes = [3, 2]
  // CHECK-NEXT: [1, 2]
  // CHECK-NEXT: [3, 4]
  // CHECK-NEXT: [5, 6]
  %good = arith.constant dense<[3, -1]> : tensor<2xi64>
  %r0 = call @reshape(%x, %good) : (tensor<?x3xf32>, tensor<2xi64>) -> tensor<?x?xf32>
  %u0 = tensor.cast %r0 : tensor<?x?xf32> to tensor<*xf32>
  call @printMemrefF32(%u0) : (tensor<*xf32>) -> ()
  // [4, 2] asks for 8 elements of 6: the hook gets (8, 6), the result has no
  // elements (its dynamic dims are 0).
  // CHECK: 8
  // CHECK-NEXT: 6
  // CHECK-NEXT: Unranked Memref {{.*}} sizes = [0, 0]
  %bad = arith.constant dense<[4, 2]> : tensor<2xi64>
  %r1 = call @reshape(%x, %bad) : (tensor<?x3xf32>, tensor<2xi64>) -> tensor<?x?xf32>
  %u1 = tensor.cast %r1 : tensor<?x?xf32> to tensor<*xf32>
  call @printMemrefF32(%u1) : (tensor<*xf32>) -> ()
  // [-1, -1] is invalid (two inferred dims) even though 6 = 6 * 1 would fit.
  // CHECK: 36
  // CHECK-NEXT: 6
  %two = arith.constant dense<[-1, -1]> : tensor<2xi64>
  %r2 = call @reshape(%x, %two) : (tensor<?x3xf32>, tensor<2xi64>) -> tensor<?x?xf32>
  return
}
