//===- WordPiece.cpp - Bert normalizer, pre-tokenizer and WordPiece -------===//
//
// Normalize (clean text, pad CJK, NFD + drop Mn, lowercase), split on
// whitespace and isolate punctuation, then greedy longest-match-first
// WordPiece with "##" continuations; a word that cannot be covered, or that is
// longer than max_input_chars_per_word, becomes [UNK].
//
//===----------------------------------------------------------------------===//
#include "Models.h"
#include "Unicode.h"

namespace qcc::tokenizer {
namespace {
/// Bert's punctuation: ASCII punctuation (including $+<=>^`|~) or Unicode P*.
bool isBertPunctuation(char32_t cp) {
  if ((cp >= 33 && cp <= 47) || (cp >= 58 && cp <= 64) || (cp >= 91 && cp <= 96) ||
      (cp >= 123 && cp <= 126))
    return true;
  return unicode::isPunctuation(cp);
}

void appendCodePoints(std::string &out, const std::vector<char32_t> &cps, size_t b, size_t e) {
  for (size_t i = b; i < e; ++i)
    unicode::appendUtf8(out, cps[i]);
}
} // namespace

void WordPieceTokenizer::setVocab(std::vector<std::string> tokens) {
  idToToken = std::move(tokens);
  tokenToId.clear();
  tokenToId.reserve(idToToken.size());
  for (size_t i = 0; i < idToToken.size(); ++i)
    if (!idToToken[i].empty())
      tokenToId.emplace(idToToken[i], int32_t(i));
}

void WordPieceTokenizer::encodeWord(const std::vector<char32_t> &word,
                                    std::vector<int32_t> &out) const {
  if (word.size() > maxInputCharsPerWord) {
    out.push_back(unkId);
    return;
  }
  std::vector<int32_t> pieces;
  std::string candidate;
  size_t start = 0;
  while (start < word.size()) {
    int32_t found = -1;
    size_t end = word.size();
    for (; end > start; --end) {
      candidate.clear();
      if (start > 0)
        candidate = continuingPrefix;
      appendCodePoints(candidate, word, start, end);
      auto it = tokenToId.find(candidate);
      if (it != tokenToId.end()) {
        found = it->second;
        break;
      }
    }
    if (found < 0) {
      out.push_back(unkId);
      return;
    }
    pieces.push_back(found);
    start = end;
  }
  out.insert(out.end(), pieces.begin(), pieces.end());
}

void WordPieceTokenizer::encodeText(std::string_view text, std::vector<int32_t> &out) const {
  // BertNormalizer.
  std::vector<char32_t> norm;
  norm.reserve(text.size());
  for (const unicode::CodePoint &c : unicode::decodeUtf8(text)) {
    char32_t cp = c.cp;
    if (cleanText) {
      bool ctrl = cp != '\t' && cp != '\n' && cp != '\r' && unicode::isControl(cp);
      if (cp == 0 || cp == 0xFFFD || ctrl)
        continue;
      if (unicode::isWhiteSpace(cp))
        cp = ' ';
    }
    if (handleChineseChars && unicode::isCjk(cp)) {
      norm.push_back(' ');
      norm.push_back(cp);
      norm.push_back(' ');
    } else {
      norm.push_back(cp);
    }
  }
  if (stripAccents) {
    std::vector<char32_t> d = unicode::nfd(norm);
    norm.clear();
    for (char32_t cp : d)
      if (!unicode::isMarkNonspacing(cp))
        norm.push_back(cp);
  }
  if (lowercase) {
    std::vector<char32_t> l;
    l.reserve(norm.size());
    for (char32_t cp : norm)
      unicode::appendLowercase(l, cp);
    norm.swap(l);
  }
  // BertPreTokenizer: whitespace separates words, punctuation is isolated.
  std::vector<char32_t> word;
  auto flush = [&] {
    if (!word.empty())
      encodeWord(word, out);
    word.clear();
  };
  for (char32_t cp : norm) {
    if (unicode::isWhiteSpace(cp)) {
      flush();
    } else if (isBertPunctuation(cp)) {
      flush();
      word.push_back(cp);
      flush();
    } else {
      word.push_back(cp);
    }
  }
  flush();
}

std::vector<int32_t> WordPieceTokenizer::encode(std::string_view text, bool addSpecial) const {
  checkInputSize(text);
  std::vector<int32_t> out;
  if (addSpecial)
    out = prefixIds;
  for (const Segment &seg : added.split(text)) {
    if (seg.addedId >= 0)
      out.push_back(seg.addedId);
    else
      encodeText(seg.text, out);
  }
  if (addSpecial)
    out.insert(out.end(), suffixIds.begin(), suffixIds.end());
  return out;
}

std::string WordPieceTokenizer::decode(const std::vector<int32_t> &ids, bool skipSpecial) const {
  // The WordPiece decoder's cleanup of tokenization spaces; like HF it is
  // applied to each token's piece (" " + token), not to the joined text.
  static const std::pair<const char *, const char *> kRules[] = {
      {" .", "."},   {" ?", "?"},     {" !", "!"},   {" ,", ","},   {" ' ", "'"},
      {" n't", "n't"}, {" 'm", "'m"}, {" do not", " don't"}, {" 's", "'s"},
      {" 've", "'ve"}, {" 're", "'re"}};
  auto cleanup = [](std::string piece) {
    for (const auto &[from, to] : kRules) {
      std::string f(from), res;
      size_t pos = 0, hit;
      while ((hit = piece.find(f, pos)) != std::string::npos) {
        res.append(piece, pos, hit - pos);
        res += to;
        pos = hit + f.size();
      }
      res.append(piece, pos, std::string::npos);
      piece.swap(res);
    }
    return piece;
  };
  std::string out;
  bool first = true;
  for (int32_t id : ids) {
    if (id < 0 || size_t(id) >= idToToken.size())
      throw TokenizerError("decode: token id " + std::to_string(id) +
                           " is outside the vocabulary of " + std::to_string(idToToken.size()));
    if (skipSpecial && added.isSpecial(id))
      continue;
    const std::string &t = idToToken[id];
    std::string piece;
    if (!first && t.compare(0, continuingPrefix.size(), continuingPrefix) == 0)
      piece = t.substr(continuingPrefix.size());
    else
      piece = (first ? "" : " ") + t;
    out += decoderCleanup ? cleanup(std::move(piece)) : piece;
    first = false;
  }
  return out;
}

} // namespace qcc::tokenizer
