//===- Models.h - The concrete tokenizer models -----------------*- C++ -*-===//
//
// Internal to runtime/tokenizer: added-token matching shared by both models,
// the byte-level BPE model and the Bert WordPiece model. The loaders
// (JsonLoader.cpp, Tokenizer.cpp) fill these structures and validate them.
//
//===----------------------------------------------------------------------===//
#ifndef QCC_RUNTIME_TOKENIZER_MODELS_H
#define QCC_RUNTIME_TOKENIZER_MODELS_H

#include "qcc/Tokenizer/Tokenizer.h"

#include <array>
#include <bitset>
#include <mutex>

namespace qcc::tokenizer {

/// Throws TokenizerError when `text` is too long for the 32-bit byte offsets
/// used internally (4 GiB).
void checkInputSize(std::string_view text);

/// A token matched literally in the raw input (special or user-defined).
struct AddedToken {
  std::string content;
  int32_t id;
  bool special;
};

/// A piece of input: either an added token (id >= 0) or raw text.
struct Segment {
  std::string_view text;
  int32_t addedId = -1;
};

/// Leftmost-longest matching of the added tokens in a text.
class AddedTokenMatcher {
public:
  void add(AddedToken token);
  /// Splits `text` into raw-text and added-token segments, in order.
  std::vector<Segment> split(std::string_view text) const;
  /// Whether `id` is an added token marked special.
  bool isSpecial(int32_t id) const;
  /// The added token of `id`, or nullptr.
  const AddedToken *find(int32_t id) const;

private:
  std::vector<AddedToken> tokens; ///< sorted by decreasing length
  std::bitset<256> firstBytes;
  std::unordered_map<int32_t, size_t> byId;
};

/// Byte-level BPE (GPT-2, SmolLM, Llama-3, Qwen).
class BpeTokenizer final : public Tokenizer {
public:
  std::vector<int32_t> encode(std::string_view text, bool addSpecial) const override;
  std::string decode(const std::vector<int32_t> &ids, bool skipSpecial) const override;

  /// Fills the vocabulary; called by the loaders (ids may have holes).
  void setVocab(std::vector<std::string> tokens);
  /// Adds merge `rank` of (left, right); throws TokenizerError (prefixed by
  /// `where`) when a part or the merged token is not in the vocabulary.
  void addMerge(const std::string &left, const std::string &right, int32_t rank,
                const std::string &where);
  /// Precomputes the byte-to-token table; call after setVocab.
  void finish();

  PreTokenizer pre = PreTokenizer::GPT2;
  bool ignoreMerges = false;  ///< a word already in the vocabulary is one token
  bool addPrefixSpace = false;
  std::vector<int32_t> prefixIds, suffixIds; ///< post-processing template
  AddedTokenMatcher added;
  void setBosEos(int32_t b, int32_t e) { bos = b; eos = e; }

private:
  void encodeWord(std::string_view word, std::vector<int32_t> &out) const;
  /// Applies the merges to a word's byte-token ids in place.
  void mergeSymbols(std::vector<int32_t> &symbols) const;

  struct Merge {
    int32_t rank;
    int32_t result;
  };
  std::unordered_map<uint64_t, Merge> merges;
  std::array<int32_t, 256> byteToId{};     ///< id of each byte's token, -1 if none
  std::array<char32_t, 256> byteToChar{};  ///< GPT-2 bytes_to_unicode
  std::unordered_map<char32_t, uint8_t> charToByte;
  mutable std::mutex cacheMutex;
  mutable std::unordered_map<std::string, std::vector<int32_t>> cache;
};

/// Bert WordPiece with the Bert normalizer and pre-tokenizer.
class WordPieceTokenizer final : public Tokenizer {
public:
  std::vector<int32_t> encode(std::string_view text, bool addSpecial) const override;
  std::string decode(const std::vector<int32_t> &ids, bool skipSpecial) const override;

  void setVocab(std::vector<std::string> tokens);

  // BertNormalizer options.
  bool cleanText = true;
  bool handleChineseChars = true;
  bool stripAccents = true;
  bool lowercase = true;
  // WordPiece options.
  int32_t unkId = -1;
  std::string continuingPrefix = "##";
  size_t maxInputCharsPerWord = 100;
  bool decoderCleanup = true;
  std::vector<int32_t> prefixIds, suffixIds;
  AddedTokenMatcher added;

private:
  void encodeText(std::string_view text, std::vector<int32_t> &out) const;
  void encodeWord(const std::vector<char32_t> &word, std::vector<int32_t> &out) const;
};

} // namespace qcc::tokenizer

#endif // QCC_RUNTIME_TOKENIZER_MODELS_H
