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
// Epilogue fusion: when C is a fresh buffer (zero-filled) that only a
// bias(+ReLU or GELU) generic reads (matchSgemmEpilogue, possibly through
// expand/collapse_shape views), the call writes that generic's output
// directly with QCC_GEMM_BIAS (| QCC_GEMM_RELU | QCC_GEMM_GELU_ERF |
// QCC_GEMM_GELU_TANH), and the generic and C go
// (or, when bufferization made the generic update C in place, the call
// applies the epilogue to C and only the generic goes):
//
//   linalg.matmul ins(%a, %w) outs(%c)            qcc_rt_sgemm(BIAS|RELU,
//   linalg.generic ins(%c, %bias) outs(%d)   =>     ..., %a..., %w..., %d...,
//     { yield maximumf(%x + %b, 0) }                 %bias_ptr, %off, %stride)
//
//===----------------------------------------------------------------------===//
#include "SgemmMatch.h"

#include "qcc/Target/X86/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/Dominance.h"
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
constexpr int64_t kBias = 2;
constexpr int64_t kRelu = 4;
constexpr int64_t kBConstant = 8;
constexpr int64_t kGeluErf = 16;
constexpr int64_t kGeluTanh = 32;

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

/// The zero linalg.fill of the memref.alloc `z` if `z` still holds zeros
/// right before `at`: the fill is in `at`'s block before it, and every other
/// user of `z` before `at` only reads it (a memref.copy from it) or frees it.
/// (CSE merges the identical zero-filled inits of several products; one-shot
/// bufferization then gives all but the last a memref.copy of the shared
/// zero buffer, and the last one the zero buffer itself.)
static linalg::FillOp zeroFillHolding(Value z, Operation *at) {
  if (!z.getDefiningOp<memref::AllocOp>())
    return nullptr;
  Block *block = at->getBlock();
  linalg::FillOp fill;
  for (Operation *user : z.getUsers()) {
    if (user == at || isa<memref::DeallocOp>(user))
      continue;
    Operation *ancestor = block->findAncestorOpInBlock(*user);
    if (!ancestor)
      return nullptr;
    if (at->isBeforeInBlock(ancestor))
      continue; // after `at`: irrelevant
    auto f = dyn_cast<linalg::FillOp>(user);
    if (f && !fill && f.hasPureBufferSemantics() && ancestor == user &&
        f.getOutputs().front() == z &&
        matchPattern(f.getInputs().front(), m_AnyZeroFloat())) {
      fill = f;
      continue;
    }
    auto copy = dyn_cast<memref::CopyOp>(user);
    if (copy && copy.getSource() == z && copy.getTarget() != z)
      continue; // a read
    return nullptr;
  }
  return fill;
}

/// A bias(+ReLU/GELU) generic that the call can apply instead (see the header).
struct FusedEpilogue {
  linalg::GenericOp generic;
  SgemmEpilogue form;
  /// The reshapes from C to the generic's x operand, in order.
  SmallVector<Operation *> reshapes;
  /// The generic writes C itself (bufferized in place): the call then
  /// writes C and C stays.
  bool inPlace = false;
};

/// Makes `v` available before `op` (same block): moves its defining op, if it
/// is an allocation or a side-effect-free op between `op` and `end` whose
/// operands are (recursively, a few levels) available, before `op`.
static bool makeAvailableBefore(Value v, Operation *op, Operation *end,
                                int depth = 0) {
  Operation *def = v.getDefiningOp();
  if (!def || def->getBlock() != op->getBlock())
    return DominanceInfo().properlyDominates(v, op);
  if (def->isBeforeInBlock(op))
    return true;
  if (depth > 3 || !def->isBeforeInBlock(end) ||
      !(isMemoryEffectFree(def) || isa<memref::AllocOp>(def)))
    return false;
  for (Value operand : def->getOperands())
    if (!makeAvailableBefore(operand, op, end, depth + 1))
      return false;
  def->moveBefore(op);
  return true;
}

/// The epilogue of `op` that the call can absorb, if any: C (`c`) is a
/// memref.alloc read only by one matchSgemmEpilogue generic after `op` in the
/// same block (through expand/collapse_shape views whose last dimension is
/// C's column dimension), freed by deallocs; only allocations, deallocations
/// and side-effect-free ops lie between.
static std::optional<FusedEpilogue>
findEpilogue(linalg::LinalgOp op, const SgemmMatch &match, Value c) {
  auto cType = dyn_cast<MemRefType>(c.getType());
  if (!c.getDefiningOp<memref::AllocOp>() || !cType ||
      match.c.col != cType.getRank() - 1)
    return std::nullopt;
  FusedEpilogue fused;
  Value x = c;
  // Follow the chain of views to the generic; other readers are recorded
  // (allowed only after the generic, and only if it updates C in place).
  SmallVector<Operation *> others;
  while (true) {
    Operation *next = nullptr;
    for (Operation *user : x.getUsers()) {
      if (user == op.getOperation() || user == next ||
          isa<memref::DeallocOp>(user))
        continue;
      bool isGeneric = isa<linalg::GenericOp>(user) &&
                       matchSgemmEpilogue(cast<linalg::LinalgOp>(user));
      if (!next && (isGeneric || isa<memref::ExpandShapeOp,
                                     memref::CollapseShapeOp>(user)))
        next = user;
      else
        others.push_back(user);
    }
    if (!next)
      return std::nullopt;
    if (isa<memref::ExpandShapeOp, memref::CollapseShapeOp>(next)) {
      // The last dimension must stay C's column dimension, unsplit.
      SmallVector<ReassociationIndices> groups =
          isa<memref::ExpandShapeOp>(next)
              ? cast<memref::ExpandShapeOp>(next).getReassociationIndices()
              : cast<memref::CollapseShapeOp>(next).getReassociationIndices();
      if (groups.empty() || groups.back().size() != 1)
        return std::nullopt;
      fused.reshapes.push_back(next);
      x = next->getResult(0);
      continue;
    }
    auto generic = cast<linalg::GenericOp>(next);
    SgemmEpilogue form = *matchSgemmEpilogue(generic);
    if (!generic.hasPureBufferSemantics() ||
        generic.getDpsInputOperand(form.xInput)->get() != x)
      return std::nullopt;
    fused.generic = generic;
    fused.form = form;
    break;
  }
  Operation *g = fused.generic;
  if (g->getBlock() != op->getBlock() || !op->isBeforeInBlock(g))
    return std::nullopt;
  for (Operation *it = op->getNextNode(); it != g; it = it->getNextNode())
    if (!isMemoryEffectFree(it) &&
        !isa<memref::AllocOp, memref::DeallocOp>(it))
      return std::nullopt;
  // The call (at `op`) needs the output and the bias.
  Value d = fused.generic.getDpsInitOperand(0)->get();
  Value bias = fused.generic.getDpsInputOperand(fused.form.biasInput)->get();
  if (d == x) {
    // C stays: later readers see the epilogue's result, as before.
    for (Operation *other : others) {
      Operation *ancestor = op->getBlock()->findAncestorOpInBlock(*other);
      if (!ancestor || !g->isBeforeInBlock(ancestor))
        return std::nullopt;
    }
    fused.inPlace = true;
    return makeAvailableBefore(bias, op, g) ? std::optional(fused)
                                            : std::nullopt;
  }
  if (!others.empty() || stripReshapes(d) == c ||
      !makeAvailableBefore(d, op, g) ||
      !makeAvailableBefore(bias, op, g))
    return std::nullopt;
  // The output seen with C's shape: undo the reshapes (identity layouts
  // only, so every collapse is valid).
  auto dType = dyn_cast<MemRefType>(d.getType());
  if (!dType || !dType.getLayout().isIdentity())
    return std::nullopt;
  for (Operation *r : fused.reshapes)
    if (isa<memref::CollapseShapeOp>(r) &&
        !cast<MemRefType>(r->getOperand(0).getType()).hasStaticShape())
      return std::nullopt;
  return fused;
}

/// `d` (the generic's output, shaped like x) reshaped back to C's shape.
static Value outputAsC(OpBuilder &b, Location loc, Value d,
                       ArrayRef<Operation *> reshapes) {
  for (Operation *r : llvm::reverse(reshapes)) {
    if (auto expand = dyn_cast<memref::ExpandShapeOp>(r)) {
      d = memref::CollapseShapeOp::create(b, loc, d,
                                          expand.getReassociationIndices());
    } else {
      auto collapse = cast<memref::CollapseShapeOp>(r);
      auto srcType = cast<MemRefType>(collapse.getSrc().getType());
      d = memref::ExpandShapeOp::create(
          b, loc, srcType.getShape(), d,
          collapse.getReassociationIndices());
    }
  }
  return d;
}

/// Erases `v` if it is an allocation (or a view chain of one) used only by
/// deallocations.
static void eraseIfDead(Value v) {
  Operation *def = v.getDefiningOp();
  if (!def)
    return;
  if (llvm::all_of(v.getUsers(),
                   [](Operation *u) { return isa<memref::DeallocOp>(u); })) {
    if (isa<memref::AllocOp>(def)) {
      for (Operation *u : llvm::make_early_inc_range(v.getUsers()))
        u->erase();
      def->erase();
    }
  }
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
    std::optional<FusedEpilogue> epilogue;
    // C = A*B when C holds zeros: a zero fill right before (erased), a
    // copy of a zero buffer right before (erased), or C itself still the
    // zero buffer (its fill erased once nothing else reads it).
    Operation *prev = op->getPrevNode();
    while (prev && isMemoryEffectFree(prev))
      prev = prev->getPrevNode();
    auto copy = dyn_cast_or_null<memref::CopyOp>(prev);
    if (linalg::FillOp fill = precedingZeroFill(op, c)) {
      fill.erase();
      flags = 0;
    } else if (copy && copy.getTarget() == c &&
               c.getDefiningOp<memref::AllocOp>() &&
               zeroFillHolding(copy.getSource(), copy)) {
      copy.erase();
      flags = 0;
    } else if (linalg::FillOp held = zeroFillHolding(c, op)) {
      flags = 0;
      bool readBefore = llvm::any_of(c.getUsers(), [&](Operation *user) {
        return isa<memref::CopyOp>(user) &&
               user->getBlock() == op->getBlock() &&
               user->isBeforeInBlock(op);
      });
      if (!readBefore)
        held.erase();
    }
    if (flags == 0)
      epilogue = findEpilogue(op, match, c);
    if (isConstantGlobal(bm, tables))
      flags |= kBConstant;
    Value cOut = c, bias;
    if (epilogue) {
      flags |= kBias;
      switch (epilogue->form.activation) {
      case SgemmActivation::None:
        break;
      case SgemmActivation::Relu:
        flags |= kRelu;
        break;
      case SgemmActivation::GeluErf:
        flags |= kGeluErf;
        break;
      case SgemmActivation::GeluTanh:
        flags |= kGeluTanh;
        break;
      }
      OpBuilder before(op);
      if (!epilogue->inPlace)
        cOut = outputAsC(before, op.getLoc(),
                         epilogue->generic.getDpsInitOperand(0)->get(),
                         epilogue->reshapes);
      bias = epilogue->generic.getDpsInputOperand(epilogue->form.biasInput)
                 ->get();
    }

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
    describe(cOut, match.c, cSizes);
    batch = cSizes[0] ? toI64(cSizes[0]) : constant(1);
    M = toI64(cSizes[1]);
    N = toI64(cSizes[2]);
    K = toI64(aSizes[2]);
    args.append({batch, M, N, K});
    args.append(operandArgs);
    if (bias) {
      auto md = memref::ExtractStridedMetadataOp::create(b, loc, bias);
      Value base = memref::ExtractAlignedPointerAsIndexOp::create(
          b, loc, md.getBaseBuffer());
      args.push_back(LLVM::IntToPtrOp::create(b, loc, ptr, toI64(base)));
      args.push_back(toI64(md.getOffset()));
      args.push_back(toI64(md.getStrides()[0]));
    } else {
      args.push_back(LLVM::ZeroOp::create(b, loc, ptr));
      args.push_back(constant(0));
      args.push_back(constant(0));
    }
    func::CallOp::create(b, loc, callee, args);
    op->erase();
    if (epilogue) {
      epilogue->generic->erase();
      for (Operation *r : llvm::reverse(epilogue->reshapes))
        if (r->use_empty())
          r->erase();
      eraseIfDead(c);
    }
  }
};

} // namespace
