// RUN: qcc-opt %s | qcc-opt | FileCheck %s
// qcc.external_weight round-trips through the printer and the parser.

// CHECK-LABEL: func.func @weights
func.func @weights() -> (tensor<4x8xf32>, tensor<16xi8>) {
  // CHECK: %[[W:.*]] = qcc.external_weight @fc_w {format = "safetensors", source = "model.safetensors", tensor = "fc.weight"} : tensor<4x8xf32>
  %w = qcc.external_weight @fc_w {source = "model.safetensors", format = "safetensors", tensor = "fc.weight"} : tensor<4x8xf32>
  // CHECK: %[[R:.*]] = qcc.external_weight @raw_q {format = "raw", offset = 128 : i64, source = "m.onnx.data", tensor = "q"} : tensor<16xi8>
  %r = qcc.external_weight @raw_q {source = "m.onnx.data", format = "raw", tensor = "q", offset = 128 : i64} : tensor<16xi8>
  // CHECK: return %[[W]], %[[R]]
  return %w, %r : tensor<4x8xf32>, tensor<16xi8>
}
