//===- QccOps.cpp - qcc op verifiers ---------------------------------------===//
//
// Every verifier recomputes the result shape from the operands with the shared
// rules of ShapeInference.h and checks it against the declared result type
// (dimensions that are dynamic on either side are accepted).
//
//===----------------------------------------------------------------------===//
#include "qcc/Dialect/Qcc/IR/QccOps.h"
#include "qcc/Dialect/Qcc/IR/ShapeInference.h"

#include "mlir/Dialect/Quant/IR/QuantTypes.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/IR/TypeUtilities.h"

using namespace mlir;
using namespace qcc;

namespace {
ArrayRef<int64_t> shapeOf(Value v) {
  return cast<RankedTensorType>(v.getType()).getShape();
}

/// Checks an inferred shape against the op's single result type.
LogicalResult checkResult(Operation *op, FailureOr<Shape> inferred,
                          const std::string &why) {
  if (failed(inferred))
    return op->emitOpError() << why;
  auto actual = shapeOf(op->getResult(0));
  if (!shapesCompatible(*inferred, actual))
    return op->emitOpError() << "result shape " << shapeToString(actual)
                             << " does not match the inferred shape "
                             << shapeToString(*inferred);
  return success();
}

bool isFloatTensor(Value v) {
  return isa<FloatType>(getElementTypeOrSelf(v.getType()));
}
} // namespace

LogicalResult GeluOp::verify() {
  if (getApproximate() != "none" && getApproximate() != "tanh")
    return emitOpError() << "approximate must be \"none\" or \"tanh\", got \""
                         << getApproximate() << "\"";
  return success();
}

LogicalResult WhereOp::verify() {
  if (getTrueValue().getType().getElementType() !=
          getFalseValue().getType().getElementType() ||
      getTrueValue().getType().getElementType() != getType().getElementType())
    return emitOpError("true, false and result element types must agree");
  return success();
}

LogicalResult MatMulOp::verify() {
  std::string why;
  return checkResult(*this, inferMatMulShape(shapeOf(getLhs()), shapeOf(getRhs()), &why),
                     why);
}

LogicalResult GemmOp::verify() {
  auto a = shapeOf(getA()), b = shapeOf(getB());
  if (a.size() != 2 || b.size() != 2)
    return emitOpError("operands A and B must be 2-D");
  int64_t m = getTransA() ? a[1] : a[0], ka = getTransA() ? a[0] : a[1];
  int64_t kb = getTransB() ? b[1] : b[0], n = getTransB() ? b[0] : b[1];
  if (ka != ShapedType::kDynamic && kb != ShapedType::kDynamic && ka != kb)
    return emitOpError() << "contraction sizes differ: " << ka << " vs " << kb;
  Shape out{m, n};
  if (getC() && !isBroadcastableTo(shapeOf(getC()), out))
    return emitOpError() << "C of shape " << shapeToString(shapeOf(getC()))
                         << " does not broadcast to " << shapeToString(out);
  return checkResult(*this, out, "");
}

LogicalResult MatMulIntegerOp::verify() {
  std::string why;
  return checkResult(*this, inferMatMulShape(shapeOf(getLhs()), shapeOf(getRhs()), &why),
                     why);
}

LogicalResult ConvOp::verify() {
  std::string why;
  if (getBias() && (shapeOf(getBias()).size() != 1))
    return emitOpError("bias must be 1-D");
  return checkResult(*this,
                     inferConvShape(shapeOf(getInput()), shapeOf(getWeight()),
                                    getStrides(), getPads(), getDilations(),
                                    getGroup(), &why),
                     why);
}

LogicalResult ConvTransposeOp::verify() {
  std::string why;
  if (getBias() && (shapeOf(getBias()).size() != 1))
    return emitOpError("bias must be 1-D");
  return checkResult(*this,
                     inferConvTransposeShape(shapeOf(getInput()), shapeOf(getWeight()),
                                             getStrides(), getPads(), getDilations(),
                                             getOutputPadding(), getGroup(), &why),
                     why);
}

template <typename PoolOp>
static LogicalResult verifyPool(PoolOp op) {
  std::string why;
  return checkResult(op,
                     inferPoolShape(shapeOf(op.getInput()), op.getKernelShape(),
                                    op.getStrides(), op.getPads(), op.getDilations(),
                                    op.getCeilMode(), &why),
                     why);
}
LogicalResult MaxPoolOp::verify() { return verifyPool(*this); }
LogicalResult AvgPoolOp::verify() { return verifyPool(*this); }

LogicalResult BatchNormOp::verify() {
  auto in = shapeOf(getInput());
  if (in.size() < 2)
    return emitOpError("input must have rank >= 2");
  for (Value v : {getScale(), getBias(), getMean(), getVariance()}) {
    auto s = shapeOf(v);
    if (s.size() != 1 || !shapesCompatible(s, {in[1]}))
      return emitOpError() << "per-channel operands must be 1-D of size "
                           << in[1];
  }
  return checkResult(*this, Shape(in.begin(), in.end()), "");
}

/// Normalized axis in [0, rank) or failure.
static FailureOr<int64_t> normalizeAxis(int64_t axis, int64_t rank) {
  if (axis < -rank || axis >= rank)
    return failure();
  return axis < 0 ? axis + rank : axis;
}

template <typename NormOp>
static LogicalResult verifyNorm(NormOp op, Value bias) {
  auto in = shapeOf(op.getInput());
  auto axis = normalizeAxis(op.getAxis(), in.size());
  if (failed(axis))
    return op.emitOpError() << "axis " << op.getAxis() << " out of range for rank "
                            << in.size();
  auto normalized = ArrayRef<int64_t>(in).drop_front(*axis);
  if (!isBroadcastableTo(shapeOf(op.getScale()), normalized))
    return op.emitOpError("scale does not broadcast to the normalized dimensions");
  if (bias && !isBroadcastableTo(shapeOf(bias), normalized))
    return op.emitOpError("bias does not broadcast to the normalized dimensions");
  if (!isFloatTensor(op.getInput()))
    return op.emitOpError("input must be a float tensor");
  return checkResult(op, Shape(in.begin(), in.end()), "");
}
LogicalResult LayerNormOp::verify() { return verifyNorm(*this, getBias()); }
LogicalResult RmsNormOp::verify() { return verifyNorm(*this, Value()); }

template <typename SoftmaxLike>
static LogicalResult verifySoftmax(SoftmaxLike op) {
  int64_t rank = op.getType().getRank();
  if (failed(normalizeAxis(op.getAxis(), rank)))
    return op.emitOpError() << "axis " << op.getAxis() << " out of range for rank "
                            << rank;
  if (!isFloatTensor(op.getInput()))
    return op.emitOpError("input must be a float tensor");
  return success();
}
LogicalResult SoftmaxOp::verify() { return verifySoftmax(*this); }
LogicalResult LogSoftmaxOp::verify() { return verifySoftmax(*this); }

template <typename ReduceOp>
static LogicalResult verifyReduce(ReduceOp op) {
  std::string why;
  if (getElementTypeOrSelf(op.getInput().getType()) !=
      getElementTypeOrSelf(op.getType()))
    return op.emitOpError("input and result element types must agree");
  return checkResult(op,
                     inferReduceShape(shapeOf(op.getInput()), op.getAxes(),
                                      op.getKeepdims(), &why),
                     why);
}
LogicalResult ReduceSumOp::verify() { return verifyReduce(*this); }
LogicalResult ReduceMeanOp::verify() { return verifyReduce(*this); }
LogicalResult ReduceMaxOp::verify() { return verifyReduce(*this); }
LogicalResult ReduceMinOp::verify() { return verifyReduce(*this); }
LogicalResult ReduceProdOp::verify() { return verifyReduce(*this); }

template <typename ArgOp>
static LogicalResult verifyArgReduce(ArgOp op) {
  auto in = shapeOf(op.getInput());
  int64_t axis = op.getAxis();
  if (axis < 0 || axis >= (int64_t)in.size())
    return op.emitOpError() << "axis " << axis << " out of range [0, " << in.size()
                            << ")";
  std::string why;
  return checkResult(op, inferReduceShape(in, {axis}, op.getKeepdims(), &why), why);
}
LogicalResult ArgMaxOp::verify() { return verifyArgReduce(*this); }
LogicalResult ArgMinOp::verify() { return verifyArgReduce(*this); }

LogicalResult ReshapeOp::verify() {
  auto in = getInput().getType(), out = getType();
  if (in.hasStaticShape() && out.hasStaticShape() &&
      in.getNumElements() != out.getNumElements())
    return emitOpError() << "cannot reshape " << shapeToString(in.getShape())
                         << " (" << in.getNumElements() << " elements) to "
                         << shapeToString(out.getShape());
  if (getShape()) {
    auto s = shapeOf(getShape());
    if (s.size() != 1 || !shapesCompatible(s, {out.getRank()}))
      return emitOpError("shape operand must be 1-D with one entry per result dim");
  } else if (!out.hasStaticShape() && out.getNumDynamicDims() > 1) {
    return emitOpError("more than one dynamic result dimension needs a shape operand");
  }
  return success();
}

LogicalResult TransposeOp::verify() {
  std::string why;
  return checkResult(*this, inferTransposeShape(shapeOf(getInput()), getPerm(), &why),
                     why);
}

LogicalResult ConcatOp::verify() {
  SmallVector<Shape> shapes;
  for (Value v : getInputs()) {
    auto s = shapeOf(v);
    shapes.emplace_back(s.begin(), s.end());
  }
  std::string why;
  return checkResult(*this, inferConcatShape(shapes, getAxis(), &why), why);
}

LogicalResult SliceOp::verify() {
  auto in = shapeOf(getInput()), out = getType().getShape();
  size_t rank = in.size();
  if (getStarts().size() != rank || getSteps().size() != rank || out.size() != rank)
    return emitOpError() << "starts and steps need one entry per dimension (" << rank
                         << ")";
  for (size_t d = 0; d < rank; ++d) {
    int64_t start = getStarts()[d], step = getSteps()[d];
    if (step == 0)
      return emitOpError() << "step of dimension " << d << " is zero";
    if (start < 0 || (in[d] != ShapedType::kDynamic && in[d] > 0 && start >= in[d] &&
                      out[d] != 0))
      return emitOpError() << "start " << start << " out of range for dimension "
                           << d;
    if (in[d] == ShapedType::kDynamic || out[d] == ShapedType::kDynamic)
      continue;
    int64_t last = start + (out[d] - 1) * step;
    if (out[d] > 0 && (last < 0 || last >= in[d]))
      return emitOpError() << "slice of dimension " << d << " reads index " << last
                           << " outside [0, " << in[d] << ")";
  }
  return success();
}

LogicalResult GatherOp::verify() {
  auto idxType = getElementTypeOrSelf(getIndices().getType());
  if (!idxType.isInteger(32) && !idxType.isInteger(64))
    return emitOpError("indices must be i32 or i64");
  if (getInput().getType().getElementType() != getType().getElementType())
    return emitOpError("input and result element types must agree");
  std::string why;
  return checkResult(
      *this, inferGatherShape(shapeOf(getInput()), shapeOf(getIndices()), getAxis(), &why),
      why);
}

LogicalResult ExpandOp::verify() {
  auto in = shapeOf(getInput()), out = getType().getShape();
  auto b = broadcastShapes(in, out);
  if (failed(b) || !shapesCompatible(*b, out))
    return emitOpError() << "cannot broadcast " << shapeToString(in) << " to "
                         << shapeToString(out);
  return success();
}

LogicalResult TileOp::verify() {
  auto in = shapeOf(getInput()), out = getType().getShape();
  if (getRepeats().size() != in.size() || out.size() != in.size())
    return emitOpError("repeats needs one entry per dimension");
  Shape expect;
  for (auto [d, r] : llvm::zip(in, getRepeats())) {
    if (r < 0)
      return emitOpError("repeats must be non-negative");
    expect.push_back(d == ShapedType::kDynamic ? d : d * r);
  }
  return checkResult(*this, expect, "");
}

LogicalResult PadOp::verify() {
  auto in = shapeOf(getInput());
  if (getPads().size() != 2 * in.size())
    return emitOpError() << "pads needs " << 2 * in.size() << " entries";
  StringRef mode = getMode();
  if (mode != "constant" && mode != "reflect" && mode != "edge" && mode != "wrap")
    return emitOpError() << "unknown pad mode \"" << mode << "\"";
  Shape expect;
  for (size_t d = 0; d < in.size(); ++d)
    expect.push_back(in[d] == ShapedType::kDynamic
                         ? in[d]
                         : in[d] + getPads()[d] + getPads()[in.size() + d]);
  return checkResult(*this, expect, "");
}

LogicalResult ResizeOp::verify() {
  auto in = shapeOf(getInput());
  if (getScales().size() != in.size())
    return emitOpError("scales needs one entry per dimension");
  StringRef mode = getMode();
  if (mode != "nearest" && mode != "linear" && mode != "cubic")
    return emitOpError() << "unknown resize mode \"" << mode << "\"";
  static const char *coordModes[] = {"half_pixel", "asymmetric", "align_corners",
                                     "pytorch_half_pixel", "tf_half_pixel_for_nn",
                                     "half_pixel_symmetric"};
  if (!llvm::is_contained(coordModes, getCoordinateTransformationMode()))
    return emitOpError() << "unknown coordinate_transformation_mode \""
                         << getCoordinateTransformationMode() << "\"";
  static const char *nearestModes[] = {"round_prefer_floor", "round_prefer_ceil",
                                       "floor", "ceil"};
  if (!llvm::is_contained(nearestModes, getNearestMode()))
    return emitOpError() << "unknown nearest_mode \"" << getNearestMode() << "\"";
  for (double s : getScales())
    if (!(s > 0))
      return emitOpError("scales must be positive");
  return success();
}

/// Shared checks of quantize/dequantize: granularity of scale/zero point.
static LogicalResult verifyQuantParams(Operation *op, Value input, Value scale,
                                       Value zeroPoint, int64_t axis,
                                       int64_t blockSize, Type quantizedElt) {
  if (!scale) {
    if (zeroPoint)
      return op->emitOpError("zero_point without scale");
    if (!isa<quant::QuantizedType>(quantizedElt))
      return op->emitOpError(
          "without a scale operand the quantized side needs a !quant element type");
    return success();
  }
  auto in = shapeOf(input);
  auto s = shapeOf(scale);
  int64_t rank = in.size();
  if (!isa<FloatType>(getElementTypeOrSelf(scale.getType())))
    return op->emitOpError("scale must be a float tensor");
  if (zeroPoint && !shapesCompatible(shapeOf(zeroPoint), s))
    return op->emitOpError("zero_point must have the shape of scale");
  if (zeroPoint && getElementTypeOrSelf(zeroPoint.getType()) != quantizedElt)
    return op->emitOpError("zero_point must have the quantized element type");
  bool perTensor = s.empty() || (s.size() == 1 && s[0] == 1 && blockSize == 0);
  if (perTensor)
    return success();
  if (axis < 0 || axis >= rank)
    return op->emitOpError() << "axis " << axis << " out of range for rank " << rank;
  if (blockSize == 0) {
    if (s.size() != 1 || !shapesCompatible(s, {in[axis]}))
      return op->emitOpError() << "per-axis scale must be 1-D of size " << in[axis];
    return success();
  }
  if (blockSize < 0)
    return op->emitOpError("block_size must be non-negative");
  if ((int64_t)s.size() != rank)
    return op->emitOpError("blocked scale must have the input's rank");
  for (int64_t d = 0; d < rank; ++d) {
    int64_t expect = in[d];
    if (d == axis && expect != ShapedType::kDynamic)
      expect = (expect + blockSize - 1) / blockSize;
    if (!shapesCompatible({s[d]}, {expect}))
      return op->emitOpError() << "blocked scale dimension " << d << " is " << s[d]
                               << ", expected " << expect;
  }
  return success();
}

LogicalResult QuantizeOp::verify() {
  if (!isFloatTensor(getInput()))
    return emitOpError("input must be a float tensor");
  return verifyQuantParams(*this, getInput(), getScale(), getZeroPoint(), getAxis(),
                           getBlockSize(), getType().getElementType());
}

LogicalResult DequantizeOp::verify() {
  if (!isFloatTensor(getOutput()))
    return emitOpError("result must be a float tensor");
  return verifyQuantParams(*this, getInput(), getScale(), getZeroPoint(), getAxis(),
                           getBlockSize(), getInput().getType().getElementType());
}

#define GET_OP_CLASSES
#include "qcc/Dialect/Qcc/IR/QccOps.cpp.inc"
