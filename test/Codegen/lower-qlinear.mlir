// RUN: qcc-opt %s -split-input-file -qcc-x86-lower-qlinear | FileCheck %s
// qcc.qlinear becomes a qcc_rt_qgemm call on the buffers of its operands:
// x flattened to [M, K] (M dynamic), a fresh [M, N] result buffer, the
// packed weight read in place, the bias passed with QCC_QGEMM_BIAS (2).

// CHECK: func.func private @qcc_rt_qgemm(i64, i32, i32, i64, i64, i64, i64, !llvm.ptr, i64, !llvm.ptr, !llvm.ptr, i64, !llvm.ptr)
// CHECK-LABEL: func.func @bias_dynamic_m
// CHECK-SAME: (%[[X:.*]]: tensor<?x128xf32>, %[[W:.*]]: tensor<5152xi8>, %[[B:.*]]: tensor<64xf32>)
// CHECK-DAG: %[[A:.*]] = bufferization.to_buffer %[[X]] read_only : tensor<?x128xf32> to memref<?x128xf32>
// CHECK-DAG: %[[WB:.*]] = bufferization.to_buffer %[[W]] read_only : tensor<5152xi8> to memref<5152xi8>
// CHECK-DAG: %[[M:.*]] = tensor.dim %[[X]], %c0
// CHECK: %[[C:.*]] = memref.alloc(%[[M]]) {alignment = 64 : i64} : memref<?x64xf32>
// CHECK: %[[BB:.*]] = bufferization.to_buffer %[[B]] read_only
// CHECK-DAG: %[[FLAGS:.*]] = arith.constant 2 : i64
// CHECK-DAG: %[[FMT:.*]] = arith.constant 1 : i32
// CHECK-DAG: %[[BITS:.*]] = arith.constant 4 : i32
// CHECK: call @qcc_rt_qgemm(%[[FLAGS]], %[[FMT]], %[[BITS]], %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}})
// CHECK: %[[Y:.*]] = bufferization.to_tensor %[[C]] restrict writable : memref<?x64xf32> to tensor<?x64xf32>
// CHECK: return %[[Y]]
func.func @bias_dynamic_m(%x: tensor<?x128xf32>, %w: tensor<5152xi8>, %b: tensor<64xf32>) -> tensor<?x64xf32> {
  %y = qcc.qlinear %x, %w, %b {format = "uniform", bits = 4 : i64, group_size = 32 : i64, out_features = 64 : i64}
     : (tensor<?x128xf32>, tensor<5152xi8>, tensor<64xf32>) -> tensor<?x64xf32>
  return %y : tensor<?x64xf32>
}

// -----

// Rank 3: the leading dims collapse into M and expand back; no bias: flags 0
// and a null bias pointer; nf4 is format 2.
// CHECK-LABEL: func.func @rank3_nf4
// CHECK: %[[X2:.*]] = tensor.collapse_shape %{{.*}} {{\[\[}}0, 1], [2]] : tensor<2x?x128xf32> into tensor<?x128xf32>
// CHECK: %[[NULL:.*]] = llvm.mlir.zero : !llvm.ptr
// CHECK-DAG: arith.constant 0 : i64
// CHECK-DAG: arith.constant 2 : i32
// CHECK: call @qcc_rt_qgemm({{.*}}, %[[NULL]])
// CHECK: tensor.expand_shape %{{.*}} {{\[\[}}0, 1], [2]] output_shape [2, %{{.*}}, 64] : tensor<?x64xf32> into tensor<2x?x64xf32>
func.func @rank3_nf4(%x: tensor<2x?x128xf32>, %w: tensor<4384xi8>) -> tensor<2x?x64xf32> {
  %y = qcc.qlinear %x, %w {format = "nf4", bits = 4 : i64, group_size = 64 : i64, out_features = 64 : i64}
     : (tensor<2x?x128xf32>, tensor<4384xi8>) -> tensor<2x?x64xf32>
  return %y : tensor<2x?x64xf32>
}

// -----

// f16 / bf16 lower to the same call with format 16 / 17 and bits 16.
// CHECK-LABEL: func.func @half
// CHECK: %[[FMT1:[^ ]*]] = arith.constant 16 : i32
// CHECK-NEXT: %[[BITS1:[^ ]*]] = arith.constant 16 : i32
// CHECK: call @qcc_rt_qgemm(%{{[^,]*}}, %[[FMT1]], %[[BITS1]],
// CHECK: %[[FMT2:[^ ]*]] = arith.constant 17 : i32
// CHECK-NEXT: %[[BITS2:[^ ]*]] = arith.constant 16 : i32
// CHECK: call @qcc_rt_qgemm(%{{[^,]*}}, %[[FMT2]], %[[BITS2]],
func.func @half(%x: tensor<4x128xf32>, %w: tensor<16416xi8>) -> (tensor<4x64xf32>, tensor<4x64xf32>) {
  %a = qcc.qlinear %x, %w {format = "f16", bits = 16 : i64, group_size = 128 : i64, out_features = 64 : i64}
     : (tensor<4x128xf32>, tensor<16416xi8>) -> tensor<4x64xf32>
  %b = qcc.qlinear %x, %w {format = "bf16", bits = 16 : i64, group_size = 128 : i64, out_features = 64 : i64}
     : (tensor<4x128xf32>, tensor<16416xi8>) -> tensor<4x64xf32>
  return %a, %b : tensor<4x64xf32>, tensor<4x64xf32>
}
