//===- ConvertQccToLinalg.cpp - the --convert-qcc-to-linalg pass ----------===//
//
// Applies the per-family qcc -> linalg patterns and reports every qcc op that
// could not be converted, with the reason the pattern gave.
//
//===----------------------------------------------------------------------===//
#include "qcc/Conversion/Passes.h"

#include "Utils.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "llvm/ADT/DenseMap.h"

namespace qcc {
#define GEN_PASS_DEF_CONVERTQCCTOLINALG
#include "qcc/Conversion/Passes.h.inc"
} // namespace qcc

using namespace mlir;

void qcc::populateQccToLinalgConversionPatterns(RewritePatternSet &patterns) {
  lowering::populateElementwisePatterns(patterns);
  lowering::populateMatMulPatterns(patterns);
  lowering::populateConvPatterns(patterns);
  lowering::populatePoolPatterns(patterns);
  lowering::populateNormalizationPatterns(patterns);
  lowering::populateReductionPatterns(patterns);
  lowering::populateShapePatterns(patterns);
  lowering::populateResizePatterns(patterns);
  lowering::populateQuantizePatterns(patterns);
  lowering::populateHalfPrecisionPatterns(patterns);
  lowering::populateAttentionPatterns(patterns);
}

void qcc::configureQccToLinalgConversionTarget(ConversionTarget &target) {
  target.addIllegalDialect<qcc::QccDialect>();
  target.addLegalDialect<linalg::LinalgDialect, tensor::TensorDialect,
                         arith::ArithDialect, math::MathDialect,
                         affine::AffineDialect, quant::QuantDialect,
                         scf::SCFDialect, func::FuncDialect,
                         LLVM::LLVMDialect>();
}

namespace {
/// Remembers the last match-failure reason reported at each location so the
/// pass can explain why an op was left unconverted.
struct FailureRecorder : public RewriterBase::Listener {
  void notifyMatchFailure(Location loc,
                          function_ref<void(Diagnostic &)> reasonCallback) override {
    Diagnostic diag(loc, DiagnosticSeverity::Remark);
    reasonCallback(diag);
    reasons[loc] = diag.str();
  }
  llvm::DenseMap<Location, std::string> reasons;
};

/// `type` with signed/unsigned integer element types made signless.
Type stripSignedness(Type type) {
  if (auto it = dyn_cast<IntegerType>(type))
    return it.isSignless() ? type : IntegerType::get(it.getContext(), it.getWidth());
  if (auto tt = dyn_cast<RankedTensorType>(type))
    return tt.clone(stripSignedness(tt.getElementType()));
  if (auto ut = dyn_cast<UnrankedTensorType>(type))
    return UnrankedTensorType::get(stripSignedness(ut.getElementType()));
  if (auto ft = dyn_cast<FunctionType>(type)) {
    SmallVector<Type> ins, outs;
    for (Type t : ft.getInputs())
      ins.push_back(stripSignedness(t));
    for (Type t : ft.getResults())
      outs.push_back(stripSignedness(t));
    return FunctionType::get(ft.getContext(), ins, outs);
  }
  return type;
}

/// Rewrites every signed/unsigned integer type in `module` to the signless
/// type of the same width (values, block arguments, function types and
/// constants) and drops the then-trivial tensor.bitcast ops.
void makeSignless(ModuleOp module) {
  module.walk([](Operation *op) {
    for (OpResult r : op->getResults())
      r.setType(stripSignedness(r.getType()));
    for (Region &region : op->getRegions())
      for (Block &block : region)
        for (BlockArgument a : block.getArguments())
          a.setType(stripSignedness(a.getType()));
    if (auto func = dyn_cast<func::FuncOp>(op))
      func.setFunctionType(cast<FunctionType>(stripSignedness(func.getFunctionType())));
    auto cst = dyn_cast<arith::ConstantOp>(op);
    if (auto type = cst ? dyn_cast<ShapedType>(cst.getType()) : ShapedType()) {
      Attribute value = cst.getValue();
      if (auto dense = dyn_cast<DenseElementsAttr>(value)) {
        if (dense.getType() != type)
          cst.setValueAttr(dense.bitcast(type.getElementType()));
      } else if (auto res = dyn_cast<DenseResourceElementsAttr>(value)) {
        if (res.getType() != type)
          cst.setValueAttr(DenseResourceElementsAttr::get(type, res.getRawHandle()));
      }
    }
  });
  module.walk([](tensor::BitcastOp op) {
    if (op.getSource().getType() == op.getType()) {
      op.replaceAllUsesWith(op.getSource());
      op.erase();
    }
  });
}

struct ConvertQccToLinalgPass
    : public qcc::impl::ConvertQccToLinalgBase<ConvertQccToLinalgPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp root = getOperation();
    RewritePatternSet patterns(&getContext());
    qcc::populateQccToLinalgConversionPatterns(patterns);
    FailureRecorder recorder;
    GreedyRewriteConfig config;
    config.setListener(&recorder);
    config.setRegionSimplificationLevel(GreedySimplifyRegionLevel::Disabled);
    // The conversion result does not depend on convergence of the folders:
    // leftovers are reported below.
    (void)applyPatternsGreedily(root, std::move(patterns), config);

    bool failedAny = false;
    root->walk([&](Operation *op) {
      if (!isa<qcc::QccDialect>(op->getDialect()))
        return;
      failedAny = true;
      InFlightDiagnostic diag = op->emitError()
                                << "cannot convert '" << op->getName()
                                << "' to linalg";
      auto it = recorder.reasons.find(op->getLoc());
      if (it != recorder.reasons.end() && !it->second.empty())
        diag << ": " << it->second;
    });
    if (failedAny)
      return signalPassFailure();
    if (signlessIntegers)
      makeSignless(root);
  }
};
} // namespace

std::unique_ptr<Pass> qcc::createConvertQccToLinalgPass() {
  return std::make_unique<ConvertQccToLinalgPass>();
}
