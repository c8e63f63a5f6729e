// RUN: qcc-opt %s | qcc-opt | FileCheck %s
// Round-trip of qcc ops through the custom assembly formats.

// CHECK-LABEL: func @elementwise
func.func @elementwise(%a: tensor<2x3xf32>, %b: tensor<3xf32>) -> tensor<2x3xi1> {
  // CHECK: qcc.add %{{.*}}, %{{.*}} : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  %0 = qcc.add %a, %b : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  // CHECK: qcc.gelu %{{.*}} {approximate = "tanh"} : tensor<2x3xf32>
  %1 = qcc.gelu %0 {approximate = "tanh"} : tensor<2x3xf32>
  // CHECK: qcc.hard_sigmoid %{{.*}} {alpha = 2.000000e-01 : f32, beta = 5.000000e-01 : f32}
  %2 = qcc.hard_sigmoid %1 {alpha = 0.2 : f32, beta = 0.5 : f32} : tensor<2x3xf32>
  // CHECK: qcc.less {{.*}} -> tensor<2x3xi1>
  %3 = qcc.less %2, %b : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xi1>
  return %3 : tensor<2x3xi1>
}

// CHECK-LABEL: func @nn
func.func @nn(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>, %bias: tensor<4xf32>) -> tensor<1x4x4x4xf32> {
  // CHECK: qcc.conv {{.*}} -> tensor<1x4x8x8xf32>
  %0 = qcc.conv %x, %w, %bias {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>}
     : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>, tensor<4xf32>) -> tensor<1x4x8x8xf32>
  // CHECK: qcc.max_pool {{.*}} -> tensor<1x4x4x4xf32>
  %1 = qcc.max_pool %0 {kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>}
     : (tensor<1x4x8x8xf32>) -> tensor<1x4x4x4xf32>
  return %1 : tensor<1x4x4x4xf32>
}

// CHECK-LABEL: func @quant
func.func @quant(%w: tensor<64x128xf32>, %s: tensor<64x4xf32>, %z: tensor<64x4xi4>) -> tensor<64x128xf32> {
  // CHECK: qcc.quantize {{.*}} {block_size = 32 : i64} {{.*}} -> tensor<64x128xi4>
  %q = qcc.quantize %w, %s, %z {axis = 1 : i64, block_size = 32 : i64}
     : (tensor<64x128xf32>, tensor<64x4xf32>, tensor<64x4xi4>) -> tensor<64x128xi4>
  // CHECK: qcc.dequantize
  %d = qcc.dequantize %q, %s, %z {axis = 1 : i64, block_size = 32 : i64}
     : (tensor<64x128xi4>, tensor<64x4xf32>, tensor<64x4xi4>) -> tensor<64x128xf32>
  return %d : tensor<64x128xf32>
}

// CHECK-LABEL: func @static_quant_type
func.func @static_quant_type(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  // CHECK: !quant.uniform<i8:f32, 1.000000e-01:3>
  %q = qcc.quantize %x : (tensor<4x8xf32>) -> tensor<4x8x!quant.uniform<i8:f32, 0.1:3>>
  %d = qcc.dequantize %q : (tensor<4x8x!quant.uniform<i8:f32, 0.1:3>>) -> tensor<4x8xf32>
  return %d : tensor<4x8xf32>
}
