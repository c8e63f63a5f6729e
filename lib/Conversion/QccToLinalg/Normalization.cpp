//===- Normalization.cpp - batch/layer/rms norm and softmax to linalg -----===//
//
//   batch_norm   ⇒ a = s / sqrt(v + eps), c = b - m * a per channel; y = x * a + c
//   layer_norm   ⇒ mean = sum(x) / n, rstd = rsqrt(sum((x - mean)^2) / n + eps),
//                  y = (x - mean) * rstd * scale + bias
//   rms_norm     ⇒ rstd = rsqrt(sum(x^2) / n + eps), y = x * rstd * scale
//   softmax      ⇒ m = max(x), s = sum(e^(x - m)), y = e^(x - m) / s
//   log_softmax  ⇒ y = x - m - ln(s)
//
// Reductions are linalg.generic ops with reduction iterators over the
// normalized axes; the statistics are read back through maps that drop them.
//
//===----------------------------------------------------------------------===//
#include "Utils.h"

#include "mlir/IR/TypeUtilities.h"

using namespace mlir;
using namespace qcc;
using namespace qcc::lowering;

namespace {

Value cst(OpBuilder &b, Location loc, Type t, double v) {
  return createScalar(b, loc, t, v);
}

/// Map from the full iteration space of rank `rank` to the dims that are not
/// in `axes` (how the reduced statistics are read back).
AffineMap keptDimsMap(int64_t rank, ArrayRef<int64_t> axes, MLIRContext *ctx) {
  SmallVector<AffineExpr> exprs;
  for (int64_t d = 0; d < rank; ++d)
    if (!llvm::is_contained(axes, d))
      exprs.push_back(getAffineDimExpr(d, ctx));
  return AffineMap::get(rank, 0, exprs, ctx);
}

/// Applies `fn` elementwise to a tensor (same shape, element type `elt`).
Value mapTensor(OpBuilder &b, Location loc, Value t,
                function_ref<Value(OpBuilder &, Location, Value)> fn) {
  auto type = cast<RankedTensorType>(t.getType());
  return buildElementwise(b, loc, ValueRange{t}, type,
                          [&](OpBuilder &nb, Location l, ValueRange args) {
                            return fn(nb, l, args[0]);
                          });
}

/// The output generic of the norms and softmax: iterates over `input`'s
/// shape; `stats` are read through keptDimsMap, `bcast` operands through
/// numpy broadcasting maps.
Value buildNormOutput(OpBuilder &b, Location loc, Value input, ArrayRef<int64_t> axes,
                      ValueRange stats, ValueRange bcast, ScalarFn fn) {
  MLIRContext *ctx = b.getContext();
  auto type = cast<RankedTensorType>(input.getType());
  int64_t rank = type.getRank();
  SmallVector<Value> ins{input};
  SmallVector<AffineMap> maps{b.getMultiDimIdentityMap(rank)};
  for (Value s : stats) {
    ins.push_back(s);
    maps.push_back(keptDimsMap(rank, axes, ctx));
  }
  for (Value v : bcast) {
    ins.push_back(v);
    maps.push_back(getBroadcastMap(cast<RankedTensorType>(v.getType()),
                                   type.getShape(), ctx));
  }
  maps.push_back(b.getMultiDimIdentityMap(rank));
  SmallVector<Value> dyn;
  for (int64_t d = 0; d < rank; ++d)
    if (type.isDynamicDim(d))
      dyn.push_back(tensor::DimOp::create(b, loc, input, d));
  Value init = createEmpty(b, loc, type, dyn);
  return linalg::GenericOp::create(
             b, loc, TypeRange{type}, ins, ValueRange{init}, maps,
             parallelIterators(rank),
             [&](OpBuilder &nb, Location l, ValueRange args) {
               linalg::YieldOp::create(nb, l, fn(nb, l, args.drop_back()));
             })
      .getResult(0);
}

SmallVector<int64_t> trailingAxes(int64_t axis, int64_t rank) {
  SmallVector<int64_t> axes;
  for (int64_t d = axis; d < rank; ++d)
    axes.push_back(d);
  return axes;
}

struct BatchNormLowering : public OpRewritePattern<BatchNormOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(BatchNormOp op, PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    auto type = cast<RankedTensorType>(op.getType());
    Type elt = type.getElementType();
    if (!isa<FloatType>(elt))
      return rewriter.notifyMatchFailure(op, "needs a float element type");
    for (Value v : {op.getScale(), op.getBias(), op.getMean(), op.getVariance()})
      if (getElementTypeOrSelf(v.getType()) != elt)
        return rewriter.notifyMatchFailure(
            op, "per-channel operands must have the input's element type");
    double eps = op.getEpsilon().convertToDouble();
    // Per-channel affine coefficients a and c.
    auto chType = cast<RankedTensorType>(op.getScale().getType());
    auto coeffs = [&](bool wantA) {
      return buildElementwise(
          rewriter, loc,
          ValueRange{op.getScale(), op.getBias(), op.getMean(), op.getVariance()},
          chType, [&](OpBuilder &b, Location l, ValueRange a) -> Value {
            Value ve = arith::AddFOp::create(b, l, a[3], cst(b, l, elt, eps));
            Value k = arith::DivFOp::create(b, l, a[0], math::SqrtOp::create(b, l, ve));
            if (wantA)
              return k;
            return arith::SubFOp::create(b, l, a[1],
                                         arith::MulFOp::create(b, l, a[2], k));
          });
    };
    Value a = coeffs(true), c = coeffs(false);
    int64_t rank = type.getRank();
    AffineMap chMap = AffineMap::get(rank, 0, {getAffineDimExpr(1, ctx)}, ctx);
    SmallVector<Value> dyn;
    for (int64_t d = 0; d < rank; ++d)
      if (type.isDynamicDim(d))
        dyn.push_back(tensor::DimOp::create(rewriter, loc, op.getInput(), d));
    Value init = createEmpty(rewriter, loc, type, dyn);
    SmallVector<AffineMap> maps{rewriter.getMultiDimIdentityMap(rank), chMap, chMap,
                                rewriter.getMultiDimIdentityMap(rank)};
    Value r = linalg::GenericOp::create(
                  rewriter, loc, TypeRange{type}, ValueRange{op.getInput(), a, c},
                  ValueRange{init}, maps, parallelIterators(rank),
                  [&](OpBuilder &b, Location l, ValueRange args) {
                    Value y = arith::MulFOp::create(b, l, args[0], args[1]);
                    linalg::YieldOp::create(b, l, Value(arith::AddFOp::create(b, l, y, args[2])));
                  })
                  .getResult(0);
    rewriter.replaceOp(op, r);
    return success();
  }
};

/// layer_norm and rms_norm.
template <typename NormOp>
struct NormLowering : public OpRewritePattern<NormOp> {
  using OpRewritePattern<NormOp>::OpRewritePattern;
  LogicalResult matchAndRewrite(NormOp op, PatternRewriter &rewriter) const override {
    constexpr bool isLayerNorm = std::is_same_v<NormOp, LayerNormOp>;
    Location loc = op.getLoc();
    Value x = op.getInput();
    auto type = cast<RankedTensorType>(x.getType());
    Type elt = type.getElementType();
    if (getElementTypeOrSelf(op.getScale().getType()) != elt)
      return rewriter.notifyMatchFailure(op, "scale must have the input's element type");
    Value bias;
    if constexpr (isLayerNorm) {
      bias = op.getBias();
      if (bias && getElementTypeOrSelf(bias.getType()) != elt)
        return rewriter.notifyMatchFailure(op, "bias must have the input's element type");
    }
    int64_t rank = type.getRank();
    SmallVector<int64_t> axes = trailingAxes(normalizeAxis(op.getAxis(), rank), rank);
    double eps = op.getEpsilon().convertToDouble();
    Value count = getElementCount(rewriter, loc, x, axes, elt);
    Value zero = cst(rewriter, loc, elt, 0.0);
    auto add = [](OpBuilder &b, Location l, Value v, Value acc) -> Value {
      return arith::AddFOp::create(b, l, v, acc);
    };
    Value mean;
    Value sq;
    if (isLayerNorm) {
      Value sum = buildReduction(rewriter, loc, x, axes, zero, add);
      mean = mapTensor(rewriter, loc, sum, [&](OpBuilder &b, Location l, Value v) {
        return arith::DivFOp::create(b, l, v, count);
      });
      sq = buildReduction(rewriter, loc, x, axes, zero, add, mean,
                          [](OpBuilder &b, Location l, Value v, Value m) -> Value {
                            Value d = arith::SubFOp::create(b, l, v, m);
                            return arith::MulFOp::create(b, l, d, d);
                          });
    } else {
      sq = buildReduction(rewriter, loc, x, axes, zero, add, Value(),
                          [](OpBuilder &b, Location l, Value v, Value) -> Value {
                            return arith::MulFOp::create(b, l, v, v);
                          });
    }
    Value rstd = mapTensor(rewriter, loc, sq, [&](OpBuilder &b, Location l, Value v) {
      Value var = arith::DivFOp::create(b, l, v, count);
      var = arith::AddFOp::create(b, l, var, cst(b, l, elt, eps));
      return arith::DivFOp::create(b, l, cst(b, l, elt, 1.0), math::SqrtOp::create(b, l, var));
    });
    SmallVector<Value> stats;
    if (isLayerNorm)
      stats.push_back(mean);
    stats.push_back(rstd);
    SmallVector<Value> bcast{op.getScale()};
    if (bias)
      bcast.push_back(bias);
    Value r = buildNormOutput(
        rewriter, loc, x, axes, stats, bcast,
        [&](OpBuilder &b, Location l, ValueRange a) -> Value {
          Value v = a[0];
          unsigned i = 1;
          if (isLayerNorm)
            v = arith::SubFOp::create(b, l, v, a[i++]);
          v = arith::MulFOp::create(b, l, v, a[i++]);
          v = arith::MulFOp::create(b, l, v, a[i++]);
          if (i < a.size())
            v = arith::AddFOp::create(b, l, v, a[i]);
          return v;
        });
    rewriter.replaceOp(op, r);
    return success();
  }
};

/// softmax and log_softmax.
///
/// A softmax that came from a 16-bit float op (HalfPrecision.cpp marks the
/// f32 copy with `qcc.round_steps_to = f16|bf16`) rounds every step of the
/// ONNX function body to that type, as a graph of 16-bit ops would:
///
///   d = round(x - max(x));  e = round(exp(d));  s = round(sum(e));  y = e / s
///
/// (log_softmax: y = d - round(log(s))), with the sum accumulated in f32.
/// Rounding once at the end instead differs from the ONNX reference by up to
/// two 16-bit ulps (test_attention_4d_causal_fp16_expanded).
template <typename SoftmaxOpTy, bool isLog>
struct SoftmaxLowering : public OpRewritePattern<SoftmaxOpTy> {
  using OpRewritePattern<SoftmaxOpTy>::OpRewritePattern;
  LogicalResult matchAndRewrite(SoftmaxOpTy op, PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = op.getInput();
    auto type = cast<RankedTensorType>(x.getType());
    Type elt = type.getElementType();
    int64_t axis = normalizeAxis(op.getAxis(), type.getRank());
    SmallVector<int64_t> axes{axis};
    Type stepType;
    if (auto attr = op->template getAttrOfType<TypeAttr>(kRoundStepsToAttr))
      stepType = attr.getValue();
    // Rounds an f32 value to the step type and back (identity without one).
    auto round = [stepType](OpBuilder &b, Location l, Value v) -> Value {
      if (!stepType || v.getType() == stepType)
        return v;
      Value t = arith::TruncFOp::create(b, l, stepType, v);
      return arith::ExtFOp::create(b, l, v.getType(), t);
    };
    Value lowest = createExtremum(rewriter, loc, elt, /*lowest=*/true, false);
    Value mx = buildReduction(rewriter, loc, x, axes, lowest,
                              [](OpBuilder &b, Location l, Value v, Value acc) -> Value {
                                return arith::MaxNumFOp::create(b, l, v, acc);
                              });
    Value sum = buildReduction(
        rewriter, loc, x, axes, cst(rewriter, loc, elt, 0.0),
        [](OpBuilder &b, Location l, Value v, Value acc) -> Value {
          return arith::AddFOp::create(b, l, v, acc);
        },
        mx, [&round](OpBuilder &b, Location l, Value v, Value m) -> Value {
          Value d = round(b, l, arith::SubFOp::create(b, l, v, m));
          return round(b, l, math::ExpOp::create(b, l, d));
        });
    if (stepType || isLog)
      sum = mapTensor(rewriter, loc, sum, [&round](OpBuilder &b, Location l, Value v) {
        v = round(b, l, v);
        return isLog ? round(b, l, math::LogOp::create(b, l, v)) : v;
      });
    Value r = buildNormOutput(rewriter, loc, x, axes, ValueRange{mx, sum}, ValueRange{},
                              [&](OpBuilder &b, Location l, ValueRange a) -> Value {
                                Value d = round(b, l, arith::SubFOp::create(b, l, a[0], a[1]));
                                if (isLog)
                                  return arith::SubFOp::create(b, l, d, a[2]);
                                Value e = round(b, l, math::ExpOp::create(b, l, d));
                                return arith::DivFOp::create(b, l, e, a[2]);
                              });
    rewriter.replaceOp(op, r);
    return success();
  }
};

} // namespace

void qcc::lowering::populateNormalizationPatterns(RewritePatternSet &patterns) {
  patterns.add<BatchNormLowering, NormLowering<LayerNormOp>, NormLowering<RmsNormOp>,
               SoftmaxLowering<SoftmaxOp, false>, SoftmaxLowering<LogSoftmaxOp, true>>(
      patterns.getContext());
}
