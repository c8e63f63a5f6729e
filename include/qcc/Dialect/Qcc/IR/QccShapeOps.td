//===- QccShapeOps.td - data movement and shape ops -----------*- tablegen -*-===//
//
// Reshape, transpose, concat, slice, gather, expand, tile, pad and resize.
//
//===----------------------------------------------------------------------===//
#ifndef QCC_SHAPE_OPS_TD
#define QCC_SHAPE_OPS_TD

include "qcc/Dialect/Qcc/IR/QccDialect.td"
include "mlir/IR/OpBase.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/IR/CommonAttrConstraints.td"
include "mlir/IR/CommonTypeConstraints.td"

def Qcc_ReshapeOp : Qcc_Op<"reshape", [Pure, AllElementTypesMatch<["input", "output"]>]> {
  let summary = "reinterpret the row-major elements under a new shape";
  let description = [{
    The result holds the operand's elements in row-major order under the
    result type's shape; the element count must match. A dynamic result
    dimension takes its size from the optional 1-D i64 `shape` operand, read
    with ONNX Reshape rules: -1 is inferred from the element count, 0 copies
    the input dimension at the same index unless `allowzero` is set (then it
    is a literal 0). When the run-time shape does not match the input's
    element count, the compiled model returns an INVALID_ARGUMENT status
    naming the node instead of reading out of bounds.

    Example:

    ```mlir
    %y = qcc.reshape %x : (tensor<2x3x4xf32>) -> tensor<6x4xf32>
    %z = qcc.reshape %x, %s : (tensor<?x4xf32>, tensor<2xi64>) -> tensor<?x2xf32>
    %w = qcc.reshape %x, %s {allowzero} : (tensor<?x4xf32>, tensor<2xi64>) -> tensor<?x?xf32>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$input, Optional<TensorOf<[I64]>>:$shape,
                       UnitAttr:$allowzero);
  let results = (outs AnyRankedTensor:$output);
  let assemblyFormat = "$input (`,` $shape^)? attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Qcc_TransposeOp : Qcc_Op<"transpose", [Pure, SameOperandsAndResultElementType]> {
  let summary = "permute dimensions";
  let description = [{
    `y[i_perm[0], ..., i_perm[r-1]]`: result dimension `j` is input dimension
    `perm[j]`.

    Example:

    ```mlir
    %y = qcc.transpose %x {perm = array<i64: 0, 2, 1, 3>}
       : (tensor<1x128x12x64xf32>) -> tensor<1x12x128x64xf32>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$input, DenseI64ArrayAttr:$perm);
  let results = (outs AnyRankedTensor:$output);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Qcc_ConcatOp : Qcc_Op<"concat", [Pure, SameOperandsAndResultElementType]> {
  let summary = "concatenate along one axis";
  let description = [{
    Joins the operands along non-negative `axis`; all other dimensions agree.

    Example:

    ```mlir
    %y = qcc.concat %a, %b {axis = 1 : i64}
       : (tensor<1x16x8x8xf32>, tensor<1x32x8x8xf32>) -> tensor<1x48x8x8xf32>
    ```
  }];
  let arguments = (ins Variadic<AnyRankedTensor>:$inputs, I64Attr:$axis);
  let results = (outs AnyRankedTensor:$output);
  let assemblyFormat = "$inputs attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Qcc_SliceOp : Qcc_Op<"slice", [Pure, SameOperandsAndResultElementType]> {
  let summary = "strided slice with static, normalized bounds";
  let description = [{
    For every dimension `d`: result index `i` reads input index
    `starts[d] + i * steps[d]`. `starts` is already clamped and non-negative;
    steps may be negative. The result type carries the sizes.

    Example:

    ```mlir
    %y = qcc.slice %x {starts = array<i64: 0, 2>, steps = array<i64: 1, 2>}
       : (tensor<4x10xf32>) -> tensor<4x4xf32>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$input, DenseI64ArrayAttr:$starts,
                   DenseI64ArrayAttr:$steps);
  let results = (outs AnyRankedTensor:$output);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Qcc_GatherOp : Qcc_Op<"gather", [Pure]> {
  let summary = "take slices along an axis at the given indices";
  let description = [{
    `y[a..., i..., b...] = x[a..., indices[i...], b...]` where `a` spans the
    dimensions before `axis`; negative indices count from the end (ONNX
    `Gather`). Out-of-range indices are clamped by the lowering.

    Example:

    ```mlir
    %e = qcc.gather %table, %ids {axis = 0 : i64}
       : (tensor<49152x576xf32>, tensor<1x?xi64>) -> tensor<1x?x576xf32>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$input, AnyRankedTensor:$indices, I64Attr:$axis);
  let results = (outs AnyRankedTensor:$output);
  let assemblyFormat = "$input `,` $indices attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Qcc_ExpandOp : Qcc_Op<"expand", [Pure, SameOperandsAndResultElementType]> {
  let summary = "broadcast to the result shape";
  let description = [{
    Broadcasts the operand with numpy rules to the result type's shape.

    Example:

    ```mlir
    %y = qcc.expand %x : (tensor<3x1xf32>) -> tensor<2x3x4xf32>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$input);
  let results = (outs AnyRankedTensor:$output);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Qcc_TileOp : Qcc_Op<"tile", [Pure, SameOperandsAndResultElementType]> {
  let summary = "repeat the tensor along each dimension";
  let description = [{
    `y[i...] = x[i_0 mod d_0, ..., i_r mod d_r]` with result dimension
    `d_j * repeats[j]`.

    Example:

    ```mlir
    %y = qcc.tile %x {repeats = array<i64: 2, 1>} : (tensor<3x4xf32>) -> tensor<6x4xf32>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$input, DenseI64ArrayAttr:$repeats);
  let results = (outs AnyRankedTensor:$output);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Qcc_PadOp : Qcc_Op<"pad", [Pure, SameOperandsAndResultElementType]> {
  let summary = "pad with a constant, by reflection or by edge replication";
  let description = [{
    Adds `pads[d]` elements before and `pads[rank + d]` after dimension `d`
    (negative values crop). `mode` is `constant` (filled with `value`),
    `reflect` (mirror without repeating the edge) or `edge`.

    Example:

    ```mlir
    %y = qcc.pad %x {pads = array<i64: 0, 1, 0, 1>, mode = "constant", value = 0.0}
       : (tensor<2x3xf32>) -> tensor<2x5xf32>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$input, DenseI64ArrayAttr:$pads,
                   DefaultValuedStrAttr<StrAttr, "constant">:$mode,
                   DefaultValuedAttr<F64Attr, "0.0">:$value);
  let results = (outs AnyRankedTensor:$output);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Qcc_ResizeOp : Qcc_Op<"resize", [Pure, SameOperandsAndResultElementType]> {
  let summary = "resample to the result shape (nearest or linear)";
  let description = [{
    Each output coordinate `o` along dimension `d` maps to input coordinate
    `x` by `coordinate_transformation_mode` (`half_pixel`, `asymmetric`,
    `align_corners`, `pytorch_half_pixel`, `tf_half_pixel_for_nn`) with scale
    `scales[d]` (output / input); `mode = "nearest"` rounds `x` by
    `nearest_mode`, `mode = "linear"` interpolates linearly in every resized
    dimension (ONNX `Resize`).

    Example:

    ```mlir
    %y = qcc.resize %x {mode = "nearest", scales = array<f64: 1.0, 1.0, 2.0, 2.0>}
       : (tensor<1x8x16x16xf32>) -> tensor<1x8x32x32xf32>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$input, DenseF64ArrayAttr:$scales,
                   DefaultValuedStrAttr<StrAttr, "nearest">:$mode,
                   DefaultValuedStrAttr<StrAttr, "half_pixel">:$coordinate_transformation_mode,
                   DefaultValuedStrAttr<StrAttr, "round_prefer_floor">:$nearest_mode,
                   DefaultValuedAttr<F64Attr, "-0.75">:$cubic_coeff_a,
                   DefaultValuedAttr<BoolAttr, "false">:$exclude_outside);
  let results = (outs AnyRankedTensor:$output);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

#endif // QCC_SHAPE_OPS_TD
