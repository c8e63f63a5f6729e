// RUN: qcc-opt %s -qcc-x86-tile-and-vectorize=target=avx2 | FileCheck %s

// Two packed matmuls chained through an elementwise op (an MLP layer pair):
// packing the second matmul must not tile the bias+ReLU that produces its A
// (a root of its own, tiled later), which used to be tiled twice and crashed
// the pass ("SmallVector unable to grow"). Both B operands are packed into
// 16-wide panels, each contraction is a 6x16 vector.contract and the
// elementwise op is vectorized.
// CHECK-LABEL: func.func @mlp
// CHECK: tensor.expand_shape %{{.*}} {{\[}}[0], [1, 2]] output_shape [64, 6, 16]
// CHECK: vector.contract {{.*}} : vector<6x1xf32>, vector<1x16xf32> into vector<6x16xf32>
// CHECK: arith.maximumf {{.*}} : vector<1x8xf32>
// CHECK: tensor.expand_shape %{{.*}} {{\[}}[0], [1, 2]] output_shape [96, 2, 16]
// CHECK: vector.contract {{.*}} : vector<6x1xf32>, vector<1x16xf32> into vector<6x16xf32>
func.func @mlp(%x: tensor<32x64xf32>, %w1: tensor<64x96xf32>, %b1: tensor<96xf32>,
               %w2: tensor<96x32xf32>) -> tensor<32x32xf32> {
  %zero = arith.constant 0.0 : f32
  %e1 = tensor.empty() : tensor<32x96xf32>
  %c1 = linalg.fill ins(%zero : f32) outs(%e1 : tensor<32x96xf32>) -> tensor<32x96xf32>
  %m1 = linalg.matmul ins(%x, %w1 : tensor<32x64xf32>, tensor<64x96xf32>) outs(%c1 : tensor<32x96xf32>) -> tensor<32x96xf32>
  %h = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%m1, %b1 : tensor<32x96xf32>, tensor<96xf32>) outs(%e1 : tensor<32x96xf32>) {
  ^bb0(%in: f32, %b: f32, %out: f32):
    %s = arith.addf %in, %b : f32
    %r = arith.maximumf %s, %zero : f32
    linalg.yield %r : f32
  } -> tensor<32x96xf32>
  %e2 = tensor.empty() : tensor<32x32xf32>
  %c2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<32x32xf32>) -> tensor<32x32xf32>
  %m2 = linalg.matmul ins(%h, %w2 : tensor<32x96xf32>, tensor<96x32xf32>) outs(%c2 : tensor<32x32xf32>) -> tensor<32x32xf32>
  return %m2 : tensor<32x32xf32>
}
