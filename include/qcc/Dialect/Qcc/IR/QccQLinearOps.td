//===- QccQLinearOps.td - linear layers with packed quantized weights -*- tablegen -*-===//
//
// qcc.qlinear: y = x * dequant(W)^T + b with W stored as one opaque packed
// blob in the layout of the runtime's quantized kernels (include/qcc/Runtime/
// QKernels.h). Contract 6 of docs/Design.md.
//
//===----------------------------------------------------------------------===//
#ifndef QCC_QLINEAR_OPS_TD
#define QCC_QLINEAR_OPS_TD

include "qcc/Dialect/Qcc/IR/QccDialect.td"
include "mlir/IR/OpBase.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/IR/CommonAttrConstraints.td"
include "mlir/IR/CommonTypeConstraints.td"

def Qcc_QLinearOp : Qcc_Op<"qlinear", [Pure]> {
  let summary = "linear layer with a packed quantized weight: y = x dequant(W)^T + b";
  let description = [{
    A linear layer whose weight `W[N, K]` (`N = out_features` outputs, `K` =
    the last dim of `input`, HF/GGUF `[out, in]` order) is stored as one
    opaque byte blob built by `qcc_rt_qpack` (include/qcc/Runtime/QKernels.h).
    Nobody but the runtime reads the blob's bytes; the op lowers to a
    `qcc_rt_qgemm` call (pass `qcc-x86-lower-qlinear`), which dequantizes
    inside the matmul, so no float copy of `W` exists at run time.

    * `input`: f32 `[..., K]` (any rank >= 1, leading dims may be dynamic;
      they are flattened to `M` rows), `K` static;
    * `weight`: 1-D `i8` holding exactly `qcc_rt_qpacked_size(format, bits,
      N, K, group_size)` bytes -- normally a `qcc.external_weight` (format
      `raw` for blobs the compiler packed, `gguf-packed` for GGUF tensors kept
      in their native quantization);
    * `bias` (optional): f32 `[N]`;
    * result: f32 `[..., N]`, the input's leading dims.

    `format` is one of `uniform` (2/3/4/5/6/8-bit codes, `w = q * scale +
    min` per group), `nf4`, `fp8_e4m3`, `int8_w8a8` (x is quantized per row
    to int8 on the fly), `int8_w8a8_azp` (the same int8 weights; x is
    quantized per row to uint8 with a zero point: all 256 codes span
    [min(x, 0), max(x, 0)]), or `f16` / `bf16` (16-bit float weights, no
    scales: `bits = 16`, `group_size = K`); `bits` and `group_size` complete
    the scheme
    (`group_size == K`: per output channel). The scheme must be one that
    `qcc_rt_qscheme_valid` accepts (a `group_size` that does not divide `K`
    leaves a partial last group in each row).

    Semantics: `y[m, n] = sum_k x[m, k] * dequant(W)[n, k] + bias[n]` (for
    `int8_w8a8` / `int8_w8a8_azp`, `x` replaced by its per-row int8 / uint8
    zero-point fake quantization, QKernels.h).

    Linear layers of a checkpoint import carry the discardable attribute
    `qcc.layer = "<weight tensor name>"` (e.g. `"blk.3.ffn_down.weight"`):
    plans, statistics and reports name layers by it.

    Example (4-bit, groups of 128, 576 -> 1536):

    ```mlir
    %w = qcc.external_weight @w.up {source = "/tmp/m.qcc-packed", format = "raw",
           tensor = "blk.0.ffn_up.weight", offset = 0 : i64} : tensor<497664xi8>
    %y = qcc.qlinear %x, %w, %bias {format = "uniform", bits = 4 : i64,
           group_size = 128 : i64, out_features = 1536 : i64,
           qcc.layer = "blk.0.ffn_up.weight"}
       : (tensor<?x576xf32>, tensor<497664xi8>, tensor<1536xf32>) -> tensor<?x1536xf32>
    ```
  }];
  let arguments = (ins RankedTensorOf<[F32]>:$input,
                   RankedTensorOf<[I8]>:$weight,
                   Optional<RankedTensorOf<[F32]>>:$bias,
                   StrAttr:$format, I64Attr:$bits, I64Attr:$group_size,
                   I64Attr:$out_features);
  let results = (outs RankedTensorOf<[F32]>:$output);
  let assemblyFormat =
      "$input `,` $weight (`,` $bias^)? attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// The QCC_QF_* code of `format` (include/qcc/Runtime/QKernels.h), or 0
    /// for an unknown name.
    static int32_t formatCode(::llvm::StringRef format);
    /// K, the input features (the last dim of `input`).
    int64_t getInFeatures() {
      return ::llvm::cast<::mlir::RankedTensorType>(getInput().getType())
          .getShape().back();
    }
  }];
}

#endif // QCC_QLINEAR_OPS_TD
