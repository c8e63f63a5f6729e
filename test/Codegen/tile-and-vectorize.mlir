// RUN: qcc-opt %s -split-input-file -qcc-x86-tile-and-vectorize | FileCheck %s --check-prefixes=CHECK,AVX512
// RUN: qcc-opt %s -split-input-file -qcc-x86-tile-and-vectorize=target=avx2 | FileCheck %s --check-prefixes=CHECK,AVX2
// RUN: qcc-opt %s -split-input-file -qcc-x86-tile-and-vectorize=parallel=false | FileCheck %s --check-prefix=SERIAL

// A matmul large enough to pack B: B is transposed into NR-wide panels
// (32 columns on zmm, 16 on ymm), the C blocks are distributed over an
// scf.forall, and the micro-tile (8x32 / 6x16) is a vector.contract whose
// accumulator is carried in registers by the innermost K loop.
// CHECK-LABEL: func.func @matmul_packed
// AVX512: tensor.expand_shape %{{.*}} {{\[}}[0], [1, 2]] output_shape [256, 16, 32]
// AVX2: tensor.expand_shape %{{.*}} {{\[}}[0], [1, 2]] output_shape [256, 32, 16]
// CHECK: scf.forall
// CHECK: scf.forall (%{{.*}}, %{{.*}}) = (0, 0) to
// AVX512: %[[ACC0:.*]] = vector.transfer_read {{.*}} : tensor<8x32xf32>, vector<8x32xf32>
// AVX512: scf.for {{.*}} iter_args(%{{.*}} = %{{.*}}, %[[ACC:.*]] = %[[ACC0]]) -> (tensor<8x32xf32>, vector<8x32xf32>)
// AVX512: vector.contract {{.*}} %[[ACC]] : vector<8x1xf32>, vector<1x32xf32> into vector<8x32xf32>
// AVX2: %[[ACC0:.*]] = vector.transfer_read {{.*}} : tensor<6x16xf32>, vector<6x16xf32>
// AVX2: scf.for {{.*}} iter_args(%{{.*}} = %{{.*}}, %[[ACC:.*]] = %[[ACC0]]) -> (tensor<6x16xf32>, vector<6x16xf32>)
// AVX2: vector.contract {{.*}} %[[ACC]] : vector<6x1xf32>, vector<1x16xf32> into vector<6x16xf32>
// CHECK: tensor.collapse_shape %{{.*}} {{\[}}[0], [1, 2]]
// SERIAL-LABEL: func.func @matmul_packed
// SERIAL-NOT: scf.forall
// SERIAL: vector.contract
func.func @matmul_packed(%a: tensor<128x256xf32>, %b: tensor<256x512xf32>) -> tensor<128x512xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<128x512xf32>
  %c = linalg.fill ins(%zero : f32) outs(%e : tensor<128x512xf32>) -> tensor<128x512xf32>
  %r = linalg.matmul ins(%a, %b : tensor<128x256xf32>, tensor<256x512xf32>) outs(%c : tensor<128x512xf32>) -> tensor<128x512xf32>
  return %r : tensor<128x512xf32>
}

// -----

// One row (M < 16): no packing; the micro-tile is clamped to 1 row, N is
// peeled into full 32-wide tiles (vector.contract) and a masked remainder
// (masked transfers, multiply + reduction).
// CHECK-LABEL: func.func @matvec_like
// CHECK-NOT: tensor.expand_shape
// AVX512: vector.contract {{.*}} : vector<1x1xf32>, vector<1x32xf32> into vector<1x32xf32>
// AVX512: %[[MASK:.*]] = vector.create_mask %{{.*}}, %{{.*}} : vector<1x32xi1>
// AVX512: vector.transfer_read {{.*}}, %[[MASK]] {{.*}} : tensor<1x?xf32>, vector<1x32xf32>
// AVX512: arith.mulf {{.*}} : vector<1x32x1xf32>
// AVX2: vector.contract {{.*}} : vector<1x1xf32>, vector<1x16xf32> into vector<1x16xf32>
func.func @matvec_like(%a: tensor<1x64xf32>, %b: tensor<64x40xf32>, %c: tensor<1x40xf32>) -> tensor<1x40xf32> {
  %r = linalg.matmul ins(%a, %b : tensor<1x64xf32>, tensor<64x40xf32>) outs(%c : tensor<1x40xf32>) -> tensor<1x40xf32>
  return %r : tensor<1x40xf32>
}

// -----

// Elementwise with a broadcast operand: parallel over rows, vectorized along
// the row in steps of one register (16 f32 on zmm, 8 on ymm), masked tail.
// CHECK-LABEL: func.func @elementwise
// CHECK: scf.forall (%{{.*}}) in (4)
// AVX512: scf.for %{{.*}} = %{{.*}} to %{{.*}} step %c16
// AVX512: %[[X:.*]] = vector.transfer_read {{.*}} : tensor<1x?xf32>, vector<1x16xf32>
// AVX512: %[[Y:.*]] = vector.transfer_read {{.*}} : tensor<?xf32>, vector<16xf32>
// AVX512: %[[YB:.*]] = vector.broadcast %[[Y]] : vector<16xf32> to vector<1x16xf32>
// AVX512: %[[S:.*]] = arith.addf %[[X]], %[[YB]] : vector<1x16xf32>
// AVX512: math.tanh %[[S]] : vector<1x16xf32>
// AVX2: arith.addf {{.*}} : vector<1x8xf32>
func.func @elementwise(%x: tensor<4x100xf32>, %y: tensor<100xf32>) -> tensor<4x100xf32> {
  %e = tensor.empty() : tensor<4x100xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (j)>, affine_map<(i, j) -> (i, j)>], iterator_types = ["parallel", "parallel"]}
      ins(%x, %y : tensor<4x100xf32>, tensor<100xf32>) outs(%e : tensor<4x100xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %s = arith.addf %a, %b : f32
    %t = math.tanh %s : f32
    linalg.yield %t : f32
  } -> tensor<4x100xf32>
  return %r : tensor<4x100xf32>
}

// -----

// An f32 row reduction (softmax, LayerNorm): its parallel dimension is
// distributed and each row is vectorized whole into a multi_reduction.
// CHECK-LABEL: func.func @row_sum
// CHECK: scf.forall (%{{.*}}) in (8)
// CHECK: vector.transfer_read {{.*}} : tensor<8x100xf32>, vector<1x100xf32>
// CHECK: vector.multi_reduction <add>, %{{.*}}, %{{.*}} [1] : vector<1x100xf32> to vector<1xf32>
// CHECK-NOT: linalg.generic
func.func @row_sum(%x: tensor<8x100xf32>, %init: tensor<8xf32>) -> tensor<8xf32> {
  %r = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i)>], iterator_types = ["parallel", "reduction"]}
      ins(%x : tensor<8x100xf32>) outs(%init : tensor<8xf32>) {
  ^bb0(%a: f32, %o: f32):
    %s = arith.addf %a, %o : f32
    linalg.yield %s : f32
  } -> tensor<8xf32>
  return %r : tensor<8xf32>
}

// -----

// Other reductions (here an integer one; also rows longer than 1024 or of
// dynamic length): the parallel dimension is distributed, the tile stays a
// linalg.generic (lowered to loops after bufferization).
// CHECK-LABEL: func.func @row_sum_i32
// CHECK: scf.forall (%{{.*}}) in (8)
// CHECK: linalg.generic {{.*}} ins(%{{.*}} : tensor<1x100xi32>) outs(%{{.*}} : tensor<1xi32>)
func.func @row_sum_i32(%x: tensor<8x100xi32>, %init: tensor<8xi32>) -> tensor<8xi32> {
  %r = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i)>], iterator_types = ["parallel", "reduction"]}
      ins(%x : tensor<8x100xi32>) outs(%init : tensor<8xi32>) {
  ^bb0(%a: i32, %o: i32):
    %s = arith.addi %a, %o : i32
    linalg.yield %s : i32
  } -> tensor<8xi32>
  return %r : tensor<8xi32>
}
