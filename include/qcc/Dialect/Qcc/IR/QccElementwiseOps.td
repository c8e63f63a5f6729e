//===- QccElementwiseOps.td - elementwise qcc ops -------------*- tablegen -*-===//
//
// Unary activations/math, broadcasting binary arithmetic, comparisons, logic,
// where, clip and cast.
//
//===----------------------------------------------------------------------===//
#ifndef QCC_ELEMENTWISE_OPS_TD
#define QCC_ELEMENTWISE_OPS_TD

include "qcc/Dialect/Qcc/IR/QccDialect.td"
include "mlir/IR/OpBase.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/IR/CommonAttrConstraints.td"
include "mlir/IR/CommonTypeConstraints.td"

//===----------------------------------------------------------------------===//
// Unary ops: result has the operand's shape and element type.
//===----------------------------------------------------------------------===//

class Qcc_UnaryOp<string mnemonic, string formula, list<Trait> traits = []>
    : Qcc_Op<mnemonic, !listconcat(traits, [Pure, SameOperandsAndResultType])> {
  let summary = "elementwise " # mnemonic;
  let description = [{
    Applies `}] # formula # [{` to every element. The result has the type of
    the operand.

    Example:

    ```mlir
    %y = qcc.}] # mnemonic # [{ %x : tensor<2x?xf32>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$input);
  let results = (outs AnyRankedTensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($output)";
}

def Qcc_NegOp : Qcc_UnaryOp<"neg", "y = -x">;
def Qcc_AbsOp : Qcc_UnaryOp<"abs", "y = |x|">;
def Qcc_ExpOp : Qcc_UnaryOp<"exp", "y = e^x">;
def Qcc_LogOp : Qcc_UnaryOp<"log", "y = ln(x)">;
def Qcc_SqrtOp : Qcc_UnaryOp<"sqrt", "y = sqrt(x)">;
def Qcc_RsqrtOp : Qcc_UnaryOp<"rsqrt", "y = 1 / sqrt(x)">;
def Qcc_ReciprocalOp : Qcc_UnaryOp<"reciprocal", "y = 1 / x">;
def Qcc_TanhOp : Qcc_UnaryOp<"tanh", "y = tanh(x)">;
def Qcc_SigmoidOp : Qcc_UnaryOp<"sigmoid", "y = 1 / (1 + e^-x)">;
def Qcc_ErfOp : Qcc_UnaryOp<"erf", "y = erf(x)">;
def Qcc_ReluOp : Qcc_UnaryOp<"relu", "y = max(x, 0)">;
def Qcc_SiluOp : Qcc_UnaryOp<"silu", "y = x * sigmoid(x)">;
def Qcc_HardSwishOp : Qcc_UnaryOp<"hard_swish", "y = x * max(0, min(1, x / 6 + 1 / 2))">;
def Qcc_SoftplusOp : Qcc_UnaryOp<"softplus", "y = ln(1 + e^x)">;
def Qcc_SoftsignOp : Qcc_UnaryOp<"softsign", "y = x / (1 + |x|)">;
def Qcc_FloorOp : Qcc_UnaryOp<"floor", "y = floor(x)">;
def Qcc_CeilOp : Qcc_UnaryOp<"ceil", "y = ceil(x)">;
def Qcc_RoundOp : Qcc_UnaryOp<"round", "y = round half to even (x)">;
def Qcc_SignOp : Qcc_UnaryOp<"sign", "y = -1, 0 or 1 by the sign of x">;
def Qcc_SinOp : Qcc_UnaryOp<"sin", "y = sin(x)">;
def Qcc_CosOp : Qcc_UnaryOp<"cos", "y = cos(x)">;
def Qcc_TanOp : Qcc_UnaryOp<"tan", "y = tan(x)">;
def Qcc_AtanOp : Qcc_UnaryOp<"atan", "y = atan(x)">;
def Qcc_NotOp : Qcc_UnaryOp<"not", "y = !x (i1 only)">;

/// Unary ops with float parameters.
class Qcc_ParamUnaryOp<string mnemonic, string formula, dag params>
    : Qcc_UnaryOp<mnemonic, formula> {
  let arguments = !con((ins AnyRankedTensor:$input), params);
}

def Qcc_LeakyReluOp : Qcc_ParamUnaryOp<"leaky_relu", "y = x >= 0 ? x : alpha * x",
    (ins F32Attr:$alpha)>;
def Qcc_EluOp : Qcc_ParamUnaryOp<"elu", "y = x >= 0 ? x : alpha * (e^x - 1)",
    (ins F32Attr:$alpha)>;
def Qcc_SeluOp : Qcc_ParamUnaryOp<"selu",
    "y = gamma * (x > 0 ? x : alpha * (e^x - 1))",
    (ins F32Attr:$alpha, F32Attr:$gamma)>;
def Qcc_CeluOp : Qcc_ParamUnaryOp<"celu",
    "y = max(0, x) + min(0, alpha * (e^(x / alpha) - 1))", (ins F32Attr:$alpha)>;
def Qcc_HardSigmoidOp : Qcc_ParamUnaryOp<"hard_sigmoid",
    "y = max(0, min(1, alpha * x + beta))", (ins F32Attr:$alpha, F32Attr:$beta)>;
def Qcc_ThresholdedReluOp : Qcc_ParamUnaryOp<"thresholded_relu",
    "y = x > alpha ? x : 0", (ins F32Attr:$alpha)>;
def Qcc_GeluOp : Qcc_ParamUnaryOp<"gelu",
    "y = x * Phi(x), Phi exact (approximate = \"none\") or its tanh form (\"tanh\")",
    (ins DefaultValuedStrAttr<StrAttr, "none">:$approximate)> {
  let hasVerifier = 1;
}

def Qcc_ClipOp : Qcc_Op<"clip", [Pure, SameOperandsAndResultType]> {
  let summary = "clamp to a static range";
  let description = [{
    `y = min(max(x, min), max)`; an absent bound does not clamp. Bounds are
    given as float attributes and converted to the element type.

    Example:

    ```mlir
    %y = qcc.clip %x {min = 0.0 : f32, max = 6.0 : f32} : tensor<4xf32>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$input, OptionalAttr<F64Attr>:$min,
                   OptionalAttr<F64Attr>:$max);
  let results = (outs AnyRankedTensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($output)";
}

def Qcc_CastOp : Qcc_Op<"cast", [Pure, SameOperandsAndResultShape]> {
  let summary = "elementwise conversion of the element type";
  let description = [{
    Converts every element to the result element type with ONNX `Cast`
    semantics: float to integer truncates toward zero, integer to bool is
    `x != 0`, float narrowing rounds to nearest even.

    Example:

    ```mlir
    %y = qcc.cast %x : tensor<2x3xf32> -> tensor<2x3xi64>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$input);
  let results = (outs AnyRankedTensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
}

//===----------------------------------------------------------------------===//
// Binary ops with numpy (multidirectional) broadcasting.
//===----------------------------------------------------------------------===//

class Qcc_BinaryOp<string mnemonic, string formula, list<Trait> traits = []>
    : Qcc_Op<mnemonic, !listconcat(traits, [Pure, ResultsBroadcastableShape])> {
  let summary = "elementwise " # mnemonic # " with broadcasting";
  let description = [{
    Computes `}] # formula # [{` elementwise after broadcasting both operands
    to the result shape with numpy rules (trailing dimensions aligned; a
    dimension of 1 stretches).

    Example:

    ```mlir
    %z = qcc.}] # mnemonic # [{ %x, %y : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$lhs, AnyRankedTensor:$rhs);
  let results = (outs AnyRankedTensor:$output);
  let assemblyFormat =
      "$lhs `,` $rhs attr-dict `:` functional-type(operands, results)";
}

class Qcc_ArithBinaryOp<string mnemonic, string formula>
    : Qcc_BinaryOp<mnemonic, formula, [SameOperandsAndResultElementType]>;
class Qcc_CompareOp<string mnemonic, string formula>
    : Qcc_BinaryOp<mnemonic, formula, [SameOperandsElementType]> {
  let results = (outs TensorOf<[I1]>:$output);
}

def Qcc_AddOp : Qcc_ArithBinaryOp<"add", "z = x + y">;
def Qcc_SubOp : Qcc_ArithBinaryOp<"sub", "z = x - y">;
def Qcc_MulOp : Qcc_ArithBinaryOp<"mul", "z = x * y">;
def Qcc_DivOp : Qcc_ArithBinaryOp<"div", "z = x / y (integers truncate toward zero)">;
def Qcc_PowOp : Qcc_BinaryOp<"pow", "z = x ^ y (result has x's element type)">;
def Qcc_MaxOp : Qcc_ArithBinaryOp<"max", "z = max(x, y)">;
def Qcc_MinOp : Qcc_ArithBinaryOp<"min", "z = min(x, y)">;
def Qcc_ModOp : Qcc_ArithBinaryOp<"mod",
    "z = x mod y (sign of y for integers; fmod = true: C fmod, sign of x)"> {
  let arguments = (ins AnyRankedTensor:$lhs, AnyRankedTensor:$rhs,
                   DefaultValuedAttr<BoolAttr, "false">:$fmod);
}
def Qcc_AndOp : Qcc_ArithBinaryOp<"and", "z = x && y">;
def Qcc_OrOp : Qcc_ArithBinaryOp<"or", "z = x || y">;
def Qcc_XorOp : Qcc_ArithBinaryOp<"xor", "z = x != y">;
def Qcc_PReluOp : Qcc_ArithBinaryOp<"prelu", "z = x >= 0 ? x : slope * x">;
def Qcc_EqualOp : Qcc_CompareOp<"equal", "z = x == y">;
def Qcc_LessOp : Qcc_CompareOp<"less", "z = x < y">;
def Qcc_LessEqualOp : Qcc_CompareOp<"less_equal", "z = x <= y">;
def Qcc_GreaterOp : Qcc_CompareOp<"greater", "z = x > y">;
def Qcc_GreaterEqualOp : Qcc_CompareOp<"greater_equal", "z = x >= y">;

def Qcc_WhereOp : Qcc_Op<"where", [Pure, ResultsBroadcastableShape]> {
  let summary = "select with broadcasting";
  let description = [{
    `z = cond ? x : y` elementwise, all three operands broadcast to the result.

    Example:

    ```mlir
    %z = qcc.where %c, %x, %y : (tensor<4xi1>, tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
    ```
  }];
  let arguments = (ins TensorOf<[I1]>:$condition, AnyRankedTensor:$true_value,
                   AnyRankedTensor:$false_value);
  let results = (outs AnyRankedTensor:$output);
  let assemblyFormat = "$condition `,` $true_value `,` $false_value attr-dict `:` "
                       "functional-type(operands, results)";
  let hasVerifier = 1;
}

#endif // QCC_ELEMENTWISE_OPS_TD
