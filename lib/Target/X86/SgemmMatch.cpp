//===- SgemmMatch.cpp - which linalg contractions qcc_rt_sgemm computes ---===//
#include "SgemmMatch.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/LinalgInterfaces.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Matchers.h"

#include <cmath>
#include <limits>

using namespace mlir;

namespace qcc::x86 {

/// The result position of loop `dim` in `map`, or -1.
static int positionOf(AffineMap map, int64_t dim) {
  if (dim < 0)
    return -1;
  for (auto [i, e] : llvm::enumerate(map.getResults()))
    if (auto d = dyn_cast<AffineDimExpr>(e); d && d.getPosition() == dim)
      return static_cast<int>(i);
  return -1;
}

std::optional<SgemmMatch> matchSgemm(linalg::LinalgOp op) {
  if (op.getNumDpsInputs() != 2 || op.getNumDpsInits() != 1 ||
      op->getNumRegions() != 1)
    return std::nullopt;
  for (OpOperand &operand : op->getOpOperands()) {
    auto type = dyn_cast<ShapedType>(operand.get().getType());
    if (!type || !type.getElementType().isF32() || !type.hasRank())
      return std::nullopt;
  }
  if (!linalg::isaContractionOpInterface(op))
    return std::nullopt;
  FailureOr<linalg::ContractionDimensions> dims =
      linalg::inferContractionDims(op);
  if (failed(dims))
    return std::nullopt;
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  if (!llvm::all_of(maps, [](AffineMap m) { return m.isProjectedPermutation(); }))
    return std::nullopt;

  // Keep one loop per role; the others must have static extent 1 (their
  // index is always 0, so they do not address anything).
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  auto pick = [&](ArrayRef<unsigned> group, bool optional) -> std::optional<int64_t> {
    int64_t chosen = -1;
    for (unsigned d : group) {
      if (ranges[d] == 1)
        continue;
      if (chosen >= 0)
        return std::nullopt; // two real loops in one role
      chosen = d;
    }
    if (chosen < 0 && !optional)
      chosen = group.empty() ? -1 : group.front();
    if (chosen < 0 && !optional)
      return std::nullopt;
    return chosen;
  };
  // A batch loop that one input broadcasts looks like an extra m (or n)
  // loop: with no other batch loop, the outermost such loop in C becomes
  // the batch loop (the broadcasting input gets batch stride 0).
  auto nonUnit = [&](ArrayRef<unsigned> group) {
    return llvm::count_if(group, [&](unsigned d) { return ranges[d] != 1; });
  };
  if (nonUnit(dims->batch) == 0) {
    for (SmallVector<unsigned, 2> *group : {&dims->m, &dims->n}) {
      if (nonUnit(*group) != 2)
        continue;
      unsigned outer = 0;
      int best = std::numeric_limits<int>::max();
      for (unsigned d : *group)
        if (int pos = positionOf(maps[2], d); ranges[d] != 1 && pos < best)
          best = pos, outer = d;
      llvm::erase(*group, outer);
      dims->batch.push_back(outer);
      break;
    }
  }
  std::optional<int64_t> m = pick(dims->m, false), n = pick(dims->n, false),
                         k = pick(dims->k, false),
                         batch = pick(dims->batch, true);
  if (!m || !n || !k || !batch)
    return std::nullopt;

  // inferContractionDims names m the loops of input 0 and n those of
  // input 1; take as n the loop that is innermost in C so the kernel
  // stores rows of C (unit column stride) whatever the operand order.
  if (positionOf(maps[2], *m) > positionOf(maps[2], *n))
    std::swap(m, n);

  SgemmMatch match;
  // A is the input indexed by m, B the one indexed by n.
  bool in0HasN = positionOf(maps[0], *n) >= 0;
  match.aInput = in0HasN ? 1 : 0;
  match.bInput = in0HasN ? 0 : 1;
  AffineMap aMap = maps[match.aInput], bMap = maps[match.bInput], cMap = maps[2];
  match.a = {positionOf(aMap, *batch), positionOf(aMap, *m), positionOf(aMap, *k)};
  match.b = {positionOf(bMap, *batch), positionOf(bMap, *k), positionOf(bMap, *n)};
  match.c = {positionOf(cMap, *batch), positionOf(cMap, *m), positionOf(cMap, *n)};
  if (match.a.row < 0 || match.a.col < 0 || match.b.row < 0 ||
      match.b.col < 0 || match.c.row < 0 || match.c.col < 0 ||
      positionOf(aMap, *n) >= 0 || positionOf(bMap, *m) >= 0)
    return std::nullopt;
  // C carries the batch loop when there is one.
  if (*batch >= 0 && match.c.batch < 0)
    return std::nullopt;
  return match;
}

/// Evaluates `v` (a value of an epilogue body) in double with s = x + bias
/// set to `s`; nullopt for an op outside the GELU vocabulary.
static std::optional<double> evalScalar(Value v, Value sum, double s,
                                        llvm::DenseMap<Value, double> &memo) {
  if (v == sum)
    return s;
  if (auto it = memo.find(v); it != memo.end())
    return it->second;
  Operation *def = v.getDefiningOp();
  if (!def)
    return std::nullopt; // a block argument other than x + bias
  auto operand = [&](unsigned i) {
    return evalScalar(def->getOperand(i), sum, s, memo);
  };
  std::optional<double> r;
  if (auto c = dyn_cast<arith::ConstantOp>(def)) {
    if (auto f = dyn_cast<FloatAttr>(c.getValue()))
      r = f.getValueAsDouble();
  } else if (isa<arith::NegFOp, math::ErfOp, math::TanhOp>(def)) {
    if (std::optional<double> a = operand(0))
      r = isa<arith::NegFOp>(def) ? -*a
          : isa<math::ErfOp>(def) ? std::erf(*a)
                                  : std::tanh(*a);
  } else if (isa<arith::AddFOp, arith::SubFOp, arith::MulFOp, arith::DivFOp,
                 math::PowFOp>(def)) {
    std::optional<double> a = operand(0), b = operand(1);
    if (a && b)
      r = isa<arith::AddFOp>(def)   ? *a + *b
          : isa<arith::SubFOp>(def) ? *a - *b
          : isa<arith::MulFOp>(def) ? *a * *b
          : isa<arith::DivFOp>(def) ? *a / *b
                                    : std::pow(*a, *b);
  }
  if (r)
    memo[v] = *r;
  return r;
}

/// The GELU form that `result` computes from `sum` (see the header), or None.
static SgemmActivation matchGelu(Block &body, Value sum, Value result) {
  bool erf = false, tanh = false;
  for (Operation &inner : body.without_terminator()) {
    if (!isa<arith::ConstantOp, arith::AddFOp, arith::SubFOp, arith::MulFOp,
             arith::DivFOp, arith::NegFOp, math::ErfOp, math::TanhOp,
             math::PowFOp>(inner))
      return SgemmActivation::None;
    erf |= isa<math::ErfOp>(inner);
    tanh |= isa<math::TanhOp>(inner);
  }
  if (erf == tanh)
    return SgemmActivation::None;
  for (int i = 0; i < 24; ++i) {
    double s = -8.0 + 16.0 * (i + 0.37) / 24.0; // no probe at 0
    double want =
        erf ? 0.5 * s * (1.0 + std::erf(s / std::sqrt(2.0)))
            : 0.5 * s *
                  (1.0 + std::tanh(std::sqrt(2.0 / M_PI) *
                                   (s + 0.044715 * s * s * s)));
    llvm::DenseMap<Value, double> memo;
    std::optional<double> got = evalScalar(result, sum, s, memo);
    if (!got || !(std::fabs(*got - want) <=
                  2e-6 * std::max(std::fabs(want), 1e-3)))
      return SgemmActivation::None;
  }
  return erf ? SgemmActivation::GeluErf : SgemmActivation::GeluTanh;
}

std::optional<SgemmEpilogue> matchSgemmEpilogue(linalg::LinalgOp op) {
  auto generic = dyn_cast<linalg::GenericOp>(op.getOperation());
  if (!generic || op.getNumDpsInputs() != 2 || op.getNumDpsInits() != 1 ||
      op.getNumLoops() == 0 || op.getNumReductionLoops() != 0)
    return std::nullopt;
  for (OpOperand &operand : op->getOpOperands()) {
    auto type = dyn_cast<ShapedType>(operand.get().getType());
    if (!type || !type.getElementType().isF32() || !type.hasRank())
      return std::nullopt;
  }
  OpOperand *init = op.getDpsInitOperand(0);
  unsigned loops = op.getNumLoops();
  if (!op.getMatchingIndexingMap(init).isIdentity() ||
      op.payloadUsesValueFromOperand(init))
    return std::nullopt;
  // Which input is x (identity map) and which the bias (innermost loop).
  SgemmEpilogue e;
  AffineMap innermost = AffineMap::get(
      loops, 0, getAffineDimExpr(loops - 1, op.getContext()));
  auto isX = [&](unsigned i) {
    return op.getMatchingIndexingMap(op.getDpsInputOperand(i)).isIdentity();
  };
  auto isBias = [&](unsigned i) {
    return op.getMatchingIndexingMap(op.getDpsInputOperand(i)) == innermost;
  };
  if (isX(0) && isBias(1))
    e.xInput = 0, e.biasInput = 1;
  else if (isX(1) && isBias(0))
    e.xInput = 1, e.biasInput = 0;
  else
    return std::nullopt;
  Block &body = generic.getRegion().front();
  Value x = body.getArgument(e.xInput), bias = body.getArgument(e.biasInput);
  auto yield = cast<linalg::YieldOp>(body.getTerminator());
  Value result = yield.getValues().front();
  auto isSum = [&](Operation *op) {
    auto add = dyn_cast_or_null<arith::AddFOp>(op);
    return add && add->getBlock() == &body &&
           ((add.getLhs() == x && add.getRhs() == bias) ||
            (add.getLhs() == bias && add.getRhs() == x));
  };
  // GELU: x and bias are read only by one x + bias, which feeds the rest.
  if (x.hasOneUse() && bias.hasOneUse() && isSum(*x.getUsers().begin()) &&
      !isSum(result.getDefiningOp()) &&
      !result.getDefiningOp<arith::MaximumFOp>()) {
    Value sum = (*x.getUsers().begin())->getResult(0);
    e.activation = matchGelu(body, sum, result);
    if (e.activation == SgemmActivation::None)
      return std::nullopt;
    return e;
  }
  // Body: %s = addf(x, bias); yield %s | yield maximumf(%s, 0).
  if (auto max = result.getDefiningOp<arith::MaximumFOp>()) {
    Value other;
    if (matchPattern(max.getRhs(), m_AnyZeroFloat()))
      other = max.getLhs();
    else if (matchPattern(max.getLhs(), m_AnyZeroFloat()))
      other = max.getRhs();
    if (!other)
      return std::nullopt;
    e.activation = SgemmActivation::Relu;
    result = other;
  }
  Operation *add = result.getDefiningOp();
  if (!isSum(add))
    return std::nullopt;
  // Nothing else in the body (constants aside).
  for (Operation &inner : body.without_terminator())
    if (&inner != add && &inner != yield.getValues().front().getDefiningOp() &&
        !isa<arith::ConstantOp>(inner))
      return std::nullopt;
  return e;
}

Value stripReshapes(Value v) {
  while (Operation *def = v.getDefiningOp()) {
    if (isa<tensor::ExpandShapeOp, tensor::CollapseShapeOp>(def)) {
      if (!v.hasOneUse())
        return v;
      v = def->getOperand(0);
      continue;
    }
    if (isa<memref::ExpandShapeOp, memref::CollapseShapeOp>(def)) {
      v = def->getOperand(0);
      continue;
    }
    break;
  }
  return v;
}

} // namespace qcc::x86
