//===- ElementwiseOps.cpp - ONNX elementwise ops to qcc -------------------===//
//
// Unary math and activations, broadcasting binary arithmetic, comparisons,
// logic, variadic Sum/Mean/Max/Min chains, Where, Clip, Cast, Identity and
// Dropout. Constant operands are folded at import so that shape computations
// disappear.
//
//===----------------------------------------------------------------------===//
#include "ImporterInternal.h"

#include <cmath>
#include <limits>

using namespace mlir;
using namespace qcc;
using namespace qcc::onnx_import;

namespace {

/// Result type of a broadcasting binary op, or failure (with a diagnostic).
FailureOr<RankedTensorType> binaryResultType(NodeContext &nc, Value lhs, Value rhs,
                                             Type resultElt) {
  auto lt = cast<RankedTensorType>(lhs.getType());
  auto rt = cast<RankedTensorType>(rhs.getType());
  std::string why;
  auto shape = broadcastShapes(lt.getShape(), rt.getShape(), &why);
  if (failed(shape)) {
    nc.emitError() << "operands of shapes " << shapeToString(lt.getShape()) << " and "
                   << shapeToString(rt.getShape()) << " do not broadcast: " << why;
    return failure();
  }
  return RankedTensorType::get(*shape, resultElt);
}

/// Builds `OpT(lhs, rhs)` with numpy broadcasting.
template <typename OpT>
FailureOr<Value> buildBinary(NodeContext &nc, Value lhs, Value rhs, bool compare,
                             bool sameTypes = true) {
  Type le = getElementTypeOrSelf(lhs.getType()), re = getElementTypeOrSelf(rhs.getType());
  if (sameTypes && le != re) {
    nc.emitError() << "operand element types differ: " << le << " vs " << re;
    return failure();
  }
  Type elt = compare ? Type(nc.b.getI1Type()) : le;
  auto type = binaryResultType(nc, lhs, rhs, elt);
  if (failed(type))
    return failure();
  return OpT::create(nc.b, nc.loc, *type, lhs, rhs).getResult();
}

/// Folds a binary node whose operands are constants; returns true if done.
bool tryFoldBinary(NodeContext &nc, StringRef op) {
  const ConstTensor *a = nc.constant(0), *b = nc.constant(1);
  if (!a || !b || a->elementType != b->elementType)
    return false;
  auto r = foldBinary(op, *a, *b);
  if (failed(r))
    return false;
  nc.setOutput(0, std::move(*r));
  return true;
}

template <typename OpT>
LogicalResult convertBinary(NodeContext &nc) {
  StringRef op = nc.node.op_type();
  if (tryFoldBinary(nc, op))
    return success();
  bool compare = llvm::is_contained(
      {"Equal", "Less", "LessOrEqual", "Greater", "GreaterOrEqual"}, op);
  auto r = buildBinary<OpT>(nc, nc.operand(0), nc.operand(1), compare,
                            /*sameTypes=*/op != "Pow");
  if (failed(r))
    return failure();
  nc.setOutput(0, *r);
  return success();
}

LogicalResult convertMod(NodeContext &nc) {
  bool fmod = nc.attrInt("fmod", 0) != 0;
  if (!fmod && tryFoldBinary(nc, "Mod"))
    return success();
  Value l = nc.operand(0), r = nc.operand(1);
  if (getElementTypeOrSelf(l.getType()) != getElementTypeOrSelf(r.getType()))
    return nc.emitError() << "operand element types differ";
  auto type = binaryResultType(nc, l, r, getElementTypeOrSelf(l.getType()));
  if (failed(type))
    return failure();
  nc.setOutput(0, ModOp::create(nc.b, nc.loc, *type, l, r, nc.b.getBoolAttr(fmod)));
  return success();
}

/// Sum/Max/Min/Mean over any number of inputs as a left-to-right chain.
template <typename OpT>
LogicalResult convertVariadic(NodeContext &nc) {
  StringRef op = nc.node.op_type();
  if (nc.numInputs() == 0)
    return nc.emitError() << "needs at least one input";
  StringRef foldOp = op == "Sum" || op == "Mean" ? "Add" : op;
  if (nc.allInputsConstant()) {
    ConstTensor acc = *nc.constant(0);
    bool ok = true;
    for (unsigned i = 1; i < nc.numInputs() && ok; ++i) {
      auto r = foldBinary(foldOp, acc, *nc.constant(i));
      ok = succeeded(r);
      if (ok)
        acc = std::move(*r);
    }
    if (ok && op == "Mean") {
      ConstTensor n = ConstTensor::empty({}, acc.elementType);
      n.push(nc.numInputs());
      auto r = foldBinary("Div", acc, n);
      ok = succeeded(r);
      if (ok)
        acc = std::move(*r);
    }
    if (ok) {
      nc.setOutput(0, std::move(acc));
      return success();
    }
  }
  Value acc = nc.operand(0);
  for (unsigned i = 1; i < nc.numInputs(); ++i) {
    auto r = buildBinary<OpT>(nc, acc, nc.operand(i), false);
    if (failed(r))
      return failure();
    acc = *r;
  }
  if (op == "Mean" && nc.numInputs() > 1) {
    Type elt = getElementTypeOrSelf(acc.getType());
    Value n = nc.constantOf(elt, {}, {double(nc.numInputs())});
    acc = *buildBinary<DivOp>(nc, acc, n, false);
  }
  nc.setOutput(0, acc);
  return success();
}

LogicalResult convertWhere(NodeContext &nc) {
  if (const ConstTensor *c = nc.constant(0))
    if (const ConstTensor *x = nc.constant(1))
      if (const ConstTensor *y = nc.constant(2)) {
        auto r = foldWhere(*c, *x, *y);
        if (succeeded(r)) {
          nc.setOutput(0, std::move(*r));
          return success();
        }
      }
  Value c = nc.operand(0), x = nc.operand(1), y = nc.operand(2);
  std::string why;
  auto s1 = broadcastShapes(nc.shape(0), nc.shape(1), &why);
  FailureOr<Shape> s = failure();
  if (succeeded(s1))
    s = broadcastShapes(*s1, nc.shape(2), &why);
  if (failed(s))
    return nc.emitError() << "operands do not broadcast: " << why;
  if (nc.elementType(1) != nc.elementType(2))
    return nc.emitError() << "value element types differ: " << nc.elementType(1)
                          << " vs " << nc.elementType(2);
  auto type = RankedTensorType::get(*s, nc.elementType(1));
  nc.setOutput(0, WhereOp::create(nc.b, nc.loc, type, c, x, y));
  return success();
}

template <typename OpT>
LogicalResult convertUnary(NodeContext &nc) {
  if (const ConstTensor *c = nc.constant(0)) {
    auto r = foldUnary(nc.node.op_type(), *c);
    if (succeeded(r)) {
      nc.setOutput(0, std::move(*r));
      return success();
    }
  }
  Value x = nc.operand(0);
  nc.setOutput(0, OpT::create(nc.b, nc.loc, x.getType(), x));
  return success();
}

/// Unary ops that only make sense on floats.
template <typename OpT>
LogicalResult convertFloatUnary(NodeContext &nc) {
  if (!isa<FloatType>(nc.elementType(0)))
    return nc.emitError() << "expects a float input, got " << nc.type(0);
  return convertUnary<OpT>(nc);
}

LogicalResult convertForward(NodeContext &nc) {
  StringRef op = nc.node.op_type();
  if (op == "Dropout") {
    if (failed(nc.rejectOutputsFrom(1, "the dropout mask")))
      return failure();
    // Opset 12+: training_mode (input 2) makes Dropout random; qcc compiles
    // inference graphs, where Dropout is the identity.
    if (nc.hasInput(2)) {
      const ConstTensor *training = nc.constant(2);
      if (!training)
        return nc.emitError() << "unsupported runtime input: training_mode (input '"
                              << nc.node.input(2)
                              << "') must be a compile-time constant false";
      if (training->numElements() > 0 && training->getInt(0) != 0)
        return nc.emitError()
               << "unsupported feature: training_mode = true (random dropout)";
    }
  }
  if (const ConstTensor *c = nc.constant(0)) {
    nc.setOutput(0, *c);
    return success();
  }
  nc.setOutput(0, nc.operand(0));
  return success();
}

FloatAttr f32(NodeContext &nc, StringRef name, float def) {
  return nc.b.getF32FloatAttr(nc.attrFloat(name, def));
}

LogicalResult convertParamUnary(NodeContext &nc) {
  StringRef op = nc.node.op_type();
  Value x = nc.operand(0);
  Type t = x.getType();
  OpBuilder &b = nc.b;
  Location loc = nc.loc;
  Value y;
  if (op == "LeakyRelu")
    y = LeakyReluOp::create(b, loc, t, x, f32(nc, "alpha", 0.01f));
  else if (op == "Elu")
    y = EluOp::create(b, loc, t, x, f32(nc, "alpha", 1.0f));
  else if (op == "Selu")
    y = SeluOp::create(b, loc, t, x, f32(nc, "alpha", 1.67326319217681884765625f),
                       f32(nc, "gamma", 1.05070102214813232421875f));
  else if (op == "Celu")
    y = CeluOp::create(b, loc, t, x, f32(nc, "alpha", 1.0f));
  else if (op == "HardSigmoid")
    y = HardSigmoidOp::create(b, loc, t, x, f32(nc, "alpha", 0.2f), f32(nc, "beta", 0.5f));
  else if (op == "ThresholdedRelu")
    y = ThresholdedReluOp::create(b, loc, t, x, f32(nc, "alpha", 1.0f));
  else if (op == "Gelu") {
    std::string approx = nc.attrString("approximate", "none");
    if (approx != "none" && approx != "tanh")
      return nc.emitError() << "unknown approximate mode '" << approx << "'";
    y = GeluOp::create(b, loc, t, x, b.getStringAttr(approx));
  } else if (op == "Mish") {
    // mish(x) = x * tanh(softplus(x))
    Value sp = SoftplusOp::create(b, loc, t, x);
    Value th = TanhOp::create(b, loc, t, sp);
    y = MulOp::create(b, loc, t, x, th);
  } else {
    return nc.emitError() << "no parametric unary mapping";
  }
  if (!isa<FloatType>(getElementTypeOrSelf(t)))
    return nc.emitError() << "expects a float input, got " << t;
  nc.setOutput(0, y);
  return success();
}

LogicalResult convertClip(NodeContext &nc) {
  Value x = nc.operand(0);
  Type elt = nc.elementType(0);
  std::optional<double> lo, hi;
  Value loV, hiV;
  if (nc.opset < 11) {
    float mn = nc.attrFloat("min", -std::numeric_limits<float>::infinity());
    float mx = nc.attrFloat("max", std::numeric_limits<float>::infinity());
    if (std::isfinite(mn))
      lo = mn;
    if (std::isfinite(mx))
      hi = mx;
  } else {
    for (unsigned i : {1u, 2u}) {
      if (!nc.hasInput(i))
        continue;
      if (const ConstTensor *c = nc.constant(i)) {
        if (c->numElements() != 1)
          return nc.emitError() << (i == 1 ? "min" : "max") << " must be a scalar";
        (i == 1 ? lo : hi) = c->getDouble(0);
      } else {
        (i == 1 ? loV : hiV) = nc.operand(i);
      }
    }
  }
  if (const ConstTensor *c = nc.constant(0); c && !loV && !hiV) {
    ConstTensor r = *c;
    for (int64_t i = 0, n = r.numElements(); i < n; ++i) {
      double v = r.getDouble(i);
      if (lo)
        v = std::max(v, *lo);
      if (hi)
        v = std::min(v, *hi);
      if (r.isFloat())
        r.floats[i] = v;
      else
        r.ints[i] = static_cast<int64_t>(v);
    }
    nc.setOutput(0, std::move(r));
    return success();
  }
  Value y = x;
  if (lo || hi)
    y = ClipOp::create(nc.b, nc.loc, x.getType(), x,
                       lo ? nc.b.getF64FloatAttr(*lo) : FloatAttr(),
                       hi ? nc.b.getF64FloatAttr(*hi) : FloatAttr());
  // Runtime bounds (rare): max/min with broadcasting.
  if (loV) {
    if (getElementTypeOrSelf(loV.getType()) != elt)
      return nc.emitError() << "min has a different element type than the input";
    y = MaxOp::create(nc.b, nc.loc, y.getType(), y, loV);
  }
  if (hiV) {
    if (getElementTypeOrSelf(hiV.getType()) != elt)
      return nc.emitError() << "max has a different element type than the input";
    y = MinOp::create(nc.b, nc.loc, y.getType(), y, hiV);
  }
  nc.setOutput(0, y);
  return success();
}

/// Cast and CastLike.
LogicalResult convertCast(NodeContext &nc) {
  Type to;
  if (nc.node.op_type() == "CastLike") {
    to = nc.elementType(1);
  } else {
    int64_t t = nc.attrInt("to", 0);
    to = convertElementType(t, nc.ctx);
    if (!to)
      return nc.emitError() << "cannot cast to " << onnxTypeName(t);
  }
  if (const ConstTensor *c = nc.constant(0)) {
    nc.setOutput(0, castConst(*c, to));
    return success();
  }
  Value x = nc.operand(0);
  if (nc.elementType(0) == to) {
    nc.setOutput(0, x);
    return success();
  }
  auto type = RankedTensorType::get(nc.shape(0), to);
  nc.setOutput(0, CastOp::create(nc.b, nc.loc, type, x));
  return success();
}

LogicalResult convertPRelu(NodeContext &nc) {
  Value x = nc.operand(0), slope = nc.operand(1);
  if (!isBroadcastableTo(nc.shape(1), nc.shape(0)))
    return nc.emitError() << "slope of shape " << shapeToString(nc.shape(1))
                          << " does not broadcast to the input shape "
                          << shapeToString(nc.shape(0));
  if (nc.elementType(0) != nc.elementType(1))
    return nc.emitError() << "slope element type differs from the input's";
  nc.setOutput(0, PReluOp::create(nc.b, nc.loc, x.getType(), x, slope));
  return success();
}

} // namespace

void qcc::onnx_import::registerElementwiseConverters(ConverterMap &m) {
  m["Add"] = convertBinary<AddOp>;
  m["Sub"] = convertBinary<SubOp>;
  m["Mul"] = convertBinary<MulOp>;
  m["Div"] = convertBinary<DivOp>;
  m["Pow"] = convertBinary<PowOp>;
  m["And"] = convertBinary<AndOp>;
  m["Or"] = convertBinary<OrOp>;
  m["Xor"] = convertBinary<XorOp>;
  m["Equal"] = convertBinary<EqualOp>;
  m["Less"] = convertBinary<LessOp>;
  m["LessOrEqual"] = convertBinary<LessEqualOp>;
  m["Greater"] = convertBinary<GreaterOp>;
  m["GreaterOrEqual"] = convertBinary<GreaterEqualOp>;
  m["Mod"] = convertMod;
  m["Sum"] = convertVariadic<AddOp>;
  m["Mean"] = convertVariadic<AddOp>;
  m["Max"] = convertVariadic<MaxOp>;
  m["Min"] = convertVariadic<MinOp>;
  m["Where"] = convertWhere;
  m["PRelu"] = convertPRelu;
  m["Neg"] = convertUnary<NegOp>;
  m["Abs"] = convertUnary<AbsOp>;
  m["Sign"] = convertUnary<SignOp>;
  m["Relu"] = convertUnary<ReluOp>;
  m["Not"] = convertUnary<NotOp>;
  m["Floor"] = convertUnary<FloorOp>;
  m["Ceil"] = convertUnary<CeilOp>;
  m["Round"] = convertUnary<RoundOp>;
  m["Exp"] = convertFloatUnary<ExpOp>;
  m["Log"] = convertFloatUnary<LogOp>;
  m["Sqrt"] = convertFloatUnary<SqrtOp>;
  m["Reciprocal"] = convertFloatUnary<ReciprocalOp>;
  m["Tanh"] = convertFloatUnary<TanhOp>;
  m["Sigmoid"] = convertFloatUnary<SigmoidOp>;
  m["Erf"] = convertFloatUnary<ErfOp>;
  m["Softplus"] = convertFloatUnary<SoftplusOp>;
  m["Softsign"] = convertFloatUnary<SoftsignOp>;
  m["HardSwish"] = convertFloatUnary<HardSwishOp>;
  m["Sin"] = convertFloatUnary<SinOp>;
  m["Cos"] = convertFloatUnary<CosOp>;
  m["Tan"] = convertFloatUnary<TanOp>;
  m["Atan"] = convertFloatUnary<AtanOp>;
  for (const char *op : {"LeakyRelu", "Elu", "Selu", "Celu", "HardSigmoid",
                         "ThresholdedRelu", "Gelu", "Mish"})
    m[op] = convertParamUnary;
  m["Clip"] = convertClip;
  m["Cast"] = convertCast;
  m["CastLike"] = convertCast;
  m["Identity"] = convertForward;
  m["Dropout"] = convertForward;
}
