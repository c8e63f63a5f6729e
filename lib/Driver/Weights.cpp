//===- Weights.cpp - the driver's --weights=inline|external handling -------===//
//
// External weights (qcc.external_weight) are either kept external, checked
// against their sources before lowering and streamed into model.so at link
// time, or inlined as dense_resource constants (the old way: simple, but the
// whole model then sits in compile memory, several times).
//
//===----------------------------------------------------------------------===//
#include "Weights.h"

#include "qcc/Dialect/Qcc/IR/QccOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/DialectResourceBlobManager.h"

using namespace mlir;

/// Replaces every qcc.external_weight of `module` by an arith.constant
/// holding the data (read from the source into a heap blob).
static llvm::Error inlineExternalWeights(ModuleOp module) {
  SmallVector<qcc::ExternalWeightOp> ops;
  module.walk([&](qcc::ExternalWeightOp op) { ops.push_back(op); });
  for (qcc::ExternalWeightOp op : ops) {
    qcc::ExternalWeight w;
    if (llvm::Error e = qcc::describeExternalWeight(op, w))
      return e;
    AsmResourceBlob blob = HeapAsmResourceBlob::allocate(w.byteSize(), 64);
    MutableArrayRef<char> bytes = blob.getMutableData();
    if (llvm::Error e = qcc::readExternalWeight(w, bytes.data(), bytes.size()))
      return e;
    auto attr = DenseResourceElementsAttr::get(op.getType(), op.getSymName(),
                                               std::move(blob));
    OpBuilder b(op);
    Value c = arith::ConstantOp::create(b, op.getLoc(), attr);
    op.replaceAllUsesWith(c);
    op.erase();
  }
  return llvm::Error::success();
}

llvm::Error qcc::prepareWeights(ModuleOp module, llvm::StringRef mode,
                                std::vector<ExternalWeight> &external) {
  if (mode != "inline" && mode != "external")
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "unknown --weights value '" + mode +
                                       "' (expected inline or external)");
  if (mode == "inline")
    if (llvm::Error e = inlineExternalWeights(module))
      return e;
  if (llvm::Error e = collectExternalWeights(module, external))
    return e;
  return checkExternalWeights(external);
}
