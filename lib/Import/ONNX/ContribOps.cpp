//===- ContribOps.cpp - ONNX Runtime's fused com.microsoft ops to qcc -----===//
//
// The fused operators that ONNX Runtime's transformer optimizer and its
// quantizer write into models (domain com.microsoft), decomposed into qcc ops:
//
//   SkipLayerNormalization(x, skip, gamma, beta?, bias?)
//       s = x + skip (+ bias);  y = layer_norm(s, gamma, beta)   (output 3: s)
//   SkipSimplifiedLayerNormalization(x, skip, gamma, bias?)
//       s = x + skip (+ bias);  y = rms_norm(s, gamma)           (output 3: s)
//   SimplifiedLayerNormalization(x, scale)   (ORT registers it in the default
//       domain)                               y = rms_norm(x, scale)
//   MatMulNBits(A, B, scales, zero_points?, g_idx?, bias?)  bits 4 or 8
//       w[n, k] = (q[n, k] - zp[n, k / bs]) * scales[n, k / bs]
//       Y = A · wᵀ (+ bias), with q unpacked from B[N, k_blocks, blob] (two
//       4-bit values per byte, low nibble first) and w a blocked
//       qcc.dequantize, so the weights stay quantized in the IR
//   FastGelu(x, bias?)   y = gelu_tanh(x + bias)
//   BiasGelu(a, b)       y = gelu_erf(a + b)
//
// The statistics outputs (mean, inv_std_var) are not produced: requesting
// them is reported as an unsupported feature. RotaryEmbedding and
// GroupQueryAttention are in AttentionOps.cpp.
//
//===----------------------------------------------------------------------===//
#include "ImporterInternal.h"

#include "mlir/Dialect/Arith/IR/Arith.h"

using namespace mlir;
using namespace qcc;
using namespace qcc::onnx_import;

namespace {

/// `x + y` with broadcasting to the shape of `x`.
Value add(NodeContext &nc, Value x, Value y) {
  return AddOp::create(nc.b, nc.loc, x.getType(), x, y);
}

/// s = input + skip (+ bias), checking that skip and bias broadcast to input.
FailureOr<Value> skipSum(NodeContext &nc, unsigned biasIdx) {
  if (!isa<FloatType>(nc.elementType(0))) {
    nc.emitError() << "expects a float input";
    return failure();
  }
  if (!isBroadcastableTo(nc.shape(1), nc.shape(0))) {
    nc.emitError() << "skip of shape " << shapeToString(nc.shape(1))
                   << " does not broadcast to the input's " << shapeToString(nc.shape(0));
    return failure();
  }
  Value s = add(nc, nc.operand(0), nc.operand(1));
  if (nc.hasInput(biasIdx)) {
    if (!isBroadcastableTo(nc.shape(biasIdx), nc.shape(0))) {
      nc.emitError() << "bias of shape " << shapeToString(nc.shape(biasIdx))
                     << " does not broadcast to the input";
      return failure();
    }
    s = add(nc, s, nc.operand(biasIdx));
  }
  return s;
}

/// Checks that a per-channel parameter broadcasts over the last axis.
LogicalResult checkLastAxisParam(NodeContext &nc, unsigned i, StringRef what) {
  auto in = nc.shape(0);
  if (in.empty() || !isBroadcastableTo(nc.shape(i), in.take_back()))
    return nc.emitError() << what << " of shape " << shapeToString(nc.shape(i))
                          << " does not broadcast to the last axis of "
                          << shapeToString(in);
  return success();
}

/// SkipLayerNormalization and SkipSimplifiedLayerNormalization.
LogicalResult convertSkipNorm(NodeContext &nc) {
  bool rms = nc.node.op_type() == "SkipSimplifiedLayerNormalization";
  if (nc.hasOutput(1) || nc.hasOutput(2))
    return nc.emitError() << "unsupported feature: the mean / inv_std_var outputs";
  if (nc.rank(0) < 1)
    return nc.emitError() << "input must have rank >= 1";
  auto s = skipSum(nc, rms ? 3 : 4);
  if (failed(s))
    return failure();
  if (failed(checkLastAxisParam(nc, 2, "gamma")))
    return failure();
  auto eps = nc.b.getF32FloatAttr(nc.attrFloat("epsilon", 1e-12f));
  auto axis = nc.b.getI64IntegerAttr(nc.rank(0) - 1);
  Value y;
  if (rms) {
    y = RmsNormOp::create(nc.b, nc.loc, nc.type(0), *s, nc.operand(2), axis, eps);
  } else {
    Value beta;
    if (nc.hasInput(3)) {
      if (failed(checkLastAxisParam(nc, 3, "beta")))
        return failure();
      beta = nc.operand(3);
    }
    y = LayerNormOp::create(nc.b, nc.loc, nc.type(0), *s, nc.operand(2), beta, axis, eps);
  }
  nc.setOutput(0, y);
  if (nc.hasOutput(3))
    nc.setOutput(3, *s);
  return success();
}

/// SimplifiedLayerNormalization: RMS normalization over the axes from `axis`.
LogicalResult convertSimplifiedNorm(NodeContext &nc) {
  if (nc.hasOutput(1))
    return nc.emitError() << "unsupported feature: the inv_std_var output";
  if (!isa<FloatType>(nc.elementType(0)))
    return nc.emitError() << "expects a float input";
  auto axis = nc.normalizeAxis(nc.attrInt("axis", -1), nc.rank(0));
  if (failed(axis))
    return failure();
  auto normalized = nc.shape(0).drop_front(*axis);
  if (!isBroadcastableTo(nc.shape(1), normalized))
    return nc.emitError() << "scale of shape " << shapeToString(nc.shape(1))
                          << " does not broadcast to " << shapeToString(normalized);
  nc.setOutput(0, RmsNormOp::create(nc.b, nc.loc, nc.type(0), nc.operand(0), nc.operand(1),
                                    nc.b.getI64IntegerAttr(*axis),
                                    nc.b.getF32FloatAttr(nc.attrFloat("epsilon", 1e-5f))));
  return success();
}

/// Splits each byte of `packed` (ui8 [d0, ..., dk]) into its low and high
/// nibble: ui8 [d0, ..., 2 * dk], low nibble first.
FailureOr<Value> unpackNibbles(NodeContext &nc, Value packed) {
  auto t = cast<RankedTensorType>(packed.getType());
  Value sixteen = nc.constantOf(t.getElementType(), {}, {16.0});
  Value lo = ModOp::create(nc.b, nc.loc, t, packed, sixteen, nc.b.getBoolAttr(false));
  Value hi = DivOp::create(nc.b, nc.loc, t, packed, sixteen);
  Shape one(t.getShape());
  one.push_back(1);
  auto lo1 = nc.reshape(lo, one), hi1 = nc.reshape(hi, one);
  if (failed(lo1) || failed(hi1))
    return failure();
  Shape pair(t.getShape());
  pair.push_back(2);
  Value both = ConcatOp::create(nc.b, nc.loc, nc.tensorType(pair, t.getElementType()),
                                ValueRange{*lo1, *hi1}, nc.b.getI64IntegerAttr(t.getRank()));
  Shape flat(t.getShape());
  flat.back() *= 2;
  return nc.reshape(both, flat);
}

/// Keeps the first `n` entries of the last dim of `v` (a no-op if it has n).
Value takeLast(NodeContext &nc, Value v, int64_t n) {
  auto t = cast<RankedTensorType>(v.getType());
  if (t.getShape().back() == n)
    return v;
  Shape out(t.getShape());
  out.back() = n;
  SmallVector<int64_t> starts(t.getRank(), 0), steps(t.getRank(), 1);
  return SliceOp::create(nc.b, nc.loc, nc.tensorType(out, t.getElementType()), v,
                         nc.b.getDenseI64ArrayAttr(starts), nc.b.getDenseI64ArrayAttr(steps));
}

/// MatMulNBits: block-quantized weights, dequantized in the IR, then a matmul.
LogicalResult convertMatMulNBits(NodeContext &nc) {
  const onnx::AttributeProto *kAttr = nc.attr("K"), *nAttr = nc.attr("N"),
                             *bsAttr = nc.attr("block_size");
  if (!kAttr || !nAttr || !bsAttr)
    return nc.emitError() << "attributes K, N and block_size are required";
  int64_t K = kAttr->i(), N = nAttr->i(), bs = bsAttr->i();
  int64_t bits = nc.attrInt("bits", 4);
  if (bits != 4 && bits != 8)
    return nc.emitError() << "unsupported feature: bits = " << bits << " (qcc imports 4 and 8)";
  if (K <= 0 || N <= 0 || bs < 16 || (bs & (bs - 1)))
    return nc.emitError() << "invalid K = " << K << ", N = " << N << " or block_size = " << bs
                          << " (a power of 2 >= 16)";
  if (nc.hasInput(4))
    return nc.emitError() << "unsupported feature: g_idx (act-order) input";
  if (nc.attrInt("weight_prepacked", 0))
    return nc.emitError() << "unsupported feature: weight_prepacked = 1";
  Type ft = nc.elementType(0);
  if (!isa<FloatType>(ft) || nc.elementType(2) != ft)
    return nc.emitError() << "A and scales must have the same float type";
  int64_t kBlocks = (K + bs - 1) / bs, blob = bs * bits / 8;
  if (nc.rank(0) < 1 || !shapesCompatible(nc.shape(0).take_back(), {K}))
    return nc.emitError() << "A of shape " << shapeToString(nc.shape(0))
                          << " does not have K = " << K << " as its last dim";
  auto u8 = nc.b.getIntegerType(8, /*isSigned=*/false);
  if (nc.elementType(1) != u8 || !shapesCompatible(nc.shape(1), {N, kBlocks, blob}))
    return nc.emitError() << "B must be uint8 of shape " << N << "x" << kBlocks << "x" << blob
                          << " (N x k_blocks x block_size * bits / 8), got "
                          << shapeToString(nc.shape(1));
  if (numElementsOf(nc.shape(2)) != N * kBlocks)
    return nc.emitError() << "scales must have N * k_blocks = " << N * kBlocks
                          << " elements, got " << shapeToString(nc.shape(2));
  // q: ui8 [N, k_blocks * bs] holding values in [0, 2^bits).
  Value q = nc.operand(1);
  if (bits == 4) {
    auto u = unpackNibbles(nc, q);
    if (failed(u))
      return failure();
    q = *u;
  }
  auto qFlat = nc.reshape(q, {N, kBlocks * bs});
  auto scales = nc.reshape(nc.operand(2), {N, kBlocks});
  if (failed(qFlat) || failed(scales))
    return failure();
  Value w;
  auto wType = nc.tensorType({N, kBlocks * bs}, ft);
  if (nc.hasInput(3) && isa<FloatType>(nc.elementType(3))) {
    // Float zero points: w = (q - zp) * scale, elementwise.
    if (nc.elementType(3) != ft || numElementsOf(nc.shape(3)) != N * kBlocks)
      return nc.emitError() << "float zero_points must match the scales";
    auto q3 = nc.reshape(*qFlat, {N, kBlocks, bs});
    auto zp3 = nc.reshape(nc.operand(3), {N, kBlocks, 1});
    auto s3 = nc.reshape(*scales, {N, kBlocks, 1});
    if (failed(q3) || failed(zp3) || failed(s3))
      return failure();
    auto t3 = nc.tensorType({N, kBlocks, bs}, ft);
    Value qf = CastOp::create(nc.b, nc.loc, t3, *q3);
    Value d = SubOp::create(nc.b, nc.loc, t3, qf, *zp3);
    auto wf = nc.reshape(MulOp::create(nc.b, nc.loc, t3, d, *s3), {N, kBlocks * bs});
    if (failed(wf))
      return failure();
    w = *wf;
  } else {
    Value zp;
    if (nc.hasInput(3)) {
      if (nc.elementType(3) != u8)
        return nc.emitError() << "zero_points must be uint8 or the type of A";
      int64_t perRow = bits == 4 ? (kBlocks + 1) / 2 : kBlocks;
      if (numElementsOf(nc.shape(3)) != N * perRow)
        return nc.emitError() << "packed zero_points must have " << N * perRow
                              << " elements, got " << shapeToString(nc.shape(3));
      auto z = nc.reshape(nc.operand(3), {N, perRow});
      if (failed(z))
        return failure();
      zp = *z;
      if (bits == 4) {
        auto u = unpackNibbles(nc, zp);
        if (failed(u))
          return failure();
        zp = takeLast(nc, *u, kBlocks);
      }
    } else {
      // The default zero point is the middle of the range, 2^(bits-1).
      auto zt = nc.tensorType({N, kBlocks}, u8);
      zp = arith::ConstantOp::create(
          nc.b, nc.loc, DenseElementsAttr::get(zt, APInt(8, 1u << (bits - 1))));
    }
    w = DequantizeOp::create(nc.b, nc.loc, wType, *qFlat, *scales, zp,
                             nc.b.getI64IntegerAttr(1), nc.b.getI64IntegerAttr(bs));
  }
  w = takeLast(nc, w, K);
  Value wT = TransposeOp::create(nc.b, nc.loc, nc.tensorType({K, N}, ft), w,
                                 nc.b.getDenseI64ArrayAttr({1, 0}));
  Shape out(nc.shape(0));
  out.back() = N;
  Value y = MatMulOp::create(nc.b, nc.loc, nc.tensorType(out, ft), nc.operand(0), wT);
  if (nc.hasInput(5)) {
    if (!shapesCompatible(nc.shape(5), {N}))
      return nc.emitError() << "bias must have shape [" << N << "], got "
                            << shapeToString(nc.shape(5));
    y = add(nc, y, nc.operand(5));
  }
  nc.setOutput(0, y);
  return success();
}

/// FastGelu (tanh approximation) and BiasGelu (exact), with the bias add.
LogicalResult convertBiasGelu(NodeContext &nc) {
  bool fast = nc.node.op_type() == "FastGelu";
  if (!isa<FloatType>(nc.elementType(0)))
    return nc.emitError() << "expects a float input";
  Value x = nc.operand(0);
  if (nc.hasInput(1)) {
    if (!isBroadcastableTo(nc.shape(1), nc.shape(0)))
      return nc.emitError() << "bias of shape " << shapeToString(nc.shape(1))
                            << " does not broadcast to " << shapeToString(nc.shape(0));
    x = add(nc, x, nc.operand(1));
  }
  nc.setOutput(0, GeluOp::create(nc.b, nc.loc, x.getType(), x,
                                 nc.b.getStringAttr(fast ? "tanh" : "none")));
  return success();
}

} // namespace

void qcc::onnx_import::registerContribConverters(ConverterMap &m) {
  const std::string ms = std::string(kMicrosoftDomain) + "::";
  m[ms + "SkipLayerNormalization"] = convertSkipNorm;
  m[ms + "SkipSimplifiedLayerNormalization"] = convertSkipNorm;
  m[ms + "SimplifiedLayerNormalization"] = convertSimplifiedNorm;
  m[ms + "MatMulNBits"] = convertMatMulNBits;
  m[ms + "FastGelu"] = convertBiasGelu;
  m[ms + "BiasGelu"] = convertBiasGelu;
  // ONNX Runtime registers SimplifiedLayerNormalization in the default domain.
  m["SimplifiedLayerNormalization"] = convertSimplifiedNorm;
}
