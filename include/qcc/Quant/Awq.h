//===- Awq.h - AWQ: activation-aware per-input-channel weight scaling -------===//
//
// Lin, Tang, Tang, Yang, Dang, Gan, Han, "AWQ: Activation-aware Weight
// Quantization for LLM Compression and Acceleration" (MLSys 2024).
//
// Weights that meet large activations matter most. AWQ scales input channel
// j of W by s_j > 1 before round-to-nearest (and the layer input by 1/s_j,
// folded into the previous op), which shrinks the relative rounding error of
// the salient channels:
//
//   s_j(alpha) = max(mean|x_j|, 1e-4)^alpha,  then s /= sqrt(max(s) * min(s))
//   Q_alpha    = RTN(W diag(s))
//   err(alpha) = tr(D H D^T),  D = dequant(Q_alpha) diag(s)^-1 - W,  H = X^T X
//
// over the grid alpha_i = i / (gridPoints - 1), i = 0..gridPoints-1, and keeps
// the alpha of least error (the first on ties). err is computed from the
// second moment H (any positive multiple of X^T X gives the same alpha), so
// no activation samples are needed. alpha = 0 is plain RTN (s = 1), hence
// AWQ's error never exceeds RTN's. The paper's optional weight clipping
// search is not done here.
//===----------------------------------------------------------------------===//
#ifndef QCC_QUANT_AWQ_H
#define QCC_QUANT_AWQ_H

#include "qcc/Quant/QuantizedWeight.h"

#include <optional>
#include <string>

namespace qcc::quant {

/// Knobs of the AWQ search.
struct AwqOptions {
  int gridPoints = 20; ///< alphas 0, 1/(g-1), ..., 1
};

/// What AWQ returns.
struct AwqResult {
  /// s[k]: the layer computes x W^T = (x diag(s)^-1) (W diag(s))^T; divide
  /// the previous op's output channel j by s[j] (or scale this layer's input).
  std::vector<float> scales;
  /// RTN of W diag(s) (its dequantization times diag(s)^-1 approximates W).
  QuantizedWeight weight;
  double alpha = 0;    ///< the chosen alpha
  double error = 0;    ///< err(alpha) at the chosen alpha
  double rtnError = 0; ///< err(0): plain round-to-nearest
  std::vector<double> errors; ///< err for every grid point
};

/// Searches AWQ scales for row-major f32 W[n, k] given the per-channel mean
/// |x| (k) and H = X^T X (row-major f64 [k, k]). nullopt + \p error for an
/// invalid scheme, a bad grid or non-finite statistics.
std::optional<AwqResult> awq(const float *w, int64_t n, int64_t k, const float *meanAbs,
                             const double *h, const Scheme &s, const AwqOptions &opts,
                             std::string &error);

/// The AWQ scales for one alpha (exposed for tests and reports).
std::vector<float> awqScales(const float *meanAbs, int64_t k, double alpha);

/// One layer of a group sharing its input (q/k/v, gate/up): W[n, k] row-major
/// f32 and its scheme.
struct AwqLayer {
  const float *w = nullptr;
  int64_t n = 0;
  Scheme scheme;
};

/// What the joint search returns: one set of scales for the whole group.
struct AwqGroupResult {
  std::vector<float> scales; ///< s[k], shared by every layer of the group
  double alpha = 0, error = 0, rtnError = 0;
  std::vector<double> errors;
  std::vector<QuantizedWeight> weights; ///< RTN(W_i diag(s)), one per layer
};

/// AWQ searched jointly for layers that share one input: the alpha minimizing
/// the summed err_i(alpha) = tr(D_i H D_i^T) (same grid and scales as awq();
/// a group of one layer gives exactly awq()'s alpha, scales and weight).
std::optional<AwqGroupResult> awqGroup(const std::vector<AwqLayer> &layers, int64_t k,
                                       const float *meanAbs, const double *h,
                                       const AwqOptions &opts, std::string &error);

} // namespace qcc::quant

#endif // QCC_QUANT_AWQ_H
