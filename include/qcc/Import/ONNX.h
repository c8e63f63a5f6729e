//===- ONNX.h - ONNX model importer into the qcc dialect --------*- C++ -*-===//
//
// Public entry points of the ONNX importer: protobuf models (with external
// data files) and ONNX's textual syntax become a builtin.module holding
// func.func @main in the qcc dialect (Contract 1 of docs/Design.md).
//
//===----------------------------------------------------------------------===//
#ifndef QCC_IMPORT_ONNX_H
#define QCC_IMPORT_ONNX_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringRef.h"

#include <string>
#include <vector>

namespace mlir {
class MLIRContext;
} // namespace mlir

namespace qcc {

/// Options controlling an ONNX import.
struct ImportOptions {
  /// Static shapes for graph inputs, by input name (e.g. from
  /// `--input-shape x=1,3,48,192`). They replace the declared shape; the rank
  /// must agree and declared static dimensions must match.
  llvm::StringMap<llvm::SmallVector<int64_t, 6>> inputShapes;
  /// Directory in which external data files are looked up; empty means the
  /// directory of the model file.
  std::string externalDataDir;
  /// Keep symbolic or unknown input dimensions dynamic (`?`). When false they
  /// become 1, which suits batch dimensions of single-sample deployments.
  bool keepDynamicDims = true;
};

/// Parses `--input-shape` values of the form `name=d0,d1,...` into `opts`.
/// Returns false and sets `error` on a malformed spec.
bool parseInputShapeSpec(llvm::StringRef spec, ImportOptions &opts,
                         std::string &error);

/// Imports the ONNX model in file `path`: binary protobuf, or ONNX's textual
/// syntax when the name ends in `.onnxtxt` or the content is not protobuf.
/// Errors are reported through the context's diagnostic engine with locations
/// naming the file and node; returns null on error. The weights stay backed by
/// the mapped external data files for the lifetime of the returned module's
/// resources.
mlir::OwningOpRef<mlir::ModuleOp> importONNXFile(llvm::StringRef path,
                                                 mlir::MLIRContext &context,
                                                 const ImportOptions &options);

/// Imports an ONNX model held in memory: a serialized ModelProto, or textual
/// syntax when `isText` (or when the bytes do not parse as protobuf).
/// `sourceName` names the buffer in diagnostics and in `qcc.source`.
mlir::OwningOpRef<mlir::ModuleOp>
importONNXBuffer(llvm::StringRef buffer, llvm::StringRef sourceName,
                 mlir::MLIRContext &context, const ImportOptions &options,
                 bool isText = false);

/// The ONNX op types (default domain) the importer can translate, sorted.
std::vector<std::string> supportedONNXOps();

} // namespace qcc

#endif // QCC_IMPORT_ONNX_H
