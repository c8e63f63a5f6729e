//===- SmoothQuant.h - migrate activation outliers into the weights --------===//
//
// Xiao, Lin, Seznec, Wu, Demouth, Han, "SmoothQuant: Accurate and Efficient
// Post-Training Quantization for Large Language Models" (ICML 2023).
//
// For a linear layer y = x W^T quantized W8A8 (per-token dynamic int8
// activations, per-channel int8 weights), input channel j is divided by s_j
// in the activations and multiplied by s_j in the weights, which leaves the
// float layer unchanged and flattens activation outliers:
//
//   s_j = max|X_j|^alpha / max|W_:,j|^(1 - alpha), clamped to [1e-5, 1e5]
//         (s_j = 1 when either maximum is 0)
//
// alpha is searched on the grid 0, 1/(g-1), ..., 1 to minimize the relative
// W8A8 output error on a few calibration rows X_s [m, k]:
//
//   err = ||X_s W^T - FQ_tok(X_s diag(s)^-1) RTN_w8a8(W diag(s))^T||_F^2 / ||X_s W^T||_F^2
//
// FQ_tok: each row scaled by max|row| / 127, rounded half away from zero,
// clamped to [-127, 127] (what qcc_rt_qgemm does); RTN_w8a8: Scheme "w8a8".
// With a layer scheme given (SmoothQuantLayer::scheme), the error is that of
// the scheme the layer will really get: its weight granularity (w8a8_g<G>)
// and, for the _azp schemes, the zero-point activation quantizer
// (fakeQuantPerTokenAzp, what qcc_rt_qgemm does for INT8_W8A8_AZP).
// Folding 1/s into the preceding normalization or linear layer is a compiler
// pass; this file only provides the factors and the error estimate.
//===----------------------------------------------------------------------===//
#ifndef QCC_QUANT_SMOOTHQUANT_H
#define QCC_QUANT_SMOOTHQUANT_H

#include "qcc/Quant/Scheme.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace qcc::quant {

/// Knobs of the SmoothQuant alpha search.
struct SmoothQuantOptions {
  int gridPoints = 21; ///< alphas 0, 0.05, ..., 1 by default
};

/// What the search returns.
struct SmoothQuantResult {
  double alpha = 0;
  std::vector<float> scales;   ///< s[k] at the chosen alpha
  double error = 0;            ///< relative W8A8 output error at alpha
  double unsmoothedError = 0;  ///< the same error with s = 1 (plain W8A8)
  std::vector<double> errors;  ///< error for each grid point
};

/// The smoothing factors for one alpha from the per-channel activation
/// maxima actAbsMax[k] and W[n, k] (row-major f32).
std::vector<float> smoothQuantScales(const float *actAbsMax, const float *w, int64_t n,
                                     int64_t k, double alpha);

/// Relative W8A8 output error of the layer smoothed by \p s (nullptr: s = 1)
/// on the sample rows x[m, k].
double w8a8RelativeError(const float *x, int64_t m, const float *w, int64_t n, int64_t k,
                         const float *s);

/// Per-token int8 fake quantization of x[m, k] in place (see the file comment).
void fakeQuantPerToken(float *x, int64_t m, int64_t k);

/// Per-token, per-group uint8 zero-point fake quantization of x[m, k] in
/// place, as QCC_QF_INT8_W8A8_AZP (QKernels.h): for each group of \p group
/// values of a row (the last one partial), lo = min(min, 0), hi = max(max,
/// 0), scale = (hi - lo) / 255, zp = round(-lo / scale), x = (clamp(round(x
/// / scale) + zp, 0, 255) - zp) * scale.
void fakeQuantPerTokenAzp(float *x, int64_t m, int64_t k, int64_t group);

/// Relative output error of one layer in W8A8 scheme \p scheme (any
/// isW8A8() scheme: weight groups and activation quantizer as it says),
/// smoothed by \p s (nullptr: s = 1), on the sample rows x[m, k].
double w8a8RelativeError(const float *x, int64_t m, const float *w, int64_t n, int64_t k,
                         const float *s, const Scheme &scheme);

/// Searches alpha. nullopt + \p error when the inputs are empty or not finite.
std::optional<SmoothQuantResult> smoothQuant(const float *actAbsMax, const float *x, int64_t m,
                                             const float *w, int64_t n, int64_t k,
                                             const SmoothQuantOptions &opts, std::string &error);

/// One linear layer of a group that shares its input x (q/k/v after one
/// norm): row-major f32 W[n, k], k the group's common input width.
struct SmoothQuantLayer {
  const float *w = nullptr;
  int64_t n = 0;
  bool w8a8 = true; ///< counted in the group's error (quantized W8A8)
  /// The layer's W8A8 scheme (weight groups, activation quantizer) that the
  /// error is measured with.
  Scheme scheme = *Scheme::parse("w8a8");
};

/// The group's shared factors: s_j = max|X_j|^alpha / max over every row of
/// every layer of |W_:,j|^(1 - alpha), same clamps as smoothQuantScales (a
/// group of one layer gives exactly smoothQuantScales).
std::vector<float> smoothQuantGroupScales(const float *actAbsMax,
                                          const std::vector<SmoothQuantLayer> &layers,
                                          int64_t k, double alpha);

/// Searches one alpha for a group sharing its input: the error minimized is
/// the summed W8A8 output error of the layers with w8a8 = true relative to
/// their summed output energy, sum ||X_s W^T - FQ(X_s/s) RTN(W s)^T||^2 /
/// sum ||X_s W^T||^2 (a group of one layer gives exactly smoothQuant()).
/// nullopt + \p error for empty or non-finite inputs or no w8a8 layer.
std::optional<SmoothQuantResult> smoothQuantGroup(const float *actAbsMax, const float *x,
                                                  int64_t m,
                                                  const std::vector<SmoothQuantLayer> &layers,
                                                  int64_t k, const SmoothQuantOptions &opts,
                                                  std::string &error);

} // namespace qcc::quant

#endif // QCC_QUANT_SMOOTHQUANT_H
