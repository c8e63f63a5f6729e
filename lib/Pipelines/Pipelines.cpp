//===- Pipelines.cpp - linalg/qcc to LLVM dialect pass pipelines ----------===//

#include "qcc/Pipelines/Pipelines.h"

#include "FuseElementwise.h"
#include "ReadOnlyInputs.h"

#include "qcc/Target/X86/Passes.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Conversion/VectorToSCF/VectorToSCF.h"
#include "mlir/Dialect/Bufferization/Pipelines/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Dialect/SCF/Transforms/Passes.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

#include "llvm/Support/raw_ostream.h"

#if QCC_HAVE_CONVERSION
#include "qcc/Conversion/Passes.h"
#endif

using namespace mlir;

#if !QCC_HAVE_CONVERSION
/// Name of LOWERING's qcc -> linalg conversion pass.
static constexpr const char *kQccToLinalgPass = "convert-qcc-to-linalg";
#endif

void qcc::buildLowerToLLVMPipeline(OpPassManager &pm,
                                   const LoweringOptions &options) {
  // 1. Tensor-level: fuse elementwise chains, turn convolutions into
  //    matmuls, tile and vectorize for the target's register file.
  //    Upstream linalg-fuse-elementwise-ops would fuse into and reshape
  //    through matmuls, leaving contractions the tiler cannot handle.
  pm.addPass(qcc::createFuseParallelElementwisePass());
  pm.addPass(createCanonicalizerPass());
  pm.addNestedPass<func::FuncOp>(x86::createConvToIm2Col());
  {
    x86::TileAndVectorizeOptions tiling;
    tiling.target = options.target;
    tiling.parallel = options.threads;
    tiling.skipUKernelMatmuls = options.ukernels;
    pm.addNestedPass<func::FuncOp>(x86::createTileAndVectorize(tiling));
  }
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());

  // 2. Bufferization: whole-module, identity layouts at function boundaries
  //    (Contract 2's descriptors), then ownership-based deallocation. The
  //    deallocation pipeline also clones every result of a public function
  //    that it does not own (a function argument, a constant global), so
  //    results are always fresh heap buffers the caller frees.
  //    The caller's inputs are read-only: an op that would update one in
  //    place (a matmul accumulating into an input C) works on a copy.
  pm.addPass(qcc::createReadOnlyInputsPass());
  pm.addPass(bufferization::createEmptyTensorEliminationPass());
  {
    bufferization::OneShotBufferizePassOptions bufferize;
    bufferize.bufferizeFunctionBoundaries = true;
    bufferize.functionBoundaryTypeConversion =
        bufferization::LayoutMapOption::IdentityLayoutMap;
    bufferize.bufferAlignment = 64;
    pm.addPass(bufferization::createOneShotBufferizePass(bufferize));
  }
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  bufferization::buildBufferDeallocationPipeline(pm);
  pm.addPass(createConvertBufferizationToMemRefPass());
  // f32 matmuls left whole by the tiler become qcc_rt_sgemm calls.
  if (options.ukernels)
    pm.addPass(x86::createLowerMatmulToUKernel());
  pm.addNestedPass<func::FuncOp>(createConvertLinalgToLoopsPass());
  pm.addNestedPass<func::FuncOp>(x86::createLowerStridedCopies());

  // 3. Parallelism (Contract 3): outermost scf.forall -> qcc_rt_parallel_for.
  if (options.threads)
    pm.addPass(x86::createOutlineParallelLoops());
  else
    pm.addPass(createForallToForLoopPass());

  // 4. Vector and math lowering to 1-D vectors and FMAs.
  pm.addNestedPass<func::FuncOp>(x86::createApproximateMath());
  pm.addNestedPass<func::FuncOp>(x86::createLowerVectors());
  {
    VectorTransferToSCFOptions toSCF;
    toSCF.enableFullUnroll(); // TOOLCHAIN.md pitfall 7
    toSCF.setTargetRank(1);
    pm.addNestedPass<func::FuncOp>(createConvertVectorToSCFPass(toSCF));
  }
  pm.addNestedPass<func::FuncOp>(x86::createLowerVectors());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());

  // 5. Everything to the LLVM dialect.
  pm.addPass(x86::createEmitCInterface());
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  pm.addPass(createSCFToControlFlowPass());
  {
    ConvertVectorToLLVMPassOptions vectorToLLVM;
    vectorToLLVM.reassociateFPReductions = true;
    pm.addPass(createConvertVectorToLLVMPass(vectorToLLVM));
  }
  pm.addPass(createConvertMathToLLVMPass());
  pm.addPass(createConvertMathToLibmPass());
  {
    FinalizeMemRefToLLVMConversionPassOptions memrefToLLVM;
    memrefToLLVM.useAlignedAlloc = true;
    // Allocations go through the runtime's buffer pool (BufferPool.cpp).
    memrefToLLVM.useGenericFunctions = true;
    pm.addPass(createFinalizeMemRefToLLVMConversionPass(memrefToLLVM));
  }
  pm.addPass(createConvertFuncToLLVMPass());
  pm.addPass(createArithToLLVMConversionPass());
  pm.addPass(createConvertIndexToLLVMPass());
  pm.addPass(createConvertControlFlowToLLVMPass());
  pm.addPass(createUBToLLVMConversionPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
}

void qcc::buildQccToLLVMPipeline(OpPassManager &pm,
                                 const LoweringOptions &options) {
#if QCC_HAVE_CONVERSION
  pm.addPass(qcc::createLowerExternalWeights()); // before qcc ops are illegal
  pm.addPass(x86::createLowerQLinear()); // qcc.qlinear -> qcc_rt_qgemm calls
  pm.addPass(qcc::createConvertQccToLinalg());
#else
  // Built without the conversion library: use the registered pass if the
  // tool registered one.
  if (const PassInfo *info = PassInfo::lookup(kQccToLinalgPass)) {
    (void)info->addToPipeline(pm, "", [](const Twine &msg) {
      llvm::errs() << "qcc-to-llvm: " << msg << "\n";
      return failure();
    });
  } else {
    llvm::errs() << "qcc-to-llvm: pass '" << kQccToLinalgPass
                 << "' is not registered in this tool; the pipeline starts "
                    "from linalg\n";
  }
#endif
  buildLowerToLLVMPipeline(pm, options);
}

void qcc::registerPipelines() {
  registerFuseParallelElementwisePass();
  registerReadOnlyInputsPass();
  PassPipelineRegistration<LoweringPipelineOptions>(
      "qcc-lower-to-llvm",
      "Lower linalg-on-tensors (tensor/arith/math) to the LLVM dialect for "
      "x86-64: tiling, vectorization, bufferization, parallel outlining",
      [](OpPassManager &pm, const LoweringPipelineOptions &options) {
        buildLowerToLLVMPipeline(pm, options.toOptions());
      });
  PassPipelineRegistration<LoweringPipelineOptions>(
      "qcc-to-llvm",
      "Lower the qcc dialect to the LLVM dialect: convert-qcc-to-linalg "
      "followed by qcc-lower-to-llvm",
      [](OpPassManager &pm, const LoweringPipelineOptions &options) {
        buildQccToLLVMPipeline(pm, options.toOptions());
      });
}
