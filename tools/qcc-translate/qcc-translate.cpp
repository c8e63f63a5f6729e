//===- qcc-translate.cpp - import external model formats into qcc ---------===//
//
// `qcc-translate --import-onnx FILE [--input-shape name=d0,d1,...]... [-o out]`
// prints the imported module; weights are dense_resource blobs whose contents
// are elided from the printed form unless --print-weights is given.
//
//===----------------------------------------------------------------------===//
#include "qcc/Import/ONNX.h"

#include "mlir/IR/AsmState.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/OperationSupport.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/raw_ostream.h"

using namespace llvm;

static cl::opt<std::string> inputFile(cl::Positional, cl::desc("<model>"),
                                      cl::init("-"));
static cl::opt<bool> importONNX("import-onnx",
                                cl::desc("Import an ONNX model (binary or text)"));
static cl::list<std::string>
    inputShapes("input-shape", cl::desc("Bind an input shape: name=d0,d1,..."),
                cl::value_desc("name=dims"));
static cl::opt<std::string> outputFile("o", cl::desc("Output file"), cl::init("-"),
                                       cl::value_desc("filename"));
static cl::opt<bool> printWeights("print-weights",
                                  cl::desc("Print weight blobs in full"));
static cl::opt<bool> keepDynamic("keep-dynamic-dims",
                                 cl::desc("Keep unknown input dims dynamic (else 1)"),
                                 cl::init(true));
static cl::opt<std::string>
    externalDataDir("external-data-dir",
                    cl::desc("Directory of external data files (default: the "
                             "model's directory)"));
static cl::opt<bool> listOps("list-supported-ops",
                             cl::desc("Print the supported ONNX op types, one a line"));

/// Prints one diagnostic per line: `file:line:col: error: message`.
static void printDiagnostic(mlir::Diagnostic &diag) {
  std::string where;
  mlir::Location loc = diag.getLocation();
  if (auto name = dyn_cast<mlir::NameLoc>(loc))
    loc = name.getChildLoc();
  if (auto file = dyn_cast<mlir::FileLineColLoc>(loc)) {
    where = file.getFilename().str();
    if (file.getLine())
      where += ":" + std::to_string(file.getLine()) + ":" + std::to_string(file.getColumn());
  } else {
    llvm::raw_string_ostream os(where);
    loc.print(os);
  }
  const char *kind = diag.getSeverity() == mlir::DiagnosticSeverity::Error ? "error"
                     : diag.getSeverity() == mlir::DiagnosticSeverity::Warning
                         ? "warning"
                         : "note";
  llvm::errs() << where << ": " << kind << ": " << diag.str() << "\n";
  for (mlir::Diagnostic &note : diag.getNotes())
    printDiagnostic(note);
}

int main(int argc, char **argv) {
  InitLLVM y(argc, argv);
  cl::ParseCommandLineOptions(argc, argv, "qcc model importer\n");
  if (listOps) {
    for (const std::string &op : qcc::supportedONNXOps())
      llvm::outs() << op << "\n";
    return 0;
  }
  if (!importONNX) {
    llvm::errs() << "qcc-translate: choose a translation (--import-onnx)\n";
    return 1;
  }
  qcc::ImportOptions options;
  options.keepDynamicDims = keepDynamic;
  options.externalDataDir = externalDataDir;
  for (const std::string &spec : inputShapes) {
    std::string error;
    if (!qcc::parseInputShapeSpec(spec, options, error)) {
      llvm::errs() << "qcc-translate: " << error << "\n";
      return 1;
    }
  }
  mlir::MLIRContext context;
  context.getDiagEngine().registerHandler([](mlir::Diagnostic &diag) {
    printDiagnostic(diag);
    return mlir::success();
  });
  mlir::OwningOpRef<mlir::ModuleOp> module;
  if (inputFile == "-") {
    std::string error;
    auto buffer = mlir::openInputFile("-", &error);
    if (!buffer) {
      llvm::errs() << "qcc-translate: " << error << "\n";
      return 1;
    }
    module = qcc::importONNXBuffer(buffer->getBuffer(), "<stdin>", context, options);
  } else {
    module = qcc::importONNXFile(inputFile, context, options);
  }
  if (!module)
    return 1;
  std::string error;
  auto output = mlir::openOutputFile(outputFile, &error);
  if (!output) {
    llvm::errs() << "qcc-translate: " << error << "\n";
    return 1;
  }
  mlir::OpPrintingFlags flags;
  if (!printWeights)
    flags.elideLargeResourceString(64);
  module->print(output->os(), flags);
  output->keep();
  return 0;
}
