//===- Reduction.cpp - qcc reductions and argmax/argmin to linalg ---------===//
//
//   reduce_<k>(x, axes)  ⇒ linalg.fill(init_k) + generic with reduction
//                          iterators on `axes` (+ expand_shape for keepdims)
//   reduce_mean          ⇒ reduce_sum / count
//   argmax / argmin      ⇒ generic with two outputs (best value, its index)
//
//===----------------------------------------------------------------------===//
#include "Utils.h"

#include "mlir/IR/TypeUtilities.h"

using namespace mlir;
using namespace qcc;
using namespace qcc::lowering;

namespace {

/// Restores reduced axes as size-1 dims when the op keeps them.
Value keepDims(OpBuilder &b, Location loc, Value reduced, RankedTensorType resultType,
               ArrayRef<int64_t> axes) {
  if (reduced.getType() == resultType)
    return reduced;
  return tensor::ExpandShapeOp::create(
      b, loc, resultType, reduced,
      getUnitDimsReassociation(resultType.getRank(), axes));
}

enum class ReduceKind { Sum, Mean, Max, Min, Prod };

template <typename OpTy, ReduceKind kind>
struct ReduceLowering : public OpRewritePattern<OpTy> {
  using OpRewritePattern<OpTy>::OpRewritePattern;
  LogicalResult matchAndRewrite(OpTy op, PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto resultType = cast<RankedTensorType>(op.getType());
    Type origElt = resultType.getElementType();
    if (!isa<FloatType, IntegerType>(origElt))
      return rewriter.notifyMatchFailure(op, "needs an integer or float element type");
    ArrayRef<int64_t> axes = op.getAxes();
    if (axes.empty()) {
      rewriter.replaceOp(op, op.getInput());
      return success();
    }
    bool u = isUnsignedInt(origElt);
    Value x = toSignless(rewriter, loc, op.getInput());
    Type elt = signlessElementType(origElt);
    bool f = isa<FloatType>(elt);
    Value init;
    switch (kind) {
    case ReduceKind::Sum:
    case ReduceKind::Mean:
      init = createScalar(rewriter, loc, elt, 0.0);
      break;
    case ReduceKind::Prod:
      init = createScalar(rewriter, loc, elt, 1.0);
      break;
    case ReduceKind::Max:
      init = createExtremum(rewriter, loc, elt, /*lowest=*/true, u);
      break;
    case ReduceKind::Min:
      init = createExtremum(rewriter, loc, elt, /*lowest=*/false, u);
      break;
    }
    Value r = buildReduction(
        rewriter, loc, x, axes, init,
        [&](OpBuilder &b, Location l, Value v, Value acc) -> Value {
          switch (kind) {
          case ReduceKind::Sum:
          case ReduceKind::Mean:
            return addScalar(b, l, v, acc);
          case ReduceKind::Prod:
            return mulScalar(b, l, v, acc);
          case ReduceKind::Max:
            return maxScalar(b, l, v, acc, u);
          case ReduceKind::Min:
            return minScalar(b, l, v, acc, u);
          }
          llvm_unreachable("unknown reduction");
        });
    if (kind == ReduceKind::Mean) {
      Type countType = f ? elt : rewriter.getI64Type();
      Value count = getElementCount(rewriter, loc, x, axes,
                                    f ? elt : Type(rewriter.getF64Type()));
      if (!f)
        count = arith::FPToSIOp::create(rewriter, loc, countType, count);
      auto rt = cast<RankedTensorType>(r.getType());
      r = buildElementwise(rewriter, loc, ValueRange{r}, rt,
                           [&](OpBuilder &b, Location l, ValueRange a) -> Value {
                             if (f)
                               return arith::DivFOp::create(b, l, a[0], count);
                             Value c = convertScalar(b, l, count, elt, false, u);
                             if (u)
                               return arith::DivUIOp::create(b, l, a[0], c);
                             return arith::DivSIOp::create(b, l, a[0], c);
                           });
    }
    r = keepDims(rewriter, loc, r, signlessTensorType(resultType), axes);
    rewriter.replaceOp(op, fromSignless(rewriter, loc, r, resultType));
    return success();
  }
};

template <typename OpTy, bool isMax>
struct ArgReduceLowering : public OpRewritePattern<OpTy> {
  using OpRewritePattern<OpTy>::OpRewritePattern;
  LogicalResult matchAndRewrite(OpTy op, PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    auto resultType = cast<RankedTensorType>(op.getType());
    auto inType = cast<RankedTensorType>(op.getInput().getType());
    Type origElt = inType.getElementType();
    if (!isa<FloatType, IntegerType>(origElt))
      return rewriter.notifyMatchFailure(op, "needs an integer or float element type");
    bool u = isUnsignedInt(origElt);
    Value x = toSignless(rewriter, loc, op.getInput());
    Type elt = signlessElementType(origElt);
    bool f = isa<FloatType>(elt);
    int64_t rank = inType.getRank();
    int64_t axis = op.getAxis();
    bool last = op.getSelectLastIndex();

    SmallVector<int64_t> outShape;
    SmallVector<Value> dyn;
    SmallVector<AffineExpr> outExprs;
    SmallVector<utils::IteratorType> iters;
    for (int64_t d = 0; d < rank; ++d) {
      if (d == axis) {
        iters.push_back(utils::IteratorType::reduction);
        continue;
      }
      iters.push_back(utils::IteratorType::parallel);
      outShape.push_back(inType.getDimSize(d));
      outExprs.push_back(getAffineDimExpr(d, ctx));
      if (inType.isDynamicDim(d))
        dyn.push_back(tensor::DimOp::create(rewriter, loc, x, d));
    }
    auto valType = RankedTensorType::get(outShape, elt);
    auto idxType = RankedTensorType::get(outShape, rewriter.getI64Type());
    Value valInit = createFilled(rewriter, loc, valType, dyn,
                                 createExtremum(rewriter, loc, elt, isMax, u));
    Value idxInit = createFilled(rewriter, loc, idxType, dyn,
                                 createScalar(rewriter, loc, rewriter.getI64Type(), 0));
    AffineMap outMap = AffineMap::get(rank, 0, outExprs, ctx);
    SmallVector<AffineMap> maps{rewriter.getMultiDimIdentityMap(rank), outMap, outMap};
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{valType, idxType}, ValueRange{x},
        ValueRange{valInit, idxInit}, maps, iters,
        [&](OpBuilder &b, Location l, ValueRange a) {
          Value v = a[0], best = a[1], bestIdx = a[2];
          Value i = arith::IndexCastOp::create(b, l, b.getI64Type(),
                                               linalg::IndexOp::create(b, l, axis));
          Value better;
          if (f) {
            auto pred = isMax ? (last ? arith::CmpFPredicate::OGE : arith::CmpFPredicate::OGT)
                              : (last ? arith::CmpFPredicate::OLE : arith::CmpFPredicate::OLT);
            better = arith::CmpFOp::create(b, l, pred, v, best);
          } else {
            arith::CmpIPredicate pred;
            if (isMax)
              pred = last ? (u ? arith::CmpIPredicate::uge : arith::CmpIPredicate::sge)
                          : (u ? arith::CmpIPredicate::ugt : arith::CmpIPredicate::sgt);
            else
              pred = last ? (u ? arith::CmpIPredicate::ule : arith::CmpIPredicate::sle)
                          : (u ? arith::CmpIPredicate::ult : arith::CmpIPredicate::slt);
            better = arith::CmpIOp::create(b, l, pred, v, best);
          }
          // The first element always wins (the initial value is a sentinel
          // that an element may equal).
          Value first = arith::CmpIOp::create(b, l, arith::CmpIPredicate::eq, i,
                                              createScalar(b, l, b.getI64Type(), 0));
          better = arith::OrIOp::create(b, l, better, first);
          linalg::YieldOp::create(
              b, l,
              ValueRange{arith::SelectOp::create(b, l, better, v, best),
                         arith::SelectOp::create(b, l, better, i, bestIdx)});
        });
    Value r = keepDims(rewriter, loc, generic.getResult(1), resultType, {axis});
    rewriter.replaceOp(op, r);
    return success();
  }
};

} // namespace

void qcc::lowering::populateReductionPatterns(RewritePatternSet &patterns) {
  patterns.add<ReduceLowering<ReduceSumOp, ReduceKind::Sum>,
               ReduceLowering<ReduceMeanOp, ReduceKind::Mean>,
               ReduceLowering<ReduceMaxOp, ReduceKind::Max>,
               ReduceLowering<ReduceMinOp, ReduceKind::Min>,
               ReduceLowering<ReduceProdOp, ReduceKind::Prod>,
               ArgReduceLowering<ArgMaxOp, true>, ArgReduceLowering<ArgMinOp, false>>(
      patterns.getContext());
}
