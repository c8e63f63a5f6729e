//===- QuadraticForm.cpp - register-tiled sum_r d_r^T H d_r ----------------===//
#include "qcc/Quant/QuadraticForm.h"

#include <algorithm>
#include <thread>
#include <vector>

namespace qcc::quant {
namespace {

constexpr int64_t kRows = 4, kCols = 8, kDepth = 128;

/// Rows [r0, r1) of D. sum_r d_r^T H d_r = sum_{r,j} d[r][j] T[r][j] with
/// T = D H is linear in the sum over i, so each depth block of kDepth i's
/// adds its partial T straight into the scalar: no T is stored. Per depth
/// block, D's rows are transposed to [row block][i][4] (f64); per strip of 8
/// columns of H (kDepth x 8, in L1) every 4-row block accumulates a 4x8 tile
/// in registers. The body is compiled twice (AVX2+FMA and baseline).
template <int Variant>
double rowsBody(const float *d, int64_t k, const double *h, int64_t r0, int64_t r1) {
  int64_t blocks = (r1 - r0 + kRows - 1) / kRows;
  std::vector<double> dt(static_cast<size_t>(blocks * kDepth * kRows));
  double total = 0;
  for (int64_t i0 = 0; i0 < k; i0 += kDepth) {
    int64_t ni = std::min(kDepth, k - i0);
    for (int64_t b = 0; b < blocks; ++b)
      for (int64_t i = 0; i < ni; ++i)
        for (int64_t r = 0; r < kRows; ++r) {
          int64_t row = r0 + b * kRows + r;
          dt[(b * kDepth + i) * kRows + r] =
              row < r1 ? static_cast<double>(d[row * k + i0 + i]) : 0.0;
        }
    for (int64_t j0 = 0; j0 < k; j0 += kCols) {
      int64_t nc = std::min(kCols, k - j0);
      for (int64_t b = 0; b < blocks; ++b) {
        const double *db = dt.data() + b * kDepth * kRows;
        double acc[kRows][kCols] = {};
        if (nc == kCols) {
          for (int64_t i = 0; i < ni; ++i) {
            const double *hi = h + (i0 + i) * k + j0;
            const double *di = db + i * kRows;
            for (int64_t r = 0; r < kRows; ++r)
              for (int64_t c = 0; c < kCols; ++c)
                acc[r][c] += di[r] * hi[c];
          }
        } else {
          for (int64_t i = 0; i < ni; ++i)
            for (int64_t r = 0; r < kRows; ++r)
              for (int64_t c = 0; c < nc; ++c)
                acc[r][c] += db[i * kRows + r] * h[(i0 + i) * k + j0 + c];
        }
        int64_t nr = std::min(kRows, r1 - (r0 + b * kRows));
        for (int64_t r = 0; r < nr; ++r)
          for (int64_t c = 0; c < nc; ++c)
            total += static_cast<double>(d[(r0 + b * kRows + r) * k + j0 + c]) * acc[r][c];
      }
    }
  }
  return total;
}

__attribute__((target("avx2,fma"))) double rowsAvx2(const float *d, int64_t k, const double *h,
                                                    int64_t r0, int64_t r1) {
  return rowsBody<1>(d, k, h, r0, r1);
}

double rowsBaseline(const float *d, int64_t k, const double *h, int64_t r0, int64_t r1) {
  return rowsBody<0>(d, k, h, r0, r1);
}

} // namespace

double quadraticFormSum(const float *d, int64_t n, int64_t k, const double *h, int threads) {
  static const bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  auto rows = avx2 ? rowsAvx2 : rowsBaseline;
  threads = static_cast<int>(std::max<int64_t>(1, std::min<int64_t>(threads, n / kRows)));
  if (threads == 1)
    return rows(d, k, h, 0, n);
  std::vector<double> part(static_cast<size_t>(threads));
  std::vector<std::thread> pool;
  int64_t blocks = (n + kRows - 1) / kRows;
  int64_t per = (blocks + threads - 1) / threads * kRows; // whole 4-row blocks per thread
  for (int t = 0; t < threads; ++t)
    pool.emplace_back([&, t] {
      int64_t a = std::min(n, t * per), b = std::min(n, a + per);
      part[t] = a < b ? rows(d, k, h, a, b) : 0.0;
    });
  for (std::thread &th : pool)
    th.join();
  double total = 0;
  for (double v : part)
    total += v;
  return total;
}

} // namespace qcc::quant
