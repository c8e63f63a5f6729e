//===- Unicode.cpp - UTF-8 decoding and Unicode property lookups ----------===//
#include "Unicode.h"

#include <algorithm>

namespace qcc::tokenizer::unicode {
namespace {
struct CodeRange {
  char32_t first, last;
};
struct CaseMapping {
  char32_t cp;
  char32_t to[3];
};
struct Decomposition {
  char32_t cp;
  char32_t to[4];
};
struct CombiningClass {
  char32_t cp;
  uint8_t ccc;
};
#include "UnicodeTables.inc"

template <size_t N> bool inRanges(const CodeRange (&table)[N], char32_t cp) {
  const CodeRange *end = table + N;
  const CodeRange *it = std::upper_bound(
      table, end, cp, [](char32_t c, const CodeRange &r) { return c < r.first; });
  return it != table && cp <= (it - 1)->last;
}

template <typename T, size_t N> const T *findEntry(const T (&table)[N], char32_t cp) {
  const T *end = table + N;
  const T *it = std::lower_bound(table, end, cp,
                                 [](const T &e, char32_t c) { return e.cp < c; });
  return (it != end && it->cp == cp) ? it : nullptr;
}
} // namespace

std::vector<CodePoint> decodeUtf8(std::string_view text) {
  std::vector<CodePoint> out;
  out.reserve(text.size());
  const auto *s = reinterpret_cast<const unsigned char *>(text.data());
  size_t n = text.size(), i = 0;
  while (i < n) {
    unsigned char b = s[i];
    uint32_t len = 0;
    char32_t cp = 0, min = 0;
    if (b < 0x80) {
      out.push_back({b, uint32_t(i), 1});
      ++i;
      continue;
    }
    if ((b & 0xE0) == 0xC0) { len = 2; cp = b & 0x1F; min = 0x80; }
    else if ((b & 0xF0) == 0xE0) { len = 3; cp = b & 0x0F; min = 0x800; }
    else if ((b & 0xF8) == 0xF0) { len = 4; cp = b & 0x07; min = 0x10000; }
    bool ok = len != 0 && i + len <= n;
    for (uint32_t k = 1; ok && k < len; ++k) {
      if ((s[i + k] & 0xC0) != 0x80)
        ok = false;
      else
        cp = (cp << 6) | (s[i + k] & 0x3F);
    }
    if (ok && (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)))
      ok = false;
    if (!ok) {
      out.push_back({0xFFFD, uint32_t(i), 1});
      ++i;
      continue;
    }
    out.push_back({cp, uint32_t(i), len});
    i += len;
  }
  return out;
}

void appendUtf8(std::string &out, char32_t cp) {
  if (cp < 0x80) {
    out.push_back(char(cp));
  } else if (cp < 0x800) {
    out.push_back(char(0xC0 | (cp >> 6)));
    out.push_back(char(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(char(0xE0 | (cp >> 12)));
    out.push_back(char(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(char(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(char(0xF0 | (cp >> 18)));
    out.push_back(char(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(char(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(char(0x80 | (cp & 0x3F)));
  }
}

bool isLetter(char32_t cp) {
  if (cp < 0x80)
    return (cp | 0x20) >= 'a' && (cp | 0x20) <= 'z';
  return inRanges(kLetterRanges, cp);
}
bool isNumber(char32_t cp) {
  if (cp < 0x80)
    return cp >= '0' && cp <= '9';
  return inRanges(kNumberRanges, cp);
}
bool isWhiteSpace(char32_t cp) {
  if (cp < 0x80)
    return cp == ' ' || (cp >= 0x9 && cp <= 0xD);
  return inRanges(kWhiteSpaceRanges, cp);
}
bool isPunctuation(char32_t cp) { return inRanges(kPunctuationRanges, cp); }
bool isMarkNonspacing(char32_t cp) { return inRanges(kMarkNonspacingRanges, cp); }
bool isControl(char32_t cp) { return inRanges(kControlRanges, cp); }

bool isCjk(char32_t cp) {
  return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) ||
         (cp >= 0x20000 && cp <= 0x2A6DF) || (cp >= 0x2A700 && cp <= 0x2B73F) ||
         (cp >= 0x2B740 && cp <= 0x2B81F) || (cp >= 0x2B920 && cp <= 0x2CEAF) ||
         (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x2F800 && cp <= 0x2FA1F);
}

void appendLowercase(std::vector<char32_t> &out, char32_t cp) {
  if (cp < 0x80) {
    out.push_back((cp >= 'A' && cp <= 'Z') ? cp + 32 : cp);
    return;
  }
  const CaseMapping *m = findEntry(kLowercase, cp);
  if (!m) {
    out.push_back(cp);
    return;
  }
  for (char32_t c : m->to)
    if (c)
      out.push_back(c);
}

void appendDecomposition(std::vector<char32_t> &out, char32_t cp) {
  // Hangul syllables (Unicode 3.12, conjoining jamo behaviour).
  constexpr char32_t SBase = 0xAC00, LBase = 0x1100, VBase = 0x1161, TBase = 0x11A7;
  constexpr char32_t TCount = 28, NCount = 588, SCount = 11172;
  if (cp >= SBase && cp < SBase + SCount) {
    char32_t s = cp - SBase;
    out.push_back(LBase + s / NCount);
    out.push_back(VBase + (s % NCount) / TCount);
    if (s % TCount)
      out.push_back(TBase + s % TCount);
    return;
  }
  const Decomposition *d = cp < 0xC0 ? nullptr : findEntry(kDecompositions, cp);
  if (!d) {
    out.push_back(cp);
    return;
  }
  for (char32_t c : d->to)
    if (c)
      out.push_back(c); // the table holds full (recursive) decompositions
}

uint8_t combiningClass(char32_t cp) {
  if (cp < 0x300)
    return 0;
  const CombiningClass *c = findEntry(kCombiningClasses, cp);
  return c ? c->ccc : 0;
}

std::vector<char32_t> nfd(const std::vector<char32_t> &in) {
  std::vector<char32_t> out;
  out.reserve(in.size());
  for (char32_t cp : in)
    appendDecomposition(out, cp);
  // Canonical ordering: stable sort each run of non-starters by class.
  size_t i = 0;
  while (i < out.size()) {
    if (combiningClass(out[i]) == 0) {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < out.size() && combiningClass(out[j]) != 0)
      ++j;
    // Insertion sort: stable, and runs of marks are short.
    for (size_t k = i + 1; k < j; ++k)
      for (size_t m = k; m > i && combiningClass(out[m - 1]) > combiningClass(out[m]); --m)
        std::swap(out[m - 1], out[m]);
    i = j;
  }
  return out;
}

} // namespace qcc::tokenizer::unicode
