//===- Passes.td - x86-64 code generation passes -----------*- tablegen -*-===//

#ifndef QCC_TARGET_X86_PASSES
#define QCC_TARGET_X86_PASSES

include "mlir/Pass/PassBase.td"

def ConvToIm2Col : Pass<"qcc-x86-conv-to-im2col", "mlir::func::FuncOp"> {
  let summary = "Rewrite 2-D convolutions as im2col + matrix multiplication";
  let description = [{
    Rewrites `linalg.conv_2d_nhwc_hwcf`, `linalg.conv_2d_nhwc_fhwc` and
    `linalg.conv_2d_nchw_fchw` into an im2col `linalg.generic` that gathers the
    input patches followed by a contraction `linalg.generic`, so that
    convolutions run through the tiled and vectorized matmul micro-kernel of
    `qcc-x86-tile-and-vectorize`:

    ```
    conv(I, F)[n, oh, ow, f]  ⇒  im2col(I)[n, oh*OW+ow, kh*KW*C+kw*C+c] · F'[kh*KW*C+kw*C+c, f]
    ```

    Convolutions with a 1x1 filter, unit strides and no padding are handled
    the same way (their im2col is a plain reshape that the bufferizer folds
    into a copy).

    Example:

    ```mlir
    %0 = linalg.conv_2d_nhwc_hwcf ins(%in, %f : tensor<1x10x10x4xf32>, tensor<3x3x4x16xf32>)
                                  outs(%init : tensor<1x8x8x16xf32>) -> tensor<1x8x8x16xf32>
    // becomes a linalg.generic producing tensor<1x64x36xf32> (the patches)
    // and a contraction linalg.generic producing tensor<1x64x16xf32>.
    ```
  }];
  let dependentDialects = ["mlir::linalg::LinalgDialect",
                           "mlir::tensor::TensorDialect",
                           "mlir::arith::ArithDialect"];
}

def TileAndVectorize : Pass<"qcc-x86-tile-and-vectorize", "mlir::func::FuncOp"> {
  let summary = "Tile linalg ops for the x86 cache and register file and vectorize them";
  let description = [{
    Tiles and vectorizes linalg operations on tensors for an x86-64 target:

    * contractions (`linalg.matmul`, `linalg.batch_matmul`,
      `linalg.matmul_transpose_b`, matmul-like `linalg.generic`s such as the
      ones `qcc-x86-conv-to-im2col` produces) are tiled in three levels:
      an `scf.forall` over (batch, M, N) cache blocks (the parallel loop that
      `qcc-outline-parallel-loops` hands to the runtime), an `scf.for` over
      K cache blocks, and `scf.for` loops over register micro-tiles of
      MR x NR (8x32 on zmm, 6x16 on ymm) with an innermost K loop. The
      micro-tile is vectorized to a `vector.contract` whose accumulator is
      hoisted out of the K loop, so the C tile stays in registers while
      K advances;
    * elementwise `linalg.generic`s (all loops parallel) and named
      elementwise ops are tiled with an `scf.forall` over their outer
      dimensions and vectorized along the innermost dimension (remainders
      are masked);
    * other linalg ops with parallel dimensions get an outer `scf.forall`
      over those dimensions and are lowered to loops later.

    Example:

    ```mlir
    %0 = linalg.matmul ins(%a, %b : tensor<512x512xf32>, tensor<512x512xf32>)
                       outs(%c : tensor<512x512xf32>) -> tensor<512x512xf32>
    // becomes scf.forall { scf.for (K blocks) { scf.for (N) { scf.for (M) {
    //   %acc = vector.transfer_read ... : vector<8x32xf32>
    //   scf.for (k) iter_args(%acc) { vector.contract ... } ... }}}}
    ```
  }];
  let options = [
    Option<"target", "target", "std::string", /*default=*/"\"avx512\"",
           "Target whose vector register file sizes the tiles (avx512, avx2, native)">,
    Option<"parallel", "parallel", "bool", /*default=*/"true",
           "Use scf.forall for the outer (parallel) tile loops">,
    Option<"skipUKernelMatmuls", "skip-ukernel-matmuls", "bool",
           /*default=*/"false",
           "Leave the f32 matmuls that qcc-x86-lower-matmul-to-ukernel turns "
           "into qcc_rt_sgemm calls (and their zero fills) untiled">,
  ];
  let dependentDialects = ["mlir::linalg::LinalgDialect",
                           "mlir::scf::SCFDialect",
                           "mlir::tensor::TensorDialect",
                           "mlir::vector::VectorDialect",
                           "mlir::affine::AffineDialect",
                           "mlir::arith::ArithDialect"];
}

def LowerMatmulToUKernel : Pass<"qcc-x86-lower-matmul-to-ukernel", "mlir::ModuleOp"> {
  let summary = "Replace f32 (batch) matmuls on buffers by qcc_rt_sgemm calls";
  let description = [{
    Every f32 contraction on memrefs with one M, N and K loop and at most one
    batch loop (`linalg.matmul` with any indexing maps, `linalg.batch_matmul`,
    matmul-like `linalg.generic`s such as im2col convolutions; loops of
    extent 1 are ignored) becomes a call of the runtime micro-kernel
    `qcc_rt_sgemm` (include/qcc/Runtime/Kernels.h, runtime/kernels/), with
    base pointers, offsets and strides from `memref.extract_strided_metadata`.
    A zero `linalg.fill` of C directly before the product is folded into the
    call (flags 0: C = A*B; otherwise flags 1: C += A*B).
    Example:
    ```mlir
    linalg.fill ins(%zero : f32) outs(%c : memref<64x256xf32>)
    linalg.matmul ins(%a, %b : memref<64x128xf32>, memref<128x256xf32>)
                  outs(%c : memref<64x256xf32>)
    // becomes
    %base, %off, %sizes:2, %strides:2 = memref.extract_strided_metadata %a ...
    func.call @qcc_rt_sgemm(%c0_flags, %c1_batch, %M, %N, %K,
                            %a_ptr, %a_off, %c0, %a_s0, %a_s1, ...)
    ```
  }];
  let dependentDialects = ["mlir::LLVM::LLVMDialect",
                           "mlir::func::FuncDialect",
                           "mlir::memref::MemRefDialect",
                           "mlir::arith::ArithDialect"];
}

def LowerQLinear : Pass<"qcc-x86-lower-qlinear", "mlir::ModuleOp"> {
  let summary = "Replace qcc.qlinear by qcc_rt_qgemm calls on its operands' buffers";
  let description = [{
    Runs on the qcc dialect, before the conversion to linalg. Every
    `qcc.qlinear` (y = x dequant(W)^T + b, W a packed blob of
    include/qcc/Runtime/QKernels.h) becomes a call of the runtime kernel

    ```
    qcc_rt_qgemm(flags, format, bits, group, M, N, K, a, lda, packed, c, ldc, bias)
    ```

    on the buffers of its operands: `x` is flattened to `[M, K]` (M = the
    product of the leading dims, dynamic sizes allowed) and read through a
    read-only `bufferization.to_buffer` with the identity layout (one-shot
    bufferization copies a strided view into a contiguous buffer first), the
    result is a fresh 64-byte aligned `memref.alloc` `[M, N]` wrapped by a
    `restrict` `bufferization.to_tensor`, and the weight (normally an external
    weight's constant global) and bias are read in place. The kernel
    dequantizes inside the matmul; no float copy of W is made. The same call
    runs under the JIT (libqcc_kernels_jit.so holds the kernels).
    Example:
    ```mlir
    %y = qcc.qlinear %x, %w {format = "uniform", bits = 4 : i64,
           group_size = 32 : i64, out_features = 64 : i64}
       : (tensor<?x128xf32>, tensor<4608xi8>) -> tensor<?x64xf32>
    // becomes
    %a = bufferization.to_buffer %x read_only : tensor<?x128xf32> to memref<?x128xf32>
    %c = memref.alloc(%m) {alignment = 64 : i64} : memref<?x64xf32>
    func.call @qcc_rt_qgemm(%flags0, %c1_fmt, %c4_bits, %c32, %M, %c64, %c128,
                            %a_ptr, %c128, %w_ptr, %c_ptr, %c64, %null)
    %y = bufferization.to_tensor %c restrict writable : memref<?x64xf32> to tensor<?x64xf32>
    ```
  }];
  let dependentDialects = ["mlir::LLVM::LLVMDialect",
                           "mlir::func::FuncDialect",
                           "mlir::memref::MemRefDialect",
                           "mlir::bufferization::BufferizationDialect",
                           "mlir::tensor::TensorDialect",
                           "mlir::arith::ArithDialect"];
}

def LowerVectors : Pass<"qcc-x86-lower-vectors", "mlir::func::FuncOp"> {
  let summary = "Lower high-level vector ops to the 1-D form the LLVM lowering expects";
  let description = [{
    Lowers `vector.contract` to `vector.outerproduct` (then to FMAs),
    `vector.mask`, `vector.multi_reduction`, `vector.transpose`,
    `vector.broadcast`, `vector.shape_cast` and n-D `vector.transfer_read` /
    `vector.transfer_write` to 1-D operations, fully unrolled (TOOLCHAIN.md,
    pitfall 7: partially unrolled transfers leave `alloca`s inside loops).

    Example:

    ```mlir
    %r = vector.contract {...} %a, %b, %c : vector<8x1xf32>, vector<1x32xf32> into vector<8x32xf32>
    // becomes 8 x vector.fma on vector<32xf32> (2 zmm FMAs each)
    ```
  }];
  let dependentDialects = ["mlir::vector::VectorDialect",
                           "mlir::scf::SCFDialect",
                           "mlir::memref::MemRefDialect",
                           "mlir::arith::ArithDialect"];
}

def OutlineParallelLoops : Pass<"qcc-outline-parallel-loops", "mlir::ModuleOp"> {
  let summary = "Outline outermost scf.forall loops into qcc_rt_parallel_for calls";
  let description = [{
    Implements Contract 3 of docs/Design.md. Each outermost `scf.forall` on
    buffers (after bufferization) is replaced by a call

    ```c
    qcc_rt_parallel_for(0, numIterations, body, ctx);
    ```

    where `body` is a new private function
    `void body(int64_t lo, int64_t hi, void *ctx)` that runs the linearized
    iterations `[lo, hi)` of the loop, and `ctx` points to a stack-allocated
    struct holding every value the loop body captures from above (memref
    descriptors, indices, scalars). `qcc_rt_parallel_for` is declared as an
    external function; the runtime provides it.

    Example:

    ```mlir
    scf.forall (%i) in (8) { memref.store %v, %buf[%i] : memref<8xf32> }
    // becomes
    llvm.store ... (captures %v, %buf into an alloca'd struct)
    llvm.call @qcc_rt_parallel_for(%c0, %c8, %body_addr, %ctx)
    ```
  }];
  let dependentDialects = ["mlir::LLVM::LLVMDialect",
                           "mlir::func::FuncDialect",
                           "mlir::scf::SCFDialect",
                           "mlir::arith::ArithDialect"];
}

def EmitCInterface : Pass<"qcc-emit-c-interface", "mlir::ModuleOp"> {
  let summary = "Request C interface wrappers for the public functions of the model";
  let description = [{
    Adds `llvm.emit_c_interface` to every public `func.func` with a body (the
    model's `@main` and any other entry point), so that `convert-func-to-llvm`
    emits `_mlir_ciface_<name>` (Contract 2). Private helper functions such as
    outlined parallel bodies are left alone.

    Example:

    ```mlir
    func.func @main(...)  // gets {llvm.emit_c_interface}
    ```
  }];
}

def ApproximateMath : Pass<"qcc-x86-approximate-math", "mlir::func::FuncOp"> {
  let summary = "Replace transcendental math ops by vectorizable polynomial approximations";
  let description = [{
    Rewrites `math.tanh`, `math.erf`, `math.exp`, `math.expm1`, `math.log`,
    `math.log1p`, `math.log2`, `math.atan`, `math.atan2`, `math.sin`,
    `math.cos`, `math.rsqrt`, ... on f32 (scalars and vectors) into
    polynomial approximations built from arith ops (upstream
    math-polynomial-approximation; f16/bf16 are computed in f32), so that
    they vectorize instead of becoming scalar libm calls.

    Example:

    ```mlir
    %y = math.tanh %x : vector<16xf32>
    // becomes a clamped rational approximation of arith.mulf/addf/divf
    ```
  }];
  let dependentDialects = ["mlir::arith::ArithDialect",
                           "mlir::math::MathDialect",
                           "mlir::vector::VectorDialect"];
}

def LowerStridedCopies : Pass<"qcc-x86-lower-strided-copies", "mlir::func::FuncOp"> {
  let summary = "Lower memref.copy between non-contiguous buffers to loops";
  let description = [{
    `finalize-memref-to-llvm` turns a `memref.copy` whose operands are not
    both contiguous into a call to `memrefCopy` from MLIR's C runner
    utilities, a library a qcc model.so does not link. This pass rewrites
    such copies (copies between contiguous buffers keep their `memcpy`
    lowering) into a loop nest whose innermost loop runs over the last
    dimension.

    Example:

    ```mlir
    memref.copy %sub, %buf : memref<4x6xf32, strided<[8, 1]>> to memref<4x6xf32>
    // becomes
    scf.for %i = %c0 to %c4 step %c1 {
      scf.for %j = %c0 to %c6 step %c1 {
        %v = memref.load %sub[%i, %j] ...
        memref.store %v, %buf[%i, %j] ...
    ```
  }];
  let dependentDialects = ["mlir::scf::SCFDialect",
                           "mlir::memref::MemRefDialect",
                           "mlir::linalg::LinalgDialect",
                           "mlir::arith::ArithDialect"];
}

#endif // QCC_TARGET_X86_PASSES
