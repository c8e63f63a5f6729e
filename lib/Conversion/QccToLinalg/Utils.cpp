//===- Utils.cpp - shared helpers of the qcc to linalg patterns -----------===//
#include "Utils.h"

#include "mlir/Dialect/Utils/StructuredOpsUtils.h"
#include "mlir/IR/AffineMap.h"
#include "mlir/IR/TypeUtilities.h"

using namespace mlir;

namespace qcc {
namespace lowering {

Value getDimSize(OpBuilder &b, Location loc, Value tensor, int64_t dim) {
  auto type = cast<RankedTensorType>(tensor.getType());
  if (!type.isDynamicDim(dim))
    return arith::ConstantIndexOp::create(b, loc, type.getDimSize(dim));
  return tensor::DimOp::create(b, loc, tensor, dim);
}

OpFoldResult getDimFold(OpBuilder &b, Location loc, Value tensor, int64_t dim) {
  auto type = cast<RankedTensorType>(tensor.getType());
  if (!type.isDynamicDim(dim))
    return b.getIndexAttr(type.getDimSize(dim));
  return tensor::DimOp::create(b, loc, tensor, dim).getResult();
}

SmallVector<OpFoldResult> getDimFolds(OpBuilder &b, Location loc, Value tensor) {
  SmallVector<OpFoldResult> sizes;
  int64_t rank = cast<RankedTensorType>(tensor.getType()).getRank();
  for (int64_t d = 0; d < rank; ++d)
    sizes.push_back(getDimFold(b, loc, tensor, d));
  return sizes;
}

Value createEmpty(OpBuilder &b, Location loc, RankedTensorType type,
                  ValueRange dynSizes) {
  return tensor::EmptyOp::create(b, loc, type.getShape(), type.getElementType(),
                                 dynSizes);
}

SmallVector<Value> getBroadcastDynSizes(OpBuilder &b, Location loc,
                                        ValueRange operands,
                                        RankedTensorType type) {
  SmallVector<Value> sizes;
  int64_t rank = type.getRank();
  for (int64_t d = 0; d < rank; ++d) {
    if (!type.isDynamicDim(d))
      continue;
    Value size;
    // Prefer a dynamic operand dimension (assumed equal to its partners),
    // then a static non-1 one; all-1 broadcasts give 1.
    for (bool wantDynamic : {true, false}) {
      for (Value v : operands) {
        auto t = cast<RankedTensorType>(v.getType());
        int64_t od = d - (rank - t.getRank());
        if (od < 0)
          continue;
        if (wantDynamic && t.isDynamicDim(od)) {
          size = tensor::DimOp::create(b, loc, v, od);
          break;
        }
        if (!wantDynamic && !t.isDynamicDim(od) && t.getDimSize(od) != 1) {
          size = arith::ConstantIndexOp::create(b, loc, t.getDimSize(od));
          break;
        }
      }
      if (size)
        break;
    }
    if (!size)
      size = arith::ConstantIndexOp::create(b, loc, 1);
    sizes.push_back(size);
  }
  return sizes;
}

AffineMap getBroadcastMap(RankedTensorType operandType,
                          ArrayRef<int64_t> resultShape, MLIRContext *ctx) {
  int64_t rank = resultShape.size();
  int64_t offset = rank - operandType.getRank();
  SmallVector<AffineExpr> exprs;
  for (int64_t d = 0; d < operandType.getRank(); ++d) {
    int64_t rd = d + offset;
    if (operandType.getDimSize(d) == 1 && resultShape[rd] != 1)
      exprs.push_back(getAffineConstantExpr(0, ctx));
    else
      exprs.push_back(getAffineDimExpr(rd, ctx));
  }
  return AffineMap::get(rank, 0, exprs, ctx);
}

SmallVector<utils::IteratorType> parallelIterators(unsigned n) {
  return SmallVector<utils::IteratorType>(n, utils::IteratorType::parallel);
}

Value buildElementwise(OpBuilder &b, Location loc, ValueRange inputs,
                       RankedTensorType resultType, ScalarFn fn) {
  MLIRContext *ctx = b.getContext();
  SmallVector<Value> dynSizes = getBroadcastDynSizes(b, loc, inputs, resultType);
  Value init = createEmpty(b, loc, resultType, dynSizes);
  SmallVector<AffineMap> maps;
  for (Value v : inputs)
    maps.push_back(getBroadcastMap(cast<RankedTensorType>(v.getType()),
                                   resultType.getShape(), ctx));
  maps.push_back(b.getMultiDimIdentityMap(resultType.getRank()));
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{resultType}, inputs, ValueRange{init}, maps,
      parallelIterators(resultType.getRank()),
      [&](OpBuilder &nb, Location nloc, ValueRange args) {
        Value r = fn(nb, nloc, args.drop_back());
        linalg::YieldOp::create(nb, nloc, r);
      });
  return generic.getResult(0);
}

Value createScalar(OpBuilder &b, Location loc, Type type, double v) {
  if (auto ft = dyn_cast<FloatType>(type))
    return arith::ConstantOp::create(b, loc, b.getFloatAttr(ft, v));
  if (type.isIndex())
    return arith::ConstantIndexOp::create(b, loc, static_cast<int64_t>(v));
  auto it = cast<IntegerType>(type);
  return arith::ConstantOp::create(
      b, loc, b.getIntegerAttr(it, APInt(it.getWidth(), static_cast<int64_t>(v),
                                         /*isSigned=*/true, /*implicitTrunc=*/true)));
}

Value createExtremum(OpBuilder &b, Location loc, Type type, bool lowest,
                     bool isUnsigned) {
  if (auto ft = dyn_cast<FloatType>(type)) {
    const llvm::fltSemantics &sem = ft.getFloatSemantics();
    APFloat v = APFloat::getInf(sem, /*Negative=*/lowest);
    if (!APFloat::semanticsHasInf(sem))
      v = APFloat::getLargest(sem, /*Negative=*/lowest);
    return arith::ConstantOp::create(b, loc, b.getFloatAttr(ft, v));
  }
  auto it = cast<IntegerType>(type);
  unsigned w = it.getWidth();
  APInt v = isUnsigned ? (lowest ? APInt::getMinValue(w) : APInt::getMaxValue(w))
                       : (lowest ? APInt::getSignedMinValue(w)
                                 : APInt::getSignedMaxValue(w));
  return arith::ConstantOp::create(b, loc, b.getIntegerAttr(it, v));
}

Value createFilled(OpBuilder &b, Location loc, RankedTensorType type,
                   ValueRange dynSizes, Value scalar) {
  Value empty = createEmpty(b, loc, type, dynSizes);
  return linalg::FillOp::create(b, loc, ValueRange{scalar}, ValueRange{empty})
      .getResult(0);
}

bool isUnsignedInt(Type t) {
  auto it = dyn_cast<IntegerType>(getElementTypeOrSelf(t));
  return it && it.isUnsigned();
}

Type signlessElementType(Type t) {
  Type e = getElementTypeOrSelf(t);
  if (auto it = dyn_cast<IntegerType>(e))
    if (!it.isSignless())
      return IntegerType::get(it.getContext(), it.getWidth());
  return e;
}

RankedTensorType signlessTensorType(RankedTensorType type) {
  return type.clone(signlessElementType(type));
}

Value toSignless(OpBuilder &b, Location loc, Value tensor) {
  auto type = cast<RankedTensorType>(tensor.getType());
  auto st = signlessTensorType(type);
  if (st == type)
    return tensor;
  return tensor::BitcastOp::create(b, loc, st, tensor);
}

Value fromSignless(OpBuilder &b, Location loc, Value tensor,
                   RankedTensorType type) {
  if (tensor.getType() == type)
    return tensor;
  return tensor::BitcastOp::create(b, loc, type, tensor);
}

Value addScalar(OpBuilder &b, Location loc, Value x, Value y) {
  if (isa<FloatType>(x.getType()))
    return arith::AddFOp::create(b, loc, x, y);
  return arith::AddIOp::create(b, loc, x, y);
}

Value mulScalar(OpBuilder &b, Location loc, Value x, Value y) {
  if (isa<FloatType>(x.getType()))
    return arith::MulFOp::create(b, loc, x, y);
  return arith::MulIOp::create(b, loc, x, y);
}

Value subScalar(OpBuilder &b, Location loc, Value x, Value y) {
  if (isa<FloatType>(x.getType()))
    return arith::SubFOp::create(b, loc, x, y);
  return arith::SubIOp::create(b, loc, x, y);
}

Value maxScalar(OpBuilder &b, Location loc, Value x, Value y, bool isUnsigned) {
  if (isa<FloatType>(x.getType()))
    return arith::MaximumFOp::create(b, loc, x, y);
  if (isUnsigned)
    return arith::MaxUIOp::create(b, loc, x, y);
  return arith::MaxSIOp::create(b, loc, x, y);
}

Value minScalar(OpBuilder &b, Location loc, Value x, Value y, bool isUnsigned) {
  if (isa<FloatType>(x.getType()))
    return arith::MinimumFOp::create(b, loc, x, y);
  if (isUnsigned)
    return arith::MinUIOp::create(b, loc, x, y);
  return arith::MinSIOp::create(b, loc, x, y);
}

Value convertScalar(OpBuilder &b, Location loc, Value v, Type to,
                    bool srcUnsigned, bool dstUnsigned) {
  Type from = v.getType();
  if (from == to)
    return v;
  auto fromF = dyn_cast<FloatType>(from), toF = dyn_cast<FloatType>(to);
  if (fromF && toF) {
    if (fromF.getWidth() < toF.getWidth())
      return arith::ExtFOp::create(b, loc, to, v);
    if (fromF.getWidth() > toF.getWidth())
      return arith::TruncFOp::create(b, loc, to, v);
    // Same width, different formats (bf16 <-> f16): go through f32.
    Value wide = arith::ExtFOp::create(b, loc, b.getF32Type(), v);
    return arith::TruncFOp::create(b, loc, to, wide);
  }
  if (fromF) {
    // Float to integer truncates toward zero; to i1 it is `x != 0`.
    if (to.isInteger(1)) {
      Value zero = createScalar(b, loc, from, 0.0);
      return arith::CmpFOp::create(b, loc, arith::CmpFPredicate::UNE, v, zero);
    }
    if (dstUnsigned)
      return arith::FPToUIOp::create(b, loc, to, v);
    return arith::FPToSIOp::create(b, loc, to, v);
  }
  if (toF) {
    if (srcUnsigned || from.isInteger(1))
      return arith::UIToFPOp::create(b, loc, to, v);
    return arith::SIToFPOp::create(b, loc, to, v);
  }
  if (to.isIndex() || from.isIndex()) {
    if (srcUnsigned)
      return arith::IndexCastUIOp::create(b, loc, to, v);
    return arith::IndexCastOp::create(b, loc, to, v);
  }
  unsigned fw = from.getIntOrFloatBitWidth(), tw = to.getIntOrFloatBitWidth();
  if (tw == 1) {
    Value zero = createScalar(b, loc, from, 0.0);
    return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, v, zero);
  }
  if (fw < tw) {
    if (srcUnsigned || fw == 1)
      return arith::ExtUIOp::create(b, loc, to, v);
    return arith::ExtSIOp::create(b, loc, to, v);
  }
  return arith::TruncIOp::create(b, loc, to, v);
}

int64_t normalizeAxis(int64_t axis, int64_t rank) {
  return axis < 0 ? axis + rank : axis;
}

Value buildReduction(
    OpBuilder &b, Location loc, Value input, ArrayRef<int64_t> axes, Value init,
    function_ref<Value(OpBuilder &, Location, Value, Value)> combine, Value extra,
    function_ref<Value(OpBuilder &, Location, Value, Value)> mapInput) {
  MLIRContext *ctx = b.getContext();
  auto inType = cast<RankedTensorType>(input.getType());
  int64_t rank = inType.getRank();
  SmallVector<int64_t> outShape;
  SmallVector<Value> outDyn;
  SmallVector<AffineExpr> outExprs;
  SmallVector<utils::IteratorType> iters;
  for (int64_t d = 0; d < rank; ++d) {
    if (llvm::is_contained(axes, d)) {
      iters.push_back(utils::IteratorType::reduction);
      continue;
    }
    iters.push_back(utils::IteratorType::parallel);
    outShape.push_back(inType.getDimSize(d));
    outExprs.push_back(getAffineDimExpr(d, ctx));
    if (inType.isDynamicDim(d))
      outDyn.push_back(tensor::DimOp::create(b, loc, input, d));
  }
  auto outType = RankedTensorType::get(outShape, init.getType());
  Value filled = createFilled(b, loc, outType, outDyn, init);
  SmallVector<Value> ins{input};
  SmallVector<AffineMap> maps{b.getMultiDimIdentityMap(rank)};
  AffineMap outMap = AffineMap::get(rank, 0, outExprs, ctx);
  if (extra) {
    // `extra` has the reduced shape (e.g. the max for softmax) and is read
    // with the output's map.
    ins.push_back(extra);
    maps.push_back(outMap);
  }
  maps.push_back(outMap);
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{outType}, ins, ValueRange{filled}, maps, iters,
      [&](OpBuilder &nb, Location nloc, ValueRange args) {
        Value x = args[0];
        if (mapInput)
          x = mapInput(nb, nloc, x, extra ? args[1] : Value());
        Value r = combine(nb, nloc, x, args.back());
        linalg::YieldOp::create(nb, nloc, r);
      });
  return generic.getResult(0);
}

Value getElementCount(OpBuilder &b, Location loc, Value tensor,
                      ArrayRef<int64_t> dims, Type type) {
  Value count = arith::ConstantIndexOp::create(b, loc, 1);
  for (int64_t d : dims)
    count = arith::MulIOp::create(b, loc, count, getDimSize(b, loc, tensor, d));
  Value asInt = arith::IndexCastOp::create(b, loc, b.getI64Type(), count);
  return arith::SIToFPOp::create(b, loc, type, asInt);
}

SmallVector<ReassociationIndices> getUnitDimsReassociation(int64_t rank,
                                                           ArrayRef<int64_t> axes) {
  // Groups each kept dimension with the unit dimensions that follow it (or,
  // for leading unit dims, with the first kept dimension).
  SmallVector<ReassociationIndices> groups;
  ReassociationIndices pending;
  for (int64_t d = 0; d < rank; ++d) {
    pending.push_back(d);
    if (!llvm::is_contained(axes, d)) {
      groups.push_back(pending);
      pending.clear();
    }
  }
  if (!pending.empty()) {
    if (groups.empty())
      return {}; // Rank-0 source: expand from nothing.
    groups.back().append(pending.begin(), pending.end());
  }
  return groups;
}

} // namespace lowering
} // namespace qcc
