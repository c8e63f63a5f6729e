//===- SmoothQuant.cpp - smoothing factors and the W8A8 alpha search -------===//
#include "qcc/Quant/SmoothQuant.h"
#include "qcc/Quant/QuantizedWeight.h"

#include <algorithm>
#include <cmath>
#include <utility>

namespace qcc::quant {

std::vector<float> smoothQuantScales(const float *actAbsMax, const float *w, int64_t n,
                                     int64_t k, double alpha) {
  std::vector<double> wmax(static_cast<size_t>(k), 0.0);
  for (int64_t r = 0; r < n; ++r)
    for (int64_t j = 0; j < k; ++j)
      wmax[j] = std::max(wmax[j], static_cast<double>(std::fabs(w[r * k + j])));
  std::vector<float> s(static_cast<size_t>(k));
  for (int64_t j = 0; j < k; ++j) {
    double a = actAbsMax[j];
    if (a <= 0.0 || wmax[j] <= 0.0) {
      s[j] = 1.0f;
      continue;
    }
    double v = std::pow(a, alpha) / std::pow(wmax[j], 1.0 - alpha);
    s[j] = static_cast<float>(std::clamp(v, 1e-5, 1e5));
  }
  return s;
}

void fakeQuantPerToken(float *x, int64_t m, int64_t k) {
  for (int64_t r = 0; r < m; ++r) {
    float *row = x + r * k;
    float am = 0.0f;
    for (int64_t j = 0; j < k; ++j)
      am = std::max(am, std::fabs(row[j]));
    if (am == 0.0f)
      continue;
    float scale = am / 127.0f;
    for (int64_t j = 0; j < k; ++j) {
      float q = std::clamp(std::round(row[j] / scale), -127.0f, 127.0f);
      row[j] = q * scale;
    }
  }
}

void fakeQuantPerTokenAzp(float *x, int64_t m, int64_t k, int64_t group) {
  for (int64_t r = 0; r < m; ++r)
    for (int64_t j0 = 0; j0 < k; j0 += group) {
      float *row = x + r * k;
      int64_t j1 = std::min(k, j0 + group);
      float lo = 0.0f, hi = 0.0f;
      for (int64_t j = j0; j < j1; ++j) {
        lo = std::min(lo, row[j]);
        hi = std::max(hi, row[j]);
      }
      float scale = (hi - lo) / 255.0f;
      if (!(scale > 0.0f)) {
        for (int64_t j = j0; j < j1; ++j)
          row[j] = 0.0f;
        continue;
      }
      float zp = std::min(std::round(-lo / scale), 255.0f);
      for (int64_t j = j0; j < j1; ++j) {
        float u = std::clamp(std::round(row[j] / scale) + zp, 0.0f, 255.0f);
        row[j] = (u - zp) * scale;
      }
    }
}

/// The squared W8A8 output error of one layer smoothed by s (nullptr: s = 1)
/// on x[m, k] and its float output energy: {sum (y - yq)^2, sum y^2}.
static std::pair<double, double> w8a8ErrorParts(const float *x, int64_t m, const float *w,
                                                int64_t n, int64_t k, const float *s,
                                                const Scheme &scheme) {
  std::vector<float> xs(x, x + m * k), ws(w, w + n * k);
  if (s)
    for (int64_t j = 0; j < k; ++j) {
      for (int64_t r = 0; r < m; ++r)
        xs[r * k + j] /= s[j];
      for (int64_t r = 0; r < n; ++r)
        ws[r * k + j] *= s[j];
    }
  if (scheme.format == Format::Int8W8A8Azp)
    fakeQuantPerTokenAzp(xs.data(), m, k, scheme.groupSize(k));
  else
    fakeQuantPerToken(xs.data(), m, k);
  std::vector<float> wq = quantizeRTN(ws.data(), n, k, scheme).dequantize();
  double num = 0.0, den = 0.0;
  for (int64_t r = 0; r < m; ++r)
    for (int64_t o = 0; o < n; ++o) {
      double y = 0.0, yq = 0.0;
      const float *xr = x + r * k, *xq = xs.data() + r * k;
      const float *wr = w + o * k, *wqr = wq.data() + o * k;
      for (int64_t j = 0; j < k; ++j) {
        y += static_cast<double>(xr[j]) * wr[j];
        yq += static_cast<double>(xq[j]) * wqr[j];
      }
      num += (y - yq) * (y - yq);
      den += y * y;
    }
  return {num, den};
}

double w8a8RelativeError(const float *x, int64_t m, const float *w, int64_t n, int64_t k,
                         const float *s, const Scheme &scheme) {
  auto [num, den] = w8a8ErrorParts(x, m, w, n, k, s, scheme);
  return den > 0.0 ? num / den : num;
}

double w8a8RelativeError(const float *x, int64_t m, const float *w, int64_t n, int64_t k,
                         const float *s) {
  return w8a8RelativeError(x, m, w, n, k, s, *Scheme::parse("w8a8"));
}

/// The checks smoothQuant and smoothQuantGroup share: the alpha grid,
/// activation maxima finite and >= 0, sample rows finite. False + \p error
/// (one line) on the first violation.
static bool checkCalibration(const float *actAbsMax, const float *x, int64_t m, int64_t k,
                             const SmoothQuantOptions &opts, std::string &error) {
  if (opts.gridPoints < 2) {
    error = "smoothquant: the alpha grid needs at least 2 points";
    return false;
  }
  for (int64_t j = 0; j < k; ++j)
    if (!std::isfinite(actAbsMax[j]) || actAbsMax[j] < 0) {
      error = "smoothquant: activation max of channel " + std::to_string(j) +
              " is not a finite value >= 0";
      return false;
    }
  for (int64_t i = 0; i < m * k; ++i)
    if (!std::isfinite(x[i])) {
      error = "smoothquant: sample row " + std::to_string(i / k) + " has a non-finite value";
      return false;
    }
  return true;
}

std::optional<SmoothQuantResult> smoothQuant(const float *actAbsMax, const float *x, int64_t m,
                                             const float *w, int64_t n, int64_t k,
                                             const SmoothQuantOptions &opts, std::string &error) {
  if (m <= 0 || n <= 0 || k <= 0) {
    error = "smoothquant: empty input (" + std::to_string(m) + " sample rows, W [" +
            std::to_string(n) + ", " + std::to_string(k) + "])";
    return std::nullopt;
  }
  if (!checkCalibration(actAbsMax, x, m, k, opts, error))
    return std::nullopt;
  SmoothQuantResult res;
  res.unsmoothedError = w8a8RelativeError(x, m, w, n, k, nullptr);
  for (int gi = 0; gi < opts.gridPoints; ++gi) {
    double alpha = static_cast<double>(gi) / (opts.gridPoints - 1);
    std::vector<float> s = smoothQuantScales(actAbsMax, w, n, k, alpha);
    double e = w8a8RelativeError(x, m, w, n, k, s.data());
    res.errors.push_back(e);
    if (gi == 0 || e < res.error) {
      res.error = e;
      res.alpha = alpha;
      res.scales = std::move(s);
    }
  }
  return res;
}

std::vector<float> smoothQuantGroupScales(const float *actAbsMax,
                                          const std::vector<SmoothQuantLayer> &layers,
                                          int64_t k, double alpha) {
  std::vector<double> wmax(static_cast<size_t>(k), 0.0);
  for (const SmoothQuantLayer &l : layers)
    for (int64_t r = 0; r < l.n; ++r)
      for (int64_t j = 0; j < k; ++j)
        wmax[j] = std::max(wmax[j], static_cast<double>(std::fabs(l.w[r * k + j])));
  std::vector<float> s(static_cast<size_t>(k));
  for (int64_t j = 0; j < k; ++j) {
    double a = actAbsMax[j];
    if (a <= 0.0 || wmax[j] <= 0.0) {
      s[j] = 1.0f;
      continue;
    }
    double v = std::pow(a, alpha) / std::pow(wmax[j], 1.0 - alpha);
    s[j] = static_cast<float>(std::clamp(v, 1e-5, 1e5));
  }
  return s;
}

std::optional<SmoothQuantResult> smoothQuantGroup(const float *actAbsMax, const float *x,
                                                  int64_t m,
                                                  const std::vector<SmoothQuantLayer> &layers,
                                                  int64_t k, const SmoothQuantOptions &opts,
                                                  std::string &error) {
  bool anyW8a8 = false;
  for (const SmoothQuantLayer &l : layers) {
    if (l.n <= 0 || !l.w) {
      error = "smoothquant: a layer of the group has no weight";
      return std::nullopt;
    }
    anyW8a8 |= l.w8a8;
  }
  if (!anyW8a8) {
    error = "smoothquant: no layer of the group is w8a8";
    return std::nullopt;
  }
  if (m <= 0 || k <= 0) {
    error = "smoothquant: empty input (" + std::to_string(m) + " sample rows, " +
            std::to_string(k) + " input channels)";
    return std::nullopt;
  }
  if (!checkCalibration(actAbsMax, x, m, k, opts, error))
    return std::nullopt;
  auto groupError = [&](const float *s) {
    double num = 0.0, den = 0.0;
    for (const SmoothQuantLayer &l : layers)
      if (l.w8a8) {
        auto [a, b] = w8a8ErrorParts(x, m, l.w, l.n, k, s, l.scheme);
        num += a;
        den += b;
      }
    return den > 0.0 ? num / den : num;
  };
  SmoothQuantResult res;
  res.unsmoothedError = groupError(nullptr);
  for (int gi = 0; gi < opts.gridPoints; ++gi) {
    double alpha = static_cast<double>(gi) / (opts.gridPoints - 1);
    std::vector<float> s = smoothQuantGroupScales(actAbsMax, layers, k, alpha);
    double e = groupError(s.data());
    res.errors.push_back(e);
    if (gi == 0 || e < res.error) {
      res.error = e;
      res.alpha = alpha;
      res.scales = std::move(s);
    }
  }
  return res;
}

} // namespace qcc::quant
