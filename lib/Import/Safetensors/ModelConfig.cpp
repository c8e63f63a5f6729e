//===- ModelConfig.cpp - load a Hugging Face config.json into ModelConfig ---===//
#include "qcc/Import/ModelConfig.h"

#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>

namespace qcc {

bool loadHFConfig(const std::string &path, ModelConfig &c, std::string &error) {
  std::ifstream in(path);
  if (!in) {
    error = path + ": cannot open";
    return false;
  }
  std::stringstream ss;
  ss << in.rdbuf();
  nlohmann::json j = nlohmann::json::parse(ss.str(), nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    error = path + ": not a JSON object";
    return false;
  }
  std::string type = j.contains("model_type") && j["model_type"].is_string()
                         ? j["model_type"].get<std::string>() : "";
  bool gpt2 = type == "gpt2", bert = type == "bert";
  if (!gpt2 && !bert && type != "llama" && type != "mistral" && type != "qwen2") {
    error = path + ": unsupported model_type '" + type + "'";
    return false;
  }
  c = ModelConfig();
  c.architecture = type;
  // Reads integer key \p key (first of the spellings present) into \p out; missing is an error.
  auto integer = [&](std::initializer_list<const char *> keys, int64_t &out) {
    for (const char *k : keys)
      if (j.contains(k)) {
        if (!j[k].is_number_integer()) {
          error = path + ": '" + k + "' is not an integer";
          return false;
        }
        out = j[k].get<int64_t>();
        return true;
      }
    error = path + ": missing '" + *keys.begin() + "'";
    return false;
  };
  auto real = [&](const char *k, double &out) {
    if (j.contains(k) && j[k].is_number())
      out = j[k].get<double>();
  };
  if (gpt2) {
    if (!integer({"n_embd"}, c.hiddenSize) || !integer({"n_layer"}, c.numLayers) ||
        !integer({"n_head"}, c.numHeads) || !integer({"vocab_size"}, c.vocabSize) ||
        !integer({"n_positions", "n_ctx"}, c.maxPositions))
      return false;
    c.numKVHeads = c.numHeads;
    c.intermediateSize = 4 * c.hiddenSize;
    if (j.contains("n_inner") && j["n_inner"].is_number_integer())
      c.intermediateSize = j["n_inner"].get<int64_t>();
    real("layer_norm_epsilon", c.normEps);
    c.hiddenAct = "gelu_new";
    if (j.contains("activation_function") && j["activation_function"].is_string())
      c.hiddenAct = j["activation_function"].get<std::string>();
    c.tieWordEmbeddings = true;
    return true;
  }
  if (!integer({"hidden_size"}, c.hiddenSize) || !integer({"num_hidden_layers"}, c.numLayers) ||
      !integer({"num_attention_heads"}, c.numHeads) ||
      !integer({"intermediate_size"}, c.intermediateSize) ||
      !integer({"vocab_size"}, c.vocabSize) ||
      !integer({"max_position_embeddings"}, c.maxPositions))
    return false;
  c.numKVHeads = c.numHeads;
  if (j.contains("num_key_value_heads") && !integer({"num_key_value_heads"}, c.numKVHeads))
    return false;
  if (bert) {
    real("layer_norm_eps", c.normEps);
    c.normEps = j.contains("layer_norm_eps") ? c.normEps : 1e-12;
    c.ropeTheta = 0;
    // transformers' BertConfig defaults: hidden_act "gelu", type_vocab_size 2.
    c.hiddenAct = "gelu";
    if (j.contains("hidden_act")) {
      if (!j["hidden_act"].is_string()) {
        error = path + ": 'hidden_act' is not a string";
        return false;
      }
      c.hiddenAct = j["hidden_act"].get<std::string>();
    }
    if (j.contains("position_embedding_type") &&
        j["position_embedding_type"] != nlohmann::json("absolute")) {
      error = path + ": position_embedding_type " + j["position_embedding_type"].dump() +
              " is not supported (only \"absolute\")";
      return false;
    }
    c.typeVocabSize = 2;
    if (j.contains("type_vocab_size") && !integer({"type_vocab_size"}, c.typeVocabSize))
      return false;
  } else {
    real("rms_norm_eps", c.normEps);
    real("rope_theta", c.ropeTheta);
  }
  if (j.contains("tie_word_embeddings") && j["tie_word_embeddings"].is_boolean())
    c.tieWordEmbeddings = j["tie_word_embeddings"].get<bool>();
  if (c.numHeads <= 0 || c.hiddenSize % c.numHeads || c.numKVHeads <= 0 ||
      c.numHeads % c.numKVHeads) {
    error = path + ": heads (" + std::to_string(c.numHeads) + "/" +
            std::to_string(c.numKVHeads) + ") do not divide hidden size " +
            std::to_string(c.hiddenSize);
    return false;
  }
  return true;
}

} // namespace qcc
