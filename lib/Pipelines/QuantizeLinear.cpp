//===- QuantizeLinear.cpp - qcc-quantize-linear: uniform RTN quantization --===//
//
// The uniform-plan case of qcc-apply-quant-plan (ApplyQuantPlan.cpp): every
// linear layer (matching `layers`) gets `scheme`, rounded to nearest; the IR
// work (matching, reading constants, packing, qcc.qlinear) is shared.
//
//===----------------------------------------------------------------------===//
#include "qcc/Pipelines/QuantizeLinear.h"

#include "ApplyQuantPlanIR.h"

#include "qcc/Dialect/Qcc/IR/QccDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassRegistry.h"

using namespace mlir;

namespace {

struct QuantizeLinearPass
    : public PassWrapper<QuantizeLinearPass, OperationPass<ModuleOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(QuantizeLinearPass)

  QuantizeLinearPass() = default;
  QuantizeLinearPass(const QuantizeLinearPass &other) : PassWrapper(other) {}
  explicit QuantizeLinearPass(const qcc::QuantizeLinearOptions &o) {
    scheme = o.scheme;
    layers = o.layers;
    sideFile = o.sideFile;
  }

  StringRef getArgument() const final { return "qcc-quantize-linear"; }
  StringRef getDescription() const final {
    return "Quantize linear layers with constant weights (round-to-nearest) "
           "into qcc.qlinear with packed blobs in a side file (the uniform case of "
           "qcc-apply-quant-plan)";
  }
  void getDependentDialects(DialectRegistry &registry) const override {
    registry.insert<qcc::QccDialect, arith::ArithDialect>();
  }

  Option<std::string> scheme{*this, "scheme",
                             llvm::cl::desc("Quantization scheme name"),
                             llvm::cl::init("int4_g128_asym")};
  Option<std::string> layers{*this, "layers",
                             llvm::cl::desc("Regex of the layer names to quantize"),
                             llvm::cl::init("")};
  Option<std::string> sideFile{*this, "side-file",
                               llvm::cl::desc("File the packed blobs are written to"),
                               llvm::cl::init("qcc-packed.bin")};

  void runOnOperation() override {
    qcc::ApplyQuantPlanOptions o;
    o.scheme = scheme;
    o.method = "rtn";
    o.layers = layers;
    o.sideFile = sideFile;
    if (failed(qcc::applyplan::runApplyQuantPlan(getOperation(), o, "qcc-quantize-linear")))
      signalPassFailure();
  }
};

} // namespace

std::unique_ptr<Pass>
qcc::createQuantizeLinearPass(const QuantizeLinearOptions &options) {
  return std::make_unique<QuantizeLinearPass>(options);
}

void qcc::registerQuantizeLinearPass() {
  PassRegistration<QuantizeLinearPass>();
}
