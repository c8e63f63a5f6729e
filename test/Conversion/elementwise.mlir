// RUN: qcc-opt %s --convert-qcc-to-linalg --split-input-file --verify-diagnostics | FileCheck %s

// Broadcasting: the rank-1 operand is read through a map that drops d0.
// CHECK-DAG: #[[ID:.+]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[ROW:.+]] = affine_map<(d0, d1) -> (d1)>
// CHECK-LABEL: func.func @add_broadcast
// CHECK: %[[E:.+]] = tensor.empty() : tensor<2x3xf32>
// CHECK: linalg.generic {indexing_maps = [#[[ID]], #[[ROW]], #[[ID]]], iterator_types = ["parallel", "parallel"]}
// CHECK-SAME: ins(%arg0, %arg1 : tensor<2x3xf32>, tensor<3xf32>) outs(%[[E]] : tensor<2x3xf32>)
// CHECK: arith.addf
// CHECK-NOT: qcc.
func.func @add_broadcast(%x: tensor<2x3xf32>, %y: tensor<3xf32>) -> tensor<2x3xf32> {
  %0 = qcc.add %x, %y : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

// A static 1 against a dynamic size reads index 0; dynamic sizes come from
// tensor.dim of the operand that carries them. Unsigned compares use `ult`,
// and the function becomes signless.
// CHECK-DAG: #[[COL:.+]] = affine_map<(d0, d1) -> (d0, 0)>
// CHECK-DAG: #[[ROW:.+]] = affine_map<(d0, d1) -> (0, d1)>
// CHECK-LABEL: func.func @less_unsigned_dynamic
// CHECK-SAME: (%[[A:.+]]: tensor<?x1xi8>, %[[B:.+]]: tensor<1x?xi8>) -> tensor<?x?xi1>
// CHECK-DAG: %[[D0:.+]] = tensor.dim %[[A]], %c0
// CHECK-DAG: %[[D1:.+]] = tensor.dim %[[B]], %c1
// CHECK: tensor.empty(%[[D0]], %[[D1]]) : tensor<?x?xi1>
// CHECK: linalg.generic {indexing_maps = [#[[COL]], #[[ROW]], #{{.+}}]
// CHECK: arith.cmpi ult
// CHECK-NOT: tensor.bitcast
func.func @less_unsigned_dynamic(%a: tensor<?x1xui8>, %b: tensor<1x?xui8>) -> tensor<?x?xi1> {
  %0 = qcc.less %a, %b : (tensor<?x1xui8>, tensor<1x?xui8>) -> tensor<?x?xi1>
  return %0 : tensor<?x?xi1>
}

// -----

// Exact gelu uses math.erf; round is half-to-even; casts truncate toward zero.
// CHECK-LABEL: func.func @unary_math
// CHECK: linalg.generic
// CHECK: math.erf
// CHECK: linalg.generic
// CHECK: math.roundeven
// CHECK: linalg.generic
// CHECK: arith.fptosi %{{.+}} : f32 to i32
// CHECK: linalg.generic
// CHECK: arith.cmpf une
func.func @unary_math(%x: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>, tensor<4xi32>, tensor<4xi1>) {
  %0 = qcc.gelu %x : tensor<4xf32>
  %1 = qcc.round %x : tensor<4xf32>
  %2 = qcc.cast %x : tensor<4xf32> -> tensor<4xi32>
  %3 = qcc.cast %x : tensor<4xf32> -> tensor<4xi1>
  return %0, %1, %2, %3 : tensor<4xf32>, tensor<4xf32>, tensor<4xi32>, tensor<4xi1>
}

// -----

// where broadcasts all three operands and selects.
// CHECK-LABEL: func.func @where
// CHECK: linalg.generic {indexing_maps = [#{{.+}}, #{{.+}}, #[[SCALAR:.+]], #{{.+}}]
// CHECK: arith.select
func.func @where(%c: tensor<4xi1>, %x: tensor<4xf32>, %y: tensor<f32>) -> tensor<4xf32> {
  %0 = qcc.where %c, %x, %y : (tensor<4xi1>, tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// Unsupported element types fail with an error naming the op.
func.func @bad_exp(%x: tensor<4xi32>) -> tensor<4xi32> {
  // expected-error@+1 {{cannot convert 'qcc.exp' to linalg: needs a float element type}}
  %0 = qcc.exp %x : tensor<4xi32>
  return %0 : tensor<4xi32>
}

// -----

// A constant integral exponent becomes multiplications; others use powf.
// CHECK-LABEL: func.func @pow
// CHECK: linalg.generic
// CHECK: %[[SQ:.+]] = arith.mulf %[[IN:.+]], %[[IN]] : f32
// CHECK: arith.mulf %[[SQ]], %[[IN]] : f32
// CHECK-NOT: math.powf
// CHECK: linalg.generic
// CHECK: math.powf
func.func @pow(%x: tensor<4xf32>, %y: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  %three = arith.constant dense<3.0> : tensor<f32>
  %0 = qcc.pow %x, %three : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  %1 = qcc.pow %x, %y : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return %0, %1 : tensor<4xf32>, tensor<4xf32>
}
