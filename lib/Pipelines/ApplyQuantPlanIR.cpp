//===- ApplyQuantPlanIR.cpp - IR helpers of the plan-driven quantization ---===//
//
// Linear matching, constant reading, side-file writing, qcc.qlinear rewrite
// and scale folding for qcc-apply-quant-plan (see ApplyQuantPlanIR.h).
//===----------------------------------------------------------------------===//
#include "ApplyQuantPlanIR.h"

#include "qcc/Dialect/Qcc/IR/QccOps.h"
#include "qcc/Runtime/QKernels.h"
#include "qcc/Target/Common/ExternalWeights.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "llvm/ADT/SmallPtrSet.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"

#include <cstring>

using namespace mlir;

namespace qcc::applyplan {

namespace {

/// The qcc.qlinear `format` spelling of a quantized format.
StringRef formatName(quant::Format f) {
  switch (f) {
  case quant::Format::Uniform: return "uniform";
  case quant::Format::NF4: return "nf4";
  case quant::Format::FP8E4M3: return "fp8_e4m3";
  case quant::Format::Int8W8A8: return "int8_w8a8";
  case quant::Format::Int8W8A8Azp: return "int8_w8a8_azp";
  case quant::Format::F16: return "f16";   // QF16
  case quant::Format::BF16: return "bf16"; // QF16
  default: return "";
  }
}

/// A symbol-safe spelling of a layer name with a unique suffix.
std::string symbolFor(StringRef prefix, StringRef name, uint64_t offset) {
  std::string sym = prefix.str();
  for (char ch : name)
    sym += (llvm::isAlnum(ch) || ch == '_' || ch == '.') ? ch : '_';
  return sym + "." + std::to_string(offset);
}

/// Whether every user of \p v is one of \p ops.
bool usedOnlyBy(Value v, ArrayRef<Operation *> ops) {
  llvm::SmallPtrSet<Operation *, 8> set(ops.begin(), ops.end());
  for (Operation *u : v.getUsers())
    if (!set.count(u))
      return false;
  return true;
}

} // namespace

std::optional<Linear> matchLinear(Operation *op) {
  Linear l;
  l.op = op;
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
  if (!wt || !xt || wt.getRank() != 2 || !wt.hasStaticShape() || xt.getRank() < 1 ||
      !wt.getElementType().isF32())
    return std::nullopt;
  l.n = l.weightIsKN ? wt.getDimSize(1) : wt.getDimSize(0);
  l.k = l.weightIsKN ? wt.getDimSize(0) : wt.getDimSize(1);
  if (xt.isDynamicDim(xt.getRank() - 1) || xt.getShape().back() != l.k)
    return std::nullopt;
  if (l.bias) {
    auto bt = dyn_cast<RankedTensorType>(l.bias.getType());
    if (!bt || bt.getRank() != 1 || bt.getDimSize(0) != l.n || !bt.getElementType().isF32())
      return std::nullopt;
  }
  return l;
}

bool readConstant(Value w, std::vector<float> &out, std::string &error) {
  auto type = dyn_cast<RankedTensorType>(w.getType());
  if (!type || !type.getElementType().isF32() || !type.hasStaticShape())
    return false;
  Operation *def = w.getDefiningOp();
  if (!def)
    return false;
  uint64_t numel = uint64_t(type.getNumElements());
  if (isa<qcc::ExternalWeightOp>(def)) {
    qcc::ExternalWeight ew;
    if (llvm::Error e = qcc::describeExternalWeight(def, ew)) {
      error = llvm::toString(std::move(e));
      return false;
    }
    out.resize(numel);
    if (llvm::Error e =
            qcc::readExternalWeight(ew, reinterpret_cast<char *>(out.data()), numel * 4)) {
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

bool readWeightNK(const Linear &l, std::vector<float> &w, std::string &error) {
  if (!readConstant(l.weight, w, error))
    return false;
  if (l.weightIsKN) { // [K, N] -> [N, K]
    std::vector<float> t(w.size());
    for (int64_t r = 0; r < l.k; ++r)
      for (int64_t c = 0; c < l.n; ++c)
        t[c * l.k + r] = w[r * l.n + c];
    w.swap(t);
  }
  return true;
}

bool SideFile::open(const std::string &path, std::string &error) {
  llvm::SmallString<256> abs(path);
  (void)llvm::sys::fs::make_absolute(abs);
  path_ = abs.str().str();
  std::error_code ec;
  out_ = std::make_unique<llvm::raw_fd_ostream>(path_, ec, llvm::sys::fs::OF_None);
  if (ec) {
    error = "cannot write '" + path_ + "': " + ec.message();
    out_.reset();
    return false;
  }
  offset_ = 0;
  return true;
}

uint64_t SideFile::append(const void *data, uint64_t size) {
  uint64_t aligned = (offset_ + 63) & ~uint64_t(63);
  out_->write_zeros(aligned - offset_);
  out_->write(static_cast<const char *>(data), size);
  offset_ = aligned + size;
  return aligned;
}

bool SideFile::close(std::string &error) {
  if (!out_)
    return true;
  out_->close();
  bool ok = !out_->has_error();
  if (!ok) {
    error = "cannot write '" + path_ + "': " + out_->error().message();
    out_->clear_error();
  }
  out_.reset();
  return ok;
}

bool emitQLinear(Linear &l, const std::string &name, const quant::QuantizedWeight &q,
                 Value bias, SideFile &side, std::string &error) {
  int32_t format = int32_t(q.scheme.format);
  int64_t group = q.scheme.group;
  uint64_t size = qcc_rt_qpacked_size(format, q.scheme.bits, l.n, l.k, group);
  if (size == 0) {
    error = "no packed size for layer '" + name + "' in scheme " + q.scheme.name();
    return false;
  }
  std::vector<uint8_t> blob(size);
  if (qcc_rt_qpack(format, q.scheme.bits, l.n, l.k, group, q.codes.data(), q.scales.data(),
                   q.mins.empty() ? nullptr : q.mins.data(), blob.data()) != 0) {
    error = "qcc_rt_qpack failed for layer '" + name + "'";
    return false;
  }
  uint64_t offset = side.append(blob.data(), size);
  OpBuilder b(l.op);
  auto blobType = RankedTensorType::get({int64_t(size)}, b.getI8Type());
  Value packed = qcc::ExternalWeightOp::create(
      b, l.op->getLoc(), blobType, symbolFor("wq.", name, offset), side.path(), "raw", name,
      b.getI64IntegerAttr(int64_t(offset)), IntegerAttr(), IntegerAttr());
  auto outType = cast<RankedTensorType>(l.op->getResult(0).getType());
  Value useBias = bias ? bias : l.bias;
  auto y = qcc::QLinearOp::create(b, l.op->getLoc(), outType, l.x, packed, useBias,
                                  formatName(q.scheme.format), q.scheme.bits, group, l.n);
  y->setAttr("qcc.layer", b.getStringAttr(name));
  Operation *weightDef = l.weight.getDefiningOp();
  Operation *biasDef = l.bias && bias ? l.bias.getDefiningOp() : nullptr;
  l.op->getResult(0).replaceAllUsesWith(y.getResult());
  l.op->erase();
  l.op = y;
  if (weightDef && weightDef->use_empty())
    weightDef->erase();
  if (biasDef && biasDef->use_empty())
    biasDef->erase();
  return true;
}

void replaceWeight(Linear &l, const std::string &name, const std::vector<float> &w, Value bias,
                   SideFile &side) {
  std::vector<float> stored;
  const std::vector<float> *data = &w;
  if (l.weightIsKN) { // back to [K, N]
    stored.resize(w.size());
    for (int64_t r = 0; r < l.n; ++r)
      for (int64_t c = 0; c < l.k; ++c)
        stored[c * l.n + r] = w[r * l.k + c];
    data = &stored;
  }
  uint64_t offset = side.append(data->data(), data->size() * sizeof(float));
  OpBuilder b(l.op);
  Value nw = qcc::ExternalWeightOp::create(
      b, l.op->getLoc(), l.weight.getType(), symbolFor("wf.", name, offset), side.path(), "raw",
      name, b.getI64IntegerAttr(int64_t(offset)), IntegerAttr(), IntegerAttr());
  Operation *weightDef = l.weight.getDefiningOp();
  Operation *biasDef = l.bias && bias ? l.bias.getDefiningOp() : nullptr;
  if (auto g = dyn_cast<qcc::GemmOp>(l.op)) {
    g.getBMutable().assign(nw);
    if (bias)
      g.getCMutable().assign(bias);
  } else {
    cast<qcc::MatMulOp>(l.op).getRhsMutable().assign(nw);
  }
  l.weight = nw;
  if (bias)
    l.bias = bias;
  if (weightDef && weightDef->use_empty())
    weightDef->erase();
  if (biasDef && biasDef->use_empty())
    biasDef->erase();
}

Value makeConstant(Operation *at, ArrayRef<int64_t> shape, ArrayRef<float> values) {
  OpBuilder b(at);
  auto type = RankedTensorType::get(shape, b.getF32Type());
  return arith::ConstantOp::create(b, at->getLoc(), DenseElementsAttr::get(type, values));
}

FoldKind foldIntoNormOrMul(Value x, ArrayRef<Operation *> group, ArrayRef<float> s,
                           std::string &what) {
  int64_t k = int64_t(s.size());
  Operation *def = x.getDefiningOp();
  if (def && usedOnlyBy(x, group) && isa<qcc::RmsNormOp, qcc::LayerNormOp>(def)) {
    Value gamma = def->getOperand(1);
    Value beta = isa<qcc::LayerNormOp>(def) ? cast<qcc::LayerNormOp>(def).getBias() : Value();
    std::vector<float> g, bt;
    std::string error;
    auto gt = dyn_cast<RankedTensorType>(gamma.getType());
    bool ok = gt && gt.getRank() == 1 && gt.getDimSize(0) == k && readConstant(gamma, g, error);
    if (ok && beta) {
      auto btT = dyn_cast<RankedTensorType>(beta.getType());
      ok = btT && btT.getRank() == 1 && btT.getDimSize(0) == k && readConstant(beta, bt, error);
    }
    if (ok) {
      for (int64_t j = 0; j < k; ++j) {
        g[j] /= s[j];
        if (beta)
          bt[j] /= s[j];
      }
      Operation *oldG = gamma.getDefiningOp(), *oldB = beta ? beta.getDefiningOp() : nullptr;
      def->setOperand(1, makeConstant(def, {k}, g));
      if (beta)
        cast<qcc::LayerNormOp>(def).getBiasMutable().assign(makeConstant(def, {k}, bt));
      if (oldG && oldG->use_empty())
        oldG->erase();
      if (oldB && oldB->use_empty())
        oldB->erase();
      what = def->getName().getStringRef().str() + " gamma" + (beta ? " and beta" : "");
      return FoldKind::Norm;
    }
  }
  // qcc.mul(x, 1/s) right after x is defined, feeding the group.
  std::vector<float> inv(s.size());
  for (int64_t j = 0; j < k; ++j)
    inv[j] = 1.0f / s[j];
  OpBuilder b(x.getContext());
  if (def)
    b.setInsertionPointAfter(def);
  else
    b.setInsertionPointToStart(cast<BlockArgument>(x).getOwner());
  auto type = RankedTensorType::get({k}, b.getF32Type());
  Value c = arith::ConstantOp::create(b, x.getLoc(), DenseElementsAttr::get(type, ArrayRef<float>(inv)));
  Value m = qcc::MulOp::create(b, x.getLoc(), x.getType(), x, c);
  llvm::SmallPtrSet<Operation *, 8> set(group.begin(), group.end());
  x.replaceUsesWithIf(m, [&](OpOperand &use) { return set.count(use.getOwner()) != 0; });
  what = "qcc.mul by 1/s";
  return FoldKind::Mul;
}

Operation *rowFoldProducer(Value x, ArrayRef<Operation *> group) {
  if (!usedOnlyBy(x, group))
    return nullptr;
  Operation *def = x.getDefiningOp();
  if (!def)
    return nullptr;
  if (matchLinear(def))
    return def;
  if (auto m = dyn_cast<qcc::MulOp>(def)) {
    if (m.getLhs().getType() != x.getType() || m.getRhs().getType() != x.getType())
      return nullptr;
    for (Value v : {m.getRhs(), m.getLhs()})
      if (Operation *p = v.getDefiningOp())
        if (v.hasOneUse() && matchLinear(p))
          return p;
  }
  return nullptr;
}

} // namespace qcc::applyplan
