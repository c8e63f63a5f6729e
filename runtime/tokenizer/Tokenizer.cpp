//===- Tokenizer.cpp - Shared tokenizer pieces and the GGUF-array loader --===//
#include "Models.h"

#include <algorithm>

namespace qcc::tokenizer {

Tokenizer::~Tokenizer() = default;

const std::string &Tokenizer::tokenString(int32_t id) const {
  static const std::string empty;
  return (id >= 0 && size_t(id) < idToToken.size()) ? idToToken[id] : empty;
}

int32_t Tokenizer::tokenId(std::string_view token) const {
  auto it = tokenToId.find(std::string(token));
  return it == tokenToId.end() ? -1 : it->second;
}

void checkInputSize(std::string_view text) {
  if (text.size() >= (uint64_t(1) << 32))
    throw TokenizerError("encode: input of " + std::to_string(text.size()) +
                         " bytes exceeds the 4 GiB limit");
}

void AddedTokenMatcher::add(AddedToken token) {
  if (token.content.empty() || byId.count(token.id))
    return;
  firstBytes.set(static_cast<unsigned char>(token.content[0]));
  tokens.push_back(std::move(token));
  std::sort(tokens.begin(), tokens.end(), [](const AddedToken &a, const AddedToken &b) {
    if (a.content.size() != b.content.size())
      return a.content.size() > b.content.size();
    return a.id < b.id;
  });
  byId.clear();
  for (size_t i = 0; i < tokens.size(); ++i)
    byId[tokens[i].id] = i;
}

std::vector<Segment> AddedTokenMatcher::split(std::string_view text) const {
  std::vector<Segment> out;
  size_t start = 0;
  for (size_t i = 0; i < text.size();) {
    const AddedToken *hit = nullptr;
    if (firstBytes.test(static_cast<unsigned char>(text[i])))
      for (const AddedToken &t : tokens)
        if (text.compare(i, t.content.size(), t.content) == 0) {
          hit = &t;
          break;
        }
    if (!hit) {
      ++i;
      continue;
    }
    if (i > start)
      out.push_back({text.substr(start, i - start), -1});
    out.push_back({text.substr(i, hit->content.size()), hit->id});
    i += hit->content.size();
    start = i;
  }
  if (start < text.size())
    out.push_back({text.substr(start), -1});
  return out;
}

bool AddedTokenMatcher::isSpecial(int32_t id) const {
  const AddedToken *t = find(id);
  return t && t->special;
}

const AddedToken *AddedTokenMatcher::find(int32_t id) const {
  auto it = byId.find(id);
  return it == byId.end() ? nullptr : &tokens[it->second];
}

std::unique_ptr<Tokenizer> Tokenizer::fromBpeArrays(const BpeArrays &a) {
  const std::string &src = a.source;
  if (a.tokens.empty())
    throw TokenizerError(src + ": tokenizer.ggml.tokens is empty");
  if (a.merges.empty())
    throw TokenizerError(src + ": tokenizer.ggml.merges is missing or empty (required for BPE)");
  if (!a.tokenTypes.empty() && a.tokenTypes.size() != a.tokens.size())
    throw TokenizerError(src + ": tokenizer.ggml.token_type has " +
                         std::to_string(a.tokenTypes.size()) + " entries but tokenizer.ggml.tokens has " +
                         std::to_string(a.tokens.size()));
  auto checkId = [&](int32_t id, const char *name) {
    if (id < -1 || id >= int32_t(a.tokens.size()))
      throw TokenizerError(src + ": " + name + " " + std::to_string(id) +
                           " is outside the vocabulary of " + std::to_string(a.tokens.size()));
  };
  checkId(a.bosId, "tokenizer.ggml.bos_token_id");
  checkId(a.eosId, "tokenizer.ggml.eos_token_id");

  auto tok = std::make_unique<BpeTokenizer>();
  if (a.pre == "gpt2" || a.pre == "default" || a.pre.empty())
    tok->pre = PreTokenizer::GPT2;
  else if (a.pre == "smollm")
    tok->pre = PreTokenizer::SmolLM;
  else if (a.pre == "llama-bpe" || a.pre == "llama3") {
    tok->pre = PreTokenizer::Llama3;
    tok->ignoreMerges = true;
  } else
    throw TokenizerError(src + ": tokenizer.ggml.pre '" + a.pre +
                         "' is not supported (gpt2, smollm, llama-bpe)");
  tok->setVocab(a.tokens);
  for (size_t i = 0; i < a.merges.size(); ++i) {
    const std::string &m = a.merges[i];
    size_t sp = m.find(' ');
    std::string where = src + ": tokenizer.ggml.merges[" + std::to_string(i) + "] '" + m + "'";
    if (sp == std::string::npos || sp == 0 || sp + 1 == m.size() ||
        m.find(' ', sp + 1) != std::string::npos)
      throw TokenizerError(where + ": expected two tokens separated by one space");
    tok->addMerge(m.substr(0, sp), m.substr(sp + 1), int32_t(i), where);
  }
  for (size_t i = 0; i < a.tokenTypes.size(); ++i) {
    auto type = TokenType(a.tokenTypes[i]);
    if (type == TokenType::Control || type == TokenType::UserDefined)
      tok->added.add({a.tokens[i], int32_t(i), type == TokenType::Control});
  }
  tok->setBosEos(a.bosId, a.eosId);
  if (a.addBos && a.bosId >= 0)
    tok->prefixIds.push_back(a.bosId);
  tok->finish();
  return tok;
}

} // namespace qcc::tokenizer
