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
// The decoder layer is emitted ONCE, as a private `func.func @llama_layer`
// whose weights are arguments, and @main calls it once per layer with that
// layer's weights: IR, lowering and code generation do not grow with the
// number of layers (layers whose tensors differ in dtype, quantization or
// bias presence get their own function, one per distinct kind).
//
//===----------------------------------------------------------------------===//
#include "qcc/Import/LLM.h"

#include "qcc/Dialect/Qcc/IR/QccOps.h"
#include "qcc/Import/GGUFUniform.h"
#include "qcc/Import/ModelConfig.h"
#include "qcc/Import/WeightProvider.h"
#include "qcc/Import/WeightSource.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"

#include "qcc/Runtime/QKernels.h"

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

/// The per-layer tensor kinds (LlamaNames::layer) and their two suffixes.
constexpr const char *kLayerKinds[] = {"attn_norm", "q", "k", "v", "o",
                                       "ffn_norm", "gate", "up", "down"};
constexpr const char *kLayerSuffixes[] = {"weight", "bias"};

/// Hands weight requests to the checkpoint's provider, or, while the body of a
/// shared layer function is built, turns each request into a new argument of
/// that function and materializes the real tensor in @main (at `callSite`),
/// where it becomes an operand of the call.
class LayerWeightRouter : public WeightProvider {
public:
  explicit LayerWeightRouter(WeightProvider &real) : real_(real) {}

  FailureOr<Value> get(OpBuilder &b, Location loc, const std::string &name) override {
    if (!body_)
      return real_.get(b, loc, name);
    OpBuilder callSite(b.getContext());
    callSite.restoreInsertionPoint(callSite_);
    FailureOr<Value> v = real_.get(callSite, loc, name);
    if (failed(v))
      return failure();
    names.push_back(name);
    operands.push_back(*v);
    return body_->addArgument(v->getType(), loc);
  }
  /// From now on weights become arguments of `body`; their values are
  /// created with `callSite`.
  void record(Block *body, OpBuilder::InsertPoint callSite) {
    body_ = body;
    callSite_ = callSite;
    names.clear();
    operands.clear();
  }
  /// Back to plain forwarding.
  void stop() { body_ = nullptr; }

  std::vector<std::string> names; ///< tensors requested while recording, in order
  SmallVector<Value> operands;    ///< their values in @main

private:
  WeightProvider &real_;
  Block *body_ = nullptr;
  OpBuilder::InsertPoint callSite_;
};

/// One shared decoder-layer function and how to call it for another layer.
struct LayerFunction {
  func::FuncOp fn;
  /// Per weight argument: {kind, suffix} index into kLayerKinds/kLayerSuffixes,
  /// or {-1, -1} for a tensor shared by every layer (then `fixed` names it).
  std::vector<std::pair<int, int>> args;
  std::vector<std::string> fixed;
};

/// Builds the graph; members hold what every helper needs.
class LlamaGraph {
public:
  LlamaGraph(ModuleOp module, const ModelConfig &c, const WeightSource &w, WeightProvider &p,
             const CheckpointInfo &info)
      : module_(module), c_(c), w_(w), router_(p), p_(router_), info_(info),
        names_{info.format == "gguf"},
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
  /// x [T, in] · W[out, in]ᵀ (+ bias) → [T, out]: a qcc.gemm, or with
  /// --gguf-weights=native and a block-quantized W a qcc.qlinear; either op
  /// carries qcc.layer = w (Contract 6).
  Value linear(Value x, const std::string &w, const std::string &bias, int64_t out,
               std::string &error);
  /// The qcc.qlinear of x with W kept in its GGUF quantization (a gguf-packed
  /// external weight), or null when W is not a block-quantized 2-D tensor
  /// whose uniform scheme the kernels support (it then stays f32).
  Value nativeLinear(Value x, const std::string &w, Value bias, int64_t out);
  /// [T, n*D] → [B, S, n, D].
  Value toHeads(Value x, int64_t n);
  /// [T, ...] → [B, S, inner...].
  Value splitTokens(Value x, ArrayRef<int64_t> inner);
  /// Emits decoder layer `l` at b_: returns the new hidden state and sets
  /// kSlot/vSlot to its K/V as cache slots [S, 1, B, Hkv, D]. `slot` is the
  /// layer's index into the cache (an attribute, or a value inside a shared
  /// layer function).
  Value emitLayer(Value x, Value pos, Value pastK, Value pastV, OpFoldResult slot, int64_t l,
                  Value &kSlot, Value &vSlot, std::string &error);
  /// Emits `call @llama_layer...(x, pos, past_k, past_v, l, weights of l...)`
  /// at b_ in @main, building the shared function first when no function for
  /// layers like `l` exists yet.
  Value callLayer(Value x, Value pos, Value pastK, Value pastV, int64_t l, Value &kSlot,
                  Value &vSlot, std::string &error);
  /// What makes layers share a function: per tensor kind, presence, dtype
  /// and shape.
  std::string layerSignature(int64_t l) const;

  ModuleOp module_;
  const ModelConfig &c_;
  const WeightSource &w_;
  LayerWeightRouter router_; ///< wraps the provider; p_ refers to it
  WeightProvider &p_;
  const CheckpointInfo &info_;
  LlamaNames names_;
  OpBuilder b_;
  Location loc_;
  int64_t headDim_ = 0;
  Value batch_, seq_; ///< index values of B and S
  std::vector<std::string> biases_; ///< q/k/v biases present (Qwen2)
  std::map<std::string, LayerFunction> layerFns_; ///< by layerSignature
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
  Value bv;
  if (!bias.empty() && std::find(biases_.begin(), biases_.end(), bias) != biases_.end())
    if (!(bv = weight(bias, error)))
      return Value();
  Value y = info_.nativeQuant ? nativeLinear(x, w, bv, out) : Value();
  if (!y) {
    Value wv = weight(w, error);
    if (!wv)
      return Value();
    y = GemmOp::create(b_, loc_, f32({kDyn, out}), x, wv, bv, b_.getF32FloatAttr(1.0f),
                       b_.getF32FloatAttr(1.0f), b_.getBoolAttr(false), b_.getBoolAttr(true));
  }
  y.getDefiningOp()->setAttr("qcc.layer", b_.getStringAttr(w));
  return y;
}

Value LlamaGraph::nativeLinear(Value x, const std::string &w, Value bias, int64_t out) {
  const WeightInfo *wi = w_.find(w);
  int bits;
  int64_t group;
  bool exact;
  if (!wi || wi->dtype != WeightDType::GGUFQuant || wi->shape.size() != 2 ||
      !gguf::uniformScheme(gguf::TensorType(wi->ggmlType), bits, group, exact))
    return Value();
  int64_t n = wi->shape[0], k = wi->shape[1];
  uint64_t size = qcc_rt_qpacked_size(QCC_QF_UNIFORM, bits, n, k, group);
  if (size == 0)
    return Value();
  std::string sym = "wq.";
  for (char ch : w)
    sym += (llvm::isAlnum(ch) || ch == '_' || ch == '.') ? ch : '_';
  llvm::SmallString<256> file(wi->file);
  (void)llvm::sys::fs::make_absolute(file);
  auto type = RankedTensorType::get({int64_t(size)}, b_.getI8Type());
  Value blob = ExternalWeightOp::create(b_, loc_, type, sym, file.str(), "gguf-packed", w,
                                        /*offset=*/IntegerAttr(), b_.getI64IntegerAttr(bits),
                                        b_.getI64IntegerAttr(group));
  return QLinearOp::create(b_, loc_, f32({kDyn, out}), x, blob, bias, "uniform", bits, group,
                           out);
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

Value LlamaGraph::emitLayer(Value x, Value pos, Value pastK, Value pastV, OpFoldResult slot,
                            int64_t l, Value &kSlot, Value &vSlot, std::string &error) {
  const int64_t hkv = c_.numKVHeads, D = headDim_, hd = c_.hiddenSize;
  auto eps = b_.getF32FloatAttr(float(c_.normEps));
  auto theta = b_.getF32FloatAttr(float(c_.ropeTheta));
  bool interleaved = names_.gguf; // llama.cpp permuted Q/K rows: adjacent-pair rope
  Value past = tensor::DimOp::create(b_, loc_, pastK, 0);
  auto layerCache = [&](Value cache) -> Value {
    // [P, L, B, Hkv, D] → slot `slot` as [P, B, Hkv, D].
    SmallVector<OpFoldResult> offsets{b_.getIndexAttr(0), slot, b_.getIndexAttr(0),
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

  Value norm1 = weight(names_.layer(l, "attn_norm"), error);
  if (!norm1)
    return Value();
  Value h = RmsNormOp::create(b_, loc_, f32({kDyn, hd}), x, norm1, b_.getI64IntegerAttr(-1), eps);
  Value q = linear(h, names_.layer(l, "q"), names_.layer(l, "q", "bias"), hd, error);
  Value k = q ? linear(h, names_.layer(l, "k"), names_.layer(l, "k", "bias"), hkv * D, error)
              : Value();
  Value v = k ? linear(h, names_.layer(l, "v"), names_.layer(l, "v", "bias"), hkv * D, error)
              : Value();
  if (!v)
    return Value();
  Value q4 = toHeads(q, c_.numHeads), k4 = toHeads(k, hkv), v4 = toHeads(v, hkv);
  q4 = RotaryEmbeddingOp::create(b_, loc_, q4.getType(), q4, pos, theta,
                                 b_.getBoolAttr(interleaved));
  k4 = RotaryEmbeddingOp::create(b_, loc_, k4.getType(), k4, pos, theta,
                                 b_.getBoolAttr(interleaved));
  Value attn = CachedAttentionOp::create(b_, loc_, q4.getType(), q4, k4, v4, layerCache(pastK),
                                         layerCache(pastV), pos, FloatAttr());
  kSlot = toCacheSlot(k4);
  vSlot = toCacheSlot(v4);
  Value attn2 = tensor::CollapseShapeOp::create(b_, loc_, f32({kDyn, hd}), attn,
                                                SmallVector<ReassociationIndices>{{0, 1}, {2, 3}});
  Value o = linear(attn2, names_.layer(l, "o"), "", hd, error);
  if (!o)
    return Value();
  x = AddOp::create(b_, loc_, f32({kDyn, hd}), x, o);

  Value norm2 = weight(names_.layer(l, "ffn_norm"), error);
  if (!norm2)
    return Value();
  h = RmsNormOp::create(b_, loc_, f32({kDyn, hd}), x, norm2, b_.getI64IntegerAttr(-1), eps);
  int64_t ff = c_.intermediateSize;
  Value gate = linear(h, names_.layer(l, "gate"), "", ff, error);
  Value up = gate ? linear(h, names_.layer(l, "up"), "", ff, error) : Value();
  if (!up)
    return Value();
  Value act = MulOp::create(b_, loc_, f32({kDyn, ff}),
                            SiluOp::create(b_, loc_, f32({kDyn, ff}), gate), up);
  Value down = linear(act, names_.layer(l, "down"), "", hd, error);
  if (!down)
    return Value();
  return AddOp::create(b_, loc_, f32({kDyn, hd}), x, down);
}

std::string LlamaGraph::layerSignature(int64_t l) const {
  std::string sig;
  for (const char *kind : kLayerKinds)
    for (const char *suffix : kLayerSuffixes) {
      const WeightInfo *wi = w_.find(names_.layer(l, kind, suffix));
      if (!wi) {
        sig += "-;";
        continue;
      }
      sig += std::to_string(int(wi->dtype)) + "/" + std::to_string(wi->ggmlType) + "/" +
             formatShape(wi->shape) + ";";
    }
  return sig;
}

Value LlamaGraph::callLayer(Value x, Value pos, Value pastK, Value pastV, int64_t l, Value &kSlot,
                            Value &vSlot, std::string &error) {
  MLIRContext *ctx = module_.getContext();
  Type idx = b_.getIndexType();
  Value slot = arith::ConstantIndexOp::create(b_, loc_, l);
  SmallVector<Value> operands{x, pos, pastK, pastV, slot};
  auto [it, fresh] = layerFns_.try_emplace(layerSignature(l));
  LayerFunction &lf = it->second;
  if (fresh) {
    // Build the body from layer l; its weight requests become arguments
    // (LayerWeightRouter) whose values for layer l are created here in @main.
    auto slotType = f32({kDyn, 1, kDyn, c_.numKVHeads, headDim_});
    SmallVector<Type> inputs{x.getType(), pos.getType(), pastK.getType(), pastV.getType(), idx};
    SmallVector<Type> results{x.getType(), slotType, slotType};
    std::string name = "llama_layer" + (layerFns_.size() > 1
                                            ? "_" + std::to_string(layerFns_.size() - 1)
                                            : std::string());
    OpBuilder::InsertPoint mainIp = b_.saveInsertionPoint();
    Value mainBatch = batch_, mainSeq = seq_;
    Location mainLoc = loc_;
    b_.setInsertionPointToEnd(module_.getBody());
    lf.fn = func::FuncOp::create(b_, mainLoc, name, b_.getFunctionType(inputs, results));
    lf.fn.setPrivate();
    Block *body = lf.fn.addEntryBlock();
    b_.setInsertionPointToStart(body);
    loc_ = NameLoc::get(StringAttr::get(ctx, name));
    batch_ = tensor::DimOp::create(b_, loc_, body->getArgument(1), 0);
    seq_ = tensor::DimOp::create(b_, loc_, body->getArgument(1), 1);
    router_.record(body, mainIp);
    Value kOut, vOut;
    Value y = emitLayer(body->getArgument(0), body->getArgument(1), body->getArgument(2),
                        body->getArgument(3), body->getArgument(4), l, kOut, vOut, error);
    router_.stop();
    if (y)
      func::ReturnOp::create(b_, loc_, ValueRange{y, kOut, vOut});
    lf.fn.setType(b_.getFunctionType(body->getArgumentTypes(), results));
    // Back to @main, after the weights the recording created there.
    b_.restoreInsertionPoint(mainIp);
    batch_ = mainBatch;
    seq_ = mainSeq;
    loc_ = mainLoc;
    if (!y)
      return Value();
    // How to name each argument's tensor for another layer.
    std::map<std::string, std::pair<int, int>> kinds;
    for (int k = 0; k < int(std::size(kLayerKinds)); ++k)
      for (int s = 0; s < int(std::size(kLayerSuffixes)); ++s)
        kinds[names_.layer(l, kLayerKinds[k], kLayerSuffixes[s])] = {k, s};
    for (const std::string &n : router_.names) {
      auto kind = kinds.find(n);
      lf.args.push_back(kind == kinds.end() ? std::make_pair(-1, -1) : kind->second);
      lf.fixed.push_back(kind == kinds.end() ? n : std::string());
    }
    operands.append(router_.operands.begin(), router_.operands.end());
  } else {
    for (size_t i = 0; i < lf.args.size(); ++i) {
      auto [k, s] = lf.args[i];
      std::string n = k < 0 ? lf.fixed[i] : names_.layer(l, kLayerKinds[k], kLayerSuffixes[s]);
      Value w = weight(n, error);
      if (!w)
        return Value();
      operands.push_back(w);
    }
  }
  auto call = func::CallOp::create(b_, loc_, lf.fn, operands);
  kSlot = call.getResult(1);
  vSlot = call.getResult(2);
  return call.getResult(0);
}

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
  auto eps = b_.getF32FloatAttr(float(c_.normEps));

  // Embedding: ids [B, S] → [T] → [T, hidden].
  Value flatIds = tensor::CollapseShapeOp::create(b_, loc_, RankedTensorType::get({kDyn}, i64),
                                                  ids, SmallVector<ReassociationIndices>{{0, 1}});
  Value embed = weight(names_.embed(), error);
  if (!embed)
    return false;
  Value x = GatherOp::create(b_, loc_, f32({kDyn, hd}), embed, flatIds, b_.getI64IntegerAttr(0));

  SmallVector<Value> presentK, presentV;
  for (int64_t l = 0; l < L; ++l) {
    loc_ = NameLoc::get(StringAttr::get(ctx, "layer" + std::to_string(l)));
    Value kSlot, vSlot;
    x = info_.shareLayers ? callLayer(x, pos, pastK, pastV, l, kSlot, vSlot, error)
                          : emitLayer(x, pos, pastK, pastV, b_.getIndexAttr(l), l, kSlot, vSlot,
                                      error);
    if (!x)
      return false;
    presentK.push_back(kSlot);
    presentV.push_back(vSlot);
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
