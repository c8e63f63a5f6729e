//===- Driver.cpp - the qcc compiler driver: import, lower, emit, link -----===//
#include "qcc/Driver/Driver.h"

#include "Calibrate.h"
#include "QuantPipeline.h" // BUDGET
#include "Sensitivity.h" // SENS
#include "Weights.h"

#include "qcc/Dialect/Qcc/IR/QccDialect.h"
#include "qcc/Target/Common/ModelEmitter.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/AsmState.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Location.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"

#include "llvm/ADT/StringSwitch.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FileUtilities.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/WithColor.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/TargetParser/Host.h"

#if QCC_HAVE_ONNX_IMPORTER
#include "qcc/Import/ONNX.h"
#endif
#if QCC_HAVE_LLM_IMPORTER
#include "qcc/Import/LLM.h"
#endif
#if QCC_HAVE_PIPELINES
#include "qcc/Pipelines/Pipelines.h"
#include "qcc/Pipelines/ApplyQuantPlan.h" // APPLY
#endif
#if QCC_HAVE_X86_TARGET
#include "qcc/Target/X86/TargetInfo.h"
#endif
#if QCC_HAVE_CONVERSION
#include "qcc/Conversion/Passes.h"
#endif

#include "llvm/Config/llvm-config.h"

#include <algorithm>
#include <string>
#if defined(__GLIBC__)
#include <malloc.h>
#endif
#include <vector>

using namespace mlir;
using llvm::StringRef;

namespace {

/// Returns the free pages of the heap to the system (glibc keeps freed
/// memory otherwise; peak RSS is what issue 4 bounds).
void releaseFreeHeap() {
#if defined(__GLIBC__)
  malloc_trim(0);
#endif
}

/// Prints "qcc: error: <msg>" and returns the failing exit code.
int fail(const llvm::Twine &msg) {
  llvm::errs() << "qcc: error: " << msg << "\n";
  return 1;
}

/// The machine a target name resolves to.
struct ResolvedTarget {
  std::string name, triple, cpu, features;
};

llvm::Expected<ResolvedTarget> resolveTarget(StringRef name) {
#if QCC_HAVE_X86_TARGET
  llvm::Expected<qcc::x86::TargetInfo> info = qcc::x86::lookupTarget(name);
  if (!info)
    return info.takeError();
  return ResolvedTarget{info->name, info->triple, info->cpu, info->features};
#else
  if (name != "native")
    return llvm::createStringError(
        llvm::inconvertibleErrorCode(),
        "unknown target '" + name.str() +
            "' (this qcc is built without the x86 target library; valid "
            "targets: native)");
  std::string features;
  for (const auto &f : llvm::sys::getHostCPUFeatures())
    features += (features.empty() ? "" : ",") +
                std::string(f.second ? "+" : "-") + f.first().str();
  return ResolvedTarget{"native", llvm::sys::getDefaultTargetTriple(),
                        llvm::sys::getHostCPUName().str(), features};
#endif
}

/// True when every operation nested in `module` is from the LLVM dialect.
bool isLLVMDialectModule(ModuleOp module) {
  bool onlyLLVM = true;
  module.getBody()->walk([&](Operation *op) {
    if (!isa<LLVM::LLVMDialect>(op->getDialect())) {
      onlyLLVM = false;
      return WalkResult::interrupt();
    }
    return WalkResult::advance();
  });
  return onlyLLVM;
}

/// Default output path: stdout for textual stages, else <stem>.o / <stem>.so.
std::string defaultOutput(const qcc::DriverOptions &o) {
  if (o.emit != qcc::EmitKind::Object && o.emit != qcc::EmitKind::SharedLib)
    return "-";
  StringRef stem = o.inputPath == "-" ? StringRef("model")
                                      : llvm::sys::path::stem(o.inputPath);
  const char *ext = o.emit == qcc::EmitKind::Object ? ".o" : ".so";
  return (stem + ext).str();
}

/// Writes `module` as MLIR text to `path` atomically.
int writeMLIR(ModuleOp module, StringRef path) {
  std::string text;
  llvm::raw_string_ostream os(text);
  module->print(os);
  os << "\n";
  if (llvm::Error e = qcc::writeFileAtomically(path, text))
    return fail(llvm::toString(std::move(e)));
  return 0;
}

/// True if the input is an LLM checkpoint (.gguf, HF directory, config.json).
bool isLLMCheckpoint(const qcc::DriverOptions &o) {
#if QCC_HAVE_LLM_IMPORTER
  return o.inputPath != "-" && qcc::isCheckpointPath(o.inputPath);
#else
  return StringRef(o.inputPath).ends_with(".gguf");
#endif
}

/// Builds the graph of an LLM checkpoint with lib/Import/LLM (Contract 5).
OwningOpRef<ModuleOp> loadLLMCheckpoint(const qcc::DriverOptions &o,
                                        MLIRContext &context) {
#if QCC_HAVE_LLM_IMPORTER
  if (!o.inputShapes.empty()) {
    fail("--input-shape applies to ONNX inputs only, not '" + o.inputPath + "'");
    return nullptr;
  }
  qcc::LLMImportOptions options;
  options.weights = o.weights;
  options.ggufWeights = o.ggufWeights;
  options.contextLength = o.contextLength;
  // Calibration, statistics reuse and --quantize observe / match / rewrite
  // every layer's own linear ops, so the layers are emitted one by one
  // instead of as a shared function.
  options.shareLayers = o.calibPath.empty() && o.statsPath.empty() && o.quantize.empty() &&
                        o.planPath.empty() && // APPLY: --plan
                        o.sensitivity.empty(); // SENS: --sensitivity too
  std::string error;
  OwningOpRef<ModuleOp> module =
      qcc::importCheckpoint(context, o.inputPath, options, error);
  if (!module)
    fail("cannot import '" + o.inputPath + "': " + error);
  return module;
#else
  fail("this qcc is built without the LLM importer; cannot read '" +
       o.inputPath + "'");
  return nullptr;
#endif
}

/// Loads the input: ONNX through the importer, otherwise MLIR text/bytecode.
OwningOpRef<ModuleOp> loadInput(const qcc::DriverOptions &o,
                                MLIRContext &context, llvm::SourceMgr &srcMgr,
                                int &rc) {
  rc = 1;
  StringRef ext = llvm::sys::path::extension(o.inputPath);
  if (o.inputPath != "-" && !llvm::sys::fs::exists(o.inputPath)) {
    fail("no such file: '" + o.inputPath + "'");
    return nullptr;
  }
  if (isLLMCheckpoint(o))
    return loadLLMCheckpoint(o, context);
  if (o.inputPath != "-" && llvm::sys::fs::is_directory(o.inputPath)) {
    fail("'" + o.inputPath + "' is a directory, not a model");
    return nullptr;
  }
  if (ext == ".onnx" || ext == ".onnxtxt") {
#if QCC_HAVE_ONNX_IMPORTER
    qcc::ImportOptions importOptions;
    for (const std::string &spec : o.inputShapes) {
      std::string error;
      if (!qcc::parseInputShapeSpec(spec, importOptions, error)) {
        fail("bad --input-shape '" + spec + "': " + error);
        return nullptr;
      }
    }
    // Collect the importer's errors and report them as one line, so that a
    // bad model gives exactly one error naming the file and every offending
    // node (e.g. all unsupported operators at once), without source snippets.
    std::vector<std::string> errors;
    OwningOpRef<ModuleOp> module;
    {
      ScopedDiagnosticHandler collect(&context, [&](Diagnostic &diag) {
        if (diag.getSeverity() != DiagnosticSeverity::Error)
          return failure();
        std::string text;
        // Node locations wrap the file position (NameLoc, FusedLoc).
        diag.getLocation()->walk([&](Location l) {
          auto loc = dyn_cast<FileLineColLoc>(l);
          if (!loc || loc.getLine() == 0)
            return WalkResult::advance();
          text = "line " + std::to_string(loc.getLine()) + ": ";
          return WalkResult::interrupt();
        });
        text += diag.str();
        errors.push_back(std::move(text));
        return success();
      });
      module = qcc::importONNXFile(o.inputPath, context, importOptions);
    }
    if (!module) {
      std::string joined;
      for (const std::string &e : errors)
        joined += (joined.empty() ? "" : "; ") + e;
      std::replace(joined.begin(), joined.end(), '\n', ' ');
      fail("cannot import '" + o.inputPath + "'" +
           (joined.empty() ? std::string() : ": " + joined));
    }
    return module;
#else
    fail("this qcc is built without the ONNX importer; cannot read '" +
         o.inputPath + "'");
    return nullptr;
#endif
  }
  if (!o.inputShapes.empty()) {
    fail("--input-shape applies to ONNX inputs only, not '" + o.inputPath +
         "'");
    return nullptr;
  }
  std::string error;
  std::unique_ptr<llvm::MemoryBuffer> buffer =
      mlir::openInputFile(o.inputPath, &error);
  if (!buffer) {
    fail(error);
    return nullptr;
  }
  srcMgr.AddNewSourceBuffer(std::move(buffer), llvm::SMLoc());
  OwningOpRef<ModuleOp> module =
      parseSourceFile<ModuleOp>(srcMgr, ParserConfig(&context));
  if (!module)
    fail("cannot parse '" + o.inputPath + "' as MLIR");
  return module;
}

} // namespace

bool qcc::parseEmitKind(StringRef name, EmitKind &out) {
  std::optional<EmitKind> kind = llvm::StringSwitch<std::optional<EmitKind>>(name)
                                     .Case("mlir", EmitKind::QccMLIR)
                                     .Case("linalg", EmitKind::Linalg)
                                     .Case("llvm-mlir", EmitKind::LLVMMLIR)
                                     .Case("llvm", EmitKind::LLVMIR)
                                     .Case("asm", EmitKind::Assembly)
                                     .Case("obj", EmitKind::Object)
                                     .Case("so", EmitKind::SharedLib)
                                     .Default(std::nullopt);
  if (!kind)
    return false;
  out = *kind;
  return true;
}

StringRef qcc::emitKindName(EmitKind kind) {
  switch (kind) {
  case EmitKind::QccMLIR:
    return "mlir";
  case EmitKind::Linalg:
    return "linalg";
  case EmitKind::LLVMMLIR:
    return "llvm-mlir";
  case EmitKind::LLVMIR:
    return "llvm";
  case EmitKind::Assembly:
    return "asm";
  case EmitKind::Object:
    return "obj";
  case EmitKind::SharedLib:
    return "so";
  }
  return "so";
}

void qcc::printTargets(llvm::raw_ostream &os) {
#if QCC_HAVE_X86_TARGET
  for (const x86::TargetInfo &t : x86::listTargets())
    os << "  " << llvm::left_justify(t.name, 8) << " " << t.description
       << " [" << t.triple << ", " << t.cpu << "]\n";
#else
  llvm::Expected<ResolvedTarget> host = resolveTarget("native");
  if (host)
    os << "  native   the host CPU [" << host->triple << ", " << host->cpu
       << "]\n";
  else
    llvm::consumeError(host.takeError());
#endif
}

void qcc::printVersion(llvm::raw_ostream &os) {
  os << "qcc version " << QCC_VERSION << " (LLVM " << LLVM_VERSION_STRING
     << ", model ABI " << 1 << ")\n";
  // The optional components this qcc was built with.
  os << "components:";
#if QCC_HAVE_ONNX_IMPORTER
  os << " onnx-importer";
#endif
#if QCC_HAVE_CONVERSION
  os << " qcc-to-linalg";
#endif
#if QCC_HAVE_PIPELINES
  os << " lowering-pipeline";
#endif
#if QCC_HAVE_X86_TARGET
  os << " x86-targets";
#endif
#if QCC_HAVE_LLM_IMPORTER
  os << " llm-importer";
#endif
  os << " llvm-emission model-linker\n";
}

int qcc::runDriver(const DriverOptions &options) {
  // BUDGET: a budget runs the whole pipeline (QuantPipeline.h), whose stages
  // call runDriver again without the budget options.
  if (hasBudgetOptions(options))
    return runQuantPipeline(options);
  // end BUDGET
  // --calib compiles a temporary calibration build instead of -o (Calibrate.h).
  DriverOptions o = options;
  if (o.inputPath.empty())
    return fail("no input file (usage: qcc model.onnx -o model.so)");
  if (o.optLevel > 3)
    return fail("invalid optimization level -O" + std::to_string(o.optLevel));
  llvm::Expected<ResolvedTarget> target = resolveTarget(o.target);
  if (!target)
    return fail(llvm::toString(target.takeError()));
  std::string outputPath = o.outputPath.empty() ? defaultOutput(o) : o.outputPath;
  if (outputPath == "-" &&
      (o.emit == EmitKind::Object || o.emit == EmitKind::SharedLib))
    return fail("cannot write a binary -emit=" + emitKindName(o.emit).str() +
                " to stdout; use -o <file>");

  if (outputPath != "-") {
    StringRef dir = llvm::sys::path::parent_path(outputPath);
    if (!dir.empty() && !llvm::sys::fs::is_directory(dir))
      return fail("cannot write '" + outputPath + "': directory '" + dir +
                  "' does not exist");
  }

  DialectRegistry registry;
  registerAllDialects(registry);
  registerAllExtensions(registry);
  registry.insert<qcc::QccDialect>();
  // Dialects are loaded on demand (by the importers, the parser and the
  // passes): loading all ~50 upfront costs memory and start-up time.
  MLIRContext context(registry);
  llvm::SourceMgr srcMgr;
  SourceMgrDiagnosticHandler diagHandler(srcMgr, &context, llvm::errs());

  int rc = 0;
  OwningOpRef<ModuleOp> module = loadInput(o, context, srcMgr, rc);
  if (!module)
    return rc;
  if (failed(verify(*module)))
    return fail("the input module is invalid");
  // APPLY: --quantize / --plan (pass qcc-apply-quant-plan). The packed blobs
  // go to a side file that the emitted model needs until it is linked; a
  // temporary (removed on exit) unless a textual stage is written, which then
  // refers to `<output>.qcc-packed`. The pass reads and checks --stats itself.
  std::optional<llvm::FileRemover> sideFileRemover;
  if (o.smoothQuant && o.quantize.empty())
    return fail("--smoothquant needs --quantize=w8a8 (a plan says it per layer)");
  if (!o.quantize.empty() || !o.planPath.empty()) {
#if QCC_HAVE_PIPELINES
    if (!o.quantize.empty() && !o.planPath.empty())
      return fail("give --quantize or --plan, not both");
    if (!o.calibPath.empty())
      return fail("--calib measures the float model; it cannot be combined with " +
                  std::string(o.planPath.empty() ? "--quantize" : "--plan"));
    qcc::ApplyQuantPlanOptions quant;
    quant.plan = o.planPath;
    quant.scheme = o.quantize;
    quant.method = o.quantizeMethod;
    quant.smoothQuant = o.smoothQuant;
    quant.layers = o.quantizeLayers;
    quant.stats = o.statsPath;
    bool textual = o.emit == EmitKind::QccMLIR || o.emit == EmitKind::Linalg ||
                   o.emit == EmitKind::LLVMMLIR;
    if (textual && outputPath != "-") {
      quant.sideFile = outputPath + ".qcc-packed";
    } else {
      SmallString<128> tmp;
      if (std::error_code ec = llvm::sys::fs::createTemporaryFile(
              "qcc-packed", "bin", tmp))
        return fail("cannot create a temporary file: " + ec.message());
      quant.sideFile = tmp.str().str();
      sideFileRemover.emplace(quant.sideFile);
    }
    PassManager pm(&context);
    pm.addPass(qcc::createApplyQuantPlanPass(quant));
    if (failed(pm.run(*module)))
      return fail("quantizing '" + o.inputPath + "' with " +
                  (o.planPath.empty() ? "--quantize=" + o.quantize
                                      : "--plan " + o.planPath) +
                  " failed");
    o.statsPath.clear(); // checked by the pass, against the float layers
#else
    return fail("this qcc is built without the quantization pass");
#endif
  }
  std::vector<ExternalWeight> externalWeights;
  if (llvm::Error e = prepareWeights(*module, o.weights, externalWeights))
    return fail(llvm::toString(std::move(e)));
  CalibrationState calibration;
  // SENS: --sensitivity reads --stats itself instead of the calibration stage;
  // hessian alone needs no model build, kl compiles a temporary one.
  SensitivityState sensitivity;
  if (!o.sensitivity.empty()) {
    if (int sensRc = beginSensitivity(o, *module, sensitivity))
      return sensRc;
    if (!sensitivity.kl)
      return finishSensitivity(o, sensitivity);
    outputPath = sensitivity.soPath;
  } else if (int calibRc = beginCalibration(o, *module, calibration)) {
    return calibRc;
  }
  // end SENS
  if (calibration.active)
    outputPath = calibration.soPath;
  if (o.emit == EmitKind::QccMLIR)
    return writeMLIR(*module, outputPath);

  MachineOptions machine;
  machine.triple = target->triple;
  machine.cpu = target->cpu;
  machine.features = target->features;
  machine.optLevel = o.optLevel;

  // The metadata is read from @main's signature before lowering rewrites it.
  std::string metadata;
  bool lowered = isLLVMDialectModule(*module);
  if (!module->lookupSymbol(kMetadataSymbol)) {
    std::string error;
    std::optional<std::string> text =
        buildModelMetadata(*module, error, &machine);
    if (!text)
      return fail("cannot describe the model: " + error);
    metadata = *text;
  }

  if (o.emit == EmitKind::Linalg) {
#if QCC_HAVE_CONVERSION
    PassManager pm(&context);
    pm.addPass(qcc::createConvertQccToLinalg());
    if (failed(pm.run(*module)))
      return fail("the conversion to linalg failed");
    return writeMLIR(*module, outputPath);
#else
    return fail("this qcc is built without the qcc-to-linalg conversion");
#endif
  }

  if (!lowered) {
#if QCC_HAVE_PIPELINES
    PassManager pm(&context);
    qcc::LoweringOptions lowering;
    lowering.target = target->name;
    lowering.threads = o.threads;
    qcc::buildQccToLLVMPipeline(pm, lowering);
    if (failed(pm.run(*module)))
      return fail("lowering '" + o.inputPath + "' to the LLVM dialect failed");
#else
    return fail("this qcc is built without the lowering pipeline; it can only "
                "compile modules already in the LLVM dialect");
#endif
  }
  if (failed(attachModelMetadata(*module, metadata)))
    return fail("cannot attach the model metadata: none was derived");
  if (o.emit == EmitKind::LLVMMLIR)
    return writeMLIR(*module, outputPath);

  llvm::Expected<std::unique_ptr<llvm::TargetMachine>> tm =
      createTargetMachine(machine);
  if (!tm)
    return fail(llvm::toString(tm.takeError()));
  llvm::LLVMContext llvmContext;
  llvm::Expected<std::unique_ptr<llvm::Module>> llvmModule =
      translateModel(*module, llvmContext, **tm, metadata, o.optLevel,
                     /*optimize=*/false);
  if (!llvmModule)
    return fail(llvm::toString(llvmModule.takeError()));
  // The MLIR module (and its weight blobs) is not needed any more: free it
  // and hand its pages back before LLVM's optimizer and code generator run,
  // so that peak compile memory is the larger of the two phases, not the sum.
  module = nullptr;
  releaseFreeHeap();
  optimizeModel(**llvmModule, **tm, o.optLevel);

  EmitOptions emit;
  emit.machine = machine;
  emit.weights = std::move(externalWeights);
  emit.kind = o.emit == EmitKind::LLVMIR     ? ArtifactKind::LLVMIR
              : o.emit == EmitKind::Assembly ? ArtifactKind::Assembly
              : o.emit == EmitKind::Object   ? ArtifactKind::Object
                                             : ArtifactKind::SharedLibrary;
  if (llvm::Error e = writeArtifact(**llvmModule, **tm, emit, outputPath))
    return fail(llvm::toString(std::move(e)));
  if (calibration.active)
    return finishCalibration(o, calibration);
  if (sensitivity.active) // SENS
    return finishSensitivity(o, sensitivity);
  return 0;
}
