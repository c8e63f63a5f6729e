// RUN: qcc-opt %s --convert-qcc-to-linalg --split-input-file | FileCheck %s

// Softmax is stable: a max reduction, a sum of exp(x - max), then the output.
// CHECK-DAG: #[[ID:.+]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-DAG: #[[KEPT:.+]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// CHECK-LABEL: func.func @softmax
// CHECK: %[[NINF:.+]] = arith.constant 0xFF800000 : f32
// CHECK: %[[F:.+]] = linalg.fill ins(%[[NINF]] : f32) outs(%{{.+}} : tensor<2x4xf32>)
// CHECK: %[[MAX:.+]] = linalg.generic {indexing_maps = [#[[ID]], #[[KEPT]]], iterator_types = ["parallel", "reduction", "parallel"]}
// CHECK: arith.maxnumf
// CHECK: %[[SUM:.+]] = linalg.generic {indexing_maps = [#[[ID]], #[[KEPT]], #[[KEPT]]], iterator_types = ["parallel", "reduction", "parallel"]}
// CHECK-SAME: ins(%arg0, %[[MAX]] :
// CHECK: arith.subf
// CHECK: math.exp
// CHECK: arith.addf
// CHECK: linalg.generic {indexing_maps = [#[[ID]], #[[KEPT]], #[[KEPT]], #[[ID]]]
// CHECK-SAME: ins(%arg0, %[[MAX]], %[[SUM]] :
// CHECK: math.exp
// CHECK: arith.divf
func.func @softmax(%x: tensor<2x3x4xf32>) -> tensor<2x3x4xf32> {
  %0 = qcc.softmax %x {axis = 1 : i64} : tensor<2x3x4xf32>
  return %0 : tensor<2x3x4xf32>
}

// -----

// Layer norm over the last axis: mean, variance around it, 1/sqrt(var + eps),
// then (x - mean) * rstd * scale + bias with scale/bias broadcast on d2.
// CHECK-DAG: #[[OUTER:.+]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-DAG: #[[LAST:.+]] = affine_map<(d0, d1, d2) -> (d2)>
// CHECK-LABEL: func.func @layer_norm
// CHECK: iterator_types = ["parallel", "parallel", "reduction"]
// CHECK: arith.divf
// CHECK: iterator_types = ["parallel", "parallel", "reduction"]
// CHECK: math.sqrt
// CHECK: linalg.generic {indexing_maps = [#{{.+}}, #[[OUTER]], #[[OUTER]], #[[LAST]], #[[LAST]], #{{.+}}]
func.func @layer_norm(%x: tensor<1x?x8xf32>, %g: tensor<8xf32>, %b: tensor<8xf32>) -> tensor<1x?x8xf32> {
  %0 = qcc.layer_norm %x, %g, %b {axis = -1 : i64, epsilon = 1.0e-5 : f32} : (tensor<1x?x8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<1x?x8xf32>
  return %0 : tensor<1x?x8xf32>
}

// -----

// Batch norm folds the statistics into a per-channel scale and shift first.
// CHECK-DAG: #[[CH:.+]] = affine_map<(d0, d1, d2, d3) -> (d1)>
// CHECK-LABEL: func.func @batch_norm
// CHECK: math.sqrt
// CHECK: linalg.generic {indexing_maps = [#{{.+}}, #[[CH]], #[[CH]], #{{.+}}]
// CHECK: arith.mulf
// CHECK: arith.addf
func.func @batch_norm(%x: tensor<1x16x4x4xf32>, %s: tensor<16xf32>, %b: tensor<16xf32>, %m: tensor<16xf32>, %v: tensor<16xf32>) -> tensor<1x16x4x4xf32> {
  %0 = qcc.batch_norm %x, %s, %b, %m, %v {epsilon = 1.0e-5 : f32} : (tensor<1x16x4x4xf32>, tensor<16xf32>, tensor<16xf32>, tensor<16xf32>, tensor<16xf32>) -> tensor<1x16x4x4xf32>
  return %0 : tensor<1x16x4x4xf32>
}

// -----

// RMS norm: the sum of squares, no mean.
// CHECK-LABEL: func.func @rms_norm
// CHECK: linalg.generic
// CHECK: arith.mulf %[[IN:.+]], %[[IN]] : f32
// CHECK: arith.addf
// CHECK-NOT: arith.subf
// CHECK: math.sqrt
func.func @rms_norm(%x: tensor<2x8xf32>, %g: tensor<8xf32>) -> tensor<2x8xf32> {
  %0 = qcc.rms_norm %x, %g {epsilon = 1.0e-6 : f32} : (tensor<2x8xf32>, tensor<8xf32>) -> tensor<2x8xf32>
  return %0 : tensor<2x8xf32>
}
