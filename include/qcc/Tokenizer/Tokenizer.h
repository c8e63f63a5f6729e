//===- Tokenizer.h - Byte-level BPE and WordPiece tokenizers ----*- C++ -*-===//
//
// Public C++ API of qcc's runtime tokenizer library (runtime/tokenizer,
// static library qcc_tokenizer, no LLVM/MLIR dependency). See docs/Tokenizer.md.
//
//===----------------------------------------------------------------------===//
#ifndef QCC_TOKENIZER_TOKENIZER_H
#define QCC_TOKENIZER_TOKENIZER_H

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace qcc::tokenizer {

/// Thrown for every bad input (unreadable or corrupt tokenizer.json, missing
/// merges, inconsistent arrays, out-of-range ids). `what()` is one line that
/// names the file (or "<arrays>") and what is wrong.
class TokenizerError : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

/// How a byte-level BPE splits text into words before merging.
enum class PreTokenizer {
  GPT2,   ///< GPT-2 regex ('s|'t|..| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)
  SmolLM, ///< every \p{N} code point isolated first, then the GPT-2 regex
  Llama3, ///< Llama-3 regex (case-insensitive contractions, \p{N}{1,3}, ...)
};

/// GGUF token_type values (llama.cpp's llama_token_type).
enum class TokenType : int32_t {
  Normal = 1,
  Unknown = 2,
  Control = 3,
  UserDefined = 4,
  Unused = 5,
  Byte = 6,
};

/// A byte-level BPE vocabulary as GGUF metadata carries it
/// (tokenizer.ggml.model = "gpt2").
struct BpeArrays {
  std::vector<std::string> tokens;  ///< tokenizer.ggml.tokens (id = index)
  std::vector<std::string> merges;  ///< tokenizer.ggml.merges, "a b" each
  std::vector<int32_t> tokenTypes;  ///< tokenizer.ggml.token_type; may be empty
  std::string pre = "gpt2";         ///< tokenizer.ggml.pre: gpt2, smollm, llama-bpe, llama3
  int32_t bosId = -1;               ///< tokenizer.ggml.bos_token_id or -1
  int32_t eosId = -1;               ///< tokenizer.ggml.eos_token_id or -1
  bool addBos = false;              ///< tokenizer.ggml.add_bos_token
  std::string source = "<arrays>";  ///< name used in error messages (e.g. the .gguf path)
};

/// A loaded tokenizer. Immutable after construction except for an internal,
/// mutex-guarded word cache, so one instance may be shared between threads.
class Tokenizer {
public:
  virtual ~Tokenizer();

  /// Loads a Hugging Face tokenizer.json (model type BPE with a ByteLevel
  /// pre-tokenizer, or WordPiece with the Bert normalizer/pre-tokenizer).
  /// Throws TokenizerError naming `path` on any problem.
  static std::unique_ptr<Tokenizer> fromJsonFile(const std::string &path);
  /// Same, from the JSON text; `source` names it in errors.
  static std::unique_ptr<Tokenizer> fromJsonText(std::string_view json,
                                                 const std::string &source);
  /// Builds a byte-level BPE from GGUF-style arrays. Tokens of type Control
  /// or UserDefined are matched literally in the input ("added tokens").
  static std::unique_ptr<Tokenizer> fromBpeArrays(const BpeArrays &arrays);

  /// Encodes UTF-8 (invalid bytes are kept and encoded as their byte tokens).
  /// Throws TokenizerError for a text of 4 GiB or more.
  /// `addSpecial` adds the post-processing tokens: BOS when the model asks for
  /// it (BPE), [CLS] ... [SEP] (WordPiece).
  virtual std::vector<int32_t> encode(std::string_view text,
                                      bool addSpecial = true) const = 0;
  /// Decodes ids back to bytes; for byte-level BPE, decode(encode(s)) == s.
  /// `skipSpecial` drops special (control) tokens. Throws on an id outside
  /// the vocabulary.
  virtual std::string decode(const std::vector<int32_t> &ids,
                             bool skipSpecial = false) const = 0;

  /// Number of ids (largest id + 1).
  size_t vocabSize() const { return idToToken.size(); }
  /// The vocabulary string of `id` ("" if out of range).
  const std::string &tokenString(int32_t id) const;
  /// The id of a vocabulary string, or -1.
  int32_t tokenId(std::string_view token) const;
  int32_t bosId() const { return bos; }
  int32_t eosId() const { return eos; }

protected:
  std::vector<std::string> idToToken;
  std::unordered_map<std::string, int32_t> tokenToId;
  int32_t bos = -1;
  int32_t eos = -1;
};

} // namespace qcc::tokenizer

#endif // QCC_TOKENIZER_TOKENIZER_H
