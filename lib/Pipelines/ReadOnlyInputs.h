//===- ReadOnlyInputs.h - public function inputs are never written --------===//
#ifndef QCC_LIB_PIPELINES_READONLYINPUTS_H
#define QCC_LIB_PIPELINES_READONLYINPUTS_H

#include <memory>

namespace mlir {
class Pass;
} // namespace mlir

namespace qcc {
/// Marks every tensor argument of a public func.func with a body
/// `bufferization.writable = false`, so one-shot bufferization copies an
/// input before an op updates it in place (e.g. a matmul accumulating into
/// a model input C). The caller's input buffers are read-only (model ABI).
///   func.func @main(%c: tensor<4x4xf32>)
///   // becomes
///   func.func @main(%c: tensor<4x4xf32> {bufferization.writable = false})
std::unique_ptr<mlir::Pass> createReadOnlyInputsPass();

/// Registers the pass as `qcc-read-only-inputs` (for qcc-opt).
void registerReadOnlyInputsPass();
} // namespace qcc

#endif // QCC_LIB_PIPELINES_READONLYINPUTS_H
