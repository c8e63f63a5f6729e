// RUN: qcc-opt %s -qcc-read-only-inputs | FileCheck %s
// RUN: qcc-opt %s -qcc-lower-to-llvm | FileCheck %s --check-prefix=LOWERED

// Tensor arguments of public functions with a body become non-writable for
// bufferization; private functions, declarations and non-tensor arguments are
// left alone, as is an explicit attribute.
// CHECK-LABEL: func.func @main(%{{.*}}: tensor<4x4xf32> {bufferization.writable = false}, %{{.*}}: tensor<4x4xf32> {bufferization.writable = false}, %{{.*}}: tensor<4x4xf32> {bufferization.writable = false}, %{{.*}}: f32)
// CHECK-LABEL: func.func @explicit(%{{.*}}: tensor<4xf32> {bufferization.writable = true})
// CHECK-LABEL: func.func private @helper(%{{.*}}: tensor<4xf32>)
// CHECK-LABEL: func.func private @external(tensor<4xf32>)

// The matmul accumulates into the input %c: after lowering, the kernel call
// writes a fresh copy of %c, never the caller's buffer.
// LOWERED-LABEL: llvm.func @main(
// LOWERED: %[[COPY:.*]] = llvm.call @_mlir_memref_to_llvm_aligned_alloc
// LOWERED: "llvm.intr.memcpy"(%[[COPY]]
// LOWERED: llvm.call @qcc_rt_sgemm(
func.func @main(%a: tensor<4x4xf32>, %b: tensor<4x4xf32>, %c: tensor<4x4xf32>, %s: f32) -> tensor<4x4xf32> {
  %r = linalg.matmul ins(%a, %b : tensor<4x4xf32>, tensor<4x4xf32>) outs(%c : tensor<4x4xf32>) -> tensor<4x4xf32>
  return %r : tensor<4x4xf32>
}
func.func @explicit(%x: tensor<4xf32> {bufferization.writable = true}) -> tensor<4xf32> {
  return %x : tensor<4xf32>
}
func.func private @helper(%x: tensor<4xf32>) -> tensor<4xf32> {
  return %x : tensor<4xf32>
}
func.func private @external(tensor<4xf32>) -> tensor<4xf32>
