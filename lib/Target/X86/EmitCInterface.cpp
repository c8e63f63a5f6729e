//===- EmitCInterface.cpp - C wrappers for the model's public functions ---===//

#include "qcc/Target/X86/Passes.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"

namespace qcc::x86 {
#define GEN_PASS_DEF_EMITCINTERFACE
#include "qcc/Target/X86/Passes.h.inc"
} // namespace qcc::x86

using namespace mlir;

namespace {

struct EmitCInterfacePass
    : public qcc::x86::impl::EmitCInterfaceBase<EmitCInterfacePass> {
  void runOnOperation() override {
    UnitAttr unit = UnitAttr::get(&getContext());
    for (auto func : getOperation().getOps<func::FuncOp>())
      if (func.isPublic() && !func.isExternal())
        func->setAttr(LLVM::LLVMDialect::getEmitCWrapperAttrName(), unit);
  }
};

} // namespace
