// RUN: qcc-opt %s -split-input-file -qcc-outline-parallel-loops -canonicalize | FileCheck %s

// A 2-D forall over a dynamic buffer: the body captures the memref, the
// scalar and the dynamic bound; they travel in a stack struct. The body
// function delinearizes [lo, hi) back into (i, j).
// CHECK-LABEL: func.func private @qcc_rt_parallel_for(i64, i64, (i64, i64, !llvm.ptr) -> (), !llvm.ptr)
// CHECK-LABEL: func.func private @scale_par
// CHECK-SAME: (%[[LO:.*]]: i64, %[[HI:.*]]: i64, %[[CTX:.*]]: !llvm.ptr)
// CHECK: %[[P0:.*]] = llvm.getelementptr %[[CTX]][0, 0]
// CHECK: %[[D:.*]] = llvm.load %[[P0]] : !llvm.ptr -> !llvm.struct<(ptr, ptr, i64, array<2 x i64>, array<2 x i64>)>
// CHECK: %[[BUF:.*]] = builtin.unrealized_conversion_cast %[[D]] : {{.*}} to memref<?x64xf32>
// CHECK: %[[P1:.*]] = llvm.getelementptr %[[CTX]][0, 1]
// CHECK: %[[S:.*]] = llvm.load %[[P1]] : !llvm.ptr -> f32
// CHECK: %[[L:.*]] = arith.index_cast %[[LO]] : i64 to index
// CHECK: %[[H:.*]] = arith.index_cast %[[HI]] : i64 to index
// CHECK: scf.for %[[IV:.*]] = %[[L]] to %[[H]]
// CHECK: %[[JB:.*]] = arith.remui %[[IV]], %c4
// CHECK: %[[I:.*]] = arith.divui %[[IV]], %c4
// CHECK: %[[J:.*]] = arith.muli %[[JB]], %c16
// CHECK: memref.load %[[BUF]][%[[I]], %[[J]]]
// CHECK: arith.mulf %{{.*}}, %[[S]]
// CHECK-LABEL: func.func @scale
// CHECK-SAME: (%[[ARG:.*]]: memref<?x64xf32>, %[[SC:.*]]: f32)
// CHECK-DAG: %[[FN:.*]] = constant @scale_par
// CHECK-DAG: %[[STRUCT:.*]] = llvm.alloca %{{.*}} x !llvm.struct<(struct<(ptr, ptr, i64, array<2 x i64>, array<2 x i64>)>, f32, i64)>
// CHECK: %[[N:.*]] = memref.dim %[[ARG]]
// CHECK: llvm.store %{{.*}}, %{{.*}} : !llvm.struct<(ptr, ptr, i64, array<2 x i64>, array<2 x i64>)>, !llvm.ptr
// CHECK: llvm.store %[[SC]], %{{.*}} : f32, !llvm.ptr
// CHECK: %[[TOTAL:.*]] = arith.muli %{{.*}}, %c4 : index
// CHECK: %[[TOTAL64:.*]] = arith.index_cast %[[TOTAL]] : index to i64
// CHECK: call @qcc_rt_parallel_for(%c0_i64, %[[TOTAL64]], %[[FN]], %[[STRUCT]])
// CHECK-NOT: scf.forall
func.func @scale(%buf: memref<?x64xf32>, %s: f32) {
  %c0 = arith.constant 0 : index
  %n = memref.dim %buf, %c0 : memref<?x64xf32>
  scf.forall (%i, %j) = (0, 0) to (%n, 64) step (1, 16) {
    %v = memref.load %buf[%i, %j] : memref<?x64xf32>
    %w = arith.mulf %v, %s : f32
    memref.store %w, %buf[%i, %j] : memref<?x64xf32>
  }
  return
}

// -----

// Constants are rematerialized in the body, not captured.
// CHECK-LABEL: func.func private @fill_par
// CHECK-DAG: %[[ONE:.*]] = arith.constant 1.000000e+00 : f32
// CHECK-DAG: llvm.getelementptr %{{.*}}[0, 0] : (!llvm.ptr) -> !llvm.ptr, !llvm.struct<(struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>)>
// CHECK: memref.store %[[ONE]]
// CHECK-LABEL: func.func @fill
// CHECK: call @qcc_rt_parallel_for(%c0_i64, %c8_i64,
func.func @fill(%buf: memref<8xf32>) {
  %one = arith.constant 1.0 : f32
  scf.forall (%i) in (8) {
    memref.store %one, %buf[%i] : memref<8xf32>
  }
  return
}

// -----

// Nothing captured: the context pointer is null.
// CHECK-LABEL: func.func @no_captures
// CHECK: %[[NULL:.*]] = llvm.mlir.zero : !llvm.ptr
// CHECK: call @qcc_rt_parallel_for(%{{.*}}, %{{.*}}, %{{.*}}, %[[NULL]])
func.func private @sink(index)
func.func @no_captures() {
  scf.forall (%i) in (8) {
    func.call @sink(%i) : (index) -> ()
  }
  return
}
