//===- RuntimeShape.cpp - shape arithmetic on run-time values -------------===//
//
// See RuntimeShape.h.
//
//===----------------------------------------------------------------------===//
#include "RuntimeShape.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Matchers.h"

using namespace mlir;
using namespace qcc;
using namespace qcc::onnx_import;

Value qcc::onnx_import::constI64(NodeContext &nc, int64_t c) {
  return arith::ConstantOp::create(nc.b, nc.loc, nc.b.getI64IntegerAttr(c));
}

Value qcc::onnx_import::dimI64(NodeContext &nc, Value v, int64_t d) {
  auto t = cast<RankedTensorType>(v.getType());
  if (!t.isDynamicDim(d))
    return constI64(nc, t.getDimSize(d));
  Value dim = tensor::DimOp::create(nc.b, nc.loc, v, d);
  return arith::IndexCastOp::create(nc.b, nc.loc, nc.b.getI64Type(), dim);
}

Value qcc::onnx_import::scalarI64(NodeContext &nc, Value t) {
  auto type = cast<RankedTensorType>(t.getType());
  SmallVector<Value> zeros(type.getRank(),
                           arith::ConstantIndexOp::create(nc.b, nc.loc, 0).getResult());
  Value e = tensor::ExtractOp::create(nc.b, nc.loc, t, zeros);
  if (e.getType().isInteger(64))
    return e;
  return arith::ExtSIOp::create(nc.b, nc.loc, nc.b.getI64Type(), e);
}

std::optional<int64_t> qcc::onnx_import::staticI64(Value v) {
  APInt c;
  if (matchPattern(v, m_ConstantInt(&c)))
    return c.getSExtValue();
  return std::nullopt;
}

Value qcc::onnx_import::reshapeTo(NodeContext &nc, Value v, ArrayRef<Value> dims,
                                  std::optional<Location> loc) {
  auto in = cast<RankedTensorType>(v.getType());
  Shape shape;
  for (Value d : dims)
    shape.push_back(staticI64(d).value_or(kDynamicDim));
  if (in.getShape() == ArrayRef<int64_t>(shape) && !loc)
    return v;
  auto type = nc.tensorType(shape, in.getElementType());
  Value shapeOperand;
  if (llvm::is_contained(shape, kDynamicDim) || loc)
    shapeOperand = tensor::FromElementsOp::create(
        nc.b, nc.loc, nc.tensorType({(int64_t)dims.size()}, nc.b.getI64Type()), dims);
  auto op = ReshapeOp::create(nc.b, loc.value_or(nc.loc), type, v, shapeOperand);
  op.setAllowzero(true);
  return op.getResult();
}

Value qcc::onnx_import::reshapeKeep(NodeContext &nc, Value v, int64_t keep,
                                    ArrayRef<int64_t> tail) {
  SmallVector<Value> dims;
  for (int64_t d = 0; d < keep; ++d)
    dims.push_back(dimI64(nc, v, d));
  for (int64_t t : tail)
    dims.push_back(constI64(nc, t));
  return reshapeTo(nc, v, dims);
}

Value qcc::onnx_import::generate(
    NodeContext &nc, ArrayRef<Value> dims, Type elementType,
    std::function<Value(OpBuilder &, Location, ValueRange)> body) {
  Shape shape;
  SmallVector<Value> dynamic;
  for (Value d : dims) {
    auto s = staticI64(d);
    shape.push_back(s.value_or(kDynamicDim));
    if (!s)
      dynamic.push_back(
          arith::IndexCastOp::create(nc.b, nc.loc, nc.b.getIndexType(), d).getResult());
  }
  auto type = nc.tensorType(shape, elementType);
  return tensor::GenerateOp::create(
      nc.b, nc.loc, type, dynamic,
      [&](OpBuilder &b, Location l, ValueRange ivs) {
        tensor::YieldOp::create(b, l, body(b, l, ivs));
      });
}

Location qcc::onnx_import::checkLocation(NodeContext &nc, StringRef what) {
  std::string name = nc.node.name().empty() ? nc.node.op_type() : nc.node.name();
  return NameLoc::get(nc.b.getStringAttr(name + " (" + nc.node.op_type() + ") " + what.str()),
                      nc.loc);
}

Value qcc::onnx_import::checkAtRunTime(NodeContext &nc, Value v, Value ok, StringRef what) {
  auto t = cast<RankedTensorType>(v.getType());
  SmallVector<Value> dims;
  for (int64_t d = 0; d < t.getRank(); ++d)
    dims.push_back(dimI64(nc, v, d));
  if (dims.empty())
    return v;
  // Dim 0 becomes -2 when the check fails: an invalid entry fails the
  // reshape's check even for an empty tensor, and the lowering then gives
  // the (now dynamic) dim 0 size 0, keeping later code in bounds.
  Value invalid = constI64(nc, -2);
  dims.front() = arith::SelectOp::create(nc.b, nc.loc, ok, dims.front(), invalid);
  return reshapeTo(nc, v, dims, checkLocation(nc, what));
}

Value qcc::onnx_import::reduceAllI64(NodeContext &nc, Value t, bool isMin) {
  auto type = cast<RankedTensorType>(t.getType());
  SmallVector<int64_t> axes;
  for (int64_t d = 0; d < type.getRank(); ++d)
    axes.push_back(d);
  auto rt = nc.tensorType(Shape(type.getRank(), 1), type.getElementType());
  auto axesAttr = nc.b.getDenseI64ArrayAttr(axes);
  auto keep = nc.b.getBoolAttr(true);
  Value r = isMin ? ReduceMinOp::create(nc.b, nc.loc, rt, t, axesAttr, keep).getResult()
                  : ReduceMaxOp::create(nc.b, nc.loc, rt, t, axesAttr, keep).getResult();
  return scalarI64(nc, r);
}

SmallVector<std::optional<int64_t>> qcc::onnx_import::knownShapeEntries(Value shape) {
  auto t = dyn_cast<RankedTensorType>(shape.getType());
  if (!t || t.getRank() > 1 || !t.hasStaticShape())
    return {};
  int64_t n = t.getNumElements();
  SmallVector<std::optional<int64_t>> unknown(n, std::nullopt);
  Operation *def = shape.getDefiningOp();
  if (!def)
    return unknown;
  DenseIntElementsAttr dense;
  if (matchPattern(shape, m_Constant(&dense))) {
    SmallVector<std::optional<int64_t>> out;
    for (const APInt &v : dense.getValues<APInt>())
      out.push_back(v.getSExtValue());
    return out;
  }
  if (auto fe = dyn_cast<tensor::FromElementsOp>(def)) {
    SmallVector<std::optional<int64_t>> out;
    for (Value e : fe.getElements())
      out.push_back(staticI64(e));
    return out;
  }
  if (auto cat = dyn_cast<ConcatOp>(def)) {
    SmallVector<std::optional<int64_t>> out;
    for (Value part : cat.getInputs()) {
      auto p = knownShapeEntries(part);
      if (p.size() != (size_t)cast<RankedTensorType>(part.getType()).getNumElements())
        return unknown;
      out.append(p.begin(), p.end());
    }
    return out.size() == (size_t)n ? out : unknown;
  }
  if (auto r = dyn_cast<ReshapeOp>(def)) {
    auto p = knownShapeEntries(r.getInput());
    return p.size() == (size_t)n ? p : unknown;
  }
  if (auto g = dyn_cast<GatherOp>(def)) {
    auto data = knownShapeEntries(g.getInput());
    DenseIntElementsAttr idx;
    if (data.empty() || !matchPattern(g.getIndices(), m_Constant(&idx)))
      return unknown;
    SmallVector<std::optional<int64_t>> out;
    for (const APInt &v : idx.getValues<APInt>()) {
      int64_t i = v.getSExtValue();
      if (i < 0)
        i += data.size();
      if (i < 0 || i >= (int64_t)data.size())
        return unknown;
      out.push_back(data[i]);
    }
    return out.size() == (size_t)n ? out : unknown;
  }
  return unknown;
}
