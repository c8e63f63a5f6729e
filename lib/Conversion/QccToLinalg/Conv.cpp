//===- Conv.cpp - qcc.conv and qcc.conv_transpose to linalg ---------------===//
//
//   conv (2-D, group 1)          ⇒ tensor.pad + linalg.conv_2d_nchw_fchw
//   conv (2-D depthwise)         ⇒ tensor.pad + linalg.depthwise_conv_2d_nchw_chw
//   conv (1-D/3-D, any groups)   ⇒ tensor.pad + grouped contraction generic over
//                                  (n, g, m, o..., c, k...)
//   bias                         ⇒ the accumulator starts as bias[m]
//   conv_transpose               ⇒ dilate x by the stride with zeros, pad by
//                                  d * (k - 1) - p, convolve with the flipped,
//                                  transposed kernel W'[g*Mg+m, c, k] = W[g*Cg+c, m, K-1-k]
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

/// Zero-pads the spatial dims of an NC... tensor by `low`/`high` (>= 0).
Value padSpatial(OpBuilder &b, Location loc, Value input, ArrayRef<int64_t> low,
                 ArrayRef<int64_t> high, Value padValue) {
  if (llvm::all_of(low, [](int64_t p) { return p == 0; }) &&
      llvm::all_of(high, [](int64_t p) { return p == 0; }))
    return input;
  SmallVector<OpFoldResult> lo{b.getIndexAttr(0), b.getIndexAttr(0)};
  SmallVector<OpFoldResult> hi{b.getIndexAttr(0), b.getIndexAttr(0)};
  for (int64_t p : low)
    lo.push_back(b.getIndexAttr(p));
  for (int64_t p : high)
    hi.push_back(b.getIndexAttr(p));
  return tensor::PadOp::create(b, loc, Type(), input, lo, hi, padValue);
}

/// Dynamic sizes of a conv result N x M x O...: N from the input, O from the
/// (already padded) input by (I - d * (K - 1) - 1) / s + 1.
SmallVector<Value> convDynSizes(OpBuilder &b, Location loc, Value padded,
                                RankedTensorType resultType,
                                ArrayRef<int64_t> kernel, ArrayRef<int64_t> strides,
                                ArrayRef<int64_t> dilations) {
  SmallVector<Value> dyn;
  for (int64_t d = 0; d < resultType.getRank(); ++d) {
    if (!resultType.isDynamicDim(d))
      continue;
    if (d == 0) {
      dyn.push_back(tensor::DimOp::create(b, loc, padded, 0));
      continue;
    }
    int64_t s = d - 2;
    Value in = getDimSize(b, loc, padded, d);
    Value span = arith::SubIOp::create(b, loc, in,
                                       idx(b, loc, dilations[s] * (kernel[s] - 1) + 1));
    Value q = arith::DivSIOp::create(b, loc, span, idx(b, loc, strides[s]));
    dyn.push_back(arith::AddIOp::create(b, loc, q, idx(b, loc, 1)));
  }
  return dyn;
}

/// The accumulator: bias[m] broadcast over the result, or zeros.
Value convInit(OpBuilder &b, Location loc, RankedTensorType type, ValueRange dyn,
               Value bias) {
  Type elt = type.getElementType();
  if (!bias)
    return createFilled(b, loc, type, dyn, createScalar(b, loc, elt, 0.0));
  MLIRContext *ctx = b.getContext();
  int64_t rank = type.getRank();
  Value empty = createEmpty(b, loc, type, dyn);
  SmallVector<AffineMap> maps{AffineMap::get(rank, 0, {getAffineDimExpr(1, ctx)}, ctx),
                              b.getMultiDimIdentityMap(rank)};
  return linalg::GenericOp::create(b, loc, TypeRange{type}, ValueRange{bias},
                                   ValueRange{empty}, maps, parallelIterators(rank),
                                   [](OpBuilder &nb, Location l, ValueRange a) {
                                     linalg::YieldOp::create(nb, l, a[0]);
                                   })
      .getResult(0);
}

/// True if buildConv can lower a convolution of these operand types: a static
/// kernel, and static channel counts when grouped.
bool convSupported(RankedTensorType inType, RankedTensorType wType, int64_t group) {
  if (llvm::any_of(wType.getShape().drop_front(2), ShapedType::isDynamic))
    return false;
  return group == 1 ||
         (!inType.isDynamicDim(1) && !wType.isDynamicDim(0));
}

} // namespace

FailureOr<Value> qcc::lowering::buildConv(OpBuilder &b, Location loc, Value input,
                                          Value weight, Value bias,
                                          ArrayRef<int64_t> strides, ArrayRef<int64_t> pads,
                                          ArrayRef<int64_t> dilations, int64_t group,
                                          RankedTensorType resultType) {
  MLIRContext *ctx = b.getContext();
  auto inType = cast<RankedTensorType>(input.getType());
  auto wType = cast<RankedTensorType>(weight.getType());
  Type elt = resultType.getElementType();
  int64_t S = inType.getRank() - 2;
  SmallVector<int64_t> kernel(wType.getShape().drop_front(2));
  // Check everything before creating IR (a failing pattern must not change it).
  if (!convSupported(inType, wType, group))
    return failure();
  Value padded = padSpatial(b, loc, input, pads.take_front(S), pads.drop_front(S),
                            createScalar(b, loc, elt, 0.0));
  SmallVector<Value> dyn =
      convDynSizes(b, loc, padded, resultType, kernel, strides, dilations);
  Value init = convInit(b, loc, resultType, dyn, bias);

  int64_t cin = inType.getDimSize(1), m = wType.getDimSize(0);
  if (S == 2 && group == 1)
    return linalg::Conv2DNchwFchwOp::create(
               b, loc, TypeRange{resultType}, ValueRange{padded, weight},
               ValueRange{init}, b.getI64TensorAttr(strides),
               b.getI64TensorAttr(dilations))
        .getResult(0);
  if (S == 2 && group > 1 && cin == group && m == group && wType.getDimSize(1) == 1) {
    Value w3 = tensor::CollapseShapeOp::create(
        b, loc, weight, SmallVector<ReassociationIndices>{{0, 1}, {2}, {3}});
    return linalg::DepthwiseConv2DNchwChwOp::create(
               b, loc, TypeRange{resultType}, ValueRange{padded, w3}, ValueRange{init},
               b.getI64TensorAttr(strides), b.getI64TensorAttr(dilations))
        .getResult(0);
  }

  // Grouped N-D contraction generic.
  int64_t g = group;
  auto splitChannel = [&](Value v, int64_t dim, int64_t total, int64_t groups) {
    auto t = cast<RankedTensorType>(v.getType());
    SmallVector<int64_t> shape;
    SmallVector<OpFoldResult> sizes;
    SmallVector<ReassociationIndices> groupsIdx;
    int64_t out = 0;
    for (int64_t d = 0; d < t.getRank(); ++d) {
      if (d == dim) {
        int64_t per = ShapedType::isDynamic(total) ? total : total / groups;
        shape.append({groups, per});
        sizes.push_back(b.getIndexAttr(groups));
        sizes.push_back(ShapedType::isDynamic(per) ? getDimFold(b, loc, v, d)
                                                   : OpFoldResult(b.getIndexAttr(per)));
        groupsIdx.push_back({out, out + 1});
        out += 2;
      } else {
        shape.push_back(t.getDimSize(d));
        sizes.push_back(getDimFold(b, loc, v, d));
        groupsIdx.push_back({out++});
      }
    }
    auto nt = RankedTensorType::get(shape, t.getElementType());
    return std::make_pair(
        Value(tensor::ExpandShapeOp::create(b, loc, nt, v, groupsIdx, sizes)), groupsIdx);
  };
  Value x5 = splitChannel(padded, 1, cin, g).first;
  Value w5 = splitChannel(weight, 0, m, g).first;
  auto [acc5, outGroups] = splitChannel(init, 1, m, g);
  // Dims: n, g, m, o_1..o_S, c, k_1..k_S.
  int64_t nd = 3 + S + 1 + S;
  auto dim = [&](int64_t i) { return getAffineDimExpr(i, ctx); };
  int64_t cDim = 3 + S;
  SmallVector<AffineExpr> xe{dim(0), dim(1), dim(cDim)}, we{dim(1), dim(2), dim(cDim)},
      oe{dim(0), dim(1), dim(2)};
  for (int64_t s = 0; s < S; ++s) {
    AffineExpr o = dim(3 + s), k = dim(cDim + 1 + s);
    xe.push_back(o * strides[s] + k * dilations[s]);
    we.push_back(k);
    oe.push_back(o);
  }
  SmallVector<AffineMap> maps{AffineMap::get(nd, 0, xe, ctx), AffineMap::get(nd, 0, we, ctx),
                              AffineMap::get(nd, 0, oe, ctx)};
  SmallVector<utils::IteratorType> iters = parallelIterators(3 + S);
  iters.append(1 + S, utils::IteratorType::reduction);
  Value r5 = linalg::GenericOp::create(
                 b, loc, TypeRange{acc5.getType()}, ValueRange{x5, w5}, ValueRange{acc5},
                 maps, iters,
                 [](OpBuilder &nb, Location l, ValueRange a) {
                   Value p = mulScalar(nb, l, a[0], a[1]);
                   linalg::YieldOp::create(nb, l, addScalar(nb, l, a[2], p));
                 })
                 .getResult(0);
  return tensor::CollapseShapeOp::create(b, loc, resultType, r5, outGroups).getResult();
}

namespace {

bool isNumeric(Type t) { return isa<FloatType>(t) || t.isSignlessInteger(); }

struct ConvLowering : public OpRewritePattern<ConvOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ConvOp op, PatternRewriter &rewriter) const override {
    auto resultType = cast<RankedTensorType>(op.getType());
    Type elt = resultType.getElementType();
    if (!isNumeric(elt) || getElementTypeOrSelf(op.getInput().getType()) != elt ||
        getElementTypeOrSelf(op.getWeight().getType()) != elt ||
        (op.getBias() && getElementTypeOrSelf(op.getBias().getType()) != elt))
      return rewriter.notifyMatchFailure(
          op, "input, weight, bias and result must share a float or signless "
              "integer element type");
    if (!convSupported(cast<RankedTensorType>(op.getInput().getType()),
                       cast<RankedTensorType>(op.getWeight().getType()), op.getGroup()))
      return rewriter.notifyMatchFailure(
          op, "needs a static kernel, and static channel counts when grouped");
    FailureOr<Value> r =
        buildConv(rewriter, op.getLoc(), op.getInput(), op.getWeight(), op.getBias(),
                  op.getStrides(), op.getPads(), op.getDilations(), op.getGroup(),
                  resultType);
    assert(succeeded(r) && "checked above");
    rewriter.replaceOp(op, *r);
    return success();
  }
};

struct ConvTransposeLowering : public OpRewritePattern<ConvTransposeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ConvTransposeOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto resultType = cast<RankedTensorType>(op.getType());
    Type elt = resultType.getElementType();
    Value x = op.getInput(), w = op.getWeight();
    auto xt = cast<RankedTensorType>(x.getType());
    auto wt = cast<RankedTensorType>(w.getType());
    if (!isNumeric(elt) || xt.getElementType() != elt || wt.getElementType() != elt)
      return rewriter.notifyMatchFailure(
          op, "input, weight and result must share a float or integer element type");
    if (!wt.hasStaticShape())
      return rewriter.notifyMatchFailure(op, "needs a static weight shape");
    if (op.getGroup() > 1 && xt.isDynamicDim(1))
      return rewriter.notifyMatchFailure(op, "grouped needs a static channel count");
    int64_t S = xt.getRank() - 2;
    int64_t g = op.getGroup();
    ArrayRef<int64_t> strides = op.getStrides(), pads = op.getPads(),
                      dil = op.getDilations(), outPad = op.getOutputPadding();
    SmallVector<int64_t> kernel(wt.getShape().drop_front(2));
    int64_t c = wt.getDimSize(0), mg = wt.getDimSize(1), cg = c / g, m = mg * g;
    Value zero = createScalar(rewriter, loc, elt, 0.0);

    // 1. Dilate the input by the strides: z[.., i*s] = x[.., i].
    Value dilated = x;
    if (llvm::any_of(strides, [](int64_t s) { return s > 1; })) {
      SmallVector<int64_t> shape{xt.getDimSize(0), xt.getDimSize(1)};
      SmallVector<Value> dyn;
      SmallVector<OpFoldResult> offsets(xt.getRank(), rewriter.getIndexAttr(0));
      SmallVector<OpFoldResult> sizes = getDimFolds(rewriter, loc, x);
      SmallVector<OpFoldResult> steps(2, rewriter.getIndexAttr(1));
      for (int64_t d = 0; d < 2; ++d)
        if (xt.isDynamicDim(d))
          dyn.push_back(tensor::DimOp::create(rewriter, loc, x, d));
      for (int64_t s = 0; s < S; ++s) {
        int64_t i = xt.getDimSize(2 + s);
        shape.push_back(ShapedType::isDynamic(i) ? i : (i - 1) * strides[s] + 1);
        if (ShapedType::isDynamic(i)) {
          Value in = tensor::DimOp::create(rewriter, loc, x, 2 + s);
          Value v = arith::MulIOp::create(
              rewriter, loc, arith::SubIOp::create(rewriter, loc, in, idx(rewriter, loc, 1)),
              idx(rewriter, loc, strides[s]));
          dyn.push_back(arith::AddIOp::create(rewriter, loc, v, idx(rewriter, loc, 1)));
        }
        steps.push_back(rewriter.getIndexAttr(strides[s]));
      }
      auto zt = RankedTensorType::get(shape, elt);
      Value zeros = createFilled(rewriter, loc, zt, dyn, zero);
      dilated = tensor::InsertSliceOp::create(rewriter, loc, x, zeros, offsets, sizes,
                                              steps);
    }
    // 2. Pad by d * (k - 1) - p (end: + output_padding); negative amounts crop.
    SmallVector<int64_t> lo, hi, cropLo, cropHi;
    for (int64_t s = 0; s < S; ++s) {
      int64_t full = dil[s] * (kernel[s] - 1);
      int64_t l = full - pads[s], h = full - pads[S + s] + outPad[s];
      lo.push_back(std::max<int64_t>(l, 0));
      hi.push_back(std::max<int64_t>(h, 0));
      cropLo.push_back(std::max<int64_t>(-l, 0));
      cropHi.push_back(std::max<int64_t>(-h, 0));
    }
    Value padded = padSpatial(rewriter, loc, dilated, lo, hi, zero);
    if (llvm::any_of(cropLo, [](int64_t v) { return v > 0; }) ||
        llvm::any_of(cropHi, [](int64_t v) { return v > 0; })) {
      SmallVector<OpFoldResult> offsets{rewriter.getIndexAttr(0), rewriter.getIndexAttr(0)};
      SmallVector<OpFoldResult> sizes = getDimFolds(rewriter, loc, padded);
      for (int64_t s = 0; s < S; ++s) {
        offsets.push_back(rewriter.getIndexAttr(cropLo[s]));
        Value sz = arith::SubIOp::create(
            rewriter, loc, getDimSize(rewriter, loc, padded, 2 + s),
            idx(rewriter, loc, cropLo[s] + cropHi[s]));
        sizes[2 + s] = sz;
      }
      SmallVector<OpFoldResult> ones(xt.getRank(), rewriter.getIndexAttr(1));
      padded = tensor::ExtractSliceOp::create(rewriter, loc, padded, offsets, sizes, ones);
    }
    // 3. Flipped, transposed kernel: W'[mm, cc, k] = W[(mm / Mg) * Cg + cc, mm % Mg, K-1-k].
    SmallVector<int64_t> wShape{m, cg};
    wShape.append(kernel.begin(), kernel.end());
    auto w2Type = RankedTensorType::get(wShape, elt);
    Value w2Init = createEmpty(rewriter, loc, w2Type, {});
    int64_t wRank = wt.getRank();
    Value w2 = linalg::GenericOp::create(
                   rewriter, loc, TypeRange{w2Type}, ValueRange{}, ValueRange{w2Init},
                   SmallVector<AffineMap>{rewriter.getMultiDimIdentityMap(wRank)},
                   parallelIterators(wRank),
                   [&](OpBuilder &b, Location l, ValueRange) {
                     Value mm = linalg::IndexOp::create(b, l, 0);
                     Value cc = linalg::IndexOp::create(b, l, 1);
                     Value grp = arith::DivUIOp::create(b, l, mm, idx(b, l, mg));
                     Value ci = arith::AddIOp::create(
                         b, l, arith::MulIOp::create(b, l, grp, idx(b, l, cg)), cc);
                     Value mi = arith::RemUIOp::create(b, l, mm, idx(b, l, mg));
                     SmallVector<Value> ids{ci, mi};
                     for (int64_t s = 0; s < S; ++s)
                       ids.push_back(arith::SubIOp::create(
                           b, l, idx(b, l, kernel[s] - 1),
                           linalg::IndexOp::create(b, l, 2 + s)));
                     linalg::YieldOp::create(
                         b, l, tensor::ExtractOp::create(b, l, w, ids).getResult());
                   })
                   .getResult(0);
    SmallVector<int64_t> ones(S, 1), noPads(2 * S, 0);
    FailureOr<Value> r = buildConv(rewriter, loc, padded, w2, op.getBias(), ones, noPads,
                                   dil, g, resultType);
    assert(succeeded(r) && "checked above");
    rewriter.replaceOp(op, *r);
    return success();
  }
};

} // namespace

void qcc::lowering::populateConvPatterns(RewritePatternSet &patterns) {
  patterns.add<ConvLowering, ConvTransposeLowering>(patterns.getContext());
}
