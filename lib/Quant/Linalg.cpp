//===- Linalg.cpp - Cholesky, SPD inverse and tr(D H D^T) in f64 -----------===//
#include "Linalg.h"

#include <algorithm>
#include <cmath>

namespace qcc::quant::linalg {

bool choleskyLower(std::vector<double> &a, int64_t k) {
  // Row-oriented Cholesky-Crout: row i of L from rows 0..i of L.
  for (int64_t i = 0; i < k; ++i) {
    double *ri = a.data() + i * k;
    for (int64_t j = 0; j <= i; ++j) {
      const double *rj = a.data() + j * k;
      double s = ri[j];
      for (int64_t t = 0; t < j; ++t)
        s -= ri[t] * rj[t];
      if (j == i) {
        if (!(s > 0.0) || !std::isfinite(s))
          return false;
        ri[i] = std::sqrt(s);
      } else {
        ri[j] = s / rj[j];
      }
    }
    for (int64_t j = i + 1; j < k; ++j)
      ri[j] = 0.0;
  }
  return true;
}

std::vector<double> inverseFromCholesky(const std::vector<double> &l, int64_t k) {
  // M = L^-1 (lower triangular) by forward substitution, stored transposed
  // (mt[j][i] = M[i][j]) so that A^-1 = M^T M reads contiguous rows.
  std::vector<double> mt(static_cast<size_t>(k * k), 0.0);
  std::vector<double> col(static_cast<size_t>(k));
  for (int64_t j = 0; j < k; ++j) {
    // Solve L x = e_j; x[i] = 0 for i < j.
    for (int64_t i = 0; i < k; ++i)
      col[i] = 0.0;
    col[j] = 1.0 / l[j * k + j];
    for (int64_t i = j + 1; i < k; ++i) {
      const double *li = l.data() + i * k;
      double s = 0.0;
      for (int64_t t = j; t < i; ++t)
        s -= li[t] * col[t];
      col[i] = s / li[i];
    }
    for (int64_t i = j; i < k; ++i)
      mt[j * k + i] = col[i];
  }
  // (A^-1)[a][b] = sum_i M[i][a] M[i][b] = sum_{i >= max(a,b)} mt[a][i] mt[b][i].
  std::vector<double> inv(static_cast<size_t>(k * k));
  for (int64_t a = 0; a < k; ++a)
    for (int64_t b = a; b < k; ++b) {
      const double *ra = mt.data() + a * k, *rb = mt.data() + b * k;
      double s = 0.0;
      for (int64_t i = b; i < k; ++i)
        s += ra[i] * rb[i];
      inv[a * k + b] = s;
      inv[b * k + a] = s;
    }
  return inv;
}

// An AVX2 clone is picked at load time where the CPU has it (4 doubles per
// instruction instead of 2); -ffp-contract=off keeps the results identical.
__attribute__((target_clones("avx2", "default")))
double quadraticTrace(const float *d, int64_t n, int64_t k, const double *h) {
  // Blocks of R rows: T = D_blk H by axpys over the rows of H (each H row is
  // read once per block and the inner loop has no reduction, so it
  // vectorizes), then sum_r <d_r, t_r>.
  constexpr int64_t R = 32;
  std::vector<double> rows(static_cast<size_t>(R * k)), t(static_cast<size_t>(R * k));
  double total = 0.0;
  for (int64_t r0 = 0; r0 < n; r0 += R) {
    int64_t nr = std::min(R, n - r0);
    for (int64_t r = 0; r < nr; ++r)
      for (int64_t i = 0; i < k; ++i)
        rows[r * k + i] = d[(r0 + r) * k + i];
    std::fill(t.begin(), t.end(), 0.0);
    for (int64_t i = 0; i < k; ++i) {
      const double *hi = h + i * k;
      for (int64_t r = 0; r < nr; ++r) {
        double c = rows[r * k + i];
        if (c == 0.0)
          continue;
        double *tr = t.data() + r * k;
        for (int64_t j = 0; j < k; ++j)
          tr[j] += c * hi[j];
      }
    }
    for (int64_t r = 0; r < nr; ++r) {
      double s = 0.0;
      for (int64_t j = 0; j < k; ++j)
        s += rows[r * k + j] * t[r * k + j];
      total += s;
    }
  }
  return total;
}

} // namespace qcc::quant::linalg
