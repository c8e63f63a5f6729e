//===- QccWeightOps.td - weights that live outside the IR ----*- tablegen -*-===//
//
// qcc.external_weight: a constant tensor whose bytes stay in a checkpoint file
// (GGUF, safetensors or a raw side file) and are streamed into model.so at link
// time, so that weights never pass through the IR or compile memory.
//
//===----------------------------------------------------------------------===//
#ifndef QCC_WEIGHT_OPS_TD
#define QCC_WEIGHT_OPS_TD

include "qcc/Dialect/Qcc/IR/QccDialect.td"
include "mlir/IR/OpBase.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/IR/CommonAttrConstraints.td"
include "mlir/IR/CommonTypeConstraints.td"

def Qcc_ExternalWeightOp : Qcc_Op<"external_weight", [Pure]> {
  let summary = "a constant tensor whose data stays in a checkpoint file";
  let description = [{
    Produces the read-only tensor stored as `tensor` in the file `source`
    (format `gguf`, `safetensors` or `raw`), converted to the result's element
    type and laid out row-major in the result's (static) shape. The op never
    carries data: the compiler lowers it to an external `memref.global`
    declaration named `sym_name` (pass `qcc-lower-external-weights`), and the
    back end writes the bytes into model.so at link time, streaming one tensor
    at a time from the file. The file is not needed when model.so runs.

    Sources and conversions:

    * `gguf`: `tensor` is a GGUF tensor name; its logical shape is the GGUF
      `ne[]` reversed (outermost first). Every tensor type qcc reads (F32, F16,
      BF16, Q4_0 ... Q8_0, Q2_K ... Q6_K) is dequantized to an `f32` result;
      an F32/F16 tensor may also be copied as is into an `f32`/`f16` result.
    * `safetensors`: `tensor` is a tensor name of the file; F32 is copied as
      is (no conversion), F16/BF16 are converted to `f32`; a result whose
      element type equals the stored dtype (`f16`, `bf16`, `i8`, `i32`, `i64`)
      is copied as is.
    * `raw`: the bytes `[offset, offset + numel * sizeof(element))` of
      `source` are the row-major data in the result's element type (e.g. an
      ONNX initializer stored as external data); `tensor` only names the
      weight in messages.
    * `gguf-packed`: `tensor` is a block-quantized GGUF tensor `W[N, K]` kept
      in its native precision: the result is a 1-D `i8` blob of
      `qcc_rt_qpacked_size` bytes for the uniform scheme given by `bits` and
      `group_size` (which must be the scheme of the tensor's GGUF type, see
      include/qcc/Import/GGUFUniform.h), built at link time by converting the
      GGUF blocks to codes + scales + mins and calling `qcc_rt_qpack`. It
      feeds a `qcc.qlinear`.

    `sym_name` is the name of the weight's symbol in the generated code; it
    must be unique in the module (two ops with the same `sym_name` must name
    the same data). A relative `source` is resolved against the directory qcc
    runs in.

    Example:

    ```mlir
    %wq = qcc.external_weight @blk0_attn_q {source = "/models/smol.gguf",
            format = "gguf", tensor = "blk.0.attn_q.weight"} : tensor<576x576xf32>
    %b = qcc.external_weight @fc1_bias {source = "model.onnx.data",
            format = "raw", tensor = "fc1.bias", offset = 4096 : i64} : tensor<1024xf32>
    %wp = qcc.external_weight @blk0_ffn_up {source = "/models/smol.gguf",
            format = "gguf-packed", tensor = "blk.0.ffn_up.weight",
            bits = 4 : i64, group_size = 32 : i64} : tensor<313344xi8>
    ```
  }];
  let arguments = (ins SymbolNameAttr:$sym_name, StrAttr:$source,
                   StrAttr:$format, StrAttr:$tensor,
                   OptionalAttr<I64Attr>:$offset,
                   OptionalAttr<I64Attr>:$bits,
                   OptionalAttr<I64Attr>:$group_size);
  let results = (outs AnyStaticShapeTensor:$result);
  let assemblyFormat = "$sym_name attr-dict `:` type($result)";
  let builders = [
    // Every format but gguf-packed (no bits / group_size).
    OpBuilder<(ins "::mlir::Type":$result, "::llvm::StringRef":$sym_name,
                   "::llvm::StringRef":$source, "::llvm::StringRef":$format,
                   "::llvm::StringRef":$tensor, "::mlir::IntegerAttr":$offset), [{
      build($_builder, $_state, result, sym_name, source, format, tensor,
            offset, ::mlir::IntegerAttr(), ::mlir::IntegerAttr());
    }]>];
  let hasVerifier = 1;
}

#endif // QCC_WEIGHT_OPS_TD
