//===- Passes.h - x86-64 code generation passes -----------------*- C++ -*-===//

#ifndef QCC_TARGET_X86_PASSES_H
#define QCC_TARGET_X86_PASSES_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace mlir {
namespace affine {
class AffineDialect;
} // namespace affine
namespace arith {
class ArithDialect;
} // namespace arith
namespace bufferization {
class BufferizationDialect;
} // namespace bufferization
namespace linalg {
class LinalgDialect;
} // namespace linalg
namespace LLVM {
class LLVMDialect;
} // namespace LLVM
namespace math {
class MathDialect;
} // namespace math
namespace memref {
class MemRefDialect;
} // namespace memref
namespace scf {
class SCFDialect;
} // namespace scf
namespace tensor {
class TensorDialect;
} // namespace tensor
namespace vector {
class VectorDialect;
} // namespace vector
} // namespace mlir

namespace qcc::x86 {

#define GEN_PASS_DECL
#include "qcc/Target/X86/Passes.h.inc"

/// Registers every x86 code generation pass with the global pass registry.
#define GEN_PASS_REGISTRATION
#include "qcc/Target/X86/Passes.h.inc"

/// Name of the runtime entry point that runs outlined parallel loops.
inline constexpr const char *kParallelForName = "qcc_rt_parallel_for";

/// Name of the runtime f32 GEMM micro-kernel (include/qcc/Runtime/Kernels.h).
inline constexpr const char *kSgemmName = "qcc_rt_sgemm";

} // namespace qcc::x86

#endif // QCC_TARGET_X86_PASSES_H
