//===- SchemeTest.cpp - scheme names, parsing, sizes; f16 and FP8 rounding -===//
#include "qcc/Quant/Numerics.h"
#include "qcc/Quant/Scheme.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

using namespace qcc::quant;

TEST(Scheme, NamesRoundTrip) {
  for (const char *n : {"int4_g128_asym", "int8_pc_sym", "int2_g32_sym", "int3_g64_asym",
                        "nf4_g64", "nf4_pc", "fp8_e4m3_pc", "fp8_e4m3_g128", "w8a8", "f16",
                        "bf16", "f32", "int7_g32_asym", "w8a8_g64", "w8a8_azp",
                        "w8a8_g64_azp", "w8a8_g128_azp"}) {
    auto s = Scheme::parse(n);
    ASSERT_TRUE(s) << n;
    EXPECT_EQ(s->name(), n);
    EXPECT_EQ(*Scheme::parse(s->name()), *s);
  }
}

TEST(Scheme, Aliases) {
  EXPECT_EQ(Scheme::parse("int8")->name(), "int8_pc_sym");
  EXPECT_EQ(Scheme::parse("int4")->name(), "int4_g128_asym");
  EXPECT_EQ(Scheme::parse("nf4")->name(), "nf4_g64");
  EXPECT_EQ(Scheme::parse("fp8")->name(), "fp8_e4m3_pc");
  EXPECT_EQ(Scheme::parse("w8a8_pc")->name(), "w8a8");
  EXPECT_EQ(Scheme::parse("w8a8_pc_azp")->name(), "w8a8_azp");
}

// W8A8ACC: the w8a8 family: weight groups and the zero-point activation
// variant (format Int8W8A8Azp = QCC_QF_INT8_W8A8_AZP).
TEST(Scheme, W8A8Variants) {
  Scheme plain = *Scheme::parse("w8a8"), g64 = *Scheme::parse("w8a8_g64"),
         azp = *Scheme::parse("w8a8_g64_azp");
  EXPECT_EQ(plain.format, Format::Int8W8A8);
  EXPECT_EQ(plain.group, 0);
  EXPECT_EQ(g64.format, Format::Int8W8A8);
  EXPECT_EQ(g64.group, 64);
  EXPECT_EQ(azp.format, Format::Int8W8A8Azp);
  EXPECT_EQ(azp.group, 64);
  EXPECT_EQ(static_cast<int>(Format::Int8W8A8Azp), 5);
  for (const Scheme &s : {plain, g64, azp}) {
    EXPECT_TRUE(s.isW8A8());
    EXPECT_TRUE(s.isQuantized());
    EXPECT_FALSE(s.hasMins());
  }
  EXPECT_FALSE(Scheme::parse("int8_pc_sym")->isW8A8());
  // 8 bits + one f16 scale per group of 64.
  EXPECT_DOUBLE_EQ(azp.bitsPerWeight(384), 8.0 + 16.0 / 64);
  EXPECT_EQ(azp.sizeInBits(3, 384), 3u * 384 * 8 + 3u * 6 * 16);
  for (const char *n : {"w8a8_", "w8a8_g0", "w8a8_azp_g64", "w8a8azp", "w8a8_g64_asym", "w8a8_x"})
    EXPECT_FALSE(Scheme::parse(n)) << n;
}

TEST(Scheme, RejectsBadNames) {
  for (const char *n : {"", "int9_g32_sym", "int1_pc_sym", "int4_g0_sym", "int4_g32", "int4_gx_sym",
                        "int4_g32_sym_x", "nf4_g", "fp8_e5m2_pc", "w4a4", "F16", "int4__sym"})
    EXPECT_FALSE(Scheme::parse(n)) << n;
}

TEST(Scheme, BitsPerWeightAndSize) {
  auto s = *Scheme::parse("int4_g128_asym");
  EXPECT_DOUBLE_EQ(s.bitsPerWeight(), 4.25);
  EXPECT_EQ(s.sizeInBits(2, 256), 2u * 256 * 4 + 2u * 2 * 32);
  auto sym = *Scheme::parse("int4_g32_sym"); // uniform always stores a min
  EXPECT_DOUBLE_EQ(sym.bitsPerWeight(), 5.0);
  EXPECT_DOUBLE_EQ(Scheme::parse("nf4_g64")->bitsPerWeight(), 4.25);
  EXPECT_DOUBLE_EQ(Scheme::parse("w8a8")->bitsPerWeight(512), 8.0 + 16.0 / 512);
  EXPECT_EQ(Scheme::parse("w8a8")->sizeInBits(3, 512), 3u * 512 * 8 + 3u * 16);
  EXPECT_DOUBLE_EQ(Scheme::parse("f16")->bitsPerWeight(), 16.0);
  EXPECT_EQ(Scheme::parse("f32")->sizeInBits(2, 3), 192u);
}

TEST(Scheme, ValidForAndPartialGroups) {
  std::string why;
  EXPECT_TRUE(Scheme::parse("int4_g32_asym")->validFor(4, 64, &why));
  EXPECT_TRUE(Scheme::parse("int4_pc_asym")->validFor(4, 63, &why));
  EXPECT_FALSE(Scheme::parse("int4_g32_asym")->validFor(0, 64, &why));
  EXPECT_NE(why.find("empty weight"), std::string::npos);
  // group 128 on SmolLM2's K = 576: 5 groups per row, the last of 64 weights.
  Scheme g128 = *Scheme::parse("int4_g128_asym");
  EXPECT_TRUE(g128.validFor(576, 576, &why));
  EXPECT_EQ(g128.groupsPerRow(576), 5);
  EXPECT_EQ(g128.sizeInBits(576, 576), 576u * 576 * 4 + 576u * 5 * 32);
  EXPECT_DOUBLE_EQ(g128.bitsPerWeight(576), 4.0 + 32.0 * 5 / 576);
  EXPECT_DOUBLE_EQ(g128.bitsPerWeight(1536), 4.25);
  EXPECT_EQ(Scheme::parse("nf4_pc")->groupsPerRow(100), 1);
  EXPECT_TRUE(Scheme::parse("int8_g32_asym")->kernelSupported());
  EXPECT_FALSE(Scheme::parse("int7_g32_asym")->kernelSupported());
}

/// Exact f16 rounding against a bit-level reference: every f16 value is a
/// fixed point, and values between two neighbours round to the nearer one
/// (ties to the even mantissa).
TEST(Numerics, RoundToHalf) {
  auto halfValue = [](int bits) {
    int e = (bits >> 10) & 31, m = bits & 1023;
    float v = e == 0 ? std::ldexp(static_cast<float>(m), -24)
                     : std::ldexp(1.0f + m / 1024.0f, e - 15);
    return (bits & 0x8000) ? -v : v;
  };
  for (int b = 0; b < 0x7c00 - 1; ++b) {
    float lo = halfValue(b), hi = halfValue(b + 1);
    ASSERT_EQ(roundToHalf(lo), lo);
    float mid = (lo + hi) * 0.5f;
    ASSERT_EQ(roundToHalf(mid), (b % 2 == 0) ? lo : hi) << b;
    ASSERT_EQ(roundToHalf(std::nextafter(mid, 0.0f)), lo) << b;
    ASSERT_EQ(roundToHalf(std::nextafter(mid, 1e9f)), hi) << b;
    ASSERT_EQ(roundToHalf(-mid), -roundToHalf(mid));
  }
  EXPECT_EQ(roundToHalf(1e6f), 65504.0f);
  EXPECT_EQ(roundToHalf(-1e6f), -65504.0f);
}

TEST(Numerics, FP8E4M3) {
  // Every finite code decodes and re-encodes to itself; 448 is the largest.
  for (int c = 0; c < 256; ++c) {
    if ((c & 0x7f) == 0x7f) {
      EXPECT_TRUE(std::isnan(decodeFP8E4M3(static_cast<uint8_t>(c))));
      continue;
    }
    float v = decodeFP8E4M3(static_cast<uint8_t>(c));
    if (c == 0x80)
      EXPECT_EQ(encodeFP8E4M3(v), 0); // -0.0 encodes as +0
    else
      EXPECT_EQ(encodeFP8E4M3(v), c) << c;
  }
  EXPECT_EQ(decodeFP8E4M3(0x7e), 448.0f);
  EXPECT_EQ(decodeFP8E4M3(0x01), std::ldexp(1.0f, -9));
  EXPECT_EQ(encodeFP8E4M3(1000.0f), 0x7e);
  EXPECT_EQ(encodeFP8E4M3(-1000.0f), 0xfe);
  // Ties go to the even mantissa: 1 + 1/16 lies between 1 (0x38) and 1.125 (0x39).
  EXPECT_EQ(encodeFP8E4M3(1.0625f), 0x38);
  EXPECT_EQ(encodeFP8E4M3(1.1875f), 0x3a); // between 1.125 (0x39) and 1.25 (0x3a)
  EXPECT_EQ(encodeFP8E4M3(std::ldexp(1.0f, -10)), 0x00); // half the smallest subnormal
  EXPECT_EQ(encodeFP8E4M3(std::ldexp(3.0f, -10)), 0x02); // 1.5 subnormal ulps -> even
  // Brute force: the code is a nearest finite value for many random inputs.
  uint32_t st = 12345;
  for (int i = 0; i < 100000; ++i) {
    st = st * 1664525u + 1013904223u;
    float x = std::ldexp(static_cast<float>(st >> 8) / 16777216.0f - 0.5f, (st & 31) - 12);
    float got = decodeFP8E4M3(encodeFP8E4M3(x));
    float best = 1e30f;
    for (int c = 0; c < 256; ++c)
      if ((c & 0x7f) != 0x7f)
        best = std::min(best, std::fabs(decodeFP8E4M3(static_cast<uint8_t>(c)) - x));
    if (std::fabs(x) <= 448.0f)
      ASSERT_EQ(std::fabs(got - x), best) << x;
  }
}

// SENS: the contract's candidate list and --candidates parsing.
TEST(Scheme, DefaultCandidates) {
  std::vector<std::string> names;
  for (const Scheme &s : defaultCandidates())
    names.push_back(s.name());
  EXPECT_EQ(names, (std::vector<std::string>{"f16", "int8_pc_sym", "int6_g128_asym",
                                             "int5_g128_asym", "int4_g128_asym",
                                             "int3_g128_asym"}));
  for (const Scheme &s : defaultCandidates())
    EXPECT_TRUE(s.validFor(64, 576)) << s.name(); // partial last group of K = 576
}

TEST(Scheme, ParseSchemeList) {
  std::string error;
  auto l = parseSchemeList(" int8, int4_g128_asym,f16,int8_pc_sym ", error);
  ASSERT_TRUE(l) << error;
  ASSERT_EQ(l->size(), 3u); // int8 == int8_pc_sym
  EXPECT_EQ((*l)[0].name(), "int8_pc_sym");
  EXPECT_EQ((*l)[1].name(), "int4_g128_asym");
  EXPECT_EQ((*l)[2].name(), "f16");
  EXPECT_FALSE(parseSchemeList("int4,int9", error));
  EXPECT_EQ(error, "unknown scheme 'int9'");
  EXPECT_FALSE(parseSchemeList(" , ", error));
  EXPECT_EQ(error, "empty candidate list");
}
