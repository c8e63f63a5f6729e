// RUN: qcc-opt %s --convert-qcc-to-linalg --split-input-file | FileCheck %s

// Batch dims of A fold into M: one linalg.matmul on a zero-filled accumulator.
// CHECK-LABEL: func.func @matmul_batched_lhs
// CHECK: %[[A:.+]] = tensor.collapse_shape %arg0 {{\[\[}}0, 1], [2]] : tensor<2x?x4xf32> into tensor<?x4xf32>
// CHECK: %[[Z:.+]] = linalg.fill ins(%{{.+}} : f32) outs(%{{.+}} : tensor<?x5xf32>)
// CHECK: %[[M:.+]] = linalg.matmul ins(%[[A]], %arg1 : tensor<?x4xf32>, tensor<4x5xf32>) outs(%[[Z]] : tensor<?x5xf32>)
// CHECK: tensor.expand_shape %[[M]] {{\[\[}}0, 1], [2]] output_shape [2, %{{.+}}, 5]
func.func @matmul_batched_lhs(%a: tensor<2x?x4xf32>, %b: tensor<4x5xf32>) -> tensor<2x?x5xf32> {
  %0 = qcc.matmul %a, %b : (tensor<2x?x4xf32>, tensor<4x5xf32>) -> tensor<2x?x5xf32>
  return %0 : tensor<2x?x5xf32>
}

// -----

// Equal batch dims: linalg.batch_matmul on the collapsed batch.
// CHECK-LABEL: func.func @matmul_batch
// CHECK: tensor.collapse_shape %arg0 {{\[\[}}0, 1], [2], [3]] : tensor<2x3x4x8xf32> into tensor<6x4x8xf32>
// CHECK: tensor.collapse_shape %arg1 {{\[\[}}0, 1], [2], [3]] : tensor<2x3x8x5xf32> into tensor<6x8x5xf32>
// CHECK: linalg.batch_matmul ins({{.+}} : tensor<6x4x8xf32>, tensor<6x8x5xf32>) outs({{.+}} : tensor<6x4x5xf32>)
// CHECK: tensor.expand_shape {{.+}} into tensor<2x3x4x5xf32>
func.func @matmul_batch(%a: tensor<2x3x4x8xf32>, %b: tensor<2x3x8x5xf32>) -> tensor<2x3x4x5xf32> {
  %0 = qcc.matmul %a, %b : (tensor<2x3x4x8xf32>, tensor<2x3x8x5xf32>) -> tensor<2x3x4x5xf32>
  return %0 : tensor<2x3x4x5xf32>
}

// -----

// Broadcasting batch dims (1 vs 3): a contraction generic whose lhs map reads
// batch index 0.
// CHECK-DAG: #[[LHS:.+]] = affine_map<(d0, d1, d2, d3) -> (0, d1, d3)>
// CHECK-DAG: #[[RHS:.+]] = affine_map<(d0, d1, d2, d3) -> (d0, d3, d2)>
// CHECK-DAG: #[[OUT:.+]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
// CHECK-LABEL: func.func @matmul_broadcast_batch
// CHECK: linalg.generic {indexing_maps = [#[[LHS]], #[[RHS]], #[[OUT]]], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
// CHECK: arith.mulf
// CHECK: arith.addf
func.func @matmul_broadcast_batch(%a: tensor<1x4x8xf32>, %b: tensor<3x8x5xf32>) -> tensor<3x4x5xf32> {
  %0 = qcc.matmul %a, %b : (tensor<1x4x8xf32>, tensor<3x8x5xf32>) -> tensor<3x4x5xf32>
  return %0 : tensor<3x4x5xf32>
}

// -----

// Gemm with trans_b uses the transposing indexing maps of linalg.matmul; alpha
// and C go to an epilogue.
// CHECK-DAG: #[[B:.+]] = affine_map<(d0, d1, d2) -> (d1, d2)>
// CHECK-LABEL: func.func @gemm
// CHECK: linalg.matmul indexing_maps = [#{{.+}}, #[[B]], #{{.+}}] ins(%arg0, %arg1 : tensor<3x4xf32>, tensor<5x4xf32>)
// CHECK: linalg.generic
// CHECK: arith.mulf
// CHECK: arith.addf
func.func @gemm(%a: tensor<3x4xf32>, %b: tensor<5x4xf32>, %c: tensor<5xf32>) -> tensor<3x5xf32> {
  %0 = qcc.gemm %a, %b, %c {trans_b = true, alpha = 2.0 : f32} : (tensor<3x4xf32>, tensor<5x4xf32>, tensor<5xf32>) -> tensor<3x5xf32>
  return %0 : tensor<3x5xf32>
}

// -----

// With alpha == 1 the (beta-scaled) C initializes the accumulator.
// CHECK-LABEL: func.func @gemm_bias_acc
// CHECK: %[[ACC:.+]] = linalg.generic
// CHECK: linalg.matmul {{.*}}outs(%[[ACC]] : tensor<3x5xf32>)
// CHECK-NOT: linalg.generic
func.func @gemm_bias_acc(%a: tensor<3x4xf32>, %b: tensor<4x5xf32>, %c: tensor<5xf32>) -> tensor<3x5xf32> {
  %0 = qcc.gemm %a, %b, %c : (tensor<3x4xf32>, tensor<4x5xf32>, tensor<5xf32>) -> tensor<3x5xf32>
  return %0 : tensor<3x5xf32>
}

// -----

// matmul_integer: zero-extend u8, sign-extend i8, subtract zero points, then
// an i32 linalg.matmul.
// CHECK-LABEL: func.func @matmul_integer
// CHECK: linalg.generic
// CHECK: arith.extui %{{.+}} : i8 to i32
// CHECK: arith.subi
// CHECK: linalg.generic
// CHECK: arith.extsi %{{.+}} : i8 to i32
// CHECK: arith.subi
// CHECK: linalg.matmul ins(%{{.+}}, %{{.+}} : tensor<3x4xi32>, tensor<4x5xi32>) outs(%{{.+}} : tensor<3x5xi32>)
func.func @matmul_integer(%a: tensor<3x4xui8>, %b: tensor<4x5xi8>, %za: tensor<ui8>, %zb: tensor<5xi8>) -> tensor<3x5xi32> {
  %0 = qcc.matmul_integer %a, %b, %za, %zb : (tensor<3x4xui8>, tensor<4x5xi8>, tensor<ui8>, tensor<5xi8>) -> tensor<3x5xi32>
  return %0 : tensor<3x5xi32>
}
