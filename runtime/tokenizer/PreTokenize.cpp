//===- PreTokenize.cpp - GPT-2 / SmolLM / Llama-3 regex splitters ---------===//
//
// Each function walks the code points once and, at every position, tries the
// regex alternatives in order exactly as a backtracking engine would.
//
//===----------------------------------------------------------------------===//
#include "PreTokenize.h"

namespace qcc::tokenizer {
namespace {
using unicode::CodePoint;

/// Code point accessors over [begin, end) of a decoded text.
struct Cursor {
  const std::vector<CodePoint> &cps;
  size_t begin, end;
  char32_t at(size_t i) const { return i < end ? cps[i].cp : 0; }
  bool isL(size_t i) const { return i < end && unicode::isLetter(cps[i].cp); }
  bool isN(size_t i) const { return i < end && unicode::isNumber(cps[i].cp); }
  bool isS(size_t i) const { return i < end && unicode::isWhiteSpace(cps[i].cp); }
  /// [^\s\p{L}\p{N}]
  bool isOther(size_t i) const { return i < end && !isS(i) && !isL(i) && !isN(i); }
};

char32_t lower(char32_t c) { return (c >= 'A' && c <= 'Z') ? c + 32 : c; }

/// Length in code points of a contraction ('s|'t|'re|'ve|'m|'ll|'d) at i, or 0.
size_t contraction(const Cursor &c, size_t i, bool caseInsensitive) {
  if (c.at(i) != '\'')
    return 0;
  auto ch = [&](size_t k) { return caseInsensitive ? lower(c.at(k)) : c.at(k); };
  char32_t a = ch(i + 1), b = ch(i + 2);
  if (a == 's' || a == 't' || a == 'm' || a == 'd')
    return 2;
  if ((a == 'r' && b == 'e') || (a == 'v' && b == 'e') || (a == 'l' && b == 'l'))
    return 3;
  return 0;
}

/// \s+(?!\S) then \s+ at i (which is whitespace): the run minus its last code
/// point when a non-space follows and the run is longer than one.
size_t whitespaceRun(const Cursor &c, size_t i) {
  size_t j = i;
  while (c.isS(j))
    ++j;
  if (j < c.end && j - i > 1)
    return j - 1 - i;
  return j - i;
}

/// One match of the GPT-2 regex at i; returns its length in code points.
size_t matchGpt2(const Cursor &c, size_t i) {
  if (size_t n = contraction(c, i, false))
    return n;
  size_t j = i + (c.at(i) == ' ' ? 1 : 0);
  if (c.isL(j)) {
    while (c.isL(j))
      ++j;
    return j - i;
  }
  if (c.isN(j)) {
    while (c.isN(j))
      ++j;
    return j - i;
  }
  if (c.isOther(j)) {
    while (c.isOther(j))
      ++j;
    return j - i;
  }
  return whitespaceRun(c, i);
}

/// One match of the Llama-3 regex at i.
size_t matchLlama3(const Cursor &c, size_t i) {
  if (size_t n = contraction(c, i, true))
    return n;
  // [^\r\n\p{L}\p{N}]?\p{L}+
  {
    size_t j = i;
    char32_t ch = c.at(i);
    if (i < c.end && ch != '\r' && ch != '\n' && !c.isL(i) && !c.isN(i) && c.isL(i + 1))
      j = i + 1;
    if (c.isL(j)) {
      while (c.isL(j))
        ++j;
      return j - i;
    }
  }
  // \p{N}{1,3}
  if (c.isN(i)) {
    size_t j = i;
    while (c.isN(j) && j - i < 3)
      ++j;
    return j - i;
  }
  // ' ?[^\s\p{L}\p{N}]+[\r\n]*'
  {
    size_t j = i + (c.at(i) == ' ' ? 1 : 0);
    if (c.isOther(j)) {
      while (c.isOther(j))
        ++j;
      while (j < c.end && (c.at(j) == '\r' || c.at(j) == '\n'))
        ++j;
      return j - i;
    }
  }
  // \s*[\r\n]+ : up to and including the last newline of the whitespace run.
  size_t j = i, lastNewline = 0;
  bool sawNewline = false;
  while (c.isS(j)) {
    if (c.at(j) == '\r' || c.at(j) == '\n') {
      sawNewline = true;
      lastNewline = j;
    }
    ++j;
  }
  if (sawNewline)
    return lastNewline + 1 - i;
  return whitespaceRun(c, i);
}

void splitWith(size_t (*match)(const Cursor &, size_t), const Cursor &c,
               std::vector<Span> &out) {
  size_t i = c.begin;
  while (i < c.end) {
    size_t n = match(c, i);
    if (n == 0)
      n = 1; // unreachable for these regexes; guards against a stall
    const CodePoint &first = c.cps[i], &last = c.cps[i + n - 1];
    out.push_back({first.offset, last.offset + last.length - first.offset});
    i += n;
  }
}
} // namespace

std::vector<Span> preTokenize(PreTokenizer kind, std::string_view text) {
  std::vector<CodePoint> cps = unicode::decodeUtf8(text);
  std::vector<Span> out;
  switch (kind) {
  case PreTokenizer::GPT2:
    splitWith(matchGpt2, Cursor{cps, 0, cps.size()}, out);
    break;
  case PreTokenizer::Llama3:
    splitWith(matchLlama3, Cursor{cps, 0, cps.size()}, out);
    break;
  case PreTokenizer::SmolLM: {
    // Digits(individual_digits=true): every \p{N} is its own segment; the
    // GPT-2 regex then splits the segments in between.
    size_t start = 0;
    for (size_t i = 0; i <= cps.size(); ++i) {
      if (i < cps.size() && !unicode::isNumber(cps[i].cp))
        continue;
      splitWith(matchGpt2, Cursor{cps, start, i}, out);
      if (i < cps.size())
        out.push_back({cps[i].offset, cps[i].length});
      start = i + 1;
    }
    break;
  }
  }
  return out;
}

} // namespace qcc::tokenizer
