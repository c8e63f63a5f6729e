//===- DynamicShapeOps.cpp - shape producers with run-time values ---------===//
//
// The shape-arithmetic ops of torch.onnx exports whose inputs are only known
// at run time when batch / sequence / past lengths are dynamic, built as
// `tensor.generate` (RuntimeShape.h); ShapeOps.cpp folds them to constants
// whenever it can and falls back to these:
//
//   Range(start, limit, delta)   n = max(0, ceil((limit - start) / delta)),
//                                y[i] = start + i * delta; delta = 0 fails
//                                the run
//   ConstantOfShape(shape)       a fill of the run-time shape (negative dims
//                                fail the run)
//   Expand(x, shape)             bidirectional broadcast to a run-time shape;
//                                incompatible dims fail the run
//   Trilu(x, k?)                 keeps x[..., i, j] where j - i >= k (upper)
//                                or j - i <= k (lower), else 0; any k
//
// Example: Range(past, past + S, 1) with past = Shape(past_key)[2] becomes
//   %n = ... ; %r = tensor.generate %n { yield start + i * delta } : tensor<?xi64>
//
//===----------------------------------------------------------------------===//
#include "DynamicShapeOps.h"
#include "RuntimeShape.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace qcc;
using namespace qcc::onnx_import;

namespace {

/// The entries of a 1-D i64 shape input of static length: constants when
/// known, else elements extracted at run time.
FailureOr<SmallVector<Value>> shapeEntries(NodeContext &nc, unsigned i) {
  auto t = nc.type(i);
  if (t.getRank() != 1 || t.isDynamicDim(0) || !t.getElementType().isInteger(64))
    return nc.emitError() << "the shape input must be a 1-D int64 tensor of known length, got "
                          << shapeToString(t.getShape()),
           failure();
  SmallVector<Value> out;
  if (const ConstTensor *c = nc.constant(i)) {
    for (int64_t k = 0; k < c->numElements(); ++k)
      out.push_back(constI64(nc, c->getInt(k)));
    return out;
  }
  Value v = nc.operand(i);
  auto known = knownShapeEntries(v);
  for (int64_t k = 0; k < t.getDimSize(0); ++k) {
    if (k < (int64_t)known.size() && known[k]) {
      out.push_back(constI64(nc, *known[k]));
      continue;
    }
    Value idx = arith::ConstantIndexOp::create(nc.b, nc.loc, k);
    out.push_back(tensor::ExtractOp::create(nc.b, nc.loc, v, ValueRange{idx}));
  }
  return out;
}

Value cmp(NodeContext &nc, arith::CmpIPredicate p, Value a, Value b) {
  return arith::CmpIOp::create(nc.b, nc.loc, p, a, b);
}

Value allOf(NodeContext &nc, ArrayRef<Value> conds) {
  Value ok = arith::ConstantOp::create(nc.b, nc.loc, nc.b.getBoolAttr(true));
  for (Value c : conds)
    ok = arith::AndIOp::create(nc.b, nc.loc, ok, c);
  return ok;
}

/// Element 0 of a one-element tensor, in its own type.
Value scalarOf(NodeContext &nc, unsigned i) {
  Value t = nc.operand(i);
  auto type = cast<RankedTensorType>(t.getType());
  SmallVector<Value> zeros(type.getRank(),
                           arith::ConstantIndexOp::create(nc.b, nc.loc, 0).getResult());
  return tensor::ExtractOp::create(nc.b, nc.loc, t, zeros);
}

} // namespace

LogicalResult qcc::onnx_import::convertRangeAtRunTime(NodeContext &nc) {
  for (unsigned i = 0; i < 3; ++i)
    if (numElementsOf(nc.shape(i)) != 1 || nc.elementType(i) != nc.elementType(0))
      return nc.emitError() << "start, limit and delta must be scalars of one type";
  Type et = nc.elementType(0);
  bool isFloat = isa<FloatType>(et);
  if (!isFloat && !et.isInteger(32) && !et.isInteger(64))
    return nc.emitError() << "unsupported element type for a run-time Range";
  Value start = scalarOf(nc, 0), limit = scalarOf(nc, 1), delta = scalarOf(nc, 2);
  auto i64 = nc.b.getI64Type();
  Value zero64 = constI64(nc, 0), n, deltaOk;
  if (isFloat) {
    // n = max(0, ceil((limit - start) / delta)), computed in f64.
    auto f64 = nc.b.getF64Type();
    auto toF64 = [&](Value v) -> Value {
      return v.getType().isF64() ? v : arith::ExtFOp::create(nc.b, nc.loc, f64, v).getResult();
    };
    Value zeroF = arith::ConstantOp::create(nc.b, nc.loc, nc.b.getF64FloatAttr(0.0));
    Value oneF = arith::ConstantOp::create(nc.b, nc.loc, nc.b.getF64FloatAttr(1.0));
    Value dF = toF64(delta);
    deltaOk = arith::CmpFOp::create(nc.b, nc.loc, arith::CmpFPredicate::ONE, dF, zeroF);
    Value safeD = arith::SelectOp::create(nc.b, nc.loc, deltaOk, dF, oneF);
    Value q = arith::DivFOp::create(
        nc.b, nc.loc, arith::SubFOp::create(nc.b, nc.loc, toF64(limit), toF64(start)), safeD);
    q = arith::MaximumFOp::create(nc.b, nc.loc, q, zeroF);
    Value t = arith::FPToSIOp::create(nc.b, nc.loc, i64, q);
    Value below = arith::CmpFOp::create(nc.b, nc.loc, arith::CmpFPredicate::OLT,
                                        arith::SIToFPOp::create(nc.b, nc.loc, f64, t), q);
    n = arith::SelectOp::create(nc.b, nc.loc, below,
                                arith::AddIOp::create(nc.b, nc.loc, t, constI64(nc, 1)), t);
  } else {
    // n = max(0, ceildiv(limit - start, delta)).
    auto wide = [&](Value v) -> Value {
      return v.getType().isInteger(64) ? v
                                       : arith::ExtSIOp::create(nc.b, nc.loc, i64, v).getResult();
    };
    Value d = wide(delta);
    deltaOk = cmp(nc, arith::CmpIPredicate::ne, d, zero64);
    Value safeD = arith::SelectOp::create(nc.b, nc.loc, deltaOk, d, constI64(nc, 1));
    Value q = arith::CeilDivSIOp::create(
        nc.b, nc.loc, arith::SubIOp::create(nc.b, nc.loc, wide(limit), wide(start)), safeD);
    n = arith::MaxSIOp::create(nc.b, nc.loc, q, zero64);
  }
  n = arith::SelectOp::create(nc.b, nc.loc, deltaOk, n, zero64);
  Value r = generate(nc, {n}, et, [&](OpBuilder &b, Location l, ValueRange ivs) -> Value {
    if (isFloat) {
      Value i = arith::UIToFPOp::create(
          b, l, et, arith::IndexCastOp::create(b, l, b.getI64Type(), ivs[0]));
      return arith::AddFOp::create(b, l, start, arith::MulFOp::create(b, l, i, delta));
    }
    Value i = arith::IndexCastOp::create(b, l, et, ivs[0]);
    return arith::AddIOp::create(b, l, start, arith::MulIOp::create(b, l, i, delta));
  });
  nc.setOutput(0, checkAtRunTime(nc, r, deltaOk, "delta is 0"));
  return success();
}

LogicalResult qcc::onnx_import::convertConstantOfShapeAtRunTime(NodeContext &nc,
                                                                 const ConstTensor &value) {
  auto entries = shapeEntries(nc, 0);
  if (failed(entries))
    return failure();
  if (entries->empty())
    return nc.emitError() << "a run-time shape of rank 0";
  Value zero = constI64(nc, 0);
  SmallVector<Value> dims, oks;
  for (Value d : *entries) {
    oks.push_back(cmp(nc, arith::CmpIPredicate::sge, d, zero));
    dims.push_back(arith::MaxSIOp::create(nc.b, nc.loc, d, zero));
  }
  Type et = value.elementType;
  TypedAttr fill = value.isFloat() ? TypedAttr(nc.b.getFloatAttr(et, value.floats[0]))
                                   : TypedAttr(nc.b.getIntegerAttr(et, value.ints[0]));
  Value r = generate(nc, dims, et, [&](OpBuilder &b, Location l, ValueRange) -> Value {
    return arith::ConstantOp::create(b, l, fill);
  });
  nc.setOutput(0, checkAtRunTime(nc, r, allOf(nc, oks), "negative dimension in the shape"));
  return success();
}

LogicalResult qcc::onnx_import::convertExpandAtRunTime(NodeContext &nc) {
  auto entries = shapeEntries(nc, 1);
  if (failed(entries))
    return failure();
  Value x = nc.operand(0);
  int64_t inRank = nc.rank(0), tRank = entries->size();
  int64_t rank = std::max(inRank, tRank);
  SmallVector<Value> outDims, oks;
  SmallVector<Value> inDims(rank);
  Value one = constI64(nc, 1);
  for (int64_t d = 0; d < rank; ++d) {
    int64_t id = d - (rank - inRank), td = d - (rank - tRank);
    Value a = id >= 0 ? dimI64(nc, x, id) : one;
    Value t = td >= 0 ? (*entries)[td] : one;
    // out = a == 1 ? t : a; valid when t is 1 or a, or a is 1.
    auto as = staticI64(a), ts = staticI64(t);
    Value out;
    if (as && *as != 1)
      out = a;
    else if (as && *as == 1)
      out = t;
    else if (ts && *ts == 1)
      out = a;
    else
      out = arith::SelectOp::create(nc.b, nc.loc, cmp(nc, arith::CmpIPredicate::eq, a, one), t,
                                    a);
    if (as && ts && *as != *ts && *as != 1 && *ts != 1)
      return nc.emitError() << "cannot expand dim " << *as << " to " << *ts;
    if (!(as && ts))
      oks.push_back(arith::OrIOp::create(
          nc.b, nc.loc,
          arith::OrIOp::create(nc.b, nc.loc, cmp(nc, arith::CmpIPredicate::eq, t, one),
                               cmp(nc, arith::CmpIPredicate::eq, t, a)),
          cmp(nc, arith::CmpIPredicate::eq, a, one)));
    outDims.push_back(out);
    inDims[d] = a;
  }
  Value r = generate(nc, outDims, nc.elementType(0),
                     [&](OpBuilder &b, Location l, ValueRange ivs) -> Value {
                       SmallVector<Value> idx;
                       for (int64_t d = rank - inRank; d < rank; ++d) {
                         auto as = staticI64(inDims[d]);
                         if (as && *as == 1) {
                           idx.push_back(arith::ConstantIndexOp::create(b, l, 0));
                           continue;
                         }
                         if (as) {
                           idx.push_back(ivs[d]);
                           continue;
                         }
                         Value isOneD = arith::CmpIOp::create(
                             b, l, arith::CmpIPredicate::eq, inDims[d],
                             arith::ConstantOp::create(b, l, b.getI64IntegerAttr(1)));
                         idx.push_back(arith::SelectOp::create(
                             b, l, isOneD, arith::ConstantIndexOp::create(b, l, 0), ivs[d]));
                       }
                       return tensor::ExtractOp::create(b, l, x, idx);
                     });
  if (!oks.empty())
    r = checkAtRunTime(nc, r, allOf(nc, oks), "input dims do not broadcast to the shape");
  nc.setOutput(0, r);
  return success();
}

LogicalResult qcc::onnx_import::convertTrilu(NodeContext &nc) {
  if (nc.rank(0) < 2)
    return nc.emitError() << "input must have rank >= 2, got " << shapeToString(nc.shape(0));
  bool upper = nc.attrInt("upper", 1) != 0;
  Value k = constI64(nc, 0);
  if (nc.hasInput(1)) {
    if (numElementsOf(nc.shape(1)) != 1 || !nc.elementType(1).isInteger(64))
      return nc.emitError() << "k must be a one-element int64 tensor";
    if (const ConstTensor *c = nc.constant(1))
      k = constI64(nc, c->getInt(0));
    else
      k = scalarI64(nc, nc.operand(1));
  }
  Value x = nc.operand(0);
  int64_t rank = nc.rank(0);
  SmallVector<Value> dims;
  for (int64_t d = 0; d < rank; ++d)
    dims.push_back(dimI64(nc, x, d));
  Type et = nc.elementType(0);
  nc.setOutput(0, generate(nc, dims, et, [&](OpBuilder &b, Location l, ValueRange ivs) -> Value {
    auto i64 = b.getI64Type();
    Value i = arith::IndexCastOp::create(b, l, i64, ivs[rank - 2]);
    Value j = arith::IndexCastOp::create(b, l, i64, ivs[rank - 1]);
    Value diff = arith::SubIOp::create(b, l, j, i);
    Value keep = arith::CmpIOp::create(
        b, l, upper ? arith::CmpIPredicate::sge : arith::CmpIPredicate::sle, diff, k);
    Value v = tensor::ExtractOp::create(b, l, x, ivs);
    Value zero = arith::ConstantOp::create(b, l, cast<TypedAttr>(b.getZeroAttr(et)));
    return arith::SelectOp::create(b, l, keep, v, zero);
  }));
  return success();
}
