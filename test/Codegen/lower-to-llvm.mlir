// RUN: qcc-opt %s -split-input-file -qcc-lower-to-llvm | FileCheck %s
// RUN: qcc-opt %s -split-input-file -qcc-lower-to-llvm=threads=false | FileCheck %s --check-prefix=SERIAL
// RUN: qcc-opt %s -split-input-file -qcc-lower-to-llvm=ukernels=false | FileCheck %s --check-prefix=MLIR
// RUN: qcc-opt %s -split-input-file -qcc-lower-to-llvm="ukernels=false threads=false" | FileCheck %s --check-prefix=MLIR-SERIAL

// Contract 2: a result that is an input is copied into a fresh buffer from the
// runtime heap (_mlir_memref_to_llvm_aligned_alloc, an aligned_alloc block: the
// runtime frees results with free()); @main gets its C wrapper.
// CHECK-LABEL: llvm.func @_mlir_memref_to_llvm_aligned_alloc(i64, i64) -> !llvm.ptr
// CHECK-LABEL: llvm.func @identity
// CHECK-SAME: attributes {llvm.emit_c_interface}
// CHECK: %[[BUF:.*]] = llvm.call @_mlir_memref_to_llvm_aligned_alloc
// CHECK: "llvm.intr.memcpy"(%[[BUF]], %{{.*}}, %{{.*}})
// CHECK-LABEL: llvm.func @_mlir_ciface_identity
// CHECK-NOT: unrealized_conversion_cast
func.func @identity(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  return %x : tensor<4x8xf32>
}

// -----

// A constant result is copied out of its read-only global.
// CHECK: llvm.mlir.global private constant @[[G:.*]](dense<[1.000000e+00, 2.000000e+00, 3.000000e+00, 4.000000e+00]>
// CHECK-LABEL: llvm.func @constant
// CHECK: %[[SRC:.*]] = llvm.mlir.addressof @[[G]]
// CHECK: %[[BUF:.*]] = llvm.call @_mlir_memref_to_llvm_aligned_alloc
// CHECK: "llvm.intr.memcpy"(%[[BUF]]
func.func @constant() -> tensor<4xf32> {
  %c = arith.constant dense<[1.0, 2.0, 3.0, 4.0]> : tensor<4xf32>
  return %c : tensor<4xf32>
}

// -----

// By default an f32 matmul is a call of the runtime micro-kernel
// qcc_rt_sgemm (declared external; libqcc_model_rt.a provides it), with the
// zero fill of C folded into the call (flags 0): no FMAs are generated.
// CHECK-LABEL: llvm.func @qcc_rt_sgemm(i64, i64, i64, i64, i64, !llvm.ptr, i64, i64, i64, i64, !llvm.ptr, i64, i64, i64, i64, !llvm.ptr, i64, i64, i64, i64, !llvm.ptr, i64, i64)
// CHECK-LABEL: llvm.func @matmul(
// CHECK: %[[C:.*]] = llvm.call @_mlir_memref_to_llvm_aligned_alloc
// CHECK-NOT: llvm.intr.fmuladd
// CHECK: llvm.call @qcc_rt_sgemm(
// CHECK-NOT: llvm.intr.fmuladd
// CHECK-NOT: unrealized_conversion_cast
// SERIAL-LABEL: llvm.func @matmul
// SERIAL: llvm.call @qcc_rt_sgemm(
//
// With ukernels=false (MLIR-generated micro-tiles), Contract 3: the parallel
// loops of a matmul (B packing and C blocks) become outlined bodies run
// through qcc_rt_parallel_for; temporaries (the packed panels) are freed;
// nothing calls MLIR's runner utilities.
// MLIR-LABEL: llvm.func @qcc_rt_parallel_for(i64, i64, !llvm.ptr, !llvm.ptr)
// MLIR-LABEL: llvm.func internal @matmul_par(
// MLIR-SAME: %{{.*}}: i64, %{{.*}}: i64, %{{.*}}: !llvm.ptr
// MLIR-LABEL: llvm.func internal @matmul_par_0(
// MLIR-LABEL: llvm.func @matmul(
// MLIR-DAG: %[[P0:.*]] = llvm.mlir.addressof @matmul_par :
// MLIR-DAG: %[[P1:.*]] = llvm.mlir.addressof @matmul_par_0 :
// MLIR-DAG: llvm.call @qcc_rt_parallel_for(%{{.*}}, %{{.*}}, %[[P0]], %{{.*}})
// MLIR-DAG: llvm.call @qcc_rt_parallel_for(%{{.*}}, %{{.*}}, %[[P1]], %{{.*}})
// MLIR-COUNT-8: llvm.intr.fmuladd({{.*}}) : (vector<32xf32>, vector<32xf32>, vector<32xf32>) -> vector<32xf32>
// MLIR: llvm.call @_mlir_memref_to_llvm_free
// MLIR-NOT: memrefCopy
// MLIR-NOT: unrealized_conversion_cast
// MLIR-SERIAL-LABEL: llvm.func @matmul
// MLIR-SERIAL-NOT: qcc_rt_parallel_for
// MLIR-SERIAL: llvm.intr.fmuladd
func.func @matmul(%a: tensor<64x128xf32>, %b: tensor<128x96xf32>) -> tensor<64x96xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<64x96xf32>
  %c = linalg.fill ins(%zero : f32) outs(%e : tensor<64x96xf32>) -> tensor<64x96xf32>
  %r = linalg.matmul ins(%a, %b : tensor<64x128xf32>, tensor<128x96xf32>) outs(%c : tensor<64x96xf32>) -> tensor<64x96xf32>
  return %r : tensor<64x96xf32>
}
