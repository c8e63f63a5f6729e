// qcc-lower-observers: qcc.observe becomes a call of qcc_rt_observe_f32 with a 2-D view of
// its input; through the whole pipeline the call passes the memref descriptor to the runtime.
// RUN: qcc-opt %s -split-input-file -verify-diagnostics -qcc-lower-observers | FileCheck %s

// CHECK: func.func private @qcc_rt_observe_f32(i64, tensor<?x?xf32> {bufferization.access = "read"})
// CHECK-LABEL: func.func @observe
// CHECK-SAME: (%[[X:.*]]: tensor<?x8xf32>, %[[Y:.*]]: tensor<2x?x4xf32>, %[[Z:.*]]: tensor<4xf32>)
// CHECK-DAG: %[[C0:.*]] = arith.constant 0 : i64
// CHECK-DAG: %[[XC:.*]] = tensor.cast %[[X]] : tensor<?x8xf32> to tensor<?x?xf32>
// CHECK: call @qcc_rt_observe_f32(%[[C0]], %[[XC]]) : (i64, tensor<?x?xf32>) -> ()
// CHECK: %[[YR:.*]] = tensor.collapse_shape %[[Y]] {{\[}}[0, 1], [2]] : tensor<2x?x4xf32> into tensor<?x4xf32>
// CHECK: %[[YC:.*]] = tensor.cast %[[YR]]
// CHECK: %[[C7:.*]] = arith.constant 7 : i64
// CHECK: call @qcc_rt_observe_f32(%[[C7]], %[[YC]])
// CHECK: %[[ZR:.*]] = tensor.expand_shape %[[Z]] {{\[}}[0, 1]] output_shape [1, 4] : tensor<4xf32> into tensor<1x4xf32>
// CHECK: call @qcc_rt_observe_f32
// CHECK-NOT: qcc.observe
func.func @observe(%x: tensor<?x8xf32>, %y: tensor<2x?x4xf32>, %z: tensor<4xf32>) {
  qcc.observe %x {id = 0 : i64, layers = ["a"]} : tensor<?x8xf32>
  qcc.observe %y {id = 7 : i64, layers = ["b", "c"]} : tensor<2x?x4xf32>
  qcc.observe %z {id = 8 : i64, layers = ["d"]} : tensor<4xf32>
  return
}

// -----

func.func @duplicate(%x: tensor<?x8xf32>) {
  qcc.observe %x {id = 0 : i64, layers = ["a"]} : tensor<?x8xf32>
  // expected-error @+1 {{duplicate observer id 0}}
  qcc.observe %x {id = 0 : i64, layers = ["b"]} : tensor<?x8xf32>
  return
}
