//===- InsertObservers.cpp - qcc.observe on the input of every linear layer -===//
#include "qcc/Passes/Calib/Passes.h"

#include "qcc/Dialect/Qcc/IR/QccDialect.h"
#include "qcc/Dialect/Qcc/IR/QccOps.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Matchers.h"

#include "llvm/ADT/MapVector.h"

namespace qcc {
#define GEN_PASS_DEF_INSERTOBSERVERS
#include "qcc/Passes/Calib/Passes.h.inc"
} // namespace qcc

using namespace mlir;

namespace {

/// True when `w` is a constant (any ConstantLike op) or an external weight.
bool isWeight(Value w) {
  Operation *def = w.getDefiningOp();
  return def && (isa<qcc::ExternalWeightOp>(def) || matchPattern(w, m_Constant()));
}

/// The layer name: qcc.layer, the external tensor name, the weight's
/// location name, or linear.<index>.
std::string layerName(Operation *op, Value w, size_t index) {
  if (auto name = op->getAttrOfType<StringAttr>("qcc.layer"))
    if (!name.getValue().empty())
      return name.str();
  Operation *def = w.getDefiningOp();
  if (auto ext = dyn_cast<qcc::ExternalWeightOp>(def))
    return ext.getTensor().str();
  std::string found;
  def->getLoc()->walk([&](Location l) {
    if (auto n = dyn_cast<NameLoc>(l)) {
      found = n.getName().str();
      return WalkResult::interrupt();
    }
    return WalkResult::advance();
  });
  if (!found.empty())
    return found;
  return "linear." + std::to_string(index);
}

/// K and N of a 2-D weight used as op(B) with `transB`.
bool weightDims(Value w, bool transB, int64_t &in, int64_t &out) {
  auto t = dyn_cast<RankedTensorType>(w.getType());
  if (!t || t.getRank() != 2 || !t.hasStaticShape())
    return false;
  in = transB ? t.getDimSize(1) : t.getDimSize(0);
  out = transB ? t.getDimSize(0) : t.getDimSize(1);
  return true;
}

/// f32 input with a static last dimension equal to K.
bool observableInput(Value x, int64_t in) {
  auto t = dyn_cast<RankedTensorType>(x.getType());
  return t && t.getElementType().isF32() && t.getRank() >= 1 &&
         t.getDimSize(t.getRank() - 1) == in;
}

struct InsertObserversPass
    : public qcc::impl::InsertObserversBase<InsertObserversPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    int64_t nextId = 0;
    module.walk([&](qcc::ObserveOp op) { nextId = std::max<int64_t>(nextId, op.getId() + 1); });
    // Layers grouped by input value, in program order of first use.
    llvm::MapVector<Value, std::pair<Operation *, std::vector<std::string>>> groups;
    for (const qcc::LinearLayer &l : qcc::findLinearLayers(module)) {
      auto &g = groups[l.input];
      if (!g.first)
        g.first = l.op;
      g.second.push_back(l.name);
    }
    for (auto &[input, group] : groups) {
      OpBuilder b(group.first);
      SmallVector<Attribute> names;
      for (const std::string &n : group.second)
        names.push_back(b.getStringAttr(n));
      qcc::ObserveOp::create(b, group.first->getLoc(), input, b.getI64IntegerAttr(nextId++),
                             b.getArrayAttr(names));
    }
  }
};

} // namespace

std::vector<qcc::LinearLayer> qcc::findLinearLayers(ModuleOp module) {
  std::vector<LinearLayer> layers;
  module.walk([&](Operation *op) {
    Value x, w;
    bool transB = false;
    if (auto gemm = dyn_cast<qcc::GemmOp>(op)) {
      if (gemm.getTransA())
        return;
      x = gemm.getA();
      w = gemm.getB();
      transB = gemm.getTransB();
    } else if (auto mm = dyn_cast<qcc::MatMulOp>(op)) {
      x = mm.getLhs();
      w = mm.getRhs();
    } else {
      return;
    }
    LinearLayer l;
    if (!isWeight(w) || !weightDims(w, transB, l.in, l.out) || !observableInput(x, l.in))
      return;
    l.name = layerName(op, w, layers.size());
    l.op = op;
    l.input = x;
    layers.push_back(std::move(l));
  });
  return layers;
}

std::vector<qcc::ObserverInfo> qcc::listObservers(ModuleOp module) {
  std::vector<ObserverInfo> out;
  module.walk([&](qcc::ObserveOp op) {
    ObserverInfo info;
    info.id = op.getId();
    auto t = op.getInput().getType();
    info.channels = t.getDimSize(t.getRank() - 1);
    for (Attribute a : op.getLayers())
      info.layers.push_back(cast<StringAttr>(a).str());
    out.push_back(std::move(info));
  });
  std::sort(out.begin(), out.end(),
            [](const ObserverInfo &a, const ObserverInfo &b) { return a.id < b.id; });
  return out;
}
