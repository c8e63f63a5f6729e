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

// A multi-use producer that is not cheap (here an exp) is not duplicated
// into its consumers.
// CHECK-LABEL: func.func @multi_use
// CHECK-COUNT-3: linalg.generic
func.func @multi_use(%x: tensor<8xf32>) -> (tensor<8xf32>, tensor<8xf32>) {
  %e = tensor.empty() : tensor<8xf32>
  %a = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]} ins(%x : tensor<8xf32>) outs(%e : tensor<8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %n = math.exp %in : f32
    linalg.yield %n : f32
  } -> tensor<8xf32>
  %b = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]} ins(%a : tensor<8xf32>) outs(%e : tensor<8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %n = arith.negf %in : f32
    linalg.yield %n : f32
  } -> tensor<8xf32>
  %c = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]} ins(%a : tensor<8xf32>) outs(%e : tensor<8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %n = math.sqrt %in : f32
    linalg.yield %n : f32
  } -> tensor<8xf32>
  return %b, %c : tensor<8xf32>, tensor<8xf32>
}

// -----

// Softmax of scaled scores: the cheap scale (one mulf) is recomputed in the
// row max (a reduction) and in the exp instead of being written as a tensor
// and read back twice; no generic reads a materialized scaled tensor.
// CHECK-LABEL: func.func @scaled_softmax_rows
// CHECK: %[[MAX:.*]] = linalg.generic
// CHECK-SAME: iterator_types = ["parallel", "reduction"]
// CHECK-SAME: ins(%arg0 : tensor<4x16xf32>)
// CHECK: arith.mulf
// CHECK-NEXT: arith.maximumf
// CHECK: linalg.generic
// CHECK-SAME: iterator_types = ["parallel", "parallel"]
// CHECK-SAME: ins(%arg0, %[[MAX]] : tensor<4x16xf32>, tensor<4xf32>)
// CHECK: arith.mulf
// CHECK-NEXT: arith.subf
// CHECK-NEXT: math.exp
// CHECK-NOT: linalg.generic
func.func @scaled_softmax_rows(%s: tensor<4x16xf32>) -> tensor<4x16xf32> {
  %scale = arith.constant 0.125 : f32
  %ninf = arith.constant 0xFF800000 : f32
  %e = tensor.empty() : tensor<4x16xf32>
  %scaled = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%s : tensor<4x16xf32>) outs(%e : tensor<4x16xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.mulf %in, %scale : f32
    linalg.yield %m : f32
  } -> tensor<4x16xf32>
  %er = tensor.empty() : tensor<4xf32>
  %init = linalg.fill ins(%ninf : f32) outs(%er : tensor<4xf32>) -> tensor<4xf32>
  %max = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%scaled : tensor<4x16xf32>) outs(%init : tensor<4xf32>) {
  ^bb0(%in: f32, %acc: f32):
    %m = arith.maximumf %in, %acc : f32
    linalg.yield %m : f32
  } -> tensor<4xf32>
  %exp = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%scaled, %max : tensor<4x16xf32>, tensor<4xf32>) outs(%e : tensor<4x16xf32>) {
  ^bb0(%in: f32, %mx: f32, %out: f32):
    %d = arith.subf %in, %mx : f32
    %x = math.exp %d : f32
    linalg.yield %x : f32
  } -> tensor<4x16xf32>
  return %exp : tensor<4x16xf32>
}

// -----

// A cheap producer that one of its users cannot absorb (a matmul operand)
// stays a tensor: it is fused into none of them.
// CHECK-LABEL: func.func @cheap_feeding_matmul
// CHECK: linalg.generic
// CHECK: arith.addf
// CHECK: linalg.generic
// CHECK-SAME: iterator_types = ["parallel", "reduction"]
// CHECK-NEXT: ^bb0(%{{.*}}: f32, %{{.*}}: f32):
// CHECK-NEXT: arith.addf
// CHECK-NEXT: linalg.yield
// CHECK: linalg.matmul
func.func @cheap_feeding_matmul(%x: tensor<8x8xf32>, %y: tensor<8x8xf32>) -> (tensor<8xf32>, tensor<8x8xf32>) {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<8x8xf32>
  %sum = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%x, %y : tensor<8x8xf32>, tensor<8x8xf32>) outs(%e : tensor<8x8xf32>) {
  ^bb0(%a: f32, %b: f32, %out: f32):
    %s = arith.addf %a, %b : f32
    linalg.yield %s : f32
  } -> tensor<8x8xf32>
  %er = tensor.empty() : tensor<8xf32>
  %init = linalg.fill ins(%zero : f32) outs(%er : tensor<8xf32>) -> tensor<8xf32>
  %rows = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%sum : tensor<8x8xf32>) outs(%init : tensor<8xf32>) {
  ^bb0(%in: f32, %acc: f32):
    %s = arith.addf %in, %acc : f32
    linalg.yield %s : f32
  } -> tensor<8xf32>
  %c = linalg.fill ins(%zero : f32) outs(%e : tensor<8x8xf32>) -> tensor<8x8xf32>
  %mm = linalg.matmul ins(%sum, %y : tensor<8x8xf32>, tensor<8x8xf32>) outs(%c : tensor<8x8xf32>) -> tensor<8x8xf32>
  return %rows, %mm : tensor<8xf32>, tensor<8x8xf32>
}
