// RUN: qcc-opt %s --convert-qcc-to-linalg --split-input-file --verify-diagnostics | FileCheck %s

// Static reshapes become collapse/expand; unrelated shapes go through 1-D.
// CHECK-LABEL: func.func @reshape_static
// CHECK: tensor.collapse_shape %arg0 {{\[\[}}0, 1], [2]] : tensor<2x3x4xf32> into tensor<6x4xf32>
// CHECK: tensor.collapse_shape %arg0 {{\[\[}}0, 1, 2]] : tensor<2x3x4xf32> into tensor<24xf32>
// CHECK: tensor.expand_shape %{{.+}} {{\[\[}}0, 1]] output_shape [3, 8] : tensor<24xf32> into tensor<3x8xf32>
func.func @reshape_static(%x: tensor<2x3x4xf32>) -> (tensor<6x4xf32>, tensor<3x8xf32>) {
  %0 = qcc.reshape %x : (tensor<2x3x4xf32>) -> tensor<6x4xf32>
  %1 = qcc.reshape %x : (tensor<2x3x4xf32>) -> tensor<3x8xf32>
  return %0, %1 : tensor<6x4xf32>, tensor<3x8xf32>
}

// -----

// A dynamic reshape with a shape operand: tensor.reshape with the resolved
// shape (0 copies the input dim, -1 is inferred).
// CHECK-LABEL: func.func @reshape_dynamic
// CHECK: tensor.extract %arg1
// CHECK: %[[S:.+]] = tensor.from_elements %{{.+}}, %{{.+}} : tensor<2xi64>
// CHECK: tensor.reshape %arg0(%[[S]]) : (tensor<?x4xf32>, tensor<2xi64>) -> tensor<?x2xf32>
func.func @reshape_dynamic(%x: tensor<?x4xf32>, %s: tensor<2xi64>) -> tensor<?x2xf32> {
  %0 = qcc.reshape %x, %s : (tensor<?x4xf32>, tensor<2xi64>) -> tensor<?x2xf32>
  return %0 : tensor<?x2xf32>
}

// -----

// CHECK-LABEL: func.func @transpose
// CHECK: %[[E:.+]] = tensor.empty() : tensor<4x2x3xf32>
// CHECK: linalg.transpose ins(%arg0 : tensor<2x3x4xf32>) outs(%[[E]] : tensor<4x2x3xf32>) permutation = [2, 0, 1]
func.func @transpose(%x: tensor<2x3x4xf32>) -> tensor<4x2x3xf32> {
  %0 = qcc.transpose %x {perm = array<i64: 2, 0, 1>} : (tensor<2x3x4xf32>) -> tensor<4x2x3xf32>
  return %0 : tensor<4x2x3xf32>
}

// -----

// Concat inserts each operand at its running offset.
// CHECK-LABEL: func.func @concat
// CHECK: %[[E:.+]] = tensor.empty() : tensor<2x7xf32>
// CHECK: %[[I0:.+]] = tensor.insert_slice %arg0 into %[[E]][0, 0] [2, 3] [1, 1]
// CHECK: tensor.insert_slice %arg1 into %[[I0]][0, 3] [2, 4] [1, 1]
func.func @concat(%a: tensor<2x3xf32>, %b: tensor<2x4xf32>) -> tensor<2x7xf32> {
  %0 = qcc.concat %a, %b {axis = 1 : i64} : (tensor<2x3xf32>, tensor<2x4xf32>) -> tensor<2x7xf32>
  return %0 : tensor<2x7xf32>
}

// -----

// Positive steps: extract_slice; negative steps: index arithmetic + extract.
// CHECK-LABEL: func.func @slice
// CHECK: tensor.extract_slice %arg0[1, 0] [2, 2] [2, 3] : tensor<4x6xf32> to tensor<2x2xf32>
// CHECK: linalg.generic
// CHECK: linalg.index 0
// CHECK: arith.muli %{{.+}}, %c-1
// CHECK: tensor.extract %arg0
func.func @slice(%x: tensor<4x6xf32>) -> (tensor<2x2xf32>, tensor<4x6xf32>) {
  %0 = qcc.slice %x {starts = array<i64: 1, 0>, steps = array<i64: 2, 3>} : (tensor<4x6xf32>) -> tensor<2x2xf32>
  %1 = qcc.slice %x {starts = array<i64: 3, 0>, steps = array<i64: -1, 1>} : (tensor<4x6xf32>) -> tensor<4x6xf32>
  return %0, %1 : tensor<2x2xf32>, tensor<4x6xf32>
}

// -----

// Gather reads the index through the generic's input and normalizes it.
// CHECK-DAG: #[[IDX:.+]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-LABEL: func.func @gather
// CHECK: linalg.generic {indexing_maps = [#[[IDX]], #{{.+}}]
// CHECK-SAME: ins(%arg1 : tensor<2x?xi64>)
// CHECK: arith.index_cast
// CHECK: arith.cmpi slt
// CHECK: tensor.extract %arg0[%{{.+}}, %{{.+}}] : tensor<10x4xf32>
func.func @gather(%t: tensor<10x4xf32>, %i: tensor<2x?xi64>) -> tensor<2x?x4xf32> {
  %0 = qcc.gather %t, %i {axis = 0 : i64} : (tensor<10x4xf32>, tensor<2x?xi64>) -> tensor<2x?x4xf32>
  return %0 : tensor<2x?x4xf32>
}

// -----

// Tile broadcasts to [r, d] pairs and collapses them.
// CHECK-DAG: #[[IN:.+]] = affine_map<(d0, d1, d2, d3) -> (d1, d3)>
// CHECK-LABEL: func.func @tile
// CHECK: linalg.generic {indexing_maps = [#[[IN]], #{{.+}}]
// CHECK: tensor.collapse_shape %{{.+}} {{\[\[}}0, 1], [2, 3]] : tensor<2x3x1x4xf32> into tensor<6x4xf32>
func.func @tile(%x: tensor<3x4xf32>) -> tensor<6x4xf32> {
  %0 = qcc.tile %x {repeats = array<i64: 2, 1>} : (tensor<3x4xf32>) -> tensor<6x4xf32>
  return %0 : tensor<6x4xf32>
}

// -----

// CHECK-LABEL: func.func @expand
// CHECK: linalg.generic {indexing_maps = [#[[MAP:.+]], #{{.+}}]
// CHECK-SAME: ins(%arg0 : tensor<3x1xf32>) outs(%{{.+}} : tensor<2x3x4xf32>)
func.func @expand(%x: tensor<3x1xf32>) -> tensor<2x3x4xf32> {
  %0 = qcc.expand %x : (tensor<3x1xf32>) -> tensor<2x3x4xf32>
  return %0 : tensor<2x3x4xf32>
}

// -----

// Constant pads become tensor.pad (negative pads crop first); reflect reads
// mirrored indices.
// CHECK-LABEL: func.func @pad
// CHECK: %[[C:.+]] = tensor.extract_slice %arg0[0, 1] [2, 2] [1, 1]
// CHECK: tensor.pad %[[C]] low[1, 0] high[0, 0]
// CHECK: tensor.yield %{{.+}} : f32
// CHECK: linalg.generic
// CHECK: arith.cmpi slt
// CHECK: arith.cmpi sgt
// CHECK: tensor.extract %arg0
func.func @pad(%x: tensor<2x3xf32>) -> (tensor<3x2xf32>, tensor<2x6xf32>) {
  %0 = qcc.pad %x {pads = array<i64: 1, -1, 0, 0>, mode = "constant", value = 2.0} : (tensor<2x3xf32>) -> tensor<3x2xf32>
  %1 = qcc.pad %x {pads = array<i64: 0, 2, 0, 1>, mode = "reflect"} : (tensor<2x3xf32>) -> tensor<2x6xf32>
  return %0, %1 : tensor<3x2xf32>, tensor<2x6xf32>
}

// -----

// Slicing a dynamic dimension partially cannot be sized from the op.
func.func @bad_slice(%x: tensor<?xf32>) -> tensor<?xf32> {
  // expected-error@+1 {{cannot convert 'qcc.slice' to linalg: a dynamic result dimension needs a full slice}}
  %0 = qcc.slice %x {starts = array<i64: 1>, steps = array<i64: 1>} : (tensor<?xf32>) -> tensor<?xf32>
  return %0 : tensor<?xf32>
}
