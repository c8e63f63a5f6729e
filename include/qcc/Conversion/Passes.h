//===- Passes.h - qcc conversion pass declarations --------------*- C++ -*-===//
#ifndef QCC_CONVERSION_PASSES_H
#define QCC_CONVERSION_PASSES_H

#include "mlir/Pass/Pass.h"

#include "qcc/Conversion/QccToLinalg/QccToLinalg.h"

namespace qcc {

#define GEN_PASS_DECL
#include "qcc/Conversion/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "qcc/Conversion/Passes.h.inc"

// GEN_PASS_REGISTRATION above defines `registerQccConversionPasses()`, which
// registers every qcc conversion pass with the global pass registry.

} // namespace qcc

#endif // QCC_CONVERSION_PASSES_H
