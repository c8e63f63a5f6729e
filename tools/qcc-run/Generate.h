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
  std::string system; ///< --system: ChatML system message
  int ctx = 0;        ///< 0: the model's context, capped at 4096
  int threads = 0;
  bool printIds = false; ///< print the generated ids to stderr
};

/// Generates from every prompt, streaming the text of a single prompt to
/// stdout (several prompts: each text after generation), then prints token
/// counts and tokens/s of prefill and decode to stderr. Returns the exit code.
int generate(const GenerateOptions &options);

/// Formats `prompt` as one ChatML user turn plus the assistant header:
///   [<|im_start|>system\n{system}<|im_end|>\n]
///   <|im_start|>user\n{prompt}<|im_end|>\n<|im_start|>assistant\n
/// `modelTemplate` is the model's Jinja chat template or null. When it is
/// given it must be ChatML (contain "<|im_start|>"; otherwise false with
/// `error`), and when `system` is empty a literal default system message in
/// it (SmolLM2: "<|im_start|>system\nYou are a helpful AI assistant named
/// SmolLM, ...<|im_end|>") is used, as the template would.
bool applyChatTemplate(const char *modelTemplate, const std::string &system,
                       const std::string &prompt, std::string &out,
                       std::string &error);

} // namespace run
} // namespace qcc

#endif // QCC_TOOLS_QCC_RUN_GENERATE_H
