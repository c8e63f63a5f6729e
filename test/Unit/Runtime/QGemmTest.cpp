//===- QGemmTest.cpp - packed quantized weights and qcc_rt_qgemm ----------===//
//
// include/qcc/Runtime/QKernels.h against independent references written
// here:
//  - qcc_rt_qunpack_f32 of a packed blob equals a scalar decode of the codes
//    and scales this test chose (f16 rounding through _Float16, the NF4
//    table of QLoRA, FP8 E4M3 from its bit fields), exactly;
//  - qcc_rt_qgemm equals a double-precision matmul of those weights (W8A8:
//    with A fake-quantized per row as the header specifies), per element
//      |C - ref| <= 4 * 2^-23 * (K + 2) * (sum_k |a||w| + |bias| + |C0|),
//    for every format and bits, groups {32, 64, 128, K}, M in {1, 2, 3, 4,
//    5, 17, 64}, odd N and K, bias / relu / accumulate, 1 and 2 threads,
//    with the AVX2 and the portable kernels;
//  - GGUF Q4_0 / Q4_1 / Q8_0 blocks (decoded with the formulas of the GGUF
//    spec) repack into UNIFORM group-32 blobs that unpack to the same
//    floats bit for bit;
//  - F16 / BF16 blobs (from 2-byte codes or rounded from f32 by
//    qcc_rt_qpack_f32) unpack to _Float16 / a double bf16 rounding
//    exactly, saturate finite overflow, reject NaN / inf, and qcc_rt_qgemm
//    on them matches the double reference for any K (vector tails);
//  - invalid schemes and inputs are rejected.
//
//===----------------------------------------------------------------------===//
#include "TestParallelFor.h"
#include "ThreadPool.h"
#include "kernels/QGemmKernels.h"
#include "qcc/Runtime/QKernels.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <vector>

namespace {

/// f32 -> f16 -> f32 with the compiler's own half type (round to nearest
/// even), independent of the library's converter.
float viaHalf(float x) { return float(_Float16(x)); }

/// FP8 E4M3 from its fields: sign, 4-bit exponent (bias 7), 3-bit mantissa.
double fp8Value(uint8_t c) {
  int s = c >> 7, e = (c >> 3) & 15, m = c & 7;
  double v = e == 0 ? std::ldexp(m / 8.0, -6) : std::ldexp(1.0 + m / 8.0, e - 7);
  return s ? -v : v;
}

/// QLoRA NF4 code values (bitsandbytes' table).
const double kNF4[16] = {-1.0,
                         -0.6961928009986877,
                         -0.5250730514526367,
                         -0.39491748809814453,
                         -0.28444138169288635,
                         -0.18477343022823334,
                         -0.09105003625154495,
                         0.0,
                         0.07958029955625534,
                         0.16093020141124725,
                         0.24611230194568634,
                         0.33791524171829224,
                         0.44070982933044006,
                         0.5626170039176941,
                         0.7229568362236023,
                         1.0};

/// A random quantized weight of one scheme, with its expected dequantization.
struct QWeight {
  int32_t format, bits;
  int64_t N, K, group;
  std::vector<uint8_t> codes;
  std::vector<float> scales, mins;
  std::vector<float> expected; ///< f32 [N, K] from the formulas above
  std::vector<uint8_t> blob;
};

/// Random codes and scales; UNIFORM mins are random, or -2^(bits-1) * scale
/// when `symmetric` (what a symmetric quantizer produces: |q * scale| is then
/// up to twice |w|, which stresses kernels that split off the min term).
QWeight makeWeight(std::mt19937 &rng, int32_t format, int32_t bits, int64_t N,
                   int64_t K, int64_t group, bool symmetric = false) {
  QWeight w{format, bits, N, K, group, {}, {}, {}, {}, {}};
  int64_t G = (K + group - 1) / group; // the last group may be partial
  std::uniform_int_distribution<int> byte(0, 255);
  std::uniform_real_distribution<float> scale(0.001f, 0.1f), shift(-1.0f, 1.0f);
  w.codes.resize(N * K);
  for (auto &c : w.codes) {
    c = uint8_t(byte(rng));
    if (format == QCC_QF_FP8_E4M3 && (c & 0x7f) == 0x7f)
      c = 0x7e; // not NaN
  }
  w.scales.resize(N * G);
  w.mins.resize(N * G);
  for (int64_t i = 0; i < N * G; ++i) {
    w.scales[i] = scale(rng);
    w.mins[i] = symmetric ? -float(1 << (bits - 1)) * w.scales[i] : shift(rng);
  }
  w.expected.resize(N * K);
  for (int64_t n = 0; n < N; ++n)
    for (int64_t k = 0; k < K; ++k) {
      int64_t g = n * G + k / group;
      uint8_t q = w.codes[n * K + k];
      float s = viaHalf(w.scales[g]);
      float v;
      switch (format) {
      case QCC_QF_UNIFORM:
        q &= uint8_t((1 << bits) - 1);
        v = float(q) * s + viaHalf(w.mins[g]);
        break;
      case QCC_QF_NF4:
        v = float(kNF4[q & 15]) * s;
        break;
      case QCC_QF_FP8_E4M3:
        v = float(fp8Value(q)) * s;
        break;
      default:
        v = float(int8_t(q)) * s;
      }
      w.expected[n * K + k] = v;
    }
  uint64_t size = qcc_rt_qpacked_size(format, bits, N, K, group);
  EXPECT_GT(size, 0u);
  // One extra byte in front so the blob is not aligned.
  w.blob.assign(size + 1, 0xcd);
  EXPECT_EQ(qcc_rt_qpack(format, bits, N, K, group, w.codes.data(),
                         w.scales.data(), w.mins.data(), w.blob.data() + 1),
            0);
  return w;
}

const void *blobOf(const QWeight &w) { return w.blob.data() + 1; }

std::string schemeName(int32_t format, int32_t bits, int64_t group, int64_t K) {
  const char *f[] = {"?", "uniform", "nf4", "fp8", "w8a8", "w8a8_azp"};
  return std::string(f[format]) + std::to_string(bits) + "b_g" +
         (group == K ? std::string("K") : std::to_string(group));
}

struct Scheme {
  int32_t format, bits;
};
const Scheme kSchemes[] = {
    {QCC_QF_UNIFORM, 2}, {QCC_QF_UNIFORM, 3},   {QCC_QF_UNIFORM, 4},
    {QCC_QF_UNIFORM, 5}, {QCC_QF_UNIFORM, 6},   {QCC_QF_UNIFORM, 8},
    {QCC_QF_NF4, 4},     {QCC_QF_FP8_E4M3, 8}, {QCC_QF_INT8_W8A8, 8},
    {QCC_QF_INT8_W8A8_AZP, 8},
};

/// (group, K) pairs: groups 32/64/128 with K a multiple; group == K for K
/// both a multiple of 32 and odd; K % group != 0 (a partial last group, as
/// g128 on SmolLM2's K = 576), with K a multiple of 32 (AVX2 GEMV) or not.
const std::pair<int64_t, int64_t> kGroupK[] = {
    {32, 96},  {64, 192},  {128, 384}, {160, 160},
    {37, 37},  {203, 203}, {128, 320}, {64, 83}};

TEST(QPack, UnpackMatchesScalarDecode) {
  std::mt19937 rng(1);
  for (const Scheme &s : kSchemes)
    for (auto [group, K] : kGroupK)
      for (int64_t N : {1, 3, 29}) {
        SCOPED_TRACE(schemeName(s.format, s.bits, group, K) + " N=" +
                     std::to_string(N));
        QWeight w = makeWeight(rng, s.format, s.bits, N, K, group);
        std::vector<float> got(N * K, -7.0f);
        ASSERT_EQ(qcc_rt_qunpack_f32(s.format, s.bits, N, K, group, blobOf(w),
                                     got.data()),
                  0);
        for (int64_t i = 0; i < N * K; ++i)
          ASSERT_EQ(got[i], w.expected[i]) << "element " << i;
      }
}

TEST(QPack, PackedSizeCountsCodesScalesAndMins) {
  // 4-bit g128, K = 512: 4 f16 scales + 4 f16 mins + 8 chunks of 32 bytes.
  EXPECT_EQ(qcc_rt_qpacked_size(QCC_QF_UNIFORM, 4, 1536, 512, 128),
            32u + 1536u * (4 * 2 + 4 * 2 + 512 / 2));
  // NF4 has no mins; K = 17 pads to one 64-code chunk.
  EXPECT_EQ(qcc_rt_qpacked_size(QCC_QF_NF4, 4, 3, 17, 17), 32u + 3u * (2 + 32));
  EXPECT_EQ(qcc_rt_qpacked_size(QCC_QF_UNIFORM, 3, 2, 64, 64),
            32u + 2u * (4 + 24));
  // K = 576, group 128: 5 groups, the last one of 64 codes.
  EXPECT_EQ(qcc_rt_qpacked_size(QCC_QF_UNIFORM, 4, 10, 576, 128),
            32u + 10u * (5 * 2 + 5 * 2 + 576 / 2));
}

TEST(QPack, RejectsInvalidSchemes) {
  struct Bad {
    int32_t format, bits;
    int64_t N, K, group;
  } bad[] = {
      {QCC_QF_UNIFORM, 7, 4, 64, 32},   {QCC_QF_UNIFORM, 1, 4, 64, 32},
      {QCC_QF_UNIFORM, 16, 4, 64, 32},  {QCC_QF_NF4, 3, 4, 64, 32},
      {QCC_QF_FP8_E4M3, 4, 4, 64, 32},  {QCC_QF_INT8_W8A8, 4, 4, 64, 32},
      {QCC_QF_INT8_W8A8_AZP, 4, 4, 64, 32},
      {0, 4, 4, 64, 32},                {6, 8, 4, 64, 32},
      {QCC_QF_UNIFORM, 4, 0, 64, 32},
      {QCC_QF_UNIFORM, 4, 4, 0, 32},    {QCC_QF_UNIFORM, 4, 4, 64, 0},
      {QCC_QF_UNIFORM, 4, -4, 64, 32},  {QCC_QF_UNIFORM, 4, 4, -64, -32},
      {QCC_QF_UNIFORM, 4, int64_t(1) << 40, 64, 32},
  };
  std::vector<uint8_t> codes(256, 1), blob(4096);
  std::vector<float> scales(64, 1.0f), mins(64, 0.0f);
  for (const Bad &b : bad) {
    SCOPED_TRACE(std::to_string(b.format) + "/" + std::to_string(b.bits) +
                 " N=" + std::to_string(b.N) + " K=" + std::to_string(b.K) +
                 " g=" + std::to_string(b.group));
    EXPECT_EQ(qcc_rt_qscheme_valid(b.format, b.bits, b.N, b.K, b.group), 0);
    EXPECT_EQ(qcc_rt_qpacked_size(b.format, b.bits, b.N, b.K, b.group), 0u);
    EXPECT_EQ(qcc_rt_qpack(b.format, b.bits, b.N, b.K, b.group, codes.data(),
                           scales.data(), mins.data(), blob.data()),
              -1);
  }
  EXPECT_EQ(qcc_rt_qscheme_valid(QCC_QF_UNIFORM, 4, 4, 64, 32), 1);
  // A group that does not divide K (partial last group) is valid.
  EXPECT_EQ(qcc_rt_qscheme_valid(QCC_QF_UNIFORM, 4, 4, 64, 48), 1);
  EXPECT_EQ(qcc_rt_qscheme_valid(QCC_QF_UNIFORM, 4, 4, 576, 128), 1);
  // UNIFORM needs mins; scales and mins must be finite halves; FP8 codes
  // must not be NaN.
  EXPECT_EQ(qcc_rt_qpack(QCC_QF_UNIFORM, 4, 4, 64, 32, codes.data(),
                         scales.data(), nullptr, blob.data()),
            -1);
  EXPECT_EQ(qcc_rt_qpack(QCC_QF_NF4, 4, 4, 64, 32, codes.data(), scales.data(),
                         nullptr, blob.data()),
            0);
  std::vector<float> big = scales;
  big[5] = 65520.0f; // rounds to inf in f16
  EXPECT_EQ(qcc_rt_qpack(QCC_QF_NF4, 4, 4, 64, 32, codes.data(), big.data(),
                         nullptr, blob.data()),
            -1);
  big[5] = NAN;
  EXPECT_EQ(qcc_rt_qpack(QCC_QF_UNIFORM, 4, 4, 64, 32, codes.data(),
                         scales.data(), big.data(), blob.data()),
            -1);
  std::vector<uint8_t> nanCodes = codes;
  nanCodes[100] = 0xff;
  EXPECT_EQ(qcc_rt_qpack(QCC_QF_FP8_E4M3, 8, 4, 64, 32, nanCodes.data(),
                         scales.data(), nullptr, blob.data()),
            -1);
}

TEST(QPack, UnpackAndGemmRejectAMismatchedBlob) {
  std::mt19937 rng(2);
  QWeight w = makeWeight(rng, QCC_QF_UNIFORM, 4, 8, 64, 32);
  std::vector<float> out(8 * 64);
  // Same size, other scheme (NF4 is smaller; bits 4 g64 differs in header).
  EXPECT_EQ(qcc_rt_qunpack_f32(QCC_QF_UNIFORM, 4, 8, 64, 64, blobOf(w),
                               out.data()),
            -1);
  EXPECT_EQ(qcc_rt_qunpack_f32(QCC_QF_UNIFORM, 4, 8, 64, 32, nullptr,
                               out.data()),
            -1);
  std::vector<uint8_t> corrupt(w.blob.begin() + 1, w.blob.end());
  corrupt[0] ^= 1;
  EXPECT_EQ(qcc_rt_qunpack_f32(QCC_QF_UNIFORM, 4, 8, 64, 32, corrupt.data(),
                               out.data()),
            -1);
  std::vector<float> a(64, 1.0f), c(8, 0.0f);
  qcc_rt_qgemm(0, QCC_QF_UNIFORM, 4, 64, 1, 8, 64, a.data(), 64, blobOf(w),
               c.data(), 8, nullptr);
  for (float v : c)
    EXPECT_TRUE(std::isnan(v));
}

TEST(QPack, ScalesAndMinsRoundToNearestEvenHalf) {
  // Ties, subnormals, the largest half, values just below the overflow tie.
  const float values[] = {1.0f + 0x1p-11f, 1.0f + 3 * 0x1p-11f, 0x1p-25f,
                          3 * 0x1p-26f,    1e-6f,                65504.0f,
                          65519.0f,        -2.0009765625f,       0.1f,
                          -0.0f,           6.1e-5f,              0x1p-24f};
  const int64_t n = sizeof(values) / sizeof(values[0]);
  std::vector<uint8_t> codes(n * 32, 1); // NF4 code 1
  std::vector<float> scales(values, values + n);
  std::vector<uint8_t> blob(qcc_rt_qpacked_size(QCC_QF_UNIFORM, 4, n, 32, 32));
  std::vector<float> mins(values, values + n), zero(n, 0.0f);
  ASSERT_EQ(qcc_rt_qpack(QCC_QF_UNIFORM, 4, n, 32, 32, codes.data(),
                         zero.data(), mins.data(), blob.data()),
            0);
  std::vector<float> w(n * 32);
  ASSERT_EQ(qcc_rt_qunpack_f32(QCC_QF_UNIFORM, 4, n, 32, 32, blob.data(),
                               w.data()),
            0);
  for (int64_t i = 0; i < n; ++i)
    EXPECT_EQ(w[i * 32], viaHalf(values[i])) << values[i];
  // Spot values that do not depend on _Float16.
  EXPECT_EQ(w[0 * 32], 1.0f);                 // tie to even (down)
  EXPECT_EQ(w[1 * 32], 1.0f + 0x1p-9f);       // tie to even (up)
  EXPECT_EQ(w[2 * 32], 0.0f);                 // 2^-25: tie to even (zero)
  EXPECT_EQ(w[3 * 32], 0x1p-24f);             // 1.5 * 2^-25 rounds up
  EXPECT_EQ(w[6 * 32], 65504.0f);
  EXPECT_EQ(w[11 * 32], 0x1p-24f);            // smallest subnormal
}

/// GGUF blocks of 32 weights (ggml-common.h / the GGUF spec):
///   Q4_0: f16 d, u8 qs[16]; w[j] = ((qs[j] & 15) - 8) * d,
///         w[j + 16] = ((qs[j] >> 4) - 8) * d
///   Q4_1: f16 d, f16 m, u8 qs[16]; w[j] = (qs[j] & 15) * d + m, ...
///   Q8_0: f16 d, i8 qs[32]; w[j] = qs[j] * d
TEST(QPack, GgufBlocksRepackExactly) {
  std::mt19937 rng(3);
  std::uniform_int_distribution<int> byte(0, 255);
  std::uniform_real_distribution<float> dist(-0.2f, 0.2f);
  const int64_t N = 5, K = 96, G = K / 32;
  for (int type : {2 /*Q4_0*/, 3 /*Q4_1*/, 8 /*Q8_0*/}) {
    SCOPED_TRACE("ggml type " + std::to_string(type));
    std::vector<uint8_t> codes(N * K);
    std::vector<float> scales(N * G), mins(N * G), expected(N * K);
    for (int64_t b = 0; b < N * G; ++b) {
      // The raw block, as a GGUF file holds it.
      _Float16 d = _Float16(dist(rng)), m = _Float16(dist(rng));
      uint8_t qs[32];
      for (uint8_t &x : qs)
        x = uint8_t(byte(rng));
      int64_t base = b * 32;
      for (int j = 0; j < 32; ++j) {
        float w;
        uint8_t code;
        if (type == 8) {
          w = float(int8_t(qs[j])) * float(d);
          code = uint8_t(int(int8_t(qs[j])) + 128);
        } else {
          int q = j < 16 ? (qs[j] & 15) : (qs[j - 16] >> 4);
          w = type == 2 ? float(q - 8) * float(d) : float(q) * float(d) + float(m);
          code = uint8_t(q);
        }
        expected[base + j] = w;
        codes[base + j] = code;
      }
      scales[b] = float(d);
      mins[b] = type == 2 ? -8.0f * float(d)
                          : type == 3 ? float(m) : -128.0f * float(d);
    }
    int32_t bits = type == 8 ? 8 : 4;
    std::vector<uint8_t> blob(qcc_rt_qpacked_size(QCC_QF_UNIFORM, bits, N, K, 32));
    ASSERT_EQ(qcc_rt_qpack(QCC_QF_UNIFORM, bits, N, K, 32, codes.data(),
                           scales.data(), mins.data(), blob.data()),
              0);
    std::vector<float> got(N * K);
    ASSERT_EQ(qcc_rt_qunpack_f32(QCC_QF_UNIFORM, bits, N, K, 32, blob.data(),
                                 got.data()),
              0);
    for (int64_t i = 0; i < N * K; ++i)
      ASSERT_EQ(got[i], expected[i]) << "element " << i;
  }
}

/// The W8A8 activation quantization of the QKernels.h contract, in f32:
/// scale = max|a| / 127, q = round half away from zero (a / scale) clamped
/// to [-127, 127]; returns q * scale per element.
std::vector<double> fakeQuantizeRow(const float *a, int64_t K) {
  float amax = 0.0f;
  for (int64_t k = 0; k < K; ++k)
    amax = std::max(amax, std::fabs(a[k]));
  float scale = amax / 127.0f;
  std::vector<double> out(K, 0.0);
  if (scale == 0.0f)
    return out;
  for (int64_t k = 0; k < K; ++k) {
    float x = a[k] / scale;
    double q = x >= 0 ? std::floor(double(x) + 0.5) : -std::floor(-double(x) + 0.5);
    q = std::min(127.0, std::max(-127.0, q));
    out[k] = q * double(scale);
  }
  return out;
}

/// The INT8_W8A8_AZP activation quantization of the QKernels.h contract, in
/// f32 like the kernels, for each group of `group` values of the row (the
/// last one partial): lo = min(min a, 0), hi = max(max a, 0), scale = (hi -
/// lo) / 255, zp = round(-lo / scale), u = clamp(round(a / scale) + zp, 0,
/// 255); returns (u - zp) * scale per element.
std::vector<double> fakeQuantizeRowAzp(const float *a, int64_t K, int64_t group) {
  std::vector<double> out(K, 0.0);
  auto rnd = [](double x) {
    return x >= 0 ? std::floor(x + 0.5) : -std::floor(-x + 0.5);
  };
  for (int64_t k0 = 0; k0 < K; k0 += group) {
    int64_t k1 = std::min(K, k0 + group);
    float lo = 0.0f, hi = 0.0f;
    for (int64_t k = k0; k < k1; ++k) {
      lo = std::min(lo, a[k]);
      hi = std::max(hi, a[k]);
    }
    float scale = (hi - lo) / 255.0f;
    if (scale == 0.0f)
      continue;
    double zp = std::min(255.0, rnd(double(-lo / scale)));
    for (int64_t k = k0; k < k1; ++k) {
      double u = std::min(255.0, std::max(0.0, rnd(double(a[k] / scale)) + zp));
      out[k] = (u - zp) * double(scale);
    }
  }
  return out;
}

/// The fake quantization of a row of A that a W8A8 format applies (A itself
/// for the weight-only formats).
std::vector<double> activationRow(int32_t format, const float *a, int64_t K,
                                  int64_t group) {
  if (format == QCC_QF_INT8_W8A8)
    return fakeQuantizeRow(a, K);
  if (format == QCC_QF_INT8_W8A8_AZP)
    return fakeQuantizeRowAzp(a, K, group);
  return std::vector<double>(a, a + K);
}

/// Runs qcc_rt_qgemm on one weight and checks every element of C, and that
/// nothing past N in each row of C is touched.
void checkGemm(std::mt19937 &rng, const QWeight &w, int64_t M, int64_t flags) {
  int64_t N = w.N, K = w.K, lda = K + 3, ldc = N + 2;
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  std::vector<float> a(M * lda), c(M * ldc), bias(N);
  for (float &x : a)
    x = dist(rng);
  for (float &x : c)
    x = dist(rng);
  for (float &x : bias)
    x = dist(rng);
  std::vector<float> c0 = c;
  qcc_rt_qgemm(flags, w.format, w.bits, w.group, M, N, K, a.data(), lda,
               blobOf(w), c.data(), ldc,
               (flags & QCC_QGEMM_BIAS) ? bias.data() : nullptr);
  for (int64_t m = 0; m < M; ++m) {
    std::vector<double> arow = activationRow(w.format, a.data() + m * lda, K, w.group);
    for (int64_t n = 0; n < N; ++n) {
      double ref = 0, mag = 0;
      for (int64_t k = 0; k < K; ++k) {
        double p = arow[k] * double(w.expected[n * K + k]);
        ref += p;
        mag += std::fabs(p);
      }
      if (flags & QCC_QGEMM_ACCUMULATE) {
        ref += c0[m * ldc + n];
        mag += std::fabs(c0[m * ldc + n]);
      }
      if (flags & QCC_QGEMM_BIAS) {
        ref += bias[n];
        mag += std::fabs(bias[n]);
      }
      if (flags & QCC_QGEMM_RELU)
        ref = std::max(ref, 0.0);
      double tol = 4.0 * 0x1p-23 * double(K + 2) * mag + 1e-30;
      ASSERT_NEAR(c[m * ldc + n], ref, tol) << "m=" << m << " n=" << n;
    }
    for (int64_t n = N; n < ldc; ++n)
      ASSERT_EQ(c[m * ldc + n], c0[m * ldc + n]) << "wrote past N";
  }
}

/// One parameterization of the GEMM sweep: threads and kernel.
class QGemmTest : public ::testing::TestWithParam<std::tuple<int, bool>> {
protected:
  void SetUp() override {
    auto [threads, portable] = GetParam();
    if (threads > 1)
      pool = std::make_unique<qcc::rt::ThreadPool>(threads);
    qcc::test::setTestPool(pool.get());
    qcc::rt::q::qgemmForcePortable(portable);
  }
  void TearDown() override {
    qcc::test::setTestPool(nullptr);
    qcc::rt::q::qgemmForcePortable(false);
  }
  std::unique_ptr<qcc::rt::ThreadPool> pool;
};

TEST_P(QGemmTest, MatchesDoubleReference) {
  std::mt19937 rng(4);
  const int64_t flagSets[] = {0, QCC_QGEMM_BIAS,
                              QCC_QGEMM_BIAS | QCC_QGEMM_RELU,
                              QCC_QGEMM_ACCUMULATE | QCC_QGEMM_RELU};
  int64_t caseNo = 0;
  for (const Scheme &s : kSchemes)
    for (auto [group, K] : kGroupK) {
      // N odd, and large enough for several parallel tasks once.
      int64_t N = (caseNo % 3 == 0) ? 301 : 37;
      bool symmetric = caseNo++ % 2 == 1;
      QWeight w = makeWeight(rng, s.format, s.bits, N, K, group, symmetric);
      for (int64_t M : {1, 2, 3, 4, 5, 17, 64})
        for (int64_t flags : flagSets) {
          SCOPED_TRACE(schemeName(s.format, s.bits, group, K) +
                       (symmetric ? " sym" : "") +
                       " M=" + std::to_string(M) + " N=" + std::to_string(N) +
                       " K=" + std::to_string(K) +
                       " flags=" + std::to_string(flags));
          checkGemm(rng, w, M, flags);
          if (HasFatalFailure())
            return;
        }
    }
}

INSTANTIATE_TEST_SUITE_P(ThreadsAndKernels, QGemmTest,
                         ::testing::Combine(::testing::Values(1, 2),
                                            ::testing::Values(false, true)),
                         [](const auto &info) {
                           return std::to_string(std::get<0>(info.param)) +
                                  "threads_" +
                                  (std::get<1>(info.param) ? "portable"
                                                           : "best");
                         });

/// f32 -> bf16 -> f32 (round to nearest even, finite x within range),
/// computed in double from the definition -- spacing 2^(e - 7) in binade e,
/// 2^-133 below 2^-126 -- independent of the library's bit trick.
float viaBF16(float x) {
  if (x == 0.0f)
    return x;
  int e = std::ilogb(x);
  double ulp = std::ldexp(1.0, (e < -126 ? -126 : e) - 7);
  return float(std::nearbyint(double(x) / ulp) * ulp);
}

uint16_t bitsOf(float x, int32_t format) {
  uint16_t h;
  if (format == QCC_QF_F16) {
    _Float16 v = _Float16(x);
    std::memcpy(&h, &v, 2);
  } else {
    float v = viaBF16(x);
    uint32_t u;
    std::memcpy(&u, &v, 4);
    h = uint16_t(u >> 16); // exact: v is a bf16
  }
  return h;
}

/// A random F16 / BF16 weight W[N, K] packed both from 2-byte codes
/// (qcc_rt_qpack) and from f32 (qcc_rt_qpack_f32); the two blobs must be
/// identical. Values span several binades, with some subnormals.
QWeight makeHalfWeight(std::mt19937 &rng, int32_t format, int64_t N, int64_t K) {
  QWeight w{format, 16, N, K, K, {}, {}, {}, {}, {}};
  std::uniform_real_distribution<float> mant(-1.0f, 1.0f);
  std::uniform_int_distribution<int> expo(-6, 3), pick(0, 49);
  std::vector<float> f(N * K);
  for (float &x : f) {
    x = std::ldexp(mant(rng), expo(rng));
    if (pick(rng) == 0)
      x *= 0x1p-20f; // f16 subnormal range
  }
  w.codes.resize(2 * N * K);
  w.expected.resize(N * K);
  for (int64_t i = 0; i < N * K; ++i) {
    uint16_t h = bitsOf(f[i], format);
    w.codes[2 * i] = uint8_t(h & 0xff);
    w.codes[2 * i + 1] = uint8_t(h >> 8);
    w.expected[i] = format == QCC_QF_F16 ? viaHalf(f[i]) : viaBF16(f[i]);
  }
  uint64_t size = qcc_rt_qpacked_size(format, 16, N, K, K);
  EXPECT_EQ(size, 32u + uint64_t(N) * uint64_t((K + 63) / 64 * 128));
  w.blob.assign(size + 1, 0xcd);
  EXPECT_EQ(qcc_rt_qpack(format, 16, N, K, K, w.codes.data(), nullptr, nullptr,
                         w.blob.data() + 1),
            0);
  std::vector<uint8_t> fromF32(size, 0xab);
  EXPECT_EQ(qcc_rt_qpack_f32(format, N, K, f.data(), fromF32.data()), 0);
  EXPECT_EQ(std::memcmp(fromF32.data(), w.blob.data() + 1, size), 0)
      << "qcc_rt_qpack_f32 differs from packing the compiler's rounding";
  return w;
}

TEST(QPackHalf, UnpackIsExact) {
  std::mt19937 rng(11);
  for (int32_t format : {QCC_QF_F16, QCC_QF_BF16})
    for (int64_t K : {1, 7, 64, 83, 576})
      for (int64_t N : {1, 5}) {
        SCOPED_TRACE(std::string(format == QCC_QF_F16 ? "f16" : "bf16") +
                     " N=" + std::to_string(N) + " K=" + std::to_string(K));
        QWeight w = makeHalfWeight(rng, format, N, K);
        std::vector<float> got(N * K, -7.0f);
        ASSERT_EQ(qcc_rt_qunpack_f32(format, 16, N, K, K, blobOf(w), got.data()),
                  0);
        for (int64_t i = 0; i < N * K; ++i)
          ASSERT_EQ(got[i], w.expected[i]) << "element " << i;
      }
}

TEST(QPackHalf, RoundsToNearestEvenAndSaturates) {
  // f16: ties both ways, subnormal ties, the largest half, finite overflow
  // (saturates instead of becoming inf).
  const float f16In[] = {1.0f + 0x1p-11f, 1.0f + 3 * 0x1p-11f, 0x1p-25f,
                         3 * 0x1p-26f,    65504.0f,            65519.0f,
                         65520.0f,        -1e9f,               0x1p-24f,
                         -0.0f};
  const float f16Out[] = {1.0f,      1.0f + 0x1p-9f, 0.0f,     0x1p-24f,
                          65504.0f,  65504.0f,       65504.0f, -65504.0f,
                          0x1p-24f,  -0.0f};
  // bf16: ties both ways (8 mantissa bits), f32 subnormals, FLT_MAX.
  // bf16 subnormals are multiples of 2^-133: 2^-134 ties to 0, 1.5 *
  // 2^-134 rounds up, 2^-130 is exact.
  const float bfIn[] = {1.0f + 0x1p-8f, 1.0f + 3 * 0x1p-8f, 0x1p-130f,
                        3.4028235e38f,  -3.4028235e38f,     0.1f,
                        0x1p-134f,      3 * 0x1p-135f};
  const float bfOut[] = {1.0f,          1.0f + 0x1p-6f, 0x1p-130f,
                         0x1.fep127f,   -0x1.fep127f,   0.10009765625f,
                         0.0f,          0x1p-133f};
  auto roundTrip = [](int32_t format, const float *in, int64_t K) {
    std::vector<uint8_t> blob(qcc_rt_qpacked_size(format, 16, 1, K, K));
    EXPECT_EQ(qcc_rt_qpack_f32(format, 1, K, in, blob.data()), 0);
    std::vector<float> out(K);
    EXPECT_EQ(qcc_rt_qunpack_f32(format, 16, 1, K, K, blob.data(), out.data()),
              0);
    return out;
  };
  std::vector<float> a = roundTrip(QCC_QF_F16, f16In, 10);
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(a[i], f16Out[i]) << f16In[i];
    EXPECT_EQ(std::signbit(a[i]), std::signbit(f16Out[i])) << f16In[i];
  }
  std::vector<float> b = roundTrip(QCC_QF_BF16, bfIn, 8);
  for (int i = 0; i < 8; ++i)
    EXPECT_EQ(b[i], bfOut[i]) << bfIn[i];
}

TEST(QPackHalf, RejectsBadSchemesAndNonFiniteWeights) {
  std::vector<float> w(4 * 64, 0.5f);
  std::vector<uint8_t> codes(2 * 4 * 64, 0), blob(4 * 128 + 64);
  for (int32_t format : {QCC_QF_F16, QCC_QF_BF16}) {
    EXPECT_EQ(qcc_rt_qscheme_valid(format, 16, 4, 64, 64), 1);
    EXPECT_EQ(qcc_rt_qscheme_valid(format, 16, 4, 64, 32), 0); // group != K
    EXPECT_EQ(qcc_rt_qscheme_valid(format, 8, 4, 64, 64), 0);
    EXPECT_EQ(qcc_rt_qpacked_size(format, 16, 4, 64, 32), 0u);
    EXPECT_EQ(qcc_rt_qpack_f32(format, 4, 64, nullptr, blob.data()), -1);
    EXPECT_EQ(qcc_rt_qpack_f32(format, 0, 64, w.data(), blob.data()), -1);
    for (float bad : {NAN, INFINITY, -INFINITY}) {
      std::vector<float> v = w;
      v[77] = bad;
      EXPECT_EQ(qcc_rt_qpack_f32(format, 4, 64, v.data(), blob.data()), -1);
    }
    // Codes that are inf / NaN bit patterns.
    uint16_t inf = format == QCC_QF_F16 ? 0x7c00 : 0x7f80;
    for (uint16_t h : {inf, uint16_t(inf | 1), uint16_t(inf | 0x8000)}) {
      std::vector<uint8_t> c = codes;
      c[2 * 9] = uint8_t(h & 0xff);
      c[2 * 9 + 1] = uint8_t(h >> 8);
      EXPECT_EQ(qcc_rt_qpack(format, 16, 4, 64, 64, c.data(), nullptr, nullptr,
                             blob.data()),
                -1);
    }
    EXPECT_EQ(qcc_rt_qpack(format, 16, 4, 64, 64, codes.data(), nullptr,
                           nullptr, blob.data()),
              0);
  }
  // Uniform formats cannot go through qcc_rt_qpack_f32.
  EXPECT_EQ(qcc_rt_qpack_f32(QCC_QF_UNIFORM, 4, 64, w.data(), blob.data()), -1);
}

TEST_P(QGemmTest, HalfFormatsMatchDoubleReference) {
  std::mt19937 rng(12);
  const int64_t flagSets[] = {0, QCC_QGEMM_BIAS | QCC_QGEMM_RELU,
                              QCC_QGEMM_ACCUMULATE};
  for (int32_t format : {QCC_QF_F16, QCC_QF_BF16})
    for (int64_t K : {1, 7, 37, 64, 83, 576}) {
      int64_t N = K == 576 ? 301 : 37;
      QWeight w = makeHalfWeight(rng, format, N, K);
      for (int64_t M : {1, 2, 3, 4, 5, 17, 64})
        for (int64_t flags : flagSets) {
          SCOPED_TRACE(std::string(format == QCC_QF_F16 ? "f16" : "bf16") +
                       " M=" + std::to_string(M) + " N=" + std::to_string(N) +
                       " K=" + std::to_string(K) +
                       " flags=" + std::to_string(flags));
          checkGemm(rng, w, M, flags);
          if (HasFatalFailure())
            return;
        }
    }
}

/// The integer W8A8 GEMM (M > 4) against the f32 path on the same
/// fake-quantized A (qgemmForceW8A8F32): both compute aScale * sum_g s_g *
/// sum_k qa qw, one exactly in int32 per group, the other in f32, so they
/// agree to f32 rounding of |aScale| sum_k |qa| |qw s|.
TEST(QGemm, W8A8IntegerGemmMatchesTheF32Path) {
  std::mt19937 rng(13);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  // (group, K): per channel, even groups with a partial last group, K not a
  // multiple of 64 (padded pairs), and an odd group (f32 fallback).
  const std::pair<int64_t, int64_t> gk[] = {
      {576, 576}, {128, 576}, {64, 192}, {32, 83}, {82, 82}, {37, 37}};
  for (int32_t format : {QCC_QF_INT8_W8A8, QCC_QF_INT8_W8A8_AZP})
  for (auto [group, K] : gk)
    for (int64_t M : {5, 6, 7, 13, 64}) {
      int64_t N = 67;
      SCOPED_TRACE("format=" + std::to_string(format) + " g=" + std::to_string(group) +
                   " K=" + std::to_string(K) + " M=" + std::to_string(M));
      QWeight w = makeWeight(rng, format, 8, N, K, group);
      std::vector<float> a(M * K), bias(N), cInt(M * N), cF32(M * N);
      for (float &x : a) // skewed like post-GELU inputs: the zero point matters
        x = format == QCC_QF_INT8_W8A8_AZP ? std::max(dist(rng), -0.17f) * 3.0f
                                           : dist(rng);
      for (float &x : bias)
        x = dist(rng);
      qcc_rt_qgemm(QCC_QGEMM_BIAS, format, 8, group, M, N, K, a.data(),
                   K, blobOf(w), cInt.data(), N, bias.data());
      qcc::rt::q::qgemmForceW8A8F32(true);
      qcc_rt_qgemm(QCC_QGEMM_BIAS, format, 8, group, M, N, K, a.data(),
                   K, blobOf(w), cF32.data(), N, bias.data());
      qcc::rt::q::qgemmForceW8A8F32(false);
      for (int64_t m = 0; m < M; ++m) {
        std::vector<double> qa = activationRow(format, a.data() + m * K, K, group);
        for (int64_t n = 0; n < N; ++n) {
          double mag = std::fabs(bias[n]);
          for (int64_t k = 0; k < K; ++k)
            mag += std::fabs(qa[k] * w.expected[n * K + k]);
          ASSERT_NEAR(cInt[m * N + n], cF32[m * N + n], 4 * 0x1p-23 * (K + 2) * mag)
              << "m=" << m << " n=" << n;
        }
      }
    }
}

/// INT8_W8A8_AZP on hand-made rows (K = 64, groups of 32, so per row and
/// group): a row in [-0.17, 3] (post-GELU-like) is represented with a step
/// of at most 3.17 / 255 (symmetric int8 per row: 3 / 127, 2x coarser); a
/// constant positive row and a zero row are exact up to f32 rounding of the
/// scale; the result matches the independent fake quantization times the
/// dequantized weight, on the GEMV (M = 3) and GEMM (M = 7) paths.
TEST(QGemm, W8A8ZeroPointActivations) {
  std::mt19937 rng(21);
  const int64_t N = 5, K = 64;
  for (int32_t format : {QCC_QF_INT8_W8A8, QCC_QF_INT8_W8A8_AZP}) {
    QWeight w = makeWeight(rng, format, 8, N, K, 32);
    std::vector<float> a(3 * K);
    for (int64_t k = 0; k < K; ++k) {
      a[k] = -0.17f + 3.17f * float(k) / float(K - 1); // [-0.17, 3]
      a[K + k] = 0.75f;                              // constant
      a[2 * K + k] = 0.0f;                           // zero
    }
    for (int64_t M : {3, 7}) { // GEMV and GEMM paths (rows 3..6 repeat row 0)
      std::vector<float> am(M * K), c(M * N);
      for (int64_t m = 0; m < M; ++m)
        std::copy(a.begin() + (m < 3 ? m : 0) * K, a.begin() + ((m < 3 ? m : 0) + 1) * K,
                  am.begin() + m * K);
      qcc_rt_qgemm(0, format, 8, 32, M, N, K, am.data(), K, blobOf(w), c.data(), N,
                   nullptr);
      for (int64_t m = 0; m < M; ++m) {
        std::vector<double> qa = activationRow(format, am.data() + m * K, K, 32);
        double err = 0;
        for (int64_t k = 0; k < K; ++k)
          err = std::max(err, std::fabs(qa[k] - am[m * K + k]));
        int64_t src = m < 3 ? m : 0;
        if (src == 0) // half a step: (3.17 / 255) / 2 vs (3 / 127) / 2
          EXPECT_LE(err, format == QCC_QF_INT8_W8A8_AZP ? 3.17 / 255 / 2 * 1.001
                                                        : 3.0 / 127 / 2 * 1.001);
        else
          EXPECT_LE(err, 1e-6) << "constant and zero rows are exact up to f32 rounding";
        for (int64_t n = 0; n < N; ++n) {
          double ref = 0, mag = 0;
          for (int64_t k = 0; k < K; ++k) {
            ref += qa[k] * w.expected[n * K + k];
            mag += std::fabs(qa[k] * w.expected[n * K + k]);
          }
          ASSERT_NEAR(c[m * N + n], ref, 4 * 0x1p-23 * (K + 2) * mag + 1e-30)
              << "format " << format << " M=" << M << " m=" << m << " n=" << n;
        }
      }
    }
  }
}

TEST(QGemm, ZeroActivationRowsAndEmptyM) {
  // A zero row of A gives W8A8 scale 0: the output is exactly the bias.
  std::mt19937 rng(5);
  QWeight w = makeWeight(rng, QCC_QF_INT8_W8A8, 8, 9, 64, 64);
  std::vector<float> a(2 * 64, 0.0f), c(2 * 9, 5.0f), bias(9);
  for (int i = 0; i < 9; ++i)
    bias[i] = float(i);
  qcc_rt_qgemm(QCC_QGEMM_BIAS, QCC_QF_INT8_W8A8, 8, 64, 2, 9, 64, a.data(), 64,
               blobOf(w), c.data(), 9, bias.data());
  for (int m = 0; m < 2; ++m)
    for (int n = 0; n < 9; ++n)
      EXPECT_EQ(c[m * 9 + n], float(n));
  // M == 0 touches nothing.
  qcc_rt_qgemm(0, QCC_QF_INT8_W8A8, 8, 64, 0, 9, 64, a.data(), 64, blobOf(w),
               c.data(), 9, nullptr);
  EXPECT_EQ(c[3], 3.0f);
}

} // namespace

namespace {
TEST(QGemm, UsesTheAvx2KernelsWhenTheHostHasThem) {
  // The sweep above runs "best" = this ISA; say which one was tested.
  std::printf("qcc_rt_qgemm kernels: %s\n",
              qcc::rt::q::qgemmIsa() ? "AVX2+FMA+F16C" : "portable");
  EXPECT_EQ(qcc::rt::q::qgemmIsa(), qcc::rt::q::hostHasAvx2Fma16() ? 1 : 0);
}
} // namespace
