// RUN: qcc-opt %s -qcc-emit-c-interface | FileCheck %s

// Public functions with a body get the C wrapper request; private helpers
// (outlined parallel bodies) and declarations do not.
// CHECK-LABEL: func.func @main
// CHECK-SAME: attributes {llvm.emit_c_interface}
func.func @main(%x: memref<4xf32>) {
  return
}

// CHECK-LABEL: func.func private @main_par
// CHECK-NOT: llvm.emit_c_interface
func.func private @main_par(%lo: i64, %hi: i64) {
  return
}

// CHECK-LABEL: func.func private @external
// CHECK-NOT: llvm.emit_c_interface
func.func private @external(i64)
