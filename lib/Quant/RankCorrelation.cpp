//===- RankCorrelation.cpp - average ranks and Spearman's rho ---------------===//
#include "qcc/Quant/RankCorrelation.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace qcc::quant {

std::vector<double> averageRanks(const std::vector<double> &v) {
  std::vector<size_t> order(v.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(),
            [&](size_t a, size_t b) { return v[a] < v[b] || (v[a] == v[b] && a < b); });
  std::vector<double> ranks(v.size());
  for (size_t i = 0; i < order.size();) {
    size_t j = i;
    while (j + 1 < order.size() && v[order[j + 1]] == v[order[i]])
      ++j;
    double rank = 0.5 * static_cast<double>(i + j) + 1.0; // mean of ranks i+1 .. j+1
    for (size_t t = i; t <= j; ++t)
      ranks[order[t]] = rank;
    i = j + 1;
  }
  return ranks;
}

std::optional<double> spearman(const std::vector<double> &a, const std::vector<double> &b) {
  if (a.size() != b.size() || a.size() < 2)
    return std::nullopt;
  std::vector<double> ra = averageRanks(a), rb = averageRanks(b);
  double n = static_cast<double>(a.size());
  double ma = std::accumulate(ra.begin(), ra.end(), 0.0) / n;
  double mb = std::accumulate(rb.begin(), rb.end(), 0.0) / n;
  double sab = 0, saa = 0, sbb = 0;
  for (size_t i = 0; i < ra.size(); ++i) {
    sab += (ra[i] - ma) * (rb[i] - mb);
    saa += (ra[i] - ma) * (ra[i] - ma);
    sbb += (rb[i] - mb) * (rb[i] - mb);
  }
  if (saa <= 0 || sbb <= 0)
    return std::nullopt;
  return std::clamp(sab / std::sqrt(saa * sbb), -1.0, 1.0);
}

} // namespace qcc::quant
