//===- LowerQLinear.cpp - qcc.qlinear to qcc_rt_qgemm calls ---------------===//
//
// The qcc-x86-lower-qlinear pass (Passes.td): each qcc.qlinear becomes
//
//   x [..., K] -> collapse -> [M, K] -> to_buffer (identity layout, read-only)
//   c = memref.alloc [M, N]
//   qcc_rt_qgemm(flags, format, bits, group, M, N, K, a, K, w, c, N, bias)
//   y = to_tensor(c) restrict -> expand -> [..., N]
//
// so that one-shot bufferization sees ordinary tensor <-> buffer bridges and
// the kernel (include/qcc/Runtime/QKernels.h) reads the packed weight in place.
//
//===----------------------------------------------------------------------===//
#include "qcc/Target/X86/Passes.h"

#include "qcc/Dialect/Qcc/IR/QccOps.h"
#include "qcc/Runtime/QKernels.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/SymbolTable.h"

namespace qcc::x86 {
#define GEN_PASS_DEF_LOWERQLINEAR
#include "qcc/Target/X86/Passes.h.inc"
} // namespace qcc::x86

using namespace mlir;

namespace {

constexpr const char *kQGemmName = "qcc_rt_qgemm";

struct LowerQLinearPass
    : public qcc::x86::impl::LowerQLinearBase<LowerQLinearPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<qcc::QLinearOp> ops;
    module.walk([&](qcc::QLinearOp op) { ops.push_back(op); });
    if (ops.empty())
      return;
    func::FuncOp callee = declareKernel(module);
    for (qcc::QLinearOp op : ops)
      lower(op, callee);
  }

  /// Declares qcc_rt_qgemm once: (i64 flags, i32 format, i32 bits, i64 group,
  /// i64 M, i64 N, i64 K, ptr a, i64 lda, ptr packed, ptr c, i64 ldc, ptr bias).
  func::FuncOp declareKernel(ModuleOp module) {
    SymbolTable symbols(module);
    if (auto existing = symbols.lookup<func::FuncOp>(kQGemmName))
      return existing;
    MLIRContext *ctx = &getContext();
    Type i64 = IntegerType::get(ctx, 64), i32 = IntegerType::get(ctx, 32);
    Type ptr = LLVM::LLVMPointerType::get(ctx);
    SmallVector<Type> params = {i64, i32, i32, i64, i64, i64, i64,
                                ptr, i64, ptr, ptr, i64, ptr};
    OpBuilder b = OpBuilder::atBlockBegin(module.getBody());
    auto fn = func::FuncOp::create(b, module.getLoc(), kQGemmName,
                                   FunctionType::get(ctx, params, {}));
    fn.setPrivate();
    symbols.insert(fn);
    return fn;
  }

  void lower(qcc::QLinearOp op, func::FuncOp callee) {
    Location loc = op.getLoc();
    OpBuilder b(op);
    Type i64 = b.getI64Type(), i32 = b.getI32Type();
    Type ptr = LLVM::LLVMPointerType::get(b.getContext());
    auto inType = cast<RankedTensorType>(op.getInput().getType());
    auto outType = cast<RankedTensorType>(op.getOutput().getType());
    int64_t rank = inType.getRank(), K = op.getInFeatures();
    int64_t N = op.getOutFeatures();
    Type f32 = b.getF32Type();

    // x -> [M, K] (a rank-1 x is one row).
    Value x = op.getInput();
    SmallVector<ReassociationIndices> reassoc;
    if (rank == 1) {
      x = tensor::ExpandShapeOp::create(
          b, loc, RankedTensorType::get({1, K}, f32), x,
          SmallVector<ReassociationIndices>{{0, 1}});
    } else if (rank > 2) {
      ReassociationIndices lead;
      for (int64_t i = 0; i + 1 < rank; ++i)
        lead.push_back(i);
      reassoc = {lead, {rank - 1}};
      x = tensor::CollapseShapeOp::create(b, loc, x, reassoc);
    }
    auto x2Type = cast<RankedTensorType>(x.getType());
    auto pointer = [&](Value memref) -> Value {
      Value index = memref::ExtractAlignedPointerAsIndexOp::create(b, loc, memref);
      Value asI64 = arith::IndexCastOp::create(b, loc, i64, index);
      return LLVM::IntToPtrOp::create(b, loc, ptr, asI64);
    };
    auto toBuffer = [&](Value tensor) -> Value {
      auto t = cast<RankedTensorType>(tensor.getType());
      auto type = MemRefType::get(t.getShape(), t.getElementType());
      return bufferization::ToBufferOp::create(b, loc, type, tensor,
                                               /*read_only=*/true);
    };
    Value a = toBuffer(x), w = toBuffer(op.getWeight());
    Value M = tensor::DimOp::create(b, loc, x, 0);
    auto cType = MemRefType::get({x2Type.getDimSize(0), N}, f32);
    SmallVector<Value> dynSizes;
    if (cType.isDynamicDim(0))
      dynSizes.push_back(M);
    Value c = memref::AllocOp::create(b, loc, cType, dynSizes,
                                      b.getI64IntegerAttr(64));
    int64_t flags = 0;
    Value bias;
    if (op.getBias()) {
      flags |= QCC_QGEMM_BIAS;
      bias = pointer(toBuffer(op.getBias()));
    } else {
      bias = LLVM::ZeroOp::create(b, loc, ptr);
    }
    auto c64 = [&](int64_t v) -> Value {
      return arith::ConstantIntOp::create(b, loc, i64, v);
    };
    auto c32 = [&](int64_t v) -> Value {
      return arith::ConstantIntOp::create(b, loc, i32, v);
    };
    SmallVector<Value> args = {
        c64(flags),
        c32(qcc::QLinearOp::formatCode(op.getFormat())),
        c32(op.getBits()),
        c64(op.getGroupSize()),
        arith::IndexCastOp::create(b, loc, i64, M),
        c64(N),
        c64(K),
        pointer(a),
        c64(K),
        pointer(w),
        pointer(c),
        c64(N),
        bias};
    func::CallOp::create(b, loc, callee, args);
    Value y = bufferization::ToTensorOp::create(
        b, loc, RankedTensorType::get(cType.getShape(), f32), c,
        /*restrict=*/true, /*writable=*/true);

    // [M, N] -> the result's shape.
    if (rank == 1) {
      y = tensor::CollapseShapeOp::create(
          b, loc, outType, y, SmallVector<ReassociationIndices>{{0, 1}});
    } else if (rank > 2) {
      SmallVector<OpFoldResult> sizes;
      for (int64_t i = 0; i + 1 < rank; ++i) {
        if (outType.isDynamicDim(i))
          sizes.push_back(
              tensor::DimOp::create(b, loc, op.getInput(), i).getResult());
        else
          sizes.push_back(b.getIndexAttr(outType.getDimSize(i)));
      }
      sizes.push_back(b.getIndexAttr(N));
      y = tensor::ExpandShapeOp::create(b, loc, outType, y, reassoc, sizes);
    } else if (y.getType() != outType) {
      y = tensor::CastOp::create(b, loc, outType, y);
    }
    op.replaceAllUsesWith(y);
    op.erase();
  }
};

} // namespace
