//===- ReadOnlyInputs.cpp - public function inputs are never written ------===//
#include "ReadOnlyInputs.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

using namespace mlir;

namespace {

struct ReadOnlyInputsPass
    : public PassWrapper<ReadOnlyInputsPass, OperationPass<ModuleOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(ReadOnlyInputsPass)

  StringRef getArgument() const override { return "qcc-read-only-inputs"; }
  StringRef getDescription() const override {
    return "Mark tensor arguments of public functions non-writable for "
           "bufferization";
  }

  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    for (auto fn : getOperation().getOps<func::FuncOp>()) {
      if (fn.isExternal() || !fn.isPublic())
        continue;
      for (unsigned i = 0; i < fn.getNumArguments(); ++i)
        if (isa<TensorType>(fn.getArgument(i).getType()) &&
            !fn.getArgAttr(i, "bufferization.writable"))
          fn.setArgAttr(i, "bufferization.writable", BoolAttr::get(ctx, false));
    }
  }
};

} // namespace

std::unique_ptr<Pass> qcc::createReadOnlyInputsPass() {
  return std::make_unique<ReadOnlyInputsPass>();
}

void qcc::registerReadOnlyInputsPass() {
  PassRegistration<ReadOnlyInputsPass>();
}
