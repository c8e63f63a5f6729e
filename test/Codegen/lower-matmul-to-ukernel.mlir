// RUN: qcc-opt %s -split-input-file -qcc-x86-lower-matmul-to-ukernel | FileCheck %s

// A zero fill of C followed by the product: one call with flags 0 (C = A*B),
// the fill is gone; strides and offsets come from the memref metadata.
// CHECK-LABEL: func.func private @qcc_rt_sgemm(i64, i64, i64, i64, i64, !llvm.ptr, i64, i64, i64, i64, !llvm.ptr, i64, i64, i64, i64, !llvm.ptr, i64, i64, i64, i64, !llvm.ptr, i64, i64)
// CHECK-LABEL: func.func @matmul_fill
// CHECK-NOT: linalg.fill
// CHECK-DAG: %[[ZERO:.*]] = arith.constant 0 : i64
// CHECK-DAG: %[[ONE:.*]] = arith.constant 1 : i64
// CHECK-DAG: %[[ABASE:.*]], %[[AOFF:.*]], %[[ASIZES:.*]]:2, %[[ASTR:.*]]:2 = memref.extract_strided_metadata %arg0
// CHECK-DAG: %[[BBASE:.*]], %[[BOFF:.*]], %[[BSIZES:.*]]:2, %[[BSTR:.*]]:2 = memref.extract_strided_metadata %arg1
// CHECK-DAG: %[[CBASE:.*]], %[[COFF:.*]], %[[CSIZES:.*]]:2, %[[CSTR:.*]]:2 = memref.extract_strided_metadata %arg2
// CHECK-DAG: %[[AP:.*]] = memref.extract_aligned_pointer_as_index %[[ABASE]]
// CHECK-DAG: %[[AI:.*]] = arith.index_cast %[[AP]] : index to i64
// CHECK-DAG: %[[APTR:.*]] = llvm.inttoptr %[[AI]] : i64 to !llvm.ptr
// CHECK-DAG: %[[AS0:.*]] = arith.index_cast %[[ASTR]]#0 : index to i64
// CHECK-DAG: %[[AS1:.*]] = arith.index_cast %[[ASTR]]#1 : index to i64
// CHECK-DAG: %[[M:.*]] = arith.index_cast %[[CSIZES]]#0 : index to i64
// CHECK-DAG: %[[N:.*]] = arith.index_cast %[[CSIZES]]#1 : index to i64
// CHECK-DAG: %[[K:.*]] = arith.index_cast %[[ASIZES]]#1 : index to i64
// CHECK-DAG: %[[NULL:.*]] = llvm.mlir.zero : !llvm.ptr
// CHECK: call @qcc_rt_sgemm(%[[ZERO]], %[[ONE]], %[[M]], %[[N]], %[[K]], %[[APTR]], %{{.*}}, %[[ZERO]], %[[AS0]], %[[AS1]], %{{.*}}, %[[NULL]], %[[ZERO]], %[[ZERO]])
// CHECK-NOT: linalg.matmul
func.func @matmul_fill(%a: memref<64x128xf32>, %b: memref<128x256xf32>, %c: memref<64x256xf32>) {
  %zero = arith.constant 0.0 : f32
  linalg.fill ins(%zero : f32) outs(%c : memref<64x256xf32>)
  linalg.matmul ins(%a, %b : memref<64x128xf32>, memref<128x256xf32>) outs(%c : memref<64x256xf32>)
  return
}

// -----

// Without a preceding zero fill the call accumulates (flags 1). B stored
// [N, K] (a linear weight): B's (k, n) strides are its (dim 1, dim 0)
// strides, so the kernel reads the transposed layout in place.
// CHECK-LABEL: func.func @matmul_transpose_b
// CHECK-DAG: %[[FLAGS:.*]] = arith.constant 1 : i64
// CHECK-DAG: %[[BBASE:.*]], %[[BOFF:.*]], %[[BSIZES:.*]]:2, %[[BSTR:.*]]:2 = memref.extract_strided_metadata %arg1
// CHECK-DAG: %[[BS0:.*]] = arith.index_cast %[[BSTR]]#0 : index to i64
// CHECK-DAG: %[[BS1:.*]] = arith.index_cast %[[BSTR]]#1 : index to i64
// CHECK: call @qcc_rt_sgemm(%[[FLAGS]], %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %[[BS1]], %[[BS0]],
func.func @matmul_transpose_b(%a: memref<8x16xf32>, %b: memref<32x16xf32>, %c: memref<8x32xf32>) {
  linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
    ins(%a, %b : memref<8x16xf32>, memref<32x16xf32>) outs(%c : memref<8x32xf32>)
  return
}

// -----

// Batched, dynamic M (LLM prefill), strided views: batch strides are passed.
// CHECK-LABEL: func.func @batch_matmul_dynamic
// CHECK-DAG: %[[CBASE:.*]], %[[COFF:.*]], %[[CSIZES:.*]]:3, %[[CSTR:.*]]:3 = memref.extract_strided_metadata %arg2
// CHECK-DAG: %[[BATCH:.*]] = arith.index_cast %[[CSIZES]]#0 : index to i64
// CHECK-DAG: %[[M:.*]] = arith.index_cast %[[CSIZES]]#1 : index to i64
// CHECK: call @qcc_rt_sgemm(%{{.*}}, %[[BATCH]], %[[M]],
func.func @batch_matmul_dynamic(%a: memref<12x?x64xf32, strided<[?, ?, 1], offset: ?>>, %b: memref<12x64x?xf32>, %c: memref<12x?x?xf32>) {
  linalg.batch_matmul ins(%a, %b : memref<12x?x64xf32, strided<[?, ?, 1], offset: ?>>, memref<12x64x?xf32>) outs(%c : memref<12x?x?xf32>)
  return
}

// -----

// A batch broadcast on B (B not indexed by the batch loop): stride 0. The
// operands are swapped in the generic (B first); the unit dimension d4 is
// ignored.
// CHECK-LABEL: func.func @generic_broadcast_b
// CHECK-DAG: %[[ZERO:.*]] = arith.constant 0 : i64
// CHECK-DAG: %[[BBASE:.*]], %[[BOFF:.*]], %[[BSIZES:.*]]:2, %[[BSTR:.*]]:2 = memref.extract_strided_metadata %arg0
// CHECK-DAG: %[[BS0:.*]] = arith.index_cast %[[BSTR]]#0 : index to i64
// CHECK-DAG: %[[BS1:.*]] = arith.index_cast %[[BSTR]]#1 : index to i64
// CHECK-DAG: %[[BINT:.*]] = memref.extract_aligned_pointer_as_index %[[BBASE]]
// CHECK-DAG: %[[BI64:.*]] = arith.index_cast %[[BINT]] : index to i64
// CHECK-DAG: %[[BPTR:.*]] = llvm.inttoptr %[[BI64]]
// CHECK: call @qcc_rt_sgemm(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %[[BPTR]], %{{.*}}, %[[ZERO]], %[[BS0]], %[[BS1]],
#mapB = affine_map<(b, m, n, k, u) -> (k, n)>
#mapA = affine_map<(b, m, n, k, u) -> (b, u, m, k)>
#mapC = affine_map<(b, m, n, k, u) -> (b, m, u, n)>
func.func @generic_broadcast_b(%b: memref<16x24xf32>, %a: memref<3x1x5x16xf32>, %c: memref<3x5x1x24xf32>) {
  linalg.generic {indexing_maps = [#mapB, #mapA, #mapC], iterator_types = ["parallel", "parallel", "parallel", "reduction", "parallel"]}
      ins(%b, %a : memref<16x24xf32>, memref<3x1x5x16xf32>) outs(%c : memref<3x5x1x24xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %p = arith.mulf %y, %x : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// Not f32, or two batch loops: left to the MLIR path.
// CHECK-LABEL: func.func @not_lowered
// CHECK-NOT: qcc_rt_sgemm
// CHECK: linalg.matmul
// CHECK: linalg.generic
func.func @not_lowered(%a: memref<4x8xi32>, %b: memref<8x4xi32>, %c: memref<4x4xi32>,
                       %x: memref<2x3x4x8xf32>, %y: memref<2x3x8x4xf32>, %z: memref<2x3x4x4xf32>) {
  linalg.matmul ins(%a, %b : memref<4x8xi32>, memref<8x4xi32>) outs(%c : memref<4x4xi32>)
  linalg.generic {indexing_maps = [affine_map<(b0, b1, m, n, k) -> (b0, b1, m, k)>, affine_map<(b0, b1, m, n, k) -> (b0, b1, k, n)>, affine_map<(b0, b1, m, n, k) -> (b0, b1, m, n)>],
                  iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
      ins(%x, %y : memref<2x3x4x8xf32>, memref<2x3x8x4xf32>) outs(%z : memref<2x3x4x4xf32>) {
  ^bb0(%p: f32, %q: f32, %acc: f32):
    %m = arith.mulf %p, %q : f32
    %s = arith.addf %acc, %m : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// B is (a view of) a constant global: flags carry QCC_GEMM_B_CONSTANT (8),
// plus accumulate (1) as C is not zero-filled here.
// CHECK-LABEL: func.func @constant_weight
// CHECK: %[[FLAGS:.*]] = arith.constant 9 : i64
// CHECK: call @qcc_rt_sgemm(%[[FLAGS]],
memref.global "private" constant @weight : memref<4x8xf32> = dense<1.0>
func.func @constant_weight(%a: memref<3x4xf32>, %c: memref<3x8xf32>) {
  %w = memref.get_global @weight : memref<4x8xf32>
  %v = memref.subview %w[0, 0] [4, 8] [1, 1] : memref<4x8xf32> to memref<4x8xf32, strided<[8, 1]>>
  linalg.matmul ins(%a, %v : memref<3x4xf32>, memref<4x8xf32, strided<[8, 1]>>) outs(%c : memref<3x8xf32>)
  return
}

// -----

// A mutable global is not constant: no flag 8.
// CHECK-LABEL: func.func @mutable_global
// CHECK: %[[FLAGS:.*]] = arith.constant 1 : i64
// CHECK: call @qcc_rt_sgemm(%[[FLAGS]],
memref.global "private" @state : memref<4x8xf32> = dense<1.0>
func.func @mutable_global(%a: memref<3x4xf32>, %c: memref<3x8xf32>) {
  %w = memref.get_global @state : memref<4x8xf32>
  linalg.matmul ins(%a, %w : memref<3x4xf32>, memref<4x8xf32>) outs(%c : memref<3x8xf32>)
  return
}
