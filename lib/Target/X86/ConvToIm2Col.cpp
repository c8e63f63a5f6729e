//===- ConvToIm2Col.cpp - 2-D convolutions as im2col + matmul -------------===//

#include "qcc/Target/X86/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace qcc::x86 {
#define GEN_PASS_DEF_CONVTOIM2COL
#include "qcc/Target/X86/Passes.h.inc"
} // namespace qcc::x86

using namespace mlir;

namespace {

/// conv(I, F) ⇒ im2col(I) · F: rewrites one named 2-D convolution with the
/// upstream im2col transformation.
template <typename ConvOp>
struct ConvToIm2ColPattern : public OpRewritePattern<ConvOp> {
  using OpRewritePattern<ConvOp>::OpRewritePattern;

  LogicalResult matchAndRewrite(ConvOp op,
                                PatternRewriter &rewriter) const override {
    if (!op.hasPureTensorSemantics())
      return rewriter.notifyMatchFailure(op, "expected tensor semantics");
    FailureOr<std::pair<Operation *, Operation *>> result =
        linalg::rewriteInIm2Col(rewriter, op);
    if (failed(result))
      return rewriter.notifyMatchFailure(
          op, "im2col needs static shapes and unit batch for this layout");
    return success();
  }
};

struct ConvToIm2ColPass
    : public qcc::x86::impl::ConvToIm2ColBase<ConvToIm2ColPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<ConvToIm2ColPattern<linalg::Conv2DNhwcHwcfOp>,
                 ConvToIm2ColPattern<linalg::Conv2DNhwcFhwcOp>,
                 ConvToIm2ColPattern<linalg::Conv2DNchwFchwOp>>(
        &getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace
