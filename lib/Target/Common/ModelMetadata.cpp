//===- ModelMetadata.cpp - model metadata text from @main's signature -------===//
#include "qcc/Target/Common/ModelEmitter.h"

#include "Metadata.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/BuiltinTypes.h"

using namespace mlir;

namespace {

/// Maps an MLIR element type to a runtime element type (INVALID if none).
int32_t toElementType(Type type) {
  if (type.isF32())
    return QCC_ELEMENT_TYPE_F32;
  if (type.isF64())
    return QCC_ELEMENT_TYPE_F64;
  if (type.isF16())
    return QCC_ELEMENT_TYPE_F16;
  if (type.isBF16())
    return QCC_ELEMENT_TYPE_BF16;
  auto it = dyn_cast<IntegerType>(type);
  if (!it)
    return QCC_ELEMENT_TYPE_INVALID;
  bool isUnsigned = it.isUnsigned();
  switch (it.getWidth()) {
  case 1:
    return QCC_ELEMENT_TYPE_BOOL;
  case 8:
    return isUnsigned ? QCC_ELEMENT_TYPE_U8 : QCC_ELEMENT_TYPE_I8;
  case 16:
    return isUnsigned ? QCC_ELEMENT_TYPE_U16 : QCC_ELEMENT_TYPE_I16;
  case 32:
    return isUnsigned ? QCC_ELEMENT_TYPE_U32 : QCC_ELEMENT_TYPE_I32;
  case 64:
    return isUnsigned ? QCC_ELEMENT_TYPE_U64 : QCC_ELEMENT_TYPE_I64;
  default:
    return QCC_ELEMENT_TYPE_INVALID;
  }
}

/// Reads entry `index` of an array-of-strings attribute `name`, or "".
std::string stringAt(func::FuncOp fn, StringRef name, size_t index) {
  auto arr = fn->getAttrOfType<ArrayAttr>(name);
  if (!arr || index >= arr.size())
    return "";
  auto s = dyn_cast<StringAttr>(arr[index]);
  return s ? s.getValue().str() : "";
}

/// Describes `type` (a ranked tensor or memref) as value `name`.
bool describe(Type type, const std::string &name, qcc::rt::ValueInfo &out,
              std::string &error) {
  auto shaped = dyn_cast<ShapedType>(type);
  if (!shaped || !shaped.hasRank() ||
      !(isa<RankedTensorType>(type) || isa<MemRefType>(type))) {
    std::string s;
    llvm::raw_string_ostream os(s);
    os << "'" << name << "' has type " << type
       << ", but a model input or output must be a ranked tensor or memref";
    error = s;
    return false;
  }
  out.name = name;
  out.elementType = toElementType(shaped.getElementType());
  if (out.elementType == QCC_ELEMENT_TYPE_INVALID) {
    std::string s;
    llvm::raw_string_ostream os(s);
    os << "'" << name << "' has element type " << shaped.getElementType()
       << ", which the runtime does not support";
    error = s;
    return false;
  }
  if (shaped.getRank() > QCC_MAX_RANK) {
    error = "'" + name + "' has rank " + std::to_string(shaped.getRank()) +
            " (the runtime supports up to " + std::to_string(QCC_MAX_RANK) +
            ")";
    return false;
  }
  for (int64_t d : shaped.getShape())
    out.dims.push_back(ShapedType::isDynamic(d) ? -1 : d);
  out.dimNames.assign(out.dims.size(), "");
  return true;
}

/// Writes one `attr <key> <value>` record (Contract 5) per entry of @main's
/// `qcc.model_attrs` dictionary (string values; integers are written in
/// decimal), in key order.
bool writeModelAttrs(func::FuncOp fn, std::string &out, std::string &error) {
  Attribute raw = fn->getAttr("qcc.model_attrs");
  if (!raw)
    return true;
  auto dict = dyn_cast<DictionaryAttr>(raw);
  if (!dict) {
    error = "qcc.model_attrs of @main must be a dictionary of strings";
    return false;
  }
  for (NamedAttribute entry : dict) {
    std::string value;
    if (auto s = dyn_cast<StringAttr>(entry.getValue())) {
      value = s.getValue().str();
    } else if (auto i = dyn_cast<IntegerAttr>(entry.getValue())) {
      value = std::to_string(i.getValue().getSExtValue());
    } else {
      error = "qcc.model_attrs entry '" + entry.getName().str() +
              "' of @main must be a string";
      return false;
    }
    out += "attr " + qcc::rt::escapeToken(entry.getName().str()) + " " +
           qcc::rt::escapeToken(value) + "\n";
  }
  return true;
}

} // namespace

std::optional<std::string>
qcc::buildModelMetadata(ModuleOp module, std::string &error,
                        const MachineOptions *machine) {
  auto fn = module.lookupSymbol<func::FuncOp>("main");
  if (!fn) {
    error = "the module has no func.func @main to describe";
    return std::nullopt;
  }
  rt::ModelSignature sig;
  if (auto src = module->getAttrOfType<StringAttr>("qcc.source"))
    sig.source = src.getValue().str();
  if (machine) {
    sig.targetCpu = machine->cpu;
    sig.targetFeatures = machine->features;
  }
  FunctionType type = fn.getFunctionType();
  for (auto [i, argType] : llvm::enumerate(type.getInputs())) {
    std::string name = stringAt(fn, "qcc.input_names", i);
    if (name.empty())
      name = "input_" + std::to_string(i);
    rt::ValueInfo info;
    if (!describe(argType, name, info, error))
      return std::nullopt;
    if (auto dims = fn->getAttrOfType<ArrayAttr>("qcc.input_dims");
        dims && i < dims.size())
      if (auto names = dyn_cast<ArrayAttr>(dims[i]))
        for (auto [d, n] : llvm::enumerate(names))
          if (auto s = dyn_cast<StringAttr>(n);
              s && d < info.dimNames.size() && info.dims[d] < 0)
            info.dimNames[d] = s.getValue().str();
    sig.inputs.push_back(std::move(info));
  }
  for (auto [i, resType] : llvm::enumerate(type.getResults())) {
    std::string name = stringAt(fn, "qcc.output_names", i);
    if (name.empty())
      name = "output_" + std::to_string(i);
    rt::ValueInfo info;
    if (!describe(resType, name, info, error))
      return std::nullopt;
    if (auto dims = fn->getAttrOfType<ArrayAttr>("qcc.output_dims");
        dims && i < dims.size())
      if (auto names = dyn_cast<ArrayAttr>(dims[i]))
        for (auto [d, n] : llvm::enumerate(names))
          if (auto s = dyn_cast<StringAttr>(n);
              s && d < info.dimNames.size() && info.dims[d] < 0)
            info.dimNames[d] = s.getValue().str();
    sig.outputs.push_back(std::move(info));
  }
  if (sig.outputs.empty()) {
    error = "@main has no results";
    return std::nullopt;
  }
  std::string attrs;
  if (!writeModelAttrs(fn, attrs, error))
    return std::nullopt;
  std::string text = rt::writeMetadata(sig);
  // The attr records go just before the closing "end" record.
  size_t end = text.rfind("end\n");
  text.insert(end == std::string::npos ? text.size() : end, attrs);
  return text;
}

LogicalResult qcc::attachModelMetadata(ModuleOp module, StringRef metadata) {
  if (module.lookupSymbol(kMetadataSymbol))
    return success();
  if (metadata.empty())
    return failure();
  MLIRContext *ctx = module.getContext();
  ctx->getOrLoadDialect<LLVM::LLVMDialect>();
  std::string text = metadata.str();
  text.push_back('\0');
  auto type = LLVM::LLVMArrayType::get(IntegerType::get(ctx, 8), text.size());
  OpBuilder builder = OpBuilder::atBlockEnd(module.getBody());
  LLVM::GlobalOp::create(builder, module.getLoc(), type, /*isConstant=*/true,
                         LLVM::Linkage::External, kMetadataSymbol,
                         builder.getStringAttr(text));
  return success();
}
