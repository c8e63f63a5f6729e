//===- HalfPrecision.cpp - compute 16-bit float accumulating ops in f32 ---===//
//
// Ops that accumulate many terms (matrix products, convolutions, softmax and
// normalization statistics, sums and means) lose about log2(n) bits when the
// accumulator is a 16-bit float. x86 has no f16/bf16 arithmetic anyway (every such operation
// is an extend, an f32 operation and a truncate), so computing the whole op in
// f32 and rounding once costs nothing and matches onnxruntime and numpy,
// which accumulate half-precision reductions in f32:
//
//   softmax(x : f16)  ⇒  cast<f16>(softmax(cast<f32>(x)))
//
// except that softmax and log_softmax keep the 16-bit rounding of each step
// of their ONNX function body (x - max, exp, sum, log; see Normalization.cpp),
// which the ONNX reference and a graph of 16-bit ops give.
//
// The patterns run with a higher benefit than the op lowerings, so the f32
// copy of the op is then lowered by the ordinary pattern.
//
//===----------------------------------------------------------------------===//
#include "Utils.h"

using namespace mlir;
using namespace qcc;
using namespace qcc::lowering;

namespace {

/// True for a ranked tensor of f16 or bf16.
bool isHalfTensor(Type t) {
  auto tt = dyn_cast<RankedTensorType>(t);
  return tt && isa<Float16Type, BFloat16Type>(tt.getElementType());
}

/// Rewrites an op with 16-bit float results into the same op on f32 operands
/// and results, with qcc.cast at the boundary.
template <typename OpTy>
struct PromoteHalfToF32 : public OpRewritePattern<OpTy> {
  explicit PromoteHalfToF32(MLIRContext *ctx)
      : OpRewritePattern<OpTy>(ctx, /*benefit=*/10) {}

  LogicalResult matchAndRewrite(OpTy op, PatternRewriter &rewriter) const override {
    Operation *o = op.getOperation();
    if (!llvm::any_of(o->getResultTypes(), isHalfTensor))
      return rewriter.notifyMatchFailure(op, "no 16-bit float result");
    Location loc = op.getLoc();
    Type f32 = rewriter.getF32Type();
    SmallVector<Value> operands;
    for (Value v : o->getOperands()) {
      if (isHalfTensor(v.getType()))
        v = CastOp::create(rewriter, loc,
                           cast<RankedTensorType>(v.getType()).clone(f32), v);
      operands.push_back(v);
    }
    SmallVector<Type> resultTypes;
    for (Type t : o->getResultTypes())
      resultTypes.push_back(isHalfTensor(t) ? cast<RankedTensorType>(t).clone(f32) : t);
    OperationState state(loc, o->getName(), operands, resultTypes, o->getAttrs());
    Operation *wide = rewriter.create(state);
    // Softmax is a function of 16-bit steps in ONNX: its lowering rounds each.
    if (isa<SoftmaxOp, LogSoftmaxOp>(o))
      wide->setAttr(kRoundStepsToAttr,
                    TypeAttr::get(cast<RankedTensorType>(o->getResultTypes()[0])
                                      .getElementType()));
    SmallVector<Value> results;
    for (auto [orig, res] : llvm::zip(o->getResults(), wide->getResults()))
      results.push_back(orig.getType() == res.getType()
                            ? Value(res)
                            : Value(CastOp::create(rewriter, loc, orig.getType(), res)));
    rewriter.replaceOp(op, results);
    return success();
  }
};

} // namespace

void qcc::lowering::populateHalfPrecisionPatterns(RewritePatternSet &patterns) {
  MLIRContext *ctx = patterns.getContext();
  patterns.add<PromoteHalfToF32<MatMulOp>, PromoteHalfToF32<GemmOp>,
               PromoteHalfToF32<SoftmaxOp>, PromoteHalfToF32<LogSoftmaxOp>,
               PromoteHalfToF32<LayerNormOp>, PromoteHalfToF32<RmsNormOp>,
               PromoteHalfToF32<ReduceSumOp>, PromoteHalfToF32<ReduceMeanOp>,
               PromoteHalfToF32<ConvOp>, PromoteHalfToF32<ConvTransposeOp>>(ctx);
}
