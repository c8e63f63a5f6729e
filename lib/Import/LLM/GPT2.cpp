//===- GPT2.cpp - GPT-2 as a Contract 5 causal LM in the qcc dialect ---------===//
//
// Builds transformers' GPT2LMHeadModel with the KV-cache interface of
// Contract 5 (inputs input_ids, positions, past_key, past_value; outputs
// logits, present_key, present_value):
//
//   x = wte[ids] + wpe[positions]                                        [T, H]
//   per layer l:  q,k,v = split(LN1(x) Wqkv + bqkv)   (Conv1D: W is [in, out])
//                 K = [past_key[:, l] ; k], V = [past_value[:, l] ; v]
//                 x = x + merge(softmax(q K^T / sqrt(D) + mask) V) Wo + bo
//                 x = x + gelu_tanh(LN2(x) Wfc + bfc) Wp + bp
//   logits = LN_f(x) wte^T   (tied head, or lm_head.weight when present)
//
// Cache slot j of row b is visible iff j < positions[b, 0]; new token i' is
// visible to new token i iff positions[b, i'] <= positions[b, i]. Scores over
// the cache and over the new tokens are computed separately and concatenated
// before the softmax.
//
//===----------------------------------------------------------------------===//
#include "qcc/Dialect/Qcc/IR/QccOps.h"
#include "qcc/Import/LLM.h"
#include "qcc/Import/ModelConfig.h"
#include "qcc/Import/WeightProvider.h"
#include "qcc/Import/WeightSource.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Diagnostics.h"

#include <cmath>
#include <limits>

using namespace mlir;

namespace qcc {
namespace {

constexpr int64_t kDyn = ShapedType::kDynamic;

/// Emits the qcc ops of GPT-2 into one function body.
class GPT2Builder {
public:
  GPT2Builder(OpBuilder &b, Location loc, const ModelConfig &c, WeightProvider &w,
              std::string prefix, std::string head)
      : b(b), loc(loc), c(c), weights(w), prefix(std::move(prefix)), head(std::move(head)),
        f32(b.getF32Type()), i64(b.getI64Type()) {}

  /// Builds the body from (ids, positions, past_key, past_value); returns
  /// (logits, present_key, present_value).
  FailureOr<SmallVector<Value>> build(ValueRange args);

private:
  RankedTensorType t(ArrayRef<int64_t> shape, Type elt = nullptr) {
    return RankedTensorType::get(shape, elt ? elt : f32);
  }
  Value scalar(double v) {
    auto type = t({});
    return arith::ConstantOp::create(b, loc, type,
                                     DenseElementsAttr::get(type, static_cast<float>(v)));
  }
  /// 1-D i64 shape tensor; kDyn entries take \p dynValue (a runtime i64).
  Value shapeOf(ArrayRef<int64_t> dims, Value dynValue = nullptr) {
    SmallVector<Value> elems;
    for (int64_t d : dims)
      elems.push_back(d == kDyn ? dynValue
                                : arith::ConstantOp::create(b, loc, b.getI64IntegerAttr(d)));
    return tensor::FromElementsOp::create(b, loc, t({int64_t(dims.size())}, i64), elems);
  }
  Value reshape(Value x, ArrayRef<int64_t> type, Value shape) {
    return qcc::ReshapeOp::create(b, loc, t(type), x, shape);
  }
  Value transpose(Value x, ArrayRef<int64_t> perm, ArrayRef<int64_t> type) {
    return qcc::TransposeOp::create(b, loc, t(type), x, perm);
  }
  FailureOr<Value> weight(const std::string &name) {
    return weights.get(b, loc, prefix + name);
  }
  /// x [T, in] times a Conv1D weight [in, out] plus bias.
  FailureOr<Value> conv1d(Value x, const std::string &name, int64_t out) {
    FailureOr<Value> w = weight(name + ".weight"), bias = weight(name + ".bias");
    if (failed(w) || failed(bias))
      return failure();
    Value y = qcc::MatMulOp::create(b, loc, t({kDyn, out}), x, *w);
    return qcc::AddOp::create(b, loc, t({kDyn, out}), y, *bias).getResult();
  }
  FailureOr<Value> layerNorm(Value x, const std::string &name) {
    FailureOr<Value> g = weight(name + ".weight"), beta = weight(name + ".bias");
    if (failed(g) || failed(beta))
      return failure();
    return qcc::LayerNormOp::create(b, loc, x.getType(), x, *g, *beta, /*axis=*/1,
                                    llvm::APFloat(static_cast<float>(c.normEps)))
        .getResult();
  }
  /// 0 where \p valid, the lowest float elsewhere.
  Value additive(Value valid, ArrayRef<int64_t> shape) {
    return qcc::WhereOp::create(b, loc, t(shape), valid, scalar(0.0),
                                scalar(std::numeric_limits<float>::lowest()));
  }
  FailureOr<Value> layer(Value x, int64_t l, ValueRange past, Value maskPast, Value maskNew,
                         SmallVectorImpl<Value> &presentK, SmallVectorImpl<Value> &presentV);

  OpBuilder &b;
  Location loc;
  const ModelConfig &c;
  WeightProvider &weights;
  std::string prefix, head;
  Type f32, i64;
  Value shapeHeads; ///< [-1, S, nH, D]
};

FailureOr<Value> GPT2Builder::layer(Value x, int64_t l, ValueRange past, Value maskPast,
                                    Value maskNew, SmallVectorImpl<Value> &presentK,
                                    SmallVectorImpl<Value> &presentV) {
  int64_t h = c.hiddenSize, nh = c.numHeads, d = h / nh;
  std::string p = "h." + std::to_string(l) + ".";
  FailureOr<Value> ln1 = layerNorm(x, p + "ln_1");
  if (failed(ln1))
    return failure();
  FailureOr<Value> qkv = conv1d(*ln1, p + "attn.c_attn", 3 * h);
  if (failed(qkv))
    return failure();
  // q, k, v as [B, S, nH, D].
  auto part = [&](int64_t i) {
    Value s = qcc::SliceOp::create(b, loc, t({kDyn, h}), *qkv, ArrayRef<int64_t>{0, i * h},
                                   ArrayRef<int64_t>{1, 1});
    return reshape(s, {kDyn, kDyn, nh, d}, shapeHeads);
  };
  Value q = transpose(part(0), {0, 2, 1, 3}, {kDyn, nh, kDyn, d});
  Value k = part(1), v = part(2);
  // present: [S, 1, B, nH, D] per layer.
  Value present5 = shapeOf({0, 1, -1, nh, d});
  presentK.push_back(reshape(transpose(k, {1, 0, 2, 3}, {kDyn, kDyn, nh, d}),
                             {kDyn, 1, kDyn, nh, d}, present5));
  presentV.push_back(reshape(transpose(v, {1, 0, 2, 3}, {kDyn, kDyn, nh, d}),
                             {kDyn, 1, kDyn, nh, d}, present5));
  // The cache of this layer: [P, B, nH, D].
  Value layerIdx = arith::ConstantOp::create(
      b, loc, t({}, i64), DenseElementsAttr::get(t({}, i64), static_cast<int64_t>(l)));
  Value pk = qcc::GatherOp::create(b, loc, t({kDyn, kDyn, nh, d}), past[0], layerIdx, 1);
  Value pv = qcc::GatherOp::create(b, loc, t({kDyn, kDyn, nh, d}), past[1], layerIdx, 1);

  Value scale = scalar(1.0 / std::sqrt(double(d)));
  auto scores = [&](Value keysT, Value mask, ArrayRef<int64_t> type) {
    Value s = qcc::MatMulOp::create(b, loc, t(type), q, keysT);
    s = qcc::MulOp::create(b, loc, t(type), s, scale);
    return qcc::AddOp::create(b, loc, t(type), s, mask).getResult();
  };
  Value sPast = scores(transpose(pk, {1, 2, 3, 0}, {kDyn, nh, d, kDyn}), maskPast,
                       {kDyn, nh, kDyn, kDyn});
  Value sNew = scores(transpose(k, {0, 2, 3, 1}, {kDyn, nh, d, kDyn}), maskNew,
                      {kDyn, nh, kDyn, kDyn});
  auto scoreType = t({kDyn, nh, kDyn, kDyn});
  Value all = qcc::ConcatOp::create(b, loc, scoreType, ValueRange{sPast, sNew}, 3);
  Value probs = qcc::SoftmaxOp::create(b, loc, scoreType, all, b.getI64IntegerAttr(-1));
  Value values = qcc::ConcatOp::create(
      b, loc, t({kDyn, nh, kDyn, d}),
      ValueRange{transpose(pv, {1, 2, 0, 3}, {kDyn, nh, kDyn, d}),
                 transpose(v, {0, 2, 1, 3}, {kDyn, nh, kDyn, d})},
      2);
  Value ctx = qcc::MatMulOp::create(b, loc, t({kDyn, nh, kDyn, d}), probs, values);
  ctx = transpose(ctx, {0, 2, 1, 3}, {kDyn, kDyn, nh, d});
  ctx = reshape(ctx, {kDyn, h}, shapeOf({-1, h}));
  FailureOr<Value> attnOut = conv1d(ctx, p + "attn.c_proj", h);
  if (failed(attnOut))
    return failure();
  Value x1 = qcc::AddOp::create(b, loc, x.getType(), x, *attnOut);

  FailureOr<Value> ln2 = layerNorm(x1, p + "ln_2");
  if (failed(ln2))
    return failure();
  FailureOr<Value> up = conv1d(*ln2, p + "mlp.c_fc", c.intermediateSize);
  if (failed(up))
    return failure();
  StringRef approx = c.hiddenAct == "gelu" ? "none" : "tanh";
  Value act = qcc::GeluOp::create(b, loc, up->getType(), *up, b.getStringAttr(approx));
  FailureOr<Value> down = conv1d(act, p + "mlp.c_proj", h);
  if (failed(down))
    return failure();
  return qcc::AddOp::create(b, loc, x.getType(), x1, *down).getResult();
}

FailureOr<SmallVector<Value>> GPT2Builder::build(ValueRange args) {
  Value ids = args[0], positions = args[1];
  int64_t h = c.hiddenSize, nh = c.numHeads, v = c.vocabSize;
  Value seqLen =
      arith::IndexCastOp::create(b, loc, i64, tensor::DimOp::create(b, loc, ids, 1));
  shapeHeads = shapeOf({-1, kDyn, nh, h / nh}, seqLen);

  FailureOr<Value> wte = weight("wte.weight"), wpe = weight("wpe.weight");
  if (failed(wte) || failed(wpe))
    return failure();
  Value flat = shapeOf({-1});
  Value flatIds = qcc::ReshapeOp::create(b, loc, t({kDyn}, i64), ids, flat);
  Value flatPos = qcc::ReshapeOp::create(b, loc, t({kDyn}, i64), positions, flat);
  Value x = qcc::AddOp::create(b, loc, t({kDyn, h}),
                               qcc::GatherOp::create(b, loc, t({kDyn, h}), *wte, flatIds, 0),
                               qcc::GatherOp::create(b, loc, t({kDyn, h}), *wpe, flatPos, 0));

  // Masks. p0 = positions[:, 0:1] = the number of valid cache slots of each row.
  Value p0 = qcc::SliceOp::create(b, loc, t({kDyn, 1}, i64), positions,
                                  ArrayRef<int64_t>{0, 0}, ArrayRef<int64_t>{1, 1});
  // Cache slots 0..P-1 (the first P entries of a constant 0..context-1).
  SmallVector<int64_t> iota(c.maxPositions);
  for (int64_t i = 0; i < c.maxPositions; ++i)
    iota[i] = i;
  auto iotaType = t({c.maxPositions}, i64);
  Value iotaConst = arith::ConstantOp::create(
      b, loc, iotaType, DenseElementsAttr::get(iotaType, ArrayRef<int64_t>(iota)));
  // Slots from n_positions on (a cache longer than the model's context) get an
  // index no position reaches, so they are never visible and nothing is read
  // past the constant.
  Value pastLen = tensor::DimOp::create(b, loc, args[2], 0);
  Value inRange = arith::MinUIOp::create(
      b, loc, pastLen, arith::ConstantIndexOp::create(b, loc, c.maxPositions));
  Value beyond = arith::SubIOp::create(b, loc, pastLen, inRange);
  SmallVector<OpFoldResult> off{b.getIndexAttr(0)}, size{inRange}, stride{b.getIndexAttr(1)};
  Value slots = tensor::ExtractSliceOp::create(b, loc, t({kDyn}, i64), iotaConst, off, size,
                                               stride);
  SmallVector<OpFoldResult> low{b.getIndexAttr(0)}, high{beyond};
  Value never =
      arith::ConstantOp::create(b, loc, b.getI64IntegerAttr(std::numeric_limits<int64_t>::max()));
  slots = tensor::PadOp::create(b, loc, t({kDyn}, i64), slots, low, high, never);
  Value validPast = qcc::LessOp::create(b, loc, t({kDyn, kDyn}, b.getI1Type()), slots, p0);
  Value maskPast = reshape(additive(validPast, {kDyn, kDyn}), {kDyn, 1, 1, kDyn},
                           shapeOf({0, 1, 1, -1}));
  // New tokens: key i' visible to query i iff positions[b, i'] <= positions[b, i].
  Value keyPos = qcc::ReshapeOp::create(b, loc, t({kDyn, 1, kDyn}, i64), positions,
                                        shapeOf({0, 1, -1}));
  Value queryPos = qcc::ReshapeOp::create(b, loc, t({kDyn, kDyn, 1}, i64), positions,
                                          shapeOf({0, 0, 1}));
  Value validNew = qcc::LessEqualOp::create(b, loc, t({kDyn, kDyn, kDyn}, b.getI1Type()),
                                            keyPos, queryPos);
  Value maskNew = reshape(additive(validNew, {kDyn, kDyn, kDyn}), {kDyn, 1, kDyn, kDyn},
                          shapeOf({0, 1, 0, -1}));

  SmallVector<Value> presentK, presentV;
  for (int64_t l = 0; l < c.numLayers; ++l) {
    FailureOr<Value> next =
        layer(x, l, ValueRange{args[2], args[3]}, maskPast, maskNew, presentK, presentV);
    if (failed(next))
      return failure();
    x = *next;
  }
  FailureOr<Value> final = layerNorm(x, "ln_f");
  if (failed(final))
    return failure();
  FailureOr<Value> headW = head.empty() ? wte : weights.get(b, loc, head);
  if (failed(headW))
    return failure();
  Value logits = qcc::GemmOp::create(b, loc, t({kDyn, v}), *final, *headW, Value(),
                                     llvm::APFloat(1.0f), llvm::APFloat(1.0f), false, true);
  logits = reshape(logits, {kDyn, kDyn, v}, shapeOf({-1, kDyn, v}, seqLen));
  int64_t d = h / nh, layers = c.numLayers;
  auto cacheType = t({kDyn, layers, kDyn, nh, d});
  Value pk = presentK.size() == 1 ? presentK[0]
                                  : qcc::ConcatOp::create(b, loc, cacheType, presentK, 1);
  Value pv = presentV.size() == 1 ? presentV[0]
                                  : qcc::ConcatOp::create(b, loc, cacheType, presentV, 1);
  return SmallVector<Value>{logits, pk, pv};
}

} // namespace

bool buildGPT2(ModuleOp module, const ModelConfig &c, const WeightSource &weights,
               WeightProvider &provider, const CheckpointInfo &info, std::string &error) {
  if (c.hiddenAct != "gelu_new" && c.hiddenAct != "gelu_pytorch_tanh" && c.hiddenAct != "gelu") {
    error = info.path + ": activation_function '" + c.hiddenAct +
            "' is not supported (gelu_new, gelu_pytorch_tanh, gelu)";
    return false;
  }
  if (c.numHeads <= 0 || c.hiddenSize % c.numHeads || c.numLayers <= 0 || c.maxPositions <= 0) {
    error = info.path + ": n_embd, n_head, n_layer and n_positions must be positive and "
                        "n_head must divide n_embd";
    return false;
  }
  std::string prefix =
      !weights.find("wte.weight") && weights.find("transformer.wte.weight") ? "transformer." : "";
  int64_t h = c.hiddenSize, f = c.intermediateSize;
  std::vector<std::pair<std::string, std::vector<int64_t>>> expected = {
      {"wte.weight", {c.vocabSize, h}}, {"wpe.weight", {c.maxPositions, h}},
      {"ln_f.weight", {h}}, {"ln_f.bias", {h}}};
  for (int64_t l = 0; l < c.numLayers; ++l) {
    std::string p = "h." + std::to_string(l) + ".";
    for (const char *ln : {"ln_1", "ln_2"}) {
      expected.push_back({p + ln + ".weight", {h}});
      expected.push_back({p + ln + ".bias", {h}});
    }
    expected.push_back({p + "attn.c_attn.weight", {h, 3 * h}});
    expected.push_back({p + "attn.c_attn.bias", {3 * h}});
    expected.push_back({p + "attn.c_proj.weight", {h, h}});
    expected.push_back({p + "attn.c_proj.bias", {h}});
    expected.push_back({p + "mlp.c_fc.weight", {h, f}});
    expected.push_back({p + "mlp.c_fc.bias", {f}});
    expected.push_back({p + "mlp.c_proj.weight", {f, h}});
    expected.push_back({p + "mlp.c_proj.bias", {h}});
  }
  for (const auto &[name, shape] : expected)
    if (!checkWeightShape(weights, prefix + name, shape, error)) {
      error += " (shape implied by the config of " + info.path + ")";
      return false;
    }
  std::string extra = prefix + "h." + std::to_string(c.numLayers) + ".";
  for (const std::string &name : weights.names())
    if (llvm::StringRef(name).starts_with(extra)) {
      error = weights.path() + ": tensor '" + name + "' belongs to layer " +
              std::to_string(c.numLayers) + " but the config of " + info.path + " has n_layer " +
              std::to_string(c.numLayers);
      return false;
    }
  std::string head;
  if (weights.find("lm_head.weight")) {
    head = "lm_head.weight";
    if (!checkWeightShape(weights, head, {c.vocabSize, h}, error))
      return false;
  }

  MLIRContext *ctx = module.getContext();
  ctx->loadDialect<qcc::QccDialect, arith::ArithDialect, func::FuncDialect,
                   tensor::TensorDialect>();
  OpBuilder b = OpBuilder::atBlockEnd(module.getBody());
  Location loc = NameLoc::get(b.getStringAttr("gpt2"), FileLineColLoc::get(ctx, info.path, 0, 0));
  int64_t nh = c.numHeads, d = h / nh, layers = c.numLayers;
  auto tokens = RankedTensorType::get({kDyn, kDyn}, b.getI64Type());
  auto cache = RankedTensorType::get({kDyn, layers, kDyn, nh, d}, b.getF32Type());
  auto fnType = b.getFunctionType(
      {tokens, tokens, cache, cache},
      {RankedTensorType::get({kDyn, kDyn, c.vocabSize}, b.getF32Type()), cache, cache});
  auto fn = func::FuncOp::create(b, loc, "main", fnType);
  Block *body = fn.addEntryBlock();
  b.setInsertionPointToStart(body);
  std::string diag;
  FailureOr<SmallVector<Value>> results;
  {
    ScopedDiagnosticHandler handler(ctx, [&](Diagnostic &dg) {
      if (diag.empty())
        diag = dg.str();
      return success();
    });
    GPT2Builder builder(b, loc, c, provider, prefix, head);
    results = builder.build(body->getArguments());
  }
  if (failed(results)) {
    error = diag.empty() ? info.path + ": cannot build the GPT-2 graph" : diag;
    fn.erase();
    return false;
  }
  func::ReturnOp::create(b, loc, *results);
  fn->setAttr("qcc.input_names",
              b.getStrArrayAttr({"input_ids", "positions", "past_key", "past_value"}));
  fn->setAttr("qcc.output_names", b.getStrArrayAttr({"logits", "present_key", "present_value"}));
  ArrayAttr bs = b.getStrArrayAttr({"batch", "sequence"});
  ArrayAttr past = b.getStrArrayAttr({"past", "", "batch", "", ""});
  ArrayAttr present = b.getStrArrayAttr({"sequence", "", "batch", "", ""});
  fn->setAttr("qcc.input_dims", b.getArrayAttr({bs, bs, past, past}));
  fn->setAttr("qcc.output_dims",
              b.getArrayAttr({b.getStrArrayAttr({"batch", "sequence", ""}), present, present}));
  auto str = [&](int64_t v) { return b.getStringAttr(std::to_string(v)); };
  SmallVector<NamedAttribute> attrs = {
      b.getNamedAttr("qcc.kind", b.getStringAttr("causal-lm")),
      b.getNamedAttr("qcc.arch", b.getStringAttr("gpt2")),
      b.getNamedAttr("qcc.num_layers", str(layers)),
      b.getNamedAttr("qcc.num_kv_heads", str(nh)),
      b.getNamedAttr("qcc.head_dim", str(d)),
      b.getNamedAttr("qcc.vocab_size", str(c.vocabSize)),
      b.getNamedAttr("qcc.context_length",
                     str(info.contextLength > 0 ? std::min(info.contextLength, c.maxPositions)
                                                : c.maxPositions))};
  if (info.bosId >= 0)
    attrs.push_back(b.getNamedAttr("qcc.bos_id", str(info.bosId)));
  if (info.eosId >= 0)
    attrs.push_back(b.getNamedAttr("qcc.eos_id", str(info.eosId)));
  if (!info.tokenizerPath.empty())
    attrs.push_back(b.getNamedAttr("qcc.tokenizer", b.getStringAttr(info.tokenizerPath)));
  fn->setAttr("qcc.model_attrs", b.getDictionaryAttr(attrs));
  return true;
}

} // namespace qcc
