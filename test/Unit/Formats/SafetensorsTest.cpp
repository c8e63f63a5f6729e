//===- SafetensorsTest.cpp - unit tests of the safetensors reader ----------===//
#include "qcc/Import/Safetensors.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <unistd.h>

using namespace qcc::safetensors;

namespace {

std::string tempPath(const std::string &name) {
  return ::testing::TempDir() + "/" + std::to_string(getpid()) + "_" + name;
}

/// Writes a safetensors file: \p declaredLen overrides the header length field.
std::string writeFile(const std::string &name, const std::string &header,
                      const std::string &data, int64_t declaredLen = -1) {
  std::string path = tempPath(name);
  std::ofstream out(path, std::ios::binary);
  uint64_t len = declaredLen < 0 ? header.size() : uint64_t(declaredLen);
  for (int i = 0; i < 8; ++i)
    out.put(char(len >> (8 * i)));
  out << header << data;
  return path;
}

/// Opens \p path expecting failure; returns the error.
std::string openError(const std::string &path) {
  std::string error;
  auto f = File::open(path, error);
  EXPECT_EQ(f, nullptr);
  return error;
}

TEST(Safetensors, ReadsF32F16BF16AndMetadata) {
  float f32[3] = {1.5f, -2.0f, 3.25f};
  uint16_t f16[2] = {0x3c00 /*1*/, 0xc000 /*-2*/};
  uint16_t bf16[2] = {0x3fc0 /*1.5*/, 0x0001 /*tiny*/};
  std::string data(reinterpret_cast<char *>(f32), 12);
  data.append(reinterpret_cast<char *>(f16), 4);
  data.append(reinterpret_cast<char *>(bf16), 4);
  std::string path = writeFile(
      "ok.safetensors",
      R"({"__metadata__":{"format":"pt"},)"
      R"("a":{"dtype":"F32","shape":[3],"data_offsets":[0,12]},)"
      R"("b":{"dtype":"F16","shape":[1,2],"data_offsets":[12,16]},)"
      R"("c":{"dtype":"BF16","shape":[2],"data_offsets":[16,20]}})",
      data);
  std::string error;
  auto f = File::open(path, error);
  ASSERT_NE(f, nullptr) << error;
  EXPECT_EQ(f->metadata().at("format"), "pt");
  ASSERT_EQ(f->tensors().size(), 3u);
  const TensorView *a = f->find("a"), *b = f->find("b"), *c = f->find("c");
  ASSERT_TRUE(a && b && c);
  EXPECT_EQ(a->shape, std::vector<int64_t>({3}));
  EXPECT_EQ(elementToFloat(a->dtype, a->data + 8), 3.25f);
  EXPECT_EQ(b->shape, std::vector<int64_t>({1, 2}));
  EXPECT_EQ(elementToFloat(b->dtype, b->data), 1.0f);
  EXPECT_EQ(elementToFloat(b->dtype, b->data + 2), -2.0f);
  EXPECT_EQ(elementToFloat(c->dtype, c->data), 1.5f);
  uint32_t tinyBits = 0x00010000u;
  float tiny;
  std::memcpy(&tiny, &tinyBits, 4);
  EXPECT_EQ(elementToFloat(c->dtype, c->data + 2), tiny);
  EXPECT_EQ(f->find("missing"), nullptr);
}

TEST(Safetensors, F16SubnormalAndInf) {
  uint16_t h[2] = {0x0001, 0x7c00};
  const uint8_t *p = reinterpret_cast<const uint8_t *>(h);
  EXPECT_EQ(elementToFloat(DType::F16, p), 5.9604644775390625e-08f);
  EXPECT_TRUE(std::isinf(elementToFloat(DType::F16, p + 2)));
}

TEST(Safetensors, HeaderLengthLargerThanFile) {
  std::string path = writeFile("long.safetensors", "{}", "", 1000);
  EXPECT_NE(openError(path).find("exceeds the file size"), std::string::npos);
}

TEST(Safetensors, HeaderLengthAbsurd) {
  std::string path = writeFile("absurd.safetensors", "{}", "", int64_t(1) << 62);
  EXPECT_NE(openError(path).find("absurd"), std::string::npos);
}

TEST(Safetensors, FileTooShort) {
  std::string path = tempPath("short.safetensors");
  std::ofstream(path) << "abc";
  EXPECT_NE(openError(path).find("too short"), std::string::npos);
}

TEST(Safetensors, HeaderNotJson) {
  std::string path = writeFile("nojson.safetensors", "{not json", "");
  std::string e = openError(path);
  EXPECT_NE(e.find("not valid JSON"), std::string::npos) << e;
  EXPECT_NE(e.find(path), std::string::npos) << e;
}

TEST(Safetensors, OffsetsOutOfRange) {
  std::string path = writeFile(
      "range.safetensors",
      R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})", "1234");
  std::string e = openError(path);
  EXPECT_NE(e.find("'w'"), std::string::npos) << e;
  EXPECT_NE(e.find("outside"), std::string::npos) << e;
}

TEST(Safetensors, OffsetsEndBeforeBegin) {
  std::string path = writeFile(
      "rev.safetensors",
      R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[4,0]}})", "12345678");
  EXPECT_NE(openError(path).find("< begin"), std::string::npos);
}

TEST(Safetensors, SizeDisagreesWithShape) {
  std::string path = writeFile(
      "size.safetensors",
      R"({"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", "12345678");
  std::string e = openError(path);
  EXPECT_NE(e.find("need 12"), std::string::npos) << e;
}

TEST(Safetensors, HugeShapeDoesNotOverflow) {
  std::string path = writeFile(
      "huge.safetensors",
      R"({"w":{"dtype":"F32","shape":[4294967296,4294967296,16],"data_offsets":[0,0]}})",
      "");
  EXPECT_NE(openError(path).find("more than the file"), std::string::npos);
}

TEST(Safetensors, OverlappingTensors) {
  std::string path = writeFile(
      "overlap.safetensors",
      R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
      R"("b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
      "123456789012");
  EXPECT_NE(openError(path).find("overlap"), std::string::npos);
}

TEST(Safetensors, UnknownDType) {
  std::string path = writeFile(
      "dtype.safetensors",
      R"({"w":{"dtype":"F8_E9M9","shape":[1],"data_offsets":[0,1]}})", "1");
  std::string e = openError(path);
  EXPECT_NE(e.find("unknown dtype 'F8_E9M9'"), std::string::npos) << e;
}

TEST(Safetensors, MissingFile) {
  EXPECT_NE(openError(tempPath("nope.safetensors")).find("cannot open"),
            std::string::npos);
}

} // namespace
