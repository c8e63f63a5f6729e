//===- Passes.h - calibration passes and observer discovery -----*- C++ -*-===//
#ifndef QCC_PASSES_CALIB_PASSES_H
#define QCC_PASSES_CALIB_PASSES_H

#include "mlir/Pass/Pass.h"

#include <cstdint>
#include <string>
#include <vector>

namespace mlir {
class ModuleOp;
namespace func {
class FuncDialect;
} // namespace func
namespace tensor {
class TensorDialect;
} // namespace tensor
namespace arith {
class ArithDialect;
} // namespace arith
namespace bufferization {
class BufferizationDialect;
} // namespace bufferization
namespace memref {
class MemRefDialect;
} // namespace memref
namespace LLVM {
class LLVMDialect;
} // namespace LLVM
} // namespace mlir

namespace qcc {
class QccDialect;

#define GEN_PASS_DECL
#include "qcc/Passes/Calib/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "qcc/Passes/Calib/Passes.h.inc"

/// One linear layer of a module, as qcc-insert-observers sees it.
struct LinearLayer {
  std::string name;      ///< qcc.layer name (or the fallback, see the pass)
  int64_t in = 0;        ///< K: input features
  int64_t out = 0;       ///< N: output features (weight is [out, in])
  mlir::Operation *op = nullptr;
  mlir::Value input;     ///< x [..., K]
};

/// Every linear layer of `module` in program order (the rules of
/// qcc-insert-observers).
std::vector<LinearLayer> findLinearLayers(mlir::ModuleOp module);

/// One observer of an instrumented module: its id and the layers it feeds.
struct ObserverInfo {
  int64_t id = 0;
  int64_t channels = 0;
  std::vector<std::string> layers;
};

/// The qcc.observe ops of `module` (after qcc-insert-observers), by id.
std::vector<ObserverInfo> listObservers(mlir::ModuleOp module);

// SENS: weight-delta hooks (qcc-insert-delta-hooks).
/// One hook of a sensitivity build: its id and the layer it belongs to.
struct DeltaHookInfo {
  int64_t id = 0;
  std::string layer;
};

/// The hooks of `module` after qcc-insert-delta-hooks (one per distinct
/// layer name), by id.
std::vector<DeltaHookInfo> listDeltaHooks(mlir::ModuleOp module);
// end SENS

} // namespace qcc

#endif // QCC_PASSES_CALIB_PASSES_H
