//===- QccNNOps.td - matmul, convolution, pooling, norms -----*- tablegen -*-===//
//
// The compute-heavy and normalization ops of neural networks.
//
//===----------------------------------------------------------------------===//
#ifndef QCC_NN_OPS_TD
#define QCC_NN_OPS_TD

include "qcc/Dialect/Qcc/IR/QccDialect.td"
include "mlir/IR/OpBase.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/IR/CommonAttrConstraints.td"
include "mlir/IR/CommonTypeConstraints.td"

//===----------------------------------------------------------------------===//
// Matrix products
//===----------------------------------------------------------------------===//

def Qcc_MatMulOp : Qcc_Op<"matmul", [Pure]> {
  let summary = "batched matrix product with numpy semantics";
  let description = [{
    `C[..., m, n] = sum_k A[..., m, k] * B[..., k, n]`. Leading (batch)
    dimensions broadcast; a 1-D `A` is a row vector and a 1-D `B` a column
    vector, and the added dimension is removed from the result (ONNX
    `MatMul`).

    Example:

    ```mlir
    %c = qcc.matmul %a, %b : (tensor<8x?x64xf32>, tensor<64x32xf32>) -> tensor<8x?x32xf32>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$lhs, AnyRankedTensor:$rhs);
  let results = (outs AnyRankedTensor:$output);
  let assemblyFormat =
      "$lhs `,` $rhs attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Qcc_GemmOp : Qcc_Op<"gemm", [Pure]> {
  let summary = "general matrix multiply: alpha * op(A) op(B) + beta * C";
  let description = [{
    `Y = alpha * A' * B' + beta * C` with `A' = transpose(A)` if `trans_a`,
    likewise for B; `A'` is MxK, `B'` is KxN and `C` (optional)
    unidirectionally broadcasts to MxN (ONNX `Gemm`).

    Example:

    ```mlir
    %y = qcc.gemm %a, %w, %b {trans_b = true}
       : (tensor<1x512xf32>, tensor<1000x512xf32>, tensor<1000xf32>) -> tensor<1x1000xf32>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$a, AnyRankedTensor:$b,
                   Optional<AnyRankedTensor>:$c,
                   DefaultValuedAttr<F32Attr, "1.0f">:$alpha,
                   DefaultValuedAttr<F32Attr, "1.0f">:$beta,
                   DefaultValuedAttr<BoolAttr, "false">:$trans_a,
                   DefaultValuedAttr<BoolAttr, "false">:$trans_b);
  let results = (outs AnyRankedTensor:$output);
  let assemblyFormat =
      "$a `,` $b (`,` $c^)? attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Qcc_MatMulIntegerOp : Qcc_Op<"matmul_integer", [Pure, AttrSizedOperandSegments]> {
  let summary = "integer matrix product with zero points, accumulating in i32";
  let description = [{
    `C = (A - a_zero_point) * (B - b_zero_point)` in 32-bit integers with
    `matmul` broadcasting. `a_zero_point` is a scalar or per-row (M) vector,
    `b_zero_point` a scalar or per-column (N) vector (ONNX `MatMulInteger`).

    Example:

    ```mlir
    %c = qcc.matmul_integer %a, %b, %azp, %bzp
       : (tensor<4x16xui8>, tensor<16x8xi8>, tensor<ui8>, tensor<i8>) -> tensor<4x8xi32>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$lhs, AnyRankedTensor:$rhs,
                   Optional<AnyRankedTensor>:$lhs_zero_point,
                   Optional<AnyRankedTensor>:$rhs_zero_point);
  let results = (outs TensorOf<[I32, SI32]>:$output);
  let assemblyFormat = "$lhs `,` $rhs (`,` $lhs_zero_point^)? (`,` $rhs_zero_point^)? "
                       "attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Convolution and pooling (NCHW layout, N-D spatial)
//===----------------------------------------------------------------------===//

def Qcc_ConvOp : Qcc_Op<"conv", [Pure]> {
  let summary = "N-D grouped convolution, NC[D]HW layout";
  let description = [{
    `Y[n, g*Mg + m, o...] = B[g*Mg+m] + sum_{c, k...} X[n, g*Cg + c, o*s + k*d - p_begin] * W[g*Mg + m, c, k...]`
    with zero padding. `strides`, `dilations` and `pads` (begin values for
    every spatial axis, then end values) are explicit: the importer resolves
    ONNX `auto_pad`. `W` is `M x C/group x k...`.

    Example:

    ```mlir
    %y = qcc.conv %x, %w, %b {strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>,
                              dilations = array<i64: 1, 1>, group = 1 : i64}
       : (tensor<1x3x224x224xf32>, tensor<32x3x3x3xf32>, tensor<32xf32>) -> tensor<1x32x112x112xf32>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$input, AnyRankedTensor:$weight,
                   Optional<AnyRankedTensor>:$bias,
                   DenseI64ArrayAttr:$strides, DenseI64ArrayAttr:$pads,
                   DenseI64ArrayAttr:$dilations,
                   DefaultValuedAttr<I64Attr, "1">:$group);
  let results = (outs AnyRankedTensor:$output);
  let assemblyFormat = "$input `,` $weight (`,` $bias^)? attr-dict `:` "
                       "functional-type(operands, results)";
  let hasVerifier = 1;
}

def Qcc_ConvTransposeOp : Qcc_Op<"conv_transpose", [Pure]> {
  let summary = "N-D grouped transposed convolution, NC[D]HW layout";
  let description = [{
    The gradient of `qcc.conv` with respect to its input: every input element
    scatters `X[n, c, i...] * W[c, m, k...]` to output position
    `i*s + k*d - p_begin`. `W` is `C x M/group x k...`; `output_padding`
    adds rows at the end of each spatial axis. The result shape is explicit
    in the result type.

    Example:

    ```mlir
    %y = qcc.conv_transpose %x, %w {strides = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>,
                                    dilations = array<i64: 1, 1>, output_padding = array<i64: 0, 0>}
       : (tensor<1x8x16x16xf32>, tensor<8x4x2x2xf32>) -> tensor<1x4x32x32xf32>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$input, AnyRankedTensor:$weight,
                   Optional<AnyRankedTensor>:$bias,
                   DenseI64ArrayAttr:$strides, DenseI64ArrayAttr:$pads,
                   DenseI64ArrayAttr:$dilations,
                   DenseI64ArrayAttr:$output_padding,
                   DefaultValuedAttr<I64Attr, "1">:$group);
  let results = (outs AnyRankedTensor:$output);
  let assemblyFormat = "$input `,` $weight (`,` $bias^)? attr-dict `:` "
                       "functional-type(operands, results)";
  let hasVerifier = 1;
}

class Qcc_PoolOp<string mnemonic, string formula, dag extra>
    : Qcc_Op<mnemonic, [Pure]> {
  let summary = mnemonic # " over sliding windows, NC[D]HW layout";
  let description = [{
    `}] # formula # [{` over each window of `kernel_shape` elements placed
    every `strides`, with explicit `pads` (begin values, then end values) and
    `dilations`. `ceil_mode` rounds the output size up. Padded elements never
    win a max; for averages they count only if `count_include_pad`.

    Example:

    ```mlir
    %y = qcc.}] # mnemonic # [{ %x {kernel_shape = array<i64: 3, 3>, strides = array<i64: 2, 2>,
                          pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>}
       : (tensor<1x64x112x112xf32>) -> tensor<1x64x56x56xf32>
    ```
  }];
  let arguments = !con((ins AnyRankedTensor:$input,
                        DenseI64ArrayAttr:$kernel_shape, DenseI64ArrayAttr:$strides,
                        DenseI64ArrayAttr:$pads, DenseI64ArrayAttr:$dilations,
                        DefaultValuedAttr<BoolAttr, "false">:$ceil_mode), extra);
  let results = (outs AnyRankedTensor:$output);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Qcc_MaxPoolOp : Qcc_PoolOp<"max_pool", "y = max(window)", (ins)>;
def Qcc_AvgPoolOp : Qcc_PoolOp<"avg_pool", "y = mean(window)",
    (ins DefaultValuedAttr<BoolAttr, "false">:$count_include_pad)>;

//===----------------------------------------------------------------------===//
// Normalizations and softmax
//===----------------------------------------------------------------------===//

def Qcc_BatchNormOp : Qcc_Op<"batch_norm", [Pure]> {
  let summary = "inference-mode batch normalization over axis 1";
  let description = [{
    `y = scale[c] * (x - mean[c]) / sqrt(var[c] + epsilon) + bias[c]` where
    `c` indexes dimension 1 of `x`.

    Example:

    ```mlir
    %y = qcc.batch_norm %x, %s, %b, %m, %v {epsilon = 1.0e-5 : f32}
       : (tensor<1x16x8x8xf32>, tensor<16xf32>, tensor<16xf32>, tensor<16xf32>, tensor<16xf32>) -> tensor<1x16x8x8xf32>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$input, AnyRankedTensor:$scale,
                   AnyRankedTensor:$bias, AnyRankedTensor:$mean,
                   AnyRankedTensor:$variance, F32Attr:$epsilon);
  let results = (outs AnyRankedTensor:$output);
  let assemblyFormat = "$input `,` $scale `,` $bias `,` $mean `,` $variance "
                       "attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Qcc_LayerNormOp : Qcc_Op<"layer_norm", [Pure]> {
  let summary = "layer normalization over the trailing axes from `axis`";
  let description = [{
    With `D` the dimensions from `axis` to the end:
    `y = (x - mean_D(x)) / sqrt(var_D(x) + epsilon) * scale + bias`; `scale`
    and `bias` broadcast to `D`.

    Example:

    ```mlir
    %y = qcc.layer_norm %x, %g, %b {axis = -1 : i64, epsilon = 1.0e-5 : f32}
       : (tensor<1x128x384xf32>, tensor<384xf32>, tensor<384xf32>) -> tensor<1x128x384xf32>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$input, AnyRankedTensor:$scale,
                   Optional<AnyRankedTensor>:$bias,
                   DefaultValuedAttr<I64Attr, "-1">:$axis, F32Attr:$epsilon);
  let results = (outs AnyRankedTensor:$output);
  let assemblyFormat = "$input `,` $scale (`,` $bias^)? attr-dict `:` "
                       "functional-type(operands, results)";
  let hasVerifier = 1;
}

def Qcc_RmsNormOp : Qcc_Op<"rms_norm", [Pure]> {
  let summary = "root-mean-square normalization over the trailing axes from `axis`";
  let description = [{
    `y = x / sqrt(mean_D(x^2) + epsilon) * scale` with `D` the dimensions from
    `axis` to the end (Llama's RMSNorm, ONNX `RMSNormalization`).

    Example:

    ```mlir
    %y = qcc.rms_norm %x, %g {axis = -1 : i64, epsilon = 1.0e-5 : f32}
       : (tensor<1x?x576xf32>, tensor<576xf32>) -> tensor<1x?x576xf32>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$input, AnyRankedTensor:$scale,
                   DefaultValuedAttr<I64Attr, "-1">:$axis, F32Attr:$epsilon);
  let results = (outs AnyRankedTensor:$output);
  let assemblyFormat = "$input `,` $scale attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

class Qcc_SoftmaxLikeOp<string mnemonic, string formula>
    : Qcc_Op<mnemonic, [Pure, SameOperandsAndResultType]> {
  let summary = mnemonic # " along one axis";
  let description = [{
    `}] # formula # [{` along `axis` (negative counts from the end), computed
    stably by subtracting the maximum first.

    Example:

    ```mlir
    %y = qcc.}] # mnemonic # [{ %x {axis = -1 : i64} : tensor<2x12x128x128xf32>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$input, DefaultValuedAttr<I64Attr, "-1">:$axis);
  let results = (outs AnyRankedTensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($output)";
  let hasVerifier = 1;
}

def Qcc_SoftmaxOp : Qcc_SoftmaxLikeOp<"softmax", "y = e^x / sum(e^x)">;
def Qcc_LogSoftmaxOp : Qcc_SoftmaxLikeOp<"log_softmax", "y = x - ln(sum(e^x))">;

//===----------------------------------------------------------------------===//
// Reductions
//===----------------------------------------------------------------------===//

class Qcc_ReduceOp<string mnemonic, string formula> : Qcc_Op<mnemonic, [Pure]> {
  let summary = mnemonic # " over a set of axes";
  let description = [{
    `}] # formula # [{` over the (non-negative, sorted, unique) `axes`; an
    empty `axes` list reduces nothing (the importer resolves ONNX's
    "all axes" default). With `keepdims` the reduced axes stay as size 1.

    Example:

    ```mlir
    %y = qcc.}] # mnemonic # [{ %x {axes = array<i64: 2, 3>, keepdims = true}
       : (tensor<1x64x7x7xf32>) -> tensor<1x64x1x1xf32>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$input, DenseI64ArrayAttr:$axes,
                   DefaultValuedAttr<BoolAttr, "true">:$keepdims);
  let results = (outs AnyRankedTensor:$output);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Qcc_ReduceSumOp : Qcc_ReduceOp<"reduce_sum", "y = sum(x)">;
def Qcc_ReduceMeanOp : Qcc_ReduceOp<"reduce_mean", "y = sum(x) / count">;
def Qcc_ReduceMaxOp : Qcc_ReduceOp<"reduce_max", "y = max(x)">;
def Qcc_ReduceMinOp : Qcc_ReduceOp<"reduce_min", "y = min(x)">;
def Qcc_ReduceProdOp : Qcc_ReduceOp<"reduce_prod", "y = prod(x)">;

class Qcc_ArgReduceOp<string mnemonic, string formula> : Qcc_Op<mnemonic, [Pure]> {
  let summary = "index of the " # formula # " along one axis";
  let description = [{
    The i64 index of the }] # formula # [{ element along `axis`; ties give the
    first index unless `select_last_index`. With `keepdims` the axis stays as
    size 1.

    Example:

    ```mlir
    %i = qcc.}] # mnemonic # [{ %x {axis = 1 : i64, keepdims = false}
       : (tensor<4x1000xf32>) -> tensor<4xi64>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$input, I64Attr:$axis,
                   DefaultValuedAttr<BoolAttr, "true">:$keepdims,
                   DefaultValuedAttr<BoolAttr, "false">:$select_last_index);
  let results = (outs TensorOf<[I64]>:$output);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Qcc_ArgMaxOp : Qcc_ArgReduceOp<"argmax", "largest">;
def Qcc_ArgMinOp : Qcc_ArgReduceOp<"argmin", "smallest">;

#endif // QCC_NN_OPS_TD
