//===- ImporterInternal.h - shared state of the ONNX importer ---*- C++ -*-===//
//
// Declarations shared by the ONNX importer's translation units: the host-side
// constant tensors used for constant propagation, the per-value state, the
// per-node conversion context and the converter registries of each op family.
//
//===----------------------------------------------------------------------===//
#ifndef QCC_LIB_IMPORT_ONNX_IMPORTERINTERNAL_H
#define QCC_LIB_IMPORT_ONNX_IMPORTERINTERNAL_H

#include "qcc/Dialect/Qcc/IR/QccOps.h"
#include "qcc/Dialect/Qcc/IR/ShapeInference.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/TypeUtilities.h"
#include "llvm/ADT/StringMap.h"

#include "onnx/onnx_pb.h"

#include <optional>
#include <string>

namespace qcc::onnx_import {

/// Constant propagation only evaluates tensors up to this many elements.
constexpr int64_t kFoldLimit = 1 << 16;
/// Constants up to this many elements are printed inline as `dense<>`.
constexpr int64_t kInlineLimit = 16;

/// A host-side tensor with known contents, used to fold shape computations.
/// Integer and bool tensors keep their values in `ints`, float tensors in
/// `floats` (as doubles).
struct ConstTensor {
  Shape shape;
  mlir::Type elementType;
  llvm::SmallVector<int64_t, 8> ints;
  llvm::SmallVector<double, 8> floats;

  bool isFloat() const { return mlir::isa<mlir::FloatType>(elementType); }
  int64_t numElements() const;
  /// Element `i` as a double / as an integer, whatever the storage.
  double getDouble(int64_t i) const {
    return isFloat() ? floats[i] : static_cast<double>(ints[i]);
  }
  int64_t getInt(int64_t i) const {
    return isFloat() ? static_cast<int64_t>(floats[i]) : ints[i];
  }
  /// Appends one element (converted to the storage of the element type).
  void push(double v);
  void pushInt(int64_t v);
  /// A tensor of `shape` and `type` with no elements yet.
  static ConstTensor empty(llvm::ArrayRef<int64_t> shape, mlir::Type type);
  /// Wraps `value` to the range of the integer element type (Cast semantics).
  void normalizeIntegers();
};

/// Everything the importer knows about one ONNX value.
struct TensorValue {
  /// The SSA value; null while the value is only known as a constant.
  mlir::Value value;
  /// Type of the value (always ranked).
  mlir::RankedTensorType type;
  /// Known contents, if constant and small.
  std::optional<ConstTensor> constant;
  /// The initializer or Constant-node tensor holding the contents; decoded on
  /// demand.
  const onnx::TensorProto *proto = nullptr;
};

/// Maps an ONNX TensorProto data type to an MLIR element type, or null.
mlir::Type convertElementType(int32_t onnxType, mlir::MLIRContext *ctx);
/// Human-readable ONNX data type name for diagnostics.
std::string onnxTypeName(int32_t onnxType);
/// Number of elements of a static shape.
int64_t numElementsOf(llvm::ArrayRef<int64_t> shape);

class Importer;

/// The state of the conversion of one node: its inputs, attributes and the
/// helpers converters use to build ops and define outputs.
class NodeContext {
public:
  NodeContext(Importer &importer, const onnx::NodeProto &node, int64_t opset,
              mlir::Location loc);

  const onnx::NodeProto &node;
  /// Opset version of the default domain.
  int64_t opset;
  mlir::Location loc;
  mlir::OpBuilder &b;
  mlir::MLIRContext *ctx;

  //--- Inputs --------------------------------------------------------------//
  unsigned numInputs() const { return node.input_size(); }
  /// True if input `i` exists and is not the empty (omitted) name.
  bool hasInput(unsigned i) const {
    return (int)i < node.input_size() && !node.input(i).empty();
  }
  /// The SSA value of input `i`, materializing constants.
  mlir::Value operand(unsigned i);
  mlir::RankedTensorType type(unsigned i);
  llvm::ArrayRef<int64_t> shape(unsigned i) { return type(i).getShape(); }
  int64_t rank(unsigned i) { return type(i).getRank(); }
  mlir::Type elementType(unsigned i) { return type(i).getElementType(); }
  /// The contents of input `i` when known (constant, at most kFoldLimit
  /// elements), else null.
  const ConstTensor *constant(unsigned i);
  /// True if every present input has known contents.
  bool allInputsConstant();
  /// Reads input `i` as a constant integer list; emits an error naming
  /// `what` and returns failure when it is not constant.
  mlir::FailureOr<llvm::SmallVector<int64_t>> constInts(unsigned i,
                                                        llvm::StringRef what);
  mlir::FailureOr<llvm::SmallVector<double>> constFloats(unsigned i,
                                                         llvm::StringRef what);

  //--- Attributes ----------------------------------------------------------//
  const onnx::AttributeProto *attr(llvm::StringRef name) const;
  int64_t attrInt(llvm::StringRef name, int64_t def) const;
  float attrFloat(llvm::StringRef name, float def) const;
  std::string attrString(llvm::StringRef name, llvm::StringRef def) const;
  std::optional<llvm::SmallVector<int64_t>> attrInts(llvm::StringRef name) const;
  std::optional<llvm::SmallVector<double>> attrFloats(llvm::StringRef name) const;

  //--- Outputs -------------------------------------------------------------//
  unsigned numOutputs() const { return node.output_size(); }
  bool hasOutput(unsigned i) const {
    return (int)i < node.output_size() && !node.output(i).empty();
  }
  /// Defines output `i` as an SSA value.
  void setOutput(unsigned i, mlir::Value v);
  /// Defines output `i` as a known constant (materialized when used).
  void setOutput(unsigned i, ConstTensor c);
  /// Defines output `i` as the contents of a TensorProto owned by the model
  /// (Constant nodes); decoded or turned into a weight blob on demand.
  mlir::LogicalResult setOutput(unsigned i, const onnx::TensorProto &t);

  //--- Helpers -------------------------------------------------------------//
  /// Starts an error diagnostic prefixed with the node's description.
  mlir::InFlightDiagnostic emitError();
  /// Fails with "<what> must be a constant" style errors when outputs that
  /// the importer cannot produce (e.g. training outputs) are requested.
  mlir::LogicalResult rejectOutputsFrom(unsigned first, llvm::StringRef why);
  /// Normalizes a possibly negative axis for `rank`, or emits an error.
  mlir::FailureOr<int64_t> normalizeAxis(int64_t axis, int64_t rank);
  /// Materializes a constant tensor as an `arith.constant`.
  mlir::Value materialize(const ConstTensor &c);
  /// A rank-0 or rank-1 constant of `type` with the given values.
  mlir::Value constantOf(mlir::Type elementType, llvm::ArrayRef<int64_t> shape,
                         llvm::ArrayRef<double> values);
  /// Builds a qcc.reshape of `v` to a static-or-one-dynamic-dim shape.
  mlir::FailureOr<mlir::Value> reshape(mlir::Value v,
                                       llvm::ArrayRef<int64_t> newShape);
  mlir::RankedTensorType tensorType(llvm::ArrayRef<int64_t> shape,
                                    mlir::Type elementType) {
    return mlir::RankedTensorType::get(shape, elementType);
  }

private:
  Importer &importer;
};

/// Converts one ONNX node; returns failure after emitting a diagnostic.
using ConverterFn = mlir::LogicalResult (*)(NodeContext &);
using ConverterMap = llvm::StringMap<ConverterFn>;

void registerElementwiseConverters(ConverterMap &map);
void registerNNConverters(ConverterMap &map);
void registerShapeConverters(ConverterMap &map);
void registerQuantConverters(ConverterMap &map);
/// ONNX Runtime's com.microsoft ops (ContribOps.cpp), keyed "domain::op".
void registerContribConverters(ConverterMap &map);
/// RotaryEmbedding and GroupQueryAttention (AttentionOps.cpp).
void registerAttentionConverters(ConverterMap &map);

/// The domain of ONNX Runtime's contrib ops.
inline constexpr const char *kMicrosoftDomain = "com.microsoft";

/// The converter map key of `node`: its op type in the default domain
/// ("" or "ai.onnx"), "<domain>::<op type>" in any other.
std::string converterKey(const onnx::NodeProto &node);
/// All converters, built once.
const ConverterMap &getConverters();

//--- Constant tensors (ConstTensor.cpp) -------------------------------------//

/// Decodes a TensorProto's contents (raw or typed fields, not external) into
/// a ConstTensor; fails with `error` set.
mlir::FailureOr<ConstTensor> decodeTensor(const onnx::TensorProto &t,
                                          mlir::MLIRContext *ctx,
                                          std::string &error);
/// Encodes `c` as an MLIR elements attribute (inline dense).
mlir::DenseElementsAttr toDenseAttr(const ConstTensor &c);
/// Raw little-endian bytes of `c` in MLIR's dense layout.
std::vector<char> toRawBytes(const ConstTensor &c);
/// Converts the elements of `c` to `type` with ONNX Cast semantics.
ConstTensor castConst(const ConstTensor &c, mlir::Type type);
/// Evaluates a broadcasting binary op on constants; fails if unknown `op`.
mlir::FailureOr<ConstTensor> foldBinary(llvm::StringRef op, const ConstTensor &a,
                                        const ConstTensor &b);
/// Evaluates a unary op on constants; fails if unknown `op`.
mlir::FailureOr<ConstTensor> foldUnary(llvm::StringRef op, const ConstTensor &a);
/// Gathers along `axis` (indices may be negative; fails when out of range).
mlir::FailureOr<ConstTensor> foldGather(const ConstTensor &data,
                                        const ConstTensor &indices, int64_t axis);
/// Concatenates along `axis`.
ConstTensor foldConcat(llvm::ArrayRef<const ConstTensor *> parts, int64_t axis);
/// Strided slice with normalized starts, per-dim steps and result shape.
ConstTensor foldSlice(const ConstTensor &in, llvm::ArrayRef<int64_t> starts,
                      llvm::ArrayRef<int64_t> steps,
                      llvm::ArrayRef<int64_t> outShape);
/// Transposes by `perm`.
ConstTensor foldTranspose(const ConstTensor &in, llvm::ArrayRef<int64_t> perm);
/// Broadcasts to `shape`.
ConstTensor foldExpand(const ConstTensor &in, llvm::ArrayRef<int64_t> shape);
/// Select with broadcasting.
mlir::FailureOr<ConstTensor> foldWhere(const ConstTensor &c, const ConstTensor &x,
                                       const ConstTensor &y);

} // namespace qcc::onnx_import

#endif // QCC_LIB_IMPORT_ONNX_IMPORTERINTERNAL_H
