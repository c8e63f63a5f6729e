//===- FoldTransposes.cpp - attention head transposes into sgemm strides --===//
//
// Exported attention reshapes Q/K/V [1, S, H*D] to [1, S, H, D], transposes
// them to [1, H, S, D] (K once more, to [1, H, D, S]), collapses them to
// [H, S, D] for linalg.batch_matmul, and transposes the context [H, S, D]
// back to [1, S, H, D]. qcc_rt_sgemm takes any strides, so none of these
// transposes needs a copy: the batch_matmul becomes a linalg.generic
// contraction whose indexing maps read the untransposed tensors and write
// the transposed-back result directly, e.g. scores = Q K^T:
//
//   %q4 = expand %q [1,128,768] -> [1,128,12,64]       (unchanged)
//   %qt = linalg.transpose %q4 [0,2,1,3]                (now dead)
//   linalg.batch_matmul ins(collapse %qt, collapse %kt) ...
// =>
//   %q3 = collapse %q4 [[0,1],[2],[3]] : [128,12,64]
//   linalg.generic {maps (b,m,n,k) -> (m,b,k), (n,b,k), (b,m,n)}
//       ins(%q3, %k3) outs(zero-filled [12,128,128])   (mulf + addf body)
//
// Only views are looked through: tensor.collapse_shape / expand_shape
// groups with at most one dimension other than 1, and linalg.transpose.
// Runs on tensors before tiling, only when the products become
// qcc_rt_sgemm calls (TileAndVectorize's skip-ukernel-matmuls).
//
//===----------------------------------------------------------------------===//
#include "SgemmMatch.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

using namespace mlir;

namespace qcc::x86 {
namespace {

/// A tensor read through views: dimension i of `base` is indexed by loop
/// expression exprs[i] (none for a dimension of static size 1).
struct Access {
  Value base;
  SmallVector<std::optional<AffineExpr>> exprs;
};

/// Static sizes of `v` (ShapedType::kDynamic where dynamic).
static ArrayRef<int64_t> shapeOf(Value v) {
  return cast<RankedTensorType>(v.getType()).getShape();
}

/// Maps one side of a reshape (`coarse` exprs, one per group) onto the
/// other side's dims (`fineShape`): the single non-unit dim of each group
/// gets the group's expr. False if a group has two non-unit dims, or a
/// group of unit dims carries an expr that is not of a unit loop.
static bool splitGroups(ArrayRef<ReassociationIndices> groups,
                        ArrayRef<std::optional<AffineExpr>> coarse,
                        ArrayRef<int64_t> fineShape,
                        SmallVectorImpl<std::optional<AffineExpr>> &fine) {
  fine.assign(fineShape.size(), std::nullopt);
  for (auto [g, group] : llvm::enumerate(groups)) {
    int nonUnit = -1;
    for (int64_t d : group) {
      if (fineShape[d] == 1)
        continue;
      if (nonUnit >= 0 || ShapedType::isDynamic(fineShape[d]))
        return false;
      nonUnit = static_cast<int>(d);
    }
    if (nonUnit >= 0)
      fine[nonUnit] = coarse[g];
    else if (coarse[g])
      return false; // a unit group indexed by a loop: keep it simple
  }
  return true;
}

/// Follows collapse_shape and transpose ops back from `a` while it stays a
/// view of one tensor.
static Access lookThroughViews(Access a) {
  while (Operation *def = a.base.getDefiningOp()) {
    SmallVector<std::optional<AffineExpr>> next;
    if (auto collapse = dyn_cast<tensor::CollapseShapeOp>(def)) {
      if (!splitGroups(collapse.getReassociationIndices(), a.exprs,
                       shapeOf(collapse.getSrc()), next))
        break;
      a = {collapse.getSrc(), next};
      continue;
    }
    if (auto transpose = dyn_cast<linalg::TransposeOp>(def)) {
      // result dim i = input dim perm[i].
      ArrayRef<int64_t> perm = transpose.getPermutation();
      next.assign(perm.size(), std::nullopt);
      for (auto [i, p] : llvm::enumerate(perm))
        next[p] = a.exprs[i];
      a = {transpose.getInput(), next};
      continue;
    }
    break;
  }
  return a;
}

/// Collapses the unit dims of `a.base` into neighbouring groups so that
/// every remaining dim has an expr; returns the new base and its map, or
/// nullopt if some non-unit dim has no expr.
static std::optional<std::pair<Value, AffineMap>>
dropUnitDims(OpBuilder &b, Location loc, const Access &a, unsigned loops) {
  ArrayRef<int64_t> shape = shapeOf(a.base);
  SmallVector<ReassociationIndices> groups;
  SmallVector<AffineExpr> results;
  ReassociationIndices pending;
  for (auto [d, expr] : llvm::enumerate(a.exprs)) {
    pending.push_back(d);
    if (!expr) {
      if (shape[d] != 1)
        return std::nullopt;
      continue;
    }
    groups.push_back(pending);
    pending.clear();
    results.push_back(*expr);
  }
  if (groups.empty())
    return std::nullopt;
  groups.back().append(pending.begin(), pending.end());
  Value base = a.base;
  if (groups.size() != shape.size())
    base = tensor::CollapseShapeOp::create(b, loc, base, groups);
  return std::make_pair(base, AffineMap::get(loops, 0, results,
                                             b.getContext()));
}

/// Rewrites one batch_matmul if any of its operands or its result goes
/// through a transpose.
static void foldInto(linalg::BatchMatmulOp op) {
  if (!op.hasPureTensorSemantics() || !matchSgemm(op) ||
      op.getIndexingMapsArray() !=
          linalg::BatchMatmulOp::getDefaultIndexingMaps(op.getContext()))
    return;
  MLIRContext *ctx = op.getContext();
  AffineExpr bd = getAffineDimExpr(0, ctx), m = getAffineDimExpr(1, ctx),
             n = getAffineDimExpr(2, ctx), k = getAffineDimExpr(3, ctx);
  Access a = lookThroughViews({op.getDpsInputOperand(0)->get(), {bd, m, k}});
  Access bAcc =
      lookThroughViews({op.getDpsInputOperand(1)->get(), {bd, k, n}});
  // The result: batch_matmul -> expand_shape -> transpose (single uses).
  Value result = op->getResult(0);
  linalg::TransposeOp outTranspose;
  Access c{result, {bd, m, n}};
  if (result.hasOneUse())
    if (auto expand = dyn_cast<tensor::ExpandShapeOp>(*result.getUsers().begin());
        expand && expand->getResult(0).hasOneUse())
      if (auto t = dyn_cast<linalg::TransposeOp>(
              *expand->getResult(0).getUsers().begin())) {
        SmallVector<std::optional<AffineExpr>> fine, permuted;
        if (splitGroups(expand.getReassociationIndices(), c.exprs,
                        shapeOf(expand.getResult()), fine)) {
          ArrayRef<int64_t> perm = t.getPermutation();
          for (int64_t p : perm)
            permuted.push_back(fine[p]);
          outTranspose = t;
          c = {t->getResult(0), permuted};
        }
      }
  bool changed = a.base != op.getDpsInputOperand(0)->get() ||
                 bAcc.base != op.getDpsInputOperand(1)->get() || outTranspose;
  if (!changed)
    return;
  // Only rewrite when the init is a zero fill (the call then writes C).
  auto fill = op.getDpsInitOperand(0)->get().getDefiningOp<linalg::FillOp>();
  if (!fill || !matchPattern(fill.getInputs().front(), m_AnyZeroFloat()))
    return;

  OpBuilder b(outTranspose ? outTranspose.getOperation() : op.getOperation());
  Location loc = op.getLoc();
  auto aIn = dropUnitDims(b, loc, a, 4), bIn = dropUnitDims(b, loc, bAcc, 4);
  // The output tensor: the transposed-back shape with unit dims dropped.
  Access cShape = c;
  SmallVector<int64_t> outShape;
  SmallVector<AffineExpr> outExprs;
  SmallVector<ReassociationIndices> outGroups;
  ReassociationIndices pending;
  ArrayRef<int64_t> cDims = shapeOf(c.base);
  bool ok = aIn && bIn;
  for (auto [d, expr] : llvm::enumerate(cShape.exprs)) {
    pending.push_back(d);
    if (!expr) {
      ok = ok && cDims[d] == 1;
      continue;
    }
    outGroups.push_back(pending);
    pending.clear();
    outShape.push_back(cDims[d]);
    outExprs.push_back(*expr);
  }
  if (!ok || outGroups.empty() ||
      llvm::any_of(outShape, ShapedType::isDynamic)) {
    // Nothing was created that has uses; erase the helper views.
    for (auto in : {aIn, bIn})
      if (in && in->first.use_empty() && in->first.getDefiningOp())
        in->first.getDefiningOp()->erase();
    return;
  }
  outGroups.back().append(pending.begin(), pending.end());
  Type f32 = b.getF32Type();
  Value empty = tensor::EmptyOp::create(b, loc, outShape, f32);
  Value zero = arith::ConstantOp::create(b, loc, b.getF32FloatAttr(0.0f));
  Value init = linalg::FillOp::create(b, loc, zero, empty).getResult(0);
  AffineMap cMap = AffineMap::get(4, 0, outExprs, ctx);
  SmallVector<utils::IteratorType> iters(3, utils::IteratorType::parallel);
  iters.push_back(utils::IteratorType::reduction);
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{init.getType()}, ValueRange{aIn->first, bIn->first},
      ValueRange{init},
      ArrayRef<AffineMap>{aIn->second, bIn->second, cMap}, iters,
      [](OpBuilder &nb, Location nl, ValueRange args) {
        Value p = arith::MulFOp::create(nb, nl, args[0], args[1]);
        Value s = arith::AddFOp::create(nb, nl, args[2], p);
        linalg::YieldOp::create(nb, nl, s);
      });
  Value out = generic->getResult(0);
  if (outTranspose) {
    if (outGroups.size() != cDims.size())
      out = tensor::ExpandShapeOp::create(b, loc, c.base.getType(), out,
                                          outGroups);
    outTranspose->getResult(0).replaceAllUsesWith(out);
    Operation *expand = outTranspose.getInput().getDefiningOp();
    outTranspose->erase();
    expand->erase();
    op->erase();
  } else {
    if (outGroups.size() != cDims.size())
      out = tensor::ExpandShapeOp::create(b, loc, result.getType(), out,
                                          outGroups);
    op->getResult(0).replaceAllUsesWith(out);
    op->erase();
  }
}

} // namespace

void foldTransposesIntoSgemmOperands(func::FuncOp func) {
  SmallVector<linalg::BatchMatmulOp> ops;
  func.walk([&](linalg::BatchMatmulOp op) { ops.push_back(op); });
  for (linalg::BatchMatmulOp op : ops)
    foldInto(op);
  // The transposes (and views, empties, fills) nothing reads any more.
  // (None of these kinds nests inside another, so erasing in reverse walk
  // order never visits an erased op.)
  SmallVector<Operation *> candidates;
  func.walk([&](Operation *op) {
    if (isa<linalg::TransposeOp, linalg::FillOp, tensor::EmptyOp,
            tensor::CollapseShapeOp, tensor::ExpandShapeOp>(op))
      candidates.push_back(op);
  });
  for (Operation *op : llvm::reverse(candidates))
    if (isOpTriviallyDead(op))
      op->erase();
}

} // namespace qcc::x86
