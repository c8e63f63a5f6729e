//===- ModelConfigTest.cpp - unit tests of the HF config.json loader --------===//
#include "qcc/Import/ModelConfig.h"

#include <gtest/gtest.h>

#include <fstream>
#include <unistd.h>

namespace {

std::string writeJson(const std::string &name, const std::string &text) {
  std::string path = ::testing::TempDir() + "/" + std::to_string(getpid()) + "_" + name;
  std::ofstream(path) << text;
  return path;
}

TEST(ModelConfig, LlamaWithGroupedQueryAttention) {
  std::string path = writeJson("llama.json", R"({"model_type":"llama","hidden_size":576,
    "num_hidden_layers":30,"num_attention_heads":9,"num_key_value_heads":3,
    "intermediate_size":1536,"vocab_size":49152,"max_position_embeddings":8192,
    "rope_theta":100000.0,"rms_norm_eps":1e-5,"tie_word_embeddings":true})");
  qcc::ModelConfig c;
  std::string error;
  ASSERT_TRUE(qcc::loadHFConfig(path, c, error)) << error;
  EXPECT_EQ(c.architecture, "llama");
  EXPECT_EQ(c.hiddenSize, 576);
  EXPECT_EQ(c.numKVHeads, 3);
  EXPECT_EQ(c.ropeTheta, 100000.0);
  EXPECT_TRUE(c.tieWordEmbeddings);
}

TEST(ModelConfig, GPT2) {
  std::string path = writeJson("gpt2.json", R"({"model_type":"gpt2","n_embd":768,"n_layer":12,
    "n_head":12,"vocab_size":50257,"n_positions":1024,"layer_norm_epsilon":1e-5})");
  qcc::ModelConfig c;
  std::string error;
  ASSERT_TRUE(qcc::loadHFConfig(path, c, error)) << error;
  EXPECT_EQ(c.intermediateSize, 3072);
  EXPECT_EQ(c.maxPositions, 1024);
  EXPECT_EQ(c.numKVHeads, 12);
}

TEST(ModelConfig, BertActivationAndTokenTypes) {
  std::string path = writeJson("bert.json", R"({"model_type":"bert","hidden_size":384,
    "num_hidden_layers":6,"num_attention_heads":12,"intermediate_size":1536,"vocab_size":30522,
    "max_position_embeddings":512,"type_vocab_size":2,"hidden_act":"gelu","layer_norm_eps":1e-12})");
  qcc::ModelConfig c;
  std::string error;
  ASSERT_TRUE(qcc::loadHFConfig(path, c, error)) << error;
  EXPECT_EQ(c.hiddenAct, "gelu");
  EXPECT_EQ(c.typeVocabSize, 2);
  EXPECT_EQ(c.normEps, 1e-12);
  // transformers' defaults when the keys are absent.
  path = writeJson("bert-defaults.json", R"({"model_type":"bert","hidden_size":32,
    "num_hidden_layers":1,"num_attention_heads":4,"intermediate_size":64,"vocab_size":10,
    "max_position_embeddings":8})");
  ASSERT_TRUE(qcc::loadHFConfig(path, c, error)) << error;
  EXPECT_EQ(c.hiddenAct, "gelu");
  EXPECT_EQ(c.typeVocabSize, 2);
}

TEST(ModelConfig, BertBadKeysAreNamed) {
  std::string path = writeJson("bert-act.json", R"({"model_type":"bert","hidden_size":32,
    "num_hidden_layers":1,"num_attention_heads":4,"intermediate_size":64,"vocab_size":10,
    "max_position_embeddings":8,"hidden_act":3})");
  qcc::ModelConfig c;
  std::string error;
  EXPECT_FALSE(qcc::loadHFConfig(path, c, error));
  EXPECT_NE(error.find("'hidden_act' is not a string"), std::string::npos) << error;
  path = writeJson("bert-types.json", R"({"model_type":"bert","hidden_size":32,
    "num_hidden_layers":1,"num_attention_heads":4,"intermediate_size":64,"vocab_size":10,
    "max_position_embeddings":8,"type_vocab_size":"two"})");
  EXPECT_FALSE(qcc::loadHFConfig(path, c, error));
  EXPECT_NE(error.find("'type_vocab_size' is not an integer"), std::string::npos) << error;
  path = writeJson("bert-pos.json", R"({"model_type":"bert","hidden_size":32,
    "num_hidden_layers":1,"num_attention_heads":4,"intermediate_size":64,"vocab_size":10,
    "max_position_embeddings":8,"position_embedding_type":"relative_key"})");
  EXPECT_FALSE(qcc::loadHFConfig(path, c, error));
  EXPECT_NE(error.find("position_embedding_type"), std::string::npos) << error;
}

TEST(ModelConfig, GPT2Activation) {
  std::string path = writeJson("gpt2-act.json", R"({"model_type":"gpt2","n_embd":64,"n_layer":2,
    "n_head":4,"vocab_size":100,"n_positions":32,"activation_function":"gelu_new"})");
  qcc::ModelConfig c;
  std::string error;
  ASSERT_TRUE(qcc::loadHFConfig(path, c, error)) << error;
  EXPECT_EQ(c.hiddenAct, "gelu_new");
}

TEST(ModelConfig, MissingKeyIsNamed) {
  std::string path = writeJson("missing.json", R"({"model_type":"qwen2","hidden_size":64})");
  qcc::ModelConfig c;
  std::string error;
  EXPECT_FALSE(qcc::loadHFConfig(path, c, error));
  EXPECT_NE(error.find("missing 'num_hidden_layers'"), std::string::npos) << error;
}

TEST(ModelConfig, HeadsMustDivide) {
  std::string path = writeJson("heads.json", R"({"model_type":"mistral","hidden_size":64,
    "num_hidden_layers":1,"num_attention_heads":6,"num_key_value_heads":4,
    "intermediate_size":128,"vocab_size":10,"max_position_embeddings":16})");
  qcc::ModelConfig c;
  std::string error;
  EXPECT_FALSE(qcc::loadHFConfig(path, c, error));
  EXPECT_NE(error.find("do not divide"), std::string::npos) << error;
}

TEST(ModelConfig, UnsupportedType) {
  std::string path = writeJson("t5.json", R"({"model_type":"t5"})");
  qcc::ModelConfig c;
  std::string error;
  EXPECT_FALSE(qcc::loadHFConfig(path, c, error));
  EXPECT_NE(error.find("unsupported model_type 't5'"), std::string::npos) << error;
}

} // namespace
