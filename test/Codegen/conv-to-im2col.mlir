// RUN: qcc-opt %s -split-input-file -qcc-x86-conv-to-im2col | FileCheck %s

// NHWC/HWCF: patches [N, OH*OW, KH*KW*C] times the filter [KH*KW*C, F].
// CHECK-LABEL: func.func @conv_nhwc
// CHECK-SAME: (%[[IN:.*]]: tensor<1x10x10x4xf32>, %[[F:.*]]: tensor<3x3x4x16xf32>, %[[INIT:.*]]: tensor<1x8x8x16xf32>)
// CHECK-DAG: %[[FM:.*]] = tensor.collapse_shape %[[F]] {{\[}}[0, 1, 2], [3]] : tensor<3x3x4x16xf32> into tensor<36x16xf32>
// CHECK-DAG: %[[CM:.*]] = tensor.collapse_shape %[[INIT]] {{\[}}[0], [1, 2], [3]] : tensor<1x8x8x16xf32> into tensor<1x64x16xf32>
// CHECK: %[[COLS:.*]] = linalg.generic {{.*}} ins(%[[IN]] : tensor<1x10x10x4xf32>) outs(%{{.*}} : tensor<1x64x36xf32>)
// CHECK: %[[MM:.*]] = linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "parallel", "reduction"]{{.*}} ins(%[[COLS]], %[[FM]] : tensor<1x64x36xf32>, tensor<36x16xf32>) outs(%[[CM]] : tensor<1x64x16xf32>)
// CHECK: arith.mulf
// CHECK: arith.addf
// CHECK: tensor.expand_shape %[[MM]] {{\[}}[0], [1, 2], [3]] output_shape [1, 8, 8, 16]
// CHECK-NOT: linalg.conv_2d
func.func @conv_nhwc(%in: tensor<1x10x10x4xf32>, %f: tensor<3x3x4x16xf32>, %init: tensor<1x8x8x16xf32>) -> tensor<1x8x8x16xf32> {
  %0 = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
       ins(%in, %f : tensor<1x10x10x4xf32>, tensor<3x3x4x16xf32>) outs(%init : tensor<1x8x8x16xf32>) -> tensor<1x8x8x16xf32>
  return %0 : tensor<1x8x8x16xf32>
}

// -----

// NCHW/FCHW (the ONNX layout), stride 2: filter [F, C*KH*KW] times patches
// [N, C*KH*KW, OH*OW].
// CHECK-LABEL: func.func @conv_nchw
// CHECK: %[[FM:.*]] = tensor.collapse_shape %{{.*}} {{\[}}[0], [1, 2, 3]] : tensor<16x4x3x3xf32> into tensor<16x36xf32>
// CHECK: %[[COLS:.*]] = linalg.generic {{.*}} outs(%{{.*}} : tensor<1x36x16xf32>)
// CHECK: linalg.generic {{.*}} ins(%[[FM]], %[[COLS]] : tensor<16x36xf32>, tensor<1x36x16xf32>) outs(%{{.*}} : tensor<1x16x16xf32>)
// CHECK: tensor.expand_shape {{.*}} output_shape [1, 16, 4, 4]
func.func @conv_nchw(%in: tensor<1x4x10x10xf32>, %f: tensor<16x4x3x3xf32>, %init: tensor<1x16x4x4xf32>) -> tensor<1x16x4x4xf32> {
  %0 = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
       ins(%in, %f : tensor<1x4x10x10xf32>, tensor<16x4x3x3xf32>) outs(%init : tensor<1x16x4x4xf32>) -> tensor<1x16x4x4xf32>
  return %0 : tensor<1x16x4x4xf32>
}

// -----

// Depthwise convolutions are not matmuls: left alone.
// CHECK-LABEL: func.func @depthwise
// CHECK: linalg.depthwise_conv_2d_nhwc_hwc
func.func @depthwise(%in: tensor<1x10x10x4xf32>, %f: tensor<3x3x4xf32>, %init: tensor<1x8x8x4xf32>) -> tensor<1x8x8x4xf32> {
  %0 = linalg.depthwise_conv_2d_nhwc_hwc {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
       ins(%in, %f : tensor<1x10x10x4xf32>, tensor<3x3x4xf32>) outs(%init : tensor<1x8x8x4xf32>) -> tensor<1x8x8x4xf32>
  return %0 : tensor<1x8x8x4xf32>
}
