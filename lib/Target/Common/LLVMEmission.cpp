//===- LLVMEmission.cpp - LLVM-dialect module -> optimized LLVM IR -> file --===//
#include "qcc/Target/Common/ModelEmitter.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"
#include "mlir/Target/LLVMIR/Export.h"

#include "llvm/IR/Constants.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/IR/Verifier.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/Target/TargetOptions.h"
#include "llvm/TargetParser/Host.h"

using namespace llvm;

namespace {

Error makeError(const Twine &msg) {
  return createStringError(inconvertibleErrorCode(), msg);
}

/// Registers the LLVM back end for `triple`: only the host's when the triple
/// is for the host's architecture (the usual case), which keeps the other
/// back ends' code and tables out of memory; every back end otherwise.
void initializeTargets(const Triple &triple) {
  static const bool native = [] {
    InitializeNativeTarget();
    InitializeNativeTargetAsmPrinter();
    InitializeNativeTargetAsmParser();
    return true;
  }();
  (void)native;
  if (triple.getArch() == Triple(sys::getProcessTriple()).getArch())
    return;
  static const bool all = [] {
    InitializeAllTargetInfos();
    InitializeAllTargets();
    InitializeAllTargetMCs();
    InitializeAllAsmPrinters();
    InitializeAllAsmParsers();
    return true;
  }();
  (void)all;
}

CodeGenOptLevel codeGenLevel(unsigned level) {
  switch (level) {
  case 0:
    return CodeGenOptLevel::None;
  case 1:
    return CodeGenOptLevel::Less;
  case 2:
    return CodeGenOptLevel::Default;
  default:
    return CodeGenOptLevel::Aggressive;
  }
}

/// Adds `void qcc_model_entry(void **args)`, which calls
/// _mlir_ciface_main(args[0], ..., args[n-1]) (Contract 2).
Error addEntryWrapper(Module &m) {
  Function *ciface = m.getFunction(qcc::kCInterfaceSymbol);
  if (!ciface || ciface->isDeclaration())
    return makeError(Twine("the module defines no ") + qcc::kCInterfaceSymbol +
                     " (was @main lowered with llvm.emit_c_interface?)");
  for (Type *t : ciface->getFunctionType()->params())
    if (!t->isPointerTy())
      return makeError(Twine(qcc::kCInterfaceSymbol) +
                       " takes a non-pointer argument; expected memref "
                       "descriptors passed by pointer");
  if (m.getFunction(qcc::kEntrySymbol))
    return makeError(Twine("the module already defines ") + qcc::kEntrySymbol);
  LLVMContext &ctx = m.getContext();
  auto *ptrTy = PointerType::getUnqual(ctx);
  auto *fnTy = FunctionType::get(Type::getVoidTy(ctx), {ptrTy}, false);
  Function *entry =
      Function::Create(fnTy, GlobalValue::ExternalLinkage, qcc::kEntrySymbol, m);
  entry->setVisibility(GlobalValue::HiddenVisibility);
  entry->addFnAttr(Attribute::NoUnwind);
  IRBuilder<> b(BasicBlock::Create(ctx, "entry", entry));
  SmallVector<Value *> args;
  for (unsigned i = 0, e = ciface->arg_size(); i < e; ++i) {
    Value *slot = b.CreateConstInBoundsGEP1_64(ptrTy, entry->getArg(0), i);
    args.push_back(b.CreateLoad(ptrTy, slot));
  }
  b.CreateCall(ciface, args);
  b.CreateRetVoid();
  return Error::success();
}

/// Adds (or checks) the exported metadata global.
Error addMetadataGlobal(Module &m, StringRef metadata) {
  if (GlobalVariable *gv = m.getGlobalVariable(qcc::kMetadataSymbol)) {
    if (!gv->hasInitializer() || !gv->isConstant())
      return makeError(Twine(qcc::kMetadataSymbol) +
                       " must be a constant with an initializer");
    gv->setLinkage(GlobalValue::ExternalLinkage);
    gv->setVisibility(GlobalValue::DefaultVisibility);
    return Error::success();
  }
  if (metadata.empty())
    return makeError(Twine("no model metadata: the module has neither "
                           "func.func @main nor a ") +
                     qcc::kMetadataSymbol + " global");
  Constant *init = ConstantDataArray::getString(m.getContext(), metadata,
                                                /*AddNull=*/true);
  auto *gv = new GlobalVariable(m, init->getType(), /*isConstant=*/true,
                                GlobalValue::ExternalLinkage, init,
                                qcc::kMetadataSymbol);
  gv->setAlignment(Align(1));
  gv->setUnnamedAddr(GlobalValue::UnnamedAddr::None);
  return Error::success();
}

/// Gives every definition but the entry wrapper and the metadata internal
/// linkage, so that the optimizer may inline and drop them and two model.so
/// never interpose each other's symbols.
void internalize(Module &m) {
  auto keep = [](const GlobalValue &gv) {
    return gv.getName() == qcc::kEntrySymbol ||
           gv.getName() == qcc::kMetadataSymbol;
  };
  for (Function &f : m)
    if (!f.isDeclaration() && !keep(f))
      f.setLinkage(GlobalValue::InternalLinkage);
  for (GlobalVariable &gv : m.globals())
    if (!gv.isDeclaration() && !keep(gv) &&
        !gv.getName().starts_with("llvm."))
      gv.setLinkage(GlobalValue::InternalLinkage);
}

void optimize(Module &m, TargetMachine &tm, unsigned optLevel) {
  LoopAnalysisManager lam;
  FunctionAnalysisManager fam;
  CGSCCAnalysisManager cgam;
  ModuleAnalysisManager mam;
  PipelineTuningOptions pto;
  pto.LoopVectorization = optLevel >= 2;
  pto.SLPVectorization = optLevel >= 2;
  PassBuilder pb(&tm, pto);
  pb.registerModuleAnalyses(mam);
  pb.registerCGSCCAnalyses(cgam);
  pb.registerFunctionAnalyses(fam);
  pb.registerLoopAnalyses(lam);
  pb.crossRegisterProxies(lam, fam, cgam, mam);
  OptimizationLevel level = optLevel == 0   ? OptimizationLevel::O0
                            : optLevel == 1 ? OptimizationLevel::O1
                            : optLevel == 2 ? OptimizationLevel::O2
                                            : OptimizationLevel::O3;
  ModulePassManager mpm = level == OptimizationLevel::O0
                              ? pb.buildO0DefaultPipeline(level)
                              : pb.buildPerModuleDefaultPipeline(level);
  mpm.run(m, mam);
}

} // namespace

Expected<std::unique_ptr<TargetMachine>>
qcc::createTargetMachine(const MachineOptions &options) {
  std::string tripleName = options.triple.empty()
                               ? sys::getDefaultTargetTriple()
                               : options.triple;
  Triple triple(tripleName);
  initializeTargets(triple);
  std::string error;
  const Target *target = TargetRegistry::lookupTarget(triple, error);
  if (!target)
    return makeError("unknown target triple '" + tripleName + "': " + error);
  TargetOptions to;
  std::unique_ptr<TargetMachine> tm(target->createTargetMachine(
      triple, options.cpu.empty() ? "generic" : options.cpu, options.features,
      to, Reloc::PIC_, std::nullopt, codeGenLevel(options.optLevel)));
  if (!tm)
    return makeError("cannot create a target machine for '" + tripleName + "'");
  return tm;
}

Expected<std::unique_ptr<Module>>
qcc::translateModel(mlir::ModuleOp module, LLVMContext &llvmContext,
                    TargetMachine &tm, StringRef metadata, unsigned optLevel,
                    bool optimizeNow) {
  mlir::DialectRegistry registry;
  mlir::registerAllToLLVMIRTranslations(registry);
  module->getContext()->appendDialectRegistry(registry);
  std::unique_ptr<Module> m =
      mlir::translateModuleToLLVMIR(module, llvmContext, "model");
  if (!m)
    return makeError("cannot translate the module to LLVM IR (is it fully "
                     "lowered to the LLVM dialect?)");
  m->setTargetTriple(tm.getTargetTriple());
  m->setDataLayout(tm.createDataLayout());
  if (Error e = addMetadataGlobal(*m, metadata))
    return std::move(e);
  if (Error e = addEntryWrapper(*m))
    return std::move(e);
  internalize(*m);
  // Attach the target CPU and features so that the optimizer and the code
  // generator see the same machine as the TargetMachine.
  for (Function &f : *m) {
    if (f.isDeclaration())
      continue;
    if (!tm.getTargetCPU().empty())
      f.addFnAttr("target-cpu", tm.getTargetCPU());
    if (!tm.getTargetFeatureString().empty())
      f.addFnAttr("target-features", tm.getTargetFeatureString());
  }
  std::string verifyErrors;
  raw_string_ostream os(verifyErrors);
  if (verifyModule(*m, &os))
    return makeError("invalid LLVM IR after translation: " + verifyErrors);
  if (optimizeNow)
    optimize(*m, tm, optLevel);
  return m;
}

void qcc::optimizeModel(Module &m, TargetMachine &tm, unsigned optLevel) {
  optimize(m, tm, optLevel);
}

/// Makes the declarations of external weights hidden and DSO-local (the
/// weight object linked into model.so defines them) and keeps only the
/// weights the optimized code still references.
static Expected<std::vector<qcc::ExternalWeight>>
bindExternalWeights(Module &m, const std::vector<qcc::ExternalWeight> &weights) {
  std::vector<qcc::ExternalWeight> used;
  for (const qcc::ExternalWeight &w : weights) {
    GlobalVariable *gv = m.getGlobalVariable(w.symbol, /*AllowInternal=*/true);
    if (!gv)
      continue; // optimized away
    if (!gv->isDeclaration())
      return makeError("external weight @" + w.symbol +
                       " is also defined by the generated code");
    gv->setVisibility(GlobalValue::HiddenVisibility);
    gv->setDSOLocal(true);
    used.push_back(w);
  }
  return used;
}

Error qcc::writeArtifact(Module &m, TargetMachine &tm,
                         const EmitOptions &options, StringRef outputPath) {
  Expected<std::vector<ExternalWeight>> weights =
      bindExternalWeights(m, options.weights);
  if (!weights)
    return weights.takeError();
  // Streams straight into the (temporary) file: the weights, already held
  // once by the LLVM module, are not buffered again in memory.
  auto emit = [&](raw_pwrite_stream &os) -> Error {
    if (options.kind == ArtifactKind::LLVMIR) {
      m.print(os, nullptr);
      return Error::success();
    }
    legacy::PassManager pm;
    CodeGenFileType type = options.kind == ArtifactKind::Assembly
                               ? CodeGenFileType::AssemblyFile
                               : CodeGenFileType::ObjectFile;
    if (tm.addPassesToEmitFile(pm, os, nullptr, type))
      return makeError("the target machine cannot emit this file type");
    pm.run(m);
    return Error::success();
  };

  if (options.kind != ArtifactKind::SharedLibrary) {
    if (outputPath == "-") {
      if (options.kind == ArtifactKind::Object)
        return makeError("cannot write an object file to stdout");
      return emit(outs());
    }
    SmallString<256> model(outputPath);
    model += ".tmp-%%%%%%";
    Expected<sys::fs::TempFile> tmp = sys::fs::TempFile::create(model);
    if (!tmp)
      return makeError("cannot create a temporary file for '" + outputPath +
                       "': " + toString(tmp.takeError()));
    raw_fd_ostream os(tmp->FD, /*shouldClose=*/false);
    Error e = emit(os);
    os.flush();
    if (!e && os.has_error())
      e = makeError("cannot write '" + outputPath +
                    "': " + os.error().message());
    os.clear_error();
    if (e) {
      consumeError(tmp->discard());
      return e;
    }
    if (Error keep = tmp->keep(outputPath))
      return makeError("cannot write '" + outputPath +
                       "': " + toString(std::move(keep)));
    return Error::success();
  }

  // model.so: emit a temporary object, then link it with the runtime.
  SmallString<256> objPath;
  int fd;
  if (std::error_code ec =
          sys::fs::createTemporaryFile("qcc-model", "o", fd, objPath))
    return makeError("cannot create a temporary object file: " + ec.message());
  {
    raw_fd_ostream os(fd, /*shouldClose=*/true);
    Error e = emit(os);
    os.close();
    if (!e && os.has_error())
      e = makeError("cannot write " + objPath + ": " + os.error().message());
    os.clear_error();
    if (e) {
      sys::fs::remove(objPath);
      return e;
    }
  }
  EmitOptions linkOptions = options;
  linkOptions.weights = std::move(*weights);
  Error e = linkModelLibrary(objPath, linkOptions, outputPath);
  sys::fs::remove(objPath);
  return e;
}
