// RUN: qcc-opt %s -split-input-file -qcc-x86-tile-and-vectorize="target=avx2 skip-ukernel-matmuls=true" | FileCheck %s

// Attention scores Q K^T with the head transposes of an exported BERT layer:
// the batch_matmul reads Q [1,128,12,64] and K through strided maps of their
// [128,12,64] views; no linalg.transpose is left.
// CHECK-DAG: #[[QMAP:.*]] = affine_map<(d0, d1, d2, d3) -> (d1, d0, d3)>
// CHECK-DAG: #[[KMAP:.*]] = affine_map<(d0, d1, d2, d3) -> (d2, d0, d3)>
// CHECK-DAG: #[[CMAP:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
// CHECK-LABEL: func.func @scores
// CHECK-NOT: linalg.transpose
// CHECK: %[[Q:.*]] = tensor.collapse_shape %arg0 {{\[\[}}0, 1], [2], [3]] : tensor<1x128x12x64xf32> into tensor<128x12x64xf32>
// CHECK: %[[K:.*]] = tensor.collapse_shape %arg1 {{\[\[}}0, 1], [2], [3]] : tensor<1x128x12x64xf32> into tensor<128x12x64xf32>
// CHECK: linalg.fill
// CHECK: linalg.generic {indexing_maps = [#[[QMAP]], #[[KMAP]], #[[CMAP]]], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
// CHECK-SAME: ins(%[[Q]], %[[K]] : tensor<128x12x64xf32>, tensor<128x12x64xf32>)
// CHECK-NOT: linalg.transpose
// CHECK: return
func.func @scores(%q: tensor<1x128x12x64xf32>, %k: tensor<1x128x12x64xf32>) -> tensor<12x128x128xf32> {
  %zero = arith.constant 0.0 : f32
  %e0 = tensor.empty() : tensor<1x12x128x64xf32>
  %qt = linalg.transpose ins(%q : tensor<1x128x12x64xf32>) outs(%e0 : tensor<1x12x128x64xf32>) permutation = [0, 2, 1, 3]
  %e1 = tensor.empty() : tensor<1x12x128x64xf32>
  %kt = linalg.transpose ins(%k : tensor<1x128x12x64xf32>) outs(%e1 : tensor<1x12x128x64xf32>) permutation = [0, 2, 1, 3]
  %e2 = tensor.empty() : tensor<1x12x64x128xf32>
  %ktt = linalg.transpose ins(%kt : tensor<1x12x128x64xf32>) outs(%e2 : tensor<1x12x64x128xf32>) permutation = [0, 1, 3, 2]
  %a = tensor.collapse_shape %qt [[0, 1], [2], [3]] : tensor<1x12x128x64xf32> into tensor<12x128x64xf32>
  %b = tensor.collapse_shape %ktt [[0, 1], [2], [3]] : tensor<1x12x64x128xf32> into tensor<12x64x128xf32>
  %e3 = tensor.empty() : tensor<12x128x128xf32>
  %c = linalg.fill ins(%zero : f32) outs(%e3 : tensor<12x128x128xf32>) -> tensor<12x128x128xf32>
  %s = linalg.batch_matmul ins(%a, %b : tensor<12x128x64xf32>, tensor<12x64x128xf32>) outs(%c : tensor<12x128x128xf32>) -> tensor<12x128x128xf32>
  return %s : tensor<12x128x128xf32>
}

// -----

// The context P V transposed back to [1,128,12,64]: the product writes that
// layout directly ([128,12,64], map (b,m,n,k) -> (m,b,n)).
// CHECK-DAG: #[[PMAP:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d3)>
// CHECK-DAG: #[[VMAP:.*]] = affine_map<(d0, d1, d2, d3) -> (d3, d0, d2)>
// CHECK-DAG: #[[OMAP:.*]] = affine_map<(d0, d1, d2, d3) -> (d1, d0, d2)>
// CHECK-LABEL: func.func @context
// CHECK-NOT: linalg.transpose
// CHECK: %[[G:.*]] = linalg.generic {indexing_maps = [#[[PMAP]], #[[VMAP]], #[[OMAP]]]
// CHECK-SAME: outs(%{{.*}} : tensor<128x12x64xf32>)
// CHECK: %[[R:.*]] = tensor.expand_shape %[[G]] {{\[\[}}0, 1], [2], [3]] output_shape [1, 128, 12, 64]
// CHECK-NOT: linalg.transpose
// CHECK: return %[[R]]
func.func @context(%p: tensor<12x128x128xf32>, %v: tensor<1x128x12x64xf32>) -> tensor<1x128x12x64xf32> {
  %zero = arith.constant 0.0 : f32
  %e0 = tensor.empty() : tensor<1x12x128x64xf32>
  %vt = linalg.transpose ins(%v : tensor<1x128x12x64xf32>) outs(%e0 : tensor<1x12x128x64xf32>) permutation = [0, 2, 1, 3]
  %b = tensor.collapse_shape %vt [[0, 1], [2], [3]] : tensor<1x12x128x64xf32> into tensor<12x128x64xf32>
  %e1 = tensor.empty() : tensor<12x128x64xf32>
  %c = linalg.fill ins(%zero : f32) outs(%e1 : tensor<12x128x64xf32>) -> tensor<12x128x64xf32>
  %o = linalg.batch_matmul ins(%p, %b : tensor<12x128x128xf32>, tensor<12x128x64xf32>) outs(%c : tensor<12x128x64xf32>) -> tensor<12x128x64xf32>
  %x = tensor.expand_shape %o [[0, 1], [2], [3]] output_shape [1, 12, 128, 64] : tensor<12x128x64xf32> into tensor<1x12x128x64xf32>
  %e2 = tensor.empty() : tensor<1x128x12x64xf32>
  %r = linalg.transpose ins(%x : tensor<1x12x128x64xf32>) outs(%e2 : tensor<1x128x12x64xf32>) permutation = [0, 2, 1, 3]
  return %r : tensor<1x128x12x64xf32>
}

// -----

// Left alone: a plain batch_matmul (no transposes).
// CHECK-LABEL: func.func @plain
// CHECK: linalg.batch_matmul
func.func @plain(%a: tensor<4x8x16xf32>, %b: tensor<4x16x8xf32>) -> tensor<4x8x8xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x8x8xf32>
  %c = linalg.fill ins(%zero : f32) outs(%e : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %r = linalg.batch_matmul ins(%a, %b : tensor<4x8x16xf32>, tensor<4x16x8xf32>) outs(%c : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  return %r : tensor<4x8x8xf32>
}
