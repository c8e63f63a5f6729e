//===- Elementwise.cpp - qcc unary/binary/compare/where/cast to linalg ----===//
//
// Every elementwise qcc op becomes one linalg.generic whose indexing maps
// broadcast the operands (numpy rules) and whose body computes the scalar
// formula in arith/math:
//
//   qcc.<op> %x, %y  ⇒  linalg.generic {maps = broadcast(x), broadcast(y), id}
//                         { f(x_s, y_s) }
//
//===----------------------------------------------------------------------===//
#include "Utils.h"

#include "mlir/IR/Matchers.h"
#include "mlir/IR/TypeUtilities.h"
#include "llvm/ADT/TypeSwitch.h"

#include <cmath>

using namespace mlir;
using namespace qcc;
using namespace qcc::lowering;

namespace {

/// Type information the scalar builders need.
struct ScalarInfo {
  Type inElt;        ///< Signless element type of the (first data) operand.
  Type outElt;       ///< Signless element type of the result.
  bool inUnsigned;   ///< The operand's element type is unsigned.
  bool outUnsigned;  ///< The result's element type is unsigned.
};

Value cst(OpBuilder &b, Location loc, Type t, double v) {
  return createScalar(b, loc, t, v);
}

bool isFloat(Type t) { return isa<FloatType>(t); }

/// 1 / (1 + e^-x).
Value sigmoid(OpBuilder &b, Location loc, Value x) {
  Type t = x.getType();
  Value negX = arith::NegFOp::create(b, loc, x);
  Value e = math::ExpOp::create(b, loc, negX);
  Value den = arith::AddFOp::create(b, loc, cst(b, loc, t, 1.0), e);
  return arith::DivFOp::create(b, loc, cst(b, loc, t, 1.0), den);
}

/// alpha * (e^x - 1) for x < 0, x otherwise.
Value eluCore(OpBuilder &b, Location loc, Value x, double alpha) {
  Type t = x.getType();
  Value em1 = math::ExpM1Op::create(b, loc, x);
  Value neg = arith::MulFOp::create(b, loc, cst(b, loc, t, alpha), em1);
  Value isPos = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, x,
                                      cst(b, loc, t, 0.0));
  return arith::SelectOp::create(b, loc, isPos, x, neg);
}

/// The exponent of a qcc.pow if it is a splat constant with an integral value
/// in [-4, 4].
std::optional<int64_t> getSplatIntegralExponent(Value exponent) {
  DenseElementsAttr attr;
  if (!matchPattern(exponent, m_Constant(&attr)) || !attr.isSplat())
    return std::nullopt;
  double v;
  if (isa<FloatType>(attr.getElementType()))
    v = attr.getSplatValue<APFloat>().convertToDouble();
  else
    v = static_cast<double>(attr.getSplatValue<APInt>().getSExtValue());
  if (v != std::floor(v) || v < -4 || v > 4)
    return std::nullopt;
  return static_cast<int64_t>(v);
}

/// Which ops need a float operand.
bool needsFloat(Operation *op) {
  return isa<ExpOp, LogOp, SqrtOp, RsqrtOp, TanhOp, SigmoidOp, ErfOp, SiluOp,
             HardSwishOp, SoftplusOp, SoftsignOp, FloorOp, CeilOp, RoundOp, SinOp,
             CosOp, TanOp, AtanOp, EluOp, SeluOp, CeluOp, HardSigmoidOp, GeluOp,
             LeakyReluOp>(op);
}

/// Builds the scalar result of `op` from signless scalar operands `args`.
Value buildScalar(Operation *op, OpBuilder &b, Location loc, ValueRange args,
                  const ScalarInfo &info) {
  Value x = args[0];
  Type t = x.getType();
  bool f = isFloat(t);
  bool u = info.inUnsigned;
  auto cmpF = [&](arith::CmpFPredicate p, Value l, Value r) -> Value {
    return arith::CmpFOp::create(b, loc, p, l, r);
  };
  auto cmpI = [&](arith::CmpIPredicate p, Value l, Value r) -> Value {
    return arith::CmpIOp::create(b, loc, p, l, r);
  };
  auto select = [&](Value c, Value l, Value r) -> Value {
    return arith::SelectOp::create(b, loc, c, l, r);
  };
  using IP = arith::CmpIPredicate;
  using FP = arith::CmpFPredicate;

  return llvm::TypeSwitch<Operation *, Value>(op)
      // Unary math.
      .Case([&](NegOp) -> Value {
        if (f)
          return arith::NegFOp::create(b, loc, x);
        return arith::SubIOp::create(b, loc, cst(b, loc, t, 0), x);
      })
      .Case([&](AbsOp) -> Value {
        if (f)
          return math::AbsFOp::create(b, loc, x);
        if (u)
          return x;
        return math::AbsIOp::create(b, loc, x);
      })
      .Case([&](ExpOp) -> Value { return math::ExpOp::create(b, loc, x); })
      .Case([&](LogOp) -> Value { return math::LogOp::create(b, loc, x); })
      .Case([&](SqrtOp) -> Value { return math::SqrtOp::create(b, loc, x); })
      .Case([&](RsqrtOp) -> Value {
        // 1 / sqrt(x) (math.rsqrt has no libm counterpart).
        return arith::DivFOp::create(b, loc, cst(b, loc, t, 1.0), math::SqrtOp::create(b, loc, x));
      })
      .Case([&](ReciprocalOp) -> Value {
        if (f)
          return arith::DivFOp::create(b, loc, cst(b, loc, t, 1.0), x);
        if (u)
          return arith::DivUIOp::create(b, loc, cst(b, loc, t, 1), x);
        return arith::DivSIOp::create(b, loc, cst(b, loc, t, 1), x);
      })
      .Case([&](TanhOp) -> Value { return math::TanhOp::create(b, loc, x); })
      .Case([&](SigmoidOp) -> Value { return sigmoid(b, loc, x); })
      .Case([&](ErfOp) -> Value { return math::ErfOp::create(b, loc, x); })
      .Case([&](ReluOp) -> Value {
        return maxScalar(b, loc, x, cst(b, loc, t, 0), u);
      })
      .Case([&](SiluOp) -> Value {
        return arith::MulFOp::create(b, loc, x, sigmoid(b, loc, x));
      })
      .Case([&](HardSwishOp) -> Value {
        // x * clamp(x / 6 + 1/2, 0, 1)
        Value s = arith::MulFOp::create(b, loc, x, cst(b, loc, t, 1.0 / 6.0));
        s = arith::AddFOp::create(b, loc, s, cst(b, loc, t, 0.5));
        s = arith::MaximumFOp::create(b, loc, s, cst(b, loc, t, 0.0));
        s = arith::MinimumFOp::create(b, loc, s, cst(b, loc, t, 1.0));
        return arith::MulFOp::create(b, loc, x, s);
      })
      .Case([&](SoftplusOp) -> Value {
        // Stable form: max(x, 0) + log1p(e^-|x|).
        Value ax = math::AbsFOp::create(b, loc, x);
        Value e = math::ExpOp::create(b, loc, arith::NegFOp::create(b, loc, ax));
        Value l = math::Log1pOp::create(b, loc, e);
        Value m = arith::MaximumFOp::create(b, loc, x, cst(b, loc, t, 0.0));
        return arith::AddFOp::create(b, loc, m, l);
      })
      .Case([&](SoftsignOp) -> Value {
        Value ax = math::AbsFOp::create(b, loc, x);
        Value den = arith::AddFOp::create(b, loc, ax, cst(b, loc, t, 1.0));
        return arith::DivFOp::create(b, loc, x, den);
      })
      .Case([&](FloorOp) -> Value { return math::FloorOp::create(b, loc, x); })
      .Case([&](CeilOp) -> Value { return math::CeilOp::create(b, loc, x); })
      .Case([&](RoundOp) -> Value { return math::RoundEvenOp::create(b, loc, x); })
      .Case([&](SignOp) -> Value {
        Value zero = cst(b, loc, t, 0), one = cst(b, loc, t, 1);
        if (f) {
          Value pos = cmpF(FP::OGT, x, zero), neg = cmpF(FP::OLT, x, zero);
          Value r = select(neg, cst(b, loc, t, -1.0), zero);
          r = select(pos, one, r);
          // NaN stays NaN.
          Value isNan = cmpF(FP::UNO, x, x);
          return select(isNan, x, r);
        }
        Value pos = cmpI(u ? IP::ugt : IP::sgt, x, zero);
        if (u)
          return select(pos, one, zero);
        Value neg = cmpI(IP::slt, x, zero);
        return select(pos, one, select(neg, cst(b, loc, t, -1), zero));
      })
      .Case([&](SinOp) -> Value { return math::SinOp::create(b, loc, x); })
      .Case([&](CosOp) -> Value { return math::CosOp::create(b, loc, x); })
      .Case([&](TanOp) -> Value { return math::TanOp::create(b, loc, x); })
      .Case([&](AtanOp) -> Value { return math::AtanOp::create(b, loc, x); })
      .Case([&](NotOp) -> Value {
        return arith::XOrIOp::create(b, loc, x, cst(b, loc, t, -1));
      })
      // Parameterized activations.
      .Case([&](LeakyReluOp o) -> Value {
        Value ax = arith::MulFOp::create(
            b, loc, x, cst(b, loc, t, o.getAlpha().convertToDouble()));
        return select(cmpF(FP::OGE, x, cst(b, loc, t, 0.0)), x, ax);
      })
      .Case([&](EluOp o) -> Value {
        return eluCore(b, loc, x, o.getAlpha().convertToDouble());
      })
      .Case([&](SeluOp o) -> Value {
        Value e = eluCore(b, loc, x, o.getAlpha().convertToDouble());
        return arith::MulFOp::create(
            b, loc, e, cst(b, loc, t, o.getGamma().convertToDouble()));
      })
      .Case([&](CeluOp o) -> Value {
        // max(0, x) + min(0, alpha * (e^(x / alpha) - 1))
        double alpha = o.getAlpha().convertToDouble();
        Value xs = arith::DivFOp::create(b, loc, x, cst(b, loc, t, alpha));
        Value em1 = math::ExpM1Op::create(b, loc, xs);
        Value neg = arith::MulFOp::create(b, loc, em1, cst(b, loc, t, alpha));
        neg = arith::MinimumFOp::create(b, loc, neg, cst(b, loc, t, 0.0));
        Value pos = arith::MaximumFOp::create(b, loc, x, cst(b, loc, t, 0.0));
        return arith::AddFOp::create(b, loc, pos, neg);
      })
      .Case([&](HardSigmoidOp o) -> Value {
        Value s = arith::MulFOp::create(
            b, loc, x, cst(b, loc, t, o.getAlpha().convertToDouble()));
        s = arith::AddFOp::create(b, loc, s,
                                  cst(b, loc, t, o.getBeta().convertToDouble()));
        s = arith::MaximumFOp::create(b, loc, s, cst(b, loc, t, 0.0));
        return arith::MinimumFOp::create(b, loc, s, cst(b, loc, t, 1.0));
      })
      .Case([&](ThresholdedReluOp o) -> Value {
        Value th = cst(b, loc, t, o.getAlpha().convertToDouble());
        Value gt = f ? cmpF(FP::OGT, x, th) : cmpI(u ? IP::ugt : IP::sgt, x, th);
        return select(gt, x, cst(b, loc, t, 0));
      })
      .Case([&](GeluOp o) -> Value {
        Value half = cst(b, loc, t, 0.5), one = cst(b, loc, t, 1.0);
        Value inner;
        if (o.getApproximate() == "tanh") {
          // 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
          Value x3 = arith::MulFOp::create(
              b, loc, x, arith::MulFOp::create(b, loc, x, x));
          Value p = arith::AddFOp::create(
              b, loc, x,
              arith::MulFOp::create(b, loc, x3, cst(b, loc, t, 0.044715)));
          p = arith::MulFOp::create(b, loc, p,
                                    cst(b, loc, t, std::sqrt(2.0 / M_PI)));
          inner = math::TanhOp::create(b, loc, p);
        } else {
          // 0.5 x (1 + erf(x / sqrt(2)))
          Value p = arith::MulFOp::create(b, loc, x, cst(b, loc, t, M_SQRT1_2));
          inner = math::ErfOp::create(b, loc, p);
        }
        Value s = arith::AddFOp::create(b, loc, one, inner);
        return arith::MulFOp::create(b, loc,
                                     arith::MulFOp::create(b, loc, x, half), s);
      })
      .Case([&](ClipOp o) -> Value {
        Value r = x;
        if (auto lo = o.getMin())
          r = maxScalar(b, loc, r, cst(b, loc, t, lo->convertToDouble()), u);
        if (auto hi = o.getMax())
          r = minScalar(b, loc, r, cst(b, loc, t, hi->convertToDouble()), u);
        return r;
      })
      .Case([&](CastOp) -> Value {
        return convertScalar(b, loc, x, info.outElt, info.inUnsigned,
                             info.outUnsigned);
      })
      // Binary arithmetic.
      .Case([&](AddOp) -> Value { return addScalar(b, loc, x, args[1]); })
      .Case([&](SubOp) -> Value { return subScalar(b, loc, x, args[1]); })
      .Case([&](MulOp) -> Value { return mulScalar(b, loc, x, args[1]); })
      .Case([&](DivOp) -> Value {
        if (f)
          return arith::DivFOp::create(b, loc, x, args[1]);
        if (u)
          return arith::DivUIOp::create(b, loc, x, args[1]);
        return arith::DivSIOp::create(b, loc, x, args[1]);
      })
      .Case([&](MaxOp) -> Value { return maxScalar(b, loc, x, args[1], u); })
      .Case([&](MinOp) -> Value { return minScalar(b, loc, x, args[1], u); })
      .Case([&](PowOp) -> Value {
        Value y = args[1];
        bool yUnsigned = isUnsignedInt(op->getOperand(1).getType());
        // A constant small integral exponent becomes multiplications (exact,
        // and valid for negative bases, unlike exp(y * ln(x)) forms).
        std::optional<int64_t> n = getSplatIntegralExponent(op->getOperand(1));
        if (n && (f || *n >= 0)) {
          Value r = cst(b, loc, t, 1);
          for (int64_t i = 0; i < std::abs(*n); ++i)
            r = i == 0 ? x : mulScalar(b, loc, r, x);
          if (*n >= 0)
            return r;
          return arith::DivFOp::create(b, loc, cst(b, loc, t, 1.0), r);
        }
        if (f)
          return math::PowFOp::create(b, loc, x,
                                      convertScalar(b, loc, y, t, yUnsigned, false));
        // Integer base: compute in f64 (exact below 2^53), round, convert back.
        Type f64 = b.getF64Type();
        Value xf = convertScalar(b, loc, x, f64, u, false);
        Value yf = convertScalar(b, loc, y, f64, yUnsigned, false);
        Value r = math::RoundEvenOp::create(b, loc, math::PowFOp::create(b, loc, xf, yf));
        return convertScalar(b, loc, r, t, false, u);
      })
      .Case([&](ModOp o) -> Value {
        Value y = args[1];
        if (f) {
          Value r = arith::RemFOp::create(b, loc, x, y);
          if (o.getFmod())
            return r;
          // Python/numpy mod: the result takes the divisor's sign.
          Value zero = cst(b, loc, t, 0.0);
          Value nz = cmpF(FP::ONE, r, zero);
          Value diff = arith::XOrIOp::create(b, loc, cmpF(FP::OLT, r, zero),
                                             cmpF(FP::OLT, y, zero));
          Value fix = arith::AndIOp::create(b, loc, nz, diff);
          return select(fix, arith::AddFOp::create(b, loc, r, y), r);
        }
        if (u)
          return arith::RemUIOp::create(b, loc, x, y);
        Value r = arith::RemSIOp::create(b, loc, x, y);
        if (o.getFmod())
          return r;
        Value zero = cst(b, loc, t, 0);
        Value nz = cmpI(IP::ne, r, zero);
        Value diff = arith::XOrIOp::create(b, loc, cmpI(IP::slt, r, zero),
                                           cmpI(IP::slt, y, zero));
        Value fix = arith::AndIOp::create(b, loc, nz, diff);
        return select(fix, arith::AddIOp::create(b, loc, r, y), r);
      })
      .Case([&](AndOp) -> Value { return arith::AndIOp::create(b, loc, x, args[1]); })
      .Case([&](OrOp) -> Value { return arith::OrIOp::create(b, loc, x, args[1]); })
      .Case([&](XorOp) -> Value { return arith::XOrIOp::create(b, loc, x, args[1]); })
      .Case([&](PReluOp) -> Value {
        Value zero = cst(b, loc, t, 0);
        Value ge = f ? cmpF(FP::OGE, x, zero) : cmpI(u ? IP::uge : IP::sge, x, zero);
        return select(ge, x, mulScalar(b, loc, x, args[1]));
      })
      // Comparisons.
      .Case([&](EqualOp) -> Value {
        return f ? cmpF(FP::OEQ, x, args[1]) : cmpI(IP::eq, x, args[1]);
      })
      .Case([&](LessOp) -> Value {
        return f ? cmpF(FP::OLT, x, args[1])
                 : cmpI(u ? IP::ult : IP::slt, x, args[1]);
      })
      .Case([&](LessEqualOp) -> Value {
        return f ? cmpF(FP::OLE, x, args[1])
                 : cmpI(u ? IP::ule : IP::sle, x, args[1]);
      })
      .Case([&](GreaterOp) -> Value {
        return f ? cmpF(FP::OGT, x, args[1])
                 : cmpI(u ? IP::ugt : IP::sgt, x, args[1]);
      })
      .Case([&](GreaterEqualOp) -> Value {
        return f ? cmpF(FP::OGE, x, args[1])
                 : cmpI(u ? IP::uge : IP::sge, x, args[1]);
      })
      .Case([&](WhereOp) -> Value { return select(x, args[1], args[2]); })
      .Default([&](Operation *) -> Value {
        llvm_unreachable("op without an elementwise lowering");
      });
}

/// Lowers an elementwise qcc op to a broadcasting linalg.generic.
template <typename OpTy>
struct ElementwiseLowering : public OpRewritePattern<OpTy> {
  using OpRewritePattern<OpTy>::OpRewritePattern;

  LogicalResult matchAndRewrite(OpTy op, PatternRewriter &rewriter) const override {
    Operation *raw = op.getOperation();
    auto resultType = cast<RankedTensorType>(raw->getResult(0).getType());
    // The data operand (for where: the true value) decides the arithmetic.
    Value data = raw->getOperand(isa<WhereOp>(raw) ? 1 : 0);
    Type inElt = getElementTypeOrSelf(data.getType());
    Type outElt = resultType.getElementType();
    auto isNumeric = [](Type t) { return isa<FloatType, IntegerType>(t); };
    if (!isNumeric(inElt) || !isNumeric(outElt))
      return rewriter.notifyMatchFailure(
          op, "element types must be integers or floats (quantized element "
              "types must be dequantized first)");
    if (needsFloat(raw) && !isa<FloatType>(inElt))
      return rewriter.notifyMatchFailure(op, "needs a float element type");
    if (isa<AndOp, OrOp, XorOp, NotOp>(raw) && !inElt.isInteger(1))
      return rewriter.notifyMatchFailure(op, "logical ops need i1 operands");
    ScalarInfo info{signlessElementType(inElt), signlessElementType(outElt),
                    isUnsignedInt(inElt), isUnsignedInt(outElt)};
    Location loc = op.getLoc();
    SmallVector<Value> inputs;
    for (Value v : raw->getOperands())
      inputs.push_back(toSignless(rewriter, loc, v));
    RankedTensorType slType = signlessTensorType(resultType);
    Value result = buildElementwise(
        rewriter, loc, inputs, slType,
        [&](OpBuilder &b, Location l, ValueRange args) {
          return buildScalar(raw, b, l, args, info);
        });
    rewriter.replaceOp(op, fromSignless(rewriter, loc, result, resultType));
    return success();
  }
};

template <typename... Ops>
void addElementwise(RewritePatternSet &patterns) {
  (patterns.add<ElementwiseLowering<Ops>>(patterns.getContext()), ...);
}

} // namespace

void qcc::lowering::populateElementwisePatterns(RewritePatternSet &patterns) {
  addElementwise<NegOp, AbsOp, ExpOp, LogOp, SqrtOp, RsqrtOp, ReciprocalOp, TanhOp,
                 SigmoidOp, ErfOp, ReluOp, SiluOp, HardSwishOp, SoftplusOp,
                 SoftsignOp, FloorOp, CeilOp, RoundOp, SignOp, SinOp, CosOp, TanOp,
                 AtanOp, NotOp, LeakyReluOp, EluOp, SeluOp, CeluOp, HardSigmoidOp,
                 ThresholdedReluOp, GeluOp, ClipOp, CastOp>(patterns);
  addElementwise<AddOp, SubOp, MulOp, DivOp, PowOp, MaxOp, MinOp, ModOp, AndOp,
                 OrOp, XorOp, PReluOp, EqualOp, LessOp, LessEqualOp, GreaterOp,
                 GreaterEqualOp, WhereOp>(patterns);
}
