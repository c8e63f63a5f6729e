//===- Utils.h - shared helpers of the qcc to linalg patterns ---*- C++ -*-===//
//
// Internal header of lib/Conversion/QccToLinalg: builders for broadcasting
// maps, empty/filled tensors, scalar constants and signedness handling, plus
// the per-family populate functions.
//
//===----------------------------------------------------------------------===//
#ifndef QCC_LIB_CONVERSION_QCCTOLINALG_UTILS_H
#define QCC_LIB_CONVERSION_QCCTOLINALG_UTILS_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/DialectConversion.h"

#include "qcc/Dialect/Qcc/IR/QccOps.h"

namespace qcc {
namespace lowering {

using mlir::Location;
using mlir::OpBuilder;
using mlir::RankedTensorType;
using mlir::Type;
using mlir::Value;
using mlir::ValueRange;

/// Body builder of an elementwise linalg.generic: receives the scalar
/// arguments of the inputs (not the output) and returns the scalar result.
using ScalarFn =
    llvm::function_ref<Value(OpBuilder &, Location, ValueRange)>;

/// The size of dimension `dim` of `tensor` as an index value (a constant when
/// static).
Value getDimSize(OpBuilder &b, Location loc, Value tensor, int64_t dim);

/// Same as getDimSize but as an OpFoldResult (an attribute when static).
mlir::OpFoldResult getDimFold(OpBuilder &b, Location loc, Value tensor,
                              int64_t dim);

/// All dimension sizes of `tensor` as OpFoldResults.
llvm::SmallVector<mlir::OpFoldResult> getDimFolds(OpBuilder &b, Location loc,
                                                  Value tensor);

/// A tensor.empty of `type` whose dynamic sizes are `dynSizes` (in order).
Value createEmpty(OpBuilder &b, Location loc, RankedTensorType type,
                  ValueRange dynSizes);

/// The dynamic sizes of a result of `type` broadcast from `operands` with
/// numpy rules: each dynamic result dimension takes its size from the first
/// operand whose aligned dimension is dynamic or not 1.
llvm::SmallVector<Value> getBroadcastDynSizes(OpBuilder &b, Location loc,
                                              ValueRange operands,
                                              RankedTensorType type);

/// Indexing map reading `operandType` broadcast (numpy, trailing-aligned) to
/// an iteration space of `resultShape`: a static 1 against a non-1 result
/// dimension reads index 0.
mlir::AffineMap getBroadcastMap(RankedTensorType operandType,
                                llvm::ArrayRef<int64_t> resultShape,
                                mlir::MLIRContext *ctx);

/// Emits `linalg.generic` computing `fn` elementwise over `inputs` broadcast
/// to `resultType`; dynamic result sizes come from getBroadcastDynSizes.
Value buildElementwise(OpBuilder &b, Location loc, ValueRange inputs,
                       RankedTensorType resultType, ScalarFn fn);

/// A scalar constant of `type` (float, integer or index) with value `v`.
Value createScalar(OpBuilder &b, Location loc, Type type, double v);

/// The lowest (-inf / min int) or highest (+inf / max int) value of `type`.
Value createExtremum(OpBuilder &b, Location loc, Type type, bool lowest,
                     bool isUnsigned);

/// A tensor of `type` filled with `scalar`.
Value createFilled(OpBuilder &b, Location loc, RankedTensorType type,
                   ValueRange dynSizes, Value scalar);

/// True if `t` (or its element type) is an unsigned integer type.
bool isUnsignedInt(Type t);

/// `t`'s element type with signedness dropped (integers become signless).
Type signlessElementType(Type t);

/// Reinterprets a tensor with a signed/unsigned integer element type as the
/// signless type with tensor.bitcast; other tensors are returned unchanged.
Value toSignless(OpBuilder &b, Location loc, Value tensor);

/// Reinterprets a signless result as `type` (which may be signed/unsigned).
Value fromSignless(OpBuilder &b, Location loc, Value tensor,
                   RankedTensorType type);

/// `type` with its element type made signless.
RankedTensorType signlessTensorType(RankedTensorType type);

/// Scalar arithmetic helpers that dispatch on float vs integer types.
Value addScalar(OpBuilder &b, Location loc, Value x, Value y);
Value mulScalar(OpBuilder &b, Location loc, Value x, Value y);
Value subScalar(OpBuilder &b, Location loc, Value x, Value y);
Value maxScalar(OpBuilder &b, Location loc, Value x, Value y, bool isUnsigned);
Value minScalar(OpBuilder &b, Location loc, Value x, Value y, bool isUnsigned);

/// Converts a scalar between numeric types (ints by sign/zero extension or
/// truncation, floats by extension/truncation, int<->float by value).
Value convertScalar(OpBuilder &b, Location loc, Value v, Type to,
                    bool srcUnsigned, bool dstUnsigned);

/// `n` parallel iterator types.
llvm::SmallVector<mlir::utils::IteratorType> parallelIterators(unsigned n);

/// Normalizes `axis` (possibly negative) for `rank`.
int64_t normalizeAxis(int64_t axis, int64_t rank);

/// A linalg.generic reducing `input` over `axes` (sorted) into a tensor
/// without those dims, combining with `combine` (called with (element,
/// accumulator)) from the initial value `init`. `mapInput` optionally
/// transforms each element first; it receives the element and, if `extra` (a
/// tensor of the reduced shape, e.g. the max of a softmax) is set, the value
/// of `extra` at the element's kept indices.
Value buildReduction(OpBuilder &b, Location loc, Value input,
                     llvm::ArrayRef<int64_t> axes, Value init,
                     llvm::function_ref<Value(OpBuilder &, Location, Value, Value)>
                         combine,
                     Value extra = Value(),
                     llvm::function_ref<Value(OpBuilder &, Location, Value, Value)>
                         mapInput = nullptr);

/// Product of the sizes of `dims` of `tensor` as a scalar of float `type`.
Value getElementCount(OpBuilder &b, Location loc, Value tensor,
                      llvm::ArrayRef<int64_t> dims, Type type);

/// Reassociation grouping that inserts size-1 `axes` into a tensor of rank
/// `rank` - |axes| to get rank `rank` (for tensor.expand_shape).
llvm::SmallVector<mlir::ReassociationIndices>
getUnitDimsReassociation(int64_t rank, llvm::ArrayRef<int64_t> axes);

/// Name of the runtime function a failed run-time check calls:
/// `void qcc_rt_check_failed(const char *message, int64_t actual,
/// int64_t expected)` (runtime/ModelRuntime.cpp).
inline constexpr const char *kRuntimeCheckFailedName = "qcc_rt_check_failed";

/// "node '<ONNX node name>' (<opName>)" from the NameLoc in `loc`, for
/// run-time error messages.
std::string describeNode(Location loc, llvm::StringRef opName);

/// Emits a run-time check: when the i1 `ok` is false, the compiled model's run
/// fails with INVALID_ARGUMENT and the message "<message>: got <actual>,
/// expected <expected>" (index or i64 values). Execution continues after a
/// failed check, so the caller must keep the following code in bounds.
void emitRuntimeCheck(OpBuilder &b, Location loc, Value ok,
                      llvm::StringRef message, Value actual, Value expected);

/// Set by the half-precision promotion on the f32 copy of a 16-bit softmax /
/// log_softmax (a TypeAttr: f16 or bf16): its lowering rounds each step of the
/// ONNX function body to that type (Normalization.cpp).
inline constexpr const char *kRoundStepsToAttr = "qcc.round_steps_to";

// Per-family pattern registration.
void populateElementwisePatterns(mlir::RewritePatternSet &patterns);
void populateMatMulPatterns(mlir::RewritePatternSet &patterns);
void populateConvPatterns(mlir::RewritePatternSet &patterns);
void populatePoolPatterns(mlir::RewritePatternSet &patterns);
void populateNormalizationPatterns(mlir::RewritePatternSet &patterns);
void populateReductionPatterns(mlir::RewritePatternSet &patterns);
void populateShapePatterns(mlir::RewritePatternSet &patterns);
void populateResizePatterns(mlir::RewritePatternSet &patterns);
void populateQuantizePatterns(mlir::RewritePatternSet &patterns);
/// f16/bf16 matmul, gemm, softmax, norms, sum and mean computed in f32.
void populateHalfPrecisionPatterns(mlir::RewritePatternSet &patterns);
/// qcc.rotary_embedding and qcc.cached_attention (Attention.cpp).
void populateAttentionPatterns(mlir::RewritePatternSet &patterns);

/// Matrix product helper shared by matmul, gemm and matmul_integer: computes
/// numpy MatMul of `lhs` and `rhs` (signless, same element type as the
/// accumulator `resultType`'s element type) into `resultType`.
mlir::FailureOr<Value> buildMatMul(OpBuilder &b, Location loc, Value lhs,
                                   Value rhs, RankedTensorType resultType);

/// Grouped N-D convolution helper shared by conv and conv_transpose: input
/// N x C x S..., weight M x C/g x K..., explicit zero padding `pads` (begin
/// values then end values, non-negative), optional bias.
mlir::FailureOr<Value>
buildConv(OpBuilder &b, Location loc, Value input, Value weight, Value bias,
          llvm::ArrayRef<int64_t> strides, llvm::ArrayRef<int64_t> pads,
          llvm::ArrayRef<int64_t> dilations, int64_t group,
          RankedTensorType resultType);

} // namespace lowering
} // namespace qcc

#endif // QCC_LIB_CONVERSION_QCCTOLINALG_UTILS_H
