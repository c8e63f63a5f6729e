//===- Generate.h - qcc-run's text generation mode (--prompt) -------------===//
#ifndef QCC_TOOLS_QCC_RUN_GENERATE_H
#define QCC_TOOLS_QCC_RUN_GENERATE_H

#include <cstdint>
#include <string>
#include <vector>

namespace qcc {
namespace run {

/// Options of `qcc-run model.so --prompt ...`.
struct GenerateOptions {
  std::string model;
  std::vector<std::string> prompts; ///< one sequence per prompt
  std::string tokenizer;            ///< overrides the model's qcc.tokenizer
  int maxTokens = 128;
  double temperature = 0; ///< 0: greedy
  int topK = 40;
  double topP = 0.95;
  double repeatPenalty = 1.0;
  uint64_t seed = 0;
  bool chat = false;
  int ctx = 0; ///< 0: the model's context, capped at 4096
  int threads = 0;
  bool printIds = false; ///< print the generated ids to stderr
};

/// Generates from every prompt, streaming the text of a single prompt to
/// stdout (several prompts: each text after generation), then prints token
/// counts and tokens/s of prefill and decode to stderr. Returns the exit code.
int generate(const GenerateOptions &options);

/// The built-in ChatML template (SmolLM2, Qwen2):
/// "<|im_start|>user\n{prompt}<|im_end|>\n<|im_start|>assistant\n".
std::string applyChatTemplate(const std::string &prompt);

} // namespace run
} // namespace qcc

#endif // QCC_TOOLS_QCC_RUN_GENERATE_H
