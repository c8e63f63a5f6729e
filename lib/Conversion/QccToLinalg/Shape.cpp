//===- Shape.cpp - qcc shape and data-movement ops to tensor/linalg -------===//
//
//   reshape   ⇒ tensor.collapse_shape / expand_shape (static), else tensor.reshape
//   transpose ⇒ linalg.transpose
//   concat    ⇒ tensor.empty + tensor.insert_slice chain
//   slice     ⇒ tensor.extract_slice (positive steps), gather generic otherwise
//   gather    ⇒ linalg.generic over the result with tensor.extract
//   expand    ⇒ broadcasting linalg.generic
//   tile      ⇒ broadcast to [r0, d0, r1, d1, ...] + tensor.collapse_shape
//   pad       ⇒ tensor.pad (constant), index-mapping generic (reflect/edge/wrap)
//
//===----------------------------------------------------------------------===//
#include "Utils.h"

#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Utils/ReshapeOpsUtils.h"
#include "mlir/IR/TypeUtilities.h"

using namespace mlir;
using namespace qcc;
using namespace qcc::lowering;

namespace {

/// Reassociation collapsing all `rank` dims into one.
SmallVector<ReassociationIndices> allInOne(int64_t rank) {
  ReassociationIndices g;
  for (int64_t d = 0; d < rank; ++d)
    g.push_back(d);
  return {g};
}

/// Index-typed constant.
Value idx(OpBuilder &b, Location loc, int64_t v) {
  return arith::ConstantIndexOp::create(b, loc, v);
}

struct ReshapeLowering : public OpRewritePattern<ReshapeOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(ReshapeOp op, PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value input = op.getInput();
    auto inType = op.getInput().getType();
    auto outType = op.getType();
    // Same type: a no-op, unless a run-time shape operand must be checked
    // against the dynamic dims.
    if (inType == outType && (!op.getShape() || inType.hasStaticShape())) {
      rewriter.replaceOp(op, input);
      return success();
    }
    ArrayRef<int64_t> inShape = inType.getShape(), outShape = outType.getShape();
    // Pure collapse or expand (dynamic dims allowed where the grouping is
    // unambiguous).
    if (outType.getRank() < inType.getRank()) {
      if (auto groups = getReassociationIndicesForCollapse(inShape, outShape)) {
        rewriter.replaceOpWithNewOp<tensor::CollapseShapeOp>(op, outType, input,
                                                             *groups);
        return success();
      }
    }
    if (outType.getRank() > inType.getRank() && outType.hasStaticShape()) {
      if (auto groups = getReassociationIndicesForCollapse(outShape, inShape)) {
        rewriter.replaceOpWithNewOp<tensor::ExpandShapeOp>(op, outType, input,
                                                           *groups);
        return success();
      }
    }
    if (inType.hasStaticShape() && outType.hasStaticShape()) {
      // Through a 1-D tensor.
      int64_t n = inType.getNumElements();
      auto flatType = RankedTensorType::get({n}, inType.getElementType());
      Value flat;
      if (inType.getRank() == 0)
        flat = tensor::ExpandShapeOp::create(rewriter, loc, flatType, input,
                                             SmallVector<ReassociationIndices>{});
      else if (inType.getRank() == 1)
        flat = input;
      else
        flat = tensor::CollapseShapeOp::create(rewriter, loc, flatType, input,
                                               allInOne(inType.getRank()));
      if (outType.getRank() == 0)
        rewriter.replaceOpWithNewOp<tensor::CollapseShapeOp>(
            op, outType, flat, SmallVector<ReassociationIndices>{});
      else if (outType.getRank() == 1)
        rewriter.replaceOp(op, flat);
      else
        rewriter.replaceOpWithNewOp<tensor::ExpandShapeOp>(op, outType, flat,
                                                           allInOne(outType.getRank()));
      return success();
    }

    // Dynamic: tensor.reshape with a computed shape. Shape operand entries
    // follow ONNX: 0 copies the input dim (unless allowzero), -1 is inferred.
    // A shape whose element count differs from the input's fails a run-time
    // check and gets zero elements, so nothing reads past the input.
    auto eq = [&](Value a, Value c) {
      return arith::CmpIOp::create(rewriter, loc, arith::CmpIPredicate::eq, a, c);
    };
    auto mul = [&](Value a, Value c) { return arith::MulIOp::create(rewriter, loc, a, c); };
    Value total = idx(rewriter, loc, 1);
    for (int64_t d = 0; d < inType.getRank(); ++d)
      total = mul(total, getDimSize(rewriter, loc, input, d));
    SmallVector<Value> dims;
    Value zero = idx(rewriter, loc, 0), one = idx(rewriter, loc, 1);
    Value known = one, numInferred = zero;
    Value minusOne = idx(rewriter, loc, -1);
    Value entriesOk = arith::ConstantOp::create(rewriter, loc, rewriter.getBoolAttr(true));
    for (int64_t d = 0; d < outType.getRank(); ++d) {
      Value v;
      if (!outType.isDynamicDim(d)) {
        v = idx(rewriter, loc, outShape[d]);
      } else if (op.getShape()) {
        Value e = tensor::ExtractOp::create(rewriter, loc, op.getShape(),
                                            ValueRange{idx(rewriter, loc, d)});
        v = arith::IndexCastOp::create(rewriter, loc, rewriter.getIndexType(), e);
        if (d < inType.getRank() && !op.getAllowzero())
          v = arith::SelectOp::create(rewriter, loc, eq(v, zero),
                                      getDimSize(rewriter, loc, input, d), v);
      } else {
        v = minusOne;
      }
      Value isInfer = eq(v, minusOne);
      // Entries below -1 are invalid.
      entriesOk = arith::AndIOp::create(
          rewriter, loc, entriesOk,
          arith::CmpIOp::create(rewriter, loc, arith::CmpIPredicate::sge, v, minusOne));
      numInferred = arith::AddIOp::create(
          rewriter, loc, numInferred, arith::SelectOp::create(rewriter, loc, isInfer, one, zero));
      known = mul(known, arith::SelectOp::create(rewriter, loc, isInfer, one, v));
      dims.push_back(v);
    }
    // Never divide by zero: a 0 among the known dims leaves nothing to infer.
    Value divisor = arith::SelectOp::create(rewriter, loc, eq(known, zero), one, known);
    Value inferred = arith::DivUIOp::create(rewriter, loc, total, divisor);
    Value count = one;
    for (Value &v : dims) {
      v = arith::SelectOp::create(rewriter, loc, eq(v, minusOne), inferred, v);
      count = mul(count, v);
    }
    Value ok = arith::AndIOp::create(
        rewriter, loc, entriesOk,
        arith::AndIOp::create(
            rewriter, loc, eq(count, total),
            arith::CmpIOp::create(rewriter, loc, arith::CmpIPredicate::ule, numInferred, one)));
    emitRuntimeCheck(rewriter, loc, ok,
                     describeNode(loc, "Reshape") +
                         ": the element count of the run-time target shape differs "
                         "from the input's",
                     count, total);
    SmallVector<Value> finalDims;
    for (auto [d, v] : llvm::enumerate(dims)) {
      Value r = outType.isDynamicDim(d) ? arith::SelectOp::create(rewriter, loc, ok, v, zero)
                                        : v;
      finalDims.push_back(
          arith::IndexCastOp::create(rewriter, loc, rewriter.getI64Type(), r));
    }
    Value shape = tensor::FromElementsOp::create(
        rewriter, loc,
        RankedTensorType::get({outType.getRank()}, rewriter.getI64Type()), finalDims);
    Value reshaped = tensor::ReshapeOp::create(rewriter, loc, outType, input, shape);
    if (outType.hasStaticShape()) {
      // No dynamic dim to empty: a failed check selects zeros instead.
      Value zeros = arith::ConstantOp::create(
          rewriter, loc, cast<TypedAttr>(rewriter.getZeroAttr(outType)));
      reshaped = arith::SelectOp::create(rewriter, loc, ok, reshaped, zeros);
    }
    rewriter.replaceOp(op, reshaped);
    return success();
  }
};

struct TransposeLowering : public OpRewritePattern<TransposeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(TransposeOp op, PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto outType = op.getType();
    SmallVector<Value> dyn;
    for (auto [d, p] : llvm::enumerate(op.getPerm()))
      if (outType.isDynamicDim(d))
        dyn.push_back(tensor::DimOp::create(rewriter, loc, op.getInput(), p));
    Value init = createEmpty(rewriter, loc, outType, dyn);
    auto t = linalg::TransposeOp::create(rewriter, loc, op.getInput(), init,
                                         op.getPerm());
    rewriter.replaceOp(op, t.getResult());
    return success();
  }
};

struct ConcatLowering : public OpRewritePattern<ConcatOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ConcatOp op, PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto outType = op.getType();
    int64_t axis = op.getAxis(), rank = outType.getRank();
    ValueRange inputs = op.getInputs();
    if (inputs.size() == 1) {
      rewriter.replaceOp(op, inputs[0]);
      return success();
    }
    SmallVector<Value> dyn;
    for (int64_t d = 0; d < rank; ++d) {
      if (!outType.isDynamicDim(d))
        continue;
      if (d != axis) {
        dyn.push_back(tensor::DimOp::create(rewriter, loc, inputs[0], d));
        continue;
      }
      Value sum = idx(rewriter, loc, 0);
      for (Value v : inputs)
        sum = arith::AddIOp::create(rewriter, loc, sum, getDimSize(rewriter, loc, v, d));
      dyn.push_back(sum);
    }
    Value result = createEmpty(rewriter, loc, outType, dyn);
    OpFoldResult offset = rewriter.getIndexAttr(0);
    for (Value v : inputs) {
      SmallVector<OpFoldResult> offsets(rank, rewriter.getIndexAttr(0));
      offsets[axis] = offset;
      SmallVector<OpFoldResult> sizes = getDimFolds(rewriter, loc, v);
      SmallVector<OpFoldResult> strides(rank, rewriter.getIndexAttr(1));
      result = tensor::InsertSliceOp::create(rewriter, loc, v, result, offsets, sizes,
                                             strides);
      // Advance the offset (folded when both are static).
      auto a = getConstantIntValue(offset), s = getConstantIntValue(sizes[axis]);
      if (a && s)
        offset = rewriter.getIndexAttr(*a + *s);
      else
        offset = arith::AddIOp::create(
                     rewriter, loc, getValueOrCreateConstantIndexOp(rewriter, loc, offset),
                     getValueOrCreateConstantIndexOp(rewriter, loc, sizes[axis]))
                     .getResult();
    }
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct SliceLowering : public OpRewritePattern<SliceOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(SliceOp op, PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto inType = op.getInput().getType();
    auto outType = op.getType();
    int64_t rank = outType.getRank();
    ArrayRef<int64_t> starts = op.getStarts(), steps = op.getSteps();
    for (int64_t d = 0; d < rank; ++d)
      if (outType.isDynamicDim(d) &&
          (starts[d] != 0 || steps[d] != 1 || !inType.isDynamicDim(d)))
        return rewriter.notifyMatchFailure(
            op, "a dynamic result dimension needs a full slice (start 0, step 1) "
                "of a dynamic input dimension");
    SmallVector<OpFoldResult> sizes;
    for (int64_t d = 0; d < rank; ++d) {
      if (!outType.isDynamicDim(d)) {
        sizes.push_back(rewriter.getIndexAttr(outType.getDimSize(d)));
        continue;
      }
      sizes.push_back(tensor::DimOp::create(rewriter, loc, op.getInput(), d).getResult());
    }
    if (llvm::all_of(steps, [](int64_t s) { return s > 0; })) {
      SmallVector<OpFoldResult> offsets, strides;
      for (int64_t d = 0; d < rank; ++d) {
        offsets.push_back(rewriter.getIndexAttr(starts[d]));
        strides.push_back(rewriter.getIndexAttr(steps[d]));
      }
      rewriter.replaceOpWithNewOp<tensor::ExtractSliceOp>(op, outType, op.getInput(),
                                                          offsets, sizes, strides);
      return success();
    }
    // Negative steps: read input[start + i * step] in a generic.
    SmallVector<Value> dyn;
    for (int64_t d = 0; d < rank; ++d)
      if (outType.isDynamicDim(d))
        dyn.push_back(cast<Value>(sizes[d]));
    Value init = createEmpty(rewriter, loc, outType, dyn);
    Value input = op.getInput();
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{outType}, ValueRange{}, ValueRange{init},
        SmallVector<AffineMap>{rewriter.getMultiDimIdentityMap(rank)},
        parallelIterators(rank), [&](OpBuilder &b, Location l, ValueRange args) {
          SmallVector<Value> ids;
          for (int64_t d = 0; d < rank; ++d) {
            Value i = linalg::IndexOp::create(b, l, d);
            Value scaled = arith::MulIOp::create(b, l, i, idx(b, l, steps[d]));
            ids.push_back(arith::AddIOp::create(b, l, scaled, idx(b, l, starts[d])));
          }
          linalg::YieldOp::create(b, l,
                                  tensor::ExtractOp::create(b, l, input, ids).getResult());
        });
    rewriter.replaceOp(op, generic.getResult(0));
    return success();
  }
};

struct GatherLowering : public OpRewritePattern<GatherOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(GatherOp op, PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    Value input = op.getInput(), indices = op.getIndices();
    auto inType = op.getInput().getType();
    auto idxType = cast<RankedTensorType>(indices.getType());
    auto outType = op.getType();
    int64_t r = inType.getRank();
    int64_t axis = normalizeAxis(op.getAxis(), r);
    int64_t q = idxType.getRank();
    int64_t outRank = outType.getRank();
    SmallVector<Value> dyn;
    for (int64_t d = 0; d < outRank; ++d) {
      if (!outType.isDynamicDim(d))
        continue;
      if (d < axis)
        dyn.push_back(tensor::DimOp::create(rewriter, loc, input, d));
      else if (d < axis + q)
        dyn.push_back(tensor::DimOp::create(rewriter, loc, indices, d - axis));
      else
        dyn.push_back(tensor::DimOp::create(rewriter, loc, input, d - q + 1));
    }
    Value init = createEmpty(rewriter, loc, outType, dyn);
    SmallVector<AffineExpr> idxExprs;
    for (int64_t j = 0; j < q; ++j)
      idxExprs.push_back(getAffineDimExpr(axis + j, ctx));
    SmallVector<AffineMap> maps{AffineMap::get(outRank, 0, idxExprs, ctx),
                                rewriter.getMultiDimIdentityMap(outRank)};
    Value axisSize = getDimSize(rewriter, loc, input, axis);
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{outType}, ValueRange{indices}, ValueRange{init}, maps,
        parallelIterators(outRank), [&](OpBuilder &b, Location l, ValueRange args) {
          Value i = arith::IndexCastOp::create(b, l, b.getIndexType(), args[0]);
          // Negative indices count from the end; out-of-range ones clamp.
          Value neg = arith::CmpIOp::create(b, l, arith::CmpIPredicate::slt, i,
                                            idx(b, l, 0));
          i = arith::SelectOp::create(b, l, neg, arith::AddIOp::create(b, l, i, axisSize),
                                      i);
          i = arith::MaxSIOp::create(b, l, i, idx(b, l, 0));
          i = arith::MinSIOp::create(b, l, i,
                                     arith::SubIOp::create(b, l, axisSize, idx(b, l, 1)));
          SmallVector<Value> ids;
          for (int64_t d = 0; d < axis; ++d)
            ids.push_back(linalg::IndexOp::create(b, l, d));
          ids.push_back(i);
          for (int64_t d = axis + 1; d < r; ++d)
            ids.push_back(linalg::IndexOp::create(b, l, d - 1 + q));
          linalg::YieldOp::create(b, l,
                                  tensor::ExtractOp::create(b, l, input, ids).getResult());
        });
    rewriter.replaceOp(op, generic.getResult(0));
    return success();
  }
};

struct ExpandLowering : public OpRewritePattern<ExpandOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ExpandOp op, PatternRewriter &rewriter) const override {
    auto inType = op.getInput().getType();
    auto outType = op.getType();
    int64_t off = outType.getRank() - inType.getRank();
    for (int64_t d = 0; d < outType.getRank(); ++d) {
      if (!outType.isDynamicDim(d))
        continue;
      int64_t id = d - off;
      if (id < 0 || !inType.isDynamicDim(id))
        return rewriter.notifyMatchFailure(
            op, "dynamic result dimension " + std::to_string(d) +
                    " is not given by a dynamic input dimension");
    }
    Value r = buildElementwise(rewriter, op.getLoc(), ValueRange{op.getInput()},
                               outType,
                               [](OpBuilder &, Location, ValueRange args) {
                                 return args[0];
                               });
    rewriter.replaceOp(op, r);
    return success();
  }
};

struct TileLowering : public OpRewritePattern<TileOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(TileOp op, PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    Value input = op.getInput();
    auto inType = op.getInput().getType();
    auto outType = op.getType();
    int64_t rank = inType.getRank();
    ArrayRef<int64_t> reps = op.getRepeats();
    // Broadcast to [r0, d0, r1, d1, ...], then merge each pair.
    SmallVector<int64_t> wideShape;
    SmallVector<Value> dyn;
    SmallVector<AffineExpr> inExprs;
    SmallVector<ReassociationIndices> groups;
    for (int64_t d = 0; d < rank; ++d) {
      wideShape.push_back(reps[d]);
      wideShape.push_back(inType.getDimSize(d));
      if (inType.isDynamicDim(d))
        dyn.push_back(tensor::DimOp::create(rewriter, loc, input, d));
      inExprs.push_back(getAffineDimExpr(2 * d + 1, ctx));
      groups.push_back({2 * d, 2 * d + 1});
    }
    auto wideType = RankedTensorType::get(wideShape, inType.getElementType());
    Value init = createEmpty(rewriter, loc, wideType, dyn);
    SmallVector<AffineMap> maps{AffineMap::get(2 * rank, 0, inExprs, ctx),
                                rewriter.getMultiDimIdentityMap(2 * rank)};
    Value wide = linalg::GenericOp::create(
                     rewriter, loc, TypeRange{wideType}, ValueRange{input},
                     ValueRange{init}, maps, parallelIterators(2 * rank),
                     [](OpBuilder &b, Location l, ValueRange args) {
                       linalg::YieldOp::create(b, l, args[0]);
                     })
                     .getResult(0);
    rewriter.replaceOpWithNewOp<tensor::CollapseShapeOp>(op, outType, wide, groups);
    return success();
  }
};

struct PadLowering : public OpRewritePattern<PadOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(PadOp op, PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value input = op.getInput();
    auto inType = op.getInput().getType();
    auto outType = op.getType();
    Type elt = inType.getElementType();
    int64_t rank = inType.getRank();
    ArrayRef<int64_t> pads = op.getPads();
    StringRef mode = op.getMode();
    if (!isa<FloatType, IntegerType>(elt))
      return rewriter.notifyMatchFailure(op, "needs an integer or float element type");
    SmallVector<Value> dyn;
    for (int64_t d = 0; d < rank; ++d)
      if (outType.isDynamicDim(d))
        dyn.push_back(arith::AddIOp::create(rewriter, loc,
                                            getDimSize(rewriter, loc, input, d),
                                            idx(rewriter, loc, pads[d] + pads[rank + d])));
    if (mode == "constant") {
      // Negative pads crop first.
      bool crop = llvm::any_of(pads, [](int64_t p) { return p < 0; });
      if (crop) {
        SmallVector<OpFoldResult> offsets, sizes, strides;
        for (int64_t d = 0; d < rank; ++d) {
          int64_t lo = std::max<int64_t>(0, -pads[d]);
          int64_t hi = std::max<int64_t>(0, -pads[rank + d]);
          offsets.push_back(rewriter.getIndexAttr(lo));
          if (inType.isDynamicDim(d))
            sizes.push_back(arith::SubIOp::create(rewriter, loc,
                                                  getDimSize(rewriter, loc, input, d),
                                                  idx(rewriter, loc, lo + hi))
                                .getResult());
          else
            sizes.push_back(rewriter.getIndexAttr(inType.getDimSize(d) - lo - hi));
          strides.push_back(rewriter.getIndexAttr(1));
        }
        input = tensor::ExtractSliceOp::create(rewriter, loc, input, offsets, sizes,
                                               strides);
      }
      SmallVector<OpFoldResult> low, high;
      for (int64_t d = 0; d < rank; ++d) {
        low.push_back(rewriter.getIndexAttr(std::max<int64_t>(0, pads[d])));
        high.push_back(rewriter.getIndexAttr(std::max<int64_t>(0, pads[rank + d])));
      }
      Value inS = toSignless(rewriter, loc, input);
      Value pv = createScalar(rewriter, loc, signlessElementType(elt),
                              op.getValue().convertToDouble());
      auto padded = tensor::PadOp::create(rewriter, loc, signlessTensorType(outType),
                                          inS, low, high, pv);
      rewriter.replaceOp(op, fromSignless(rewriter, loc, padded, outType));
      return success();
    }
    // reflect / edge / wrap: out[i] = in[map(i - pad_begin)].
    Value init = createEmpty(rewriter, loc, outType, dyn);
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{outType}, ValueRange{}, ValueRange{init},
        SmallVector<AffineMap>{rewriter.getMultiDimIdentityMap(rank)},
        parallelIterators(rank), [&](OpBuilder &b, Location l, ValueRange args) {
          SmallVector<Value> ids;
          for (int64_t d = 0; d < rank; ++d) {
            Value size = getDimSize(b, l, input, d);
            Value last = arith::SubIOp::create(b, l, size, idx(b, l, 1));
            Value i = arith::SubIOp::create(b, l, linalg::IndexOp::create(b, l, d),
                                            idx(b, l, pads[d]));
            Value zero = idx(b, l, 0);
            if (mode == "edge") {
              i = arith::MaxSIOp::create(b, l, i, zero);
              i = arith::MinSIOp::create(b, l, i, last);
            } else if (mode == "wrap") {
              Value m = arith::RemSIOp::create(b, l, i, size);
              Value neg = arith::CmpIOp::create(b, l, arith::CmpIPredicate::slt, m, zero);
              i = arith::SelectOp::create(b, l, neg, arith::AddIOp::create(b, l, m, size),
                                          m);
            } else {
              // reflect (pads < size): -i before the start, 2 * last - i after.
              Value isNeg = arith::CmpIOp::create(b, l, arith::CmpIPredicate::slt, i, zero);
              i = arith::SelectOp::create(b, l, isNeg, arith::SubIOp::create(b, l, zero, i),
                                          i);
              Value over = arith::CmpIOp::create(b, l, arith::CmpIPredicate::sgt, i, last);
              Value mirrored = arith::SubIOp::create(
                  b, l, arith::MulIOp::create(b, l, last, idx(b, l, 2)), i);
              i = arith::SelectOp::create(b, l, over, mirrored, i);
            }
            ids.push_back(i);
          }
          linalg::YieldOp::create(b, l,
                                  tensor::ExtractOp::create(b, l, input, ids).getResult());
        });
    rewriter.replaceOp(op, generic.getResult(0));
    return success();
  }
};

} // namespace

void qcc::lowering::populateShapePatterns(RewritePatternSet &patterns) {
  patterns.add<ReshapeLowering, TransposeLowering, ConcatLowering, SliceLowering,
               GatherLowering, ExpandLowering, TileLowering, PadLowering>(
      patterns.getContext());
}
