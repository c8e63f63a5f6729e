//===- QccQuantOps.td - quantize and dequantize --------------*- tablegen -*-===//
//
// Conversions between float tensors and quantized storage tensors with
// per-tensor, per-axis or per-block scales and zero points.
//
//===----------------------------------------------------------------------===//
#ifndef QCC_QUANT_OPS_TD
#define QCC_QUANT_OPS_TD

include "qcc/Dialect/Qcc/IR/QccDialect.td"
include "mlir/IR/OpBase.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/IR/CommonAttrConstraints.td"
include "mlir/IR/CommonTypeConstraints.td"

def Qcc_QuantizeOp : Qcc_Op<"quantize", [Pure, AttrSizedOperandSegments, AllShapesMatch<["input", "output"]>]> {
  let summary = "float to quantized storage: q = saturate(round(x / scale) + zero_point)";
  let description = [{
    Quantizes a float tensor into integer storage of 2 to 8 bits (`i8`, `ui8`,
    `i4`, `ui4`, `i2`, ...) or small floats (`f8E4M3FN`, `f8E5M2`, `f4E2M1FN`).
    Rounding is half to even and the result saturates to the storage range.

    Granularity follows the `scale` operand's shape (same rules for
    `zero_point`, which defaults to 0):

    * scalar or 1-element `scale`: per tensor;
    * 1-D `scale` of size `dim(axis)`: per channel along `axis`;
    * `block_size > 0`: `scale` has the input's rank with
      `dim(axis) = ceil(input_dim(axis) / block_size)`; element `i` along
      `axis` uses block `i / block_size` (group-wise quantization).

    Alternatively `input` may be quantized per static `!quant.uniform`
    parameters, in which case `scale` and `zero_point` are absent and the
    result element type is the `!quant.uniform` type.

    Example:

    ```mlir
    %q = qcc.quantize %w, %s, %z {axis = 1 : i64, block_size = 32 : i64}
       : (tensor<64x128xf32>, tensor<64x4xf32>, tensor<64x4xi4>) -> tensor<64x128xi4>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$input, Optional<AnyRankedTensor>:$scale,
                   Optional<AnyRankedTensor>:$zero_point,
                   DefaultValuedAttr<I64Attr, "1">:$axis,
                   DefaultValuedAttr<I64Attr, "0">:$block_size);
  let results = (outs AnyRankedTensor:$output);
  let assemblyFormat = "$input (`,` $scale^)? (`,` $zero_point^)? attr-dict `:` "
                       "functional-type(operands, results)";
  let hasVerifier = 1;
}

def Qcc_DequantizeOp : Qcc_Op<"dequantize", [Pure, AttrSizedOperandSegments, AllShapesMatch<["input", "output"]>]> {
  let summary = "quantized storage to float: x = (q - zero_point) * scale";
  let description = [{
    The inverse of `qcc.quantize` with the same granularity rules for `scale`
    and `zero_point`, `axis` and `block_size`; or, without those operands, the
    dequantization of a `!quant.uniform` element type.

    Example:

    ```mlir
    %w = qcc.dequantize %q, %s {axis = 0 : i64}
       : (tensor<64x128xi8>, tensor<64xf32>) -> tensor<64x128xf32>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$input, Optional<AnyRankedTensor>:$scale,
                   Optional<AnyRankedTensor>:$zero_point,
                   DefaultValuedAttr<I64Attr, "1">:$axis,
                   DefaultValuedAttr<I64Attr, "0">:$block_size);
  let results = (outs AnyRankedTensor:$output);
  let assemblyFormat = "$input (`,` $scale^)? (`,` $zero_point^)? attr-dict `:` "
                       "functional-type(operands, results)";
  let hasVerifier = 1;
}

#endif // QCC_QUANT_OPS_TD
