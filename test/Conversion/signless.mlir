// RUN: qcc-opt %s --convert-qcc-to-linalg --split-input-file | FileCheck %s
// RUN: qcc-opt %s --convert-qcc-to-linalg=signless-integers=false --split-input-file | FileCheck %s --check-prefix=KEEP

// After the conversion the module is signless: signatures, dense and
// dense_resource constants (same blob) and generic block arguments; no
// tensor.bitcast is left.
// CHECK-LABEL: func.func @weights
// CHECK-SAME: (%arg0: tensor<4xi8>) -> tensor<4xi8>
// CHECK-DAG: arith.constant dense_resource<w_u8> : tensor<4xi8>
// CHECK-DAG: arith.constant dense<[1, 2, 3, -1]> : tensor<4xi8>
// CHECK: linalg.generic
// CHECK: ^bb0(%{{.+}}: i8, %{{.+}}: i8, %{{.+}}: i8):
// CHECK: arith.maxui
// CHECK-NOT: tensor.bitcast
// KEEP-LABEL: func.func @weights
// KEEP-SAME: (%arg0: tensor<4xui8>) -> tensor<4xui8>
// KEEP: tensor.bitcast %{{.+}} : tensor<4xi8> to tensor<4xui8>
func.func @weights(%x: tensor<4xui8>) -> tensor<4xui8> {
  %w = arith.constant dense_resource<w_u8> : tensor<4xui8>
  %c = arith.constant dense<[1, 2, 3, 255]> : tensor<4xui8>
  %0 = qcc.max %x, %w : (tensor<4xui8>, tensor<4xui8>) -> tensor<4xui8>
  %1 = qcc.add %0, %c : (tensor<4xui8>, tensor<4xui8>) -> tensor<4xui8>
  return %1 : tensor<4xui8>
}

{-#
  dialect_resources: {
    builtin: {
      w_u8: "0x0100000001020304"
    }
  }
#-}
