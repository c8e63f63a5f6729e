// A gemm with a weight-delta hook through qcc-insert-delta-hooks and qcc-to-llvm: the product
// (qcc_rt_sgemm) runs first, then qcc_rt_linear_delta_f32 gets the aligned pointers of x, y and
// a fresh output buffer, and the function returns that buffer.
// RUN: qcc-opt %s -qcc-insert-delta-hooks -qcc-to-llvm | FileCheck %s

// CHECK: llvm.func @qcc_rt_linear_delta_f32(i64, i64, i64, i64, !llvm.ptr, !llvm.ptr, !llvm.ptr)
// CHECK-LABEL: llvm.func @main
// CHECK: llvm.call @qcc_rt_sgemm
// CHECK: llvm.call @qcc_rt_linear_delta_f32
// CHECK-NOT: llvm.call @qcc_rt_sgemm
func.func @main(%x: tensor<?x8xf32>) -> tensor<?x4xf32> {
  %w = arith.constant dense<1.0> : tensor<4x8xf32>
  %y = qcc.gemm %x, %w {trans_b = true, qcc.layer = "fc"} : (tensor<?x8xf32>, tensor<4x8xf32>) -> tensor<?x4xf32>
  return %y : tensor<?x4xf32>
}
