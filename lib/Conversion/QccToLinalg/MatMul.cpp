//===- MatMul.cpp - qcc.matmul, qcc.gemm, qcc.matmul_integer to linalg ----===//
//
//   A[..., M, K] x B[K, N]           ⇒ collapse(A) to (..M) x K, linalg.matmul, expand
//   A[b, M, K] x B[b, K, N]          ⇒ linalg.batch_matmul (batch dims collapsed)
//   broadcasting batch dims          ⇒ contraction linalg.generic
//   gemm: alpha * op(A) op(B) + beta * C ⇒ linalg.matmul (transposes in its
//         indexing_maps) accumulating into beta * C when alpha == 1
//   matmul_integer                   ⇒ (ext(A) - za) x (ext(B) - zb) in i32
//
//===----------------------------------------------------------------------===//
#include "Utils.h"

#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/IR/TypeUtilities.h"

using namespace mlir;
using namespace qcc;
using namespace qcc::lowering;

namespace {

/// Reassociation that merges dims [0, n) into one group and keeps the rest.
SmallVector<ReassociationIndices> mergeLeading(int64_t rank, int64_t n) {
  SmallVector<ReassociationIndices> groups;
  ReassociationIndices first;
  for (int64_t d = 0; d < n; ++d)
    first.push_back(d);
  groups.push_back(first);
  for (int64_t d = n; d < rank; ++d)
    groups.push_back({d});
  return groups;
}

/// Zero-filled accumulator of `type` with the given dynamic sizes.
Value zeroAcc(OpBuilder &b, Location loc, RankedTensorType type,
              ArrayRef<OpFoldResult> sizes) {
  SmallVector<Value> dyn;
  for (auto [d, s] : llvm::enumerate(sizes))
    if (type.isDynamicDim(d))
      dyn.push_back(cast<Value>(s));
  Value zero = createScalar(b, loc, type.getElementType(), 0.0);
  return createFilled(b, loc, type, dyn, zero);
}

/// Materializes OpFoldResults as a shape (static entries, kDynamic else).
SmallVector<int64_t> staticShapeOf(ArrayRef<OpFoldResult> sizes) {
  SmallVector<int64_t> shape;
  for (OpFoldResult s : sizes) {
    if (auto attr = dyn_cast<Attribute>(s))
      shape.push_back(cast<IntegerAttr>(attr).getInt());
    else
      shape.push_back(ShapedType::kDynamic);
  }
  return shape;
}

/// tensor.expand_shape of `v` to `outType` by `groups`, except that a group
/// with several dynamic dims (e.g. [B*S, N] back to [B, S, N], both dynamic)
/// becomes a tensor.reshape with a run-time shape: MLIR 22's
/// expand-strided-metadata crashes on the bufferized expand_shape of such a
/// group.
Value expandTo(OpBuilder &b, Location loc, RankedTensorType outType, Value v,
               ArrayRef<ReassociationIndices> groups, ArrayRef<OpFoldResult> sizes) {
  bool severalDynamic = llvm::any_of(groups, [&](const ReassociationIndices &g) {
    return llvm::count_if(g, [&](int64_t d) { return outType.isDynamicDim(d); }) > 1;
  });
  if (!severalDynamic)
    return tensor::ExpandShapeOp::create(b, loc, outType, v, groups, sizes);
  SmallVector<Value> dims;
  for (OpFoldResult s : sizes)
    dims.push_back(arith::IndexCastOp::create(b, loc, b.getI64Type(),
                                              getValueOrCreateConstantIndexOp(b, loc, s)));
  Value shape = tensor::FromElementsOp::create(
      b, loc, RankedTensorType::get({(int64_t)dims.size()}, b.getI64Type()), dims);
  return tensor::ReshapeOp::create(b, loc, outType, v, shape);
}

/// Matrix product of operands of rank >= 2 (batch dims broadcast) into a
/// tensor of shape batch x M x N with element type `elt`.
Value buildBatchedMatMul(OpBuilder &b, Location loc, Value lhs, Value rhs,
                         ArrayRef<int64_t> batchShape, Type elt) {
  MLIRContext *ctx = b.getContext();
  auto lt = cast<RankedTensorType>(lhs.getType());
  auto rt = cast<RankedTensorType>(rhs.getType());
  int64_t lr = lt.getRank(), rr = rt.getRank();
  int64_t nb = batchShape.size();

  // Result sizes: batch dims from whichever operand has them non-1.
  SmallVector<OpFoldResult> sizes;
  for (int64_t d = 0; d < nb; ++d) {
    if (batchShape[d] != ShapedType::kDynamic) {
      sizes.push_back(b.getIndexAttr(batchShape[d]));
      continue;
    }
    int64_t ld = d - (nb - (lr - 2)), rd = d - (nb - (rr - 2));
    if (ld >= 0 && lt.getDimSize(ld) != 1)
      sizes.push_back(getDimFold(b, loc, lhs, ld));
    else
      sizes.push_back(getDimFold(b, loc, rhs, rd));
  }
  sizes.push_back(getDimFold(b, loc, lhs, lr - 2));
  sizes.push_back(getDimFold(b, loc, rhs, rr - 1));
  auto outType = RankedTensorType::get(staticShapeOf(sizes), elt);

  // B[1, ..., 1, K, N] against a lhs with at least as many dims: drop B's
  // unit batch dims so the plain matmul path applies.
  if (rr > 2 && lr >= rr &&
      llvm::all_of(rt.getShape().drop_back(2), [](int64_t d) { return d == 1; })) {
    rhs = tensor::CollapseShapeOp::create(b, loc, rhs, mergeLeading(rr, rr - 1));
    rt = cast<RankedTensorType>(rhs.getType());
    rr = 2;
  }

  // A[..., M, K] x B[K, N]: fold the batch into M and use linalg.matmul.
  if (rr == 2) {
    Value a2 = lr == 2 ? lhs
                       : tensor::CollapseShapeOp::create(b, loc, lhs,
                                                         mergeLeading(lr, lr - 1))
                             .getResult();
    auto a2t = cast<RankedTensorType>(a2.getType());
    SmallVector<OpFoldResult> s2{getDimFold(b, loc, a2, 0),
                                 getDimFold(b, loc, rhs, 1)};
    auto t2 = RankedTensorType::get({a2t.getDimSize(0), rt.getDimSize(1)}, elt);
    Value acc = zeroAcc(b, loc, t2, s2);
    Value mm = linalg::MatmulOp::create(b, loc, TypeRange{t2}, ValueRange{a2, rhs},
                                        ValueRange{acc})
                   .getResult(0);
    if (lr == 2)
      return mm;
    return expandTo(b, loc, outType, mm, mergeLeading(lr, lr - 1), sizes);
  }

  // Same batch dims on both sides (no broadcasting): linalg.batch_matmul.
  bool sameBatch = lr == rr && lr > 2;
  for (int64_t d = 0; sameBatch && d < lr - 2; ++d) {
    int64_t l = lt.getDimSize(d), r = rt.getDimSize(d);
    if ((l == 1) != (r == 1))
      sameBatch = false;
  }
  if (sameBatch) {
    Value a3 = lr == 3 ? lhs
                       : tensor::CollapseShapeOp::create(b, loc, lhs,
                                                         mergeLeading(lr, lr - 2))
                             .getResult();
    Value b3 = rr == 3 ? rhs
                       : tensor::CollapseShapeOp::create(b, loc, rhs,
                                                         mergeLeading(rr, rr - 2))
                             .getResult();
    auto a3t = cast<RankedTensorType>(a3.getType());
    auto b3t = cast<RankedTensorType>(b3.getType());
    SmallVector<OpFoldResult> s3{getDimFold(b, loc, a3, 0), getDimFold(b, loc, a3, 1),
                                 getDimFold(b, loc, b3, 2)};
    auto t3 = RankedTensorType::get(
        {a3t.getDimSize(0), a3t.getDimSize(1), b3t.getDimSize(2)}, elt);
    Value acc = zeroAcc(b, loc, t3, s3);
    Value mm = linalg::BatchMatmulOp::create(b, loc, TypeRange{t3},
                                             ValueRange{a3, b3}, ValueRange{acc})
                   .getResult(0);
    if (lr == 3)
      return mm;
    return expandTo(b, loc, outType, mm, mergeLeading(lr, lr - 2), sizes);
  }

  // Broadcasting batch dims: a contraction generic over (batch..., m, n, k).
  int64_t nd = nb + 3;
  auto operandMap = [&](RankedTensorType t, bool isLhs) {
    int64_t r = t.getRank();
    SmallVector<AffineExpr> exprs;
    for (int64_t d = 0; d < r - 2; ++d) {
      int64_t bd = d + (nb - (r - 2));
      if (t.getDimSize(d) == 1 && batchShape[bd] != 1)
        exprs.push_back(getAffineConstantExpr(0, ctx));
      else
        exprs.push_back(getAffineDimExpr(bd, ctx));
    }
    AffineExpr m = getAffineDimExpr(nb, ctx), n = getAffineDimExpr(nb + 1, ctx),
               k = getAffineDimExpr(nb + 2, ctx);
    if (isLhs) {
      exprs.push_back(m);
      exprs.push_back(k);
    } else {
      exprs.push_back(k);
      exprs.push_back(n);
    }
    return AffineMap::get(nd, 0, exprs, ctx);
  };
  SmallVector<AffineMap> maps{operandMap(lt, true), operandMap(rt, false),
                              AffineMap::getMultiDimIdentityMap(nd, ctx)
                                  .getMajorSubMap(nb + 2)};
  SmallVector<utils::IteratorType> iters = parallelIterators(nb + 2);
  iters.push_back(utils::IteratorType::reduction);
  Value acc = zeroAcc(b, loc, outType, sizes);
  return linalg::GenericOp::create(
             b, loc, TypeRange{outType}, ValueRange{lhs, rhs}, ValueRange{acc}, maps,
             iters,
             [&](OpBuilder &nb2, Location l, ValueRange args) {
               Value p = mulScalar(nb2, l, args[0], args[1]);
               linalg::YieldOp::create(nb2, l, addScalar(nb2, l, args[2], p));
             })
      .getResult(0);
}

} // namespace

FailureOr<Value> qcc::lowering::buildMatMul(OpBuilder &b, Location loc, Value lhs,
                                            Value rhs, RankedTensorType resultType) {
  auto lt = cast<RankedTensorType>(lhs.getType());
  auto rt = cast<RankedTensorType>(rhs.getType());
  Type elt = resultType.getElementType();
  if (lt.getElementType() != elt || rt.getElementType() != elt)
    return failure();
  bool dropM = lt.getRank() == 1, dropN = rt.getRank() == 1;
  // Promote 1-D operands: A to 1 x K, B to K x 1.
  if (dropM) {
    auto t = RankedTensorType::get({1, lt.getDimSize(0)}, elt);
    lhs = tensor::ExpandShapeOp::create(
        b, loc, t, lhs, SmallVector<ReassociationIndices>{{0, 1}},
        SmallVector<OpFoldResult>{b.getIndexAttr(1), getDimFold(b, loc, lhs, 0)});
  }
  if (dropN) {
    auto t = RankedTensorType::get({rt.getDimSize(0), 1}, elt);
    rhs = tensor::ExpandShapeOp::create(
        b, loc, t, rhs, SmallVector<ReassociationIndices>{{0, 1}},
        SmallVector<OpFoldResult>{getDimFold(b, loc, rhs, 0), b.getIndexAttr(1)});
  }
  int64_t keptMN = 2 - dropM - dropN;
  ArrayRef<int64_t> batch =
      resultType.getShape().drop_back(keptMN);
  Value full = buildBatchedMatMul(b, loc, lhs, rhs, batch, elt);
  if (!dropM && !dropN)
    return full;
  // Remove the promoted unit dims again.
  int64_t fr = cast<RankedTensorType>(full.getType()).getRank();
  SmallVector<ReassociationIndices> groups;
  for (int64_t d = 0; d < fr - 2; ++d)
    groups.push_back({d});
  if (dropM && dropN) {
    if (groups.empty())
      groups = {};
    else
      groups.back().append({fr - 2, fr - 1});
  } else {
    groups.push_back({fr - 2, fr - 1});
  }
  return tensor::CollapseShapeOp::create(b, loc, resultType, full, groups)
      .getResult();
}

namespace {

/// qcc.matmul ⇒ linalg.matmul / batch_matmul / contraction generic.
struct MatMulLowering : public OpRewritePattern<MatMulOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(MatMulOp op, PatternRewriter &rewriter) const override {
    Type elt = op.getType().getElementType();
    if (!isa<FloatType, IntegerType>(elt) ||
        getElementTypeOrSelf(op.getLhs().getType()) != elt ||
        getElementTypeOrSelf(op.getRhs().getType()) != elt)
      return rewriter.notifyMatchFailure(
          op, "operands and result must share an integer or float element type");
    Location loc = op.getLoc();
    Value lhs = toSignless(rewriter, loc, op.getLhs());
    Value rhs = toSignless(rewriter, loc, op.getRhs());
    FailureOr<Value> r =
        buildMatMul(rewriter, loc, lhs, rhs, signlessTensorType(op.getType()));
    if (failed(r))
      return rewriter.notifyMatchFailure(op, "unsupported operand types");
    rewriter.replaceOp(op, fromSignless(rewriter, loc, *r, op.getType()));
    return success();
  }
};

/// qcc.gemm ⇒ linalg.matmul with transposing indexing maps, plus the
/// alpha/beta/C epilogue.
struct GemmLowering : public OpRewritePattern<GemmOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(GemmOp op, PatternRewriter &rewriter) const override {
    RankedTensorType outType = op.getType();
    Type elt = outType.getElementType();
    if (!isa<FloatType>(elt) || getElementTypeOrSelf(op.getA().getType()) != elt ||
        getElementTypeOrSelf(op.getB().getType()) != elt)
      return rewriter.notifyMatchFailure(op, "gemm needs float operands of one type");
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    Value a = op.getA(), bm = op.getB(), c = op.getC();
    double alpha = op.getAlpha().convertToDouble();
    double beta = op.getBeta().convertToDouble();
    int64_t mDim = op.getTransA() ? 1 : 0, nDim = op.getTransB() ? 0 : 1;
    SmallVector<Value> dyn;
    if (outType.isDynamicDim(0))
      dyn.push_back(getDimSize(rewriter, loc, a, mDim));
    if (outType.isDynamicDim(1))
      dyn.push_back(getDimSize(rewriter, loc, bm, nDim));

    // Accumulator: beta * C broadcast (when alpha == 1 it absorbs the
    // epilogue), otherwise zeros.
    bool foldC = c && alpha == 1.0;
    Value acc;
    if (foldC) {
      Value init = createEmpty(rewriter, loc, outType, dyn);
      auto ct = cast<RankedTensorType>(c.getType());
      SmallVector<AffineMap> maps{
          getBroadcastMap(ct, outType.getShape(), ctx),
          rewriter.getMultiDimIdentityMap(2)};
      acc = linalg::GenericOp::create(
                rewriter, loc, TypeRange{outType}, ValueRange{c}, ValueRange{init},
                maps, parallelIterators(2),
                [&](OpBuilder &b, Location l, ValueRange args) {
                  Value v = args[0];
                  if (beta != 1.0)
                    v = arith::MulFOp::create(b, l, v, createScalar(b, l, elt, beta));
                  linalg::YieldOp::create(b, l, v);
                })
                .getResult(0);
    } else {
      acc = createFilled(rewriter, loc, outType, dyn,
                         createScalar(rewriter, loc, elt, 0.0));
    }
    AffineExpr m = getAffineDimExpr(0, ctx), n = getAffineDimExpr(1, ctx),
               k = getAffineDimExpr(2, ctx);
    SmallVector<AffineMap> maps{
        AffineMap::get(3, 0, op.getTransA() ? ArrayRef<AffineExpr>{k, m}
                                            : ArrayRef<AffineExpr>{m, k},
                       ctx),
        AffineMap::get(3, 0, op.getTransB() ? ArrayRef<AffineExpr>{n, k}
                                            : ArrayRef<AffineExpr>{k, n},
                       ctx),
        AffineMap::get(3, 0, {m, n}, ctx)};
    auto mm = linalg::MatmulOp::create(rewriter, loc, TypeRange{outType},
                                       ValueRange{a, bm}, ValueRange{acc});
    mm.setIndexingMapsAttr(rewriter.getAffineMapArrayAttr(maps));
    Value result = mm.getResult(0);
    if (!foldC && (alpha != 1.0 || c)) {
      SmallVector<Value> ins{result};
      if (c)
        ins.push_back(c);
      result = buildElementwise(
          rewriter, loc, ins, outType,
          [&](OpBuilder &b, Location l, ValueRange args) {
            Value v = arith::MulFOp::create(b, l, args[0],
                                            createScalar(b, l, elt, alpha));
            if (args.size() > 1) {
              Value cv = arith::MulFOp::create(b, l, args[1],
                                               createScalar(b, l, elt, beta));
              v = arith::AddFOp::create(b, l, v, cv);
            }
            return v;
          });
    }
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// qcc.matmul_integer ⇒ i32 operands with zero points subtracted, then the
/// i32 matmul:  (A - za) x (B - zb).
struct MatMulIntegerLowering : public OpRewritePattern<MatMulIntegerOp> {
  using OpRewritePattern::OpRewritePattern;

  /// ext(x) - ext(zp) as i32, with zp broadcast along `zpDim` of `x` (a
  /// per-row / per-column vector) or as a scalar.
  static Value shifted(OpBuilder &b, Location loc, Value x, Value zp, int64_t zpDim) {
    auto xt = cast<RankedTensorType>(x.getType());
    bool xu = isUnsignedInt(xt), zu = zp && isUnsignedInt(zp.getType());
    Type i32 = b.getI32Type();
    auto outType = RankedTensorType::get(xt.getShape(), i32);
    Value xs = toSignless(b, loc, x);
    SmallVector<Value> ins{xs};
    SmallVector<AffineMap> maps{b.getMultiDimIdentityMap(xt.getRank())};
    if (zp) {
      auto zt = cast<RankedTensorType>(zp.getType());
      ins.push_back(toSignless(b, loc, zp));
      MLIRContext *ctx = b.getContext();
      if (zt.getNumElements() == 1 && zt.hasStaticShape()) {
        SmallVector<AffineExpr> zeros(zt.getRank(), getAffineConstantExpr(0, ctx));
        maps.push_back(AffineMap::get(xt.getRank(), 0, zeros, ctx));
      } else {
        maps.push_back(AffineMap::get(xt.getRank(), 0,
                                      {getAffineDimExpr(zpDim, ctx)}, ctx));
      }
    }
    maps.push_back(b.getMultiDimIdentityMap(xt.getRank()));
    SmallVector<Value> dyn;
    for (int64_t d = 0; d < xt.getRank(); ++d)
      if (xt.isDynamicDim(d))
        dyn.push_back(tensor::DimOp::create(b, loc, xs, d));
    Value init = createEmpty(b, loc, outType, dyn);
    return linalg::GenericOp::create(
               b, loc, TypeRange{outType}, ins, ValueRange{init}, maps,
               parallelIterators(xt.getRank()),
               [&](OpBuilder &nb, Location l, ValueRange args) {
                 Value v = convertScalar(nb, l, args[0], i32, xu, false);
                 if (args.size() > 2)
                   v = arith::SubIOp::create(
                       nb, l, v, convertScalar(nb, l, args[1], i32, zu, false));
                 linalg::YieldOp::create(nb, l, v);
               })
        .getResult(0);
  }

  LogicalResult matchAndRewrite(MatMulIntegerOp op,
                                PatternRewriter &rewriter) const override {
    auto isInt8ish = [](Value v) {
      auto it = dyn_cast<IntegerType>(getElementTypeOrSelf(v.getType()));
      return it && it.getWidth() <= 16;
    };
    if (!isInt8ish(op.getLhs()) || !isInt8ish(op.getRhs()))
      return rewriter.notifyMatchFailure(op, "operands must be integers of <= 16 bits");
    auto checkZp = [](Value zp) {
      if (!zp)
        return true;
      auto t = cast<RankedTensorType>(zp.getType());
      return t.getRank() <= 1;
    };
    if (!checkZp(op.getLhsZeroPoint()) || !checkZp(op.getRhsZeroPoint()))
      return rewriter.notifyMatchFailure(
          op, "zero points must be scalars or 1-D (per-row / per-column)");
    Location loc = op.getLoc();
    int64_t lr = op.getLhs().getType().getRank(), rr = op.getRhs().getType().getRank();
    // Per-row zero point of A indexes M (dim -2), per-column of B indexes N.
    Value a = shifted(rewriter, loc, op.getLhs(), op.getLhsZeroPoint(),
                      std::max<int64_t>(lr - 2, 0));
    Value bb = shifted(rewriter, loc, op.getRhs(), op.getRhsZeroPoint(), rr - 1);
    auto resultType = cast<RankedTensorType>(op.getType());
    FailureOr<Value> r =
        buildMatMul(rewriter, loc, a, bb, signlessTensorType(resultType));
    if (failed(r))
      return rewriter.notifyMatchFailure(op, "unsupported operand types");
    rewriter.replaceOp(op, fromSignless(rewriter, loc, *r, resultType));
    return success();
  }
};

} // namespace

void qcc::lowering::populateMatMulPatterns(RewritePatternSet &patterns) {
  patterns.add<MatMulLowering, GemmLowering, MatMulIntegerLowering>(
      patterns.getContext());
}
