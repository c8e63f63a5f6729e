//===- Detokenizer.h - incremental detokenization on UTF-8 boundaries -----===//
#ifndef QCC_RUNTIME_LLM_DETOKENIZER_H
#define QCC_RUNTIME_LLM_DETOKENIZER_H

#include <string>
#include <string_view>

namespace qcc {
namespace tokenizer {
class Tokenizer;
}
namespace llm {

/// Splits a byte stream into pieces that never end inside a UTF-8 character:
/// push(bytes) returns the longest complete prefix of everything pushed so
/// far and holds back the bytes of a trailing, still incomplete character
/// (at most 3). Invalid sequences are released as they are once it is clear
/// they cannot complete.
class Utf8Streamer {
public:
  /// Appends `bytes`; returns the newly releasable text (valid until the next
  /// call).
  std::string_view push(std::string_view bytes);
  /// Releases whatever is held back.
  std::string_view flush();

private:
  std::string pending, out;
};

/// Number of trailing bytes of `s` that form the start of a UTF-8 character
/// whose remaining continuation bytes have not arrived yet (0..3).
size_t incompleteUtf8Tail(std::string_view s);

} // namespace llm
} // namespace qcc

/// The opaque C handle: the token-to-bytes step (per token; exact for
/// byte-level BPE whose decode is a concatenation of per-token bytes) and the
/// UTF-8 streamer.
struct qcc_llm_detokenizer_s {
  const qcc::tokenizer::Tokenizer *tokenizer;
  bool skipSpecial;
  qcc::llm::Utf8Streamer streamer;
};

#endif // QCC_RUNTIME_LLM_DETOKENIZER_H
