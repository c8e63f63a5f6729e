//===- Quantize.cpp - qcc.quantize and qcc.dequantize to linalg -----------===//
//
//   quantize   ⇒ q = saturate(round_half_even(x / s) + z)   (integer storage)
//                q = truncf(clamp(x / s, -max, max))        (f8/f4 storage)
//   dequantize ⇒ x = (q - z) * s
//
// One elementwise linalg.generic; the scale/zero-point map encodes the
// granularity: per tensor (no dims), per axis (d_axis) or blocked
// (d_axis floordiv block_size on the axis, identity elsewhere). Static
// `!quant.uniform` types are handled by materializing their scales and zero
// points as constants and reinterpreting the storage with quant.scast.
//
//===----------------------------------------------------------------------===//
#include "Utils.h"

#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/Dialect/Quant/IR/QuantTypes.h"
#include "mlir/IR/TypeUtilities.h"

using namespace mlir;
using namespace qcc;
using namespace qcc::lowering;

namespace {

/// Quantization parameters of one op, with the quantized side's storage.
struct QuantParams {
  Value scale;          ///< Float tensor.
  Value zeroPoint;      ///< Storage-typed (signless) tensor or null.
  int64_t axis = 1;
  int64_t blockSize = 0;
  Type storage;         ///< Signless integer or small float storage type.
  bool isUnsigned = false;
  int64_t qmin = 0, qmax = 0;  ///< Integer storage range.
};

/// Map reading the scale / zero point for an element of a rank-`rank`
/// tensor.
AffineMap paramMap(RankedTensorType paramType, const QuantParams &p, int64_t rank,
                   MLIRContext *ctx) {
  auto shape = paramType.getShape();
  if (shape.empty())
    return AffineMap::get(rank, 0, {}, ctx);
  if (p.blockSize > 0) {
    SmallVector<AffineExpr> exprs;
    for (int64_t d = 0; d < rank; ++d) {
      AffineExpr e = getAffineDimExpr(d, ctx);
      exprs.push_back(d == p.axis ? e.floorDiv(p.blockSize) : e);
    }
    return AffineMap::get(rank, 0, exprs, ctx);
  }
  if (shape.size() == 1 && shape[0] == 1)
    return AffineMap::get(rank, 0, {getAffineConstantExpr(0, ctx)}, ctx);
  return AffineMap::get(rank, 0, {getAffineDimExpr(p.axis, ctx)}, ctx);
}

/// Fills the storage description of `p` from a storage element type.
LogicalResult setStorage(QuantParams &p, Type storage) {
  if (auto it = dyn_cast<IntegerType>(storage)) {
    unsigned w = it.getWidth();
    if (w < 2 || w > 32)
      return failure();
    p.isUnsigned = it.isUnsigned();
    p.storage = IntegerType::get(it.getContext(), w);
    p.qmin = p.isUnsigned ? 0 : -(int64_t(1) << (w - 1));
    p.qmax = p.isUnsigned ? (int64_t(1) << w) - 1 : (int64_t(1) << (w - 1)) - 1;
    return success();
  }
  if (auto ft = dyn_cast<FloatType>(storage)) {
    if (ft.getWidth() > 16)
      return failure();
    p.storage = ft;
    return success();
  }
  return failure();
}

/// Scale / zero-point constants of a static !quant.uniform type.
LogicalResult paramsFromQuantType(OpBuilder &b, Location loc, quant::QuantizedType qt,
                                  Type expressed, QuantParams &p) {
  if (failed(setStorage(p, IntegerType::get(b.getContext(), qt.getStorageTypeIntegralWidth(),
                                            qt.isSigned() ? IntegerType::Signless
                                                          : IntegerType::Unsigned))))
    return failure();
  p.qmin = qt.getStorageTypeMin();
  p.qmax = qt.getStorageTypeMax();
  SmallVector<double> scales;
  SmallVector<int64_t> zps;
  if (auto u = dyn_cast<quant::UniformQuantizedType>(qt)) {
    scales.push_back(u.getScale());
    zps.push_back(u.getZeroPoint());
    auto st = RankedTensorType::get({}, expressed);
    auto zt = RankedTensorType::get({}, p.storage);
    p.scale = arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(st, b.getFloatAttr(expressed, scales[0])));
    p.zeroPoint = arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(zt, b.getIntegerAttr(p.storage, zps[0])));
    return success();
  }
  if (auto a = dyn_cast<quant::UniformQuantizedPerAxisType>(qt)) {
    int64_t n = a.getScales().size();
    SmallVector<Attribute> sv, zv;
    for (double s : a.getScales())
      sv.push_back(b.getFloatAttr(expressed, s));
    for (int64_t z : a.getZeroPoints())
      zv.push_back(b.getIntegerAttr(p.storage, z));
    p.scale = arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(RankedTensorType::get({n}, expressed), sv));
    p.zeroPoint = arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(RankedTensorType::get({n}, p.storage), zv));
    p.axis = a.getQuantizedDimension();
    return success();
  }
  return failure();
}

/// Emits the elementwise generic over `input`'s shape producing `outElt`.
Value buildQuantGeneric(OpBuilder &b, Location loc, Value input, const QuantParams &p,
                        Type outElt, ScalarFn fn) {
  MLIRContext *ctx = b.getContext();
  auto inType = cast<RankedTensorType>(input.getType());
  int64_t rank = inType.getRank();
  auto outType = RankedTensorType::get(inType.getShape(), outElt);
  SmallVector<Value> ins{input, p.scale};
  SmallVector<AffineMap> maps{b.getMultiDimIdentityMap(rank),
                              paramMap(cast<RankedTensorType>(p.scale.getType()), p, rank, ctx)};
  if (p.zeroPoint) {
    ins.push_back(p.zeroPoint);
    maps.push_back(paramMap(cast<RankedTensorType>(p.zeroPoint.getType()), p, rank, ctx));
  }
  maps.push_back(b.getMultiDimIdentityMap(rank));
  SmallVector<Value> dyn;
  for (int64_t d = 0; d < rank; ++d)
    if (inType.isDynamicDim(d))
      dyn.push_back(tensor::DimOp::create(b, loc, input, d));
  Value init = createEmpty(b, loc, outType, dyn);
  return linalg::GenericOp::create(b, loc, TypeRange{outType}, ins, ValueRange{init}, maps,
                                   parallelIterators(rank),
                                   [&](OpBuilder &nb, Location l, ValueRange a) {
                                     linalg::YieldOp::create(nb, l, fn(nb, l, a.drop_back()));
                                   })
      .getResult(0);
}

/// The zero point as f32 (0 when absent).
Value zeroPointF32(OpBuilder &b, Location loc, ValueRange args, const QuantParams &p) {
  if (!p.zeroPoint)
    return createScalar(b, loc, b.getF32Type(), 0.0);
  Value z = args[2];
  if (isa<FloatType>(z.getType()))
    return convertScalar(b, loc, z, b.getF32Type(), false, false);
  bool u = p.isUnsigned;
  return convertScalar(b, loc, z, b.getF32Type(), u, false);
}

struct QuantizeLowering : public OpRewritePattern<QuantizeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(QuantizeOp op, PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto resultType = cast<RankedTensorType>(op.getType());
    Type resultElt = resultType.getElementType();
    auto qt = dyn_cast<quant::QuantizedType>(resultElt);
    QuantParams p;
    p.axis = op.getAxis();
    p.blockSize = op.getBlockSize();
    if (qt) {
      if (!isa<quant::UniformQuantizedType, quant::UniformQuantizedPerAxisType>(qt))
        return rewriter.notifyMatchFailure(
            op, "only uniform per-tensor / per-axis !quant types are supported");
    } else if (failed(setStorage(p, resultElt))) {
      return rewriter.notifyMatchFailure(
          op, "storage must be a 2..32-bit integer or a float of at most 16 bits");
    }
    Type inElt = getElementTypeOrSelf(op.getInput().getType());
    if (qt && failed(paramsFromQuantType(rewriter, loc, qt, inElt, p)))
      return rewriter.notifyMatchFailure(op, "unsupported !quant storage type");
    if (!qt) {
      p.scale = op.getScale();
      if (op.getZeroPoint())
        p.zeroPoint = toSignless(rewriter, loc, op.getZeroPoint());
    }
    Type f32 = rewriter.getF32Type();
    Value q = buildQuantGeneric(
        rewriter, loc, op.getInput(), p, p.storage,
        [&](OpBuilder &b, Location l, ValueRange a) -> Value {
          Value x = convertScalar(b, l, a[0], f32, false, false);
          Value s = convertScalar(b, l, a[1], f32, false, false);
          Value v = arith::DivFOp::create(b, l, x, s);
          Value z = zeroPointF32(b, l, a, p);
          if (auto ft = dyn_cast<FloatType>(p.storage)) {
            // Small-float storage: saturate to the largest finite value,
            // then round to nearest even by truncf (NaN stays NaN).
            v = arith::AddFOp::create(b, l, v, z);
            double big = APFloat::getLargest(ft.getFloatSemantics()).convertToDouble();
            v = arith::MaxNumFOp::create(b, l, v, createScalar(b, l, f32, -big));
            v = arith::MinNumFOp::create(b, l, v, createScalar(b, l, f32, big));
            return arith::TruncFOp::create(b, l, ft, v);
          }
          v = math::RoundEvenOp::create(b, l, v);
          v = arith::AddFOp::create(b, l, v, z);
          v = arith::MaximumFOp::create(b, l, v, createScalar(b, l, f32, double(p.qmin)));
          v = arith::MinimumFOp::create(b, l, v, createScalar(b, l, f32, double(p.qmax)));
          Value i = arith::FPToSIOp::create(b, l, b.getI64Type(), v);
          return convertScalar(b, l, i, p.storage, false, false);
        });
    if (qt)
      q = quant::StorageCastOp::create(rewriter, loc, resultType, q);
    else
      q = fromSignless(rewriter, loc, q, resultType);
    rewriter.replaceOp(op, q);
    return success();
  }
};

struct DequantizeLowering : public OpRewritePattern<DequantizeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(DequantizeOp op, PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto resultType = cast<RankedTensorType>(op.getType());
    Type outElt = resultType.getElementType();
    auto inType = cast<RankedTensorType>(op.getInput().getType());
    auto qt = dyn_cast<quant::QuantizedType>(inType.getElementType());
    QuantParams p;
    p.axis = op.getAxis();
    p.blockSize = op.getBlockSize();
    if (qt) {
      if (!isa<quant::UniformQuantizedType, quant::UniformQuantizedPerAxisType>(qt))
        return rewriter.notifyMatchFailure(
            op, "only uniform per-tensor / per-axis !quant types are supported");
      if (qt.getStorageTypeIntegralWidth() < 2 || qt.getStorageTypeIntegralWidth() > 32)
        return rewriter.notifyMatchFailure(op, "unsupported !quant storage type");
    } else if (failed(setStorage(p, inType.getElementType()))) {
      return rewriter.notifyMatchFailure(
          op, "storage must be a 2..32-bit integer or a float of at most 16 bits");
    }
    Value input;
    if (qt) {
      (void)paramsFromQuantType(rewriter, loc, qt, outElt, p);
      auto storageType = inType.clone(p.storage);
      input = quant::StorageCastOp::create(rewriter, loc, storageType, op.getInput());
    } else {
      input = toSignless(rewriter, loc, op.getInput());
      p.scale = op.getScale();
      if (op.getZeroPoint())
        p.zeroPoint = toSignless(rewriter, loc, op.getZeroPoint());
    }
    Type f32 = rewriter.getF32Type();
    Value r = buildQuantGeneric(
        rewriter, loc, input, p, outElt, [&](OpBuilder &b, Location l, ValueRange a) {
          Value q = convertScalar(b, l, a[0], f32, p.isUnsigned, false);
          Value s = convertScalar(b, l, a[1], f32, false, false);
          Value v = arith::SubFOp::create(b, l, q, zeroPointF32(b, l, a, p));
          v = arith::MulFOp::create(b, l, v, s);
          return convertScalar(b, l, v, outElt, false, false);
        });
    rewriter.replaceOp(op, r);
    return success();
  }
};

} // namespace

void qcc::lowering::populateQuantizePatterns(RewritePatternSet &patterns) {
  patterns.add<QuantizeLowering, DequantizeLowering>(patterns.getContext());
}
