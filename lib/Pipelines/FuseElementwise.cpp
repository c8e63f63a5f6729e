//===- FuseElementwise.cpp - contraction-preserving elementwise fusion ---===//
#include "FuseElementwise.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Tensor/Transforms/Transforms.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

using namespace mlir;

namespace {

/// True when every loop of the linalg op defining or using `op` is parallel.
bool isAllParallel(Operation *op) {
  auto linalgOp = dyn_cast_or_null<linalg::LinalgOp>(op);
  return linalgOp && linalgOp.getNumReductionLoops() == 0;
}

/// True for an all-parallel linalg.generic whose body is at most two
/// additions, subtractions, multiplications, negations, min or max of f32
/// (a scale, a bias, a residual add): recomputing it in each consumer costs
/// less than a pass that writes it and the passes that read it back.
bool isCheapElementwise(Operation *op) {
  auto generic = dyn_cast_or_null<linalg::GenericOp>(op);
  if (!generic || !isAllParallel(op) || generic->getNumResults() != 1)
    return false;
  int64_t count = 0;
  for (Operation &inner : generic.getRegion().front().without_terminator()) {
    if (!isa<arith::AddFOp, arith::SubFOp, arith::MulFOp, arith::NegFOp,
             arith::MaximumFOp, arith::MinimumFOp>(inner))
      return false;
    ++count;
  }
  return count <= 2;
}

/// True for a linalg.generic that is not a contraction or a convolution: an
/// elementwise op or a reduction such as the row max / sum of softmax and
/// the mean / variance of LayerNorm.
bool isPlainGeneric(Operation *op) {
  auto generic = dyn_cast_or_null<linalg::GenericOp>(op);
  return generic &&
         !linalg::isaContractionOpInterface(cast<linalg::LinalgOp>(op)) &&
         !linalg::isaConvolutionOpInterface(cast<linalg::LinalgOp>(op));
}

/// True when a cheap elementwise producer (isCheapElementwise) can be fused
/// into every one of its users, so that it disappears: softmax's scale
///   s = scores * 0.125 ; m = max(s) ; e = exp(s - m) ; p = e / sum(e)
/// or LayerNorm's residual add, read by the row reductions and the
/// normalization, are recomputed there instead of written and read back
/// (one pass over the tensor less, and three reads of it become reads of
/// its inputs).
bool fusesIntoAllUsers(Operation *producer) {
  if (!isCheapElementwise(producer))
    return false;
  for (OpOperand &use : producer->getResult(0).getUses())
    if (!isPlainGeneric(use.getOwner()) ||
        !linalg::areElementwiseOpsFusable(&use))
      return false;
  return true;
}

/// See createFuseParallelElementwisePass.
struct FuseParallelElementwisePass
    : public PassWrapper<FuseParallelElementwisePass, OperationPass<>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(FuseParallelElementwisePass)

  StringRef getArgument() const final { return "qcc-fuse-parallel-elementwise"; }
  StringRef getDescription() const final {
    return "Fuse elementwise linalg chains without touching contractions";
  }
  void getDependentDialects(DialectRegistry &registry) const override {
    registry.insert<affine::AffineDialect, linalg::LinalgDialect,
                    tensor::TensorDialect>();
  }

  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    RewritePatternSet patterns(ctx);
    // Fuse only when producer and consumer are both fully parallel (a
    // contraction keeps its plain operands and stays a matmul), or when a
    // cheap elementwise producer goes into all its users, reductions
    // included (never contractions or convolutions).
    linalg::ControlFusionFn control = [](OpOperand *fused) {
      Operation *producer = fused->get().getDefiningOp();
      Operation *consumer = fused->getOwner();
      if (isAllParallel(producer) && isAllParallel(consumer) &&
          producer->hasOneUse())
        return true;
      return fusesIntoAllUsers(producer);
    };
    linalg::populateElementwiseOpsFusionPatterns(patterns, control);
    // Constant folding keeps the all-parallel single-use rule.
    linalg::ControlFusionFn foldControl = [](OpOperand *fused) {
      Operation *producer = fused->get().getDefiningOp();
      return isAllParallel(producer) && isAllParallel(fused->getOwner()) &&
             producer->hasOneUse();
    };
    // Reshapes move only across fully parallel ops.
    linalg::ControlFusionFn reshapeControl = [](OpOperand *fused) {
      return isAllParallel(fused->get().getDefiningOp()) &&
             isAllParallel(fused->getOwner());
    };
    linalg::populateFoldReshapeOpsByExpansionPatterns(patterns, reshapeControl);
    linalg::populateConstantFoldLinalgOperations(patterns, foldControl);
    linalg::populateEraseUnusedOperandsAndResultsPatterns(patterns);
    tensor::populateFoldTensorEmptyPatterns(patterns);
    affine::AffineApplyOp::getCanonicalizationPatterns(patterns, ctx);
    linalg::GenericOp::getCanonicalizationPatterns(patterns, ctx);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace

std::unique_ptr<Pass> qcc::createFuseParallelElementwisePass() {
  return std::make_unique<FuseParallelElementwisePass>();
}

void qcc::registerFuseParallelElementwisePass() {
  PassRegistration<FuseParallelElementwisePass>();
}
