//===- ApproximateMath.cpp - polynomial approximations of math ops --------===//

#include "qcc/Target/X86/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace qcc::x86 {
#define GEN_PASS_DEF_APPROXIMATEMATH
#include "qcc/Target/X86/Passes.h.inc"
} // namespace qcc::x86

using namespace mlir;

namespace {

struct ApproximateMathPass
    : public qcc::x86::impl::ApproximateMathBase<ApproximateMathPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    // Computes f16/bf16 math in f32 and approximates the f32 forms.
    populateMathPolynomialApproximationPatterns(patterns);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace
