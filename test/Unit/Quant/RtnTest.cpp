//===- RtnTest.cpp - properties of round-to-nearest quantization -----------===//
#include "qcc/Quant/Numerics.h"
#include "qcc/Quant/QuantizedWeight.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

using namespace qcc::quant;

namespace {
std::vector<float> randomWeights(int64_t n, int64_t k, unsigned seed, float scale = 0.05f) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> d(0.0f, scale);
  std::vector<float> w(static_cast<size_t>(n * k));
  for (auto &v : w)
    v = d(rng);
  return w;
}
} // namespace

/// Uniform schemes: scales/mins are f16 values, codes in range, every weight
/// within half a step of its dequantized value, the group extremes
/// representable (up to the f16 rounding of scale and min).
TEST(RTN, UniformProperties) {
  const int64_t n = 8, k = 256;
  auto w = randomWeights(n, k, 1);
  for (const char *name : {"int2_g32_asym", "int3_g64_sym", "int4_g128_asym", "int4_g32_sym",
                           "int5_pc_asym", "int6_g64_asym", "int8_pc_sym", "int8_g32_asym",
                           "int4_g96_asym", "int3_g100_sym"}) { // the last two: partial groups
    Scheme s = *Scheme::parse(name);
    QuantizedWeight q = quantizeRTN(w.data(), n, k, s);
    int64_t g = s.groupSize(k), gpr = (k + g - 1) / g;
    ASSERT_EQ(q.scheme.group, g);
    ASSERT_EQ(q.scales.size(), static_cast<size_t>(n * gpr));
    ASSERT_EQ(q.mins.size(), q.scales.size());
    auto dq = q.dequantize();
    for (size_t i = 0; i < q.scales.size(); ++i) {
      EXPECT_EQ(roundToHalf(q.scales[i]), q.scales[i]);
      EXPECT_EQ(roundToHalf(q.mins[i]), q.mins[i]);
      if (s.symmetric)
        EXPECT_EQ(q.mins[i], -std::ldexp(q.scales[i], s.bits - 1));
    }
    for (int64_t r = 0; r < n; ++r)
      for (int64_t c = 0; c < k; ++c) {
        int64_t idx = r * k + c, gi = r * gpr + c / g;
        ASSERT_LT(q.codes[idx], 1 << s.bits);
        float step = q.scales[gi];
        // Half a step, plus the slack from rounding the range ends to f16.
        EXPECT_LE(std::fabs(dq[idx] - w[idx]), 0.5f * step * 1.02f + 1e-3f * step + 1e-6f)
            << name << " " << r << "," << c;
        // The code is the nearest one (no other code is strictly closer).
        float e = std::fabs(dq[idx] - w[idx]);
        for (int alt : {q.codes[idx] - 1, q.codes[idx] + 1})
          if (alt >= 0 && alt < (1 << s.bits))
            EXPECT_LE(e, std::fabs(alt * step + q.mins[gi] - w[idx]) + 1e-7f);
      }
  }
}

TEST(RTN, ErrorShrinksWithBits) {
  const int64_t n = 16, k = 128;
  auto w = randomWeights(n, k, 2);
  double prev = 1e30;
  for (int b = 2; b <= 8; ++b) {
    Scheme s = *Scheme::parse("int" + std::to_string(b) + "_g32_asym");
    auto dq = quantizeRTN(w.data(), n, k, s).dequantize();
    double err = 0;
    for (size_t i = 0; i < w.size(); ++i)
      err += (dq[i] - w[i]) * (dq[i] - w[i]);
    EXPECT_LT(err, prev) << b;
    prev = err;
  }
}

TEST(RTN, NF4NearestValue) {
  const int64_t n = 4, k = 128;
  auto w = randomWeights(n, k, 3);
  QuantizedWeight q = quantizeRTN(w.data(), n, k, *Scheme::parse("nf4_g64"));
  EXPECT_TRUE(q.mins.empty());
  const float *t = nf4Table();
  for (int64_t i = 0; i < n * k; ++i) {
    float s = q.scales[i / 64];
    ASSERT_LT(q.codes[i], 16);
    float x = w[i] / s;
    for (int c = 0; c < 16; ++c)
      EXPECT_LE(std::fabs(x - t[q.codes[i]]), std::fabs(x - t[c]));
  }
  // The group absmax maps to +-1 exactly (up to the f16 rounding of the scale).
  for (int64_t gi = 0; gi < n * 2; ++gi) {
    float am = 0;
    for (int i = 0; i < 64; ++i)
      am = std::max(am, std::fabs(w[gi * 64 + i]));
    EXPECT_EQ(q.scales[gi], roundToHalf(am));
  }
}

TEST(RTN, FP8PerChannel) {
  const int64_t n = 4, k = 64;
  auto w = randomWeights(n, k, 4);
  QuantizedWeight q = quantizeRTN(w.data(), n, k, *Scheme::parse("fp8_e4m3_pc"));
  ASSERT_EQ(q.scales.size(), 4u);
  auto dq = q.dequantize();
  for (int64_t r = 0; r < n; ++r) {
    float am = 0;
    for (int64_t c = 0; c < k; ++c)
      am = std::max(am, std::fabs(w[r * k + c]));
    EXPECT_EQ(q.scales[r], roundToHalf(am / 448.0f));
    for (int64_t c = 0; c < k; ++c) {
      int64_t i = r * k + c;
      EXPECT_EQ(q.codes[i], encodeFP8E4M3(w[i] / q.scales[r]));
      // E4M3 has 3 mantissa bits: relative error <= 2^-4 for normal values.
      if (std::fabs(w[i] / q.scales[r]) >= std::ldexp(1.0f, -6))
        EXPECT_LE(std::fabs(dq[i] - w[i]), std::fabs(w[i]) * 0.0625f + 1e-7f);
    }
  }
}

TEST(RTN, W8A8Symmetric) {
  const int64_t n = 4, k = 64;
  auto w = randomWeights(n, k, 5);
  QuantizedWeight q = quantizeRTN(w.data(), n, k, *Scheme::parse("w8a8"));
  auto dq = q.dequantize();
  for (int64_t i = 0; i < n * k; ++i) {
    int8_t v = static_cast<int8_t>(q.codes[i]);
    EXPECT_GE(v, -127);
    EXPECT_LE(std::fabs(dq[i] - w[i]), q.scales[i / k] * 0.5f * 1.01f);
  }
}

TEST(RTN, ConstantAndZeroGroups) {
  std::vector<float> w(64, 0.0f);
  for (int i = 32; i < 64; ++i)
    w[i] = 0.3f;
  for (const char *name : {"int4_g32_asym", "int4_g32_sym", "nf4_g32", "fp8_e4m3_g32", "int8_g32_sym"}) {
    auto q = quantizeRTN(w.data(), 1, 64, *Scheme::parse(name));
    auto dq = q.dequantize();
    for (int i = 0; i < 32; ++i)
      EXPECT_EQ(dq[i], 0.0f) << name;
    for (int i = 32; i < 64; ++i)
      EXPECT_NEAR(dq[i], 0.3f, 0.3f * 2e-3f) << name;
  }
}

/// A partial last group is quantized on its own values only.
TEST(RTN, PartialLastGroup) {
  std::vector<float> w(80);
  for (int i = 0; i < 80; ++i)
    w[i] = i < 64 ? 0.01f * static_cast<float>(i % 7) : 5.0f + static_cast<float>(i - 64);
  auto q = quantizeRTN(w.data(), 1, 80, *Scheme::parse("int4_g64_asym"));
  ASSERT_EQ(q.scales.size(), 2u);
  EXPECT_EQ(q.mins[1], 5.0f);                       // min of the 16 tail values
  EXPECT_EQ(q.scales[1], roundToHalf(15.0f / 15.0f)); // (20 - 5) / 15
  EXPECT_EQ(q.mins[0], 0.0f);
  auto dq = q.dequantize();
  for (int i = 64; i < 80; ++i)
    EXPECT_EQ(dq[i], w[i]);
}
