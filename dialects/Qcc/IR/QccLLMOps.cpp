//===- QccLLMOps.cpp - verifiers of qcc.rotary_embedding and qcc.cached_attention ===//
#include "qcc/Dialect/Qcc/IR/QccOps.h"

#include "mlir/IR/TypeUtilities.h"

using namespace mlir;
using namespace qcc;

namespace {
/// True if static sizes \p a and \p b agree (a dynamic size agrees with anything).
bool sameDim(int64_t a, int64_t b) {
  return ShapedType::isDynamic(a) || ShapedType::isDynamic(b) || a == b;
}
bool isF32Tensor(Type t) { return getElementTypeOrSelf(t).isF32(); }
std::string dims(RankedTensorType t) {
  std::string s;
  llvm::raw_string_ostream os(s);
  llvm::interleave(
      t.getShape(), os,
      [&](int64_t d) { os << (ShapedType::isDynamic(d) ? std::string("?") : std::to_string(d)); },
      "x");
  return s;
}
} // namespace

LogicalResult RotaryEmbeddingOp::verify() {
  auto x = cast<RankedTensorType>(getInput().getType());
  auto pos = cast<RankedTensorType>(getPositions().getType());
  if (x.getRank() != 4)
    return emitOpError() << "input must be [B, S, H, D], got rank " << x.getRank();
  if (!isF32Tensor(x) || x != getType())
    return emitOpError("input and result must be the same f32 tensor type");
  int64_t d = x.getDimSize(3);
  if (ShapedType::isDynamic(d) || d % 2 != 0)
    return emitOpError() << "head dimension must be static and even, got " << dims(x);
  if (pos.getRank() != 2 || !sameDim(pos.getDimSize(0), x.getDimSize(0)) ||
      !sameDim(pos.getDimSize(1), x.getDimSize(1)))
    return emitOpError() << "positions must be [B, S] = the first two dims of the input, got "
                         << dims(pos) << " for input " << dims(x);
  if (!(getTheta().convertToFloat() > 0.0f))
    return emitOpError("theta must be positive");
  return success();
}

LogicalResult CachedAttentionOp::verify() {
  auto q = cast<RankedTensorType>(getQuery().getType());
  auto k = cast<RankedTensorType>(getKey().getType());
  auto v = cast<RankedTensorType>(getValue().getType());
  auto pk = cast<RankedTensorType>(getPastKey().getType());
  auto pv = cast<RankedTensorType>(getPastValue().getType());
  auto pos = cast<RankedTensorType>(getPositions().getType());
  for (RankedTensorType t : {q, k, v, pk, pv})
    if (t.getRank() != 4 || !isF32Tensor(t))
      return emitOpError() << "query, key, value, past_key and past_value must be rank-4 f32 "
                              "tensors, got "
                           << t;
  if (q != getType())
    return emitOpError("result type must equal the query type");
  if (k != v)
    return emitOpError("key and value must have the same type");
  if (pk != pv)
    return emitOpError("past_key and past_value must have the same type");
  int64_t h = q.getDimSize(2), hd = q.getDimSize(3), hkv = k.getDimSize(2);
  if (ShapedType::isDynamic(h) || ShapedType::isDynamic(hd) || ShapedType::isDynamic(hkv))
    return emitOpError("head counts and head dimension must be static");
  if (h % hkv != 0)
    return emitOpError() << "query heads (" << h << ") must be a multiple of key/value heads ("
                         << hkv << ")";
  // key [B, S, Hkv, D] against query [B, S, H, D].
  if (!sameDim(k.getDimSize(0), q.getDimSize(0)) || !sameDim(k.getDimSize(1), q.getDimSize(1)) ||
      k.getDimSize(3) != hd)
    return emitOpError() << "key must be [B, S, Hkv, D] matching query " << dims(q) << ", got "
                         << dims(k);
  // past [P, B, Hkv, D].
  if (!sameDim(pk.getDimSize(1), q.getDimSize(0)) || pk.getDimSize(2) != hkv ||
      pk.getDimSize(3) != hd)
    return emitOpError() << "past_key must be [P, B, Hkv, D] = [P, ?, " << hkv << ", " << hd
                         << "], got " << dims(pk);
  if (pos.getRank() != 2 || !sameDim(pos.getDimSize(0), q.getDimSize(0)) ||
      !sameDim(pos.getDimSize(1), q.getDimSize(1)))
    return emitOpError() << "positions must be [B, S] matching query " << dims(q) << ", got "
                         << dims(pos);
  if (auto s = getScale(); s && !(s->convertToFloat() > 0.0f))
    return emitOpError("scale must be positive");
  return success();
}
