// A gemm with an observer on its input through qcc-insert-observers, qcc-lower-observers and
// qcc-to-llvm: the input buffer is passed to qcc_rt_observe_f32 as its memref descriptor
// (allocated, aligned, offset, rows, K, row stride, 1) without a copy, before the product.
// RUN: qcc-opt %s -qcc-insert-observers -qcc-lower-observers -qcc-to-llvm | FileCheck %s

// CHECK: llvm.func @qcc_rt_observe_f32(i64, !llvm.ptr, !llvm.ptr, i64, i64, i64, i64, i64)
// CHECK-LABEL: llvm.func @main
// CHECK-NOT: llvm.call @malloc
// CHECK: llvm.call @qcc_rt_observe_f32
// CHECK: llvm.call @qcc_rt_sgemm
func.func @main(%x: tensor<?x8xf32>) -> tensor<?x4xf32> {
  %w = arith.constant dense<1.0> : tensor<4x8xf32>
  %y = qcc.gemm %x, %w {trans_b = true, qcc.layer = "fc"} : (tensor<?x8xf32>, tensor<4x8xf32>) -> tensor<?x4xf32>
  return %y : tensor<?x4xf32>
}
