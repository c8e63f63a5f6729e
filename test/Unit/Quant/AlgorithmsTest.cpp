//===- AlgorithmsTest.cpp - properties of GPTQ, AWQ, SmoothQuant, sensitivity -===//
//
// Exact agreement with independent numpy implementations is tested in
// test/Quant (lit); these are the algebraic properties.
//===----------------------------------------------------------------------===//
#include "qcc/Quant/Awq.h"
#include "qcc/Quant/Gptq.h"
#include "qcc/Quant/Sensitivity.h"
#include "qcc/Quant/Numerics.h"
#include "qcc/Quant/SmoothQuant.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

using namespace qcc::quant;

namespace {

struct Layer {
  int64_t n, k, m;
  std::vector<float> w, x; // W[n, k], X[m, k]
  std::vector<double> xtx; // X^T X
  std::vector<float> meanAbs, absMax;
};

/// A layer with correlated inputs and a few outlier channels (like LLMs).
Layer makeLayer(int64_t n, int64_t k, int64_t m, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> nd(0.0f, 1.0f);
  Layer l{n, k, m, {}, {}, {}, {}, {}};
  l.w.resize(static_cast<size_t>(n * k));
  for (auto &v : l.w)
    v = 0.05f * nd(rng);
  l.x.resize(static_cast<size_t>(m * k));
  std::vector<float> chanScale(static_cast<size_t>(k));
  for (int64_t j = 0; j < k; ++j)
    chanScale[j] = (j % 17 == 3) ? 20.0f : 0.5f + 0.05f * static_cast<float>(j % 7);
  for (int64_t r = 0; r < m; ++r) {
    float common = nd(rng);
    for (int64_t j = 0; j < k; ++j)
      l.x[r * k + j] = chanScale[j] * (0.6f * nd(rng) + 0.4f * common);
  }
  l.xtx.assign(static_cast<size_t>(k * k), 0.0);
  l.meanAbs.assign(static_cast<size_t>(k), 0.0f);
  l.absMax.assign(static_cast<size_t>(k), 0.0f);
  for (int64_t r = 0; r < m; ++r)
    for (int64_t i = 0; i < k; ++i) {
      double xi = l.x[r * k + i];
      l.meanAbs[i] += static_cast<float>(std::fabs(xi) / static_cast<double>(m));
      l.absMax[i] = std::max(l.absMax[i], static_cast<float>(std::fabs(xi)));
      for (int64_t j = 0; j < k; ++j)
        l.xtx[i * k + j] += xi * l.x[r * k + j];
    }
  return l;
}

std::vector<double> twice(const std::vector<double> &a) {
  std::vector<double> b(a);
  for (auto &v : b)
    v *= 2.0;
  return b;
}

} // namespace

TEST(Gptq, BeatsRtnOnCorrelatedInputs) {
  Layer l = makeLayer(32, 128, 512, 1);
  auto h = twice(l.xtx);
  for (const char *name : {"int4_g32_asym", "int3_pc_sym", "int4_pc_asym", "nf4_g64", "fp8_e4m3_pc"})
    for (bool act : {false, true}) {
      GptqOptions o;
      o.actOrder = act;
      std::string err;
      auto r = gptq(l.w.data(), l.n, l.k, h.data(), *Scheme::parse(name), o, err);
      ASSERT_TRUE(r) << err;
      EXPECT_LT(r->loss, r->rtnLoss) << name << " act " << act;
      EXPECT_GT(r->damping, 0.0);
    }
}

TEST(Gptq, DiagonalHessianIsRtn) {
  // With H = c I nothing propagates: GPTQ rounds exactly like RTN.
  const int64_t n = 8, k = 64;
  Layer l = makeLayer(n, k, 4, 2);
  std::vector<double> h(static_cast<size_t>(k * k), 0.0);
  for (int64_t i = 0; i < k; ++i)
    h[i * k + i] = 3.0;
  for (const char *name : {"int4_g32_asym", "int2_g16_sym", "w8a8", "int3_g24_asym", "nf4_g48"}) {
    std::string err;
    auto r = gptq(l.w.data(), n, k, h.data(), *Scheme::parse(name), GptqOptions{}, err);
    ASSERT_TRUE(r) << err;
    auto rtn = quantizeRTN(l.w.data(), n, k, *Scheme::parse(name));
    EXPECT_EQ(r->weight.codes, rtn.codes) << name;
    EXPECT_EQ(r->weight.scales, rtn.scales) << name;
    EXPECT_DOUBLE_EQ(r->loss, r->rtnLoss);
  }
}

TEST(Gptq, BlockSizeDoesNotChangeTheResult) {
  // Lazy batching is the same arithmetic in the same order: identical codes.
  Layer l = makeLayer(16, 96, 256, 3);
  auto h = twice(l.xtx);
  for (bool act : {false, true}) {
    std::vector<uint8_t> ref;
    for (int64_t bs : {1, 7, 32, 128, 1000}) {
      GptqOptions o;
      o.blockSize = bs;
      o.actOrder = act;
      std::string err;
      auto r = gptq(l.w.data(), l.n, l.k, h.data(), *Scheme::parse("int3_g32_asym"), o, err);
      ASSERT_TRUE(r) << err;
      if (ref.empty())
        ref = r->weight.codes;
      else
        EXPECT_EQ(r->weight.codes, ref) << "block " << bs << " act " << act;
    }
  }
}

TEST(Gptq, DeadColumnsAndErrors) {
  Layer l = makeLayer(4, 32, 64, 4);
  auto h = twice(l.xtx);
  for (int64_t j = 0; j < 32; ++j) { // input 5 is always zero
    h[5 * 32 + j] = 0.0;
    h[j * 32 + 5] = 0.0;
  }
  std::string err;
  auto r = gptq(l.w.data(), 4, 32, h.data(), *Scheme::parse("int4_g16_asym"), GptqOptions{}, err);
  ASSERT_TRUE(r) << err;
  EXPECT_EQ(r->deadColumns, 1);
  auto dq = r->weight.dequantize();
  for (int64_t row = 0; row < 4; ++row)
    EXPECT_NEAR(dq[row * 32 + 5], 0.0f, r->weight.scales[row * 2] * 0.51f);
  EXPECT_FALSE(gptq(l.w.data(), 0, 32, h.data(), *Scheme::parse("int4_g16_asym"), GptqOptions{}, err));
  EXPECT_NE(err.find("empty weight"), std::string::npos) << err;
  EXPECT_FALSE(gptq(l.w.data(), 4, 32, h.data(), *Scheme::parse("f16"), GptqOptions{}, err));
  h[3] = NAN;
  EXPECT_FALSE(gptq(l.w.data(), 4, 32, h.data(), *Scheme::parse("int4_g16_asym"), GptqOptions{}, err));
  EXPECT_NE(err.find("non-finite"), std::string::npos) << err;
  // An indefinite H that damping cannot fix.
  std::vector<double> neg(32 * 32, 1e6); // huge off-diagonal, unit diagonal
  for (int64_t i = 0; i < 32; ++i)
    neg[i * 32 + i] = 1.0;
  EXPECT_FALSE(gptq(l.w.data(), 4, 32, neg.data(), *Scheme::parse("int4_g16_asym"), GptqOptions{}, err));
  EXPECT_NE(err.find("not positive definite"), std::string::npos) << err;
}

TEST(Awq, NeverWorseThanRtnAndHelpsOutliers) {
  Layer l = makeLayer(32, 128, 512, 5);
  std::string err;
  auto r = awq(l.w.data(), l.n, l.k, l.meanAbs.data(), l.xtx.data(), *Scheme::parse("int3_g32_asym"),
               AwqOptions{}, err);
  ASSERT_TRUE(r) << err;
  ASSERT_EQ(r->errors.size(), 20u);
  EXPECT_EQ(r->errors[0], r->rtnError);
  EXPECT_LE(r->error, r->rtnError);
  EXPECT_LT(r->error, 0.9 * r->rtnError); // outlier channels: AWQ helps clearly
  EXPECT_GT(r->alpha, 0.0);
  // The error really is tr(D X^T X D^T) of the returned weight and scales.
  auto dq = r->weight.dequantize();
  double direct = 0;
  for (int64_t row = 0; row < l.m; ++row)
    for (int64_t o = 0; o < l.n; ++o) {
      double y = 0;
      for (int64_t j = 0; j < l.k; ++j)
        y += static_cast<double>(l.x[row * l.k + j]) *
             (dq[o * l.k + j] / r->scales[j] - l.w[o * l.k + j]);
      direct += y * y;
    }
  EXPECT_NEAR(r->error, direct, 1e-6 * direct);
  std::vector<float> bad(l.meanAbs);
  bad[3] = NAN;
  EXPECT_FALSE(awq(l.w.data(), l.n, l.k, bad.data(), l.xtx.data(), *Scheme::parse("int4_g32_asym"),
                   AwqOptions{}, err));
  EXPECT_NE(err.find("channel 3"), std::string::npos) << err;
}

TEST(SmoothQuant, ReducesW8A8ErrorWithOutliers) {
  Layer l = makeLayer(64, 128, 64, 6);
  std::string err;
  auto r = smoothQuant(l.absMax.data(), l.x.data(), 16, l.w.data(), l.n, l.k, SmoothQuantOptions{}, err);
  ASSERT_TRUE(r) << err;
  EXPECT_EQ(r->errors.size(), 21u);
  EXPECT_LT(r->error, r->unsmoothedError);
  EXPECT_GT(r->alpha, 0.0);
  // The factors follow the formula.
  auto s = smoothQuantScales(l.absMax.data(), l.w.data(), l.n, l.k, 0.5);
  double wmax = 0;
  for (int64_t o = 0; o < l.n; ++o)
    wmax = std::max(wmax, static_cast<double>(std::fabs(l.w[o * l.k + 3])));
  EXPECT_NEAR(s[3], std::sqrt(l.absMax[3] / wmax), 1e-5 * s[3]);
  EXPECT_FALSE(smoothQuant(l.absMax.data(), l.x.data(), 0, l.w.data(), l.n, l.k, SmoothQuantOptions{}, err));
}

TEST(Sensitivity, EqualsSummedSquaredOutputError) {
  Layer l = makeLayer(16, 64, 128, 7);
  auto h = twice(l.xtx);
  for (const char *name : {"int4_g32_asym", "int8_pc_sym", "nf4_g64", "f16", "bf16"}) {
    Scheme s = *Scheme::parse(name);
    double est = hessianSensitivity(l.w.data(), l.n, l.k, h.data(), s);
    std::vector<float> wq;
    if (s.isQuantized()) {
      wq = quantizeRTN(l.w.data(), l.n, l.k, s).dequantize();
    } else {
      wq = l.w;
      for (auto &v : wq)
        v = name[0] == 'f' ? roundToHalf(v) : roundToBFloat16(v);
    }
    double direct = 0;
    for (int64_t row = 0; row < l.m; ++row)
      for (int64_t o = 0; o < l.n; ++o) {
        double y = 0;
        for (int64_t j = 0; j < l.k; ++j)
          y += static_cast<double>(l.x[row * l.k + j]) * (wq[o * l.k + j] - l.w[o * l.k + j]);
        direct += y * y;
      }
    EXPECT_NEAR(est, direct, 1e-6 * direct) << name;
    EXPECT_GT(est, 0.0) << name;
  }
  EXPECT_EQ(hessianSensitivity(l.w.data(), l.n, l.k, h.data(), *Scheme::parse("f32")), 0.0);
  // More bits, less sensitivity.
  EXPECT_LT(hessianSensitivity(l.w.data(), l.n, l.k, h.data(), *Scheme::parse("int8_g32_asym")),
            hessianSensitivity(l.w.data(), l.n, l.k, h.data(), *Scheme::parse("int4_g32_asym")));
}

/// A group of one layer is exactly the single-layer search; a group's scales
/// use the maximum over every layer's rows; its error is the summed output
/// error over the summed output energy, checked directly.
TEST(SmoothQuant, GroupSearchSharesOneAlpha) {
  Layer a = makeLayer(48, 128, 64, 7), b = makeLayer(16, 128, 64, 8);
  std::string err;
  auto single = smoothQuant(a.absMax.data(), a.x.data(), 16, a.w.data(), a.n, a.k,
                            SmoothQuantOptions{}, err);
  auto one = smoothQuantGroup(a.absMax.data(), a.x.data(), 16, {{a.w.data(), a.n, true}}, a.k,
                              SmoothQuantOptions{}, err);
  ASSERT_TRUE(single && one) << err;
  EXPECT_EQ(one->alpha, single->alpha);
  EXPECT_EQ(one->errors, single->errors);
  EXPECT_EQ(one->scales, single->scales);
  // b's weights get a big column 5: the group factor of channel 5 must see it.
  for (int64_t o = 0; o < b.n; ++o)
    b.w[o * b.k + 5] = o == 3 ? 4.0f : b.w[o * b.k + 5];
  std::vector<SmoothQuantLayer> g{{a.w.data(), a.n, true}, {b.w.data(), b.n, true}};
  auto s = smoothQuantGroupScales(a.absMax.data(), g, a.k, 0.5);
  EXPECT_NEAR(s[5], std::sqrt(a.absMax[5] / 4.0), 1e-5 * s[5]);
  auto r = smoothQuantGroup(a.absMax.data(), a.x.data(), 16, g, a.k, SmoothQuantOptions{}, err);
  ASSERT_TRUE(r) << err;
  EXPECT_LE(r->error, r->unsmoothedError);
  // Direct: (num_a + num_b) / (den_a + den_b) at the chosen alpha.
  auto parts = [&](const float *w, int64_t n) {
    std::vector<float> xs(a.x.begin(), a.x.begin() + 16 * a.k), ws(w, w + n * a.k);
    for (int64_t j = 0; j < a.k; ++j) {
      for (int64_t row = 0; row < 16; ++row)
        xs[row * a.k + j] /= r->scales[j];
      for (int64_t o = 0; o < n; ++o)
        ws[o * a.k + j] *= r->scales[j];
    }
    fakeQuantPerToken(xs.data(), 16, a.k);
    auto wq = quantizeRTN(ws.data(), n, a.k, *Scheme::parse("w8a8")).dequantize();
    double num = 0, den = 0;
    for (int64_t row = 0; row < 16; ++row)
      for (int64_t o = 0; o < n; ++o) {
        double y = 0, yq = 0;
        for (int64_t j = 0; j < a.k; ++j) {
          y += double(a.x[row * a.k + j]) * w[o * a.k + j];
          yq += double(xs[row * a.k + j]) * wq[o * a.k + j];
        }
        num += (y - yq) * (y - yq);
        den += y * y;
      }
    return std::make_pair(num, den);
  };
  auto pa = parts(a.w.data(), a.n), pb = parts(b.w.data(), b.n);
  EXPECT_NEAR(r->error, (pa.first + pb.first) / (pa.second + pb.second), 1e-9);
  // A layer excluded from the error (not w8a8) still shapes the factors.
  g[1].w8a8 = false;
  auto r2 = smoothQuantGroup(a.absMax.data(), a.x.data(), 16, g, a.k, SmoothQuantOptions{}, err);
  ASSERT_TRUE(r2) << err;
  g[0].w8a8 = false;
  EXPECT_FALSE(smoothQuantGroup(a.absMax.data(), a.x.data(), 16, g, a.k, SmoothQuantOptions{}, err));
  EXPECT_NE(err.find("no layer of the group is w8a8"), std::string::npos) << err;
}

// W8A8ACC: with a layer scheme the group error uses that scheme's weight
// groups and activation quantizer: recomputed here independently (per-row,
// per-group uint8 zero-point fake quantization written out from its
// definition) for w8a8_g32_azp.
TEST(SmoothQuant, GroupErrorUsesTheLayersScheme) {
  Layer a = makeLayer(32, 128, 512, 31);
  Scheme azp = *Scheme::parse("w8a8_g32_azp");
  std::vector<SmoothQuantLayer> g{{a.w.data(), a.n, true, azp}};
  std::string err;
  auto r = smoothQuantGroup(a.absMax.data(), a.x.data(), 16, g, a.k, SmoothQuantOptions{}, err);
  ASSERT_TRUE(r) << err;
  std::vector<float> xs(a.x.begin(), a.x.begin() + 16 * a.k), ws = a.w;
  for (int64_t j = 0; j < a.k; ++j) {
    for (int64_t row = 0; row < 16; ++row)
      xs[row * a.k + j] /= r->scales[j];
    for (int64_t o = 0; o < a.n; ++o)
      ws[o * a.k + j] *= r->scales[j];
  }
  for (int64_t row = 0; row < 16; ++row)
    for (int64_t j0 = 0; j0 < a.k; j0 += 32) {
      float *v = xs.data() + row * a.k + j0;
      float lo = 0, hi = 0;
      for (int j = 0; j < 32; ++j) {
        lo = std::min(lo, v[j]);
        hi = std::max(hi, v[j]);
      }
      float scale = (hi - lo) / 255.0f;
      float zp = std::round(-lo / scale);
      for (int j = 0; j < 32; ++j) {
        float u = std::min(255.0f, std::max(0.0f, std::round(v[j] / scale) + zp));
        v[j] = (u - zp) * scale;
      }
    }
  auto wq = quantizeRTN(ws.data(), a.n, a.k, azp).dequantize();
  double num = 0, den = 0;
  for (int64_t row = 0; row < 16; ++row)
    for (int64_t o = 0; o < a.n; ++o) {
      double y = 0, yq = 0;
      for (int64_t j = 0; j < a.k; ++j) {
        y += double(a.x[row * a.k + j]) * a.w[o * a.k + j];
        yq += double(xs[row * a.k + j]) * wq[o * a.k + j];
      }
      num += (y - yq) * (y - yq);
      den += y * y;
    }
  EXPECT_NEAR(r->error, num / den, 1e-9);
  // The finer scheme has a smaller error than per-token symmetric w8a8.
  std::vector<SmoothQuantLayer> plain{{a.w.data(), a.n, true}};
  auto rp = smoothQuantGroup(a.absMax.data(), a.x.data(), 16, plain, a.k, SmoothQuantOptions{}, err);
  ASSERT_TRUE(rp) << err;
  EXPECT_LT(r->error, rp->error);
}

/// A group of one is awq(); a group's error is the sum of its layers' errors.
TEST(Awq, GroupSearchSumsTheLayersErrors) {
  Layer a = makeLayer(32, 128, 512, 9);
  Layer b = makeLayer(24, 128, 512, 10);
  Scheme s4 = *Scheme::parse("int4_g32_asym"), s3 = *Scheme::parse("int3_g32_asym");
  std::string err;
  auto single = awq(a.w.data(), a.n, a.k, a.meanAbs.data(), a.xtx.data(), s3, AwqOptions{}, err);
  auto one = awqGroup({{a.w.data(), a.n, s3}}, a.k, a.meanAbs.data(), a.xtx.data(), AwqOptions{}, err);
  ASSERT_TRUE(single && one) << err;
  EXPECT_EQ(one->alpha, single->alpha);
  EXPECT_EQ(one->scales, single->scales);
  EXPECT_EQ(one->weights[0].codes, single->weight.codes);
  auto g = awqGroup({{a.w.data(), a.n, s3}, {b.w.data(), b.n, s4}}, a.k, a.meanAbs.data(),
                    a.xtx.data(), AwqOptions{}, err);
  ASSERT_TRUE(g) << err;
  ASSERT_EQ(g->weights.size(), 2u);
  EXPECT_LE(g->error, g->rtnError);
  // The summed error at the chosen alpha, recomputed from the returned weights.
  double direct = 0;
  const Layer *ls[2] = {&a, &b};
  for (int li = 0; li < 2; ++li) {
    auto dq = g->weights[li].dequantize();
    const Layer &l = *ls[li];
    for (int64_t row = 0; row < a.m; ++row)
      for (int64_t o = 0; o < l.n; ++o) {
        double y = 0;
        for (int64_t j = 0; j < a.k; ++j)
          y += double(a.x[row * a.k + j]) * (dq[o * a.k + j] / g->scales[j] - l.w[o * a.k + j]);
        direct += y * y;
      }
  }
  EXPECT_NEAR(g->error, direct, 1e-6 * direct);
  EXPECT_FALSE(awqGroup({}, a.k, a.meanAbs.data(), a.xtx.data(), AwqOptions{}, err));
}
