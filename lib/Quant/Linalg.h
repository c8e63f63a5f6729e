//===- Linalg.h - the few dense f64 kernels the quantizers need (private) ---===//
#ifndef QCC_LIB_QUANT_LINALG_H
#define QCC_LIB_QUANT_LINALG_H

#include <cstdint>
#include <vector>

namespace qcc::quant::linalg {

/// In-place Cholesky of the symmetric positive definite row-major a[k, k]:
/// on success the lower triangle holds L (a = L L^T) and the strict upper
/// triangle is zeroed. Returns false when a pivot is not positive.
bool choleskyLower(std::vector<double> &a, int64_t k);

/// The inverse of a (SPD) from its Cholesky factor L: (L L^T)^-1, full
/// symmetric row-major [k, k].
std::vector<double> inverseFromCholesky(const std::vector<double> &l, int64_t k);

/// sum_r d[r, :] h d[r, :]^T for row-major d[n, k] (f32) and h[k, k] (f64):
/// tr(D H D^T), accumulated in f64.
double quadraticTrace(const float *d, int64_t n, int64_t k, const double *h);

} // namespace qcc::quant::linalg

#endif // QCC_LIB_QUANT_LINALG_H
