//===- LowerObservers.cpp - qcc.observe to qcc_rt_observe_f32 calls --------===//
//
// qcc.observe %x {id} ⇒ func.call @qcc_rt_observe_f32(id, x as [rows, K]).
// The runtime side is runtime/observe/Observe.cpp (include/qcc/Runtime/Observe.h).
//===----------------------------------------------------------------------===//
#include "qcc/Passes/Calib/Passes.h"

#include "qcc/Dialect/Qcc/IR/QccDialect.h"
#include "qcc/Dialect/Qcc/IR/QccOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/SymbolTable.h"

#include "llvm/ADT/DenseSet.h"

namespace qcc {
#define GEN_PASS_DEF_LOWEROBSERVERS
#include "qcc/Passes/Calib/Passes.h.inc"
} // namespace qcc

using namespace mlir;

namespace {

constexpr llvm::StringLiteral kObserveFn = "qcc_rt_observe_f32";

struct LowerObserversPass
    : public qcc::impl::LowerObserversBase<LowerObserversPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<qcc::ObserveOp> ops;
    llvm::DenseSet<int64_t> ids;
    bool duplicate = false;
    module.walk([&](qcc::ObserveOp op) {
      if (!ids.insert(op.getId()).second) {
        op.emitOpError() << "duplicate observer id " << op.getId();
        duplicate = true;
      }
      ops.push_back(op);
    });
    if (duplicate)
      return signalPassFailure();
    if (ops.empty())
      return;
    func::FuncOp callee = declare(module);
    if (!callee)
      return signalPassFailure();
    for (qcc::ObserveOp op : ops)
      lower(op, callee);
  }

  /// func.func private @qcc_rt_observe_f32(i64, tensor<?x?xf32> {read-only}).
  func::FuncOp declare(ModuleOp module) {
    MLIRContext *ctx = &getContext();
    auto matrix = RankedTensorType::get({ShapedType::kDynamic, ShapedType::kDynamic},
                                        Float32Type::get(ctx));
    auto type = FunctionType::get(ctx, {IntegerType::get(ctx, 64), matrix}, {});
    if (auto existing = module.lookupSymbol<func::FuncOp>(kObserveFn)) {
      if (existing.getFunctionType() != type) {
        existing.emitOpError() << "'" << kObserveFn << "' exists with another type";
        return nullptr;
      }
      return existing;
    }
    OpBuilder b = OpBuilder::atBlockBegin(module.getBody());
    auto fn = func::FuncOp::create(b, module.getLoc(), kObserveFn, type);
    fn.setPrivate();
    fn.setArgAttr(1, bufferization::BufferizationDialect::kBufferAccessAttrName,
                  b.getStringAttr("read"));
    return fn;
  }

  /// Views x [..., K] as [rows, K] and calls the runtime.
  void lower(qcc::ObserveOp op, func::FuncOp callee) {
    OpBuilder b(op);
    Location loc = op.getLoc();
    Value x = op.getInput();
    auto t = cast<RankedTensorType>(x.getType());
    int64_t rank = t.getRank();
    if (rank == 1) {
      auto to = RankedTensorType::get({1, t.getDimSize(0)}, t.getElementType());
      x = tensor::ExpandShapeOp::create(b, loc, to, x, ArrayRef<ReassociationIndices>{{0, 1}});
    } else if (rank > 2) {
      ReassociationIndices rows;
      for (int64_t i = 0; i < rank - 1; ++i)
        rows.push_back(i);
      x = tensor::CollapseShapeOp::create(b, loc, x,
                                          ArrayRef<ReassociationIndices>{rows, {rank - 1}});
    }
    Type matrix = callee.getFunctionType().getInput(1);
    if (x.getType() != matrix)
      x = tensor::CastOp::create(b, loc, matrix, x);
    Value id = arith::ConstantIntOp::create(b, loc, b.getI64Type(), op.getId());
    func::CallOp::create(b, loc, callee, ValueRange{id, x});
    op.erase();
  }
};

} // namespace
