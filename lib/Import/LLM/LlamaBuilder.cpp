//===- LlamaBuilder.cpp - the Llama-family causal LM (llama, mistral, qwen2) ===//
//
// Builds @main of Contract 5 from a ModelConfig and a WeightSource. Hidden
// states are kept token-major as [T, hidden] with T = B*S so that every linear
// layer is one qcc.gemm (x · Wᵀ, the checkpoint's [out, in] weight used as is);
// only attention sees [B, S, heads, D].
//
//   x   = gather(embed, ids)
//   for each layer:  h = rms_norm(x); q,k,v = h·Wqᵀ(+b), ...; q,k = rope(q,k)
//                    x += o_proj(cached_attention(q, k, v, past_k[l], past_v[l]))
//                    h = rms_norm(x); x += down(silu(gate(h)) * up(h))
//   logits = rms_norm(x) · lm_headᵀ (or the tied embedding)
//
//===----------------------------------------------------------------------===//
#include "qcc/Import/LLM.h"

#include "qcc/Dialect/Qcc/IR/QccOps.h"
#include "qcc/Import/ModelConfig.h"
#include "qcc/Import/WeightProvider.h"
#include "qcc/Import/WeightSource.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"

#include <algorithm>
#include <map>

using namespace mlir;

namespace qcc {

namespace {

constexpr int64_t kDyn = ShapedType::kDynamic;

/// Tensor names of one checkpoint format.
struct LlamaNames {
  bool gguf;
  std::string embed() const { return gguf ? "token_embd.weight" : "model.embed_tokens.weight"; }
  std::string finalNorm() const { return gguf ? "output_norm.weight" : "model.norm.weight"; }
  std::string lmHead() const { return gguf ? "output.weight" : "lm_head.weight"; }
  /// Per-layer tensor: kind is one of attn_norm, q, k, v, o, ffn_norm, gate, up, down.
  std::string layer(int64_t l, const std::string &kind, const char *suffix = "weight") const {
    std::string n = std::to_string(l);
    if (gguf) {
      static const std::map<std::string, std::string> g = {
          {"attn_norm", "attn_norm"}, {"q", "attn_q"}, {"k", "attn_k"}, {"v", "attn_v"},
          {"o", "attn_output"}, {"ffn_norm", "ffn_norm"}, {"gate", "ffn_gate"},
          {"up", "ffn_up"}, {"down", "ffn_down"}};
      return "blk." + n + "." + g.at(kind) + "." + suffix;
    }
    static const std::map<std::string, std::string> h = {
        {"attn_norm", "input_layernorm"}, {"q", "self_attn.q_proj"}, {"k", "self_attn.k_proj"},
        {"v", "self_attn.v_proj"}, {"o", "self_attn.o_proj"},
        {"ffn_norm", "post_attention_layernorm"}, {"gate", "mlp.gate_proj"},
        {"up", "mlp.up_proj"}, {"down", "mlp.down_proj"}};
    return "model.layers." + n + "." + h.at(kind) + "." + suffix;
  }
};

/// Builds the graph; members hold what every helper needs.
class LlamaGraph {
public:
  LlamaGraph(ModuleOp module, const ModelConfig &c, const WeightSource &w, WeightProvider &p,
             const CheckpointInfo &info)
      : module_(module), c_(c), w_(w), p_(p), info_(info), names_{info.format == "gguf"},
        b_(module.getContext()), loc_(UnknownLoc::get(module.getContext())) {
    headDim_ = c.hiddenSize / c.numHeads;
  }

  /// Checks every tensor the config implies (and optional biases).
  bool checkTensors(std::string &error);
  /// Emits @main.
  bool build(std::string &error);

private:
  RankedTensorType f32(ArrayRef<int64_t> shape) {
    return RankedTensorType::get(shape, b_.getF32Type());
  }
  Value weight(const std::string &name, std::string &error);
  /// x [T, in] · W[out, in]ᵀ (+ bias) → [T, out].
  Value linear(Value x, const std::string &w, const std::string &bias, int64_t out,
               std::string &error);
  /// [T, n*D] → [B, S, n, D].
  Value toHeads(Value x, int64_t n);
  /// [T, ...] → [B, S, inner...].
  Value splitTokens(Value x, ArrayRef<int64_t> inner);

  ModuleOp module_;
  const ModelConfig &c_;
  const WeightSource &w_;
  WeightProvider &p_;
  const CheckpointInfo &info_;
  LlamaNames names_;
  OpBuilder b_;
  Location loc_;
  int64_t headDim_ = 0;
  Value batch_, seq_; ///< index values of B and S
  std::vector<std::string> biases_; ///< q/k/v biases present (Qwen2)
};

bool LlamaGraph::checkTensors(std::string &error) {
  const int64_t hd = c_.hiddenSize, kvDim = c_.numKVHeads * headDim_;
  if (c_.hiddenSize % c_.numHeads != 0 || c_.numHeads % c_.numKVHeads != 0) {
    error = info_.path + ": heads (" + std::to_string(c_.numHeads) + ") must divide hidden size (" +
            std::to_string(hd) + ") and be a multiple of kv heads (" +
            std::to_string(c_.numKVHeads) + ")";
    return false;
  }
  if (headDim_ % 2 != 0) {
    error = info_.path + ": head dimension " + std::to_string(headDim_) + " is odd (rope needs pairs)";
    return false;
  }
  std::vector<std::pair<std::string, std::vector<int64_t>>> want = {
      {names_.embed(), {c_.vocabSize, hd}}, {names_.finalNorm(), {hd}}};
  bool tied = c_.tieWordEmbeddings && !w_.find(names_.lmHead());
  if (!tied)
    want.push_back({names_.lmHead(), {c_.vocabSize, hd}});
  for (int64_t l = 0; l < c_.numLayers; ++l) {
    want.push_back({names_.layer(l, "attn_norm"), {hd}});
    want.push_back({names_.layer(l, "q"), {hd, hd}});
    want.push_back({names_.layer(l, "k"), {kvDim, hd}});
    want.push_back({names_.layer(l, "v"), {kvDim, hd}});
    want.push_back({names_.layer(l, "o"), {hd, hd}});
    want.push_back({names_.layer(l, "ffn_norm"), {hd}});
    want.push_back({names_.layer(l, "gate"), {c_.intermediateSize, hd}});
    want.push_back({names_.layer(l, "up"), {c_.intermediateSize, hd}});
    want.push_back({names_.layer(l, "down"), {hd, c_.intermediateSize}});
    for (const char *k : {"q", "k", "v"}) {
      std::string bias = names_.layer(l, k, "bias");
      if (w_.find(bias)) {
        want.push_back({bias, {k[0] == 'q' ? hd : kvDim}});
        biases_.push_back(bias);
      }
    }
  }
  for (auto &[name, shape] : want) {
    if (!checkWeightShape(w_, name, shape, error))
      return false;
    const WeightInfo *wi = w_.find(name);
    if (wi->dtype == WeightDType::Other) {
      error = wi->file + ": tensor '" + name + "' has an element type qcc cannot read as f32";
      return false;
    }
  }
  return true;
}

Value LlamaGraph::weight(const std::string &name, std::string &error) {
  FailureOr<Value> v = p_.get(b_, loc_, name);
  if (failed(v)) {
    error = w_.path() + ": cannot materialize tensor '" + name + "'";
    return Value();
  }
  return *v;
}

Value LlamaGraph::linear(Value x, const std::string &w, const std::string &bias, int64_t out,
                         std::string &error) {
  Value wv = weight(w, error);
  if (!wv)
    return Value();
  Value bv;
  if (!bias.empty() && std::find(biases_.begin(), biases_.end(), bias) != biases_.end())
    if (!(bv = weight(bias, error)))
      return Value();
  return GemmOp::create(b_, loc_, f32({kDyn, out}), x, wv, bv, b_.getF32FloatAttr(1.0f),
                        b_.getF32FloatAttr(1.0f), b_.getBoolAttr(false), b_.getBoolAttr(true));
}

Value LlamaGraph::splitTokens(Value x, ArrayRef<int64_t> inner) {
  // tensor.reshape rather than expand_shape: splitting T into two dynamic
  // dims in one reassociation group crashes upstream expand-strided-metadata.
  SmallVector<int64_t> shape{kDyn, kDyn};
  SmallVector<Value> dims{arith::IndexCastOp::create(b_, loc_, b_.getI64Type(), batch_),
                          arith::IndexCastOp::create(b_, loc_, b_.getI64Type(), seq_)};
  for (int64_t d : inner) {
    shape.push_back(d);
    dims.push_back(arith::ConstantIntOp::create(b_, loc_, d, 64));
  }
  Value shapeT = tensor::FromElementsOp::create(
      b_, loc_, RankedTensorType::get({int64_t(dims.size())}, b_.getI64Type()), dims);
  return tensor::ReshapeOp::create(b_, loc_, f32(shape), x, shapeT);
}

Value LlamaGraph::toHeads(Value x, int64_t n) { return splitTokens(x, {n, headDim_}); }

bool LlamaGraph::build(std::string &error) {
  MLIRContext *ctx = module_.getContext();
  const int64_t L = c_.numLayers, hkv = c_.numKVHeads, D = headDim_, hd = c_.hiddenSize;
  Type i64 = b_.getI64Type();
  auto idsType = RankedTensorType::get({kDyn, kDyn}, i64);
  auto cacheType = f32({kDyn, L, kDyn, hkv, D});
  auto fnType = b_.getFunctionType({idsType, idsType, cacheType, cacheType},
                                   {f32({kDyn, kDyn, c_.vocabSize}), cacheType, cacheType});
  b_.setInsertionPointToEnd(module_.getBody());
  auto fn = func::FuncOp::create(b_, loc_, "main", fnType);
  Block *entry = fn.addEntryBlock();
  b_.setInsertionPointToStart(entry);
  Value ids = entry->getArgument(0), pos = entry->getArgument(1);
  Value pastK = entry->getArgument(2), pastV = entry->getArgument(3);
  batch_ = tensor::DimOp::create(b_, loc_, ids, 0);
  seq_ = tensor::DimOp::create(b_, loc_, ids, 1);
  Value past = tensor::DimOp::create(b_, loc_, pastK, 0);
  auto eps = b_.getF32FloatAttr(float(c_.normEps));
  auto theta = b_.getF32FloatAttr(float(c_.ropeTheta));
  bool interleaved = names_.gguf; // llama.cpp permuted Q/K rows: adjacent-pair rope

  // Embedding: ids [B, S] → [T] → [T, hidden].
  Value flatIds = tensor::CollapseShapeOp::create(b_, loc_, RankedTensorType::get({kDyn}, i64),
                                                  ids, SmallVector<ReassociationIndices>{{0, 1}});
  Value embed = weight(names_.embed(), error);
  if (!embed)
    return false;
  Value x = GatherOp::create(b_, loc_, f32({kDyn, hd}), embed, flatIds, b_.getI64IntegerAttr(0));

  SmallVector<Value> presentK, presentV;
  auto layerCache = [&](Value cache, int64_t l) -> Value {
    // [P, L, B, Hkv, D] → slot l as [P, B, Hkv, D].
    SmallVector<OpFoldResult> offsets{b_.getIndexAttr(0), b_.getIndexAttr(l), b_.getIndexAttr(0),
                                      b_.getIndexAttr(0), b_.getIndexAttr(0)};
    SmallVector<OpFoldResult> sizes{past, b_.getIndexAttr(1), batch_, b_.getIndexAttr(hkv),
                                    b_.getIndexAttr(D)};
    SmallVector<OpFoldResult> strides(5, b_.getIndexAttr(1));
    return tensor::ExtractSliceOp::create(b_, loc_, f32({kDyn, kDyn, hkv, D}), cache, offsets,
                                          sizes, strides);
  };
  auto toCacheSlot = [&](Value t) -> Value {
    // [B, S, Hkv, D] → [S, B, Hkv, D] → [S, 1, B, Hkv, D].
    Value tr = TransposeOp::create(b_, loc_, f32({kDyn, kDyn, hkv, D}), t,
                                   b_.getDenseI64ArrayAttr({1, 0, 2, 3}));
    return tensor::ExpandShapeOp::create(
        b_, loc_, f32({kDyn, 1, kDyn, hkv, D}), tr,
        SmallVector<ReassociationIndices>{{0, 1}, {2}, {3}, {4}},
        SmallVector<OpFoldResult>{seq_, b_.getIndexAttr(1), batch_, b_.getIndexAttr(hkv),
                                  b_.getIndexAttr(D)});
  };

  for (int64_t l = 0; l < L; ++l) {
    loc_ = NameLoc::get(StringAttr::get(ctx, "layer" + std::to_string(l)));
    Value norm1 = weight(names_.layer(l, "attn_norm"), error);
    if (!norm1)
      return false;
    Value h = RmsNormOp::create(b_, loc_, f32({kDyn, hd}), x, norm1, b_.getI64IntegerAttr(-1),
                                eps);
    Value q = linear(h, names_.layer(l, "q"), names_.layer(l, "q", "bias"), hd, error);
    Value k = q ? linear(h, names_.layer(l, "k"), names_.layer(l, "k", "bias"), hkv * D, error)
                : Value();
    Value v = k ? linear(h, names_.layer(l, "v"), names_.layer(l, "v", "bias"), hkv * D, error)
                : Value();
    if (!v)
      return false;
    Value q4 = toHeads(q, c_.numHeads), k4 = toHeads(k, hkv), v4 = toHeads(v, hkv);
    q4 = RotaryEmbeddingOp::create(b_, loc_, q4.getType(), q4, pos, theta,
                                   b_.getBoolAttr(interleaved));
    k4 = RotaryEmbeddingOp::create(b_, loc_, k4.getType(), k4, pos, theta,
                                   b_.getBoolAttr(interleaved));
    Value attn = CachedAttentionOp::create(b_, loc_, q4.getType(), q4, k4, v4,
                                           layerCache(pastK, l), layerCache(pastV, l), pos,
                                           FloatAttr());
    presentK.push_back(toCacheSlot(k4));
    presentV.push_back(toCacheSlot(v4));
    Value attn2 = tensor::CollapseShapeOp::create(b_, loc_, f32({kDyn, hd}), attn,
                                                  SmallVector<ReassociationIndices>{{0, 1}, {2, 3}});
    Value o = linear(attn2, names_.layer(l, "o"), "", hd, error);
    if (!o)
      return false;
    x = AddOp::create(b_, loc_, f32({kDyn, hd}), x, o);

    Value norm2 = weight(names_.layer(l, "ffn_norm"), error);
    if (!norm2)
      return false;
    h = RmsNormOp::create(b_, loc_, f32({kDyn, hd}), x, norm2, b_.getI64IntegerAttr(-1), eps);
    int64_t ff = c_.intermediateSize;
    Value gate = linear(h, names_.layer(l, "gate"), "", ff, error);
    Value up = gate ? linear(h, names_.layer(l, "up"), "", ff, error) : Value();
    if (!up)
      return false;
    Value act = MulOp::create(b_, loc_, f32({kDyn, ff}),
                              SiluOp::create(b_, loc_, f32({kDyn, ff}), gate), up);
    Value down = linear(act, names_.layer(l, "down"), "", hd, error);
    if (!down)
      return false;
    x = AddOp::create(b_, loc_, f32({kDyn, hd}), x, down);
  }
  loc_ = NameLoc::get(StringAttr::get(ctx, "lm_head"));
  Value normF = weight(names_.finalNorm(), error);
  if (!normF)
    return false;
  x = RmsNormOp::create(b_, loc_, f32({kDyn, hd}), x, normF, b_.getI64IntegerAttr(-1), eps);
  bool tied = c_.tieWordEmbeddings && !w_.find(names_.lmHead());
  Value logits = linear(x, tied ? names_.embed() : names_.lmHead(), "", c_.vocabSize, error);
  if (!logits)
    return false;
  logits = splitTokens(logits, {c_.vocabSize});
  Value presK = ConcatOp::create(b_, loc_, cacheType, presentK, b_.getI64IntegerAttr(1));
  Value presV = ConcatOp::create(b_, loc_, cacheType, presentV, b_.getI64IntegerAttr(1));
  func::ReturnOp::create(b_, loc_, ValueRange{logits, presK, presV});

  // Contract 1 names and symbolic dims; Contract 5 attributes.
  auto strs = [&](std::initializer_list<const char *> xs) {
    SmallVector<Attribute> a;
    for (const char *s : xs)
      a.push_back(b_.getStringAttr(s));
    return b_.getArrayAttr(a);
  };
  fn->setAttr("qcc.input_names", strs({"input_ids", "positions", "past_key", "past_value"}));
  fn->setAttr("qcc.output_names", strs({"logits", "present_key", "present_value"}));
  ArrayAttr tok = strs({"batch", "seq"});
  ArrayAttr cacheIn = strs({"past", "", "batch", "", ""});
  ArrayAttr cacheOut = strs({"seq", "", "batch", "", ""});
  fn->setAttr("qcc.input_dims", b_.getArrayAttr({tok, tok, cacheIn, cacheIn}));
  fn->setAttr("qcc.output_dims",
              b_.getArrayAttr({strs({"batch", "seq", ""}), cacheOut, cacheOut}));
  SmallVector<NamedAttribute> attrs;
  auto put = [&](const char *k, const std::string &v) {
    attrs.push_back(b_.getNamedAttr(k, b_.getStringAttr(v)));
  };
  put("qcc.kind", "causal-lm");
  put("qcc.arch", c_.architecture);
  put("qcc.num_layers", std::to_string(L));
  put("qcc.num_heads", std::to_string(c_.numHeads));
  put("qcc.num_kv_heads", std::to_string(hkv));
  put("qcc.head_dim", std::to_string(D));
  put("qcc.hidden_size", std::to_string(hd));
  put("qcc.vocab_size", std::to_string(c_.vocabSize));
  put("qcc.context_length", std::to_string(info_.contextLength));
  put("qcc.bos_id", std::to_string(info_.bosId));
  put("qcc.eos_id", std::to_string(info_.eosId));
  put("qcc.tokenizer", info_.tokenizerPath);
  fn->setAttr("qcc.model_attrs", b_.getDictionaryAttr(attrs));
  return true;
}

} // namespace

bool buildLlama(ModuleOp module, const ModelConfig &config, const WeightSource &weights,
                WeightProvider &provider, const CheckpointInfo &info, std::string &error) {
  LlamaGraph g(module, config, weights, provider, info);
  return g.checkTensors(error) && g.build(error);
}

} // namespace qcc
