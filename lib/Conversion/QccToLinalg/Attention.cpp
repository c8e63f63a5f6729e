//===- Attention.cpp - qcc.rotary_embedding and qcc.cached_attention to linalg ===//
//
//   rotary_embedding  ⇒ one parallel linalg.generic over [B,S,H,D]:
//                       t = pos * theta^(-2i/D) (in f64), y = x cos t ∓ x_partner sin t
//                       (partner read with tensor.extract: d^1 interleaved, d±D/2 halves)
//   cached_attention  ⇒ with G = H/Hkv, BH = B*Hkv, R = G*S (query rows per KV head):
//       Q  [B,S,H,D] → [BH, R, D]        (expand H = Hkv×G, transpose, collapse)
//       Kp [P,B,Hkv,D] → [BH, D, P]      Kn [B,S,Hkv,D] → [BH, D, S]
//       Sp = batch_matmul(Q, Kp), Sn = batch_matmul(Q, Kn)     (plain batch contractions)
//       m  = max over valid (j < pos[b,0] | t <= s) of scale*S    (two reductions)
//       Ep = valid ? e^(scale*Sp - m) : 0, En likewise, l = sum Ep + sum En
//       O  = batch_matmul(En, Vn, batch_matmul(Ep, Vp)) / l → [B,S,H,D]
//
//===----------------------------------------------------------------------===//
#include "Utils.h"

#include "mlir/IR/TypeUtilities.h"

#include <cmath>

using namespace mlir;
using namespace qcc;
using namespace qcc::lowering;

namespace {

Value idxConst(OpBuilder &b, Location loc, int64_t v) {
  return arith::ConstantIndexOp::create(b, loc, v);
}

/// `x` permuted by `perm` (linalg.transpose into a fresh tensor).
Value transposed(OpBuilder &b, Location loc, Value x, ArrayRef<int64_t> perm) {
  auto t = cast<RankedTensorType>(x.getType());
  SmallVector<int64_t> shape;
  SmallVector<Value> dyn;
  for (int64_t p : perm) {
    shape.push_back(t.getDimSize(p));
    if (t.isDynamicDim(p))
      dyn.push_back(tensor::DimOp::create(b, loc, x, p));
  }
  auto outType = RankedTensorType::get(shape, t.getElementType());
  Value init = createEmpty(b, loc, outType, dyn);
  return linalg::TransposeOp::create(b, loc, x, init, perm).getResult()[0];
}

/// Product of two static-or-dynamic sizes (dynamic if either is).
int64_t mulDims(int64_t a, int64_t b) {
  return ShapedType::isDynamic(a) || ShapedType::isDynamic(b) ? ShapedType::kDynamic : a * b;
}

/// tensor.collapse_shape of \p x with reassociation \p groups (the result type
/// is computed: a group is dynamic if any of its dims is).
Value collapse(OpBuilder &b, Location loc, Value x, SmallVector<ReassociationIndices> groups) {
  auto t = cast<RankedTensorType>(x.getType());
  SmallVector<int64_t> shape;
  for (const ReassociationIndices &g : groups) {
    int64_t n = 1;
    for (int64_t d : g)
      n = mulDims(n, t.getDimSize(d));
    shape.push_back(n);
  }
  return tensor::CollapseShapeOp::create(b, loc, RankedTensorType::get(shape, t.getElementType()),
                                         x, groups);
}

/// A zero-filled f32 tensor [d0, d1, d2] (OpFoldResult sizes).
Value zeros3(OpBuilder &b, Location loc, ArrayRef<OpFoldResult> sizes, Type elt) {
  SmallVector<int64_t> shape;
  SmallVector<Value> dyn;
  for (OpFoldResult s : sizes) {
    if (auto a = dyn_cast<Attribute>(s)) {
      shape.push_back(cast<IntegerAttr>(a).getInt());
    } else {
      shape.push_back(ShapedType::kDynamic);
      dyn.push_back(cast<Value>(s));
    }
  }
  auto type = RankedTensorType::get(shape, elt);
  return createFilled(b, loc, type, dyn, createScalar(b, loc, elt, 0.0));
}

/// linalg.batch_matmul lhs [N, M, K] x rhs [N, K, L] accumulated into acc [N, M, L].
Value batchMatmul(OpBuilder &b, Location loc, Value lhs, Value rhs, Value acc) {
  return linalg::BatchMatmulOp::create(b, loc, TypeRange{acc.getType()}, ValueRange{lhs, rhs},
                                       ValueRange{acc})
      .getResult(0);
}

struct RotaryEmbeddingLowering : public OpRewritePattern<RotaryEmbeddingOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(RotaryEmbeddingOp op, PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = op.getInput();
    auto type = cast<RankedTensorType>(op.getType());
    int64_t dim = type.getDimSize(3), half = dim / 2;
    bool interleaved = op.getInterleaved();
    MLIRContext *ctx = rewriter.getContext();
    Type f32 = rewriter.getF32Type(), f64 = rewriter.getF64Type();
    // log(theta) * -2 / D: angle(i) = pos * exp(i * k).
    double k = -2.0 * std::log(double(op.getTheta().convertToFloat())) / double(dim);

    SmallVector<Value> dyn;
    for (int64_t d = 0; d < 4; ++d)
      if (type.isDynamicDim(d))
        dyn.push_back(tensor::DimOp::create(rewriter, loc, x, d));
    Value init = createEmpty(rewriter, loc, type, dyn);
    AffineExpr d0 = getAffineDimExpr(0, ctx), d1 = getAffineDimExpr(1, ctx);
    SmallVector<AffineMap> maps{AffineMap::getMultiDimIdentityMap(4, ctx),
                                AffineMap::get(4, 0, {d0, d1}, ctx),
                                AffineMap::getMultiDimIdentityMap(4, ctx)};
    Value result =
        linalg::GenericOp::create(
            rewriter, loc, TypeRange{type}, ValueRange{x, op.getPositions()}, ValueRange{init},
            maps, parallelIterators(4),
            [&](OpBuilder &b, Location l, ValueRange args) {
              Value ib = linalg::IndexOp::create(b, l, 0), is = linalg::IndexOp::create(b, l, 1);
              Value ih = linalg::IndexOp::create(b, l, 2), id = linalg::IndexOp::create(b, l, 3);
              Value one = idxConst(b, l, 1), halfV = idxConst(b, l, half);
              Value pairIdx, partner, isFirst;
              if (interleaved) {
                pairIdx = arith::DivUIOp::create(b, l, id, idxConst(b, l, 2));
                Value bit = arith::AndIOp::create(b, l, id, one);
                isFirst = arith::CmpIOp::create(b, l, arith::CmpIPredicate::eq, bit,
                                                idxConst(b, l, 0));
                partner = arith::XOrIOp::create(b, l, id, one);
              } else {
                isFirst = arith::CmpIOp::create(b, l, arith::CmpIPredicate::ult, id, halfV);
                pairIdx = arith::SelectOp::create(b, l, isFirst, id,
                                                  arith::SubIOp::create(b, l, id, halfV));
                partner = arith::SelectOp::create(b, l, isFirst,
                                                  arith::AddIOp::create(b, l, id, halfV),
                                                  arith::SubIOp::create(b, l, id, halfV));
              }
              Value other = tensor::ExtractOp::create(b, l, x, ValueRange{ib, is, ih, partner});
              // angle = pos * exp(i * k) in f64 (positions reach thousands of radians).
              Value iF = arith::UIToFPOp::create(
                  b, l, f64, arith::IndexCastUIOp::create(b, l, b.getI64Type(), pairIdx));
              Value freq = math::ExpOp::create(
                  b, l, arith::MulFOp::create(b, l, iF, createScalar(b, l, f64, k)));
              Value posF = arith::SIToFPOp::create(b, l, f64, args[1]);
              Value angle = arith::MulFOp::create(b, l, posF, freq);
              Value c = arith::TruncFOp::create(b, l, f32, math::CosOp::create(b, l, angle));
              Value s = arith::TruncFOp::create(b, l, f32, math::SinOp::create(b, l, angle));
              Value xc = arith::MulFOp::create(b, l, args[0], c);
              Value os = arith::MulFOp::create(b, l, other, s);
              Value y = arith::SelectOp::create(b, l, isFirst, arith::SubFOp::create(b, l, xc, os),
                                                arith::AddFOp::create(b, l, xc, os));
              linalg::YieldOp::create(b, l, y);
            })
            .getResult(0);
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct CachedAttentionLowering : public OpRewritePattern<CachedAttentionOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(CachedAttentionOp op, PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    OpBuilder &b = rewriter;
    MLIRContext *ctx = b.getContext();
    Value q = op.getQuery(), k = op.getKey(), v = op.getValue();
    Value pk = op.getPastKey(), pv = op.getPastValue(), pos = op.getPositions();
    auto qt = cast<RankedTensorType>(q.getType());
    auto kt = cast<RankedTensorType>(k.getType());
    Type f32 = qt.getElementType();
    int64_t heads = qt.getDimSize(2), hd = qt.getDimSize(3), hkv = kt.getDimSize(2);
    int64_t group = heads / hkv;
    float scale = op.getScale() ? op.getScale()->convertToFloat() : 1.0f / std::sqrt(float(hd));

    // Q [B,S,H,D] → [B,S,Hkv,G,D] → [B,Hkv,G,S,D] → [BH, R, D].
    OpFoldResult bSize = getDimFold(b, loc, q, 0), sSize = getDimFold(b, loc, q, 1);
    auto q5Type = RankedTensorType::get(
        {qt.getDimSize(0), qt.getDimSize(1), hkv, group, hd}, f32);
    Value q5 = tensor::ExpandShapeOp::create(
        b, loc, q5Type, q, SmallVector<ReassociationIndices>{{0}, {1}, {2, 3}, {4}},
        SmallVector<OpFoldResult>{bSize, sSize, b.getIndexAttr(hkv), b.getIndexAttr(group),
                                  b.getIndexAttr(hd)});
    Value q3 = collapse(b, loc, transposed(b, loc, q5, {0, 2, 3, 1, 4}), {{0, 1}, {2, 3}, {4}});
    // Keys as [BH, D, P|S], values as [BH, P|S, D].
    Value kp3 = collapse(b, loc, transposed(b, loc, pk, {1, 2, 3, 0}), {{0, 1}, {2}, {3}});
    Value kn3 = collapse(b, loc, transposed(b, loc, k, {0, 2, 3, 1}), {{0, 1}, {2}, {3}});
    Value vp3 = collapse(b, loc, transposed(b, loc, pv, {1, 2, 0, 3}), {{0, 1}, {2}, {3}});
    Value vn3 = collapse(b, loc, transposed(b, loc, v, {0, 2, 1, 3}), {{0, 1}, {2}, {3}});

    OpFoldResult bh = getDimFold(b, loc, q3, 0), rows = getDimFold(b, loc, q3, 1);
    OpFoldResult pSize = getDimFold(b, loc, pk, 0);
    Value sp = batchMatmul(b, loc, q3, kp3, zeros3(b, loc, {bh, rows, pSize}, f32));
    Value sn = batchMatmul(b, loc, q3, kn3, zeros3(b, loc, {bh, rows, sSize}, f32));

    Value sDyn = getDimSize(b, loc, q, 1);
    // valid(bh, r, j): past slots j < positions[bh / Hkv, 0]; new tokens j <= r mod S.
    auto validAt = [&](OpBuilder &nb, Location l, bool past) -> Value {
      Value ibh = linalg::IndexOp::create(nb, l, 0), ir = linalg::IndexOp::create(nb, l, 1);
      Value ij = linalg::IndexOp::create(nb, l, 2);
      if (past) {
        Value ib = arith::DivUIOp::create(nb, l, ibh, idxConst(nb, l, hkv));
        Value p0 = tensor::ExtractOp::create(nb, l, pos, ValueRange{ib, idxConst(nb, l, 0)});
        Value j64 = arith::IndexCastOp::create(nb, l, nb.getI64Type(), ij);
        return arith::CmpIOp::create(nb, l, arith::CmpIPredicate::slt, j64, p0);
      }
      Value is = arith::RemUIOp::create(nb, l, ir, sDyn);
      return arith::CmpIOp::create(nb, l, arith::CmpIPredicate::ule, ij, is);
    };
    AffineMap full = AffineMap::getMultiDimIdentityMap(3, ctx);
    AffineMap rowMap = AffineMap::get(3, 0, {getAffineDimExpr(0, ctx), getAffineDimExpr(1, ctx)},
                                      ctx);
    SmallVector<utils::IteratorType> redIters{utils::IteratorType::parallel,
                                              utils::IteratorType::parallel,
                                              utils::IteratorType::reduction};
    Value scaleV = createScalar(b, loc, f32, scale);
    auto rowType = RankedTensorType::get(
        {cast<RankedTensorType>(q3.getType()).getDimSize(0),
         cast<RankedTensorType>(q3.getType()).getDimSize(1)},
        f32);
    SmallVector<Value> rowDyn;
    if (rowType.isDynamicDim(0))
      rowDyn.push_back(cast<Value>(bh));
    if (rowType.isDynamicDim(1))
      rowDyn.push_back(getDimSize(b, loc, q3, 1));

    // Row maximum over the valid scores of both parts.
    Value negInf = createExtremum(b, loc, f32, /*lowest=*/true, false);
    Value m = createFilled(b, loc, rowType, rowDyn, negInf);
    for (auto [scores, past] : {std::pair{sp, true}, std::pair{sn, false}}) {
      bool isPast = past;
      m = linalg::GenericOp::create(
              b, loc, TypeRange{rowType}, ValueRange{scores}, ValueRange{m},
              SmallVector<AffineMap>{full, rowMap}, redIters,
              [&](OpBuilder &nb, Location l, ValueRange args) {
                Value sc = arith::MulFOp::create(nb, l, args[0], scaleV);
                Value mx = arith::MaximumFOp::create(nb, l, sc, args[1]);
                Value keep = validAt(nb, l, isPast);
                linalg::YieldOp::create(nb, l,
                                        Value(arith::SelectOp::create(nb, l, keep, mx, args[1])));
              })
              .getResult(0);
    }
    // Probabilities (unnormalized) and their row sums.
    Value zero = createScalar(b, loc, f32, 0.0);
    auto probs = [&](Value scores, bool past) -> Value {
      auto st = cast<RankedTensorType>(scores.getType());
      SmallVector<Value> dyn;
      for (int64_t d = 0; d < 3; ++d)
        if (st.isDynamicDim(d))
          dyn.push_back(tensor::DimOp::create(b, loc, scores, d));
      Value init = createEmpty(b, loc, st, dyn);
      return linalg::GenericOp::create(
                 b, loc, TypeRange{st}, ValueRange{scores, m}, ValueRange{init},
                 SmallVector<AffineMap>{full, rowMap, full}, parallelIterators(3),
                 [&](OpBuilder &nb, Location l, ValueRange args) {
                   Value sc = arith::MulFOp::create(nb, l, args[0], scaleV);
                   Value e = math::ExpOp::create(nb, l, arith::SubFOp::create(nb, l, sc, args[1]));
                   Value keep = validAt(nb, l, past);
                   linalg::YieldOp::create(nb, l,
                                           Value(arith::SelectOp::create(nb, l, keep, e, zero)));
                 })
          .getResult(0);
    };
    Value ep = probs(sp, true), en = probs(sn, false);
    Value l = createFilled(b, loc, rowType, rowDyn, zero);
    for (Value e : {ep, en})
      l = linalg::GenericOp::create(
              b, loc, TypeRange{rowType}, ValueRange{e}, ValueRange{l},
              SmallVector<AffineMap>{full, rowMap}, redIters,
              [&](OpBuilder &nb, Location lc, ValueRange args) {
                linalg::YieldOp::create(nb, lc,
                                        Value(arith::AddFOp::create(nb, lc, args[0], args[1])));
              })
              .getResult(0);

    // O = (Ep Vp + En Vn) / l.
    Value o = batchMatmul(b, loc, ep, vp3,
                          zeros3(b, loc, {bh, rows, b.getIndexAttr(hd)}, f32));
    o = batchMatmul(b, loc, en, vn3, o);
    auto o3Type = cast<RankedTensorType>(o.getType());
    SmallVector<Value> oDyn;
    for (int64_t d = 0; d < 2; ++d)
      if (o3Type.isDynamicDim(d))
        oDyn.push_back(tensor::DimOp::create(b, loc, o, d));
    Value oInit = createEmpty(b, loc, o3Type, oDyn);
    o = linalg::GenericOp::create(
            b, loc, TypeRange{o3Type}, ValueRange{o, l}, ValueRange{oInit},
            SmallVector<AffineMap>{full, rowMap, full}, parallelIterators(3),
            [&](OpBuilder &nb, Location lc, ValueRange args) {
              linalg::YieldOp::create(nb, lc,
                                      Value(arith::DivFOp::create(nb, lc, args[0], args[1])));
            })
            .getResult(0);

    // [BH, R, D] → [B, Hkv, G, S, D] → [B, S, Hkv, G, D] → [B, S, H, D].
    auto o5Type = RankedTensorType::get({qt.getDimSize(0), hkv, group, qt.getDimSize(1), hd}, f32);
    Value o5 = tensor::ExpandShapeOp::create(
        b, loc, o5Type, o, SmallVector<ReassociationIndices>{{0, 1}, {2, 3}, {4}},
        SmallVector<OpFoldResult>{bSize, b.getIndexAttr(hkv), b.getIndexAttr(group), sSize,
                                  b.getIndexAttr(hd)});
    Value out = collapse(b, loc, transposed(b, loc, o5, {0, 3, 1, 2, 4}), {{0}, {1}, {2, 3}, {4}});
    if (out.getType() != op.getType())
      out = tensor::CastOp::create(b, loc, op.getType(), out);
    rewriter.replaceOp(op, out);
    return success();
  }
};

} // namespace

void qcc::lowering::populateAttentionPatterns(RewritePatternSet &patterns) {
  patterns.add<RotaryEmbeddingLowering, CachedAttentionLowering>(patterns.getContext());
}
