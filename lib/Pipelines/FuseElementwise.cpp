//===- FuseElementwise.cpp - contraction-preserving elementwise fusion ---===//
#include "FuseElementwise.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
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
    // Fuse only when producer and consumer are both fully parallel: a
    // contraction keeps its plain operands and stays a matmul.
    linalg::ControlFusionFn control = [](OpOperand *fused) {
      Operation *producer = fused->get().getDefiningOp();
      Operation *consumer = fused->getOwner();
      return isAllParallel(producer) && isAllParallel(consumer) &&
             producer->hasOneUse();
    };
    linalg::populateElementwiseOpsFusionPatterns(patterns, control);
    // Reshapes move only across fully parallel ops.
    linalg::ControlFusionFn reshapeControl = [](OpOperand *fused) {
      return isAllParallel(fused->get().getDefiningOp()) &&
             isAllParallel(fused->getOwner());
    };
    linalg::populateFoldReshapeOpsByExpansionPatterns(patterns, reshapeControl);
    linalg::populateConstantFoldLinalgOperations(patterns, control);
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
