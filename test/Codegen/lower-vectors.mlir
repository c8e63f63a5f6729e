// RUN: qcc-opt %s -split-input-file -qcc-x86-lower-vectors | FileCheck %s

// The 8x32x1 micro-kernel contraction becomes one broadcast of A and one
// 32-wide FMA per row of C (vector<32xf32> = 2 zmm / 4 ymm FMAs).
// CHECK-LABEL: func.func @contract
// CHECK-SAME: (%[[A:.*]]: vector<8x1xf32>, %[[B:.*]]: vector<1x32xf32>, %[[C:.*]]: vector<8x32xf32>)
// CHECK: %[[BROW:.*]] = vector.extract %[[B]][0] : vector<32xf32> from vector<1x32xf32>
// CHECK: %[[A0:.*]] = vector.extract %[[A]][0, 0] : f32 from vector<8x1xf32>
// CHECK: %[[A0B:.*]] = vector.broadcast %[[A0]] : f32 to vector<32xf32>
// CHECK: %[[C0:.*]] = vector.extract %[[C]][0] : vector<32xf32> from vector<8x32xf32>
// CHECK: vector.fma %[[A0B]], %[[BROW]], %[[C0]] : vector<32xf32>
// CHECK-COUNT-7: vector.fma %{{.*}}, %[[BROW]], %{{.*}} : vector<32xf32>
// CHECK-NOT: vector.contract
// CHECK-NOT: vector.outerproduct
func.func @contract(%a: vector<8x1xf32>, %b: vector<1x32xf32>, %c: vector<8x32xf32>) -> vector<8x32xf32> {
  %r = vector.contract {indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m, n)>], iterator_types = ["parallel", "parallel", "reduction"], kind = #vector.kind<add>} %a, %b, %c : vector<8x1xf32>, vector<1x32xf32> into vector<8x32xf32>
  return %r : vector<8x32xf32>
}

// -----

// A masked contraction (partial micro-tile) is lowered too: the mask
// selects between the FMA result and the old accumulator.
// CHECK-LABEL: func.func @masked_contract
// CHECK: vector.fma
// CHECK: arith.select
// CHECK-NOT: vector.mask
// CHECK-NOT: vector.contract
func.func @masked_contract(%a: vector<2x1xf32>, %b: vector<1x16xf32>, %c: vector<2x16xf32>, %m: index) -> vector<2x16xf32> {
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %mask = vector.create_mask %c2, %m, %c1 : vector<2x16x1xi1>
  %r = vector.mask %mask { vector.contract {indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m, n)>], iterator_types = ["parallel", "parallel", "reduction"], kind = #vector.kind<add>} %a, %b, %c : vector<2x1xf32>, vector<1x16xf32> into vector<2x16xf32> } : vector<2x16x1xi1> -> vector<2x16xf32>
  return %r : vector<2x16xf32>
}

// -----

// In-bounds 1-D transfers on contiguous memory become plain vector loads and
// stores.
// CHECK-LABEL: func.func @transfer_1d
// CHECK: %[[V:.*]] = vector.load %{{.*}}[%{{.*}}, %{{.*}}] : memref<64x64xf32>, vector<16xf32>
// CHECK: vector.store %[[V]], %{{.*}}[%{{.*}}, %{{.*}}] : memref<64x64xf32>, vector<16xf32>
func.func @transfer_1d(%m: memref<64x64xf32>, %i: index, %j: index) {
  %p = ub.poison : f32
  %v = vector.transfer_read %m[%i, %j], %p {in_bounds = [true]} : memref<64x64xf32>, vector<16xf32>
  vector.transfer_write %v, %m[%j, %i] {in_bounds = [true]} : vector<16xf32>, memref<64x64xf32>
  return
}
