//===- LlmTest.cpp - tests of the generation API (include/qcc-c/llm.h) ----===//
//
// Sampler (greedy = argmax, top-k / top-p supports, seeds repeat, repetition
// penalty), incremental UTF-8 detokenization, KV-cache bookkeeping, and the C
// API on the hand-written Contract-5 toy model (test/Tools/Inputs/toy_lm.cpp,
// which itself fails a run whose cache slots do not hold the entries of
// their positions).
//===----------------------------------------------------------------------===//
#include "llm/Detokenizer.h"
#include "llm/KvCache.h"
#include "llm/Sampler.h"

#include "qcc-c/llm.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

using namespace qcc::llm;

namespace {

qcc_llm_sampler_options_t samplerOptions(float temperature, int topK,
                                         float topP, uint64_t seed) {
  qcc_llm_sampler_options_t o;
  qcc_llm_sampler_options_initialize(&o);
  o.temperature = temperature;
  o.top_k = topK;
  o.top_p = topP;
  o.seed = seed;
  return o;
}

std::vector<float> randomLogits(int n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> d(0, 2);
  std::vector<float> v(n);
  for (float &x : v)
    x = d(rng);
  return v;
}

//===--------------------------------------------------------------------===//
// Sampler
//===--------------------------------------------------------------------===//

TEST(LlmSampler, GreedyIsArgmaxLowestIdOnTies) {
  for (uint64_t seed = 0; seed < 20; ++seed) {
    std::vector<float> logits = randomLogits(1000, seed);
    Sampler s(samplerOptions(0, 40, 0.9f, seed));
    int32_t expect = static_cast<int32_t>(
        std::max_element(logits.begin(), logits.end()) - logits.begin());
    EXPECT_EQ(s.sample(logits.data(), 1000, nullptr, 0), expect);
  }
  std::vector<float> ties = {1, 5, 3, 5, 5};
  Sampler s(samplerOptions(0, 0, 1, 0));
  EXPECT_EQ(s.sample(ties.data(), 5, nullptr, 0), 1);
}

TEST(LlmSampler, TopKRestrictsTheSupport) {
  std::vector<float> logits = randomLogits(500, 1);
  std::vector<int32_t> order(500);
  for (int i = 0; i < 500; ++i)
    order[i] = i;
  std::sort(order.begin(), order.end(),
            [&](int a, int b) { return logits[a] > logits[b]; });
  std::set<int32_t> top5(order.begin(), order.begin() + 5), seen;
  Sampler s(samplerOptions(5.0f, 5, 1.0f, 3));
  for (int i = 0; i < 3000; ++i) {
    int32_t t = s.sample(logits.data(), 500, nullptr, 0);
    EXPECT_TRUE(top5.count(t)) << "token " << t << " is not in the top 5";
    seen.insert(t);
  }
  EXPECT_EQ(s.support().size(), 5u);
  EXPECT_EQ(seen, top5); // high temperature: every candidate is drawn
}

TEST(LlmSampler, TopPKeepsTheSmallestSetReachingP) {
  // Probabilities 0.5, 0.3, 0.15, 0.05 (temperature 1).
  std::vector<float> logits = {std::log(0.3f), std::log(0.05f), std::log(0.5f),
                               std::log(0.15f)};
  Sampler s(samplerOptions(1.0f, 0, 0.75f, 11));
  std::map<int32_t, int> counts;
  const int n = 20000;
  for (int i = 0; i < n; ++i)
    ++counts[s.sample(logits.data(), 4, nullptr, 0)];
  ASSERT_EQ(s.support().size(), 2u);
  EXPECT_EQ(s.support()[0].first, 2);
  EXPECT_EQ(s.support()[1].first, 0);
  EXPECT_NEAR(s.support()[0].second, 0.625, 1e-6); // renormalized 0.5 / 0.8
  EXPECT_EQ(counts.size(), 2u);
  // Binomial: sd = sqrt(n p (1-p)) ~ 68; allow 5 sd.
  EXPECT_NEAR(counts[2], 0.625 * n, 350);
}

TEST(LlmSampler, SameSeedSameDrawsOtherSeedOtherDraws) {
  std::vector<float> logits = randomLogits(300, 2);
  auto draw = [&](uint64_t seed) {
    Sampler s(samplerOptions(1.0f, 50, 0.95f, seed));
    std::vector<int32_t> out;
    for (int i = 0; i < 64; ++i)
      out.push_back(s.sample(logits.data(), 300, nullptr, 0));
    return out;
  };
  EXPECT_EQ(draw(42), draw(42));
  EXPECT_NE(draw(42), draw(43));
  // The RNG is portable: the first splitmix64 output of seed 0.
  Rng rng(0);
  EXPECT_EQ(rng.next(), 0xe220a8397b1dcdafULL);
}

TEST(LlmSampler, RepetitionPenaltyDemotesSeenTokens) {
  std::vector<float> logits = {2.0f, 1.9f, -1.0f};
  qcc_llm_sampler_options_t o = samplerOptions(0, 0, 1, 0);
  o.repetition_penalty = 1.5f;
  Sampler s(o);
  int32_t history[] = {0, 0};
  EXPECT_EQ(s.sample(logits.data(), 3, history, 2), 1);
  EXPECT_EQ(s.sample(logits.data(), 3, nullptr, 0), 0);
}

TEST(LlmSampler, CApiRejectsBadOptions) {
  qcc_llm_sampler_options_t o = samplerOptions(1, 0, 0.0f, 0);
  qcc_llm_sampler_t *s = nullptr;
  qcc_status_t st = qcc_llm_sampler_create(&o, &s);
  ASSERT_NE(st, nullptr);
  EXPECT_EQ(qcc_status_code(st), QCC_STATUS_INVALID_ARGUMENT);
  qcc_status_free(st);
  o = samplerOptions(0, 0, 1, 0);
  ASSERT_EQ(qcc_llm_sampler_create(&o, &s), nullptr);
  float logits[] = {0, 3, 1};
  int32_t token = -1;
  ASSERT_EQ(qcc_llm_sampler_sample(s, logits, 3, nullptr, 0, &token), nullptr);
  EXPECT_EQ(token, 1);
  qcc_llm_sampler_free(s);
}

//===--------------------------------------------------------------------===//
// Incremental detokenization
//===--------------------------------------------------------------------===//

TEST(LlmDetokenizer, HoldsBackIncompleteCharacters) {
  Utf8Streamer s;
  EXPECT_EQ(s.push("a\xC3"), "a");
  EXPECT_EQ(s.push("\xA9"), "\xC3\xA9"); // é
  EXPECT_EQ(s.push("\xF0\x9F"), "");     // half of U+1F600
  EXPECT_EQ(s.push("\x98"), "");
  EXPECT_EQ(s.push("\x80!"), "\xF0\x9F\x98\x80!");
  EXPECT_EQ(s.push("\xE2\x80"), "");
  EXPECT_EQ(s.flush(), "\xE2\x80");
  EXPECT_EQ(s.flush(), "");
}

TEST(LlmDetokenizer, ReleasesInvalidBytes) {
  Utf8Streamer s;
  EXPECT_EQ(s.push("\x80"), "\x80"); // stray continuation byte
  EXPECT_EQ(s.push("\xC3"), "");     // may still complete
  EXPECT_EQ(s.push("A"), "\xC3"
                         "A");       // cannot anymore
  EXPECT_EQ(s.push("\xFF"), "\xFF"); // never a lead byte
  EXPECT_EQ(s.push("\x80\x80\x80\x80"), "\x80\x80\x80\x80");
}

TEST(LlmDetokenizer, RandomSplitsOfValidTextGiveValidPieces) {
  const std::string text = "héllo wörld — 2024 😀 日本語 ok Ω";
  std::mt19937 rng(5);
  for (int trial = 0; trial < 200; ++trial) {
    Utf8Streamer s;
    std::string joined;
    size_t i = 0;
    while (i < text.size()) {
      size_t n = std::min<size_t>(1 + rng() % 4, text.size() - i);
      std::string piece(s.push(text.substr(i, n)));
      EXPECT_EQ(incompleteUtf8Tail(piece), 0u);
      // Every piece starts on a character boundary.
      if (!piece.empty())
        EXPECT_NE(static_cast<unsigned char>(piece[0]) & 0xC0, 0x80);
      joined += piece;
      i += n;
    }
    joined += s.flush();
    EXPECT_EQ(joined, text);
  }
}

//===--------------------------------------------------------------------===//
// KV cache bookkeeping
//===--------------------------------------------------------------------===//

TEST(LlmKvCache, CountsRealTokensAndRejectsBadRows) {
  KvCache c;
  std::string err;
  ASSERT_TRUE(c.init(4, 2, 2, 1, 2, err)) << err;
  std::vector<int64_t> real;
  int32_t ok[] = {1, 2, 3, 5, -1, -1};
  ASSERT_TRUE(c.countRealTokens(ok, 3, 10, real, err)) << err;
  EXPECT_EQ(real, (std::vector<int64_t>{3, 1}));
  int32_t gap[] = {1, -1, 3, 5, 6, 7};
  EXPECT_FALSE(c.countRealTokens(gap, 3, 10, real, err));
  EXPECT_EQ(err, "sequence 0: token 2 follows padding (only right padding is "
                 "allowed)");
  int32_t big[] = {1, 2, 3, 5, 10, -1};
  EXPECT_FALSE(c.countRealTokens(big, 3, 10, real, err));
  EXPECT_EQ(err, "sequence 1: token id 10 at index 1 is outside the "
                 "vocabulary of 10");
  int32_t five[] = {1, 2, 3, 4, 5, -1, -1, -1, -1, -1};
  EXPECT_FALSE(c.countRealTokens(five, 5, 10, real, err));
  EXPECT_EQ(err, "sequence 0: context is full (0 cached + 5 new tokens > "
                 "capacity 4)");
  EXPECT_FALSE(c.init(0, 1, 1, 1, 1, err));
}

TEST(LlmKvCache, AppendsAtEachSequencesPositions) {
  const int64_t C = 6, L = 2, B = 2, H = 1, D = 2, S = 3;
  KvCache c;
  std::string err;
  ASSERT_TRUE(c.init(C, L, B, H, D, err));
  EXPECT_EQ(c.pastSlots(), 1); // never 0 (Contract 5)
  // present[i, l, b, 0, :] = (100 b + 10 i + l, step).
  auto present = [&](float step) {
    std::vector<float> p(S * L * B * H * D);
    for (int64_t i = 0; i < S; ++i)
      for (int64_t l = 0; l < L; ++l)
        for (int64_t b = 0; b < B; ++b) {
          float *x = &p[((i * L + l) * B + b) * H * D];
          x[0] = static_cast<float>(100 * b + 10 * i + l);
          x[1] = step;
        }
    return p;
  };
  std::vector<float> k1 = present(1), k2 = present(2);
  c.append(k1.data(), k1.data(), S, {3, 1});
  c.append(k2.data(), k2.data(), S, {0, 2});
  EXPECT_EQ(c.length(0), 3);
  EXPECT_EQ(c.length(1), 3);
  EXPECT_EQ(c.pastSlots(), 3);
  auto at = [&](int64_t pos, int64_t l, int64_t b) {
    const float *x = c.keys() + ((pos * L + l) * B + b) * H * D;
    return std::make_pair(x[0], x[1]);
  };
  for (int64_t l = 0; l < L; ++l) {
    for (int64_t i = 0; i < 3; ++i)
      EXPECT_EQ(at(i, l, 0), std::make_pair(float(10 * i + l), 1.0f));
    EXPECT_EQ(at(0, l, 1), std::make_pair(float(100 + l), 1.0f));
    EXPECT_EQ(at(1, l, 1), std::make_pair(float(100 + l), 2.0f));
    EXPECT_EQ(at(2, l, 1), std::make_pair(float(110 + l), 2.0f));
  }
  c.reset(1);
  EXPECT_EQ(c.length(0), 3);
  EXPECT_EQ(c.length(1), 0);
  c.reset(-1);
  EXPECT_EQ(c.pastSlots(), 1);
}

//===--------------------------------------------------------------------===//
// The C API on the toy model
//===--------------------------------------------------------------------===//

/// The toy's logits (see toy_lm.cpp): h = sum of the sequence's token ids.
float toyLogit(int64_t v, int64_t h, int64_t t, int64_t p) {
  return static_cast<float>(
      3.0 * std::sin(0.37 * v + 0.11 * (h % 97) + 0.05 * t) +
      std::cos(0.7 * v + 0.5 * p));
}

class LlmToy : public ::testing::Test {
protected:
  void SetUp() override {
    qcc_llm_options_t o;
    qcc_llm_options_initialize(&o);
    o.context_capacity = 8;
    o.num_sequences = 2;
    o.num_threads = 1;
    qcc_status_t st = qcc_llm_open(QCC_TOY_LM_PATH, &o, &llm);
    ASSERT_EQ(st, nullptr) << qcc_status_message(st);
  }
  void TearDown() override { qcc_llm_free(llm); }
  /// Checks the logits of `seq` at `index` against the toy formula.
  void expectLogits(int32_t seq, int32_t index, const std::vector<int32_t> &all,
                    int64_t pos) {
    const float *row = nullptr;
    qcc_status_t st = qcc_llm_logits(llm, seq, index, &row);
    ASSERT_EQ(st, nullptr) << qcc_status_message(st);
    int64_t h = 0;
    for (int32_t t : all)
      h += t;
    for (int64_t v = 0; v < 259; v += 17)
      EXPECT_NEAR(row[v], toyLogit(v, h, all.back(), pos), 1e-5)
          << "seq " << seq << " v " << v;
  }
  qcc_llm_t *llm = nullptr;
};

TEST_F(LlmToy, InfoFromMetadata) {
  qcc_llm_info_t info;
  ASSERT_EQ(qcc_llm_get_info(llm, &info), nullptr);
  EXPECT_EQ(info.num_layers, 2);
  EXPECT_EQ(info.num_kv_heads, 1);
  EXPECT_EQ(info.head_dim, 4);
  EXPECT_EQ(info.vocab_size, 259);
  EXPECT_EQ(info.context_length, 64);
  EXPECT_EQ(info.context_capacity, 8);
  EXPECT_EQ(info.num_sequences, 2);
  EXPECT_EQ(info.eos_id, 256);
  EXPECT_EQ(info.has_tokenizer, 0);
  EXPECT_STREQ(qcc_llm_attribute(llm, "qcc.arch"), "toy");
  EXPECT_EQ(qcc_llm_attribute(llm, "qcc.nope"), nullptr);
}

TEST_F(LlmToy, PrefillDecodeWithPaddingAndCapacity) {
  const float *row = nullptr;
  qcc_status_t st = qcc_llm_logits(llm, 0, -1, &row);
  ASSERT_NE(st, nullptr);
  EXPECT_EQ(qcc_status_code(st), QCC_STATUS_NOT_FOUND);
  qcc_status_free(st);

  std::vector<int32_t> s0 = {10, 20, 30, 40, 50}, s1 = {7, 8, 9};
  ASSERT_EQ(qcc_llm_prefill(llm, 0, s0.data(), 5), nullptr);
  ASSERT_EQ(qcc_llm_prefill(llm, 1, s1.data(), 3), nullptr);
  EXPECT_EQ(qcc_llm_sequence_length(llm, 0), 5);
  EXPECT_EQ(qcc_llm_sequence_length(llm, 1), 3);
  expectLogits(1, -1, s1, 2);

  // Both sequences at once, sequence 1 right-padded.
  int32_t step[] = {60, 70, 11, QCC_LLM_PAD_TOKEN};
  st = qcc_llm_forward(llm, step, 2);
  ASSERT_EQ(st, nullptr) << qcc_status_message(st);
  s0.insert(s0.end(), {60, 70});
  s1.push_back(11);
  EXPECT_EQ(qcc_llm_sequence_length(llm, 0), 7);
  EXPECT_EQ(qcc_llm_sequence_length(llm, 1), 4);
  expectLogits(0, -1, s0, 6);
  expectLogits(1, -1, s1, 3);
  expectLogits(0, 0, {10, 20, 30, 40, 50, 60}, 5);

  // The cache holds (t, p, l, 1) at [p, l, b, 0, :].
  const float *k = qcc_llm_cache_data(llm, 0);
  for (int64_t p = 0; p < 7; ++p)
    for (int64_t l = 0; l < 2; ++l) {
      const float *x = k + ((p * 2 + l) * 2 + 0) * 4;
      EXPECT_EQ(x[0], s0[p]);
      EXPECT_EQ(x[1], p);
      EXPECT_EQ(x[2], l);
    }

  // Decode: sequence 0 reaches the capacity 8, then is full.
  int32_t dec[] = {80, 12};
  ASSERT_EQ(qcc_llm_decode(llm, dec), nullptr);
  EXPECT_EQ(qcc_llm_sequence_length(llm, 0), 8);
  st = qcc_llm_decode(llm, dec);
  ASSERT_NE(st, nullptr);
  EXPECT_EQ(qcc_status_code(st), QCC_STATUS_INVALID_ARGUMENT);
  EXPECT_STREQ(qcc_status_message(st), "sequence 0: context is full (8 cached "
                                       "+ 1 new tokens > capacity 8)");
  qcc_status_free(st);
  EXPECT_EQ(qcc_llm_sequence_length(llm, 1), 5); // unchanged by the failure
  int32_t only1[] = {QCC_LLM_PAD_TOKEN, 13};
  ASSERT_EQ(qcc_llm_decode(llm, only1), nullptr);
  EXPECT_EQ(qcc_llm_sequence_length(llm, 1), 6);
  st = qcc_llm_logits(llm, 0, -1, &row);
  EXPECT_EQ(qcc_status_code(st), QCC_STATUS_NOT_FOUND); // no real token
  qcc_status_free(st);

  // Reset one sequence and start it again.
  ASSERT_EQ(qcc_llm_reset(llm, 0), nullptr);
  int32_t again[] = {5};
  ASSERT_EQ(qcc_llm_prefill(llm, 0, again, 1), nullptr);
  expectLogits(0, -1, {5}, 0);
  EXPECT_EQ(qcc_llm_sequence_length(llm, 1), 6);
}

TEST_F(LlmToy, TextFunctionsNeedATokenizer) {
  size_t n = 0;
  qcc_status_t st = qcc_llm_tokenize(llm, "hi", 2, 1, nullptr, 0, &n);
  ASSERT_NE(st, nullptr);
  EXPECT_EQ(qcc_status_code(st), QCC_STATUS_NOT_FOUND);
  qcc_status_free(st);
  qcc_llm_detokenizer_t *d = nullptr;
  st = qcc_llm_detokenizer_create(llm, 0, &d);
  EXPECT_EQ(qcc_status_code(st), QCC_STATUS_NOT_FOUND);
  qcc_status_free(st);
}

TEST(LlmOpen, RejectsNonCausalModelsAndBadOptions) {
  qcc_llm_t *llm = nullptr;
  qcc_status_t st = qcc_llm_open("/nonexistent/model.so", nullptr, &llm);
  EXPECT_EQ(qcc_status_code(st), QCC_STATUS_NOT_FOUND);
  qcc_status_free(st);
  qcc_llm_options_t o;
  qcc_llm_options_initialize(&o);
  o.context_capacity = 65;
  st = qcc_llm_open(QCC_TOY_LM_PATH, &o, &llm);
  EXPECT_EQ(qcc_status_code(st), QCC_STATUS_INVALID_ARGUMENT);
  qcc_status_free(st);
  o.context_capacity = 0;
  o.num_sequences = 0;
  st = qcc_llm_open(QCC_TOY_LM_PATH, &o, &llm);
  EXPECT_EQ(qcc_status_code(st), QCC_STATUS_INVALID_ARGUMENT);
  qcc_status_free(st);
  EXPECT_EQ(llm, nullptr);
}

} // namespace
