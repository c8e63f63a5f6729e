// RUN: qcc-opt %s --convert-qcc-to-linalg | FileCheck %s

// A reshape to a run-time shape checks the element count: on failure it calls
// the runtime hook with a message naming the ONNX node (from the NameLoc) and
// the two counts, and empties the dynamic result dims so nothing reads past
// the input. allowzero keeps a 0 entry literal (no copy of the input dim).
// CHECK-DAG: llvm.mlir.global internal constant @[[MSG:qcc_check_message_[0-9a-f]+]]("node 'reshape_1' (Reshape): the element count of the run-time target shape differs from the input's
// CHECK-DAG: func.func private @qcc_rt_check_failed(!llvm.ptr, i64, i64)
// CHECK-LABEL: func.func @runtime_shape
// CHECK: %[[PTR:.+]] = llvm.mlir.addressof @[[MSG]] : !llvm.ptr
// CHECK: arith.divui
// CHECK: %[[FAILED:.+]] = arith.xori %[[OK:.+]], %true
// CHECK: scf.if %[[FAILED]] {
// CHECK:   func.call @qcc_rt_check_failed(%[[PTR]], %{{.+}}, %{{.+}}) : (!llvm.ptr, i64, i64) -> ()
// CHECK: }
// CHECK: arith.select %[[OK]]
// CHECK: tensor.reshape
func.func @runtime_shape(%x: tensor<?x4xf32>, %s: tensor<2xi64>) -> tensor<?x?xf32> {
  %0 = qcc.reshape %x, %s : (tensor<?x4xf32>, tensor<2xi64>) -> tensor<?x?xf32> loc(#loc)
  return %0 : tensor<?x?xf32>
}

// CHECK-LABEL: func.func @allowzero
// CHECK-NOT: tensor.dim
// CHECK: scf.if
// CHECK: tensor.reshape
func.func @allowzero(%x: tensor<0x4xf32>, %s: tensor<2xi64>) -> tensor<?x?xf32> {
  %0 = qcc.reshape %x, %s {allowzero} : (tensor<0x4xf32>, tensor<2xi64>) -> tensor<?x?xf32>
  return %0 : tensor<?x?xf32>
}

#loc = loc("reshape_1")
