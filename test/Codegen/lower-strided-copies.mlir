// RUN: qcc-opt %s -split-input-file -qcc-x86-lower-strided-copies -canonicalize | FileCheck %s

// A copy out of a strided view becomes a loop nest (no memrefCopy call).
// CHECK-LABEL: func.func @strided
// CHECK-SAME: (%[[SRC:.*]]: memref<4x6xf32, strided<[8, 1]>>, %[[DST:.*]]: memref<4x6xf32>)
// CHECK: scf.for %[[I:.*]] =
// CHECK: scf.for %[[J:.*]] =
// CHECK: %[[V:.*]] = memref.load %[[SRC]][%[[I]], %[[J]]]
// CHECK: memref.store %[[V]], %[[DST]][%[[I]], %[[J]]]
// CHECK-NOT: memref.copy
func.func @strided(%src: memref<4x6xf32, strided<[8, 1]>>, %dst: memref<4x6xf32>) {
  memref.copy %src, %dst : memref<4x6xf32, strided<[8, 1]>> to memref<4x6xf32>
  return
}

// -----

// Contiguous copies keep their memcpy lowering.
// CHECK-LABEL: func.func @contiguous
// CHECK: memref.copy %{{.*}}, %{{.*}} : memref<4x6xf32> to memref<4x6xf32>
// CHECK-NOT: scf.for
func.func @contiguous(%src: memref<4x6xf32>, %dst: memref<4x6xf32>) {
  memref.copy %src, %dst : memref<4x6xf32> to memref<4x6xf32>
  return
}
