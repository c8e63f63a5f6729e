//===- Weights.h - the driver's handling of external weights ---*- C++ -*-===//
#ifndef QCC_LIB_DRIVER_WEIGHTS_H
#define QCC_LIB_DRIVER_WEIGHTS_H

#include "qcc/Driver/Driver.h"
#include "qcc/Target/Common/ExternalWeights.h"

#include <vector>

namespace qcc {

/// Before lowering: with mode "inline", replaces every qcc.external_weight by an
/// arith.constant dense_resource read from its source; then collects the
/// external weights left (also those recorded by an earlier lowering) into
/// `external` and checks each against its source file, so a missing tensor,
/// a wrong shape or an unreadable file fails before the expensive stages.
/// Fails on a mode other than "inline" or "external".
llvm::Error prepareWeights(mlir::ModuleOp module, llvm::StringRef mode,
                           std::vector<ExternalWeight> &external);

} // namespace qcc

#endif // QCC_LIB_DRIVER_WEIGHTS_H
