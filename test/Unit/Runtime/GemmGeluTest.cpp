//===- GemmGeluTest.cpp - qcc_rt_sgemm's GELU epilogues vs a double reference -===//
//
// QCC_GEMM_GELU_ERF / QCC_GEMM_GELU_TANH (runtime/kernels/GemmActivation.cpp)
// against the exact functions evaluated in double without cancellation:
//   erf:  0.5 x erfc(-x / sqrt 2)
//   tanh: x / (1 + exp(-2u)), u = sqrt(2/pi) (x + 0.044715 x^3)
// Errors are measured in ulps of the f32 result (spacing of floats at the
// reference value, 2^-149 below FLT_MIN). Tolerance: 6 ulp everywhere, for
// both forms (measured: 5.2 ulp at most). Values reach C through K = 1 products
// (A = 1), on every path: 6-row micro-kernel tiles (M = 6), right-edge tiles
// (N % 16 != 0), the GEMV path (M = 1), the portable kernel; then a random
// product with bias, accumulation and K > 1.
//
//===----------------------------------------------------------------------===//
#include "qcc/Runtime/Kernels.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

namespace {

double refGeluErf(double x) { return 0.5 * x * std::erfc(-x / std::sqrt(2.0)); }

double twoU(double x) {
  return 2.0 * std::sqrt(2.0 / M_PI) * (x + 0.044715 * x * x * x);
}

double refGeluTanh(double x) {
  double v = twoU(x);
  return v >= 0 ? x / (1.0 + std::exp(-v)) : x * std::exp(v) / (1.0 + std::exp(v));
}

/// |got - ref| in units of the f32 spacing at ref.
double ulpError(float got, double ref) {
  double a = std::fabs(ref);
  double ulp = a < 0x1p-126 ? 0x1p-149 : std::ldexp(1.0, std::ilogb(a) - 23);
  return std::fabs(static_cast<double>(got) - ref) / ulp;
}

/// Inputs: a dense grid on [-20, 20], magnitudes 1e-38 .. 3e38 of both signs,
/// and every 8191st f32 bit pattern that is finite.
std::vector<float> sweepInputs() {
  std::vector<float> xs;
  for (int i = -200000; i <= 200000; ++i)
    xs.push_back(static_cast<float>(i) * 1e-4f);
  for (double m = 1e-38; m < 3e38; m *= 1.01) {
    xs.push_back(static_cast<float>(m));
    xs.push_back(static_cast<float>(-m));
  }
  for (uint64_t bits = 0; bits < (uint64_t(1) << 32); bits += 8191) {
    uint32_t b = static_cast<uint32_t>(bits);
    float x;
    std::memcpy(&x, &b, sizeof x);
    if (std::isfinite(x))
      xs.push_back(x);
  }
  return xs;
}

/// C[M, N] = GELU(1 * x[n]) through qcc_rt_sgemm with `flags`.
std::vector<float> geluViaSgemm(int64_t flags, int64_t M,
                                const std::vector<float> &x) {
  int64_t N = static_cast<int64_t>(x.size());
  std::vector<float> a(M, 1.0f), c(M * N, 123.0f);
  qcc_rt_sgemm(flags, 1, M, N, 1, a.data(), 0, 0, 1, 1, x.data(), 0, 0, N, 1,
               c.data(), 0, 0, N, 1, nullptr, 0, 0);
  return c;
}

struct Form {
  const char *name;
  int64_t flag;
  double (*ref)(double);
  double (*tolerance)(double x);
};

const Form kForms[] = {
    {"erf", QCC_GEMM_GELU_ERF, refGeluErf, [](double) { return 6.0; }},
    {"tanh", QCC_GEMM_GELU_TANH, refGeluTanh, [](double) { return 6.0; }},
};

TEST(GemmGelu, AccuracyOverAllFloatsEveryPath) {
  std::vector<float> xs = sweepInputs();
  // N not a multiple of 16: the last tile of every row is a right edge.
  if (xs.size() % 16 == 0)
    xs.push_back(0.25f);
  for (const Form &form : kForms)
    for (int portable : {0, 1})
      for (int64_t M : {1, 6, 7}) {
        qcc_rt_sgemm_force_portable(portable);
        std::vector<float> c = geluViaSgemm(form.flag, M, xs);
        int64_t N = static_cast<int64_t>(xs.size());
        double worst = 0, worstX = 0;
        int64_t bad = 0;
        for (int64_t i = 0; i < M; ++i)
          for (int64_t j = 0; j < N; ++j) {
            double ref = form.ref(xs[j]);
            double err = ulpError(c[i * N + j], ref);
            if (err > worst)
              worst = err, worstX = xs[j];
            if (!(err <= form.tolerance(xs[j])) && bad++ < 5)
              ADD_FAILURE() << form.name << " x=" << xs[j] << " got "
                            << c[i * N + j] << " ref " << ref << " ("
                            << err << " ulp) M=" << M
                            << " portable=" << portable;
          }
        EXPECT_EQ(bad, 0);
        std::printf("gelu %s M=%lld portable=%d: %zu inputs, max %.4f ulp "
                    "(x = %g)\n",
                    form.name, static_cast<long long>(M), portable, xs.size(),
                    worst, worstX);
      }
  qcc_rt_sgemm_force_portable(0);
}

TEST(GemmGelu, SpecialValuesFollowTheFormula) {
  const float inf = std::numeric_limits<float>::infinity();
  std::vector<float> xs = {NAN, inf, -inf, 0.0f, -0.0f, 1e30f, -1e30f,
                           -3.4e38f, 3.4e38f, 1e-40f, -1e-40f, -50.0f};
  while (xs.size() % 16 != 3) // full tiles and an edge
    xs.push_back(1.0f);
  for (const Form &form : kForms)
    for (int portable : {0, 1})
      for (int64_t M : {1, 6}) {
        qcc_rt_sgemm_force_portable(portable);
        std::vector<float> c = geluViaSgemm(form.flag, M, xs);
        int64_t N = static_cast<int64_t>(xs.size());
        for (int64_t i = 0; i < M; ++i) {
          const float *r = &c[i * N];
          EXPECT_TRUE(std::isnan(r[0])) << form.name; // NaN -> NaN
          EXPECT_EQ(r[1], inf) << form.name;           // +inf -> +inf
          EXPECT_TRUE(std::isnan(r[2])) << form.name;  // -inf * 0 -> NaN
          EXPECT_EQ(r[3], 0.0f) << form.name;
          EXPECT_EQ(r[4], 0.0f) << form.name;
          EXPECT_EQ(r[5], 1e30f) << form.name;
          EXPECT_EQ(r[6], 0.0f) << form.name; // underflows
          EXPECT_EQ(r[7], 0.0f) << form.name;
          EXPECT_EQ(r[8], 3.4e38f) << form.name;
          EXPECT_EQ(r[9], 0.5f * xs[9]) << form.name; // x/2, subnormal
          EXPECT_EQ(r[10], 0.5f * xs[10]) << form.name;
          EXPECT_EQ(r[11], 0.0f) << form.name;
        }
      }
  qcc_rt_sgemm_force_portable(0);
}

// A real product with bias and accumulation: C = GELU(C0 + A B + bias), K
// spanning several K blocks, odd M and N; the pre-activation error bound is
// that of GemmTest (4 * 2^-23 * (K + 2) * sum of magnitudes), times the
// largest slope of GELU (1.13), plus the activation's own tolerance.
TEST(GemmGelu, FusedWithBiasAndAccumulate) {
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  for (const Form &form : kForms)
    for (int portable : {0, 1})
      for (auto [M, N, K] : {std::tuple<int64_t, int64_t, int64_t>{3, 37, 5},
                             {17, 45, 300},
                             {150, 530, 70},
                             {6, 16, 513}}) {
        qcc_rt_sgemm_force_portable(portable);
        std::vector<float> a(M * K), b(K * N), bias(N), c0(M * N);
        for (auto *v : {&a, &b, &bias, &c0})
          for (float &x : *v)
            x = 2.0f * dist(rng);
        std::vector<float> c = c0;
        qcc_rt_sgemm(form.flag | QCC_GEMM_BIAS | QCC_GEMM_ACCUMULATE, 1, M, N,
                     K, a.data(), 0, 0, K, 1, b.data(), 0, 0, N, 1, c.data(),
                     0, 0, N, 1, bias.data(), 0, 1);
        for (int64_t i = 0; i < M; ++i)
          for (int64_t j = 0; j < N; ++j) {
            double pre = double(c0[i * N + j]) + bias[j], mag =
                std::fabs(c0[i * N + j]) + std::fabs(bias[j]);
            for (int64_t k = 0; k < K; ++k) {
              pre += double(a[i * K + k]) * b[k * N + j];
              mag += std::fabs(double(a[i * K + k]) * b[k * N + j]);
            }
            double ref = form.ref(pre);
            double tol = 1.13 * 4 * 0x1p-23 * (K + 2) * mag +
                         form.tolerance(pre) * std::ldexp(1.0, std::ilogb(std::fabs(ref) + 0x1p-126) - 23);
            ASSERT_NEAR(c[i * N + j], ref, tol)
                << form.name << " M=" << M << " N=" << N << " K=" << K
                << " portable=" << portable << " at " << i << "," << j;
          }
      }
  qcc_rt_sgemm_force_portable(0);
}

// RELU takes precedence when several activation flags are set.
TEST(GemmGelu, ReluWinsOverGelu) {
  std::vector<float> x(16, -1.0f);
  std::vector<float> c =
      geluViaSgemm(QCC_GEMM_RELU | QCC_GEMM_GELU_ERF, 6, x);
  for (float v : c)
    EXPECT_EQ(v, 0.0f);
}

} // namespace

namespace {

// Strided C (column-major: c_stride_m = 1, c_stride_n = M) gives the same
// values as row-major C, on both kernels (the AVX2 kernel sends strided and
// edge elements through the same vector code: the same bits).
TEST(GemmGelu, StridedCMatchesRowMajor) {
  std::mt19937 rng(11);
  std::uniform_real_distribution<float> dist(-3.0f, 3.0f);
  const int64_t M = 13, N = 37, K = 9;
  std::vector<float> a(M * K), b(K * N), bias(N);
  for (auto *v : {&a, &b, &bias})
    for (float &x : *v)
      x = dist(rng);
  for (int64_t flag : {int64_t(QCC_GEMM_GELU_ERF), int64_t(QCC_GEMM_GELU_TANH)})
    for (int portable : {0, 1}) {
      qcc_rt_sgemm_force_portable(portable);
      std::vector<float> rowMajor(M * N), colMajor(M * N);
      qcc_rt_sgemm(flag | QCC_GEMM_BIAS, 1, M, N, K, a.data(), 0, 0, K, 1,
                   b.data(), 0, 0, N, 1, rowMajor.data(), 0, 0, N, 1,
                   bias.data(), 0, 1);
      qcc_rt_sgemm(flag | QCC_GEMM_BIAS, 1, M, N, K, a.data(), 0, 0, K, 1,
                   b.data(), 0, 0, N, 1, colMajor.data(), 0, 0, 1, M,
                   bias.data(), 0, 1);
      for (int64_t i = 0; i < M; ++i)
        for (int64_t j = 0; j < N; ++j)
          ASSERT_EQ(rowMajor[i * N + j], colMajor[j * M + i])
              << "flag " << flag << " portable " << portable << " at " << i
              << "," << j;
    }
  qcc_rt_sgemm_force_portable(0);
}

} // namespace
