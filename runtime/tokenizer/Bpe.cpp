//===- Bpe.cpp - Byte-level BPE encode and decode -------------------------===//
//
// Words from the pre-tokenizer are mapped byte by byte to the GPT-2
// bytes_to_unicode alphabet, then the adjacent pair with the lowest merge rank
// (leftmost on ties) is merged until no pair has a rank (heap + linked list).
//
//===----------------------------------------------------------------------===//
#include "Models.h"
#include "PreTokenize.h"

#include <functional>
#include <queue>

namespace qcc::tokenizer {

void BpeTokenizer::setVocab(std::vector<std::string> tokens) {
  idToToken = std::move(tokens);
  tokenToId.clear();
  tokenToId.reserve(idToToken.size());
  for (size_t i = 0; i < idToToken.size(); ++i)
    if (!idToToken[i].empty())
      tokenToId.emplace(idToToken[i], int32_t(i)); // first id wins on duplicates
}

void BpeTokenizer::addMerge(const std::string &left, const std::string &right, int32_t rank,
                            const std::string &where) {
  int32_t l = tokenId(left), r = tokenId(right), m = tokenId(left + right);
  if (l < 0)
    throw TokenizerError(where + ": token '" + left + "' is not in the vocabulary");
  if (r < 0)
    throw TokenizerError(where + ": token '" + right + "' is not in the vocabulary");
  if (m < 0)
    throw TokenizerError(where + ": merged token '" + left + right + "' is not in the vocabulary");
  uint64_t key = (uint64_t(uint32_t(l)) << 32) | uint32_t(r);
  merges.emplace(key, Merge{rank, m}); // the first (lowest-rank) entry wins
}

void BpeTokenizer::finish() {
  // GPT-2 bytes_to_unicode: printable Latin-1 bytes map to themselves, the
  // others to U+0100.. in byte order.
  char32_t next = 256;
  for (int b = 0; b < 256; ++b) {
    bool printable = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
    byteToChar[b] = printable ? char32_t(b) : next++;
    charToByte[byteToChar[b]] = uint8_t(b);
    std::string s;
    unicode::appendUtf8(s, byteToChar[b]);
    byteToId[b] = tokenId(s);
  }
}

void BpeTokenizer::mergeSymbols(std::vector<int32_t> &symbols) const {
  // Symbols form a linked list; a min-heap holds candidate pairs ordered by
  // (rank, position), so the leftmost lowest-rank pair merges first and long
  // words cost O(n log n). Stale heap entries are skipped when popped.
  struct Candidate {
    int32_t rank;
    uint32_t pos;
    int32_t left, right, result;
    bool operator>(const Candidate &o) const {
      return rank != o.rank ? rank > o.rank : pos > o.pos;
    }
  };
  size_t n = symbols.size();
  if (n < 2)
    return;
  std::vector<int32_t> next(n), prev(n);
  for (size_t i = 0; i < n; ++i) {
    next[i] = i + 1 < n ? int32_t(i + 1) : -1;
    prev[i] = int32_t(i) - 1;
  }
  std::priority_queue<Candidate, std::vector<Candidate>, std::greater<Candidate>> heap;
  auto push = [&](int32_t pos) {
    if (pos < 0 || next[pos] < 0)
      return;
    int32_t l = symbols[pos], r = symbols[next[pos]];
    auto it = merges.find((uint64_t(uint32_t(l)) << 32) | uint32_t(r));
    if (it != merges.end())
      heap.push({it->second.rank, uint32_t(pos), l, r, it->second.result});
  };
  for (size_t i = 0; i + 1 < n; ++i)
    push(int32_t(i));
  std::vector<bool> alive(n, true);
  while (!heap.empty()) {
    Candidate c = heap.top();
    heap.pop();
    int32_t pos = int32_t(c.pos), nx = next[pos];
    if (!alive[pos] || nx < 0 || symbols[pos] != c.left || symbols[nx] != c.right)
      continue; // stale
    symbols[pos] = c.result;
    alive[nx] = false;
    next[pos] = next[nx];
    if (next[nx] >= 0)
      prev[next[nx]] = pos;
    push(prev[pos]);
    push(pos);
  }
  std::vector<int32_t> merged;
  for (int32_t i = 0; i >= 0; i = next[i])
    merged.push_back(symbols[i]);
  symbols.swap(merged);
}

void BpeTokenizer::encodeWord(std::string_view word, std::vector<int32_t> &out) const {
  {
    std::lock_guard<std::mutex> lock(cacheMutex);
    auto it = cache.find(std::string(word));
    if (it != cache.end()) {
      out.insert(out.end(), it->second.begin(), it->second.end());
      return;
    }
  }
  std::vector<int32_t> symbols;
  symbols.reserve(word.size());
  int32_t whole = -1;
  if (ignoreMerges) {
    std::string mapped;
    for (unsigned char b : word)
      unicode::appendUtf8(mapped, byteToChar[b]);
    whole = tokenId(mapped);
  }
  if (whole >= 0) {
    symbols.push_back(whole);
  } else {
    for (unsigned char b : word)
      if (byteToId[b] >= 0)
        symbols.push_back(byteToId[b]); // a byte without a token is dropped, as in HF
    mergeSymbols(symbols);
  }
  out.insert(out.end(), symbols.begin(), symbols.end());
  std::lock_guard<std::mutex> lock(cacheMutex);
  if (cache.size() > 200000)
    cache.clear();
  cache.emplace(std::string(word), std::move(symbols));
}

std::vector<int32_t> BpeTokenizer::encode(std::string_view text, bool addSpecial) const {
  checkInputSize(text);
  std::vector<int32_t> out;
  if (addSpecial)
    out = prefixIds;
  for (const Segment &seg : added.split(text)) {
    if (seg.addedId >= 0) {
      out.push_back(seg.addedId);
      continue;
    }
    // ByteLevel add_prefix_space applies to every text segment between added tokens.
    std::string prefixed;
    std::string_view body = seg.text;
    if (addPrefixSpace && !body.empty() && body[0] != ' ') {
      prefixed = " " + std::string(body);
      body = prefixed;
    }
    for (const Span &s : preTokenize(pre, body))
      encodeWord(body.substr(s.offset, s.length), out);
  }
  if (addSpecial)
    out.insert(out.end(), suffixIds.begin(), suffixIds.end());
  return out;
}

std::string BpeTokenizer::decode(const std::vector<int32_t> &ids, bool skipSpecial) const {
  std::string out;
  for (int32_t id : ids) {
    if (id < 0 || size_t(id) >= idToToken.size())
      throw TokenizerError("decode: token id " + std::to_string(id) +
                           " is outside the vocabulary of " + std::to_string(idToToken.size()));
    if (const AddedToken *t = added.find(id)) {
      if (!(skipSpecial && t->special))
        out += t->content;
      continue;
    }
    for (const unicode::CodePoint &c : unicode::decodeUtf8(idToToken[id])) {
      auto it = charToByte.find(c.cp);
      if (it != charToByte.end())
        out.push_back(char(it->second));
      else
        out.append(idToToken[id], c.offset, c.length); // not a byte-level char
    }
  }
  return out;
}

} // namespace qcc::tokenizer
