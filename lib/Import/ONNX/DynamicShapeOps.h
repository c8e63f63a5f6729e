//===- DynamicShapeOps.h - shape producers with run-time values -*- C++ -*-===//
//
// Converters for Range, ConstantOfShape, Expand (run-time inputs) and Trilu;
// see DynamicShapeOps.cpp.
//
//===----------------------------------------------------------------------===//
#ifndef QCC_LIB_IMPORT_ONNX_DYNAMICSHAPEOPS_H
#define QCC_LIB_IMPORT_ONNX_DYNAMICSHAPEOPS_H

#include "ImporterInternal.h"

namespace qcc::onnx_import {

/// Range whose start / limit / delta are run-time scalars.
mlir::LogicalResult convertRangeAtRunTime(NodeContext &nc);
/// ConstantOfShape of a run-time shape, filled with `value` (one element).
mlir::LogicalResult convertConstantOfShapeAtRunTime(NodeContext &nc, const ConstTensor &value);
/// Expand to a run-time shape.
mlir::LogicalResult convertExpandAtRunTime(NodeContext &nc);
/// Trilu (constant or run-time k).
mlir::LogicalResult convertTrilu(NodeContext &nc);

} // namespace qcc::onnx_import

#endif // QCC_LIB_IMPORT_ONNX_DYNAMICSHAPEOPS_H
