//===- StatsAccumulator.h - streaming statistics of a linear layer's input ---===//
//
// Calibration feeds the inputs x [rows, K] of one linear layer batch by batch;
// finish() gives the LayerStats that the statistics file stores:
//   absMax[j]  = max |x_j|            meanAbs[j] = mean |x_j|
//   p999[j]    = the 99.9th percentile of |x_j| by nearest rank: the value of
//                rank ceil(0.999 R) in ascending order over all R rows; exact
//                as long as R <= expectedRows (the top R/1000 + 1 values of
//                each channel are kept, nothing else)
//   xtx        = sum over rows of x^T x (f64, K x K)
//   samples    = the first sampleRows rows.
//===----------------------------------------------------------------------===//
#ifndef QCC_QUANT_STATSACCUMULATOR_H
#define QCC_QUANT_STATSACCUMULATOR_H

#include "qcc/Quant/StatsFile.h"

#include <cstdint>
#include <vector>

namespace qcc::quant {

/// Accumulates LayerStats from input rows.
class StatsAccumulator {
public:
  /// For W[outFeatures, inFeatures]; \p expectedRows bounds the rows for
  /// which p999 is exact; \p withXtx = false skips X^T X (K^2 per row).
  StatsAccumulator(int64_t inFeatures, int64_t outFeatures, uint64_t expectedRows,
                   int64_t sampleRows = 16, bool withXtx = true);

  /// Adds rows x[m, K] (row-major f32).
  void addRows(const float *x, int64_t m);

  /// Rows seen so far.
  uint64_t rows() const { return rows_; }
  /// Whether more rows than expectedRows were added (p999 then approximates
  /// from above: it is the percentile of the kept largest values).
  bool p999Exact() const { return rows_ <= expected_; }

  /// The statistics (sensitivity left empty).
  LayerStats finish() const;

private:
  int64_t k_, n_;
  uint64_t rows_ = 0, expected_;
  size_t keep_;                      ///< largest values kept per channel
  int64_t sampleRows_;
  bool withXtx_;
  std::vector<float> absMax_;
  std::vector<double> sumAbs_;
  std::vector<std::vector<float>> top_; ///< per channel, a min-heap of the largest |x|
  std::vector<double> xtx_;
  std::vector<float> samples_;
};

} // namespace qcc::quant

#endif // QCC_QUANT_STATSACCUMULATOR_H
