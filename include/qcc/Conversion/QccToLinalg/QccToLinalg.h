//===- QccToLinalg.h - qcc to linalg conversion entry points ----*- C++ -*-===//
#ifndef QCC_CONVERSION_QCCTOLINALG_QCCTOLINALG_H
#define QCC_CONVERSION_QCCTOLINALG_QCCTOLINALG_H

#include <memory>

namespace mlir {
class Pass;
class RewritePatternSet;
class ConversionTarget;
} // namespace mlir

namespace qcc {

/// Adds the patterns that rewrite every qcc op into linalg, tensor, arith and
/// math ops (on tensors) to `patterns`.
void populateQccToLinalgConversionPatterns(mlir::RewritePatternSet &patterns);

/// Marks the qcc dialect illegal and the dialects produced by the conversion
/// legal on `target`.
void configureQccToLinalgConversionTarget(mlir::ConversionTarget &target);

/// Creates the --convert-qcc-to-linalg pass.
std::unique_ptr<mlir::Pass> createConvertQccToLinalgPass();

} // namespace qcc

#endif // QCC_CONVERSION_QCCTOLINALG_QCCTOLINALG_H
