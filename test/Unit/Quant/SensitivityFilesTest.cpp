//===- SensitivityFilesTest.cpp - Spearman rho; the stats file's sensitivity summary -===//
#include "qcc/Quant/QuadraticForm.h"
#include "qcc/Quant/RankCorrelation.h"
#include "qcc/Quant/Sensitivity.h"
#include "qcc/Quant/StatsFile.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <unistd.h>

using namespace qcc::quant;

namespace {

std::string slurp(const std::string &p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

void spit(const std::string &p, const std::string &s) {
  std::ofstream f(p, std::ios::binary | std::ios::trunc);
  f << s;
}

CalibrationStats tinyStats() {
  CalibrationStats st;
  st.model.path = "tiny.gguf";
  st.model.arch = "llama";
  st.model.tensors = {{"fc", {2, 3}}};
  st.source = "train.txt";
  st.samples = 1;
  st.seqLen = 4;
  LayerStats l;
  l.inFeatures = 3;
  l.outFeatures = 2;
  l.rows = 4;
  l.absMax = {1, 2, 3};
  l.meanAbs = {0.5f, 1, 1.5f};
  l.xtx.assign(9, 1.0);
  l.sensitivity["int4_g128_asym"] = {0.5, 0.01};
  l.sensitivity["f16"] = {1e-9, 2e-8};
  st.layers["fc"] = l;
  return st;
}

} // namespace

TEST(RankCorrelation, AverageRanksAndRho) {
  EXPECT_EQ(averageRanks({10, 30, 20, 20}), (std::vector<double>{1, 4, 2.5, 2.5}));
  EXPECT_DOUBLE_EQ(*spearman({1, 2, 3}, {10, 30, 20}), 0.5);
  EXPECT_DOUBLE_EQ(*spearman({1, 2, 3, 4}, {1, 4, 9, 16}), 1.0);   // monotone, not linear
  EXPECT_DOUBLE_EQ(*spearman({1, 2, 3, 4}, {4, 3, 2, 1}), -1.0);
  // Ties: scipy.stats.spearmanr([1,2,2,3],[1,3,2,4]) = 0.9486832980505138.
  EXPECT_NEAR(*spearman({1, 2, 2, 3}, {1, 3, 2, 4}), 0.9486832980505138, 1e-12);
  EXPECT_FALSE(spearman({1, 1, 1}, {1, 2, 3})); // constant: undefined
  EXPECT_FALSE(spearman({1}, {1}));
  EXPECT_FALSE(spearman({1, 2}, {1, 2, 3}));
}

TEST(StatsFile, SensitivitySummaryRoundTripMergeAndErrors) {
  char tmpl[] = "/tmp/qcc-sens-files-XXXXXX";
  ASSERT_TRUE(mkdtemp(tmpl));
  std::string dir = std::string(tmpl) + "/", path = dir + "s.qstats", err;
  CalibrationStats st = tinyStats();
  ASSERT_TRUE(writeStats(st, path, err)) << err;
  auto plain = readStats(path, err);
  ASSERT_TRUE(plain) << err;
  EXPECT_FALSE(plain->summary); // files without one stay without one

  SensitivitySummary sm;
  sm.klSource = "held.txt";
  sm.klWindows = 2;
  sm.klSeqLen = 128;
  sm.klTokenOffset = 8192;
  sm.pairs = 2;
  sm.spearman = 0.75;
  sm.spearmanByScheme = {{"int4_g128_asym", -0.25}, {"f16", 1.0}};
  CalibrationStats update;
  update.model = st.model;
  update.source = st.source;
  update.samples = st.samples;
  update.seqLen = st.seqLen;
  update.summary = sm;
  LayerStats only;
  only.inFeatures = 3;
  only.outFeatures = 2;
  only.sensitivity["int4_g128_asym"].kl = 0.02; // replaces 0.01, keeps hessian 0.5
  update.layers["fc"] = only;
  ASSERT_TRUE(mergeStats(*plain, update, err)) << err;
  EXPECT_EQ(plain->layers["fc"].xtx.size(), 9u); // statistics kept
  EXPECT_EQ(plain->layers["fc"].sensitivity["int4_g128_asym"].hessian, 0.5);
  EXPECT_EQ(plain->layers["fc"].sensitivity["int4_g128_asym"].kl, 0.02);
  ASSERT_TRUE(writeStats(*plain, path, err)) << err;
  auto back = readStats(path, err);
  ASSERT_TRUE(back) << err;
  ASSERT_TRUE(back->summary);
  EXPECT_EQ(*back->summary, sm);
  EXPECT_EQ(back->layers["fc"].sensitivity["int4_g128_asym"].kl, 0.02);

  const std::string json = slurp(path);
  auto expectError = [&](const std::string &from, const std::string &to, const std::string &what) {
    std::string j = json;
    size_t at = j.find(from);
    ASSERT_NE(at, std::string::npos) << from;
    j.replace(at, from.size(), to);
    spit(path, j);
    EXPECT_FALSE(readStats(path, err)) << what;
    EXPECT_EQ(err.rfind(path + ": sensitivity_summary: ", 0), 0u) << err;
    EXPECT_NE(err.find(what), std::string::npos) << err;
    spit(path, json);
  };
  expectError("\"spearman\": 0.75", "\"spearman\": 1.5", "must be a rank correlation in [-1, 1]");
  expectError("\"spearman\": 0.75", "\"spearman\": \"high\"", "must be a finite number");
  expectError("\"int4_g128_asym\": -0.25", "\"int9_g1\": -0.25", "unknown scheme 'int9_g1'");
  expectError("\"kl_windows\": 2", "\"kl_windows\": -2", "'kl_windows' must be an integer >= 0");
  expectError("\"kl_source\"", "\"kl_src\"", "missing key 'kl_source'");
  std::filesystem::remove_all(dir);
}

TEST(QuadraticForm, MatchesHalfQuadraticError) {
  // Shapes around the tile sizes (4 rows, 8 columns, depth 128), 1..3 threads.
  std::mt19937 rng(7);
  std::normal_distribution<float> g;
  for (auto [n, k] : {std::pair<int64_t, int64_t>{1, 1}, {3, 7}, {4, 8}, {9, 130}, {37, 300}}) {
    std::vector<float> w(n * k), wq(n * k), d(n * k);
    std::vector<double> x(16 * k), h(k * k, 0.0);
    for (auto &v : w)
      v = g(rng);
    for (size_t i = 0; i < w.size(); ++i) {
      wq[i] = w[i] + 0.01f * g(rng);
      d[i] = wq[i] - w[i];
    }
    for (auto &v : x)
      v = g(rng);
    for (int64_t t = 0; t < 16; ++t)
      for (int64_t i = 0; i < k; ++i)
        for (int64_t j = 0; j < k; ++j)
          h[i * k + j] += x[t * k + i] * x[t * k + j];
    std::vector<double> h2(h);
    for (double &v : h2)
      v *= 2.0;
    double want = halfQuadraticError(w.data(), wq.data(), n, k, h2.data());
    for (int threads : {1, 2, 3})
      EXPECT_NEAR(quadraticFormSum(d.data(), n, k, h.data(), threads), want, 1e-12 * want)
          << n << "x" << k << " threads " << threads;
  }
}
