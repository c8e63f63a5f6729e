//===- Unicode.h - UTF-8 and Unicode property helpers -----------*- C++ -*-===//
//
// Internal to runtime/tokenizer: UTF-8 decoding that keeps invalid bytes, and
// the Unicode properties the pre-tokenizers and the Bert normalizer need.
//
//===----------------------------------------------------------------------===//
#ifndef QCC_RUNTIME_TOKENIZER_UNICODE_H
#define QCC_RUNTIME_TOKENIZER_UNICODE_H

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace qcc::tokenizer::unicode {

/// A code point decoded from UTF-8 with its byte span in the source.
struct CodePoint {
  char32_t cp;      ///< U+FFFD for an invalid byte (which is then 1 byte long)
  uint32_t offset;  ///< byte offset in the source
  uint32_t length;  ///< byte length in the source (1..4)
};

/// Decodes `text`; each invalid byte becomes its own U+FFFD entry so that
/// byte spans always cover the input exactly.
std::vector<CodePoint> decodeUtf8(std::string_view text);
/// Appends the UTF-8 encoding of `cp`.
void appendUtf8(std::string &out, char32_t cp);

bool isLetter(char32_t cp);      ///< general category L*
bool isNumber(char32_t cp);      ///< general category N*
bool isWhiteSpace(char32_t cp);  ///< White_Space property (regex \s)
bool isPunctuation(char32_t cp); ///< general category P*
bool isMarkNonspacing(char32_t cp); ///< general category Mn
bool isControl(char32_t cp);     ///< Cc, Cf, Cn or Co
bool isCjk(char32_t cp);         ///< CJK ideograph blocks padded by BERT

/// Appends the full lowercase mapping of `cp` (one to three code points).
void appendLowercase(std::vector<char32_t> &out, char32_t cp);
/// Appends the canonical decomposition (NFD) of `cp`, recursively, and
/// Hangul syllables algorithmically; reordering is done by `nfd`.
void appendDecomposition(std::vector<char32_t> &out, char32_t cp);
/// Canonical combining class (0 for starters).
uint8_t combiningClass(char32_t cp);
/// Full NFD of a code point sequence (decomposition + canonical reordering).
std::vector<char32_t> nfd(const std::vector<char32_t> &in);

} // namespace qcc::tokenizer::unicode

#endif // QCC_RUNTIME_TOKENIZER_UNICODE_H
