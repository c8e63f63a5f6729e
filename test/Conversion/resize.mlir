// RUN: qcc-opt %s --convert-qcc-to-linalg --split-input-file --verify-diagnostics | FileCheck %s

// Nearest: only the resized dims compute a source index (round_prefer_floor
// is ceil(x - 0.5)); the others are copied (the unit batch dim folds to 0).
// CHECK-LABEL: func.func @nearest
// CHECK: linalg.generic {{.*}}outs(%{{.+}} : tensor<1x8x32x32xf32>)
// CHECK: %[[I1:.+]] = linalg.index 1
// CHECK: linalg.index 2
// CHECK: arith.subf
// CHECK: math.ceil
// CHECK: linalg.index 3
// CHECK: tensor.extract %arg0[%c0, %[[I1]], %{{.+}}, %{{.+}}] : tensor<1x8x16x16xf32>
func.func @nearest(%x: tensor<1x8x16x16xf32>) -> tensor<1x8x32x32xf32> {
  %0 = qcc.resize %x {mode = "nearest", scales = array<f64: 1.0, 1.0, 2.0, 2.0>} : (tensor<1x8x16x16xf32>) -> tensor<1x8x32x32xf32>
  return %0 : tensor<1x8x32x32xf32>
}

// -----

// Linear in two dims reads the four corners.
// CHECK-LABEL: func.func @linear
// CHECK: math.floor
// CHECK: math.floor
// CHECK-COUNT-4: tensor.extract %arg0
func.func @linear(%x: tensor<1x8x16x16xf32>) -> tensor<1x8x32x32xf32> {
  %0 = qcc.resize %x {mode = "linear", scales = array<f64: 1.0, 1.0, 2.0, 2.0>} : (tensor<1x8x16x16xf32>) -> tensor<1x8x32x32xf32>
  return %0 : tensor<1x8x32x32xf32>
}

// -----

func.func @cubic(%x: tensor<1x1x4x4xf32>) -> tensor<1x1x8x8xf32> {
  // expected-error@+1 {{cannot convert 'qcc.resize' to linalg: mode "cubic" is not supported (nearest, linear)}}
  %0 = qcc.resize %x {mode = "cubic", scales = array<f64: 1.0, 1.0, 2.0, 2.0>} : (tensor<1x1x4x4xf32>) -> tensor<1x1x8x8xf32>
  return %0 : tensor<1x1x8x8xf32>
}
