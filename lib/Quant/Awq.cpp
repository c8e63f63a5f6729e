//===- Awq.cpp - AWQ scale search (Lin et al. 2024) on X^T X -----------------===//
#include "qcc/Quant/Awq.h"

#include "Linalg.h"

#include <algorithm>
#include <cmath>

namespace qcc::quant {

std::vector<float> awqScales(const float *meanAbs, int64_t k, double alpha) {
  std::vector<double> s(static_cast<size_t>(k));
  double mx = 0.0, mn = INFINITY;
  for (int64_t j = 0; j < k; ++j) {
    s[j] = std::pow(std::max(static_cast<double>(meanAbs[j]), 1e-4), alpha);
    mx = std::max(mx, s[j]);
    mn = std::min(mn, s[j]);
  }
  double norm = std::sqrt(mx * mn);
  std::vector<float> out(static_cast<size_t>(k));
  for (int64_t j = 0; j < k; ++j)
    out[j] = static_cast<float>(s[j] / norm);
  return out;
}

/// The checks awq and awqGroup share: the alpha grid, mean|x| finite and
/// >= 0, X^T X finite. False + \p error (one line) on the first violation.
static bool checkStatistics(const float *meanAbs, int64_t k, const double *h,
                            const AwqOptions &opts, std::string &error) {
  if (opts.gridPoints < 2) {
    error = "awq: the alpha grid needs at least 2 points, got " + std::to_string(opts.gridPoints);
    return false;
  }
  for (int64_t j = 0; j < k; ++j)
    if (!std::isfinite(meanAbs[j]) || meanAbs[j] < 0) {
      error = "awq: mean|x| of input channel " + std::to_string(j) + " is not a finite value >= 0";
      return false;
    }
  for (int64_t i = 0; i < k * k; ++i)
    if (!std::isfinite(h[i])) {
      error = "awq: X^T X has a non-finite entry at (" + std::to_string(i / k) + ", " +
              std::to_string(i % k) + ")";
      return false;
    }
  return true;
}

std::optional<AwqResult> awq(const float *w, int64_t n, int64_t k, const float *meanAbs,
                             const double *h, const Scheme &s, const AwqOptions &opts,
                             std::string &error) {
  std::string why;
  if (!s.isQuantized() || !s.validFor(n, k, &why)) {
    error = "awq: scheme " + s.name() + " cannot quantize [" + std::to_string(n) + ", " +
            std::to_string(k) + "]" + (why.empty() ? "" : ": " + why);
    return std::nullopt;
  }
  if (!checkStatistics(meanAbs, k, h, opts, error))
    return std::nullopt;
  AwqResult best;
  std::vector<float> ws(static_cast<size_t>(n * k)), d(static_cast<size_t>(n * k));
  for (int gi = 0; gi < opts.gridPoints; ++gi) {
    double alpha = static_cast<double>(gi) / (opts.gridPoints - 1);
    std::vector<float> sc = awqScales(meanAbs, k, alpha);
    for (int64_t r = 0; r < n; ++r)
      for (int64_t j = 0; j < k; ++j)
        ws[r * k + j] = w[r * k + j] * sc[j];
    QuantizedWeight q = quantizeRTN(ws.data(), n, k, s);
    std::vector<float> dq = q.dequantize();
    for (int64_t r = 0; r < n; ++r)
      for (int64_t j = 0; j < k; ++j)
        d[r * k + j] = dq[r * k + j] / sc[j] - w[r * k + j];
    double e = linalg::quadraticTrace(d.data(), n, k, h);
    best.errors.push_back(e);
    if (gi == 0)
      best.rtnError = e;
    if (gi == 0 || e < best.error) {
      best.error = e;
      best.alpha = alpha;
      best.scales = std::move(sc);
      best.weight = std::move(q);
    }
  }
  return best;
}

std::optional<AwqGroupResult> awqGroup(const std::vector<AwqLayer> &layers, int64_t k,
                                       const float *meanAbs, const double *h,
                                       const AwqOptions &opts, std::string &error) {
  if (layers.empty()) {
    error = "awq: empty group";
    return std::nullopt;
  }
  for (const AwqLayer &l : layers) {
    std::string why;
    if (!l.w || !l.scheme.isQuantized() || !l.scheme.validFor(l.n, k, &why)) {
      error = "awq: scheme " + l.scheme.name() + " cannot quantize [" + std::to_string(l.n) +
              ", " + std::to_string(k) + "]" + (why.empty() ? "" : ": " + why);
      return std::nullopt;
    }
  }
  if (!checkStatistics(meanAbs, k, h, opts, error))
    return std::nullopt;
  AwqGroupResult best;
  for (int gi = 0; gi < opts.gridPoints; ++gi) {
    double alpha = static_cast<double>(gi) / (opts.gridPoints - 1);
    std::vector<float> sc = awqScales(meanAbs, k, alpha);
    double e = 0.0;
    std::vector<QuantizedWeight> qs;
    for (const AwqLayer &l : layers) {
      int64_t n = l.n;
      std::vector<float> ws(static_cast<size_t>(n * k)), d(static_cast<size_t>(n * k));
      for (int64_t r = 0; r < n; ++r)
        for (int64_t j = 0; j < k; ++j)
          ws[r * k + j] = l.w[r * k + j] * sc[j];
      QuantizedWeight q = quantizeRTN(ws.data(), n, k, l.scheme);
      std::vector<float> dq = q.dequantize();
      for (int64_t r = 0; r < n; ++r)
        for (int64_t j = 0; j < k; ++j)
          d[r * k + j] = dq[r * k + j] / sc[j] - l.w[r * k + j];
      e += linalg::quadraticTrace(d.data(), n, k, h);
      qs.push_back(std::move(q));
    }
    best.errors.push_back(e);
    if (gi == 0)
      best.rtnError = e;
    if (gi == 0 || e < best.error) {
      best.error = e;
      best.alpha = alpha;
      best.scales = std::move(sc);
      best.weights = std::move(qs);
    }
  }
  return best;
}

} // namespace qcc::quant
