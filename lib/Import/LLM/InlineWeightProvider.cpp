//===- InlineWeightProvider.cpp - weights as arith.constant dense_resource ---===//
//
// The inline provider reads each requested tensor as f32 from the WeightSource
// into a heap AsmResourceBlob and returns an arith.constant dense_resource of
// it (one constant per name, created once, at the builder's insertion point of
// the first request). Costs one f32 copy of the model in compile memory.
//
//===----------------------------------------------------------------------===//
#include "qcc/Import/WeightProvider.h"

#include "qcc/Import/WeightSource.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "llvm/ADT/StringExtras.h"

#include <map>

using namespace mlir;

namespace qcc {

WeightProvider::~WeightProvider() = default;

namespace {

/// A resource blob name for a tensor name: keeps [A-Za-z0-9_.], maps the rest to '_'.
std::string blobNameFor(const std::string &tensor) {
  std::string name;
  for (char c : tensor)
    name.push_back(llvm::isAlnum(c) || c == '_' || c == '.' ? c : '_');
  if (name.empty() || llvm::isDigit(name[0]))
    name = "t_" + name;
  return name;
}

class InlineWeightProvider : public WeightProvider {
public:
  InlineWeightProvider(MLIRContext &ctx, const WeightSource &src) : ctx_(ctx), src_(src) {}

  FailureOr<Value> get(OpBuilder &b, Location loc, const std::string &name) override {
    auto it = cache_.find(name);
    if (it != cache_.end())
      return it->second;
    const WeightInfo *w = src_.find(name);
    if (!w)
      return emitError(loc) << src_.path() << ": tensor '" << name << "' is missing";
    auto type = RankedTensorType::get(w->shape, Float32Type::get(&ctx_));
    size_t bytes = size_t(w->numel()) * sizeof(float);
    AsmResourceBlob blob = HeapAsmResourceBlob::allocate(bytes, alignof(float));
    std::string error;
    if (!src_.readF32(name, reinterpret_cast<float *>(blob.getMutableData().data()), error))
      return emitError(loc) << error;
    auto attr = DenseResourceElementsAttr::get(type, blobNameFor(name), std::move(blob));
    Value v = arith::ConstantOp::create(b, loc, type, attr);
    cache_[name] = v;
    return v;
  }

private:
  MLIRContext &ctx_;
  const WeightSource &src_;
  std::map<std::string, Value> cache_;
};

} // namespace

std::unique_ptr<WeightProvider> makeInlineWeightProvider(MLIRContext &ctx,
                                                         const WeightSource &src) {
  return std::make_unique<InlineWeightProvider>(ctx, src);
}

} // namespace qcc
