// RUN: qcc-opt %s -qcc-to-llvm | FileCheck %s
// Through the whole pipeline an external weight stays a declaration (no
// initializer, alignment 64), and returning it from @main copies it into a
// fresh heap buffer (Contract 2: results never alias a constant).

// CHECK: module attributes {qcc.external_weights = [{{.*}}sym_name = "fc_w"
// CHECK: llvm.mlir.global external constant @fc_w() {addr_space = 0 : i32, alignment = 64 : i64} : !llvm.array<4 x array<8 x f32>>{{$}}
// CHECK-LABEL: llvm.func @main
// CHECK: %[[G:.*]] = llvm.mlir.addressof @fc_w
// CHECK: %[[P:.*]] = llvm.getelementptr %[[G]][0, 0, 0]
// CHECK: %[[R:.*]] = llvm.call @_mlir_memref_to_llvm_aligned_alloc
// CHECK: "llvm.intr.memcpy"(%{{.*}}, %[[P]], %{{.*}})
func.func @main(%x: tensor<2x4xf32>) -> (tensor<2x8xf32>, tensor<4x8xf32>) {
  %w = qcc.external_weight @fc_w {source = "m.safetensors", format = "safetensors", tensor = "fc.weight"} : tensor<4x8xf32>
  %y = qcc.matmul %x, %w : (tensor<2x4xf32>, tensor<4x8xf32>) -> tensor<2x8xf32>
  return %y, %w : tensor<2x8xf32>, tensor<4x8xf32>
}
