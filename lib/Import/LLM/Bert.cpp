//===- Bert.cpp - BERT encoder (e.g. all-MiniLM-L6-v2) as a qcc-dialect @main ===//
//
// Builds the encoder of transformers' BertModel plus sentence-transformers
// mean pooling from a ModelConfig and a WeightProvider:
//
//   x    = LN(word[ids] + pos[0..S) + type[token_type_ids])          [T, H], T = B*S
//   per layer:  q,k,v = x Wq^T + bq, ...   (split into heads [B, nH, S, D])
//               p     = softmax(q k^T / sqrt(D) + (1 - mask) * lowest)
//               x     = LN(merge(p v) Wo^T + bo + x)
//               x     = LN(gelu(x Wi^T + bi) Wo2^T + bo2 + x)
//   last_hidden_state  = x as [B, S, H]
//   sentence_embedding = sum_s(x * mask) / max(sum_s mask, 1e-9), then x / max(|x|, 1e-12)
//
// The hidden state is kept 2-D ([B*S, H]) so that every linear layer is one
// qcc.gemm with trans_b on the checkpoint's [out, in] weight (no transposed
// copy); reshapes to and from [B, S, ...] take their runtime S from input_ids.
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

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <fstream>
#include <limits>
#include <sstream>

using namespace mlir;

namespace qcc {
namespace {

constexpr int64_t kDyn = ShapedType::kDynamic;

/// What the sentence-transformers configuration beside config.json asks for.
struct PoolingConfig {
  bool normalize = false; ///< a Normalize module follows the pooling
};

/// Parses \p file as JSON; false with a one-line \p error when it cannot.
bool readJSON(const std::string &file, nlohmann::json &out, std::string &error) {
  std::ifstream in(file);
  if (!in) {
    error = file + ": cannot open";
    return false;
  }
  std::stringstream ss;
  ss << in.rdbuf();
  out = nlohmann::json::parse(ss.str(), nullptr, false);
  if (out.is_discarded()) {
    error = file + ": not valid JSON";
    return false;
  }
  return true;
}

/// Reads modules.json (and the Pooling module's config.json) in \p dir. Without
/// modules.json the encoder is a plain BertModel: mean pooling, no normalization.
bool loadPooling(const std::string &dir, PoolingConfig &pooling, std::string &error) {
  llvm::SmallString<256> modulesPath(dir);
  llvm::sys::path::append(modulesPath, "modules.json");
  if (!llvm::sys::fs::exists(modulesPath))
    return true;
  nlohmann::json modules;
  if (!readJSON(modulesPath.str().str(), modules, error))
    return false;
  if (!modules.is_array()) {
    error = modulesPath.str().str() + ": not a JSON array of modules";
    return false;
  }
  for (const nlohmann::json &m : modules) {
    if (!m.is_object() || !m.contains("type") || !m["type"].is_string()) {
      error = modulesPath.str().str() + ": a module without a string 'type'";
      return false;
    }
    std::string type = m["type"].get<std::string>();
    if (llvm::StringRef(type).ends_with(".Normalize")) {
      pooling.normalize = true;
      continue;
    }
    if (!llvm::StringRef(type).ends_with(".Pooling"))
      continue;
    llvm::SmallString<256> poolPath(dir);
    if (m.contains("path") && m["path"].is_string())
      llvm::sys::path::append(poolPath, m["path"].get<std::string>());
    llvm::sys::path::append(poolPath, "config.json");
    nlohmann::json pool;
    if (!readJSON(poolPath.str().str(), pool, error))
      return false;
    // Only mean pooling is built; any other mode that is switched on is refused.
    for (const char *mode : {"pooling_mode_cls_token", "pooling_mode_max_tokens",
                             "pooling_mode_mean_sqrt_len_tokens",
                             "pooling_mode_weightedmean_tokens", "pooling_mode_lasttoken"})
      if (pool.contains(mode) && pool[mode].is_boolean() && pool[mode].get<bool>()) {
        error = poolPath.str().str() + ": '" + mode +
                "' is not supported (qcc builds mean pooling only)";
        return false;
      }
    if (pool.contains("pooling_mode_mean_tokens") && pool["pooling_mode_mean_tokens"].is_boolean() &&
        !pool["pooling_mode_mean_tokens"].get<bool>()) {
      error = poolPath.str().str() + ": 'pooling_mode_mean_tokens' is false and no other "
                                     "supported pooling mode is set";
      return false;
    }
  }
  return true;
}

/// The checkpoint's tensor names with or without the "bert." prefix that
/// BertForXxx checkpoints carry.
struct BertNames {
  std::string prefix;
  std::string operator()(const std::string &name) const { return prefix + name; }
  std::string layer(int64_t i, const std::string &name) const {
    return prefix + "encoder.layer." + std::to_string(i) + "." + name;
  }
};

/// Every tensor the encoder reads, with the shape the config implies.
std::vector<std::pair<std::string, std::vector<int64_t>>>
expectedTensors(const ModelConfig &c, const BertNames &n) {
  int64_t h = c.hiddenSize, f = c.intermediateSize;
  std::vector<std::pair<std::string, std::vector<int64_t>>> t = {
      {n("embeddings.word_embeddings.weight"), {c.vocabSize, h}},
      {n("embeddings.position_embeddings.weight"), {c.maxPositions, h}},
      {n("embeddings.token_type_embeddings.weight"), {c.typeVocabSize, h}},
      {n("embeddings.LayerNorm.weight"), {h}},
      {n("embeddings.LayerNorm.bias"), {h}}};
  for (int64_t i = 0; i < c.numLayers; ++i) {
    for (const char *proj : {"attention.self.query", "attention.self.key",
                             "attention.self.value", "attention.output.dense"}) {
      t.push_back({n.layer(i, std::string(proj) + ".weight"), {h, h}});
      t.push_back({n.layer(i, std::string(proj) + ".bias"), {h}});
    }
    t.push_back({n.layer(i, "intermediate.dense.weight"), {f, h}});
    t.push_back({n.layer(i, "intermediate.dense.bias"), {f}});
    t.push_back({n.layer(i, "output.dense.weight"), {h, f}});
    t.push_back({n.layer(i, "output.dense.bias"), {h}});
    for (const char *ln : {"attention.output.LayerNorm", "output.LayerNorm"}) {
      t.push_back({n.layer(i, std::string(ln) + ".weight"), {h}});
      t.push_back({n.layer(i, std::string(ln) + ".bias"), {h}});
    }
  }
  return t;
}

/// Emits the qcc ops of the encoder into one function body.
class BertBuilder {
public:
  BertBuilder(OpBuilder &b, Location loc, const ModelConfig &c, WeightProvider &w,
              const BertNames &names)
      : b(b), loc(loc), c(c), weights(w), n(names), f32(b.getF32Type()),
        i64(b.getI64Type()) {}

  /// Builds the body of @main from its three arguments; returns the two results.
  FailureOr<std::pair<Value, Value>> build(Value ids, Value mask, Value types, bool normalize);

private:
  RankedTensorType t(ArrayRef<int64_t> shape, Type elt = nullptr) {
    return RankedTensorType::get(shape, elt ? elt : f32);
  }
  /// A rank-0 f32 constant.
  Value scalar(double v) {
    auto type = t({});
    return arith::ConstantOp::create(b, loc, type,
                                     DenseElementsAttr::get(type, static_cast<float>(v)));
  }
  /// A 1-D i64 shape tensor; kDyn entries take the runtime value \p dynValue.
  Value shapeOf(ArrayRef<int64_t> dims, Value dynValue) {
    SmallVector<Value> elems;
    for (int64_t d : dims)
      elems.push_back(d == kDyn ? dynValue
                                : arith::ConstantOp::create(b, loc, b.getI64IntegerAttr(d)));
    return tensor::FromElementsOp::create(b, loc, t({int64_t(dims.size())}, i64), elems);
  }
  FailureOr<Value> weight(const std::string &name) { return weights.get(b, loc, name); }
  /// y = x W^T + bias for x [T, in] and a checkpoint weight [out, in]. The
  /// gemm carries qcc.layer = the weight's checkpoint name (e.g.
  /// "encoder.layer.0.attention.self.query.weight"), the name calibration
  /// statistics, --quantize-layers and plan files use.
  FailureOr<Value> linear(Value x, const std::string &prefix, int64_t out) {
    FailureOr<Value> w = weight(prefix + ".weight"), bias = weight(prefix + ".bias");
    if (failed(w) || failed(bias))
      return failure();
    auto gemm = qcc::GemmOp::create(b, loc, t({kDyn, out}), x, *w, *bias, llvm::APFloat(1.0f),
                                    llvm::APFloat(1.0f), false, true);
    gemm->setAttr("qcc.layer", b.getStringAttr(prefix + ".weight"));
    return gemm.getResult();
  }
  FailureOr<Value> layerNorm(Value x, const std::string &prefix) {
    FailureOr<Value> g = weight(prefix + ".weight"), beta = weight(prefix + ".bias");
    if (failed(g) || failed(beta))
      return failure();
    return qcc::LayerNormOp::create(b, loc, x.getType(), x, *g, *beta, /*axis=*/1,
                                    llvm::APFloat(static_cast<float>(c.normEps)))
        .getResult();
  }
  Value add(Value x, Value y, Type type) { return qcc::AddOp::create(b, loc, type, x, y); }
  FailureOr<Value> embeddings(Value ids, Value types);
  FailureOr<Value> attention(Value x, Value additiveMask, int64_t layer);
  FailureOr<Value> feedForward(Value x, int64_t layer);

  OpBuilder &b;
  Location loc;
  const ModelConfig &c;
  WeightProvider &weights;
  const BertNames &n;
  Type f32, i64;
  Value seqLen;         ///< S as an i64 scalar
  Value shapeBSH;       ///< [-1, S, H]
  Value shapeHeads;     ///< [-1, S, nH, D]
};

FailureOr<Value> BertBuilder::embeddings(Value ids, Value types) {
  int64_t h = c.hiddenSize;
  FailureOr<Value> word = weight(n("embeddings.word_embeddings.weight"));
  FailureOr<Value> pos = weight(n("embeddings.position_embeddings.weight"));
  FailureOr<Value> type = weight(n("embeddings.token_type_embeddings.weight"));
  if (failed(word) || failed(pos) || failed(type))
    return failure();
  Value flatShape = shapeOf({-1}, nullptr);
  Value flatIds = qcc::ReshapeOp::create(b, loc, t({kDyn}, i64), ids, flatShape);
  Value flatTypes = qcc::ReshapeOp::create(b, loc, t({kDyn}, i64), types, flatShape);
  Value sum = add(qcc::GatherOp::create(b, loc, t({kDyn, h}), *word, flatIds, 0),
                  qcc::GatherOp::create(b, loc, t({kDyn, h}), *type, flatTypes, 0),
                  t({kDyn, h}));
  // Positions 0..S-1 of every row: the first S rows of the position table. The
  // slice never reads past the table: rows from max_position_embeddings on are
  // NaN padding, so an over-long input gives NaN outputs, not a wild read.
  Value s = tensor::DimOp::create(b, loc, ids, 1);
  Value rows = arith::ConstantIndexOp::create(b, loc, c.maxPositions);
  Value inTable = arith::MinUIOp::create(b, loc, s, rows);
  Value beyond = arith::SubIOp::create(b, loc, s, inTable);
  SmallVector<OpFoldResult> offsets{b.getIndexAttr(0), b.getIndexAttr(0)};
  SmallVector<OpFoldResult> sizes{inTable, b.getIndexAttr(h)};
  SmallVector<OpFoldResult> strides{b.getIndexAttr(1), b.getIndexAttr(1)};
  Value table = tensor::ExtractSliceOp::create(b, loc, t({kDyn, h}), *pos, offsets, sizes,
                                               strides);
  Value nan = arith::ConstantOp::create(
      b, loc, b.getF32FloatAttr(std::numeric_limits<float>::quiet_NaN()));
  SmallVector<OpFoldResult> low{b.getIndexAttr(0), b.getIndexAttr(0)};
  SmallVector<OpFoldResult> high{beyond, b.getIndexAttr(0)};
  Value positions = tensor::PadOp::create(b, loc, t({kDyn, h}), table, low, high, nan);
  Value bsh = qcc::ReshapeOp::create(b, loc, t({kDyn, kDyn, h}), sum, shapeBSH);
  Value withPos = add(bsh, positions, t({kDyn, kDyn, h}));
  Value flat = qcc::ReshapeOp::create(b, loc, t({kDyn, h}), withPos,
                                      shapeOf({-1, h}, nullptr));
  return layerNorm(flat, n("embeddings.LayerNorm"));
}

FailureOr<Value> BertBuilder::attention(Value x, Value additiveMask, int64_t i) {
  int64_t h = c.hiddenSize, nh = c.numHeads, d = h / nh;
  std::string self = n.layer(i, "attention.self.");
  FailureOr<Value> q = linear(x, self + "query", h), k = linear(x, self + "key", h),
                   v = linear(x, self + "value", h);
  if (failed(q) || failed(k) || failed(v))
    return failure();
  // [T, H] -> [B, S, nH, D] -> the permutation given.
  auto heads = [&](Value y, ArrayRef<int64_t> perm, ArrayRef<int64_t> shape) {
    Value split = qcc::ReshapeOp::create(b, loc, t({kDyn, kDyn, nh, d}), y, shapeHeads);
    return qcc::TransposeOp::create(b, loc, t(shape), split, perm).getResult();
  };
  Value qh = heads(*q, {0, 2, 1, 3}, {kDyn, nh, kDyn, d});
  Value kt = heads(*k, {0, 2, 3, 1}, {kDyn, nh, d, kDyn});
  Value vh = heads(*v, {0, 2, 1, 3}, {kDyn, nh, kDyn, d});
  auto scoreType = t({kDyn, nh, kDyn, kDyn});
  Value scores = qcc::MatMulOp::create(b, loc, scoreType, qh, kt);
  scores = qcc::MulOp::create(b, loc, scoreType, scores, scalar(1.0 / std::sqrt(double(d))));
  scores = add(scores, additiveMask, scoreType);
  Value probs = qcc::SoftmaxOp::create(b, loc, scoreType, scores, b.getI64IntegerAttr(-1));
  Value ctx = qcc::MatMulOp::create(b, loc, t({kDyn, nh, kDyn, d}), probs, vh);
  ctx = qcc::TransposeOp::create(b, loc, t({kDyn, kDyn, nh, d}), ctx,
                                 ArrayRef<int64_t>{0, 2, 1, 3});
  ctx = qcc::ReshapeOp::create(b, loc, t({kDyn, h}), ctx, shapeOf({-1, h}, nullptr));
  FailureOr<Value> out = linear(ctx, n.layer(i, "attention.output.dense"), h);
  if (failed(out))
    return failure();
  return layerNorm(add(*out, x, x.getType()), n.layer(i, "attention.output.LayerNorm"));
}

FailureOr<Value> BertBuilder::feedForward(Value x, int64_t i) {
  FailureOr<Value> up = linear(x, n.layer(i, "intermediate.dense"), c.intermediateSize);
  if (failed(up))
    return failure();
  // transformers: "gelu" is the exact erf form; "gelu_new"/"gelu_pytorch_tanh" the tanh form.
  StringRef approx = c.hiddenAct == "gelu" ? "none" : "tanh";
  Value act = qcc::GeluOp::create(b, loc, up->getType(), *up, b.getStringAttr(approx));
  FailureOr<Value> down = linear(act, n.layer(i, "output.dense"), c.hiddenSize);
  if (failed(down))
    return failure();
  return layerNorm(add(*down, x, x.getType()), n.layer(i, "output.LayerNorm"));
}

FailureOr<std::pair<Value, Value>> BertBuilder::build(Value ids, Value mask, Value types,
                                                      bool normalize) {
  int64_t h = c.hiddenSize, nh = c.numHeads;
  seqLen = arith::IndexCastOp::create(b, loc, i64, tensor::DimOp::create(b, loc, ids, 1));
  shapeBSH = shapeOf({-1, kDyn, h}, seqLen);
  shapeHeads = shapeOf({-1, kDyn, nh, h / nh}, seqLen);

  FailureOr<Value> x = embeddings(ids, types);
  if (failed(x))
    return failure();
  // Additive mask [B, 1, 1, S]: 0 where attention_mask is 1, the lowest float
  // where it is 0 (as transformers does), so padded keys get no weight.
  Value maskF = qcc::CastOp::create(b, loc, t({kDyn, kDyn}), mask);
  Value inverted = qcc::SubOp::create(b, loc, t({kDyn, kDyn}), scalar(1.0), maskF);
  Value additive = qcc::MulOp::create(b, loc, t({kDyn, kDyn}), inverted,
                                      scalar(std::numeric_limits<float>::lowest()));
  additive = qcc::ReshapeOp::create(b, loc, t({kDyn, 1, 1, kDyn}), additive,
                                    shapeOf({0, 1, 1, -1}, nullptr));
  for (int64_t i = 0; i < c.numLayers; ++i) {
    x = attention(*x, additive, i);
    if (failed(x))
      return failure();
    x = feedForward(*x, i);
    if (failed(x))
      return failure();
  }
  Value last = qcc::ReshapeOp::create(b, loc, t({kDyn, kDyn, h}), *x, shapeBSH);

  // Mean pooling over the tokens whose mask is 1.
  Value mask3 = qcc::ReshapeOp::create(b, loc, t({kDyn, kDyn, 1}), maskF,
                                       shapeOf({0, 0, 1}, nullptr));
  Value masked = qcc::MulOp::create(b, loc, t({kDyn, kDyn, h}), last, mask3);
  Value summed = qcc::ReduceSumOp::create(b, loc, t({kDyn, h}), masked,
                                          ArrayRef<int64_t>{1}, false);
  Value count = qcc::ReduceSumOp::create(b, loc, t({kDyn, 1}), maskF, ArrayRef<int64_t>{1},
                                         true);
  count = qcc::MaxOp::create(b, loc, t({kDyn, 1}), count, scalar(1e-9));
  Value emb = qcc::DivOp::create(b, loc, t({kDyn, h}), summed, count);
  if (normalize) {
    Value sq = qcc::MulOp::create(b, loc, t({kDyn, h}), emb, emb);
    Value norm = qcc::ReduceSumOp::create(b, loc, t({kDyn, 1}), sq, ArrayRef<int64_t>{1}, true);
    norm = qcc::SqrtOp::create(b, loc, t({kDyn, 1}), norm);
    norm = qcc::MaxOp::create(b, loc, t({kDyn, 1}), norm, scalar(1e-12));
    emb = qcc::DivOp::create(b, loc, t({kDyn, h}), emb, norm);
  }
  return std::make_pair(last, emb);
}

} // namespace

bool buildBert(ModuleOp module, const ModelConfig &c, const WeightSource &weights,
               WeightProvider &provider, const CheckpointInfo &info, std::string &error) {
  // The HF directory: modules.json and 1_Pooling/ sit beside config.json.
  std::string dir = info.path;
  if (!llvm::sys::fs::is_directory(dir))
    dir = llvm::sys::path::parent_path(info.path).str();
  if (dir.empty())
    dir = ".";
  llvm::SmallString<256> configFile(dir);
  llvm::sys::path::append(configFile, "config.json");
  std::string configPath = configFile.str().str();
  if (c.hiddenAct != "gelu" && c.hiddenAct != "gelu_new" && c.hiddenAct != "gelu_pytorch_tanh") {
    error = configPath + ": hidden_act '" + c.hiddenAct +
            "' is not supported (gelu, gelu_new, gelu_pytorch_tanh)";
    return false;
  }
  if (c.numHeads <= 0 || c.hiddenSize <= 0 || c.hiddenSize % c.numHeads || c.numLayers <= 0 ||
      c.typeVocabSize <= 0 || c.maxPositions <= 0 || c.vocabSize <= 0 ||
      c.intermediateSize <= 0) {
    error = configPath + ": hidden_size, num_attention_heads, num_hidden_layers, vocab_size, "
                         "intermediate_size, max_position_embeddings and type_vocab_size must be "
                         "positive and the heads must divide hidden_size";
    return false;
  }
  BertNames names;
  if (!weights.find("embeddings.word_embeddings.weight") &&
      weights.find("bert.embeddings.word_embeddings.weight"))
    names.prefix = "bert.";
  for (const auto &[name, shape] : expectedTensors(c, names))
    if (!checkWeightShape(weights, name, shape, error)) {
      error += " (shape implied by " + configPath + ")";
      return false;
    }
  // A checkpoint with more layers than the config says is a mismatch too.
  std::string extra = names.layer(c.numLayers, "");
  for (const std::string &name : weights.names())
    if (llvm::StringRef(name).starts_with(extra)) {
      error = weights.path() + ": tensor '" + name + "' belongs to layer " +
              std::to_string(c.numLayers) + " but " + configPath + " has num_hidden_layers " +
              std::to_string(c.numLayers) + " (layers 0.." + std::to_string(c.numLayers - 1) + ")";
      return false;
    }

  PoolingConfig pooling;
  if (!loadPooling(dir, pooling, error))
    return false;

  MLIRContext *ctx = module.getContext();
  ctx->loadDialect<qcc::QccDialect, arith::ArithDialect, func::FuncDialect,
                   tensor::TensorDialect>();
  OpBuilder b = OpBuilder::atBlockEnd(module.getBody());
  Location loc = NameLoc::get(b.getStringAttr("bert"), FileLineColLoc::get(ctx, configPath, 0, 0));
  auto ids = RankedTensorType::get({kDyn, kDyn}, b.getI64Type());
  auto f32 = b.getF32Type();
  auto fnType = b.getFunctionType(
      {ids, ids, ids}, {RankedTensorType::get({kDyn, kDyn, c.hiddenSize}, f32),
                        RankedTensorType::get({kDyn, c.hiddenSize}, f32)});
  auto fn = func::FuncOp::create(b, loc, "main", fnType);
  Block *body = fn.addEntryBlock();
  b.setInsertionPointToStart(body);

  // The weight provider reports its errors as diagnostics: collect them as the one-line error.
  std::string diag;
  FailureOr<std::pair<Value, Value>> results;
  {
    ScopedDiagnosticHandler handler(ctx, [&](Diagnostic &d) {
      if (diag.empty())
        diag = d.str();
      return success();
    });
    BertBuilder builder(b, loc, c, provider, names);
    results = builder.build(body->getArgument(0), body->getArgument(1), body->getArgument(2),
                            pooling.normalize);
  }
  if (failed(results)) {
    error = diag.empty() ? configPath + ": cannot build the BERT graph" : diag;
    fn.erase();
    return false;
  }
  func::ReturnOp::create(b, loc, ValueRange{results->first, results->second});

  fn->setAttr("qcc.input_names",
              b.getStrArrayAttr({"input_ids", "attention_mask", "token_type_ids"}));
  fn->setAttr("qcc.output_names", b.getStrArrayAttr({"last_hidden_state", "sentence_embedding"}));
  ArrayAttr bs = b.getStrArrayAttr({"batch", "sequence"});
  fn->setAttr("qcc.input_dims", b.getArrayAttr({bs, bs, bs}));
  fn->setAttr("qcc.output_dims", b.getArrayAttr({b.getStrArrayAttr({"batch", "sequence", ""}),
                                                 b.getStrArrayAttr({"batch", ""})}));
  SmallVector<NamedAttribute> attrs = {
      b.getNamedAttr("qcc.kind", b.getStringAttr("encoder")),
      b.getNamedAttr("qcc.arch", b.getStringAttr(c.architecture)),
      b.getNamedAttr("qcc.num_layers", b.getStringAttr(std::to_string(c.numLayers))),
      b.getNamedAttr("qcc.hidden_size", b.getStringAttr(std::to_string(c.hiddenSize))),
      b.getNamedAttr("qcc.vocab_size", b.getStringAttr(std::to_string(c.vocabSize))),
      b.getNamedAttr("qcc.context_length", b.getStringAttr(std::to_string(info.contextLength > 0 ? info.contextLength : c.maxPositions))),
      b.getNamedAttr("qcc.normalize", b.getStringAttr(pooling.normalize ? "true" : "false"))};
  if (!info.tokenizerPath.empty())
    attrs.push_back(b.getNamedAttr("qcc.tokenizer", b.getStringAttr(info.tokenizerPath)));
  fn->setAttr("qcc.model_attrs", b.getDictionaryAttr(attrs));
  return true;
}

} // namespace qcc
