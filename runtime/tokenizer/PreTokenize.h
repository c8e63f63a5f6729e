//===- PreTokenize.h - Regex-equivalent word splitters ----------*- C++ -*-===//
//
// Internal to runtime/tokenizer: hand-written equivalents of the GPT-2,
// SmolLM (digits isolated + GPT-2) and Llama-3 pre-tokenizer regexes, and the
// Bert whitespace/punctuation splitter. Each returns byte spans of the input.
//
//===----------------------------------------------------------------------===//
#ifndef QCC_RUNTIME_TOKENIZER_PRETOKENIZE_H
#define QCC_RUNTIME_TOKENIZER_PRETOKENIZE_H

#include "Unicode.h"
#include "qcc/Tokenizer/Tokenizer.h"

namespace qcc::tokenizer {

/// A word as a byte span [offset, offset + length) of the pre-tokenized text.
struct Span {
  uint32_t offset;
  uint32_t length;
};

/// Splits `text` with the regex of `kind`; the spans cover `text` exactly.
std::vector<Span> preTokenize(PreTokenizer kind, std::string_view text);

} // namespace qcc::tokenizer

#endif // QCC_RUNTIME_TOKENIZER_PRETOKENIZE_H
