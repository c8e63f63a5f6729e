// RUN: qcc-opt %s -split-input-file -qcc-fuse-parallel-elementwise | FileCheck %s

// A transformer FFN: matmul -> reshape -> bias + ReLU -> reshape -> matmul.
// The bias add and the ReLU fuse into one generic, but neither the reshapes
// nor the elementwise producer are pushed into the matmuls, which stay
// 2-D linalg.matmul (upstream fusion makes 4-loop contractions of them and
// fuses the ReLU into the K loop of the second matmul).
// CHECK-LABEL: func.func @ffn
// CHECK: linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<128x64xf32>, tensor<64x96xf32>)
// CHECK: linalg.generic
// CHECK-SAME: iterator_types = ["parallel", "parallel", "parallel"]
// CHECK: arith.addf
// CHECK-NEXT: arith.maximumf
// CHECK-NOT: linalg.generic
// CHECK: linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<128x96xf32>, tensor<96x64xf32>)
func.func @ffn(%x: tensor<128x64xf32>, %w1: tensor<64x96xf32>, %b1: tensor<96xf32>,
               %w2: tensor<96x64xf32>) -> tensor<128x64xf32> {
  %zero = arith.constant 0.0 : f32
  %e1 = tensor.empty() : tensor<128x96xf32>
  %c1 = linalg.fill ins(%zero : f32) outs(%e1 : tensor<128x96xf32>) -> tensor<128x96xf32>
  %m1 = linalg.matmul ins(%x, %w1 : tensor<128x64xf32>, tensor<64x96xf32>) outs(%c1 : tensor<128x96xf32>) -> tensor<128x96xf32>
  %r1 = tensor.expand_shape %m1 [[0, 1], [2]] output_shape [1, 128, 96] : tensor<128x96xf32> into tensor<1x128x96xf32>
  %eb = tensor.empty() : tensor<1x128x96xf32>
  %biased = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%r1, %b1 : tensor<1x128x96xf32>, tensor<96xf32>) outs(%eb : tensor<1x128x96xf32>) {
  ^bb0(%in: f32, %b: f32, %out: f32):
    %s = arith.addf %in, %b : f32
    linalg.yield %s : f32
  } -> tensor<1x128x96xf32>
  %er = tensor.empty() : tensor<1x128x96xf32>
  %relu = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%biased : tensor<1x128x96xf32>) outs(%er : tensor<1x128x96xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.maximumf %in, %zero : f32
    linalg.yield %m : f32
  } -> tensor<1x128x96xf32>
  %r2 = tensor.collapse_shape %relu [[0, 1], [2]] : tensor<1x128x96xf32> into tensor<128x96xf32>
  %e2 = tensor.empty() : tensor<128x64xf32>
  %c2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<128x64xf32>) -> tensor<128x64xf32>
  %m2 = linalg.matmul ins(%r2, %w2 : tensor<128x96xf32>, tensor<96x64xf32>) outs(%c2 : tensor<128x64xf32>) -> tensor<128x64xf32>
  return %m2 : tensor<128x64xf32>
}

// -----

// A multi-use producer is not duplicated into its consumers.
// CHECK-LABEL: func.func @multi_use
// CHECK-COUNT-3: linalg.generic
func.func @multi_use(%x: tensor<8xf32>) -> (tensor<8xf32>, tensor<8xf32>) {
  %e = tensor.empty() : tensor<8xf32>
  %a = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]} ins(%x : tensor<8xf32>) outs(%e : tensor<8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %n = arith.negf %in : f32
    linalg.yield %n : f32
  } -> tensor<8xf32>
  %b = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]} ins(%a : tensor<8xf32>) outs(%e : tensor<8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %n = math.exp %in : f32
    linalg.yield %n : f32
  } -> tensor<8xf32>
  %c = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]} ins(%a : tensor<8xf32>) outs(%e : tensor<8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %n = math.sqrt %in : f32
    linalg.yield %n : f32
  } -> tensor<8xf32>
  return %b, %c : tensor<8xf32>, tensor<8xf32>
}
