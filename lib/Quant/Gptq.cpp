//===- Gptq.cpp - GPTQ (Frantar et al. 2023) with lazy blocks and act-order -===//
#include "qcc/Quant/Gptq.h"
#include "qcc/Quant/Numerics.h"

#include "Linalg.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace qcc::quant {

namespace {

/// Upper Cholesky factor U of H^-1 (H^-1 = U^T U) for the damped H (permuted
/// already); false when H is not positive definite.
bool hinvCholeskyUpper(std::vector<double> h, int64_t k, std::vector<double> &u) {
  if (!linalg::choleskyLower(h, k))
    return false;
  std::vector<double> inv = linalg::inverseFromCholesky(h, k);
  if (!linalg::choleskyLower(inv, k))
    return false;
  u.assign(static_cast<size_t>(k * k), 0.0);
  for (int64_t i = 0; i < k; ++i)
    for (int64_t j = 0; j <= i; ++j)
      u[j * k + i] = inv[i * k + j]; // U = L^T
  return true;
}

} // namespace

std::optional<GptqResult> gptq(const float *w, int64_t n, int64_t k, const double *hIn,
                               const Scheme &s, const GptqOptions &opts, std::string &error) {
  std::string why;
  if (!s.isQuantized() || !s.validFor(n, k, &why)) {
    error = "gptq: scheme " + s.name() + " cannot quantize [" + std::to_string(n) + ", " +
            std::to_string(k) + "]" + (why.empty() ? "" : ": " + why);
    return std::nullopt;
  }
  for (int64_t i = 0; i < k * k; ++i)
    if (!std::isfinite(hIn[i])) {
      error = "gptq: the Hessian has a non-finite entry at (" + std::to_string(i / k) + ", " +
              std::to_string(i % k) + ")";
      return std::nullopt;
    }
  GptqResult res;
  std::vector<double> h(hIn, hIn + k * k);
  // Dead inputs: the column never sees a non-zero input, its weights are free.
  std::vector<bool> dead(static_cast<size_t>(k), false);
  for (int64_t i = 0; i < k; ++i)
    if (h[i * k + i] == 0.0) {
      dead[i] = true;
      h[i * k + i] = 1.0;
      ++res.deadColumns;
    }
  // Processing order.
  std::vector<int64_t> perm(static_cast<size_t>(k));
  std::iota(perm.begin(), perm.end(), 0);
  if (opts.actOrder)
    std::sort(perm.begin(), perm.end(), [&](int64_t a, int64_t b) {
      double da = h[a * k + a], db = h[b * k + b];
      return da != db ? da > db : a < b; // ties by index (a stable order)
    });
  std::vector<int64_t> pos(static_cast<size_t>(k)); // natural column -> processing position
  for (int64_t i = 0; i < k; ++i)
    pos[perm[i]] = i;
  // Permuted H, dampened until positive definite.
  double meanDiag = 0.0;
  for (int64_t i = 0; i < k; ++i)
    meanDiag += h[i * k + i];
  meanDiag /= static_cast<double>(k);
  std::vector<double> hp(static_cast<size_t>(k * k)), u;
  double lambda = opts.dampFrac * meanDiag;
  bool ok = false;
  for (int attempt = 0; attempt < 5 && !ok; ++attempt, lambda *= 10.0) {
    for (int64_t i = 0; i < k; ++i)
      for (int64_t j = 0; j < k; ++j)
        hp[i * k + j] = h[perm[i] * k + perm[j]];
    for (int64_t i = 0; i < k; ++i)
      hp[i * k + i] += lambda;
    ok = hinvCholeskyUpper(hp, k, u);
    if (ok)
      res.damping = lambda;
  }
  if (!ok) {
    error = "gptq: the Hessian is not positive definite even with damping " +
            std::to_string(lambda / 10.0);
    return std::nullopt;
  }
  // Working copy of W in processing order, f64.
  std::vector<double> wp(static_cast<size_t>(n * k));
  for (int64_t r = 0; r < n; ++r)
    for (int64_t i = 0; i < k; ++i)
      wp[r * k + i] = dead[perm[i]] ? 0.0 : static_cast<double>(w[r * k + perm[i]]);

  QuantizedWeight q = makeQuantizedWeight(n, k, s);
  const int64_t g = q.scheme.group, gpr = q.groupsPerRow(), bs = std::max<int64_t>(1, opts.blockSize);
  std::vector<bool> reached(static_cast<size_t>(gpr), false);
  std::vector<double> err(static_cast<size_t>(n * bs));
  std::vector<float> groupVals(static_cast<size_t>(g));

  for (int64_t i1 = 0; i1 < k; i1 += bs) {
    int64_t i2 = std::min(k, i1 + bs), nb = i2 - i1;
    for (int64_t i = i1; i < i2; ++i) {
      const int64_t col = perm[i], gi = col / g;
      if (!reached[gi]) {
        // Current values of the group's columns: those in this block are up
        // to date; later ones still lack this block's pending updates.
        reached[gi] = true;
        const int64_t len = std::min(g, k - gi * g); // the last group may be partial
        for (int64_t r = 0; r < n; ++r) {
          for (int64_t c = 0; c < len; ++c) {
            int64_t p = pos[gi * g + c];
            double v = wp[r * k + p];
            if (p >= i2)
              for (int64_t t = i1; t < i; ++t)
                v -= err[r * bs + (t - i1)] * u[t * k + p];
            groupVals[c] = static_cast<float>(v);
          }
          GroupParams gp = chooseParams(groupVals.data(), len, 1, s);
          q.scales[r * gpr + gi] = gp.scale;
          if (s.hasMins())
            q.mins[r * gpr + gi] = gp.min;
        }
      }
      const double d = u[i * k + i];
      const double *ui = u.data() + i * k;
      for (int64_t r = 0; r < n; ++r) {
        GroupParams gp;
        gp.scale = q.scales[r * gpr + gi];
        gp.min = s.hasMins() ? q.mins[r * gpr + gi] : 0.0f;
        double *wr = wp.data() + r * k;
        double x = wr[i];
        uint8_t code = encode(static_cast<float>(x), gp, s);
        q.codes[r * k + col] = code;
        double e = (x - static_cast<double>(decode(code, gp, s))) / d;
        err[r * bs + (i - i1)] = e;
        for (int64_t j = i + 1; j < i2; ++j)
          wr[j] -= e * ui[j];
      }
    }
    // Lazy update of the columns after the block, in the same order (t
    // ascending) as the column-by-column algorithm.
    if (i2 < k)
      for (int64_t r = 0; r < n; ++r) {
        double *wr = wp.data() + r * k;
        for (int64_t t = 0; t < nb; ++t) {
          double e = err[r * bs + t];
          const double *ut = u.data() + (i1 + t) * k;
          for (int64_t j = i2; j < k; ++j)
            wr[j] -= e * ut[j];
        }
      }
  }

  // Losses against the undamped H the caller gave.
  std::vector<float> dq = q.dequantize();
  for (int64_t i = 0; i < n * k; ++i)
    dq[i] -= w[i];
  res.loss = linalg::quadraticTrace(dq.data(), n, k, hIn);
  std::vector<float> rtn = quantizeRTN(w, n, k, s).dequantize();
  for (int64_t i = 0; i < n * k; ++i)
    rtn[i] -= w[i];
  res.rtnLoss = linalg::quadraticTrace(rtn.data(), n, k, hIn);
  res.weight = std::move(q);
  return res;
}

} // namespace qcc::quant
