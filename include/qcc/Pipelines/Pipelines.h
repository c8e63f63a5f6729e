//===- Pipelines.h - documented qcc pass pipelines --------------*- C++ -*-===//
//
// The pass pipelines that the qcc driver runs and that qcc-opt exposes:
//   qcc-lower-to-llvm : linalg-on-tensors (+ tensor/arith/math) -> LLVM dialect
//   qcc-to-llvm       : qcc dialect -> LLVM dialect (convert-qcc-to-linalg
//                       followed by qcc-lower-to-llvm), once LOWERING's
//                       conversion is available.
//
//===----------------------------------------------------------------------===//

#ifndef QCC_PIPELINES_PIPELINES_H
#define QCC_PIPELINES_PIPELINES_H

#include "mlir/Pass/PassOptions.h"

#include <string>

namespace mlir {
class OpPassManager;
} // namespace mlir

namespace qcc {

/// Options of the lowering pipelines (also the textual pipeline options of
/// `qcc-lower-to-llvm`).
struct LoweringOptions {
  /// Code generation target: `avx512`, `avx2` or `native`
  /// (see qcc/Target/X86/TargetInfo.h).
  std::string target = "avx512";
  /// Outline parallel loops into qcc_rt_parallel_for calls (Contract 3);
  /// when false every loop runs serially in the calling thread.
  bool threads = true;
  /// Compute f32 (batch) matmuls with the runtime micro-kernel qcc_rt_sgemm
  /// (qcc-x86-lower-matmul-to-ukernel) instead of MLIR-generated tiles.
  bool ukernels = true;
};

/// Textual pipeline options mirroring LoweringOptions.
struct LoweringPipelineOptions
    : public mlir::PassPipelineOptions<LoweringPipelineOptions> {
  Option<std::string> target{*this, "target",
                             llvm::cl::desc("Target: avx512, avx2 or native"),
                             llvm::cl::init("avx512")};
  Option<bool> threads{
      *this, "threads",
      llvm::cl::desc("Outline parallel loops into qcc_rt_parallel_for calls"),
      llvm::cl::init(true)};
  Option<bool> ukernels{
      *this, "ukernels",
      llvm::cl::desc("Lower f32 matmuls to qcc_rt_sgemm runtime calls "
                     "(false: MLIR-generated micro-tiles)"),
      llvm::cl::init(true)};

  /// Converts to the C++ options struct.
  LoweringOptions toOptions() const {
    LoweringOptions options;
    options.target = target;
    options.threads = threads;
    options.ukernels = ukernels;
    return options;
  }
};

/// Appends the linalg-on-tensors -> LLVM dialect pipeline to `pm` (a module
/// pass manager): elementwise fusion, im2col, tiling + vectorization,
/// bufferization with freshly allocated results and deallocation of
/// temporaries, parallel outlining, vector/math lowering, LLVM conversion and
/// C interface wrappers for public functions.
void buildLowerToLLVMPipeline(mlir::OpPassManager &pm,
                              const LoweringOptions &options);

/// Appends the qcc dialect -> LLVM dialect pipeline to `pm`: the qcc to linalg
/// conversion (when built into this qcc) followed by buildLowerToLLVMPipeline.
void buildQccToLLVMPipeline(mlir::OpPassManager &pm,
                            const LoweringOptions &options);

/// Registers `qcc-lower-to-llvm` and `qcc-to-llvm` with the pass registry.
void registerPipelines();

} // namespace qcc

#endif // QCC_PIPELINES_PIPELINES_H
