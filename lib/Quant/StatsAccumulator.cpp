//===- StatsAccumulator.cpp - streaming per-channel statistics and X^T X ----===//
#include "qcc/Quant/StatsAccumulator.h"

#include <algorithm>
#include <cmath>
#include <functional>

namespace qcc::quant {

namespace {
/// Rank (1-based, ascending) of the 99.9th percentile among r values.
uint64_t p999Rank(uint64_t r) {
  uint64_t rank = (r * 999 + 999) / 1000; // ceil(0.999 r)
  return std::max<uint64_t>(rank, 1);
}
} // namespace

StatsAccumulator::StatsAccumulator(int64_t inFeatures, int64_t outFeatures, uint64_t expectedRows,
                                   int64_t sampleRows, bool withXtx)
    : k_(inFeatures), n_(outFeatures), expected_(expectedRows), sampleRows_(sampleRows),
      withXtx_(withXtx) {
  // The percentile is the (r - rank + 1)-th largest value.
  keep_ = static_cast<size_t>(expectedRows - p999Rank(std::max<uint64_t>(expectedRows, 1)) + 1);
  absMax_.assign(static_cast<size_t>(k_), 0.0f);
  sumAbs_.assign(static_cast<size_t>(k_), 0.0);
  top_.assign(static_cast<size_t>(k_), {});
  if (withXtx_)
    xtx_.assign(static_cast<size_t>(k_ * k_), 0.0);
}

void StatsAccumulator::addRows(const float *x, int64_t m) {
  for (int64_t r = 0; r < m; ++r) {
    const float *row = x + r * k_;
    for (int64_t j = 0; j < k_; ++j) {
      float a = std::fabs(row[j]);
      absMax_[j] = std::max(absMax_[j], a);
      sumAbs_[j] += a;
      auto &heap = top_[j];
      if (heap.size() < keep_) {
        heap.push_back(a);
        std::push_heap(heap.begin(), heap.end(), std::greater<float>());
      } else if (!heap.empty() && a > heap.front()) {
        std::pop_heap(heap.begin(), heap.end(), std::greater<float>());
        heap.back() = a;
        std::push_heap(heap.begin(), heap.end(), std::greater<float>());
      }
    }
    if (withXtx_)
      for (int64_t i = 0; i < k_; ++i) {
        double xi = row[i];
        if (xi == 0.0)
          continue;
        double *dst = xtx_.data() + i * k_;
        for (int64_t j = i; j < k_; ++j) // upper triangle; mirrored in finish()
          dst[j] += xi * static_cast<double>(row[j]);
      }
    if (static_cast<int64_t>(samples_.size()) < sampleRows_ * k_)
      samples_.insert(samples_.end(), row, row + k_);
    ++rows_;
  }
}

LayerStats StatsAccumulator::finish() const {
  LayerStats l;
  l.inFeatures = k_;
  l.outFeatures = n_;
  l.rows = rows_;
  l.absMax = absMax_;
  l.meanAbs.resize(static_cast<size_t>(k_));
  l.p999.resize(static_cast<size_t>(k_));
  for (int64_t j = 0; j < k_; ++j) {
    l.meanAbs[j] = rows_ ? static_cast<float>(sumAbs_[j] / static_cast<double>(rows_)) : 0.0f;
    if (rows_ == 0)
      continue;
    // The (rows - rank + 1)-th largest value; the heap holds the largest ones.
    std::vector<float> sorted = top_[j];
    std::sort(sorted.begin(), sorted.end(), std::greater<float>());
    uint64_t idx = rows_ - p999Rank(rows_); // 0-based among the largest
    l.p999[j] = sorted.empty() ? 0.0f : sorted[std::min<size_t>(idx, sorted.size() - 1)];
  }
  if (withXtx_) {
    l.xtx = xtx_;
    for (int64_t i = 0; i < k_; ++i)
      for (int64_t j = 0; j < i; ++j)
        l.xtx[i * k_ + j] = l.xtx[j * k_ + i];
  }
  l.sampleRows = static_cast<int64_t>(samples_.size()) / std::max<int64_t>(k_, 1);
  l.samples = samples_;
  return l;
}

} // namespace qcc::quant
