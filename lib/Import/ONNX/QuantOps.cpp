//===- QuantOps.cpp - ONNX QDQ and integer matmul ops to qcc --------------===//
//
// QuantizeLinear/DequantizeLinear (per tensor, per axis, blocked; every
// storage type including int4/uint4 and float8) map to qcc.quantize and
// qcc.dequantize; MatMulInteger to qcc.matmul_integer; QLinearMatMul is
// decomposed as  quantize(matmul_integer(a, b) · as · bs) (scales in f32).
//
//===----------------------------------------------------------------------===//
#include "ImporterInternal.h"

using namespace mlir;
using namespace qcc;
using namespace qcc::onnx_import;

namespace {

/// Quantization parameters of one QDQ-style operand.
struct QParams {
  Value scale, zeroPoint;
  int64_t axis = 0, blockSize = 0;
};

/// Reads and checks scale/zero point operands `scaleIdx`/`zpIdx` for a tensor
/// of shape `shape`; `axis` may be negative, `blockSize` 0 for none.
FailureOr<QParams> readQParams(NodeContext &nc, ArrayRef<int64_t> shape,
                               unsigned scaleIdx, unsigned zpIdx, int64_t axis,
                               int64_t blockSize) {
  QParams q;
  q.blockSize = blockSize;
  int64_t rank = shape.size();
  if (!isa<FloatType>(nc.elementType(scaleIdx))) {
    nc.emitError() << "scale '" << nc.node.input(scaleIdx) << "' must be a float tensor";
    return failure();
  }
  auto s = nc.shape(scaleIdx);
  bool perTensor = blockSize == 0 && (s.empty() || (s.size() == 1 && s[0] == 1));
  if (perTensor) {
    q.axis = (axis >= -rank && axis < rank && rank > 0) ? (axis < 0 ? axis + rank : axis) : 0;
  } else {
    auto a = nc.normalizeAxis(axis, rank);
    if (failed(a))
      return failure();
    q.axis = *a;
    if (blockSize == 0 && (s.size() != 1 || !shapesCompatible(s, {shape[q.axis]}))) {
      nc.emitError() << "per-axis scale must be 1-D of size " << shape[q.axis]
                     << " (axis " << q.axis << "), got " << shapeToString(s);
      return failure();
    }
    if (blockSize < 0) {
      nc.emitError() << "block_size must be non-negative";
      return failure();
    }
    if (blockSize > 0) {
      if ((int64_t)s.size() != rank) {
        nc.emitError() << "blocked scale must have rank " << rank;
        return failure();
      }
      for (int64_t d = 0; d < rank; ++d) {
        int64_t expect = shape[d];
        if (d == q.axis && expect != ShapedType::kDynamic)
          expect = (expect + blockSize - 1) / blockSize;
        if (!shapesCompatible({s[d]}, {expect})) {
          nc.emitError() << "blocked scale dimension " << d << " is " << s[d]
                         << ", expected " << expect;
          return failure();
        }
      }
    }
  }
  q.scale = nc.operand(scaleIdx);
  if (nc.hasInput(zpIdx)) {
    if (!shapesCompatible(nc.shape(zpIdx), s)) {
      nc.emitError() << "zero point of shape " << shapeToString(nc.shape(zpIdx))
                     << " does not match the scale's " << shapeToString(s);
      return failure();
    }
    q.zeroPoint = nc.operand(zpIdx);
  }
  return q;
}

Value buildQuantize(NodeContext &nc, Value x, Type storage, const QParams &q) {
  auto t = cast<RankedTensorType>(x.getType());
  return QuantizeOp::create(nc.b, nc.loc, nc.tensorType(t.getShape(), storage), x, q.scale,
                            q.zeroPoint, nc.b.getI64IntegerAttr(q.axis),
                            nc.b.getI64IntegerAttr(q.blockSize));
}

Value buildDequantize(NodeContext &nc, Value x, Type floatType, const QParams &q) {
  auto t = cast<RankedTensorType>(x.getType());
  return DequantizeOp::create(nc.b, nc.loc, nc.tensorType(t.getShape(), floatType), x,
                              q.scale, q.zeroPoint, nc.b.getI64IntegerAttr(q.axis),
                              nc.b.getI64IntegerAttr(q.blockSize));
}

LogicalResult convertQuantizeLinear(NodeContext &nc) {
  if (!isa<FloatType>(nc.elementType(0)))
    return nc.emitError() << "input must be a float tensor";
  Type storage;
  if (nc.hasInput(2)) {
    storage = nc.elementType(2);
  } else if (int64_t dt = nc.attrInt("output_dtype", 0)) {
    storage = convertElementType(dt, nc.ctx);
    if (!storage)
      return nc.emitError() << "unsupported output_dtype " << onnxTypeName(dt);
  } else {
    storage = nc.b.getIntegerType(8, /*isSigned=*/false);
  }
  auto q = readQParams(nc, nc.shape(0), 1, 2, nc.attrInt("axis", 1),
                       nc.attrInt("block_size", 0));
  if (failed(q))
    return failure();
  if (q->zeroPoint && nc.elementType(2) != storage)
    return nc.emitError() << "zero point type differs from output_dtype";
  nc.setOutput(0, buildQuantize(nc, nc.operand(0), storage, *q));
  return success();
}

LogicalResult convertDequantizeLinear(NodeContext &nc) {
  if (nc.hasInput(2) && nc.elementType(2) != nc.elementType(0))
    return nc.emitError() << "zero point type " << nc.elementType(2)
                          << " differs from the input type " << nc.elementType(0);
  auto q = readQParams(nc, nc.shape(0), 1, 2, nc.attrInt("axis", 1),
                       nc.attrInt("block_size", 0));
  if (failed(q))
    return failure();
  nc.setOutput(0, buildDequantize(nc, nc.operand(0), nc.elementType(1), *q));
  return success();
}

LogicalResult convertMatMulInteger(NodeContext &nc) {
  std::string why;
  auto shape = inferMatMulShape(nc.shape(0), nc.shape(1), &why);
  if (failed(shape))
    return nc.emitError() << "shape mismatch: cannot multiply "
                          << shapeToString(nc.shape(0)) << " by "
                          << shapeToString(nc.shape(1)) << ": " << why;
  for (unsigned i : {2u, 3u})
    if (nc.hasInput(i) && nc.elementType(i) != nc.elementType(i - 2))
      return nc.emitError() << "zero point " << i - 1 << " type differs from its matrix";
  Value azp = nc.hasInput(2) ? nc.operand(2) : Value();
  Value bzp = nc.hasInput(3) ? nc.operand(3) : Value();
  auto type = nc.tensorType(*shape, nc.b.getI32Type());
  nc.setOutput(0, MatMulIntegerOp::create(nc.b, nc.loc, type, nc.operand(0), nc.operand(1),
                                          azp, bzp));
  return success();
}

/// `v` converted elementwise to f32 (qcc.cast), or `v` itself.
Value toF32(NodeContext &nc, Value v) {
  auto t = cast<RankedTensorType>(v.getType());
  if (t.getElementType().isF32())
    return v;
  return CastOp::create(nc.b, nc.loc, t.clone(nc.b.getF32Type()), v);
}

/// QLinearMatMul(a, as, azp, b, bs, bzp, ys, yzp)
///   ⇒ quantize(f32(matmul_integer(a, b, azp, bzp)) · as · bs, ys, yzp)
/// The product is exact in i32 and the scales are applied in f32 whatever
/// their type (f16 scales included), as the ONNX reference does; `as` may be
/// per row (M) and `bs` per column (N).
LogicalResult convertQLinearMatMul(NodeContext &nc) {
  std::string why;
  auto shape = inferMatMulShape(nc.shape(0), nc.shape(3), &why);
  if (failed(shape))
    return nc.emitError() << "shape mismatch: cannot multiply "
                          << shapeToString(nc.shape(0)) << " by "
                          << shapeToString(nc.shape(3)) << ": " << why;
  // a may be scaled per row (axis rank-2), b per column (axis rank-1).
  auto qa = readQParams(nc, nc.shape(0), 1, 2, nc.rank(0) >= 2 ? nc.rank(0) - 2 : 0, 0);
  if (failed(qa))
    return failure();
  auto qb = readQParams(nc, nc.shape(3), 4, 5, nc.rank(3) - 1, 0);
  if (failed(qb))
    return failure();
  auto qy = readQParams(nc, *shape, 6, 7, -1, 0);
  if (failed(qy))
    return failure();
  for (unsigned i : {2u, 5u})
    if (nc.hasInput(i) && nc.elementType(i) != nc.elementType(i - 2))
      return nc.emitError() << "zero point '" << nc.node.input(i)
                            << "' type differs from its matrix";
  Value c = MatMulIntegerOp::create(nc.b, nc.loc, nc.tensorType(*shape, nc.b.getI32Type()),
                                    nc.operand(0), nc.operand(3), qa->zeroPoint,
                                    qb->zeroPoint);
  auto f32Type = nc.tensorType(*shape, nc.b.getF32Type());
  Value y = toF32(nc, c);
  // A per-row scale of a is a column vector against C.
  Value as = toF32(nc, qa->scale);
  if (auto s = nc.shape(1); s.size() == 1 && s[0] != 1) {
    auto r = nc.reshape(as, {s[0], 1});
    if (failed(r))
      return failure();
    as = *r;
  }
  y = MulOp::create(nc.b, nc.loc, f32Type, y, as);
  y = MulOp::create(nc.b, nc.loc, f32Type, y, toF32(nc, qb->scale));
  qy->scale = toF32(nc, qy->scale);
  Type storage = nc.hasInput(7) ? nc.elementType(7) : nc.elementType(0);
  nc.setOutput(0, buildQuantize(nc, y, storage, *qy));
  return success();
}

} // namespace

void qcc::onnx_import::registerQuantConverters(ConverterMap &m) {
  m["QuantizeLinear"] = convertQuantizeLinear;
  m["DequantizeLinear"] = convertDequantizeLinear;
  m["MatMulInteger"] = convertMatMulInteger;
  m["QLinearMatMul"] = convertQLinearMatMul;
}
