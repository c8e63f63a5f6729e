//===- QuantizeLinear.cpp - qcc-quantize-linear: RTN weight quantization --===//
//
// Rewrites linear layers with constant weights into qcc.qlinear (see
// include/qcc/Pipelines/QuantizeLinear.h): reads the f32 weight (a
// qcc.external_weight from its file, or the data of a dense / dense_resource
// constant), quantizes it with qcc::quant::quantizeRTN, packs it with
// qcc_rt_qpack and appends the blob, 64-byte aligned, to the side file.
//
//===----------------------------------------------------------------------===//
#include "qcc/Pipelines/QuantizeLinear.h"

#include "qcc/Dialect/Qcc/IR/QccOps.h"
#include "qcc/Quant/QuantizedWeight.h"
#include "qcc/Runtime/QKernels.h"
#include "qcc/Target/Common/ExternalWeights.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassRegistry.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Regex.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>
#include <cstring>
#include <optional>

using namespace mlir;

namespace {

/// The qcc.qlinear `format` spelling of a quantized format.
StringRef formatName(qcc::quant::Format f) {
  switch (f) {
  case qcc::quant::Format::Uniform: return "uniform";
  case qcc::quant::Format::NF4: return "nf4";
  case qcc::quant::Format::FP8E4M3: return "fp8_e4m3";
  case qcc::quant::Format::Int8W8A8: return "int8_w8a8";
  case qcc::quant::Format::F16: return "f16";   // QF16
  case qcc::quant::Format::BF16: return "bf16"; // QF16
  default: return "";
  }
}

/// A linear layer found in the IR: y = x W^T + b, W [N, K] constant.
struct Linear {
  Operation *op;
  Value x, bias, weight; ///< weight as in the IR ([N, K], or [K, N] if transposed)
  bool weightIsKN;       ///< W is stored [K, N] (gemm without trans_b, matmul)
  std::string name;
};

/// Reads a constant f32 2-D weight as row-major floats; false if `w` is not
/// a constant this pass understands.
bool readConstant(Value w, std::vector<float> &out, std::string &error) {
  auto type = dyn_cast<RankedTensorType>(w.getType());
  if (!type || !type.getElementType().isF32() || type.getRank() != 2 ||
      !type.hasStaticShape())
    return false;
  Operation *def = w.getDefiningOp();
  if (!def)
    return false;
  uint64_t numel = uint64_t(type.getNumElements());
  if (def->getName().getStringRef() == "qcc.external_weight") {
    qcc::ExternalWeight ew;
    if (llvm::Error e = qcc::describeExternalWeight(def, ew)) {
      error = llvm::toString(std::move(e));
      return false;
    }
    out.resize(numel);
    if (llvm::Error e = qcc::readExternalWeight(
            ew, reinterpret_cast<char *>(out.data()), numel * 4)) {
      error = llvm::toString(std::move(e));
      return false;
    }
    return true;
  }
  auto cst = dyn_cast<arith::ConstantOp>(def);
  if (!cst)
    return false;
  if (auto dense = dyn_cast<DenseElementsAttr>(cst.getValue())) {
    auto values = dense.getValues<float>();
    out.assign(values.begin(), values.end());
    return out.size() == numel;
  }
  if (auto res = dyn_cast<DenseResourceElementsAttr>(cst.getValue())) {
    AsmResourceBlob *blob = res.getRawHandle().getBlob();
    if (!blob || blob->getData().size() != numel * 4)
      return false;
    out.resize(numel);
    std::memcpy(out.data(), blob->getData().data(), numel * 4);
    return true;
  }
  return false;
}

/// The name of a layer: qcc.layer, else the weight's tensor / symbol name.
std::string layerName(Operation *op, Value w, int index) {
  if (auto s = op->getAttrOfType<StringAttr>("qcc.layer"))
    return s.str();
  if (Operation *def = w.getDefiningOp()) {
    if (auto t = def->getAttrOfType<StringAttr>("tensor"))
      return t.str();
    if (auto loc = dyn_cast<NameLoc>(def->getLoc()))
      return loc.getName().str();
  }
  return "linear" + std::to_string(index);
}

/// Matches y = x W^T + b with a constant-looking W; nullopt otherwise.
std::optional<Linear> match(Operation *op) {
  Linear l{op, {}, {}, {}, false, ""};
  if (auto g = dyn_cast<qcc::GemmOp>(op)) {
    if (g.getTransA() || g.getAlpha().convertToFloat() != 1.0f)
      return std::nullopt;
    if (g.getC() && g.getBeta().convertToFloat() != 1.0f)
      return std::nullopt;
    l.x = g.getA(), l.weight = g.getB(), l.bias = g.getC();
    l.weightIsKN = !g.getTransB();
  } else if (auto m = dyn_cast<qcc::MatMulOp>(op)) {
    l.x = m.getLhs(), l.weight = m.getRhs();
    l.weightIsKN = true;
  } else {
    return std::nullopt;
  }
  auto wt = dyn_cast<RankedTensorType>(l.weight.getType());
  auto xt = dyn_cast<RankedTensorType>(l.x.getType());
  if (!wt || !xt || wt.getRank() != 2 || !wt.hasStaticShape() || xt.getRank() < 1)
    return std::nullopt;
  int64_t n = l.weightIsKN ? wt.getDimSize(1) : wt.getDimSize(0);
  if (l.bias) {
    auto bt = dyn_cast<RankedTensorType>(l.bias.getType());
    if (!bt || bt.getRank() != 1 || bt.getDimSize(0) != n ||
        !bt.getElementType().isF32())
      return std::nullopt;
  }
  return l;
}

struct QuantizeLinearPass
    : public PassWrapper<QuantizeLinearPass, OperationPass<ModuleOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(QuantizeLinearPass)

  QuantizeLinearPass() = default;
  QuantizeLinearPass(const QuantizeLinearPass &other) : PassWrapper(other) {}
  explicit QuantizeLinearPass(const qcc::QuantizeLinearOptions &o) {
    scheme = o.scheme;
    layers = o.layers;
    sideFile = o.sideFile;
  }

  StringRef getArgument() const final { return "qcc-quantize-linear"; }
  StringRef getDescription() const final {
    return "Quantize linear layers with constant weights (round-to-nearest) "
           "into qcc.qlinear with packed blobs in a side file";
  }
  void getDependentDialects(DialectRegistry &registry) const override {
    registry.insert<qcc::QccDialect>();
  }

  Option<std::string> scheme{*this, "scheme",
                             llvm::cl::desc("Quantization scheme name"),
                             llvm::cl::init("int4_g128_asym")};
  Option<std::string> layers{*this, "layers",
                             llvm::cl::desc("Regex of the layer names to quantize"),
                             llvm::cl::init("")};
  Option<std::string> sideFile{*this, "side-file",
                               llvm::cl::desc("File the packed blobs are written to"),
                               llvm::cl::init("qcc-packed.bin")};

  void runOnOperation() override {
    ModuleOp module = getOperation();
    std::optional<qcc::quant::Scheme> s = qcc::quant::Scheme::parse(scheme);
    if (!s || !s->isPacked() || formatName(s->format).empty()) { // QF16: + f16/bf16
      module.emitError() << "qcc-quantize-linear: unknown or unquantized scheme '"
                         << scheme << "'";
      return signalPassFailure();
    }
    llvm::Regex filter(layers);
    std::string why;
    if (!layers.empty() && !filter.isValid(why)) {
      module.emitError() << "qcc-quantize-linear: bad layers regex '" << layers
                         << "': " << why;
      return signalPassFailure();
    }
    SmallVector<Linear> found;
    int index = 0;
    module.walk([&](Operation *op) {
      if (std::optional<Linear> l = match(op)) {
        l->name = layerName(op, l->weight, index++);
        if (layers.empty() || filter.match(l->name))
          found.push_back(*l);
      }
    });
    if (found.empty())
      return;

    llvm::SmallString<256> path(sideFile.getValue());
    (void)llvm::sys::fs::make_absolute(path);
    std::error_code ec;
    llvm::raw_fd_ostream out(path, ec, llvm::sys::fs::OF_None);
    if (ec) {
      module.emitError() << "qcc-quantize-linear: cannot write '" << path
                         << "': " << ec.message();
      return signalPassFailure();
    }
    uint64_t offset = 0;
    int skipped = 0;
    std::string firstSkipped;
    for (Linear &l : found) {
      auto wt = cast<RankedTensorType>(l.weight.getType());
      int64_t n = wt.getDimSize(l.weightIsKN ? 1 : 0);
      int64_t k = wt.getDimSize(l.weightIsKN ? 0 : 1);
      auto xt = cast<RankedTensorType>(l.x.getType());
      if (xt.isDynamicDim(xt.getRank() - 1) || xt.getShape().back() != k)
        continue;
      std::string invalid;
      if (!s->validFor(n, k, &invalid)) {
        if (!skipped++)
          firstSkipped = l.name + " (" + invalid + ")";
        continue;
      }
      if (!qcc_rt_qscheme_valid(int32_t(s->format), s->bits, n, k, s->groupSize(k))) {
        if (!skipped++)
          firstSkipped = l.name + " (the quantized kernels do not support it)";
        continue;
      }
      std::vector<float> w;
      std::string error;
      if (!readConstant(l.weight, w, error)) {
        if (!error.empty()) {
          l.op->emitError() << "qcc-quantize-linear: " << error;
          return signalPassFailure();
        }
        continue; // not a constant weight: stays f32
      }
      if (l.weightIsKN) { // [K, N] -> [N, K]
        std::vector<float> t(w.size());
        for (int64_t r = 0; r < k; ++r)
          for (int64_t c = 0; c < n; ++c)
            t[c * k + r] = w[r * n + c];
        w.swap(t);
      }
      for (float v : w)
        if (!std::isfinite(v)) {
          l.op->emitError() << "qcc-quantize-linear: layer '" << l.name
                            << "' has a non-finite weight";
          return signalPassFailure();
        }
      qcc::quant::QuantizedWeight q = qcc::quant::quantizeRTN(w.data(), n, k, *s);
      int32_t format = int32_t(q.scheme.format);
      int64_t group = q.scheme.group;
      uint64_t size = qcc_rt_qpacked_size(format, q.scheme.bits, n, k, group);
      if (size == 0) {
        l.op->emitError() << "qcc-quantize-linear: no packed size for layer '"
                          << l.name << "'";
        return signalPassFailure();
      }
      std::vector<uint8_t> blob(size);
      if (qcc_rt_qpack(format, q.scheme.bits, n, k, group, q.codes.data(),
                       q.scales.data(), q.mins.empty() ? nullptr : q.mins.data(),
                       blob.data()) != 0) {
        l.op->emitError() << "qcc-quantize-linear: qcc_rt_qpack failed for '"
                          << l.name << "'";
        return signalPassFailure();
      }
      uint64_t aligned = (offset + 63) & ~uint64_t(63);
      out.write_zeros(aligned - offset);
      out.write(reinterpret_cast<const char *>(blob.data()), size);
      offset = aligned + size;

      OpBuilder b(l.op);
      std::string sym = "wq.";
      for (char ch : l.name)
        sym += (llvm::isAlnum(ch) || ch == '_' || ch == '.') ? ch : '_';
      sym += "." + std::to_string(aligned); // unique per blob
      auto blobType = RankedTensorType::get({int64_t(size)}, b.getI8Type());
      Value packed = qcc::ExternalWeightOp::create(
          b, l.op->getLoc(), blobType, sym, path.str(), "raw", l.name,
          b.getI64IntegerAttr(int64_t(aligned)), IntegerAttr(), IntegerAttr());
      auto outType = cast<RankedTensorType>(l.op->getResult(0).getType());
      auto y = qcc::QLinearOp::create(b, l.op->getLoc(), outType, l.x, packed,
                                      l.bias, formatName(q.scheme.format),
                                      q.scheme.bits, group, n);
      y->setAttr("qcc.layer", b.getStringAttr(l.name));
      Operation *weightDef = l.weight.getDefiningOp();
      l.op->getResult(0).replaceAllUsesWith(y.getResult());
      l.op->erase();
      if (weightDef && weightDef->use_empty())
        weightDef->erase();
    }
    out.close();
    if (out.has_error()) {
      module.emitError() << "qcc-quantize-linear: cannot write '" << path
                         << "': " << out.error().message();
      out.clear_error();
      return signalPassFailure();
    }
    if (skipped)
      module.emitWarning() << "qcc-quantize-linear: " << skipped
                           << " linear layer(s) stay f32, scheme " << scheme
                           << " does not fit them; first: " << firstSkipped;
  }
};

} // namespace

std::unique_ptr<Pass>
qcc::createQuantizeLinearPass(const QuantizeLinearOptions &options) {
  return std::make_unique<QuantizeLinearPass>(options);
}

void qcc::registerQuantizeLinearPass() {
  PassRegistration<QuantizeLinearPass>();
}
