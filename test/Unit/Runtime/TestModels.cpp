//===- TestModels.cpp - builds the model.so fixtures of the runtime tests ---===//
#include "TestModels.h"

#include "qcc/Target/Common/ModelEmitter.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"

#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Target/TargetMachine.h"

bool qcc::test::buildTestModel(const std::string &name, const std::string &dir,
                               std::string &metadata, std::string &error) {
  static const bool registered = [] {
    mlir::registerAllPasses();
    return true;
  }();
  (void)registered;
  mlir::DialectRegistry registry;
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
  mlir::MLIRContext context(registry);
  std::string path = std::string(QCC_TEST_INPUTS_DIR) + "/" + name + ".mlir";
  mlir::OwningOpRef<mlir::ModuleOp> module =
      mlir::parseSourceFile<mlir::ModuleOp>(path, &context);
  if (!module) {
    error = "cannot parse " + path;
    return false;
  }
  std::optional<std::string> text = qcc::buildModelMetadata(*module, error);
  if (!text)
    return false;
  metadata = *text;
  // Upstream lowering of the memref-level test models (the real pipeline is
  // CODEGEN's; these tests exercise the back end and runtime on their own).
  mlir::PassManager pm(&context);
  if (mlir::failed(mlir::parsePassPipeline(
          "convert-scf-to-cf, convert-arith-to-llvm, finalize-memref-to-llvm, "
          "convert-func-to-llvm, convert-cf-to-llvm, reconcile-unrealized-casts",
          pm)) ||
      mlir::failed(pm.run(*module))) {
    error = "cannot lower " + path;
    return false;
  }
  if (mlir::failed(qcc::attachModelMetadata(*module, metadata))) {
    error = "cannot attach metadata";
    return false;
  }
  qcc::MachineOptions machine;
  auto tm = qcc::createTargetMachine(machine);
  if (!tm) {
    error = llvm::toString(tm.takeError());
    return false;
  }
  llvm::LLVMContext llvmContext;
  auto llvmModule =
      qcc::translateModel(*module, llvmContext, **tm, metadata, 2);
  if (!llvmModule) {
    error = llvm::toString(llvmModule.takeError());
    return false;
  }
  qcc::EmitOptions options;
  options.kind = qcc::ArtifactKind::SharedLibrary;
  if (llvm::Error e = qcc::writeArtifact(**llvmModule, **tm, options,
                                         dir + "/" + name + ".so")) {
    error = llvm::toString(std::move(e));
    return false;
  }
  return true;
}
