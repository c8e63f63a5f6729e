// RUN: qcc-opt %s -split-input-file -qcc-lower-to-llvm | FileCheck %s
// RUN: qcc-opt %s -split-input-file -qcc-lower-to-llvm=ukernels=false | FileCheck %s --check-prefix=MLIR

// Through the whole pipeline, a linear layer with bias and ReLU is one
// qcc_rt_sgemm call with flags BIAS|RELU = 6: the tiler leaves the epilogue
// whole and the ukernel lowering absorbs it, so no vector max loop is left.
// With ukernels=false the epilogue is a vectorized loop.
// CHECK: llvm.mlir.constant(6 : i64)
// CHECK: llvm.call @qcc_rt_sgemm
// CHECK-NOT: llvm.intr.maximum
// MLIR-NOT: llvm.call @qcc_rt_sgemm
// MLIR: llvm.intr.maximum
func.func @linear_relu(%a: tensor<64x128xf32>, %w: tensor<128x256xf32>, %bias: tensor<256xf32>) -> tensor<64x256xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<64x256xf32>
  %c = linalg.fill ins(%zero : f32) outs(%e : tensor<64x256xf32>) -> tensor<64x256xf32>
  %p = linalg.matmul ins(%a, %w : tensor<64x128xf32>, tensor<128x256xf32>) outs(%c : tensor<64x256xf32>) -> tensor<64x256xf32>
  %o = tensor.empty() : tensor<64x256xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (j)>, affine_map<(i, j) -> (i, j)>],
                       iterator_types = ["parallel", "parallel"]}
      ins(%p, %bias : tensor<64x256xf32>, tensor<256xf32>) outs(%o : tensor<64x256xf32>) {
  ^bb0(%in: f32, %b: f32, %out: f32):
    %s = arith.addf %in, %b : f32
    %y = arith.maximumf %s, %zero : f32
    linalg.yield %y : f32
  } -> tensor<64x256xf32>
  return %r : tensor<64x256xf32>
}

// -----

// The bias add comes after an unrelated product (ONNX node order "MatMul q,
// MatMul k, Add q, Add k"): each epilogue moves right after its own product
// and both calls fuse (flags BIAS = 2), no vector add loop is left.
// CHECK-LABEL: llvm.func @interleaved
// CHECK-COUNT-2: llvm.call @qcc_rt_sgemm
// CHECK-NOT: llvm.fadd
// CHECK: llvm.return
func.func @interleaved(%a: tensor<64x128xf32>, %w1: tensor<128x256xf32>, %w2: tensor<128x256xf32>, %b1: tensor<256xf32>, %b2: tensor<256xf32>) -> (tensor<64x256xf32>, tensor<64x256xf32>) {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<64x256xf32>
  %c = linalg.fill ins(%zero : f32) outs(%e : tensor<64x256xf32>) -> tensor<64x256xf32>
  %p1 = linalg.matmul ins(%a, %w1 : tensor<64x128xf32>, tensor<128x256xf32>) outs(%c : tensor<64x256xf32>) -> tensor<64x256xf32>
  %p2 = linalg.matmul ins(%a, %w2 : tensor<64x128xf32>, tensor<128x256xf32>) outs(%c : tensor<64x256xf32>) -> tensor<64x256xf32>
  %o1 = tensor.empty() : tensor<64x256xf32>
  %r1 = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (j)>, affine_map<(i, j) -> (i, j)>],
                        iterator_types = ["parallel", "parallel"]}
      ins(%p1, %b1 : tensor<64x256xf32>, tensor<256xf32>) outs(%o1 : tensor<64x256xf32>) {
  ^bb0(%in: f32, %b: f32, %out: f32):
    %s = arith.addf %in, %b : f32
    linalg.yield %s : f32
  } -> tensor<64x256xf32>
  %o2 = tensor.empty() : tensor<64x256xf32>
  %r2 = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (j)>, affine_map<(i, j) -> (i, j)>],
                        iterator_types = ["parallel", "parallel"]}
      ins(%p2, %b2 : tensor<64x256xf32>, tensor<256xf32>) outs(%o2 : tensor<64x256xf32>) {
  ^bb0(%in: f32, %b: f32, %out: f32):
    %s = arith.addf %in, %b : f32
    linalg.yield %s : f32
  } -> tensor<64x256xf32>
  return %r1, %r2 : tensor<64x256xf32>, tensor<64x256xf32>
}
