//===- Llm.h - definition of the opaque qcc_llm_t of include/qcc-c/llm.h --===//
#ifndef QCC_RUNTIME_LLM_LLM_H
#define QCC_RUNTIME_LLM_LLM_H

#include "KvCache.h"

#include "../Internal.h"
#include "qcc-c/llm.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace qcc {
namespace tokenizer {
class Tokenizer;
}
} // namespace qcc

/// A causal LM: the model, its Contract-5 dimensions, the KV cache, the
/// logits of the last forward, a thread pool and the tokenizer.
struct qcc_llm_s {
  ~qcc_llm_s();
  std::string path;
  qcc_model_t *model = nullptr;
  qcc_context_t *context = nullptr;
  /// The metadata `attr` records.
  std::map<std::string, std::string> attrs;
  qcc_llm_info_t info = {};
  qcc::llm::KvCache cache;
  /// Output 0 of the last forward ([B, S, V]) and its real token counts.
  qcc_tensor_t *logits = nullptr;
  std::vector<int64_t> lastReal;
  /// Scratch inputs of a forward.
  std::vector<int64_t> inputIds, positions;
  std::unique_ptr<qcc::tokenizer::Tokenizer> tokenizer;
  /// Where the tokenizer came from ("" when none).
  std::string tokenizerSource;
  /// The GGUF's tokenizer.chat_template ("" when none).
  std::string chatTemplate;
};

namespace qcc {
namespace llm {

/// Parses the `attr <key> <value>` records of a model's metadata text.
bool parseAttributes(const char *metadata,
                     std::map<std::string, std::string> &attrs,
                     std::string &error);

/// Loads a tokenizer from a tokenizer.json or a .gguf (tokenizer.ggml.*;
/// `chatTemplate` receives tokenizer.chat_template when present). Returns
/// null and sets `error` (naming `path`) on failure.
std::unique_ptr<tokenizer::Tokenizer> loadTokenizer(const std::string &path,
                                                    std::string &chatTemplate,
                                                    std::string &error);

/// The NOT_FOUND message of the text functions of an llm without tokenizer.
std::string noTokenizerMessage(const qcc_llm_t *llm);

} // namespace llm
} // namespace qcc

#endif // QCC_RUNTIME_LLM_LLM_H
