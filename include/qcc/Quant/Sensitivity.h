//===- Sensitivity.h - Hessian-based estimate of a layer's quantization cost -===//
//
// The second-order (OBS / HAWQ style) estimate of what quantizing one layer
// alone costs: with the layer loss L(W') = sum over calibration rows x of
// ||x W'^T - x W^T||^2, whose Hessian w.r.t. each weight row is H = 2 X^T X,
//
//   S(W, scheme) = 1/2 tr(dW H dW^T),   dW = Q_scheme(W) - W
//
// which, because L is exactly quadratic, EQUALS the summed squared output
// error of the layer on the calibration rows (divide by the number of rows
// for the mean per token). Q_scheme is round-to-nearest (quantizeRTN) for the
// quantized schemes, rounding to f16 / bf16 for those, and the identity for
// f32 (S = 0). Hessian-trace methods (HAWQ, Dong et al. 2019/2020) and
// Optimal Brain Surgeon (Hassibi & Stork 1993) use the same quadratic form.
//===----------------------------------------------------------------------===//
#ifndef QCC_QUANT_SENSITIVITY_H
#define QCC_QUANT_SENSITIVITY_H

#include "qcc/Quant/Scheme.h"

#include <cstdint>

namespace qcc::quant {

/// 1/2 tr((wq - w) H (wq - w)^T) for row-major f32 w, wq [n, k] and f64 H [k, k].
double halfQuadraticError(const float *w, const float *wq, int64_t n, int64_t k, const double *h);

/// S(W, scheme) above, H = 2 X^T X (row-major f64 [k, k]). Requires
/// s.validFor(n, k).
double hessianSensitivity(const float *w, int64_t n, int64_t k, const double *h, const Scheme &s);

} // namespace qcc::quant

#endif // QCC_QUANT_SENSITIVITY_H
