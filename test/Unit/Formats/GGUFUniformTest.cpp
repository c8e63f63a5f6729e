//===- GGUFUniformTest.cpp - GGUF blocks as uniform codes/scales/mins -----===//
//
// For every block-quantized GGUF type: random blocks (valid f16 factors)
// converted by qcc::gguf::toUniform must reproduce the reader's own
// dequantizer element by element (codes * scale + min), and after
// qcc_rt_qpack / qcc_rt_qunpack_f32 (the blob model.so holds with
// --gguf-weights=native) the exact types must come back bit-identical and
// the K-quants within the f16 rounding of their group scales.
//
//===----------------------------------------------------------------------===//
#include "qcc/Import/GGUFUniform.h"
#include "qcc/Runtime/QKernels.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

using namespace qcc::gguf;

namespace {

/// Byte offsets of the f16 factors of one block of `t`.
std::vector<int> halfFields(TensorType t) {
  switch (t) {
  case TensorType::Q4_1: case TensorType::Q5_1: case TensorType::Q4_K: case TensorType::Q5_K:
    return {0, 2};
  case TensorType::Q2_K: return {80, 82};
  case TensorType::Q3_K: return {108};
  case TensorType::Q6_K: return {208};
  default: return {0};
  }
}

/// `rows` x `cols` of random blocks of type `t` (f16 factors of magnitude 2^-10 .. 2^-1).
std::vector<uint8_t> randomTensor(TensorType t, int64_t rows, int64_t cols, std::mt19937 &rng) {
  size_t elems, bytes;
  blockLayout(t, elems, bytes);
  size_t blocks = size_t(rows * cols) / elems;
  std::vector<uint8_t> data(blocks * bytes);
  for (uint8_t &b : data)
    b = uint8_t(rng());
  for (size_t i = 0; i < blocks; ++i)
    for (int off : halfFields(t)) {
      uint16_t h = uint16_t((rng() & 1) << 15 | (5 + rng() % 10) << 10 | (rng() & 1023));
      std::memcpy(&data[i * bytes + off], &h, 2);
    }
  return data;
}

class GGUFUniform : public ::testing::TestWithParam<TensorType> {};

TEST_P(GGUFUniform, MatchesDequantizeAndSurvivesPacking) {
  TensorType type = GetParam();
  int bits;
  int64_t group;
  bool exact;
  ASSERT_TRUE(uniformScheme(type, bits, group, exact));
  const int64_t rows = 6, cols = 512;
  std::mt19937 rng(unsigned(type) + 1);
  std::vector<uint8_t> data = randomTensor(type, rows, cols, rng);
  TensorInfo t;
  t.type = type;
  t.numel = uint64_t(rows * cols);
  t.data = data.data();
  t.size = data.size();
  std::vector<float> ref;
  dequantize(t, ref);

  std::vector<uint8_t> codes(t.numel);
  std::vector<float> scales(t.numel / group), mins(t.numel / group);
  ASSERT_TRUE(toUniform(t, codes.data(), scales.data(), mins.data()));
  for (uint64_t i = 0; i < t.numel; ++i) {
    ASSERT_LT(codes[i], 1u << bits) << typeName(type) << " element " << i;
    float v = float(codes[i]) * scales[i / group] + mins[i / group];
    ASSERT_NEAR(v, ref[i], 1e-6f * std::fabs(ref[i])) << typeName(type) << " element " << i;
  }

  std::vector<uint8_t> blob(qcc_rt_qpacked_size(QCC_QF_UNIFORM, bits, rows, cols, group));
  ASSERT_FALSE(blob.empty());
  ASSERT_EQ(qcc_rt_qpack(QCC_QF_UNIFORM, bits, rows, cols, group, codes.data(), scales.data(),
                         mins.data(), blob.data()),
            0);
  std::vector<float> back(t.numel);
  ASSERT_EQ(qcc_rt_qunpack_f32(QCC_QF_UNIFORM, bits, rows, cols, group, blob.data(), back.data()),
            0);
  double worst = 0;
  for (uint64_t i = 0; i < t.numel; ++i) {
    // f16 rounding of a K-quant group's scale (2^-11 relative) and min, times
    // at most 2^bits - 1 codes.
    double bound = exact ? 1e-6 * std::fabs(ref[i])
                         : std::ldexp(std::fabs(scales[i / group]) * ((1 << bits) - 1) +
                                          std::fabs(mins[i / group]), -11) + 1e-12;
    double err = std::fabs(double(back[i]) - ref[i]);
    worst = std::max(worst, err);
    ASSERT_LE(err, bound) << typeName(type) << " element " << i;
  }
  if (exact)
    EXPECT_EQ(worst, 0.0) << typeName(type) << ": the mapping should be exact";
}

INSTANTIATE_TEST_SUITE_P(AllBlockTypes, GGUFUniform,
                         ::testing::Values(TensorType::Q4_0, TensorType::Q4_1, TensorType::Q5_0,
                                           TensorType::Q5_1, TensorType::Q8_0, TensorType::Q2_K,
                                           TensorType::Q3_K, TensorType::Q4_K, TensorType::Q5_K,
                                           TensorType::Q6_K),
                         [](const auto &info) { return std::string(typeName(info.param)); });

TEST(GGUFUniform, FloatTypesAreNotQuantized) {
  int bits;
  int64_t group;
  bool exact;
  EXPECT_FALSE(uniformScheme(TensorType::F32, bits, group, exact));
  EXPECT_FALSE(uniformScheme(TensorType::F16, bits, group, exact));
}

} // namespace
