//===- Sensitivity.cpp - 1/2 tr(dW H dW^T) for a scheme ----------------------===//
#include "qcc/Quant/Sensitivity.h"
#include "qcc/Quant/Numerics.h"
#include "qcc/Quant/QuantizedWeight.h"

#include "Linalg.h"

#include <vector>

namespace qcc::quant {

double halfQuadraticError(const float *w, const float *wq, int64_t n, int64_t k, const double *h) {
  std::vector<float> d(static_cast<size_t>(n * k));
  for (int64_t i = 0; i < n * k; ++i)
    d[i] = wq[i] - w[i];
  return 0.5 * linalg::quadraticTrace(d.data(), n, k, h);
}

double hessianSensitivity(const float *w, int64_t n, int64_t k, const double *h, const Scheme &s) {
  std::vector<float> wq;
  switch (s.format) {
  case Format::F32:
    return 0.0;
  case Format::F16:
  case Format::BF16:
    wq.assign(w, w + n * k);
    for (float &v : wq)
      v = s.format == Format::F16 ? roundToHalf(v) : roundToBFloat16(v);
    break;
  default:
    wq = quantizeRTN(w, n, k, s).dequantize();
    break;
  }
  return halfQuadraticError(w, wq.data(), n, k, h);
}

} // namespace qcc::quant
