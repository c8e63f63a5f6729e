//===- PackTest.cpp - QuantizedWeight is exactly what qcc_rt_qpack takes ---===//
//
// The contract between QccQuant and the runtime kernels: packing RTN output
// with qcc_rt_qpack and unpacking it with qcc_rt_qunpack_f32 gives
// QuantizedWeight::dequantize() bit for bit, for every format.
//===----------------------------------------------------------------------===//
#include "qcc/Quant/Numerics.h"
#include "qcc/Quant/QuantizedWeight.h"
#include "qcc/Runtime/QKernels.h"

#include <gtest/gtest.h>

#include <cstring>
#include <random>

using namespace qcc::quant;

TEST(Pack, Nf4TableMatchesTheKernels) {
  EXPECT_EQ(std::memcmp(nf4Table(), qcc_rt_nf4_table(), 16 * sizeof(float)), 0);
}

TEST(Pack, UnpackEqualsDequantize) {
  const int64_t n = 6, k = 128;
  std::mt19937 rng(11);
  std::normal_distribution<float> d(0.0f, 0.1f);
  std::vector<float> w(static_cast<size_t>(n * k));
  for (auto &v : w)
    v = d(rng);
  w[5] = 3.0f; // an outlier
  for (const char *name :
       {"int2_g32_asym", "int3_g64_sym", "int4_g128_asym", "int4_g32_sym", "int5_pc_asym",
        "int6_g32_asym", "int8_pc_sym", "int8_g64_asym", "nf4_g64", "nf4_pc", "fp8_e4m3_pc",
        "fp8_e4m3_g32", "w8a8", "w8a8_g64", "w8a8_g32_azp", "int4_g96_asym",
        "nf4_g48"}) { // the last two: partial groups
    Scheme s = *Scheme::parse(name);
    QuantizedWeight q = quantizeRTN(w.data(), n, k, s);
    int32_t fmt = static_cast<int32_t>(q.scheme.format);
    ASSERT_TRUE(qcc_rt_qscheme_valid(fmt, q.scheme.bits, n, k, q.scheme.group)) << name;
    uint64_t size = qcc_rt_qpacked_size(fmt, q.scheme.bits, n, k, q.scheme.group);
    ASSERT_GT(size, 0u);
    std::vector<uint8_t> blob(size);
    ASSERT_EQ(qcc_rt_qpack(fmt, q.scheme.bits, n, k, q.scheme.group, q.codes.data(),
                           q.scales.data(), q.mins.empty() ? nullptr : q.mins.data(), blob.data()),
              0)
        << name;
    std::vector<float> unpacked(static_cast<size_t>(n * k));
    ASSERT_EQ(qcc_rt_qunpack_f32(fmt, q.scheme.bits, n, k, q.scheme.group, blob.data(),
                                 unpacked.data()),
              0);
    std::vector<float> dq = q.dequantize();
    int diffs = 0;
    for (size_t i = 0; i < dq.size(); ++i)
      diffs += dq[i] != unpacked[i];
    EXPECT_EQ(diffs, 0) << name << ": first " << dq[0] << " vs " << unpacked[0];
    // The packed size is the scheme's size in bits rounded up to bytes, plus any header.
    EXPECT_GE(size * 8, s.sizeInBits(n, k)) << name;
  }
}

// QF16: quantizeRTN for f16 / bf16 produces exactly the bit patterns the
// kernels' own rounding (qcc_rt_qpack_f32) stores, including ties,
// subnormals and finite values beyond the range (saturated), and
// dequantize() is the unpacked blob.
TEST(Pack, HalfFormatsRoundLikeTheKernels) {
  const int64_t n = 5, k = 83; // K not a multiple of 64: a padded row
  std::mt19937 rng(12);
  std::normal_distribution<float> d(0.0f, 0.1f);
  std::vector<float> w(static_cast<size_t>(n * k));
  for (auto &v : w)
    v = d(rng);
  const float edge[] = {1.0f + 0x1p-11f, 1.0f + 3 * 0x1p-11f, 0x1p-25f,  3 * 0x1p-26f,
                        65519.0f,        65520.0f,            -1e9f,     1.0f + 0x1p-8f,
                        1.0f + 3 * 0x1p-8f, 0x1p-134f,        3.4028235e38f, -0.0f,
                        1e-30f,          -3e-8f};
  std::memcpy(w.data(), edge, sizeof(edge));
  for (const char *name : {"f16", "bf16"}) {
    Scheme s = *Scheme::parse(name);
    ASSERT_TRUE(s.isHalf() && s.isPacked() && !s.isQuantized());
    QuantizedWeight q = quantizeRTN(w.data(), n, k, s);
    int32_t fmt = static_cast<int32_t>(q.scheme.format);
    ASSERT_EQ(q.scheme.group, k);
    ASSERT_EQ(q.codes.size(), static_cast<size_t>(2 * n * k));
    ASSERT_TRUE(q.scales.empty() && q.mins.empty());
    uint64_t size = qcc_rt_qpacked_size(fmt, 16, n, k, k);
    ASSERT_EQ(size, 32u + n * 256u) << name; // K padded to 128: 256 bytes a row
    std::vector<uint8_t> fromCodes(size), fromF32(size);
    ASSERT_EQ(qcc_rt_qpack(fmt, 16, n, k, k, q.codes.data(), nullptr, nullptr, fromCodes.data()),
              0);
    ASSERT_EQ(qcc_rt_qpack_f32(fmt, n, k, w.data(), fromF32.data()), 0);
    EXPECT_EQ(std::memcmp(fromCodes.data(), fromF32.data(), size), 0) << name;
    std::vector<float> unpacked(static_cast<size_t>(n * k));
    ASSERT_EQ(qcc_rt_qunpack_f32(fmt, 16, n, k, k, fromF32.data(), unpacked.data()), 0);
    std::vector<float> dq = q.dequantize();
    for (int64_t i = 0; i < n * k; ++i) {
      ASSERT_EQ(std::memcmp(&dq[i], &unpacked[i], 4), 0) << name << " element " << i;
      float r = s.format == Format::F16 ? roundToHalf(w[i]) : roundToBFloat16(w[i]);
      ASSERT_EQ(dq[i], r) << name << " element " << i;
    }
    EXPECT_EQ(s.sizeInBits(n, k), static_cast<uint64_t>(16 * n * k));
  }
}
