//===- Pool.cpp - qcc.max_pool and qcc.avg_pool to linalg -----------------===//
//
//   pool(x) ⇒ tensor.pad (explicit pads + the ceil_mode overhang; -inf for max,
//             0 for avg) + generic over (n, c, o..., k...) reading
//             x[n, c, o*s + k*d] (a window tensor gives the k ranges)
//   avg     ⇒ sum / count, count = number of window taps inside the input
//             (count_include_pad: inside the explicitly padded input)
//
//===----------------------------------------------------------------------===//
#include "Utils.h"

#include "mlir/IR/TypeUtilities.h"

using namespace mlir;
using namespace qcc;
using namespace qcc::lowering;

namespace {

Value idx(OpBuilder &b, Location loc, int64_t v) {
  return arith::ConstantIndexOp::create(b, loc, v);
}

template <typename PoolOp, bool isMax>
struct PoolLowering : public OpRewritePattern<PoolOp> {
  using OpRewritePattern<PoolOp>::OpRewritePattern;

  LogicalResult matchAndRewrite(PoolOp op, PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    // Signed/unsigned integers (max only) are pooled as signless integers,
    // compared with the signedness of the original type.
    auto origOutType = cast<RankedTensorType>(op.getType());
    Type origElt = origOutType.getElementType();
    if (!isa<FloatType>(origElt) && !(isMax && isa<IntegerType>(origElt)))
      return rewriter.notifyMatchFailure(
          op, isMax ? "needs a float or integer element type"
                    : "needs a float element type");
    bool isUnsigned = isUnsignedInt(origElt);
    Value x = toSignless(rewriter, loc, op.getInput());
    auto xt = cast<RankedTensorType>(x.getType());
    RankedTensorType outType = signlessTensorType(origOutType);
    Type elt = xt.getElementType();
    int64_t S = xt.getRank() - 2;
    ArrayRef<int64_t> kernel = op.getKernelShape(), strides = op.getStrides(),
                      pads = op.getPads(), dil = op.getDilations();
    // End padding so that every output window fits (ceil_mode overhang).
    SmallVector<OpFoldResult> lo{rewriter.getIndexAttr(0), rewriter.getIndexAttr(0)};
    SmallVector<OpFoldResult> hi = lo;
    for (int64_t s = 0; s < S; ++s) {
      int64_t in = xt.getDimSize(2 + s), o = outType.getDimSize(2 + s);
      int64_t extra = 0;
      if (op.getCeilMode()) {
        if (ShapedType::isDynamic(in) || ShapedType::isDynamic(o))
          return rewriter.notifyMatchFailure(
              op, "ceil_mode needs static spatial sizes");
        int64_t need = (o - 1) * strides[s] + dil[s] * (kernel[s] - 1) + 1;
        extra = std::max<int64_t>(0, need - (in + pads[s] + pads[S + s]));
      }
      lo.push_back(rewriter.getIndexAttr(pads[s]));
      hi.push_back(rewriter.getIndexAttr(pads[S + s] + extra));
    }
    Value padValue = isMax ? createExtremum(rewriter, loc, elt, /*lowest=*/true, isUnsigned)
                           : createScalar(rewriter, loc, elt, 0.0);
    Value padded = tensor::PadOp::create(rewriter, loc, Type(), x, lo, hi, padValue);

    // Output sizes.
    SmallVector<Value> dyn;
    for (int64_t d = 0; d < outType.getRank(); ++d) {
      if (!outType.isDynamicDim(d))
        continue;
      if (d < 2) {
        dyn.push_back(tensor::DimOp::create(rewriter, loc, x, d));
        continue;
      }
      int64_t s = d - 2;
      Value span = arith::SubIOp::create(rewriter, loc,
                                         getDimSize(rewriter, loc, padded, d),
                                         idx(rewriter, loc, dil[s] * (kernel[s] - 1) + 1));
      Value q = arith::DivSIOp::create(rewriter, loc, span, idx(rewriter, loc, strides[s]));
      dyn.push_back(arith::AddIOp::create(rewriter, loc, q, idx(rewriter, loc, 1)));
    }
    Value init = createFilled(rewriter, loc, outType, dyn, padValue);
    Value window = tensor::EmptyOp::create(rewriter, loc, kernel, elt);
    int64_t nd = 2 + 2 * S;
    auto dim = [&](int64_t i) { return getAffineDimExpr(i, ctx); };
    SmallVector<AffineExpr> xe{dim(0), dim(1)}, ke, oe{dim(0), dim(1)};
    for (int64_t s = 0; s < S; ++s) {
      xe.push_back(dim(2 + s) * strides[s] + dim(2 + S + s) * dil[s]);
      ke.push_back(dim(2 + S + s));
      oe.push_back(dim(2 + s));
    }
    SmallVector<AffineMap> maps{AffineMap::get(nd, 0, xe, ctx),
                                AffineMap::get(nd, 0, ke, ctx),
                                AffineMap::get(nd, 0, oe, ctx)};
    SmallVector<utils::IteratorType> iters = parallelIterators(2 + S);
    iters.append(S, utils::IteratorType::reduction);
    Value pooled = linalg::GenericOp::create(
                       rewriter, loc, TypeRange{outType}, ValueRange{padded, window},
                       ValueRange{init}, maps, iters,
                       [&](OpBuilder &b, Location l, ValueRange a) {
                         Value r = isMax ? maxScalar(b, l, a[0], a[2], isUnsigned)
                                         : addScalar(b, l, a[0], a[2]);
                         linalg::YieldOp::create(b, l, r);
                       })
                       .getResult(0);
    if (isMax) {
      rewriter.replaceOp(op, fromSignless(rewriter, loc, pooled, origOutType));
      return success();
    }

    // avg: divide by the number of counted taps of each window.
    bool includePad = false;
    if constexpr (!isMax)
      includePad = op.getCountIncludePad();
    SmallVector<Value> inSizes;
    for (int64_t s = 0; s < S; ++s)
      inSizes.push_back(getDimSize(rewriter, loc, x, 2 + s));
    Value avg = buildElementwise(
        rewriter, loc, ValueRange{pooled}, outType,
        [&](OpBuilder &b, Location l, ValueRange a) -> Value {
          Value count = idx(b, l, 1);
          for (int64_t s = 0; s < S; ++s) {
            Value o = linalg::IndexOp::create(b, l, 2 + s);
            Value start = arith::SubIOp::create(
                b, l, arith::MulIOp::create(b, l, o, idx(b, l, strides[s])),
                idx(b, l, pads[s]));
            Value lower = includePad ? idx(b, l, -pads[s]) : idx(b, l, 0);
            Value upper = includePad
                              ? arith::AddIOp::create(b, l, inSizes[s], idx(b, l, pads[S + s]))
                              : inSizes[s];
            // kmin = max(0, ceil((lower - start) / d)),
            // kmax = min(K - 1, floor((upper - 1 - start) / d)).
            Value d = idx(b, l, dil[s]);
            Value kmin = arith::CeilDivSIOp::create(
                b, l, arith::SubIOp::create(b, l, lower, start), d);
            kmin = arith::MaxSIOp::create(b, l, kmin, idx(b, l, 0));
            Value kmax = arith::FloorDivSIOp::create(
                b, l,
                arith::SubIOp::create(b, l, arith::SubIOp::create(b, l, upper, idx(b, l, 1)),
                                      start),
                d);
            kmax = arith::MinSIOp::create(b, l, kmax, idx(b, l, kernel[s] - 1));
            Value n = arith::AddIOp::create(b, l, arith::SubIOp::create(b, l, kmax, kmin),
                                            idx(b, l, 1));
            n = arith::MaxSIOp::create(b, l, n, idx(b, l, 1));
            count = arith::MulIOp::create(b, l, count, n);
          }
          Value ci = arith::IndexCastOp::create(b, l, b.getI64Type(), count);
          Value cf = arith::SIToFPOp::create(b, l, elt, ci);
          return arith::DivFOp::create(b, l, a[0], cf);
        });
    rewriter.replaceOp(op, avg);
    return success();
  }
};

} // namespace

void qcc::lowering::populatePoolPatterns(RewritePatternSet &patterns) {
  patterns.add<PoolLowering<MaxPoolOp, true>, PoolLowering<AvgPoolOp, false>>(
      patterns.getContext());
}
