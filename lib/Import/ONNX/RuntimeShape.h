//===- RuntimeShape.h - shape arithmetic on run-time values -----*- C++ -*-===//
//
// Helpers for converters whose shapes are only known at run time (dynamic
// batch / sequence dims of LLM exports): dims as i64 scalars, reshapes to a
// run-time shape, and index-generated tensors (iota, masks) built with
// `tensor.generate`, which one-shot bufferization lowers without qcc ops.
//
//===----------------------------------------------------------------------===//
#ifndef QCC_LIB_IMPORT_ONNX_RUNTIMESHAPE_H
#define QCC_LIB_IMPORT_ONNX_RUNTIMESHAPE_H

#include "ImporterInternal.h"

#include <functional>

namespace qcc::onnx_import {

/// A dynamic dimension in a static shape list.
inline constexpr int64_t kDynamicDim = mlir::ShapedType::kDynamic;

/// Dim `d` of `v` as an i64 scalar (a constant when static).
mlir::Value dimI64(NodeContext &nc, mlir::Value v, int64_t d);
/// An i64 constant.
mlir::Value constI64(NodeContext &nc, int64_t c);
/// Element 0 of a one-element integer tensor (any rank) as i64.
mlir::Value scalarI64(NodeContext &nc, mlir::Value t);
/// The static value of an i64 scalar built by constI64 / dimI64, if any.
std::optional<int64_t> staticI64(mlir::Value v);

/// qcc.reshape of `v` to the shape `dims` (i64 scalars, static where they
/// are constants) with a run-time shape operand when any dim is dynamic.
/// The reshape's run-time check reports a wrong element count with `loc`.
mlir::Value reshapeTo(NodeContext &nc, mlir::Value v, llvm::ArrayRef<mlir::Value> dims,
                      std::optional<mlir::Location> loc = std::nullopt);
/// Reshapes `v` keeping its first `keep` dims and replacing the rest by
/// `tail` (static sizes).
mlir::Value reshapeKeep(NodeContext &nc, mlir::Value v, int64_t keep,
                        llvm::ArrayRef<int64_t> tail);

/// `v`, through a qcc.reshape whose run-time check fails the model's run
/// with a message naming the node and `what` unless `ok` (i1) holds. The
/// result's dim 0 is dynamic (size 0 after a failure). Callers must use the
/// result so that the check is not dead code.
mlir::Value checkAtRunTime(NodeContext &nc, mlir::Value v, mlir::Value ok,
                           llvm::StringRef what);
/// A location naming the node and what a run-time check checks.
mlir::Location checkLocation(NodeContext &nc, llvm::StringRef what);
/// min or max of all elements of an integer tensor, as i64.
mlir::Value reduceAllI64(NodeContext &nc, mlir::Value t, bool isMin);

/// The statically known entries of a 1-D i64 shape tensor built at run time
/// (constants, tensor.from_elements, qcc.concat of such pieces, one-element
/// qcc.reshape / qcc.gather of them); nullopt for entries known only at run
/// time. Empty if `shape` is not 1-D of static length.
llvm::SmallVector<std::optional<int64_t>> knownShapeEntries(mlir::Value shape);

/// A tensor of shape `dims` (i64 scalars) and `elementType` whose element at
/// index i is `body(builder, loc, i)` (a `tensor.generate`).
mlir::Value generate(
    NodeContext &nc, llvm::ArrayRef<mlir::Value> dims, mlir::Type elementType,
    std::function<mlir::Value(mlir::OpBuilder &, mlir::Location, mlir::ValueRange)> body);

} // namespace qcc::onnx_import

#endif // QCC_LIB_IMPORT_ONNX_RUNTIMESHAPE_H
