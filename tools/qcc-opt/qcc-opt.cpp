//===- qcc-opt.cpp - runs qcc and upstream passes on .mlir files ----------===//
#include "mlir/IR/DialectRegistry.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"

#include "qcc/Conversion/Passes.h"
#include "qcc/Dialect/Qcc/IR/QccDialect.h"
#include "qcc/Passes/Calib/Passes.h"
#include "qcc/Pipelines/Pipelines.h"
#include "qcc/Pipelines/ApplyQuantPlan.h"
#include "qcc/Pipelines/QuantizeLinear.h"
#include "qcc/Target/X86/Passes.h"

int main(int argc, char **argv) {
  mlir::DialectRegistry registry;
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
  mlir::registerAllPasses();
  qcc::registerQccConversionPasses();
  registry.insert<qcc::QccDialect>();
  qcc::x86::registerQccX86Passes();
  qcc::registerPipelines();
  qcc::registerQuantizeLinearPass();
  qcc::registerApplyQuantPlanPass(); // APPLY
  qcc::registerQccCalibPasses();
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "qcc optimizer driver\n", registry));
}
