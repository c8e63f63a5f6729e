// qcc.observe: round trip of the calibration observer (QccCalibOps.td).
// RUN: qcc-opt %s | qcc-opt | FileCheck %s

// CHECK-LABEL: func.func @observe
// CHECK: qcc.observe %arg0 {id = 0 : i64, layers = ["blk.0.attn_q.weight", "blk.0.attn_k.weight"]} : tensor<?x64xf32>
// CHECK: qcc.observe %arg1 {id = 1 : i64, layers = ["fc1"]} : tensor<2x?x8xf32>
func.func @observe(%x: tensor<?x64xf32>, %y: tensor<2x?x8xf32>) {
  qcc.observe %x {id = 0 : i64, layers = ["blk.0.attn_q.weight", "blk.0.attn_k.weight"]} : tensor<?x64xf32>
  qcc.observe %y {id = 1 : i64, layers = ["fc1"]} : tensor<2x?x8xf32>
  return
}

// The observer has a write effect: canonicalization keeps it although it has no result.
// RUN: qcc-opt %s -canonicalize -cse | FileCheck %s --check-prefix=KEEP
// KEEP-COUNT-2: qcc.observe
