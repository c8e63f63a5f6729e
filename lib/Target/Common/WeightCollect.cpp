//===- WeightCollect.cpp - lists the external weights of a module ----------===//
//
// collectExternalWeights (ExternalWeights.h): reads `qcc.external_weight` ops
// generically (by name and attributes, so the back end needs no qcc dialect
// headers) and the `qcc.external_weights` records a lowered module carries.
//
//===----------------------------------------------------------------------===//
#include "qcc/Target/Common/ExternalWeights.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/BuiltinTypes.h"

#include "llvm/ADT/StringMap.h"

using namespace mlir;

namespace {

llvm::Error makeError(const llvm::Twine &msg) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), msg);
}

/// Reads one weight from the attributes of an op or of a record.
llvm::Error readWeight(DictionaryAttr attrs, Type type, qcc::ExternalWeight &w) {
  auto str = [&](StringRef key, std::string &out) {
    if (auto s = attrs.getAs<StringAttr>(key)) {
      out = s.getValue().str();
      return true;
    }
    return false;
  };
  if (!str("sym_name", w.symbol))
    return makeError("an external weight has no sym_name");
  if (!str("source", w.source) || !str("format", w.format) ||
      !str("tensor", w.tensor))
    return makeError("external weight @" + w.symbol +
                     " lacks its source, format or tensor");
  if (auto offset = attrs.getAs<IntegerAttr>("offset"))
    w.offset = offset.getInt();
  if (auto bits = attrs.getAs<IntegerAttr>("bits"))
    w.packedBits = bits.getInt();
  if (auto group = attrs.getAs<IntegerAttr>("group_size"))
    w.packedGroup = group.getInt();
  auto shaped = dyn_cast_or_null<ShapedType>(type);
  if (!shaped || !shaped.hasStaticShape())
    return makeError("external weight @" + w.symbol +
                     " does not have a static shape");
  w.shape.assign(shaped.getShape().begin(), shaped.getShape().end());
  Type elem = shaped.getElementType();
  std::string name;
  llvm::raw_string_ostream os(name);
  os << elem;
  w.elementType = name;
  w.elementBytes = elem.isIntOrFloat() ? elem.getIntOrFloatBitWidth() / 8 : 0;
  if (w.elementBytes == 0)
    return makeError("external weight @" + w.symbol + " has element type " +
                     name + ", which is not a whole number of bytes");
  return llvm::Error::success();
}

} // namespace

llvm::Error qcc::collectExternalWeights(ModuleOp module,
                                        std::vector<ExternalWeight> &out) {
  llvm::StringMap<size_t> index;
  auto add = [&](DictionaryAttr attrs, Type type) -> llvm::Error {
    ExternalWeight w;
    if (llvm::Error e = readWeight(attrs, type, w))
      return e;
    auto [it, inserted] = index.try_emplace(w.symbol, out.size());
    if (inserted) {
      out.push_back(std::move(w));
      return llvm::Error::success();
    }
    const ExternalWeight &old = out[it->second];
    if (old.source != w.source || old.format != w.format ||
        old.tensor != w.tensor || old.offset != w.offset ||
        old.packedBits != w.packedBits || old.packedGroup != w.packedGroup ||
        old.shape != w.shape || old.elementType != w.elementType)
      return makeError("sym_name @" + w.symbol +
                       " names two different external weights");
    return llvm::Error::success();
  };
  if (auto records = module->getAttrOfType<ArrayAttr>("qcc.external_weights"))
    for (Attribute a : records) {
      auto d = dyn_cast<DictionaryAttr>(a);
      auto type = d ? d.getAs<TypeAttr>("type") : TypeAttr();
      if (!type)
        return makeError("malformed qcc.external_weights record");
      if (llvm::Error e = add(d, type.getValue()))
        return e;
    }
  llvm::Error error = llvm::Error::success();
  module.walk([&](Operation *op) {
    if (op->getName().getStringRef() != "qcc.external_weight" ||
        op->getNumResults() != 1)
      return WalkResult::advance();
    if (llvm::Error e = add(op->getAttrDictionary(), op->getResult(0).getType())) {
      error = std::move(e);
      return WalkResult::interrupt();
    }
    return WalkResult::advance();
  });
  return error;
}

llvm::Error qcc::describeExternalWeight(Operation *op, ExternalWeight &out) {
  if (op->getName().getStringRef() != "qcc.external_weight" ||
      op->getNumResults() != 1)
    return makeError("not a qcc.external_weight op");
  return readWeight(op->getAttrDictionary(), op->getResult(0).getType(), out);
}
