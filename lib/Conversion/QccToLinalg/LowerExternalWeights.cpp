//===- LowerExternalWeights.cpp - qcc.external_weight -> memref.global ----===//
//
// The --qcc-lower-external-weights pass (documented in Passes.td): external
// weights become external constant memref.global declarations read through
// memref.get_global + bufferization.to_tensor restrict, and are listed in the
// module attribute `qcc.external_weights` for the back end.
//
//===----------------------------------------------------------------------===//
#include "qcc/Conversion/Passes.h"
#include "qcc/Dialect/Qcc/IR/QccOps.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/SymbolTable.h"
#include "llvm/ADT/StringMap.h"

namespace qcc {
#define GEN_PASS_DEF_LOWEREXTERNALWEIGHTS
#include "qcc/Conversion/Passes.h.inc"
} // namespace qcc

using namespace mlir;

namespace {

/// The description of one weight recorded in `qcc.external_weights`.
DictionaryAttr describe(qcc::ExternalWeightOp op) {
  Builder b(op.getContext());
  SmallVector<NamedAttribute> fields = {
      b.getNamedAttr("sym_name", op.getSymNameAttr()),
      b.getNamedAttr("source", op.getSourceAttr()),
      b.getNamedAttr("format", op.getFormatAttr()),
      b.getNamedAttr("tensor", op.getTensorAttr()),
      b.getNamedAttr("type", TypeAttr::get(op.getType()))};
  if (op.getOffsetAttr())
    fields.push_back(b.getNamedAttr("offset", op.getOffsetAttr()));
  if (op.getBitsAttr()) // gguf-packed
    fields.push_back(b.getNamedAttr("bits", op.getBitsAttr()));
  if (op.getGroupSizeAttr())
    fields.push_back(b.getNamedAttr("group_size", op.getGroupSizeAttr()));
  return b.getDictionaryAttr(fields);
}

struct LowerExternalWeightsPass
    : public qcc::impl::LowerExternalWeightsBase<LowerExternalWeightsPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<qcc::ExternalWeightOp> ops;
    module.walk([&](qcc::ExternalWeightOp op) { ops.push_back(op); });
    if (ops.empty())
      return;

    // Weights already lowered by an earlier run keep their records.
    SmallVector<Attribute> records;
    llvm::StringMap<DictionaryAttr> bySymbol;
    if (auto old = module->getAttrOfType<ArrayAttr>("qcc.external_weights"))
      for (Attribute a : old)
        if (auto d = dyn_cast<DictionaryAttr>(a)) {
          records.push_back(d);
          if (auto name = d.getAs<StringAttr>("sym_name"))
            bySymbol[name.getValue()] = d;
        }

    SymbolTable symbols(module);
    OpBuilder globals = OpBuilder::atBlockBegin(module.getBody());
    for (qcc::ExternalWeightOp op : ops) {
      StringRef name = op.getSymName();
      DictionaryAttr record = describe(op);
      auto tensorType = cast<RankedTensorType>(op.getType());
      auto memrefType =
          MemRefType::get(tensorType.getShape(), tensorType.getElementType());
      auto it = bySymbol.find(name);
      if (it != bySymbol.end()) {
        if (it->second != record) {
          op.emitOpError() << "sym_name @" << name
                           << " already names a different external weight";
          return signalPassFailure();
        }
      } else {
        if (symbols.lookup(name)) {
          op.emitOpError() << "sym_name @" << name
                           << " collides with another symbol of the module";
          return signalPassFailure();
        }
        // Public (an external declaration must be), constant, no initializer.
        auto global = memref::GlobalOp::create(
            globals, op.getLoc(), name, /*sym_visibility=*/StringAttr(),
            memrefType, /*initial_value=*/Attribute(), /*constant=*/true,
            globals.getI64IntegerAttr(64));
        symbols.insert(global);
        bySymbol[name] = record;
        records.push_back(record);
      }
      OpBuilder b(op);
      Value buffer = memref::GetGlobalOp::create(b, op.getLoc(), memrefType, name);
      auto tensor = bufferization::ToTensorOp::create(
          b, op.getLoc(), tensorType, buffer, /*restrict=*/true,
          /*writable=*/false);
      op.replaceAllUsesWith(tensor.getResult());
      op.erase();
    }
    module->setAttr("qcc.external_weights",
                    ArrayAttr::get(module.getContext(), records));
  }
};

} // namespace
