//===- GGUFConfig.cpp - llama.* and tokenizer.ggml.* metadata accessors ----===//
#include "qcc/Import/GGUF.h"

namespace qcc::gguf {

namespace {
bool isInt(const Value &v) {
  return v.type != ValueType::F32 && v.type != ValueType::F64 &&
         v.type != ValueType::String && v.type != ValueType::Array && v.type != ValueType::Bool;
}
int64_t asInt(const Value &v) {
  bool isSigned = v.type == ValueType::I8 || v.type == ValueType::I16 ||
                  v.type == ValueType::I32 || v.type == ValueType::I64;
  return isSigned ? v.i : int64_t(v.u);
}
const Value *array(const File &f, const std::string &key, std::string &error) {
  const Value *v = f.find(key);
  if (!v || v->type != ValueType::Array) {
    error = "metadata '" + key + "' is missing or not an array";
    return nullptr;
  }
  return v;
}
} // namespace

bool loadLlamaConfig(const File &f, const std::string &path, ModelConfig &c, std::string &error) {
  const Value *arch = f.find("general.architecture");
  if (!arch || arch->type != ValueType::String || arch->s != "llama") {
    error = path + ": general.architecture is not \"llama\"";
    return false;
  }
  c = ModelConfig();
  c.architecture = "llama";
  auto integer = [&](const char *key, int64_t &out) {
    const Value *v = f.find(key);
    if (!v || !isInt(*v)) {
      error = path + ": metadata '" + key + "' is missing or not an integer";
      return false;
    }
    out = asInt(*v);
    return true;
  };
  auto real = [&](const char *key, double &out) {
    if (const Value *v = f.find(key); v && (v->type == ValueType::F32 || v->type == ValueType::F64))
      out = v->f;
  };
  if (!integer("llama.context_length", c.maxPositions) ||
      !integer("llama.embedding_length", c.hiddenSize) ||
      !integer("llama.block_count", c.numLayers) ||
      !integer("llama.feed_forward_length", c.intermediateSize) ||
      !integer("llama.attention.head_count", c.numHeads))
    return false;
  c.numKVHeads = c.numHeads;
  if (f.find("llama.attention.head_count_kv") &&
      !integer("llama.attention.head_count_kv", c.numKVHeads))
    return false;
  real("llama.rope.freq_base", c.ropeTheta);
  real("llama.attention.layer_norm_rms_epsilon", c.normEps);
  if (f.find("llama.vocab_size")) {
    if (!integer("llama.vocab_size", c.vocabSize))
      return false;
  } else if (const Value *tok = f.find("tokenizer.ggml.tokens");
             tok && tok->type == ValueType::Array) {
    c.vocabSize = int64_t(tok->array.size());
  }
  c.tieWordEmbeddings = f.findTensor("output.weight") == nullptr;
  return true;
}

bool tokenizerStrings(const File &f, const std::string &key, std::vector<std::string> &out,
                      std::string &error) {
  const Value *v = array(f, key, error);
  if (!v)
    return false;
  if (v->elemType != ValueType::String) {
    error = "metadata '" + key + "' is not an array of strings";
    return false;
  }
  out.clear();
  for (const Value &e : v->array)
    out.push_back(e.s);
  return true;
}

bool tokenizerScores(const File &f, std::vector<float> &out, std::string &error) {
  const Value *v = array(f, "tokenizer.ggml.scores", error);
  if (!v)
    return false;
  if (v->elemType != ValueType::F32) {
    error = "metadata 'tokenizer.ggml.scores' is not an array of float32";
    return false;
  }
  out.clear();
  for (const Value &e : v->array)
    out.push_back(float(e.f));
  return true;
}

bool tokenizerTypes(const File &f, std::vector<int32_t> &out, std::string &error) {
  const Value *v = array(f, "tokenizer.ggml.token_type", error);
  if (!v)
    return false;
  out.clear();
  for (const Value &e : v->array) {
    if (!isInt(e)) {
      error = "metadata 'tokenizer.ggml.token_type' is not an array of integers";
      return false;
    }
    out.push_back(int32_t(asInt(e)));
  }
  return true;
}

} // namespace qcc::gguf
