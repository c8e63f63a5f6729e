//===- Resize.cpp - qcc.resize (nearest, linear) to linalg ----------------===//
//
//   resize(x) ⇒ linalg.generic over the result; for every resized dim the
//               output index o maps to x_in = coord_mode(o, scale, in, out);
//   nearest   ⇒ x[clamp(round_mode(x_in))]                (tensor.extract)
//   linear    ⇒ sum over the 2^k corners of
//               prod_d (d ? w_d : 1 - w_d) * x[clamp(floor(x_in) + d)]
//
// Dims with scale 1 and equal sizes are copied index for index.
//
//===----------------------------------------------------------------------===//
#include "Utils.h"

#include "mlir/IR/TypeUtilities.h"

using namespace mlir;
using namespace qcc;
using namespace qcc::lowering;

namespace {

struct ResizeLowering : public OpRewritePattern<ResizeOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(ResizeOp op, PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = op.getInput();
    auto inType = cast<RankedTensorType>(x.getType());
    auto outType = cast<RankedTensorType>(op.getType());
    Type elt = inType.getElementType();
    StringRef mode = op.getMode(), coordMode = op.getCoordinateTransformationMode(),
              nearestMode = op.getNearestMode();
    ArrayRef<double> scales = op.getScales();
    int64_t rank = inType.getRank();
    if (mode != "nearest" && mode != "linear")
      return rewriter.notifyMatchFailure(op, "mode \"" + mode.str() +
                                                 "\" is not supported (nearest, linear)");
    if (mode == "linear" && !isa<FloatType>(elt))
      return rewriter.notifyMatchFailure(op, "linear mode needs a float element type");
    // Which dims are resized (dims with scale 1 and equal sizes are copied).
    SmallVector<bool> resized;
    for (int64_t d = 0; d < rank; ++d)
      resized.push_back(!(scales[d] == 1.0 &&
                          inType.getDimSize(d) == outType.getDimSize(d)));

    // Input and output sizes; a dynamic output size is floor(in * scale).
    SmallVector<Value> dyn, inSizes, outSizes;
    for (int64_t d = 0; d < rank; ++d) {
      inSizes.push_back(getDimSize(rewriter, loc, x, d));
      if (!outType.isDynamicDim(d)) {
        outSizes.push_back(
            arith::ConstantIndexOp::create(rewriter, loc, outType.getDimSize(d)));
        continue;
      }
      Value size = inSizes.back();
      if (resized[d]) {
        Value in = arith::UIToFPOp::create(
            rewriter, loc, rewriter.getF64Type(),
            arith::IndexCastUIOp::create(rewriter, loc, rewriter.getI64Type(), size));
        Value scaled = math::FloorOp::create(
            rewriter, loc,
            arith::MulFOp::create(rewriter, loc, in,
                                  createScalar(rewriter, loc, rewriter.getF64Type(),
                                               scales[d])));
        size = arith::IndexCastUIOp::create(
            rewriter, loc, rewriter.getIndexType(),
            arith::FPToUIOp::create(rewriter, loc, rewriter.getI64Type(), scaled));
      }
      outSizes.push_back(size);
      dyn.push_back(size);
    }
    Value init = createEmpty(rewriter, loc, outType, dyn);
    Type f32 = rewriter.getF32Type();
    auto fc = [&](OpBuilder &b, Location l, double v) { return createScalar(b, l, f32, v); };
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{outType}, ValueRange{}, ValueRange{init},
        SmallVector<AffineMap>{rewriter.getMultiDimIdentityMap(rank)},
        parallelIterators(rank), [&](OpBuilder &b, Location l, ValueRange) {
          SmallVector<Value> plain(rank), lo(rank), hi(rank), w(rank);
          Value zeroIdx = arith::ConstantIndexOp::create(b, l, 0);
          for (int64_t d = 0; d < rank; ++d) {
            Value o = linalg::IndexOp::create(b, l, d);
            plain[d] = o;
            if (!resized[d])
              continue;
            // Input coordinate of output index o.
            Value of = arith::UIToFPOp::create(
                b, l, f32, arith::IndexCastUIOp::create(b, l, b.getI64Type(), o));
            Value inLen = arith::UIToFPOp::create(
                b, l, f32, arith::IndexCastUIOp::create(b, l, b.getI64Type(), inSizes[d]));
            Value outLen = arith::UIToFPOp::create(
                b, l, f32, arith::IndexCastUIOp::create(b, l, b.getI64Type(), outSizes[d]));
            Value outIsOne = arith::CmpFOp::create(b, l, arith::CmpFPredicate::OEQ, outLen,
                                                   fc(b, l, 1.0));
            double s = scales[d];
            Value xi;
            Value half = fc(b, l, 0.5);
            Value centered = arith::SubFOp::create(
                b, l, arith::DivFOp::create(b, l, arith::AddFOp::create(b, l, of, half),
                                            fc(b, l, s)),
                half);
            if (coordMode == "half_pixel") {
              xi = centered;
            } else if (coordMode == "pytorch_half_pixel") {
              xi = arith::SelectOp::create(b, l, outIsOne, fc(b, l, 0.0), centered);
            } else if (coordMode == "align_corners") {
              Value num = arith::MulFOp::create(
                  b, l, of, arith::SubFOp::create(b, l, inLen, fc(b, l, 1.0)));
              Value den = arith::SubFOp::create(b, l, outLen, fc(b, l, 1.0));
              xi = arith::SelectOp::create(b, l, outIsOne, fc(b, l, 0.0),
                                           arith::DivFOp::create(b, l, num, den));
            } else if (coordMode == "asymmetric") {
              xi = arith::DivFOp::create(b, l, of, fc(b, l, s));
            } else if (coordMode == "tf_half_pixel_for_nn") {
              xi = arith::DivFOp::create(b, l, arith::AddFOp::create(b, l, of, half),
                                         fc(b, l, s));
            } else { // half_pixel_symmetric
              // adj = out / (s * in); offset = in / 2 * (1 - adj).
              Value adj = arith::DivFOp::create(
                  b, l, outLen, arith::MulFOp::create(b, l, inLen, fc(b, l, s)));
              Value offset = arith::MulFOp::create(
                  b, l, arith::MulFOp::create(b, l, inLen, half),
                  arith::SubFOp::create(b, l, fc(b, l, 1.0), adj));
              xi = arith::AddFOp::create(b, l, offset, centered);
            }
            Value last = arith::SubIOp::create(b, l, inSizes[d],
                                               arith::ConstantIndexOp::create(b, l, 1));
            auto toIndex = [&](Value f) -> Value {
              Value i = arith::FPToSIOp::create(b, l, b.getI64Type(), f);
              Value ix = arith::IndexCastOp::create(b, l, b.getIndexType(), i);
              ix = arith::MaxSIOp::create(b, l, ix, zeroIdx);
              return arith::MinSIOp::create(b, l, ix, last);
            };
            if (mode == "nearest") {
              Value r;
              if (nearestMode == "round_prefer_floor")
                r = math::CeilOp::create(b, l, arith::SubFOp::create(b, l, xi, half));
              else if (nearestMode == "round_prefer_ceil")
                r = math::FloorOp::create(b, l, arith::AddFOp::create(b, l, xi, half));
              else if (nearestMode == "floor")
                r = math::FloorOp::create(b, l, xi);
              else
                r = math::CeilOp::create(b, l, xi);
              plain[d] = toIndex(r);
              continue;
            }
            Value fl = math::FloorOp::create(b, l, xi);
            w[d] = arith::SubFOp::create(b, l, xi, fl);
            lo[d] = toIndex(fl);
            hi[d] = toIndex(arith::AddFOp::create(b, l, fl, fc(b, l, 1.0)));
          }
          if (mode == "nearest") {
            linalg::YieldOp::create(b, l, tensor::ExtractOp::create(b, l, x, plain).getResult());
            return;
          }
          SmallVector<int64_t> lin;
          for (int64_t d = 0; d < rank; ++d)
            if (resized[d])
              lin.push_back(d);
          Value acc = fc(b, l, 0.0);
          for (int64_t corner = 0; corner < (int64_t(1) << lin.size()); ++corner) {
            SmallVector<Value> ids = plain;
            Value weight = fc(b, l, 1.0);
            for (auto [bit, d] : llvm::enumerate(lin)) {
              bool up = (corner >> bit) & 1;
              ids[d] = up ? hi[d] : lo[d];
              Value wd = up ? w[d] : arith::SubFOp::create(b, l, fc(b, l, 1.0), w[d]);
              weight = arith::MulFOp::create(b, l, weight, wd);
            }
            Value v = tensor::ExtractOp::create(b, l, x, ids);
            v = convertScalar(b, l, v, f32, false, false);
            acc = arith::AddFOp::create(b, l, acc, arith::MulFOp::create(b, l, weight, v));
          }
          linalg::YieldOp::create(b, l, convertScalar(b, l, acc, elt, false, false));
        });
    rewriter.replaceOp(op, generic.getResult(0));
    return success();
  }
};

} // namespace

void qcc::lowering::populateResizePatterns(RewritePatternSet &patterns) {
  patterns.add<ResizeLowering>(patterns.getContext());
}
