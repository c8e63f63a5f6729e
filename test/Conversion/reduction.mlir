// RUN: qcc-opt %s --convert-qcc-to-linalg --split-input-file | FileCheck %s

// keepdims: reduce into the kept dims, then expand_shape the unit dims back.
// CHECK-LABEL: func.func @reduce_sum_keepdims
// CHECK: %[[F:.+]] = linalg.fill ins(%{{.+}} : f32) outs(%{{.+}} : tensor<1x64xf32>)
// CHECK: %[[R:.+]] = linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "reduction", "reduction"]{{.*}} outs(%[[F]] : tensor<1x64xf32>)
// CHECK: arith.addf
// CHECK: tensor.expand_shape %[[R]] {{\[\[}}0], [1, 2, 3]] {{.*}} into tensor<1x64x1x1xf32>
func.func @reduce_sum_keepdims(%x: tensor<1x64x7x7xf32>) -> tensor<1x64x1x1xf32> {
  %0 = qcc.reduce_sum %x {axes = array<i64: 2, 3>, keepdims = true} : (tensor<1x64x7x7xf32>) -> tensor<1x64x1x1xf32>
  return %0 : tensor<1x64x1x1xf32>
}

// -----

// Mean divides by the reduced element count; unsigned max uses maxui and
// starts from 0.
// CHECK-LABEL: func.func @mean_and_umax
// CHECK: arith.addf
// CHECK: arith.divf
// CHECK: linalg.fill ins(%c0_i8 : i8)
// CHECK: arith.maxui
func.func @mean_and_umax(%x: tensor<4x?xf32>, %u: tensor<4x5xui8>) -> (tensor<4xf32>, tensor<4xui8>) {
  %0 = qcc.reduce_mean %x {axes = array<i64: 1>, keepdims = false} : (tensor<4x?xf32>) -> tensor<4xf32>
  %1 = qcc.reduce_max %u {axes = array<i64: 1>, keepdims = false} : (tensor<4x5xui8>) -> tensor<4xui8>
  return %0, %1 : tensor<4xf32>, tensor<4xui8>
}

// -----

// Argmax keeps (best value, best index) as two reduction outputs; ties keep
// the first index (strict ogt).
// CHECK-LABEL: func.func @argmax
// CHECK: linalg.generic {{.*}} outs(%{{.+}}, %{{.+}} : tensor<4xf32>, tensor<4xi64>)
// CHECK: linalg.index 1
// CHECK: arith.cmpf ogt
// CHECK: arith.select
// CHECK: arith.select
func.func @argmax(%x: tensor<4x1000xf32>) -> tensor<4xi64> {
  %0 = qcc.argmax %x {axis = 1 : i64, keepdims = false} : (tensor<4x1000xf32>) -> tensor<4xi64>
  return %0 : tensor<4xi64>
}
