//===- TokenizerTest.cpp - Unit tests of runtime/tokenizer ----------------===//
//
// Toy vocabularies written inline: merge priority, byte tokens for unmerged
// and invalid UTF-8, added/special tokens, empty input, decode round trip,
// GGUF-array loading, pre-tokenizer splits, WordPiece, and bad inputs.
//
//===----------------------------------------------------------------------===//
#include "PreTokenize.h"
#include "qcc/Tokenizer/Tokenizer.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <fstream>
#include <random>

using namespace qcc::tokenizer;
using json = nlohmann::json;

namespace {
/// GPT-2's byte -> printable code point table, written independently of the library.
std::vector<std::string> byteLevelAlphabet() {
  std::vector<std::string> out(256);
  int next = 256;
  for (int b = 0; b < 256; ++b) {
    bool keep = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
    int cp = keep ? b : next++;
    std::string s;
    if (cp < 0x80) {
      s.push_back(char(cp));
    } else {
      s.push_back(char(0xC0 | (cp >> 6)));
      s.push_back(char(0x80 | (cp & 0x3F)));
    }
    out[b] = s;
  }
  return out;
}

/// A byte-level BPE tokenizer.json: the 256 byte tokens (ids 0..255), then
/// the merge results in order, then <|endoftext|>.
json toyBpe(const std::vector<std::pair<std::string, std::string>> &merges, bool listForm) {
  json vocab = json::object();
  std::vector<std::string> alpha = byteLevelAlphabet();
  for (int b = 0; b < 256; ++b)
    vocab[alpha[b]] = b;
  int next = 256;
  json m = json::array();
  for (auto &[a, b] : merges) {
    if (!vocab.contains(a + b))
      vocab[a + b] = next++;
    if (listForm)
      m.push_back(json::array({a, b}));
    else
      m.push_back(a + " " + b);
  }
  vocab["<|endoftext|>"] = next;
  return json{{"model", {{"type", "BPE"}, {"vocab", vocab}, {"merges", m}}},
              {"added_tokens", json::array({{{"id", next}, {"content", "<|endoftext|>"},
                                             {"special", true}}})},
              {"normalizer", nullptr},
              {"pre_tokenizer", {{"type", "ByteLevel"}, {"add_prefix_space", false},
                                 {"use_regex", true}}}};
}

std::unique_ptr<Tokenizer> load(const json &j) { return Tokenizer::fromJsonText(j.dump(), "toy.json"); }

std::vector<std::string> pieces(const Tokenizer &t, const std::vector<int32_t> &ids) {
  std::vector<std::string> out;
  for (int32_t id : ids)
    out.push_back(t.tokenString(id));
  return out;
}

std::string errorOf(const std::function<void()> &f) {
  try {
    f();
  } catch (const TokenizerError &e) {
    return e.what();
  }
  return "<no error>";
}

std::string writeTemp(const std::string &name, const std::string &content) {
  std::string path = ::testing::TempDir() + name;
  std::ofstream(path, std::ios::binary) << content;
  return path;
}
} // namespace

TEST(Bpe, LowerRankMergesFirst) {
  auto t1 = load(toyBpe({{"a", "b"}, {"b", "c"}}, false));
  EXPECT_EQ(pieces(*t1, t1->encode("abc")), (std::vector<std::string>{"ab", "c"}));
  auto t2 = load(toyBpe({{"b", "c"}, {"a", "b"}}, false));
  EXPECT_EQ(pieces(*t2, t2->encode("abc")), (std::vector<std::string>{"a", "bc"}));
}

TEST(Bpe, LongWordMergesInNearLinearTime) {
  // One 200000-byte word: a quadratic merge loop would take minutes.
  auto t = load(toyBpe({{"a", "a"}, {"aa", "aa"}}, false));
  std::vector<int32_t> ids = t->encode(std::string(200000, 'a') + "a");
  ASSERT_EQ(ids.size(), 50001u);
  EXPECT_EQ(t->tokenString(ids.front()), "aaaa");
  EXPECT_EQ(t->tokenString(ids.back()), "a");
}

TEST(Bpe, OverlappingPairsMergeLeftmostFirst) {
  auto t = load(toyBpe({{"a", "a"}}, false));
  EXPECT_EQ(pieces(*t, t->encode("aaa")), (std::vector<std::string>{"aa", "a"}));
}

TEST(Bpe, ListAndStringMergesAgree) {
  std::vector<std::pair<std::string, std::string>> m = {
      {"h", "e"}, {"l", "l"}, {"he", "ll"}, {"hell", "o"}, {"Ġ", "w"}, {"Ġw", "o"}};
  auto a = load(toyBpe(m, false)), b = load(toyBpe(m, true));
  EXPECT_EQ(a->encode("hello world"), b->encode("hello world"));
  EXPECT_EQ(pieces(*a, a->encode("hello world")),
            (std::vector<std::string>{"hello", "Ġwo", "r", "l", "d"}));
}

TEST(Bpe, UnmergedBytesBecomeByteTokens) {
  auto t = load(toyBpe({{"a", "b"}}, false));
  // U+00E9 is two bytes (C3 A9), U+1F600 four; invalid UTF-8 bytes are kept.
  std::string text = "\xC3\xA9\xF0\x9F\x98\x80\xFF\xFE";
  std::vector<int32_t> ids = t->encode(text);
  EXPECT_EQ(ids, (std::vector<int32_t>{0xC3, 0xA9, 0xF0, 0x9F, 0x98, 0x80, 0xFF, 0xFE}));
  EXPECT_EQ(t->decode(ids), text);
}

TEST(Bpe, SpecialTokensInText) {
  auto t = load(toyBpe({{"a", "b"}}, false));
  int32_t eot = t->tokenId("<|endoftext|>");
  ASSERT_GE(eot, 0);
  std::vector<int32_t> ids = t->encode("ab<|endoftext|>ab");
  EXPECT_EQ(ids, (std::vector<int32_t>{256, eot, 256}));
  EXPECT_EQ(t->decode(ids), "ab<|endoftext|>ab");
  EXPECT_EQ(t->decode(ids, /*skipSpecial=*/true), "abab");
  // A prefix of a special token is ordinary text.
  EXPECT_EQ(t->decode(t->encode("<|endof")), "<|endof");
}

TEST(Bpe, AddPrefixSpaceAppliesToEachTextSegment) {
  json j = toyBpe({{"Ġ", "a"}}, false);
  j["pre_tokenizer"]["add_prefix_space"] = true;
  auto t = load(j);
  EXPECT_EQ(pieces(*t, t->encode("a<|endoftext|>a a")),
            (std::vector<std::string>{"Ġa", "<|endoftext|>", "Ġa", "Ġa"}));
}

TEST(Bpe, EmptyInput) {
  auto t = load(toyBpe({{"a", "b"}}, false));
  EXPECT_TRUE(t->encode("").empty());
  EXPECT_EQ(t->decode({}), "");
  json j = toyBpe({{"a", "b"}}, false);
  j["post_processor"] = {{"type", "TemplateProcessing"},
                         {"single", json::array({{{"SpecialToken", {{"id", "<|endoftext|>"}}}},
                                                 {{"Sequence", {{"id", "A"}}}}})}};
  auto withBos = load(j);
  EXPECT_EQ(withBos->encode(""), (std::vector<int32_t>{257}));
  EXPECT_EQ(withBos->encode("", /*addSpecial=*/false), std::vector<int32_t>{});
}

TEST(Bpe, DecodeRoundTripsRandomBytes) {
  auto t = load(toyBpe({{"Ġ", "t"}, {"h", "e"}, {"Ġt", "he"}}, false));
  std::mt19937 rng(7);
  for (int iter = 0; iter < 200; ++iter) {
    std::string s(rng() % 64, '\0');
    for (char &c : s)
      c = char(rng() % 4 == 0 ? ' ' : rng() % 256);
    ASSERT_EQ(t->decode(t->encode(s)), s) << "iteration " << iter;
  }
}

TEST(Bpe, ArraysMatchJson) {
  std::vector<std::pair<std::string, std::string>> m = {{"Ġ", "t"}, {"h", "e"}, {"Ġt", "he"}};
  auto fromJson = load(toyBpe(m, false));
  BpeArrays a;
  for (size_t i = 0; i < fromJson->vocabSize(); ++i)
    a.tokens.push_back(fromJson->tokenString(int32_t(i)));
  for (auto &[l, r] : m)
    a.merges.push_back(l + " " + r);
  a.tokenTypes.assign(a.tokens.size(), int32_t(TokenType::Normal));
  a.tokenTypes.back() = int32_t(TokenType::Control);
  a.bosId = a.eosId = int32_t(a.tokens.size() - 1);
  a.addBos = true;
  auto fromArrays = Tokenizer::fromBpeArrays(a);
  std::string text = "the theme<|endoftext|> 12";
  std::vector<int32_t> expected = {a.bosId};
  for (int32_t id : fromJson->encode(text))
    expected.push_back(id);
  EXPECT_EQ(fromArrays->encode(text), expected);
  EXPECT_EQ(fromArrays->eosId(), a.eosId);
}

TEST(PreTokenizer, Gpt2Regex) {
  std::string text = "Hello world's  test\n\n 123 ab!!";
  std::vector<std::string> got;
  for (Span s : preTokenize(PreTokenizer::GPT2, text))
    got.push_back(text.substr(s.offset, s.length));
  EXPECT_EQ(got, (std::vector<std::string>{"Hello", " world", "'s", " ", " test", "\n\n", " 123",
                                           " ab", "!!"}));
}

TEST(PreTokenizer, SmolLMIsolatesDigits) {
  std::string text = "in 2021, x";
  std::vector<std::string> got;
  for (Span s : preTokenize(PreTokenizer::SmolLM, text))
    got.push_back(text.substr(s.offset, s.length));
  EXPECT_EQ(got, (std::vector<std::string>{"in", " ", "2", "0", "2", "1", ",", " x"}));
}

TEST(PreTokenizer, Llama3Regex) {
  std::string text = "I'LL pay 12345 dollars.\n\n  Ok";
  std::vector<std::string> got;
  for (Span s : preTokenize(PreTokenizer::Llama3, text))
    got.push_back(text.substr(s.offset, s.length));
  EXPECT_EQ(got, (std::vector<std::string>{"I", "'LL", " pay", " ", "123", "45", " dollars", ".\n\n",
                                           " ", " Ok"}));
}

namespace {
json toyWordPiece() {
  std::vector<std::string> v = {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "hello", "hel", "##lo", "world",
                                ",",     "cafe",  "!",     "##s",   "中",    "un",  "##aff", "##able"};
  json vocab = json::object();
  for (size_t i = 0; i < v.size(); ++i)
    vocab[v[i]] = i;
  json added = json::array();
  for (int i = 0; i < 4; ++i)
    added.push_back({{"id", i}, {"content", v[i]}, {"special", true}});
  return json{
      {"model", {{"type", "WordPiece"}, {"vocab", vocab}, {"unk_token", "[UNK]"},
                 {"continuing_subword_prefix", "##"}, {"max_input_chars_per_word", 12}}},
      {"added_tokens", added},
      {"normalizer", {{"type", "BertNormalizer"}, {"clean_text", true}, {"handle_chinese_chars", true},
                      {"strip_accents", nullptr}, {"lowercase", true}}},
      {"pre_tokenizer", {{"type", "BertPreTokenizer"}}},
      {"post_processor", {{"type", "BertProcessing"}, {"sep", {"[SEP]", 3}}, {"cls", {"[CLS]", 2}}}},
      {"decoder", {{"type", "WordPiece"}, {"prefix", "##"}, {"cleanup", true}}}};
}
} // namespace

TEST(WordPiece, NormalizeSplitAndContinue) {
  auto t = load(toyWordPiece());
  // Accents stripped and lowercased, punctuation isolated, ## continuations,
  // CJK padded, unknown words -> [UNK], control characters dropped.
  std::vector<int32_t> ids = t->encode("HELLO, Café!\x01 Unaffable hellos\xE4\xB8\xAD zzz");
  EXPECT_EQ(pieces(*t, ids),
            (std::vector<std::string>{"[CLS]", "hello", ",", "cafe", "!", "un", "##aff", "##able",
                                      "hello", "##s", "中", "[UNK]", "[SEP]"}));
  EXPECT_EQ(t->decode(ids, /*skipSpecial=*/true), "hello, cafe! unaffable hellos 中");
}

TEST(WordPiece, LongWordIsUnknownAndSpecialTokensMatch) {
  auto t = load(toyWordPiece());
  EXPECT_EQ(pieces(*t, t->encode("hellohellohello [SEP] hello", false)),
            (std::vector<std::string>{"[UNK]", "[SEP]", "hello"}));
  EXPECT_EQ(t->encode("", true), (std::vector<int32_t>{2, 3}));
}

TEST(BadInput, CorruptJsonNamesTheFile) {
  std::string path = writeTemp("corrupt.json", "{\"model\": {\"type\": \"BPE\", \"vocab\": {");
  std::string err = errorOf([&] { Tokenizer::fromJsonFile(path); });
  EXPECT_NE(err.find(path), std::string::npos) << err;
  EXPECT_NE(err.find("invalid JSON"), std::string::npos) << err;
}

TEST(BadInput, MissingMergesNamesTheFile) {
  json j = toyBpe({{"a", "b"}}, false);
  j["model"].erase("merges");
  std::string path = writeTemp("nomerges.json", j.dump());
  std::string err = errorOf([&] { Tokenizer::fromJsonFile(path); });
  EXPECT_NE(err.find(path + ": model.merges is missing"), std::string::npos) << err;
}

TEST(BadInput, StructuralErrors) {
  json j = toyBpe({{"a", "b"}}, false);
  j["model"]["merges"].push_back("a zz");
  EXPECT_NE(errorOf([&] { load(j); }).find("toy.json: model.merges[1] 'a zz': token 'zz' is not in"),
            std::string::npos);
  j = toyBpe({{"a", "b"}}, false);
  j["model"]["merges"].push_back(json::array({1, 2}));
  EXPECT_NE(errorOf([&] { load(j); }).find("model.merges[1]: expected"), std::string::npos);
  j = toyBpe({{"a", "b"}}, false);
  j["model"]["vocab"]["a"] = "x";
  EXPECT_NE(errorOf([&] { load(j); }).find("model.vocab['a'] is not an integer id"), std::string::npos);
  j = toyBpe({{"a", "b"}}, false);
  j["pre_tokenizer"] = {{"type", "Whitespace"}};
  EXPECT_NE(errorOf([&] { load(j); }).find("is not supported"), std::string::npos);
  EXPECT_NE(errorOf([&] { load(json{{"model", 3}}); }).find("toy.json:"), std::string::npos);
  EXPECT_NE(errorOf([&] { load(json::array()); }).find("toy.json: <root>.model is missing"),
            std::string::npos);
  EXPECT_NE(errorOf([] { Tokenizer::fromJsonFile("/nonexistent/tokenizer.json"); })
                .find("/nonexistent/tokenizer.json: cannot open file"),
            std::string::npos);
}

TEST(BadInput, TooLongInputIsRejectedBeforeReading) {
  // The size check happens before any byte is read, so a view larger than
  // its (tiny) buffer is safe here.
  static const char buf[1] = {'a'};
  std::string_view huge(buf, size_t(1) << 32);
  auto bpe = load(toyBpe({{"a", "b"}}, false));
  auto wp = load(toyWordPiece());
  EXPECT_NE(errorOf([&] { bpe->encode(huge); }).find("exceeds the 4 GiB limit"), std::string::npos);
  EXPECT_NE(errorOf([&] { wp->encode(huge); }).find("exceeds the 4 GiB limit"), std::string::npos);
}

TEST(BadInput, DecodeOutOfRangeAndBadArrays) {
  auto t = load(toyBpe({{"a", "b"}}, false));
  EXPECT_NE(errorOf([&] { t->decode({5, 99999}); }).find("token id 99999 is outside"),
            std::string::npos);
  EXPECT_NE(errorOf([&] { t->decode({-1}); }).find("token id -1"), std::string::npos);
  BpeArrays a;
  a.source = "model.gguf";
  a.tokens = {"a", "b", "ab"};
  a.merges = {"a b"};
  a.tokenTypes = {1, 1};
  EXPECT_NE(errorOf([&] { Tokenizer::fromBpeArrays(a); })
                .find("model.gguf: tokenizer.ggml.token_type has 2 entries"),
            std::string::npos);
  a.tokenTypes.clear();
  a.merges.clear();
  EXPECT_NE(errorOf([&] { Tokenizer::fromBpeArrays(a); }).find("model.gguf: tokenizer.ggml.merges is missing"),
            std::string::npos);
  a.merges = {"ab"};
  EXPECT_NE(errorOf([&] { Tokenizer::fromBpeArrays(a); }).find("merges[0] 'ab': expected two tokens"),
            std::string::npos);
  a.merges = {"a b"};
  a.bosId = 7;
  EXPECT_NE(errorOf([&] { Tokenizer::fromBpeArrays(a); }).find("bos_token_id 7 is outside"),
            std::string::npos);
  a.bosId = -1;
  a.pre = "falcon";
  EXPECT_NE(errorOf([&] { Tokenizer::fromBpeArrays(a); }).find("tokenizer.ggml.pre 'falcon'"),
            std::string::npos);
}
