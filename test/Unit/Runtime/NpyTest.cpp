//===- NpyTest.cpp - unit tests of the .npy reader and writer ---------------===//
#include "Npy.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <unistd.h>

namespace {

std::string tempPath(const char *name) {
  return ::testing::TempDir() + "/" + std::to_string(getpid()) + "_" + name;
}

TEST(Npy, RoundTripF32) {
  std::string path = tempPath("f32.npy"), error;
  float data[6] = {1.5f, -2, 3, 4, 5, 6.25f};
  ASSERT_TRUE(qcc::npy::writeFile(path, QCC_ELEMENT_TYPE_F32, {2, 3}, data,
                                  error))
      << error;
  qcc::npy::Array a;
  ASSERT_TRUE(qcc::npy::readFile(path, a, error)) << error;
  EXPECT_EQ(a.elementType, QCC_ELEMENT_TYPE_F32);
  EXPECT_EQ(a.shape, (std::vector<int64_t>{2, 3}));
  ASSERT_EQ(a.data.size(), sizeof(data));
  EXPECT_EQ(std::memcmp(a.data.data(), data, sizeof(data)), 0);
  // The data starts on a 64-byte boundary of the file.
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  EXPECT_EQ((static_cast<size_t>(in.tellg()) - sizeof(data)) % 64, 0u);
  std::remove(path.c_str());
}

TEST(Npy, RoundTripScalarBoolAndI64) {
  std::string error;
  qcc::npy::Array a;
  std::string p1 = tempPath("scalar.npy");
  int64_t v = -42;
  ASSERT_TRUE(qcc::npy::writeFile(p1, QCC_ELEMENT_TYPE_I64, {}, &v, error));
  ASSERT_TRUE(qcc::npy::readFile(p1, a, error)) << error;
  EXPECT_TRUE(a.shape.empty());
  EXPECT_EQ(a.elementType, QCC_ELEMENT_TYPE_I64);
  int64_t back;
  std::memcpy(&back, a.data.data(), 8);
  EXPECT_EQ(back, -42);
  std::string p2 = tempPath("bool.npy");
  uint8_t b[3] = {1, 0, 1};
  ASSERT_TRUE(qcc::npy::writeFile(p2, QCC_ELEMENT_TYPE_BOOL, {3}, b, error));
  ASSERT_TRUE(qcc::npy::readFile(p2, a, error)) << error;
  EXPECT_EQ(a.elementType, QCC_ELEMENT_TYPE_BOOL);
  EXPECT_EQ(a.shape, (std::vector<int64_t>{3}));
  std::remove(p1.c_str());
  std::remove(p2.c_str());
}

/// Builds a version 1.0 .npy image with `header` and `payload`.
std::string image(const std::string &header, const std::string &payload) {
  std::string h = header;
  h += '\n';
  std::string s = "\x93NUMPY\x01";
  s += '\0';
  s += static_cast<char>(h.size() & 0xff);
  s += static_cast<char>(h.size() >> 8);
  return s + h + payload;
}

TEST(Npy, ParsesNumpyHeaders) {
  qcc::npy::Array a;
  std::string error;
  // As numpy writes them (trailing comma for 1-D, byte-order-free u1).
  ASSERT_TRUE(qcc::npy::parseBuffer(
      image("{'descr': '|u1', 'fortran_order': False, 'shape': (4,), }",
            std::string(4, '\x07')),
      "u1", a, error))
      << error;
  EXPECT_EQ(a.elementType, QCC_ELEMENT_TYPE_U8);
  EXPECT_EQ(a.shape, (std::vector<int64_t>{4}));
}

TEST(Npy, RejectsBadFiles) {
  qcc::npy::Array a;
  std::string error;
  EXPECT_FALSE(qcc::npy::parseBuffer("not numpy at all", "x", a, error));
  EXPECT_EQ(error, "'x': not a .npy file (bad magic)");
  EXPECT_FALSE(qcc::npy::parseBuffer(
      image("{'descr': '>f4', 'fortran_order': False, 'shape': (1,), }",
            std::string(4, '\0')),
      "be", a, error));
  EXPECT_NE(error.find("unsupported dtype '>f4'"), std::string::npos);
  EXPECT_FALSE(qcc::npy::parseBuffer(
      image("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }",
            std::string(16, '\0')),
      "f", a, error));
  EXPECT_NE(error.find("Fortran-ordered"), std::string::npos);
  EXPECT_FALSE(qcc::npy::parseBuffer(
      image("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }",
            std::string(8, '\0')),
      "short", a, error));
  EXPECT_NE(error.find("does not match shape"), std::string::npos);
  EXPECT_FALSE(qcc::npy::readFile("/nonexistent/x.npy", a, error));
  EXPECT_NE(error.find("cannot open '/nonexistent/x.npy'"), std::string::npos);
}

} // namespace
