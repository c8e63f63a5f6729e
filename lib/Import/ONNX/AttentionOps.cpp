//===- AttentionOps.cpp - ONNX Runtime's RotaryEmbedding and GQA to qcc ---===//
//
// The com.microsoft ops of ONNX Runtime's LLM exports (onnxruntime-genai's
// builder, the transformer optimizer), with dynamic batch / sequence dims:
//
//   RotaryEmbedding(x, position_ids, cos_cache, sin_cache)
//       x is [B, S, N*H] or [B, N, S, H]; for each head vector the first
//       rotary_embedding_dim (R) entries are rotated by the angle whose cos /
//       sin are cos_cache[pos, i] / sin_cache[pos, i], i < R/2:
//         halves (interleaved = 0): (x[i], x[i + R/2])
//         pairs  (interleaved = 1): (x[2i], x[2i + 1])
//       a' = a cos - b sin,  b' = b cos + a sin;  entries >= R pass through.
//       position_ids is [B, S], or one element p0 meaning p0 + s.
//       Decomposed: gathers of the caches, slices, elementwise ops (the
//       pairs mode permutes the last axis to halves and back).
//
//   GroupQueryAttention(query, key?, value?, past_key?, past_value?,
//                       seqlens_k, total_sequence_length, cos_cache?, sin_cache?)
//       query [B, S, N*H] (or packed [B, S, (N + 2 Nkv) * H] without key /
//       value), key / value [B, S, Nkv*H], past [B, Nkv, P, H].
//       -> output [B, S, N*H], present_key / present_value [B, Nkv, P+S, H]
//       (past then new), causal attention of the S new tokens over the P
//       cached ones and themselves; optional rotary (do_rotary) at positions
//       P + s. Lowered to qcc.cached_attention (positions[b, s] = P + s).
//       Supported: the non-shared KV buffer, all sequences the same length:
//       total_sequence_length == P + S and seqlens_k[b] == P + S - 1 for
//       every b, checked at run time (the model's run fails with a message
//       naming the node otherwise). local_window_size, softcap,
//       smooth_softmax, quantized caches, position_ids / attention_bias /
//       head_sink inputs are rejected at compile time.
//
//===----------------------------------------------------------------------===//
#include "ImporterInternal.h"
#include "RuntimeShape.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <cmath>

using namespace mlir;
using namespace qcc;
using namespace qcc::onnx_import;

namespace {

RankedTensorType withShape(Value v, ArrayRef<int64_t> shape) {
  return RankedTensorType::get(shape, cast<RankedTensorType>(v.getType()).getElementType());
}

/// `v[..., start : start + size]` on the (static) last axis.
Value sliceLast(NodeContext &nc, Value v, int64_t start, int64_t size, int64_t step = 1) {
  auto t = cast<RankedTensorType>(v.getType());
  Shape out(t.getShape());
  out.back() = size;
  SmallVector<int64_t> starts(t.getRank(), 0), steps(t.getRank(), 1);
  starts.back() = start;
  steps.back() = step;
  return SliceOp::create(nc.b, nc.loc, withShape(v, out), v, nc.b.getDenseI64ArrayAttr(starts),
                         nc.b.getDenseI64ArrayAttr(steps));
}

/// Concatenation along the last axis.
Value concatLast(NodeContext &nc, ValueRange parts) {
  auto t = cast<RankedTensorType>(parts.front().getType());
  Shape out(t.getShape());
  out.back() = 0;
  for (Value p : parts)
    out.back() += cast<RankedTensorType>(p.getType()).getShape().back();
  return ConcatOp::create(nc.b, nc.loc, withShape(parts.front(), out), parts,
                          nc.b.getI64IntegerAttr(t.getRank() - 1));
}

/// Gathers the last axis of `v` by the constant permutation `perm`.
Value permuteLast(NodeContext &nc, Value v, ArrayRef<int64_t> perm) {
  ConstTensor idx = ConstTensor::empty({(int64_t)perm.size()}, nc.b.getI64Type());
  idx.ints.assign(perm.begin(), perm.end());
  auto t = cast<RankedTensorType>(v.getType());
  return GatherOp::create(nc.b, nc.loc, t, v, nc.materialize(idx),
                          nc.b.getI64IntegerAttr(t.getRank() - 1));
}

/// Rotates the first `rotDim` entries of the last axis of `x` ([..., H]) by
/// `cosv` / `sinv` (broadcastable to [..., rotDim / 2]); see the file header.
Value applyRope(NodeContext &nc, Value x, Value cosv, Value sinv, int64_t rotDim,
                bool interleaved) {
  auto t = cast<RankedTensorType>(x.getType());
  int64_t h = t.getShape().back(), half = rotDim / 2;
  SmallVector<int64_t> toHalves, fromHalves(h);
  if (interleaved) {
    // Pairs (2i, 2i+1) become halves (i, i + R/2), then go back.
    for (int64_t i = 0; i < rotDim; i += 2)
      toHalves.push_back(i);
    for (int64_t i = 1; i < rotDim; i += 2)
      toHalves.push_back(i);
    for (int64_t i = rotDim; i < h; ++i)
      toHalves.push_back(i);
    for (int64_t i = 0; i < h; ++i)
      fromHalves[toHalves[i]] = i;
    x = permuteLast(nc, x, toHalves);
  }
  Value a = sliceLast(nc, x, 0, half), b = sliceLast(nc, x, half, half);
  Type at = a.getType();
  Value ac = MulOp::create(nc.b, nc.loc, at, a, cosv), bs = MulOp::create(nc.b, nc.loc, at, b, sinv);
  Value bc = MulOp::create(nc.b, nc.loc, at, b, cosv), as = MulOp::create(nc.b, nc.loc, at, a, sinv);
  SmallVector<Value> parts{SubOp::create(nc.b, nc.loc, at, ac, bs),
                           AddOp::create(nc.b, nc.loc, at, bc, as)};
  if (rotDim < h)
    parts.push_back(sliceLast(nc, x, rotDim, h - rotDim));
  Value y = concatLast(nc, parts);
  return interleaved ? permuteLast(nc, y, fromHalves) : y;
}

/// cos_cache / sin_cache rows at `positions` ([B, S] i64) as
/// [B, S, R/2] tensors; checks the caches' shapes.
FailureOr<std::pair<Value, Value>> gatherCaches(NodeContext &nc, unsigned cosIdx,
                                                Value positions, int64_t half) {
  unsigned sinIdx = cosIdx + 1;
  if (nc.rank(cosIdx) != 2 || nc.type(cosIdx) != nc.type(sinIdx) ||
      nc.shape(cosIdx)[1] != half || nc.elementType(cosIdx) != nc.elementType(0))
    return nc.emitError() << "cos_cache and sin_cache must both be [max_position, " << half
                          << "] of the input's type, got " << shapeToString(nc.shape(cosIdx))
                          << " and " << shapeToString(nc.shape(sinIdx)),
           failure();
  auto pt = cast<RankedTensorType>(positions.getType());
  auto gt = nc.tensorType({pt.getDimSize(0), pt.getDimSize(1), half}, nc.elementType(cosIdx));
  auto gather = [&](unsigned i) -> Value {
    return GatherOp::create(nc.b, nc.loc, gt, nc.operand(i), positions,
                            nc.b.getI64IntegerAttr(0));
  };
  return std::make_pair(gather(cosIdx), gather(sinIdx));
}

/// positions[b, s] = start + s for a [B, S] grid (i64 scalars).
Value positionGrid(NodeContext &nc, Value batch, Value seq, Value start) {
  return generate(nc, {batch, seq}, nc.b.getI64Type(),
                  [&](OpBuilder &b, Location l, ValueRange ivs) -> Value {
                    Value s = arith::IndexCastOp::create(b, l, b.getI64Type(), ivs[1]);
                    return arith::AddIOp::create(b, l, s, start);
                  });
}

LogicalResult rejectAttr(NodeContext &nc, StringRef name, int64_t supported) {
  if (const onnx::AttributeProto *a = nc.attr(name); a && a->i() != supported)
    return nc.emitError() << "unsupported feature: " << name << " = " << a->i()
                          << " (qcc imports " << supported << ")";
  return success();
}

/// com.microsoft.RotaryEmbedding.
LogicalResult convertRotaryEmbedding(NodeContext &nc) {
  if (!nc.elementType(0).isF32())
    return nc.emitError() << "expects a float32 input";
  if (failed(rejectAttr(nc, "is_packed_batching", 0)))
    return failure();
  if (float s = nc.attrFloat("scale", 1.0f); s != 1.0f)
    return nc.emitError() << "unsupported feature: scale = " << s << " (qcc imports 1)";
  int64_t rank = nc.rank(0);
  if (rank != 3 && rank != 4)
    return nc.emitError() << "input must be [B, S, hidden] or [B, N, S, H], got "
                          << shapeToString(nc.shape(0));
  auto in = nc.shape(0);
  if (nc.rank(2) != 2 || ShapedType::isDynamic(nc.shape(2)[1]))
    return nc.emitError() << "cos_cache must be [max_position, rotary_dim / 2], got "
                          << shapeToString(nc.shape(2));
  int64_t half = nc.shape(2)[1];
  int64_t numHeads = nc.attrInt("num_heads", 0), rotDim = nc.attrInt("rotary_embedding_dim", 0);
  int64_t hidden = rank == 3 ? in[2] : kDynamicDim;
  int64_t headSize;
  if (rank == 4) {
    if (ShapedType::isDynamic(in[1]) || ShapedType::isDynamic(in[3]))
      return nc.emitError() << "the head count and head size of a [B, N, S, H] input must be "
                               "static, got " << shapeToString(in);
    numHeads = in[1];
    headSize = in[3];
  } else {
    if (ShapedType::isDynamic(hidden))
      return nc.emitError() << "the hidden size must be static, got " << shapeToString(in);
    if (rotDim > 0 && numHeads <= 0)
      return nc.emitError() << "num_heads is required when rotary_embedding_dim is given";
    headSize = rotDim > 0 ? hidden / numHeads : 2 * half;
    if (numHeads <= 0)
      numHeads = hidden / headSize;
    if (headSize <= 0 || numHeads * headSize != hidden)
      return nc.emitError() << "hidden size " << hidden << " is not num_heads * head_size ("
                            << numHeads << " * " << headSize << ")";
  }
  if (rotDim == 0)
    rotDim = headSize;
  if (rotDim % 2 || rotDim > headSize || half * 2 != rotDim)
    return nc.emitError() << "rotary_embedding_dim " << rotDim << " must be even, at most the "
                          << "head size " << headSize << " and twice the cache width " << half;
  // Positions [B, S].
  Value x = nc.operand(0);
  Value batch = dimI64(nc, x, 0), seq = dimI64(nc, x, rank == 3 ? 1 : 2);
  Type pt = nc.elementType(1);
  if (!pt.isInteger(64))
    return nc.emitError() << "position_ids must be int64";
  Value positions;
  if (nc.rank(1) == 2) {
    positions = nc.operand(1);
  } else if (numElementsOf(nc.shape(1)) == 1) {
    positions = positionGrid(nc, batch, seq, scalarI64(nc, nc.operand(1)));
  } else {
    return nc.emitError() << "position_ids must be [B, S] or one element, got "
                          << shapeToString(nc.shape(1));
  }
  auto caches = gatherCaches(nc, 2, positions, half);
  if (failed(caches))
    return failure();
  // Head vectors on the last axis; cos / sin broadcast over heads.
  Value x4, cosv, sinv;
  if (rank == 3) {
    x4 = reshapeKeep(nc, x, 2, {numHeads, headSize});
    cosv = reshapeKeep(nc, caches->first, 2, {1, half});
    sinv = reshapeKeep(nc, caches->second, 2, {1, half});
  } else {
    x4 = x;
    Value one = constI64(nc, 1), h = constI64(nc, half);
    cosv = reshapeTo(nc, caches->first, {batch, one, seq, h});
    sinv = reshapeTo(nc, caches->second, {batch, one, seq, h});
  }
  Value y = applyRope(nc, x4, cosv, sinv, rotDim, nc.attrInt("interleaved", 0) != 0);
  if (rank == 3)
    y = reshapeKeep(nc, y, 2, {hidden});
  // ONNX Runtime fails on positions outside the caches; qcc's gather would
  // clamp them, so the run fails instead.
  Value maxPos = dimI64(nc, nc.operand(2), 0);
  Value okLow = arith::CmpIOp::create(nc.b, nc.loc, arith::CmpIPredicate::sge,
                                      reduceAllI64(nc, positions, true), constI64(nc, 0));
  Value okHigh = arith::CmpIOp::create(nc.b, nc.loc, arith::CmpIPredicate::slt,
                                       reduceAllI64(nc, positions, false), maxPos);
  Value ok = arith::AndIOp::create(nc.b, nc.loc, okLow, okHigh);
  nc.setOutput(0, checkAtRunTime(nc, y, ok, "position_ids outside [0, rows of cos_cache)"));
  return success();
}

/// com.microsoft.GroupQueryAttention.
LogicalResult convertGroupQueryAttention(NodeContext &nc) {
  const onnx::AttributeProto *nAttr = nc.attr("num_heads"), *kvAttr = nc.attr("kv_num_heads");
  if (!nAttr || !kvAttr || nAttr->i() <= 0 || kvAttr->i() <= 0 || nAttr->i() % kvAttr->i())
    return nc.emitError() << "num_heads and kv_num_heads are required, positive, and num_heads "
                             "a multiple of kv_num_heads";
  int64_t n = nAttr->i(), nkv = kvAttr->i();
  for (auto [name, ok] : {std::pair<StringRef, int64_t>{"local_window_size", -1},
                          {"smooth_softmax", 0}, {"qk_output", 0}})
    if (failed(rejectAttr(nc, name, ok)))
      return failure();
  for (StringRef name : {"k_quant_type", "v_quant_type"})
    if (nc.attrString(name, "NONE") != "NONE")
      return nc.emitError() << "unsupported feature: quantized KV cache (" << name << " = "
                            << nc.attrString(name, "NONE") << ")";
  if (float c = nc.attrFloat("softcap", 0.0f); c != 0.0f)
    return nc.emitError() << "unsupported feature: softcap = " << c << " (qcc imports 0)";
  for (unsigned i : {9u, 10u, 11u})
    if (nc.hasInput(i))
      return nc.emitError() << "unsupported feature: input " << i << " ('" << nc.node.input(i)
                            << "'; position_ids, attention_bias and head_sink are not imported)";
  if (!nc.elementType(0).isF32())
    return nc.emitError() << "expects float32 query / key / value";
  if (nc.rank(0) != 3 || ShapedType::isDynamic(nc.shape(0)[2]))
    return nc.emitError() << "query must be [B, S, hidden] with a static hidden size, got "
                          << shapeToString(nc.shape(0));
  bool packed = !nc.hasInput(1);
  if (packed != !nc.hasInput(2))
    return nc.emitError() << "key and value must both be given or both be omitted (packed QKV)";
  if (!nc.hasInput(5) || !nc.hasInput(6))
    return nc.emitError() << "seqlens_k and total_sequence_length are required";
  int64_t qHidden = nc.shape(0)[2];
  int64_t headSize = qHidden / (packed ? n + 2 * nkv : n);
  if (headSize * (packed ? n + 2 * nkv : n) != qHidden)
    return nc.emitError() << "query hidden size " << qHidden << " is not a multiple of "
                          << (packed ? "(num_heads + 2 * kv_num_heads)" : "num_heads");
  Value q = nc.operand(0), k, v;
  if (packed) {
    k = sliceLast(nc, q, n * headSize, nkv * headSize);
    v = sliceLast(nc, q, (n + nkv) * headSize, nkv * headSize);
    q = sliceLast(nc, q, 0, n * headSize);
  } else {
    for (unsigned i : {1u, 2u})
      if (nc.type(i).getElementType() != nc.elementType(0) || nc.rank(i) != 3 ||
          nc.shape(i)[2] != nkv * headSize)
        return nc.emitError() << (i == 1 ? "key" : "value") << " must be [B, S, "
                              << nkv * headSize << "] (kv_num_heads * head_size), got "
                              << shapeToString(nc.shape(i));
    k = nc.operand(1);
    v = nc.operand(2);
  }
  bool hasPast = nc.hasInput(3) || nc.hasInput(4);
  if (hasPast) {
    if (!nc.hasInput(3) || !nc.hasInput(4))
      return nc.emitError() << "past_key and past_value must both be given or both be omitted";
    for (unsigned i : {3u, 4u}) {
      auto s = nc.shape(i);
      if (nc.elementType(i) != nc.elementType(0) || s.size() != 4 || s[1] != nkv ||
          s[3] != headSize)
        return nc.emitError() << (i == 3 ? "past_key" : "past_value") << " must be [B, " << nkv
                              << ", P, " << headSize << "] (BNSH), got " << shapeToString(s);
    }
  }
  for (unsigned i : {5u, 6u})
    if (!nc.elementType(i).isInteger(32))
      return nc.emitError() << (i == 5 ? "seqlens_k" : "total_sequence_length")
                            << " must be int32";
  if (numElementsOf(nc.shape(6)) != 1)
    return nc.emitError() << "total_sequence_length must have one element, got "
                          << shapeToString(nc.shape(6));
  if (nc.rank(5) != 1)
    return nc.emitError() << "seqlens_k must be [B], got " << shapeToString(nc.shape(5));

  // Heads on their own axis: [B, S, heads, H].
  q = reshapeKeep(nc, q, 2, {n, headSize});
  k = reshapeKeep(nc, k, 2, {nkv, headSize});
  v = reshapeKeep(nc, v, 2, {nkv, headSize});
  Value batch = dimI64(nc, q, 0), seq = dimI64(nc, q, 1);
  Value total = scalarI64(nc, nc.operand(6));
  Value pastLen = hasPast ? dimI64(nc, nc.operand(3), 2) : constI64(nc, 0);
  Value positions = positionGrid(nc, batch, seq, pastLen);
  Value newTotal = arith::AddIOp::create(nc.b, nc.loc, pastLen, seq);
  // P + S, or a different length when the rotary caches are too short.
  Value inCache = newTotal;
  if (nc.attrInt("do_rotary", 0)) {
    if (!nc.hasInput(7) || !nc.hasInput(8))
      return nc.emitError() << "do_rotary = 1 needs cos_cache and sin_cache";
    int64_t half = nc.rank(7) == 2 ? nc.shape(7)[1] : kDynamicDim;
    if (ShapedType::isDynamic(half) || 2 * half > headSize)
      return nc.emitError() << "cos_cache must be [max_position, rotary_dim / 2] with "
                               "rotary_dim <= head size " << headSize << ", got "
                            << shapeToString(nc.shape(7));
    auto caches = gatherCaches(nc, 7, positions, half);
    if (failed(caches))
      return failure();
    Value c = reshapeKeep(nc, caches->first, 2, {1, half});
    Value s = reshapeKeep(nc, caches->second, 2, {1, half});
    inCache = arith::MinSIOp::create(nc.b, nc.loc, newTotal, dimI64(nc, nc.operand(7), 0));
    bool inter = nc.attrInt("rotary_interleaved", 0) != 0;
    q = applyRope(nc, q, c, s, 2 * half, inter);
    k = applyRope(nc, k, c, s, 2 * half, inter);
  } else if (nc.hasInput(7) || nc.hasInput(8)) {
    return nc.emitError() << "cos_cache / sin_cache given with do_rotary = 0";
  }

  // New K/V in the cache layout [B, Nkv, S, H]; present = past ++ new.
  auto toBNSH = [&](Value x) -> Value {
    auto t = cast<RankedTensorType>(x.getType());
    auto sh = t.getShape();
    return TransposeOp::create(nc.b, nc.loc, withShape(x, {sh[0], sh[2], sh[1], sh[3]}), x,
                               nc.b.getDenseI64ArrayAttr({0, 2, 1, 3}));
  };
  Value kNew = toBNSH(k), vNew = toBNSH(v);
  auto present = [&](Value pastV, Value newV) -> Value {
    if (!pastV)
      return newV;
    auto pt = cast<RankedTensorType>(pastV.getType());
    Shape out(pt.getShape());
    out[0] = kDynamicDim;
    out[2] = kDynamicDim;
    return ConcatOp::create(nc.b, nc.loc, withShape(newV, out), ValueRange{pastV, newV},
                            nc.b.getI64IntegerAttr(2));
  };
  Value presentK = present(hasPast ? nc.operand(3) : Value(), kNew);
  Value presentV = present(hasPast ? nc.operand(4) : Value(), vNew);
  // Run-time checks: total_sequence_length and every seqlens_k[b] + 1 must
  // equal P + S (reshapes of present whose element count only matches then).
  Value one = constI64(nc, 1);
  Value seqlens = nc.operand(5);
  auto i32 = nc.b.getI32Type();
  auto reduce = [&](bool isMin) -> Value {
    auto rt = nc.tensorType({1}, i32);
    auto axes = nc.b.getDenseI64ArrayAttr({0});
    auto keep = nc.b.getBoolAttr(true);
    Value r = isMin ? ReduceMinOp::create(nc.b, nc.loc, rt, seqlens, axes, keep).getResult()
                    : ReduceMaxOp::create(nc.b, nc.loc, rt, seqlens, axes, keep).getResult();
    return arith::AddIOp::create(nc.b, nc.loc, scalarI64(nc, r), one);
  };
  Value headsKv = constI64(nc, nkv), hs = constI64(nc, headSize);
  struct Check {
    Value length;
    const char *what;
  } checks[] = {
      {inCache, "past_sequence_length + sequence_length > rows of cos_cache"},
      {total, "total_sequence_length != past_sequence_length + sequence_length"},
      {reduce(true), "min(seqlens_k) + 1 != past_sequence_length + sequence_length "
                     "(sequences of different lengths are not supported)"},
      {reduce(false), "max(seqlens_k) + 1 != past_sequence_length + sequence_length "
                      "(sequences of different lengths are not supported)"}};
  for (const Check &c : checks) {
    Location l = checkLocation(nc, c.what);
    presentK = reshapeTo(nc, presentK, {batch, headsKv, c.length, hs}, l);
    presentV = reshapeTo(nc, presentV, {batch, headsKv, c.length, hs}, l);
  }
  // Attention over the past (position-major [P, B, Nkv, H]) and the new
  // tokens. Without a past, one slot of junk that positions[b, 0] = 0 masks.
  Value pastK, pastV;
  auto toPBNH = [&](Value x) -> Value {
    auto sh = cast<RankedTensorType>(x.getType()).getShape();
    return TransposeOp::create(nc.b, nc.loc, withShape(x, {sh[2], sh[0], sh[1], sh[3]}), x,
                               nc.b.getDenseI64ArrayAttr({2, 0, 1, 3}));
  };
  if (hasPast) {
    pastK = toPBNH(nc.operand(3));
    pastV = toPBNH(nc.operand(4));
  } else {
    auto junk = [&](Value x) -> Value {
      auto sh = cast<RankedTensorType>(x.getType()).getShape();
      Value first = SliceOp::create(nc.b, nc.loc, withShape(x, {sh[0], 1, sh[2], sh[3]}), x,
                                    nc.b.getDenseI64ArrayAttr({0, 0, 0, 0}),
                                    nc.b.getDenseI64ArrayAttr({1, 1, 1, 1}));
      return TransposeOp::create(nc.b, nc.loc, withShape(x, {1, sh[0], sh[2], sh[3]}), first,
                                 nc.b.getDenseI64ArrayAttr({1, 0, 2, 3}));
    };
    pastK = junk(k);
    pastV = junk(v);
  }
  float scale = nc.attrFloat("scale", 0.0f);
  if (scale < 0)
    return nc.emitError() << "scale must not be negative, got " << scale;
  FloatAttr scaleAttr = scale > 0 ? nc.b.getF32FloatAttr(scale) : FloatAttr();
  Value attn = CachedAttentionOp::create(nc.b, nc.loc, q.getType(), q, k, v, pastK, pastV,
                                         positions, scaleAttr);
  nc.setOutput(0, reshapeKeep(nc, attn, 2, {n * headSize}));
  if (nc.hasOutput(1))
    nc.setOutput(1, presentK);
  if (nc.hasOutput(2))
    nc.setOutput(2, presentV);
  return success();
}

} // namespace

void qcc::onnx_import::registerAttentionConverters(ConverterMap &m) {
  const std::string ms = std::string(kMicrosoftDomain) + "::";
  m[ms + "RotaryEmbedding"] = convertRotaryEmbedding;
  m[ms + "GroupQueryAttention"] = convertGroupQueryAttention;
}
