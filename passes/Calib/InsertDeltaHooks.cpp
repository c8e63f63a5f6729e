//===- InsertDeltaHooks.cpp - run-time weight-delta hook on every linear ---===//
//
// qcc-insert-delta-hooks (Passes.td): the output y [..., N] of every linear
// layer (findLinearLayers) is replaced by
//
//   x2 = collapse(x) [M, K]   y2 = collapse(y) [M, N]   out = alloc [M, N]
//   qcc_rt_linear_delta_f32(id, M, N, K, &x2, &y2, &out)
//   y' = expand(to_tensor(out))
//
// so that the runtime (runtime/sensitivity, include/qcc/Runtime/Delta.h)
// can add x dW^T to the one layer the driver selects. Layers with the same
// name share an id (ids 0, 1, ... by first appearance); each call carries
// `qcc.delta_hook = {id, layer}` for listDeltaHooks.
//===----------------------------------------------------------------------===//
#include "qcc/Passes/Calib/Passes.h"

#include "qcc/Dialect/Qcc/IR/QccDialect.h"
#include "qcc/Dialect/Qcc/IR/QccOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/SymbolTable.h"

#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/SmallPtrSet.h"
#include "llvm/ADT/StringMap.h"

#include <algorithm>

namespace qcc {
#define GEN_PASS_DEF_INSERTDELTAHOOKS
#include "qcc/Passes/Calib/Passes.h.inc"
} // namespace qcc

using namespace mlir;

namespace {

constexpr llvm::StringLiteral kDeltaFn = "qcc_rt_linear_delta_f32";
constexpr llvm::StringLiteral kHookAttr = "qcc.delta_hook";

struct InsertDeltaHooksPass
    : public qcc::impl::InsertDeltaHooksBase<InsertDeltaHooksPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    std::vector<qcc::LinearLayer> layers = qcc::findLinearLayers(module);
    if (layers.empty())
      return;
    func::FuncOp callee = declare(module);
    if (!callee)
      return signalPassFailure();
    llvm::StringMap<int64_t> ids;
    for (const qcc::LinearLayer &l : layers) {
      auto [it, inserted] = ids.try_emplace(l.name, static_cast<int64_t>(ids.size()));
      (void)inserted;
      if (!hook(l, it->second, callee))
        return signalPassFailure();
    }
  }

  /// func.func private @qcc_rt_linear_delta_f32(i64 id, i64 M, i64 N, i64 K,
  /// ptr x, ptr y_in, ptr y_out).
  func::FuncOp declare(ModuleOp module) {
    MLIRContext *ctx = &getContext();
    Type i64 = IntegerType::get(ctx, 64), ptr = LLVM::LLVMPointerType::get(ctx);
    auto type = FunctionType::get(ctx, {i64, i64, i64, i64, ptr, ptr, ptr}, {});
    if (auto existing = module.lookupSymbol<func::FuncOp>(kDeltaFn)) {
      if (existing.getFunctionType() != type) {
        existing.emitOpError() << "'" << kDeltaFn << "' exists with another type";
        return nullptr;
      }
      return existing;
    }
    OpBuilder b = OpBuilder::atBlockBegin(module.getBody());
    auto fn = func::FuncOp::create(b, module.getLoc(), kDeltaFn, type);
    fn.setPrivate();
    return fn;
  }

  /// Collapses a [..., D] tensor to [rows, D] (a rank-1 one to [1, D]).
  static Value toMatrix(OpBuilder &b, Location loc, Value v) {
    auto t = cast<RankedTensorType>(v.getType());
    int64_t rank = t.getRank();
    if (rank == 1)
      return tensor::ExpandShapeOp::create(
          b, loc, RankedTensorType::get({1, t.getDimSize(0)}, t.getElementType()), v,
          SmallVector<ReassociationIndices>{{0, 1}});
    if (rank == 2)
      return v;
    ReassociationIndices lead;
    for (int64_t i = 0; i + 1 < rank; ++i)
      lead.push_back(i);
    return tensor::CollapseShapeOp::create(
        b, loc, v, SmallVector<ReassociationIndices>{lead, {rank - 1}});
  }

  bool hook(const qcc::LinearLayer &l, int64_t id, func::FuncOp callee) {
    Operation *op = l.op;
    Value y = op->getResult(0);
    auto yType = dyn_cast<RankedTensorType>(y.getType());
    if (!yType || !yType.getElementType().isF32() || yType.getRank() < 1 ||
        yType.getDimSize(yType.getRank() - 1) != l.out) {
      op->emitOpError() << "linear layer '" << l.name << "' has a result of type " << y.getType()
                        << ", expected f32 [..., " << l.out << "]";
      return false;
    }
    int64_t rank = yType.getRank();
    llvm::SmallPtrSet<Operation *, 8> users(y.getUsers().begin(), y.getUsers().end());
    OpBuilder b(op->getContext());
    b.setInsertionPointAfter(op);
    Location loc = op->getLoc();
    Type i64 = b.getI64Type(), f32 = b.getF32Type();
    Type ptr = LLVM::LLVMPointerType::get(b.getContext());

    // The op's current input: an earlier hook may have replaced l.input (a
    // linear feeding a linear) by its own result.
    Value x2 = toMatrix(b, loc, op->getOperand(0)), y2 = toMatrix(b, loc, y);
    auto toBuffer = [&](Value tensor) -> Value {
      auto t = cast<RankedTensorType>(tensor.getType());
      return bufferization::ToBufferOp::create(
          b, loc, MemRefType::get(t.getShape(), t.getElementType()), tensor,
          /*read_only=*/true);
    };
    auto pointer = [&](Value memref) -> Value {
      Value index = memref::ExtractAlignedPointerAsIndexOp::create(b, loc, memref);
      Value asI64 = arith::IndexCastOp::create(b, loc, i64, index);
      return LLVM::IntToPtrOp::create(b, loc, ptr, asI64);
    };
    auto c64 = [&](int64_t v) -> Value { return arith::ConstantIntOp::create(b, loc, i64, v); };
    Value xb = toBuffer(x2), yb = toBuffer(y2);
    Value m = tensor::DimOp::create(b, loc, y2, 0);
    auto y2Type = cast<RankedTensorType>(y2.getType());
    auto outType = MemRefType::get(y2Type.getShape(), f32);
    SmallVector<Value> dynSizes;
    if (outType.isDynamicDim(0))
      dynSizes.push_back(m);
    Value out = memref::AllocOp::create(b, loc, outType, dynSizes, b.getI64IntegerAttr(64));
    SmallVector<Value> args = {c64(id),      arith::IndexCastOp::create(b, loc, i64, m),
                               c64(l.out),   c64(l.in),
                               pointer(xb),  pointer(yb),
                               pointer(out)};
    auto call = func::CallOp::create(b, loc, callee, args);
    call->setAttr(kHookAttr, b.getDictionaryAttr({b.getNamedAttr("id", b.getI64IntegerAttr(id)),
                                                  b.getNamedAttr("layer",
                                                                 b.getStringAttr(l.name))}));
    Value r = bufferization::ToTensorOp::create(b, loc, y2Type, out, /*restrict=*/true,
                                                /*writable=*/true);
    if (rank == 1) {
      r = tensor::CollapseShapeOp::create(b, loc, yType, r,
                                          SmallVector<ReassociationIndices>{{0, 1}});
    } else if (rank > 2) {
      ReassociationIndices lead;
      SmallVector<OpFoldResult> sizes;
      for (int64_t i = 0; i + 1 < rank; ++i) {
        lead.push_back(i);
        if (yType.isDynamicDim(i))
          sizes.push_back(tensor::DimOp::create(b, loc, y, i).getResult());
        else
          sizes.push_back(b.getIndexAttr(yType.getDimSize(i)));
      }
      sizes.push_back(b.getIndexAttr(l.out));
      r = tensor::ExpandShapeOp::create(b, loc, yType, r,
                                        SmallVector<ReassociationIndices>{lead, {rank - 1}},
                                        sizes);
    }
    // The users y had before the hook now read y'.
    y.replaceUsesWithIf(r, [&](OpOperand &use) { return users.contains(use.getOwner()); });
    return true;
  }
};

} // namespace

std::vector<qcc::DeltaHookInfo> qcc::listDeltaHooks(ModuleOp module) {
  std::vector<DeltaHookInfo> out;
  llvm::DenseSet<int64_t> seen;
  module.walk([&](func::CallOp call) {
    auto attr = call->getAttrOfType<DictionaryAttr>(kHookAttr);
    if (!attr)
      return;
    auto id = attr.getAs<IntegerAttr>("id");
    auto layer = attr.getAs<StringAttr>("layer");
    if (!id || !layer || !seen.insert(id.getInt()).second)
      return;
    out.push_back({id.getInt(), layer.str()});
  });
  std::sort(out.begin(), out.end(),
            [](const DeltaHookInfo &a, const DeltaHookInfo &b) { return a.id < b.id; });
  return out;
}
