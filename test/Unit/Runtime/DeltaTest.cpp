//===- DeltaTest.cpp - qcc_rt_linear_delta_f32 and qcc_delta_api_v1 vs loops -===//
#include "qcc/Runtime/Delta.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

extern "C" const qcc_delta_api_v1_t *qcc_delta_api_v1(void);

TEST(DeltaHook, CopiesUnlessSelectedThenAddsXdWt) {
  const qcc_delta_api_v1_t *api = qcc_delta_api_v1();
  const int64_t M = 7, N = 19, K = 33; // not multiples of the kernel tiles
  std::mt19937 rng(3);
  std::normal_distribution<float> g;
  std::vector<float> x(M * K), y(M * N), dw(N * K), out(M * N, -1.0f);
  for (float &v : x)
    v = g(rng);
  for (float &v : y)
    v = g(rng);
  for (float &v : dw)
    v = 0.01f * g(rng);

  api->clear();
  qcc_rt_linear_delta_f32(4, M, N, K, x.data(), y.data(), out.data());
  EXPECT_EQ(out, y); // nothing selected: a copy
  api->select(4, dw.data(), N, K);
  qcc_rt_linear_delta_f32(3, M, N, K, x.data(), y.data(), out.data());
  EXPECT_EQ(out, y); // another id: a copy
  EXPECT_EQ(api->applied(), 0);
  qcc_rt_linear_delta_f32(4, M, N, K, x.data(), y.data(), out.data());
  EXPECT_EQ(api->applied(), 1);
  for (int64_t m = 0; m < M; ++m)
    for (int64_t n = 0; n < N; ++n) {
      double want = y[m * N + n];
      for (int64_t k = 0; k < K; ++k)
        want += static_cast<double>(x[m * K + k]) * dw[n * K + k];
      EXPECT_NEAR(out[m * N + n], want, 1e-5) << m << "," << n;
    }
  // A call of the selected id with another shape adds nothing and is counted.
  std::vector<float> out2(M * 5);
  qcc_rt_linear_delta_f32(4, M, 5, K, x.data(), y.data(), out2.data());
  EXPECT_EQ(api->mismatched(), 1);
  EXPECT_EQ(std::vector<float>(y.begin(), y.begin() + M * 5), out2);
  api->clear();
  EXPECT_EQ(api->applied(), 0);
  EXPECT_EQ(api->mismatched(), 0);
}
