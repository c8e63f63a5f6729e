// RUN: qcc-opt %s -split-input-file -qcc-x86-lower-matmul-to-ukernel | FileCheck %s

// Bias + ReLU after a zero-filled product into a fresh C: one call with
// flags BIAS|RELU = 6 that writes the generic's output %d directly and reads
// the bias through its metadata; the generic, C and its dealloc are gone.
// CHECK-LABEL: func.func @bias_relu
// CHECK-DAG: %[[FLAGS:.*]] = arith.constant 6 : i64
// CHECK-DAG: %[[DBASE:.*]], %{{.*}}, %{{.*}}:2, %[[DSTR:.*]]:2 = memref.extract_strided_metadata %arg3
// CHECK-DAG: %[[BIASBASE:.*]], %[[BIASOFF:.*]], %{{.*}}, %[[BIASSTR:.*]] = memref.extract_strided_metadata %arg2
// CHECK-DAG: %[[BS:.*]] = arith.index_cast %[[BIASSTR]] : index to i64
// CHECK: call @qcc_rt_sgemm(%[[FLAGS]], {{.*}}, %[[BS]])
// CHECK-NOT: linalg.generic
// CHECK-NOT: memref.alloc
// CHECK-NOT: memref.dealloc
// CHECK: return
func.func @bias_relu(%a: memref<64x128xf32>, %w: memref<128x256xf32>, %bias: memref<256xf32>, %d: memref<64x256xf32>) {
  %zero = arith.constant 0.0 : f32
  %c = memref.alloc() {alignment = 64 : i64} : memref<64x256xf32>
  linalg.fill ins(%zero : f32) outs(%c : memref<64x256xf32>)
  linalg.matmul ins(%a, %w : memref<64x128xf32>, memref<128x256xf32>) outs(%c : memref<64x256xf32>)
  linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (j)>, affine_map<(i, j) -> (i, j)>],
                  iterator_types = ["parallel", "parallel"]}
      ins(%c, %bias : memref<64x256xf32>, memref<256xf32>) outs(%d : memref<64x256xf32>) {
  ^bb0(%x: f32, %b: f32, %o: f32):
    %s = arith.addf %b, %x : f32
    %r = arith.maximumf %s, %zero : f32
    linalg.yield %r : f32
  }
  memref.dealloc %c : memref<64x256xf32>
  return
}

// -----

// BERT's linear layers: the product [128, 768] is expanded to [1, 128, 768]
// before the bias add. The call writes the output collapsed back to C's
// shape (flags BIAS = 2, plus B_CONSTANT = 8 for the weight global); the
// output's allocation moves before the call.
// CHECK-LABEL: func.func @bias_through_expand
// CHECK: %[[D:.*]] = memref.alloc() {{.*}} : memref<1x128x768xf32>
// CHECK: %[[DC:.*]] = memref.collapse_shape %[[D]] {{\[\[}}0, 1], [2]] : memref<1x128x768xf32> into memref<128x768xf32>
// CHECK: %[[FLAGS:.*]] = arith.constant 10 : i64
// CHECK: memref.extract_strided_metadata %[[DC]]
// CHECK: call @qcc_rt_sgemm(%[[FLAGS]],
// CHECK-NOT: linalg.generic
// CHECK: return %[[D]]
memref.global "private" constant @w : memref<768x768xf32> = dense<1.0> {alignment = 64 : i64}
memref.global "private" constant @b : memref<768xf32> = dense<0.5> {alignment = 64 : i64}
func.func @bias_through_expand(%a: memref<128x768xf32>) -> memref<1x128x768xf32> {
  %zero = arith.constant 0.0 : f32
  %w = memref.get_global @w : memref<768x768xf32>
  %bias = memref.get_global @b : memref<768xf32>
  %c = memref.alloc() {alignment = 64 : i64} : memref<128x768xf32>
  linalg.fill ins(%zero : f32) outs(%c : memref<128x768xf32>)
  linalg.matmul ins(%a, %w : memref<128x768xf32>, memref<768x768xf32>) outs(%c : memref<128x768xf32>)
  %x = memref.expand_shape %c [[0, 1], [2]] output_shape [1, 128, 768] : memref<128x768xf32> into memref<1x128x768xf32>
  %d = memref.alloc() {alignment = 64 : i64} : memref<1x128x768xf32>
  linalg.generic {indexing_maps = [affine_map<(i, j, k) -> (i, j, k)>, affine_map<(i, j, k) -> (k)>, affine_map<(i, j, k) -> (i, j, k)>],
                  iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%x, %bias : memref<1x128x768xf32>, memref<768xf32>) outs(%d : memref<1x128x768xf32>) {
  ^bb0(%in: f32, %b: f32, %o: f32):
    %s = arith.addf %in, %b : f32
    linalg.yield %s : f32
  }
  memref.dealloc %c : memref<128x768xf32>
  return %d : memref<1x128x768xf32>
}

// -----

// Not fused: C is also read by another op (a residual), so it must exist.
// CHECK-LABEL: func.func @c_has_other_reader
// CHECK-DAG: %[[FLAGS:.*]] = arith.constant 0 : i64
// CHECK: call @qcc_rt_sgemm(%[[FLAGS]],
// CHECK: linalg.generic
// CHECK: linalg.copy
func.func @c_has_other_reader(%a: memref<8x16xf32>, %w: memref<16x32xf32>, %bias: memref<32xf32>, %d: memref<8x32xf32>, %e: memref<8x32xf32>) {
  %zero = arith.constant 0.0 : f32
  %c = memref.alloc() : memref<8x32xf32>
  linalg.fill ins(%zero : f32) outs(%c : memref<8x32xf32>)
  linalg.matmul ins(%a, %w : memref<8x16xf32>, memref<16x32xf32>) outs(%c : memref<8x32xf32>)
  linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (j)>, affine_map<(i, j) -> (i, j)>],
                  iterator_types = ["parallel", "parallel"]}
      ins(%c, %bias : memref<8x32xf32>, memref<32xf32>) outs(%d : memref<8x32xf32>) {
  ^bb0(%x: f32, %b: f32, %o: f32):
    %s = arith.addf %x, %b : f32
    linalg.yield %s : f32
  }
  linalg.copy ins(%c : memref<8x32xf32>) outs(%e : memref<8x32xf32>)
  memref.dealloc %c : memref<8x32xf32>
  return
}

// -----

// Not fused: the body is more than bias (+ReLU) (a GELU-like scale), and a
// bias indexed by rows (map (i, j) -> (i)) is not a column bias.
// CHECK-LABEL: func.func @not_an_epilogue
// CHECK: call @qcc_rt_sgemm(
// CHECK: linalg.generic
// CHECK: call @qcc_rt_sgemm(
// CHECK: linalg.generic
func.func @not_an_epilogue(%a: memref<8x16xf32>, %w: memref<16x8xf32>, %bias: memref<8xf32>, %d: memref<8x8xf32>, %e: memref<8x8xf32>) {
  %zero = arith.constant 0.0 : f32
  %half = arith.constant 0.5 : f32
  %c = memref.alloc() : memref<8x8xf32>
  linalg.fill ins(%zero : f32) outs(%c : memref<8x8xf32>)
  linalg.matmul ins(%a, %w : memref<8x16xf32>, memref<16x8xf32>) outs(%c : memref<8x8xf32>)
  linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (j)>, affine_map<(i, j) -> (i, j)>],
                  iterator_types = ["parallel", "parallel"]}
      ins(%c, %bias : memref<8x8xf32>, memref<8xf32>) outs(%d : memref<8x8xf32>) {
  ^bb0(%x: f32, %b: f32, %o: f32):
    %s = arith.addf %x, %b : f32
    %h = arith.mulf %s, %half : f32
    linalg.yield %h : f32
  }
  memref.dealloc %c : memref<8x8xf32>
  %c2 = memref.alloc() : memref<8x8xf32>
  linalg.fill ins(%zero : f32) outs(%c2 : memref<8x8xf32>)
  linalg.matmul ins(%a, %w : memref<8x16xf32>, memref<16x8xf32>) outs(%c2 : memref<8x8xf32>)
  linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i)>, affine_map<(i, j) -> (i, j)>],
                  iterator_types = ["parallel", "parallel"]}
      ins(%c2, %bias : memref<8x8xf32>, memref<8xf32>) outs(%e : memref<8x8xf32>) {
  ^bb0(%x: f32, %b: f32, %o: f32):
    %s = arith.addf %x, %b : f32
    linalg.yield %s : f32
  }
  memref.dealloc %c2 : memref<8x8xf32>
  return
}

// -----

// Bufferized in place (the generic writes C): the call applies the epilogue
// to C, which stays (it is the result).
// CHECK-LABEL: func.func @in_place
// CHECK: %[[C:.*]] = memref.alloc()
// CHECK-DAG: %[[FLAGS:.*]] = arith.constant 6 : i64
// CHECK-DAG: memref.extract_strided_metadata %[[C]]
// CHECK: call @qcc_rt_sgemm(%[[FLAGS]],
// CHECK-NOT: linalg.generic
// CHECK: return %[[C]]
func.func @in_place(%a: memref<64x128xf32>, %w: memref<128x256xf32>, %bias: memref<256xf32>) -> memref<64x256xf32> {
  %zero = arith.constant 0.0 : f32
  %c = memref.alloc() {alignment = 64 : i64} : memref<64x256xf32>
  linalg.fill ins(%zero : f32) outs(%c : memref<64x256xf32>)
  linalg.matmul ins(%a, %w : memref<64x128xf32>, memref<128x256xf32>) outs(%c : memref<64x256xf32>)
  linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (j)>, affine_map<(i, j) -> (i, j)>],
                  iterator_types = ["parallel", "parallel"]}
      ins(%c, %bias : memref<64x256xf32>, memref<256xf32>) outs(%c : memref<64x256xf32>) {
  ^bb0(%x: f32, %b: f32, %o: f32):
    %s = arith.addf %x, %b : f32
    %r = arith.maximumf %s, %zero : f32
    linalg.yield %r : f32
  }
  return %c : memref<64x256xf32>
}

// -----

// CSE merged the zero-filled inits of two products; bufferization gave the
// first a memref.copy of the shared zero buffer and the second the buffer
// itself. Both are C = A*B: the copy goes (and the first epilogue fuses,
// flags BIAS = 2), then the fill goes (flags 0).
// CHECK-LABEL: func.func @shared_zero_init
// CHECK-NOT: memref.copy
// CHECK-NOT: linalg.fill
// CHECK-DAG: %[[F2:.*]] = arith.constant 2 : i64
// CHECK: call @qcc_rt_sgemm(%[[F2]],
// CHECK: %[[F0:.*]] = arith.constant 0 : i64
// CHECK: call @qcc_rt_sgemm(%[[F0]],
// CHECK-NOT: linalg.generic
func.func @shared_zero_init(%a: memref<8x16xf32>, %w: memref<16x32xf32>, %bias: memref<32xf32>, %d: memref<8x32xf32>) -> memref<8x32xf32> {
  %zero = arith.constant 0.0 : f32
  %z = memref.alloc() : memref<8x32xf32>
  linalg.fill ins(%zero : f32) outs(%z : memref<8x32xf32>)
  %c = memref.alloc() : memref<8x32xf32>
  memref.copy %z, %c : memref<8x32xf32> to memref<8x32xf32>
  linalg.matmul ins(%a, %w : memref<8x16xf32>, memref<16x32xf32>) outs(%c : memref<8x32xf32>)
  linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (j)>, affine_map<(i, j) -> (i, j)>],
                  iterator_types = ["parallel", "parallel"]}
      ins(%c, %bias : memref<8x32xf32>, memref<32xf32>) outs(%d : memref<8x32xf32>) {
  ^bb0(%x: f32, %b: f32, %o: f32):
    %s = arith.addf %x, %b : f32
    linalg.yield %s : f32
  }
  memref.dealloc %c : memref<8x32xf32>
  linalg.matmul ins(%a, %w : memref<8x16xf32>, memref<16x32xf32>) outs(%z : memref<8x32xf32>)
  return %z : memref<8x32xf32>
}

// -----

// Bias + erf-GELU (the form PyTorch exports: s * (erf(s / sqrt2) + 1) * 0.5,
// fused into one generic): one call with flags BIAS|GELU_ERF = 18.
// CHECK-LABEL: func.func @bias_gelu_erf
// CHECK-DAG: %[[FLAGS:.*]] = arith.constant 18 : i64
// CHECK: call @qcc_rt_sgemm(%[[FLAGS]],
// CHECK-NOT: linalg.generic
// CHECK-NOT: math.erf
// CHECK: return
func.func @bias_gelu_erf(%a: memref<64x128xf32>, %w: memref<128x256xf32>, %bias: memref<256xf32>, %d: memref<64x256xf32>) {
  %zero = arith.constant 0.0 : f32
  %sqrt2 = arith.constant 1.41421354 : f32
  %one = arith.constant 1.0 : f32
  %half = arith.constant 0.5 : f32
  %c = memref.alloc() {alignment = 64 : i64} : memref<64x256xf32>
  linalg.fill ins(%zero : f32) outs(%c : memref<64x256xf32>)
  linalg.matmul ins(%a, %w : memref<64x128xf32>, memref<128x256xf32>) outs(%c : memref<64x256xf32>)
  linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (j)>, affine_map<(i, j) -> (i, j)>],
                  iterator_types = ["parallel", "parallel"]}
      ins(%c, %bias : memref<64x256xf32>, memref<256xf32>) outs(%d : memref<64x256xf32>) {
  ^bb0(%x: f32, %b: f32, %o: f32):
    %s = arith.addf %x, %b : f32
    %q = arith.divf %s, %sqrt2 : f32
    %e = math.erf %q : f32
    %p = arith.addf %e, %one : f32
    %m = arith.mulf %s, %p : f32
    %r = arith.mulf %m, %half : f32
    linalg.yield %r : f32
  }
  memref.dealloc %c : memref<64x256xf32>
  return
}

// -----

// Bias + tanh-GELU written another way (0.5 s + 0.5 s tanh(k (s + c s^3)),
// with powf): flags BIAS|GELU_TANH = 34.
// CHECK-LABEL: func.func @bias_gelu_tanh
// CHECK-DAG: %[[FLAGS:.*]] = arith.constant 34 : i64
// CHECK: call @qcc_rt_sgemm(%[[FLAGS]],
// CHECK-NOT: linalg.generic
// CHECK: return
func.func @bias_gelu_tanh(%a: memref<64x128xf32>, %w: memref<128x256xf32>, %bias: memref<256xf32>, %d: memref<64x256xf32>) {
  %zero = arith.constant 0.0 : f32
  %three = arith.constant 3.0 : f32
  %c0 = arith.constant 0.044715 : f32
  %k = arith.constant 0.797884583 : f32
  %half = arith.constant 0.5 : f32
  %c = memref.alloc() {alignment = 64 : i64} : memref<64x256xf32>
  linalg.fill ins(%zero : f32) outs(%c : memref<64x256xf32>)
  linalg.matmul ins(%a, %w : memref<64x128xf32>, memref<128x256xf32>) outs(%c : memref<64x256xf32>)
  linalg.generic {indexing_maps = [affine_map<(i, j) -> (j)>, affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>],
                  iterator_types = ["parallel", "parallel"]}
      ins(%bias, %c : memref<256xf32>, memref<64x256xf32>) outs(%d : memref<64x256xf32>) {
  ^bb0(%b: f32, %x: f32, %o: f32):
    %s = arith.addf %b, %x : f32
    %cube = math.powf %s, %three : f32
    %cc = arith.mulf %cube, %c0 : f32
    %in = arith.addf %s, %cc : f32
    %u = arith.mulf %k, %in : f32
    %t = math.tanh %u : f32
    %h = arith.mulf %half, %s : f32
    %ht = arith.mulf %h, %t : f32
    %r = arith.addf %h, %ht : f32
    linalg.yield %r : f32
  }
  memref.dealloc %c : memref<64x256xf32>
  return
}

// -----

// Not fused: erf without the 1/sqrt2 scale is not GELU (0.5 s (1 + erf(s))),
// and neither is a body with both erf and tanh.
// CHECK-LABEL: func.func @almost_gelu
// CHECK: call @qcc_rt_sgemm(
// CHECK: linalg.generic
// CHECK: math.erf
// CHECK: call @qcc_rt_sgemm(
// CHECK: linalg.generic
// CHECK: math.tanh
func.func @almost_gelu(%a: memref<8x16xf32>, %w: memref<16x8xf32>, %bias: memref<8xf32>, %d: memref<8x8xf32>, %e: memref<8x8xf32>) {
  %zero = arith.constant 0.0 : f32
  %one = arith.constant 1.0 : f32
  %half = arith.constant 0.5 : f32
  %c = memref.alloc() : memref<8x8xf32>
  linalg.fill ins(%zero : f32) outs(%c : memref<8x8xf32>)
  linalg.matmul ins(%a, %w : memref<8x16xf32>, memref<16x8xf32>) outs(%c : memref<8x8xf32>)
  linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (j)>, affine_map<(i, j) -> (i, j)>],
                  iterator_types = ["parallel", "parallel"]}
      ins(%c, %bias : memref<8x8xf32>, memref<8xf32>) outs(%d : memref<8x8xf32>) {
  ^bb0(%x: f32, %b: f32, %o: f32):
    %s = arith.addf %x, %b : f32
    %g = math.erf %s : f32
    %p = arith.addf %g, %one : f32
    %m = arith.mulf %s, %p : f32
    %r = arith.mulf %m, %half : f32
    linalg.yield %r : f32
  }
  memref.dealloc %c : memref<8x8xf32>
  %c2 = memref.alloc() : memref<8x8xf32>
  linalg.fill ins(%zero : f32) outs(%c2 : memref<8x8xf32>)
  linalg.matmul ins(%a, %w : memref<8x16xf32>, memref<16x8xf32>) outs(%c2 : memref<8x8xf32>)
  linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (j)>, affine_map<(i, j) -> (i, j)>],
                  iterator_types = ["parallel", "parallel"]}
      ins(%c2, %bias : memref<8x8xf32>, memref<8xf32>) outs(%e : memref<8x8xf32>) {
  ^bb0(%x: f32, %b: f32, %o: f32):
    %s = arith.addf %x, %b : f32
    %g = math.erf %s : f32
    %t = math.tanh %s : f32
    %p = arith.addf %g, %t : f32
    %r = arith.mulf %s, %p : f32
    linalg.yield %r : f32
  }
  memref.dealloc %c2 : memref<8x8xf32>
  return
}
