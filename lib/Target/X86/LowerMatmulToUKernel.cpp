//===- LowerMatmulToUKernel.cpp - f32 matmuls on buffers to qcc_rt_sgemm --===//
//
// Replaces every f32 (batch) matmul-like linalg op on memrefs that
// matchSgemm accepts by a call of the runtime micro-kernel
// (include/qcc/Runtime/Kernels.h):
//
//   qcc_rt_sgemm(flags, batch, M, N, K,
//                A_base, A_offset, A_stride_b, A_stride_m, A_stride_k,
//                B_base, B_offset, B_stride_b, B_stride_k, B_stride_n,
//                C_base, C_offset, C_stride_b, C_stride_m, C_stride_n,
//                bias_base, bias_offset, bias_stride)
//
// Base pointers, offsets, sizes and strides come from
// memref.extract_strided_metadata, so any strided view (transposed B,
// subviews, dynamic sizes) works. A zero linalg.fill of C right before the
// product is folded into the call (C = A*B instead of C += A*B).
//
//===----------------------------------------------------------------------===//
#include "SgemmMatch.h"

#include "qcc/Target/X86/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

namespace qcc::x86 {
#define GEN_PASS_DEF_LOWERMATMULTOUKERNEL
#include "qcc/Target/X86/Passes.h.inc"
} // namespace qcc::x86

using namespace mlir;
using namespace qcc::x86;

namespace {

/// Flags of qcc_rt_sgemm (include/qcc/Runtime/Kernels.h).
constexpr int64_t kAccumulate = 1;
constexpr int64_t kBConstant = 8;

/// True when `v` is a view of a constant memref.global (a weight in
/// read-only memory): the kernel may then cache its packed copy.
static bool isConstantGlobal(Value v, SymbolTableCollection &symbols) {
  while (Operation *def = v.getDefiningOp()) {
    if (auto get = dyn_cast<memref::GetGlobalOp>(def)) {
      auto global = symbols.lookupNearestSymbolFrom<memref::GlobalOp>(
          get, get.getNameAttr());
      return global && global.getConstant();
    }
    auto view = dyn_cast<ViewLikeOpInterface>(def);
    if (!view)
      return false;
    v = view.getViewSource();
  }
  return false;
}

/// The zero linalg.fill of `c` that directly precedes `op` (only
/// memory-effect-free ops in between), if any.
static linalg::FillOp precedingZeroFill(Operation *op, Value c) {
  Operation *prev = op->getPrevNode();
  while (prev && isMemoryEffectFree(prev))
    prev = prev->getPrevNode();
  auto fill = dyn_cast_or_null<linalg::FillOp>(prev);
  if (!fill || !fill.hasPureBufferSemantics() ||
      fill.getOutputs().front() != c)
    return nullptr;
  if (!matchPattern(fill.getInputs().front(), m_AnyZeroFloat()))
    return nullptr;
  return fill;
}

struct LowerMatmulToUKernelPass
    : public qcc::x86::impl::LowerMatmulToUKernelBase<
          LowerMatmulToUKernelPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<std::pair<linalg::LinalgOp, SgemmMatch>> matches;
    module.walk([&](linalg::LinalgOp op) {
      if (!op.hasPureBufferSemantics())
        return;
      if (std::optional<SgemmMatch> m = matchSgemm(op))
        matches.push_back({op, *m});
    });
    if (matches.empty())
      return;
    SymbolTable symbols(module);
    func::FuncOp callee = declareKernel(module, symbols);
    SymbolTableCollection tables;
    for (auto &[op, match] : matches)
      lower(op, match, callee, tables);
  }

  /// Declares qcc_rt_sgemm once (see the file header for the parameters).
  func::FuncOp declareKernel(ModuleOp module, SymbolTable &symbols) {
    if (auto existing = symbols.lookup<func::FuncOp>(kSgemmName))
      return existing;
    MLIRContext *ctx = &getContext();
    Type i64 = IntegerType::get(ctx, 64);
    Type ptr = LLVM::LLVMPointerType::get(ctx);
    SmallVector<Type> params(5, i64);
    for (int operand = 0; operand < 3; ++operand) {
      params.push_back(ptr);
      params.append(4, i64);
    }
    params.push_back(ptr);
    params.append(2, i64);
    OpBuilder b = OpBuilder::atBlockBegin(module.getBody());
    auto fn = func::FuncOp::create(b, module.getLoc(), kSgemmName,
                                   FunctionType::get(ctx, params, {}));
    fn.setPrivate();
    symbols.insert(fn);
    return fn;
  }

  void lower(linalg::LinalgOp op, const SgemmMatch &match,
             func::FuncOp callee, SymbolTableCollection &tables) {
    Location loc = op.getLoc();
    Value a = op.getDpsInputOperand(match.aInput)->get();
    Value bm = op.getDpsInputOperand(match.bInput)->get();
    Value c = op.getDpsInitOperand(0)->get();
    int64_t flags = kAccumulate;
    if (linalg::FillOp fill = precedingZeroFill(op, c)) {
      fill.erase();
      flags = 0;
    }
    if (isConstantGlobal(bm, tables))
      flags |= kBConstant;

    OpBuilder b(op);
    Type i64 = b.getI64Type();
    Type ptr = LLVM::LLVMPointerType::get(b.getContext());
    // One constant op per value and call.
    llvm::SmallDenseMap<int64_t, Value> constants;
    auto constant = [&](int64_t v) -> Value {
      Value &c = constants[v];
      if (!c)
        c = arith::ConstantIntOp::create(b, loc, i64, v);
      return c;
    };
    auto toI64 = [&](Value index) -> Value {
      return arith::IndexCastOp::create(b, loc, i64, index);
    };
    SmallVector<Value> args = {constant(flags)};
    SmallVector<Value> operandArgs;
    Value batch, M, N, K;
    // Pointer, offset and the strides of (batch, row, col) of one operand.
    auto describe = [&](Value memref, const SgemmOperandDims &dims,
                        SmallVectorImpl<Value> &sizesOut) {
      auto md = memref::ExtractStridedMetadataOp::create(b, loc, memref);
      Value base = memref::ExtractAlignedPointerAsIndexOp::create(
          b, loc, md.getBaseBuffer());
      operandArgs.push_back(
          LLVM::IntToPtrOp::create(b, loc, ptr, toI64(base)));
      operandArgs.push_back(toI64(md.getOffset()));
      for (int pos : {dims.batch, dims.row, dims.col})
        operandArgs.push_back(pos < 0 ? constant(0)
                                      : toI64(md.getStrides()[pos]));
      for (int pos : {dims.batch, dims.row, dims.col})
        sizesOut.push_back(pos < 0 ? Value() : md.getSizes()[pos]);
    };
    // Index-typed sizes of (batch, row, col) per operand.
    SmallVector<Value> aSizes, bSizes, cSizes;
    describe(a, match.a, aSizes);
    describe(bm, match.b, bSizes);
    describe(c, match.c, cSizes);
    batch = cSizes[0] ? toI64(cSizes[0]) : constant(1);
    M = toI64(cSizes[1]);
    N = toI64(cSizes[2]);
    K = toI64(aSizes[2]);
    args.append({batch, M, N, K});
    args.append(operandArgs);
    args.push_back(LLVM::ZeroOp::create(b, loc, ptr));
    args.push_back(constant(0));
    args.push_back(constant(0));
    func::CallOp::create(b, loc, callee, args);
    op->erase();
  }
};

} // namespace
