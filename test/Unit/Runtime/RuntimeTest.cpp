//===- RuntimeTest.cpp - unit tests: statuses, tensors, metadata, thread pool --===//
#include "Metadata.h"
#include "ThreadPool.h"
#include "qcc-c/runtime.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <set>
#include <cstring>
#include <thread>
#include <vector>

namespace {

using namespace qcc::rt;

TEST(Status, NullIsOk) {
  EXPECT_EQ(qcc_status_code(nullptr), QCC_STATUS_OK);
  EXPECT_STREQ(qcc_status_message(nullptr), "");
  qcc_status_free(nullptr);
  EXPECT_STREQ(qcc_status_code_name(QCC_STATUS_INVALID_ARGUMENT),
               "INVALID_ARGUMENT");
}

TEST(Status, ErrorCarriesCodeAndMessage) {
  qcc_tensor_t *t = nullptr;
  int64_t shape[] = {2, -3};
  qcc_status_t s = qcc_tensor_create(QCC_ELEMENT_TYPE_F32, 2, shape, &t);
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(qcc_status_code(s), QCC_STATUS_INVALID_ARGUMENT);
  EXPECT_STREQ(qcc_status_message(s), "dimension 1 is negative (-3)");
  EXPECT_EQ(t, nullptr);
  qcc_status_free(s);
}

TEST(ElementType, NamesAndSizes) {
  EXPECT_EQ(qcc_element_type_size(QCC_ELEMENT_TYPE_F32), 4u);
  EXPECT_EQ(qcc_element_type_size(QCC_ELEMENT_TYPE_BF16), 2u);
  EXPECT_EQ(qcc_element_type_size(QCC_ELEMENT_TYPE_BOOL), 1u);
  EXPECT_EQ(qcc_element_type_size(QCC_ELEMENT_TYPE_INVALID), 0u);
  EXPECT_STREQ(qcc_element_type_name(QCC_ELEMENT_TYPE_I64), "i64");
  EXPECT_EQ(qcc_element_type_parse("u8"), QCC_ELEMENT_TYPE_U8);
  EXPECT_EQ(qcc_element_type_parse("float"), QCC_ELEMENT_TYPE_INVALID);
  EXPECT_EQ(qcc_element_type_parse(nullptr), QCC_ELEMENT_TYPE_INVALID);
}

TEST(Tensor, CreateIsZeroedAndAligned) {
  int64_t shape[] = {3, 5};
  qcc_tensor_t *t = nullptr;
  ASSERT_EQ(qcc_tensor_create(QCC_ELEMENT_TYPE_F32, 2, shape, &t), nullptr);
  EXPECT_EQ(qcc_tensor_rank(t), 2);
  EXPECT_EQ(qcc_tensor_shape(t)[1], 5);
  EXPECT_EQ(qcc_tensor_element_count(t), 15);
  EXPECT_EQ(qcc_tensor_byte_size(t), 60u);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(qcc_tensor_data(t)) % 64, 0u);
  const float *d = static_cast<const float *>(qcc_tensor_data(t));
  for (int i = 0; i < 15; ++i)
    EXPECT_EQ(d[i], 0.0f);
  qcc_tensor_free(t);
}

TEST(Tensor, ScalarAndEmpty) {
  qcc_tensor_t *t = nullptr;
  ASSERT_EQ(qcc_tensor_create(QCC_ELEMENT_TYPE_I64, 0, nullptr, &t), nullptr);
  EXPECT_EQ(qcc_tensor_element_count(t), 1);
  EXPECT_EQ(qcc_tensor_byte_size(t), 8u);
  qcc_tensor_free(t);
  int64_t shape[] = {0, 4};
  ASSERT_EQ(qcc_tensor_create(QCC_ELEMENT_TYPE_F32, 2, shape, &t), nullptr);
  EXPECT_EQ(qcc_tensor_byte_size(t), 0u);
  qcc_tensor_free(t);
}

TEST(Tensor, WrapDoesNotCopy) {
  float buf[6] = {1, 2, 3, 4, 5, 6};
  int64_t shape[] = {2, 3};
  qcc_tensor_t *t = nullptr;
  ASSERT_EQ(qcc_tensor_wrap(QCC_ELEMENT_TYPE_F32, 2, shape, buf, sizeof(buf),
                            &t),
            nullptr);
  EXPECT_EQ(qcc_tensor_data(t), buf);
  qcc_tensor_free(t); // Must not free `buf`.
  EXPECT_EQ(buf[5], 6.0f);
}

TEST(Tensor, BadArguments) {
  float buf[4];
  int64_t shape[] = {2, 3};
  qcc_tensor_t *t = nullptr;
  qcc_status_t s =
      qcc_tensor_wrap(QCC_ELEMENT_TYPE_F32, 2, shape, buf, sizeof(buf), &t);
  ASSERT_NE(s, nullptr);
  EXPECT_STREQ(qcc_status_message(s),
               "buffer of 16 bytes is too small for the shape (24 bytes "
               "needed)");
  qcc_status_free(s);
  s = qcc_tensor_create(QCC_ELEMENT_TYPE_INVALID, 2, shape, &t);
  EXPECT_EQ(qcc_status_code(s), QCC_STATUS_INVALID_ARGUMENT);
  qcc_status_free(s);
  s = qcc_tensor_create(QCC_ELEMENT_TYPE_F32, 17, shape, &t);
  EXPECT_EQ(qcc_status_code(s), QCC_STATUS_INVALID_ARGUMENT);
  qcc_status_free(s);
  s = qcc_tensor_create(QCC_ELEMENT_TYPE_F32, 2, shape, nullptr);
  EXPECT_EQ(qcc_status_code(s), QCC_STATUS_INVALID_ARGUMENT);
  qcc_status_free(s);
}

TEST(Context, ThreadCounts) {
  qcc_context_options_t o;
  qcc_context_options_initialize(&o);
  o.num_threads = 3;
  qcc_context_t *ctx = nullptr;
  ASSERT_EQ(qcc_context_create(&o, &ctx), nullptr);
  EXPECT_EQ(qcc_context_num_threads(ctx), 3);
  qcc_context_free(ctx);
  o.num_threads = -1;
  qcc_status_t s = qcc_context_create(&o, &ctx);
  EXPECT_EQ(qcc_status_code(s), QCC_STATUS_INVALID_ARGUMENT);
  qcc_status_free(s);
  qcc_context_options_t bad;
  std::memset(&bad, 0, sizeof(bad)); // Not initialized: struct_size == 0.
  s = qcc_context_create(&bad, &ctx);
  EXPECT_EQ(qcc_status_code(s), QCC_STATUS_INCOMPATIBLE);
  qcc_status_free(s);
}

TEST(Metadata, EscapeRoundTrip) {
  for (std::string s : {std::string(""), std::string("x"),
                        std::string("input 0/with space%"),
                        std::string("naïve\n")}) {
    std::string esc = escapeToken(s), back;
    EXPECT_EQ(esc.find(' '), std::string::npos);
    ASSERT_TRUE(unescapeToken(esc, back)) << esc;
    EXPECT_EQ(back, s);
  }
  std::string out;
  EXPECT_FALSE(unescapeToken("%4", out));
  EXPECT_FALSE(unescapeToken("%zz", out));
}

ModelSignature sampleSignature() {
  ModelSignature sig;
  sig.source = "m.onnx";
  sig.inputs.push_back({"x", QCC_ELEMENT_TYPE_F32, {-1, 3}, {"batch", ""}});
  sig.inputs.push_back({"y z", QCC_ELEMENT_TYPE_I64, {-1}, {"batch"}});
  sig.outputs.push_back({"out", QCC_ELEMENT_TYPE_F32, {}, {}});
  return sig;
}

TEST(Metadata, WriteParseRoundTrip) {
  ModelSignature sig = sampleSignature(), back;
  std::string text = writeMetadata(sig), error;
  EXPECT_EQ(text, "qcc-model-metadata 1\nsource m.onnx\n"
                  "input x f32 2 -1 3 batch %\n"
                  "input y%20z i64 1 -1 batch\n"
                  "output out f32 0\nend\n");
  ASSERT_TRUE(parseMetadata(text.c_str(), back, error)) << error;
  ASSERT_EQ(back.inputs.size(), 2u);
  EXPECT_EQ(back.inputs[1].name, "y z");
  EXPECT_EQ(back.inputs[0].dims, (std::vector<int64_t>{-1, 3}));
  EXPECT_EQ(back.inputs[0].dimNames[0], "batch");
  EXPECT_EQ(back.inputs[0].dimNames[1], "");
  EXPECT_EQ(back.outputs[0].dims.size(), 0u);
}

TEST(Metadata, MalformedIsRejected) {
  ModelSignature sig;
  std::string error;
  EXPECT_FALSE(parseMetadata("", sig, error));
  EXPECT_FALSE(parseMetadata("qcc-model-metadata 2\nend\n", sig, error));
  EXPECT_NE(error.find("unsupported metadata version 2"), std::string::npos);
  EXPECT_FALSE(parseMetadata(
      "qcc-model-metadata 1\ninput x f99 1 4 %\noutput y f32 0\nend\n", sig,
      error));
  EXPECT_NE(error.find("unknown element type 'f99'"), std::string::npos);
  EXPECT_FALSE(parseMetadata(
      "qcc-model-metadata 1\ninput x f32 2 4 %\noutput y f32 0\nend\n", sig,
      error));
  EXPECT_NE(error.find("wrong number of fields"), std::string::npos);
  EXPECT_FALSE(
      parseMetadata("qcc-model-metadata 1\noutput y f32 0\n", sig, error));
  EXPECT_NE(error.find("missing 'end'"), std::string::npos);
}

qcc_buffer_view_t view(int32_t type, std::vector<int64_t> shape, void *data) {
  qcc_buffer_view_t v;
  std::memset(&v, 0, sizeof(v));
  v.element_type = type;
  v.rank = static_cast<int32_t>(shape.size());
  for (size_t i = 0; i < shape.size(); ++i)
    v.shape[i] = shape[i];
  v.data = data;
  return v;
}

TEST(Metadata, ValidateInputs) {
  ModelSignature sig = sampleSignature();
  float x[12];
  int64_t y[4];
  std::string error;
  std::vector<qcc_buffer_view_t> ok = {view(QCC_ELEMENT_TYPE_F32, {4, 3}, x),
                                       view(QCC_ELEMENT_TYPE_I64, {4}, y)};
  EXPECT_EQ(validateInputs(sig, ok.data(), 2, 1, error), QCC_STATUS_OK);

  EXPECT_EQ(validateInputs(sig, ok.data(), 1, 1, error),
            QCC_STATUS_INVALID_ARGUMENT);
  EXPECT_EQ(error, "expected 2 input(s), got 1");
  EXPECT_EQ(validateInputs(sig, ok.data(), 2, 2, error),
            QCC_STATUS_INVALID_ARGUMENT);
  EXPECT_EQ(error, "expected 1 output slot(s), got 2");

  auto bad = ok;
  bad[1] = view(QCC_ELEMENT_TYPE_I32, {4}, y);
  EXPECT_EQ(validateInputs(sig, bad.data(), 2, 1, error),
            QCC_STATUS_INVALID_ARGUMENT);
  EXPECT_EQ(error, "input 1 'y z': expected element type i64, got i32");

  bad = ok;
  bad[0] = view(QCC_ELEMENT_TYPE_F32, {4, 2}, x);
  validateInputs(sig, bad.data(), 2, 1, error);
  EXPECT_EQ(error,
            "input 0 'x': expected shape [?,3], got [4,2] (dimension 1)");

  bad = ok;
  bad[1] = view(QCC_ELEMENT_TYPE_I64, {3}, y);
  validateInputs(sig, bad.data(), 2, 1, error);
  EXPECT_EQ(error, "input 1 'y z': dimension 0 ('batch') is 3 but input 0 "
                   "'x' binds 'batch' to 4");
}

TEST(ThreadPool, CoversRangeExactlyOnce) {
  ThreadPool pool(4);
  EXPECT_EQ(pool.numThreads(), 4);
  std::vector<std::atomic<int>> hits(1000);
  struct Ctx {
    std::vector<std::atomic<int>> *hits;
  } ctx{&hits};
  pool.parallelFor(
      3, 1000,
      [](int64_t lo, int64_t hi, void *c) {
        for (int64_t i = lo; i < hi; ++i)
          (*static_cast<Ctx *>(c)->hits)[i]++;
      },
      &ctx);
  for (int i = 0; i < 1000; ++i)
    EXPECT_EQ(hits[i].load(), i < 3 ? 0 : 1) << i;
}

TEST(ThreadPool, UsesSeveralThreads) {
  ThreadPool pool(4);
  std::mutex m;
  std::set<std::thread::id> ids;
  struct Ctx {
    std::mutex *m;
    std::set<std::thread::id> *ids;
  } ctx{&m, &ids};
  pool.parallelFor(
      0, 64,
      [](int64_t, int64_t, void *c) {
        auto *x = static_cast<Ctx *>(c);
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
        std::lock_guard<std::mutex> lock(*x->m);
        x->ids->insert(std::this_thread::get_id());
      },
      &ctx);
  EXPECT_GT(ids.size(), 1u);
}

TEST(ThreadPool, ConcurrentAndNestedLoops) {
  ThreadPool pool(3);
  std::atomic<int64_t> total{0};
  struct Ctx {
    ThreadPool *pool;
    std::atomic<int64_t> *total;
  } ctx{&pool, &total};
  auto outer = [](int64_t lo, int64_t hi, void *c) {
    auto *x = static_cast<Ctx *>(c);
    for (int64_t i = lo; i < hi; ++i) // Nested: runs serially, no deadlock.
      x->pool->parallelFor(0, 10, +[](int64_t l, int64_t h, void *cc) {
        static_cast<Ctx *>(cc)->total->fetch_add(h - l);
      }, x);
  };
  std::vector<std::thread> callers;
  for (int t = 0; t < 4; ++t)
    callers.emplace_back([&] { pool.parallelFor(0, 50, outer, &ctx); });
  for (std::thread &t : callers)
    t.join();
  EXPECT_EQ(total.load(), 4 * 50 * 10);
}

} // namespace

namespace {
TEST(Metadata, TargetRecord) {
  qcc::rt::ModelSignature sig = {}, back;
  sig.targetCpu = "haswell";
  sig.targetFeatures = "+avx2,+fma,-avx512f,+some-unknown-feature";
  sig.outputs.push_back({"y", QCC_ELEMENT_TYPE_F32, {2}, {""}});
  std::string text = qcc::rt::writeMetadata(sig), error;
  EXPECT_NE(text.find("\ntarget haswell +avx2,+fma,-avx512f,"),
            std::string::npos);
  ASSERT_TRUE(qcc::rt::parseMetadata(text.c_str(), back, error)) << error;
  EXPECT_EQ(back.targetCpu, "haswell");
  EXPECT_EQ(back.targetFeatures, sig.targetFeatures);
  // Disabled and undetectable features never make a model unrunnable.
  back.targetFeatures = "-avx512f,+some-unknown-feature";
  EXPECT_TRUE(qcc::rt::hostSupportsTarget(back, error));
  // An enabled feature is checked against the host.
  back.targetFeatures = "+avx512f";
  bool hasAvx512 = __builtin_cpu_supports("avx512f");
  EXPECT_EQ(qcc::rt::hostSupportsTarget(back, error), hasAvx512);
  if (!hasAvx512)
    EXPECT_NE(error.find("needs CPU features this machine lacks: avx512f"),
              std::string::npos);
}
} // namespace
