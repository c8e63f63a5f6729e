//===- ModelConfig.h - transformer hyper-parameters from config.json or GGUF ===//
#ifndef QCC_IMPORT_MODELCONFIG_H
#define QCC_IMPORT_MODELCONFIG_H

#include <cstdint>
#include <string>

namespace qcc {

/// The hyper-parameters qcc needs to build a decoder/encoder transformer.
struct ModelConfig {
  std::string architecture; ///< "llama", "mistral", "qwen2", "gpt2", "bert"
  int64_t hiddenSize = 0, numLayers = 0, numHeads = 0, numKVHeads = 0;
  int64_t intermediateSize = 0, vocabSize = 0, maxPositions = 0;
  double ropeTheta = 10000.0, normEps = 1e-5;
  bool tieWordEmbeddings = false;
  /// Activation of the feed-forward block as spelled in config.json ("gelu", "gelu_new",
  /// "silu", ...): BERT's `hidden_act`, GPT-2's `activation_function`; empty when absent.
  std::string hiddenAct;
  /// BERT's `type_vocab_size` (rows of the token-type embedding); 0 for other architectures.
  int64_t typeVocabSize = 0;
};

/// Loads a Hugging Face config.json (Llama/Mistral/Qwen2/SmolLM, GPT-2, BERT). On failure returns
/// false and sets \p error to a one-line message naming the file and the key.
bool loadHFConfig(const std::string &path, ModelConfig &config, std::string &error);

} // namespace qcc

#endif // QCC_IMPORT_MODELCONFIG_H
