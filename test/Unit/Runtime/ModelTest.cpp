//===- ModelTest.cpp - unit tests: loading and running compiled models ------===//
//
// The fixtures (addsub.so: two dynamic-batch outputs; scale.so: a loop run
// through qcc_rt_parallel_for) are compiled once per test process from
// test/Driver/Inputs/*.mlir by qcc's own back end.
//
//===----------------------------------------------------------------------===//
#include "TestModels.h"

#include "qcc-c/model_abi.h"
#include "qcc-c/runtime.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <dlfcn.h>
#include <map>
#include <random>
#include <thread>
#include <unistd.h>
#include <vector>

namespace {

/// Expects `status` to be OK, printing its message otherwise.
#define EXPECT_QCC_OK(expr)                                                    \
  do {                                                                         \
    qcc_status_t s_ = (expr);                                                  \
    EXPECT_EQ(s_, nullptr) << qcc_status_message(s_);                          \
    qcc_status_free(s_);                                                       \
  } while (0)

class ModelTest : public ::testing::Test {
protected:
  static void SetUpTestSuite() {
    dir = ::testing::TempDir() + "/qcc-runtime-test-" + std::to_string(getpid());
    std::string cmd = "mkdir -p '" + dir + "'";
    ASSERT_EQ(std::system(cmd.c_str()), 0);
    for (const char *name : {"addsub", "scale"}) {
      std::string error, metadata;
      ASSERT_TRUE(qcc::test::buildTestModel(name, dir, metadata, error))
          << name << ": " << error;
      metadataOf[name] = metadata;
    }
  }
  static void TearDownTestSuite() {
    std::string cmd = "rm -rf '" + dir + "'";
    (void)std::system(cmd.c_str());
  }

  static qcc_model_t *open(const char *name) {
    qcc_model_t *model = nullptr;
    std::string path = dir + "/" + name + ".so";
    qcc_status_t s = qcc_model_open(path.c_str(), nullptr, &model);
    EXPECT_EQ(s, nullptr) << qcc_status_message(s);
    qcc_status_free(s);
    return model;
  }

  static inline std::string dir;
  static inline std::map<std::string, std::string> metadataOf;
};

/// Runs addsub on a batch of `n` rows and checks both outputs.
void runAddSub(qcc_model_t *model, qcc_context_t *ctx, int64_t n,
               uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(-10, 10);
  std::vector<float> a(n * 4), b(n * 4);
  for (size_t i = 0; i < a.size(); ++i) {
    a[i] = dist(rng);
    b[i] = dist(rng);
  }
  int64_t shape[] = {n, 4};
  qcc_tensor_t *in[2] = {nullptr, nullptr};
  EXPECT_QCC_OK(qcc_tensor_wrap(QCC_ELEMENT_TYPE_F32, 2, shape, a.data(),
                                a.size() * 4, &in[0]));
  EXPECT_QCC_OK(qcc_tensor_wrap(QCC_ELEMENT_TYPE_F32, 2, shape, b.data(),
                                b.size() * 4, &in[1]));
  qcc_tensor_t *out[2] = {nullptr, nullptr};
  EXPECT_QCC_OK(qcc_model_run(model, ctx, in, 2, out, 2));
  if (out[0] && out[1]) {
    EXPECT_EQ(qcc_tensor_shape(out[0])[0], n);
    EXPECT_EQ(qcc_tensor_shape(out[1])[1], 4);
    const float *sum = static_cast<const float *>(qcc_tensor_data(out[0]));
    const float *diff = static_cast<const float *>(qcc_tensor_data(out[1]));
    for (size_t i = 0; i < a.size(); ++i) {
      ASSERT_EQ(sum[i], a[i] + b[i]) << i;
      ASSERT_EQ(diff[i], a[i] - b[i]) << i;
    }
  }
  for (qcc_tensor_t *t : {in[0], in[1], out[0], out[1]})
    qcc_tensor_free(t);
}

TEST_F(ModelTest, MetadataFromMainMatchesHandWritten) {
  // The fixtures also carry a hand-written metadata global; the text derived
  // from @main's signature must be identical, or the sources disagree.
  qcc_model_t *model = open("addsub");
  ASSERT_NE(model, nullptr);
  EXPECT_EQ(metadataOf["addsub"],
            "qcc-model-metadata 1\nsource addsub.mlir\n"
            "input a f32 2 -1 4 batch %\ninput b f32 2 -1 4 batch %\n"
            "output sum f32 2 -1 4 % %\noutput diff f32 2 -1 4 % %\nend\n");
  qcc_model_free(model);
}

TEST_F(ModelTest, DescribesInputsAndOutputs) {
  qcc_model_t *model = open("addsub");
  ASSERT_NE(model, nullptr);
  ASSERT_EQ(qcc_model_input_count(model), 2u);
  ASSERT_EQ(qcc_model_output_count(model), 2u);
  qcc_value_info_t info;
  EXPECT_QCC_OK(qcc_model_input_info(model, 1, &info));
  EXPECT_STREQ(info.name, "b");
  EXPECT_EQ(info.element_type, QCC_ELEMENT_TYPE_F32);
  ASSERT_EQ(info.rank, 2);
  EXPECT_EQ(info.dims[0], -1);
  EXPECT_EQ(info.dims[1], 4);
  EXPECT_STREQ(info.dim_names[0], "batch");
  EXPECT_STREQ(info.dim_names[1], "");
  EXPECT_QCC_OK(qcc_model_output_info(model, 1, &info));
  EXPECT_STREQ(info.name, "diff");
  qcc_status_t s = qcc_model_output_info(model, 2, &info);
  EXPECT_EQ(qcc_status_code(s), QCC_STATUS_INVALID_ARGUMENT);
  qcc_status_free(s);
  EXPECT_EQ(qcc_model_find_input(model, "a"), 0);
  EXPECT_EQ(qcc_model_find_input(model, "nope"), -1);
  qcc_model_free(model);
}

TEST_F(ModelTest, RunsWithDynamicBatch) {
  qcc_model_t *model = open("addsub");
  ASSERT_NE(model, nullptr);
  for (int64_t n : {1, 7, 128})
    runAddSub(model, nullptr, n, static_cast<uint32_t>(n));
  runAddSub(model, nullptr, 0, 1); // Empty batch.
  qcc_model_free(model);
}

TEST_F(ModelTest, ValidatesCountDtypeAndShape) {
  qcc_model_t *model = open("addsub");
  ASSERT_NE(model, nullptr);
  float a[8] = {0};
  double d[8] = {0};
  int64_t shape[] = {2, 4}, bad[] = {2, 5}, other[] = {1, 4};
  qcc_tensor_t *ta, *td, *tbad, *tother;
  EXPECT_QCC_OK(qcc_tensor_wrap(QCC_ELEMENT_TYPE_F32, 2, shape, a, 32, &ta));
  EXPECT_QCC_OK(qcc_tensor_wrap(QCC_ELEMENT_TYPE_F64, 2, shape, d, 64, &td));
  float big[10];
  EXPECT_QCC_OK(qcc_tensor_wrap(QCC_ELEMENT_TYPE_F32, 2, bad, big, 40, &tbad));
  EXPECT_QCC_OK(
      qcc_tensor_wrap(QCC_ELEMENT_TYPE_F32, 2, other, a, 16, &tother));
  qcc_tensor_t *out[2] = {nullptr, nullptr};
  struct Case {
    std::vector<qcc_tensor_t *> in;
    size_t numOut;
    const char *message;
  } cases[] = {
      {{ta}, 2, "expected 2 input(s), got 1"},
      {{ta, ta}, 1, "expected 2 output slot(s), got 1"},
      {{ta, td}, 2, "input 1 'b': expected element type f32, got f64"},
      {{ta, tbad}, 2, "input 1 'b': expected shape [?,4], got [2,5] "
                      "(dimension 1)"},
      {{ta, tother}, 2, "input 1 'b': dimension 0 ('batch') is 1 but input "
                        "0 'a' binds 'batch' to 2"},
      {{ta, nullptr}, 2, "input 1 is null"},
  };
  for (const Case &c : cases) {
    qcc_status_t s =
        qcc_model_run(model, nullptr, c.in.data(), c.in.size(), out, c.numOut);
    EXPECT_EQ(qcc_status_code(s), QCC_STATUS_INVALID_ARGUMENT) << c.message;
    EXPECT_STREQ(qcc_status_message(s), c.message);
    qcc_status_free(s);
    EXPECT_EQ(out[0], nullptr);
  }
  for (qcc_tensor_t *t : {ta, td, tbad, tother})
    qcc_tensor_free(t);
  qcc_model_free(model);
}

TEST_F(ModelTest, OpenErrors) {
  qcc_model_t *model = nullptr;
  qcc_status_t s = qcc_model_open("/nonexistent/model.so", nullptr, &model);
  EXPECT_EQ(qcc_status_code(s), QCC_STATUS_NOT_FOUND);
  qcc_status_free(s);
  // A shared library that is not a qcc model.
  s = qcc_model_open("/lib/x86_64-linux-gnu/libm.so.6", nullptr, &model);
  EXPECT_EQ(qcc_status_code(s), QCC_STATUS_NOT_FOUND);
  EXPECT_NE(std::strstr(qcc_status_message(s), "not a qcc model"), nullptr);
  qcc_status_free(s);
  EXPECT_EQ(model, nullptr);
}

TEST_F(ModelTest, TwoModelsAndTwoCopiesInOneProcess) {
  // Each model.so has its own hidden runtime copy and thread-local executor;
  // RTLD_LOCAL keeps their symbols apart.
  std::string copy = dir + "/addsub-copy.so";
  std::string cmd = "cp '" + dir + "/addsub.so' '" + copy + "'";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  qcc_model_t *m1 = open("addsub");
  qcc_model_t *m2 = open("scale");
  qcc_model_t *m3 = nullptr;
  EXPECT_QCC_OK(qcc_model_open(copy.c_str(), nullptr, &m3));
  ASSERT_TRUE(m1 && m2 && m3);
  qcc_context_options_t o;
  qcc_context_options_initialize(&o);
  o.num_threads = 3;
  qcc_context_t *ctx;
  EXPECT_QCC_OK(qcc_context_create(&o, &ctx));
  runAddSub(m1, ctx, 5, 1);
  runAddSub(m3, ctx, 6, 2);
  std::vector<float> x(1024);
  for (size_t i = 0; i < x.size(); ++i)
    x[i] = static_cast<float>(i) * 0.5f;
  int64_t shape[] = {1024};
  qcc_tensor_t *in, *out = nullptr;
  EXPECT_QCC_OK(
      qcc_tensor_wrap(QCC_ELEMENT_TYPE_F32, 1, shape, x.data(), 4096, &in));
  EXPECT_QCC_OK(qcc_model_run(m2, ctx, &in, 1, &out, 1));
  ASSERT_NE(out, nullptr);
  const float *y = static_cast<const float *>(qcc_tensor_data(out));
  for (size_t i = 0; i < x.size(); ++i)
    ASSERT_EQ(y[i], 2 * x[i]);
  qcc_tensor_free(in);
  qcc_tensor_free(out);
  qcc_context_free(ctx);
  qcc_model_free(m1);
  qcc_model_free(m2);
  qcc_model_free(m3);
}

TEST_F(ModelTest, ConcurrentRunsSharedAndOwnContexts) {
  qcc_model_t *addsub = open("addsub");
  qcc_model_t *scale = open("scale");
  ASSERT_TRUE(addsub && scale);
  qcc_context_options_t o;
  qcc_context_options_initialize(&o);
  o.num_threads = 4;
  qcc_context_t *shared;
  EXPECT_QCC_OK(qcc_context_create(&o, &shared));
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      qcc_context_t *own = nullptr;
      if (t % 2) {
        qcc_context_options_t oo;
        qcc_context_options_initialize(&oo);
        oo.num_threads = 2;
        qcc_status_free(qcc_context_create(&oo, &own));
      }
      qcc_context_t *ctx = own ? own : shared;
      std::vector<float> x(1024);
      for (int iter = 0; iter < 20; ++iter) {
        for (size_t i = 0; i < x.size(); ++i)
          x[i] = static_cast<float>(t * 1000 + iter + i);
        int64_t shape[] = {1024};
        qcc_tensor_t *in = nullptr, *out = nullptr;
        qcc_status_free(qcc_tensor_wrap(QCC_ELEMENT_TYPE_F32, 1, shape,
                                        x.data(), 4096, &in));
        qcc_status_t s = qcc_model_run(scale, ctx, &in, 1, &out, 1);
        if (s || !out) {
          ++failures;
        } else {
          const float *y = static_cast<const float *>(qcc_tensor_data(out));
          for (size_t i = 0; i < x.size(); ++i)
            if (y[i] != 2 * x[i]) {
              ++failures;
              break;
            }
        }
        qcc_status_free(s);
        qcc_tensor_free(in);
        qcc_tensor_free(out);
        runAddSub(addsub, ctx, 3 + iter, static_cast<uint32_t>(t * 100 + iter));
      }
      qcc_context_free(own);
    });
  }
  for (std::thread &th : threads)
    th.join();
  EXPECT_EQ(failures.load(), 0);
  qcc_context_free(shared);
  qcc_model_free(addsub);
  qcc_model_free(scale);
}

TEST_F(ModelTest, RawModelABIWithoutTheLoader) {
  // An application can drive a model.so with dlopen/dlsym only.
  std::string path = dir + "/scale.so";
  void *h = dlopen(path.c_str(), RTLD_LOCAL | RTLD_NOW);
  ASSERT_NE(h, nullptr) << dlerror();
  auto getApi =
      reinterpret_cast<qcc_get_api_fn>(dlsym(h, QCC_MODEL_GET_API_SYMBOL));
  ASSERT_NE(getApi, nullptr);
  EXPECT_EQ(getApi(QCC_MODEL_ABI_VERSION + 1), nullptr);
  auto *api =
      static_cast<const qcc_model_api_v1_t *>(getApi(QCC_MODEL_ABI_VERSION));
  ASSERT_NE(api, nullptr);
  EXPECT_EQ(api->metadata, dlsym(h, QCC_MODEL_METADATA_SYMBOL));
  EXPECT_EQ(dlsym(h, "qcc_rt_parallel_for"), nullptr); // Hidden.
  EXPECT_EQ(dlsym(h, "_mlir_ciface_main"), nullptr);
  std::vector<float> x(1024, 1.5f);
  qcc_buffer_view_t in;
  std::memset(&in, 0, sizeof(in));
  in.element_type = QCC_ELEMENT_TYPE_F32;
  in.rank = 1;
  in.shape[0] = 1024;
  in.data = x.data();
  qcc_buffer_view_t out;
  char error[256];
  ASSERT_EQ(api->run(nullptr, &in, 1, &out, 1, error, sizeof(error)),
            QCC_STATUS_OK)
      << error;
  EXPECT_EQ(static_cast<float *>(out.data)[1023], 3.0f);
  std::free(out.allocation);
  in.shape[0] = 1000;
  EXPECT_EQ(api->run(nullptr, &in, 1, &out, 1, error, sizeof(error)),
            QCC_STATUS_INVALID_ARGUMENT);
  EXPECT_STREQ(error, "input 0 'x': expected shape [1024], got [1000] "
                      "(dimension 0)");
  dlclose(h);
}

} // namespace
