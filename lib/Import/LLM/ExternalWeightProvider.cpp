//===- ExternalWeightProvider.cpp - WeightProvider emitting external weights ===//
//
// makeExternalWeightProvider (WeightProvider.h, Contract 5 part A): every
// weight becomes a `qcc.external_weight` op naming the checkpoint file and
// tensor; no byte is read while the graph is built. The back end streams the
// data into model.so at link time (include/qcc/Target/Common/ExternalWeights.h).
//
//===----------------------------------------------------------------------===//
#include "qcc/Import/WeightProvider.h"
#include "qcc/Import/WeightSource.h"

#include "qcc/Dialect/Qcc/IR/QccOps.h"

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Diagnostics.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

#include <map>
#include <set>

using namespace mlir;

namespace {

class ExternalWeightProvider : public qcc::WeightProvider {
public:
  explicit ExternalWeightProvider(const qcc::WeightSource &source)
      : source_(source) {}

  FailureOr<Value> get(OpBuilder &b, Location loc,
                       const std::string &name) override {
    const qcc::WeightInfo *info = source_.find(name);
    if (!info)
      return emitError(loc) << source_.path() << ": tensor '" << name
                            << "' is missing",
             failure();
    if (info->dtype == qcc::WeightDType::Other)
      return emitError(loc) << info->file << ": tensor '" << name
                            << "' has an element type qcc cannot convert to "
                               "f32",
             failure();
    auto type = RankedTensorType::get(info->shape, b.getF32Type());
    // The source path is made absolute so that model.so can be linked from
    // any directory; the format follows the file (a GGUF file also holds
    // plain F32/F16 tensors).
    SmallString<256> file(info->file);
    (void)llvm::sys::fs::make_absolute(file);
    StringRef format = llvm::sys::path::extension(file) == ".gguf"
                           ? "gguf"
                           : "safetensors";
    auto op = qcc::ExternalWeightOp::create(b, loc, type, symbolFor(name),
                                            file.str(), format, name,
                                            /*offset=*/IntegerAttr());
    return op.getResult();
  }

private:
  /// A symbol for tensor `name`, stable per name and unique in the module:
  /// "w." is prefixed and bytes outside [A-Za-z0-9_.] become '_'.
  std::string symbolFor(const std::string &name) {
    auto it = symbols_.find(name);
    if (it != symbols_.end())
      return it->second;
    std::string sym = "w.";
    for (char c : name)
      sym += (llvm::isAlnum(c) || c == '_' || c == '.') ? c : '_';
    std::string unique = sym;
    for (int n = 1; !taken_.insert(unique).second; ++n)
      unique = sym + "." + std::to_string(n);
    symbols_[name] = unique;
    return unique;
  }

  const qcc::WeightSource &source_;
  std::map<std::string, std::string> symbols_;
  std::set<std::string> taken_;
};

} // namespace

std::unique_ptr<qcc::WeightProvider>
qcc::makeExternalWeightProvider(MLIRContext &, const WeightSource &source) {
  return std::make_unique<ExternalWeightProvider>(source);
}
