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
        "fp8_e4m3_g32", "w8a8", "int4_g96_asym", "nf4_g48"}) { // the last two: partial groups
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
