//===- QuadraticForm.h - fast sum_r d_r^T H d_r (the Hessian sensitivity) --===//
#ifndef QCC_QUANT_QUADRATICFORM_H
#define QCC_QUANT_QUADRATICFORM_H

#include <cstdint>

namespace qcc::quant {

/// sum over rows r of d_r^T H d_r for row-major f32 D [n, k] and symmetric
/// f64 H [k, k], in f64: the same value as 2 * halfQuadraticError (Sensitivity.h)
/// (up to summation order) but register-tiled (4 rows x 8 columns, AVX2+FMA
/// when the CPU has it) and split over \p threads threads; quant's plain
/// loop runs at ~0.4 GMAC/s, too slow for 211 layers x 6 schemes.
double quadraticFormSum(const float *d, int64_t n, int64_t k, const double *h, int threads);

} // namespace qcc::quant

#endif // QCC_QUANT_QUADRATICFORM_H
