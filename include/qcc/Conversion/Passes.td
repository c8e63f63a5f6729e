//===- Passes.td - qcc conversion passes ----------------------*- tablegen -*-===//
//
// Passes that change dialect: qcc tensor ops to upstream linalg/tensor/arith.
//
//===----------------------------------------------------------------------===//
#ifndef QCC_CONVERSION_PASSES_TD
#define QCC_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

def ConvertQccToLinalg : Pass<"convert-qcc-to-linalg", "::mlir::ModuleOp"> {
  let summary = "Convert qcc ops to linalg, tensor, arith and math";
  let description = [{
    Rewrites every `qcc` operation into upstream tensor-level IR that the
    codegen pipeline tiles, vectorizes and bufferizes:

    * elementwise ops become `linalg.generic` ops whose indexing maps encode
      numpy broadcasting (a static 1 against another size reads index 0; a
      dynamic dimension is assumed to equal its partner, as onnx-mlir does),
      with scalar bodies in `arith` and `math`;
    * `qcc.matmul`/`qcc.gemm` become `linalg.matmul` / `linalg.batch_matmul`
      (batch dimensions that broadcast use a contraction `linalg.generic`),
      `qcc.matmul_integer` accumulates in i32 after subtracting zero points;
    * convolutions become `tensor.pad` plus `linalg.conv_2d_nchw_fchw`,
      `linalg.depthwise_conv_2d_nchw_chw` or a grouped N-D contraction
      `linalg.generic`; transposed convolutions dilate the input by the
      stride, pad it and run a convolution with the flipped kernel;
    * pooling, normalizations, softmax and reductions become reductions and
      elementwise `linalg.generic` ops (softmax subtracts the maximum);
    * shape ops become `tensor.expand_shape`/`collapse_shape`/`reshape`,
      `linalg.transpose`, `tensor.insert_slice`/`extract_slice`, or gathers
      (`tensor.extract` in a `linalg.generic`);
    * `qcc.quantize`/`qcc.dequantize` become elementwise generics computing
      `saturate(round_half_even(x / s) + z)` and `(q - z) * s` for per-tensor,
      per-axis and blocked scales, including i4 and f8 storage.

    Integer tensors with signed or unsigned element types (`si8`, `ui8`) are
    reinterpreted as signless with `tensor.bitcast` around the computation;
    unsigned-ness selects the unsigned arith ops. When every qcc op is
    converted, the pass makes the whole module signless (function
    signatures, constants, block arguments), so no `tensor.bitcast` (which
    does not bufferize) remains; the in-memory layout is unchanged. The pass
    runs on a module because it rewrites function signatures.  An op that is not supported
    (e.g. `qcc.resize` in cubic mode) makes the pass fail with an error that
    names the op and the reason; nothing is silently miscompiled.

    Example:

    ```mlir
    %z = qcc.add %x, %y : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
    ```
    becomes
    ```mlir
    %e = tensor.empty() : tensor<2x3xf32>
    %z = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>,
                                          affine_map<(d0, d1) -> (d1)>,
                                          affine_map<(d0, d1) -> (d0, d1)>],
                         iterator_types = ["parallel", "parallel"]}
        ins(%x, %y : tensor<2x3xf32>, tensor<3xf32>) outs(%e : tensor<2x3xf32>) {
      ^bb0(%a: f32, %b: f32, %out: f32):
        %s = arith.addf %a, %b : f32
        linalg.yield %s : f32
    } -> tensor<2x3xf32>
    ```
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect",
                           "::mlir::tensor::TensorDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::math::MathDialect",
                           "::mlir::affine::AffineDialect",
                           "::mlir::quant::QuantDialect",
                           // Run-time checks (RuntimeCheck.cpp).
                           "::mlir::scf::SCFDialect",
                           "::mlir::func::FuncDialect",
                           "::mlir::LLVM::LLVMDialect"];
  let options = [
    Option<"signlessIntegers", "signless-integers", "bool", /*default=*/"true",
           "Rewrite signed/unsigned integer element types in the module to "
           "signless ones after the conversion">
  ];
}

def LowerExternalWeights : Pass<"qcc-lower-external-weights", "::mlir::ModuleOp"> {
  let summary = "Lower qcc.external_weight to external memref.global declarations";
  let description = [{
    Replaces every `qcc.external_weight` by a read of an external, constant,
    64-byte aligned `memref.global` declaration (no initializer) named after
    the op's `sym_name`, wrapped back into a tensor with
    `bufferization.to_tensor restrict`, so the rest of the pipeline treats the
    weight like a constant: it is never written (the tensor is not writable,
    one-shot bufferization copies before any in-place update) and results of
    `@main` that would alias it are cloned by the deallocation pipeline
    (Contract 2). The pass records every weight (symbol, source, format,
    tensor, offset, type) in the module attribute `qcc.external_weights`, from
    which the back end marks the LLVM globals hidden and writes their bytes
    into model.so at link time. Two ops with the same `sym_name` and the same
    source share one global; a `sym_name` that names different data, or that
    collides with another symbol of the module, is an error.

    Example:

    ```mlir
    %w = qcc.external_weight @w0 {source = "m.safetensors", format = "safetensors",
                                  tensor = "fc.weight"} : tensor<4x8xf32>
    ```
    becomes
    ```mlir
    memref.global constant @w0 : memref<4x8xf32> {alignment = 64 : i64}
    ...
    %m = memref.get_global @w0 : memref<4x8xf32>
    %w = bufferization.to_tensor %m restrict : memref<4x8xf32> to tensor<4x8xf32>
    ```
  }];
  let dependentDialects = ["::mlir::memref::MemRefDialect",
                           "::mlir::bufferization::BufferizationDialect"];
}

#endif // QCC_CONVERSION_PASSES_TD
