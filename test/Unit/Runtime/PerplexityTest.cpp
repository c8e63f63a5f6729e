//===- PerplexityTest.cpp - qcc-perplexity's windows, bucket KL, file I/O -===//
#include "Perplexity.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <random>
#include <vector>

using namespace qcc::ppl;

namespace {

TEST(Perplexity, WindowsFollowTheStrideRecipe) {
  std::vector<Window> w = slidingWindows(10, 4, 2, 0);
  ASSERT_EQ(w.size(), 4u);
  int64_t expect[4][3] = {{0, 4, 1}, {2, 6, 4}, {4, 8, 6}, {6, 10, 8}};
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(w[i].begin, expect[i][0]);
    EXPECT_EQ(w[i].end, expect[i][1]);
    EXPECT_EQ(w[i].firstScored, expect[i][2]);
  }
  // Shorter than one window: one window scoring tokens 1..n-1.
  w = slidingWindows(3, 512, 256, 0);
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(w[0].end, 3);
  EXPECT_EQ(slidingWindows(10, 4, 2, 2).size(), 2u);
}

TEST(Perplexity, StrideBelowCtxScoresEveryTokenButTheFirstOnce) {
  std::mt19937 rng(1);
  for (int trial = 0; trial < 300; ++trial) {
    int64_t n = 2 + rng() % 300, ctx = 2 + rng() % 40;
    int64_t stride = 1 + rng() % (ctx - 1); // < ctx
    std::vector<int> scored(n, 0);
    for (const Window &w : slidingWindows(n, ctx, stride, 0)) {
      ASSERT_LE(w.end - w.begin, ctx);
      for (int64_t t = w.firstScored; t < w.end; ++t)
        ++scored[t];
    }
    EXPECT_EQ(scored[0], 0);
    for (int64_t t = 1; t < n; ++t)
      EXPECT_EQ(scored[t], 1) << "n " << n << " ctx " << ctx << " stride "
                              << stride << " token " << t;
  }
}

std::vector<float> randomRow(int v, std::mt19937 &rng, float scale) {
  std::normal_distribution<float> d(0, scale);
  std::vector<float> r(v);
  for (float &x : r)
    x = d(rng);
  return r;
}

double fullKL(const std::vector<float> &p, const std::vector<float> &q) {
  double lp = logSumExp(p.data(), p.size()), lq = logSumExp(q.data(), q.size());
  double kl = 0;
  for (size_t i = 0; i < p.size(); ++i)
    kl += std::exp(p[i] - lp) * ((p[i] - lp) - (q[i] - lq));
  return kl;
}

TEST(Perplexity, BucketKLIsExactForFullTopKAndALowerBoundOtherwise) {
  std::mt19937 rng(2);
  for (int trial = 0; trial < 50; ++trial) {
    std::vector<float> p = randomRow(40, rng, 2), q = p;
    std::vector<float> noise = randomRow(40, rng, 0.5);
    for (int i = 0; i < 40; ++i)
      q[i] += noise[i];
    TopK all, top5;
    double lp = logSumExp(p.data(), 40), lq = logSumExp(q.data(), 40);
    topK(p.data(), 40, lp, 40, all);
    topK(p.data(), 40, lp, 5, top5);
    double full = fullKL(p, q);
    // Stored float32 log-probabilities limit the accuracy to ~1e-6 nats.
    EXPECT_NEAR(bucketKL(all, q.data(), lq), full, 5e-6);
    double coarse = bucketKL(top5, q.data(), lq);
    EXPECT_GE(coarse, -1e-9);
    EXPECT_LE(coarse, full + 5e-6);
    EXPECT_NEAR(bucketKL(top5, p.data(), lp), 0, 1e-6);
  }
}

TEST(Perplexity, TopKIsSortedLogSoftmax) {
  std::vector<float> row = {1, 3, 2, 3};
  TopK t;
  double lse = logSumExp(row.data(), 4);
  EXPECT_NEAR(lse, std::log(std::exp(1) + 2 * std::exp(3) + std::exp(2)), 1e-6);
  topK(row.data(), 4, lse, 3, t);
  EXPECT_EQ(t.ids, (std::vector<int32_t>{1, 3, 2}));
  EXPECT_NEAR(t.logProbs[2], 2 - lse, 1e-6);
}

TEST(Perplexity, LogitsFileRoundTripAndChecks) {
  std::string path = ::testing::TempDir() + "/ppl-logits.bin";
  FILE *f = std::fopen(path.c_str(), "wb");
  ASSERT_TRUE(f);
  LogitsHeader h{100, 2, 16, 8, 1};
  TopK r;
  r.target = 7;
  r.ids = {3, 9};
  r.logProbs = {-0.5f, -1.5f};
  ASSERT_TRUE(writeHeader(f, h));
  ASSERT_TRUE(writeRecord(f, r));
  std::fclose(f);
  f = std::fopen(path.c_str(), "rb");
  LogitsHeader g;
  std::string err;
  ASSERT_TRUE(readHeader(f, path, g, err)) << err;
  EXPECT_EQ(g.vocab, 100u);
  EXPECT_EQ(g.k, 2u);
  EXPECT_EQ(g.ctx, 16u);
  EXPECT_EQ(g.stride, 8u);
  EXPECT_EQ(g.count, 1u);
  TopK back;
  ASSERT_TRUE(readRecord(f, g.k, back));
  EXPECT_EQ(back.target, 7);
  EXPECT_EQ(back.ids, r.ids);
  EXPECT_EQ(back.logProbs, r.logProbs);
  std::fclose(f);
  // A header that promises two records for one record's bytes.
  f = std::fopen(path.c_str(), "r+b");
  h.count = 2;
  ASSERT_TRUE(writeHeader(f, h));
  std::fclose(f);
  f = std::fopen(path.c_str(), "rb");
  EXPECT_FALSE(readHeader(f, path, g, err));
  EXPECT_NE(err.find("bytes of records, expected"), std::string::npos) << err;
  std::fclose(f);
}

} // namespace
