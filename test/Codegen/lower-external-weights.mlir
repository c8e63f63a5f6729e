// RUN: qcc-opt %s -split-input-file -qcc-lower-external-weights -verify-diagnostics | FileCheck %s
// qcc.external_weight -> external constant memref.global (no initializer,
// alignment 64) + memref.get_global + bufferization.to_tensor restrict, and a
// qcc.external_weights record per global for the back end.

// CHECK: module attributes {qcc.external_weights = [{format = "safetensors", source = "m.safetensors", sym_name = "fc_w", tensor = "fc.weight", type = tensor<4x8xf32>}, {format = "raw", offset = 64 : i64, source = "m.bin", sym_name = "bias", tensor = "b", type = tensor<8xf32>}]}
// CHECK-DAG: memref.global constant @fc_w : memref<4x8xf32> {alignment = 64 : i64}
// CHECK-DAG: memref.global constant @bias : memref<8xf32> {alignment = 64 : i64}
// CHECK-LABEL: func.func @main
func.func @main(%x: tensor<2x4xf32>) -> tensor<2x8xf32> {
  // CHECK: %[[M:.*]] = memref.get_global @fc_w : memref<4x8xf32>
  // CHECK: %[[W:.*]] = bufferization.to_tensor %[[M]] restrict : memref<4x8xf32> to tensor<4x8xf32>
  // CHECK-NOT: qcc.external_weight
  %w = qcc.external_weight @fc_w {source = "m.safetensors", format = "safetensors", tensor = "fc.weight"} : tensor<4x8xf32>
  // The same weight used twice shares one global.
  %w2 = qcc.external_weight @fc_w {source = "m.safetensors", format = "safetensors", tensor = "fc.weight"} : tensor<4x8xf32>
  %b = qcc.external_weight @bias {source = "m.bin", format = "raw", tensor = "b", offset = 64 : i64} : tensor<8xf32>
  // CHECK: qcc.matmul %{{.*}}, %[[W]]
  %y = qcc.matmul %x, %w : (tensor<2x4xf32>, tensor<4x8xf32>) -> tensor<2x8xf32>
  %y2 = qcc.matmul %x, %w2 : (tensor<2x4xf32>, tensor<4x8xf32>) -> tensor<2x8xf32>
  %s = qcc.add %y, %y2 : (tensor<2x8xf32>, tensor<2x8xf32>) -> tensor<2x8xf32>
  %z = qcc.add %s, %b : (tensor<2x8xf32>, tensor<8xf32>) -> tensor<2x8xf32>
  return %z : tensor<2x8xf32>
}

// -----

func.func @main() -> (tensor<4xf32>, tensor<4xf32>) {
  %a = qcc.external_weight @w {source = "a.bin", format = "raw", tensor = "a"} : tensor<4xf32>
  // expected-error @+1 {{sym_name @w already names a different external weight}}
  %b = qcc.external_weight @w {source = "b.bin", format = "raw", tensor = "b"} : tensor<4xf32>
  return %a, %b : tensor<4xf32>, tensor<4xf32>
}

// -----

func.func @main() -> tensor<4xf32> {
  // expected-error @+1 {{sym_name @main collides with another symbol of the module}}
  %a = qcc.external_weight @main {source = "a.bin", format = "raw", tensor = "a"} : tensor<4xf32>
  return %a : tensor<4xf32>
}
