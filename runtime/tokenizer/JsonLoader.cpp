//===- JsonLoader.cpp - Loads a Hugging Face tokenizer.json ---------------===//
//
// Supports model BPE with a ByteLevel pre-tokenizer (GPT-2, SmolLM's
// Digits+ByteLevel, Llama-3's Split+ByteLevel) and model WordPiece with the
// BertNormalizer/BertPreTokenizer. Anything else is rejected with an error
// that names the file and the JSON field.
//
//===----------------------------------------------------------------------===//
#include "Models.h"

#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>

namespace qcc::tokenizer {
namespace {
using json = nlohmann::json;

/// The Llama-3 pre-tokenizer regex as tokenizer.json spells it.
const char *kLlama3Pattern =
    "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| "
    "?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

/// Loader state: the file name for errors plus typed accessors.
struct Loader {
  std::string src;

  [[noreturn]] void fail(const std::string &what) const { throw TokenizerError(src + ": " + what); }

  const json &member(const json &obj, const char *key, const std::string &path) const {
    if (!obj.is_object() || !obj.contains(key))
      fail(path + "." + key + " is missing");
    return obj.at(key);
  }

  std::vector<std::string> vocabFromObject(const json &vocab) const {
    if (!vocab.is_object())
      fail("model.vocab must be an object {token: id}");
    int64_t maxId = -1;
    for (auto it = vocab.begin(); it != vocab.end(); ++it) {
      if (!it.value().is_number_integer())
        fail("model.vocab['" + it.key() + "'] is not an integer id");
      int64_t id = it.value().get<int64_t>();
      if (id < 0 || id > (1 << 24))
        fail("model.vocab['" + it.key() + "'] has out-of-range id " + std::to_string(id));
      maxId = std::max(maxId, id);
    }
    std::vector<std::string> tokens(size_t(maxId + 1));
    for (auto it = vocab.begin(); it != vocab.end(); ++it) {
      auto id = size_t(it.value().get<int64_t>());
      if (!tokens[id].empty())
        fail("model.vocab: id " + std::to_string(id) + " is used by both '" + tokens[id] +
             "' and '" + it.key() + "'");
      tokens[id] = it.key();
    }
    return tokens;
  }

  /// Adds added_tokens to the vocabulary (extending it) and to `matcher`.
  void loadAddedTokens(const json &root, std::vector<std::string> &tokens,
                       AddedTokenMatcher &matcher) const {
    if (!root.contains("added_tokens") || root["added_tokens"].is_null())
      return;
    const json &list = root["added_tokens"];
    if (!list.is_array())
      fail("added_tokens must be an array");
    for (size_t i = 0; i < list.size(); ++i) {
      std::string path = "added_tokens[" + std::to_string(i) + "]";
      const json &t = list[i];
      const json &id = member(t, "id", path), &content = member(t, "content", path);
      if (!id.is_number_integer() || id.get<int64_t>() < 0 || id.get<int64_t>() > (1 << 24))
        fail(path + ".id is not a valid id");
      if (!content.is_string() || content.get<std::string>().empty())
        fail(path + ".content is not a non-empty string");
      auto n = size_t(id.get<int64_t>());
      if (n >= tokens.size())
        tokens.resize(n + 1);
      if (tokens[n].empty())
        tokens[n] = content.get<std::string>();
      bool special = t.value("special", false);
      matcher.add({content.get<std::string>(), int32_t(n), special});
    }
  }

  int32_t idOf(const Tokenizer &tok, const std::string &token, const std::string &path) const {
    int32_t id = tok.tokenId(token);
    if (id < 0)
      fail(path + ": token '" + token + "' is not in the vocabulary");
    return id;
  }

  /// TemplateProcessing / BertProcessing / RobertaProcessing -> prefix/suffix ids.
  void loadPostProcessor(const json &root, const Tokenizer &tok, std::vector<int32_t> &prefix,
                         std::vector<int32_t> &suffix) const {
    if (!root.contains("post_processor") || root["post_processor"].is_null())
      return;
    const json &pp = root["post_processor"];
    std::string type = pp.value("type", "");
    if (type == "ByteLevel")
      return;
    if (type == "BertProcessing" || type == "RobertaProcessing") {
      const json &cls = member(pp, "cls", "post_processor"), &sep = member(pp, "sep", "post_processor");
      prefix.push_back(idOf(tok, cls.at(0).get<std::string>(), "post_processor.cls"));
      suffix.push_back(idOf(tok, sep.at(0).get<std::string>(), "post_processor.sep"));
      return;
    }
    if (type != "TemplateProcessing")
      fail("post_processor.type '" + type + "' is not supported");
    const json &single = member(pp, "single", "post_processor");
    if (!single.is_array())
      fail("post_processor.single must be an array");
    bool seenSequence = false;
    for (const json &piece : single) {
      if (piece.contains("Sequence")) {
        seenSequence = true;
        continue;
      }
      if (!piece.contains("SpecialToken"))
        fail("post_processor.single has an entry that is neither Sequence nor SpecialToken");
      std::string name = member(piece["SpecialToken"], "id", "post_processor.single").get<std::string>();
      int32_t id = idOf(tok, name, "post_processor.single");
      if (pp.contains("special_tokens") && pp["special_tokens"].contains(name)) {
        const json &ids = pp["special_tokens"][name].value("ids", json::array());
        if (ids.size() == 1 && ids[0].is_number_integer())
          id = ids[0].get<int32_t>();
      }
      (seenSequence ? suffix : prefix).push_back(id);
    }
  }

  /// Maps the pre_tokenizer JSON to a PreTokenizer kind.
  PreTokenizer preTokenizerKind(const json &root, bool &addPrefixSpace) const {
    if (!root.contains("pre_tokenizer") || root["pre_tokenizer"].is_null())
      fail("pre_tokenizer is missing (byte-level BPE needs a ByteLevel pre-tokenizer)");
    const json &pt = root["pre_tokenizer"];
    std::string type = pt.value("type", "");
    auto isByteLevel = [&](const json &p, bool useRegex) {
      if (p.value("type", "") != "ByteLevel" || p.value("use_regex", true) != useRegex)
        return false;
      addPrefixSpace = p.value("add_prefix_space", false);
      return true;
    };
    if (isByteLevel(pt, true))
      return PreTokenizer::GPT2;
    if (type == "Sequence" && pt.contains("pretokenizers") && pt["pretokenizers"].is_array() &&
        pt["pretokenizers"].size() == 2) {
      const json &a = pt["pretokenizers"][0], &b = pt["pretokenizers"][1];
      if (a.value("type", "") == "Digits" && a.value("individual_digits", false) &&
          isByteLevel(b, true))
        return PreTokenizer::SmolLM;
      if (a.value("type", "") == "Split" && a.contains("pattern") &&
          a["pattern"].value("Regex", "") == kLlama3Pattern && isByteLevel(b, false))
        return PreTokenizer::Llama3;
    }
    fail("pre_tokenizer " + pt.dump().substr(0, 200) +
         " is not supported (ByteLevel, Digits+ByteLevel, or the Llama-3 Split+ByteLevel)");
  }

  std::unique_ptr<Tokenizer> loadBpe(const json &root, const json &model) const {
    auto tok = std::make_unique<BpeTokenizer>();
    if (model.value("byte_fallback", false))
      fail("model.byte_fallback (SentencePiece-style <0xXX> tokens) is not supported");
    if (root.contains("normalizer") && !root["normalizer"].is_null())
      fail("normalizer " + root["normalizer"].value("type", std::string("?")) +
           " is not supported for byte-level BPE (expected null)");
    tok->pre = preTokenizerKind(root, tok->addPrefixSpace);
    tok->ignoreMerges = model.value("ignore_merges", false);
    std::vector<std::string> tokens = vocabFromObject(member(model, "vocab", "model"));
    AddedTokenMatcher &added = tok->added;
    loadAddedTokens(root, tokens, added);
    tok->setVocab(std::move(tokens));
    if (!model.contains("merges") || model["merges"].is_null())
      fail("model.merges is missing (required for BPE)");
    const json &merges = model["merges"];
    if (!merges.is_array())
      fail("model.merges must be an array");
    for (size_t i = 0; i < merges.size(); ++i) {
      const json &m = merges[i];
      std::string where = src + ": model.merges[" + std::to_string(i) + "]";
      std::string left, right;
      if (m.is_string()) {
        const std::string s = m.get<std::string>();
        size_t sp = s.find(' ');
        if (sp == std::string::npos || sp == 0 || sp + 1 == s.size() ||
            s.find(' ', sp + 1) != std::string::npos)
          throw TokenizerError(where + " '" + s + "': expected two tokens separated by one space");
        left = s.substr(0, sp);
        right = s.substr(sp + 1);
      } else if (m.is_array() && m.size() == 2 && m[0].is_string() && m[1].is_string()) {
        left = m[0].get<std::string>();
        right = m[1].get<std::string>();
      } else {
        throw TokenizerError(where + ": expected \"a b\" or [\"a\", \"b\"]");
      }
      tok->addMerge(left, right, int32_t(i), where + " '" + left + " " + right + "'");
    }
    loadPostProcessor(root, *tok, tok->prefixIds, tok->suffixIds);
    int32_t bos = tok->prefixIds.empty() ? -1 : tok->prefixIds.front();
    int32_t eos = -1;
    for (const char *name : {"<|endoftext|>", "<|end_of_text|>", "</s>", "<|im_end|>"})
      if (eos < 0)
        eos = tok->tokenId(name);
    tok->setBosEos(bos, eos);
    tok->finish();
    return tok;
  }

  std::unique_ptr<Tokenizer> loadWordPiece(const json &root, const json &model) const {
    auto tok = std::make_unique<WordPieceTokenizer>();
    std::vector<std::string> tokens = vocabFromObject(member(model, "vocab", "model"));
    loadAddedTokens(root, tokens, tok->added);
    tok->setVocab(std::move(tokens));
    std::string unk = model.value("unk_token", std::string("[UNK]"));
    tok->unkId = idOf(*tok, unk, "model.unk_token");
    tok->continuingPrefix = model.value("continuing_subword_prefix", std::string("##"));
    int64_t maxChars = model.value("max_input_chars_per_word", int64_t(100));
    if (maxChars <= 0)
      fail("model.max_input_chars_per_word must be positive");
    tok->maxInputCharsPerWord = size_t(maxChars);
    if (root.contains("normalizer") && !root["normalizer"].is_null()) {
      const json &n = root["normalizer"];
      if (n.value("type", "") != "BertNormalizer")
        fail("normalizer " + n.value("type", std::string("?")) +
             " is not supported for WordPiece (expected BertNormalizer)");
      tok->cleanText = n.value("clean_text", true);
      tok->handleChineseChars = n.value("handle_chinese_chars", true);
      tok->lowercase = n.value("lowercase", true);
      // strip_accents: null means "follow lowercase" (as in BERT).
      tok->stripAccents = (n.contains("strip_accents") && !n["strip_accents"].is_null())
                              ? n["strip_accents"].get<bool>()
                              : tok->lowercase;
    } else {
      tok->cleanText = tok->handleChineseChars = tok->stripAccents = tok->lowercase = false;
    }
    if (root.contains("pre_tokenizer") && !root["pre_tokenizer"].is_null() &&
        root["pre_tokenizer"].value("type", "") != "BertPreTokenizer")
      fail("pre_tokenizer " + root["pre_tokenizer"].value("type", std::string("?")) +
           " is not supported for WordPiece (expected BertPreTokenizer)");
    if (root.contains("decoder") && root["decoder"].is_object())
      tok->decoderCleanup = root["decoder"].value("cleanup", true);
    loadPostProcessor(root, *tok, tok->prefixIds, tok->suffixIds);
    return tok;
  }

  std::unique_ptr<Tokenizer> load(std::string_view text) const {
    json root;
    try {
      root = json::parse(text.begin(), text.end());
    } catch (const json::parse_error &e) {
      fail(std::string("invalid JSON: ") + e.what());
    }
    try {
      const json &model = member(root, "model", "<root>");
      std::string type = model.value("type", std::string(model.contains("merges") ? "BPE" : ""));
      if (type == "BPE")
        return loadBpe(root, model);
      if (type == "WordPiece")
        return loadWordPiece(root, model);
      fail("model.type '" + type + "' is not supported (BPE or WordPiece)");
    } catch (const json::exception &e) {
      fail(std::string("unexpected JSON structure: ") + e.what());
    }
  }
};
} // namespace

std::unique_ptr<Tokenizer> Tokenizer::fromJsonText(std::string_view json,
                                                   const std::string &source) {
  return Loader{source}.load(json);
}

std::unique_ptr<Tokenizer> Tokenizer::fromJsonFile(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw TokenizerError(path + ": cannot open file");
  std::stringstream ss;
  ss << in.rdbuf();
  if (in.bad())
    throw TokenizerError(path + ": read error");
  return fromJsonText(ss.str(), path);
}

} // namespace qcc::tokenizer
