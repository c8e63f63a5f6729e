//===- WeightProvider.h - checkpoint tensors as SSA values while building IR ===//
//
// Graph builders (lib/Import/LLM) never touch weight bytes: they ask a
// WeightProvider for a tensor<shape x f32> value. The inline provider copies
// the f32 data into dense_resource blobs; the external provider (WEIGHTS
// engineer) emits ops the back end resolves at link time. Contract 5, part A.
//
//===----------------------------------------------------------------------===//
#ifndef QCC_IMPORT_WEIGHTPROVIDER_H
#define QCC_IMPORT_WEIGHTPROVIDER_H

#include "mlir/IR/Builders.h"
#include "mlir/IR/Value.h"
#include "mlir/Support/LLVM.h"
#include <memory>
#include <string>

namespace qcc {

class WeightSource;

/// Hands out weights as SSA values of type tensor<shape x f32>.
class WeightProvider {
public:
  virtual ~WeightProvider();
  /// A value of type tensor<shape x f32> holding weight `name` (row-major,
  /// logical shape as in WeightInfo). On failure emits an error at \p loc
  /// naming the file and tensor and returns failure.
  virtual mlir::FailureOr<mlir::Value> get(mlir::OpBuilder &b, mlir::Location loc,
                                           const std::string &name) = 0;
};

/// Materializes weights as arith.constant dense_resource (data copied into heap
/// blobs): works with today's back end, costs memory = f32 model size.
std::unique_ptr<WeightProvider> makeInlineWeightProvider(mlir::MLIRContext &ctx,
                                                         const WeightSource &src);

/// Emits `qcc.external_weight` ops that the back end resolves by streaming the
/// data into model.so at link time (no copy in compile memory). Written by the
/// WEIGHTS engineer.
std::unique_ptr<WeightProvider> makeExternalWeightProvider(mlir::MLIRContext &ctx,
                                                           const WeightSource &src);

} // namespace qcc

#endif // QCC_IMPORT_WEIGHTPROVIDER_H
