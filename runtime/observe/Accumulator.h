//===- Accumulator.h - streaming statistics of one observed activation ----===//
#ifndef QCC_RUNTIME_OBSERVE_ACCUMULATOR_H
#define QCC_RUNTIME_OBSERVE_ACCUMULATOR_H

#include <cstddef>
#include <cstdint>
#include <vector>

namespace qcc::observe {

/// Settings shared by every accumulator of a run.
struct Settings {
  int64_t expectedRows = 8192; ///< p99.9 exact up to this many rows
  int64_t sampleRows = 16;     ///< reservoir size
  uint64_t seed = 0;
  bool withXtx = true;
};

/// Per-channel absmax, sum |x|, sum x, X^T X (f64), exact nearest-rank
/// p99.9 (top values per channel) and a reservoir sample of rows, fed with
/// strided f32 row blocks. Not thread-safe: the caller holds a lock.
class Accumulator {
public:
  Accumulator(int64_t channels, const Settings &settings);

  /// Adds rows x[r * rowStride + c * colStride], r < rows, c < channels.
  void add(const float *x, int64_t rows, int64_t rowStride, int64_t colStride);

  /// Computes the percentile and mirrors X^T X (once; later add() calls
  /// are ignored: the next run configures fresh accumulators).
  void finish();

  int64_t channels() const { return k_; }
  int64_t rows() const { return rows_; }
  int64_t calls() const { return calls_; }
  double seconds() const { return seconds_; }
  bool p999Exact() const { return rows_ <= settings_.expectedRows; }
  const std::vector<float> &absMax() const { return absMax_; }
  const std::vector<double> &sumAbs() const { return sumAbs_; }
  const std::vector<double> &sum() const { return sum_; }
  const std::vector<double> &xtx() const { return xtxOut_; }
  const std::vector<float> &p999() const { return p999_; }
  int64_t sampleCount() const;
  const std::vector<float> &samples() const { return samples_; }

private:
  void addXtx(const float *x, int64_t rows, int64_t rowStride, int64_t colStride);
  void sample(const float *row, int64_t colStride);

  int64_t k_, kp_;                 ///< channels, padded to 8
  Settings settings_;
  int64_t rows_ = 0, calls_ = 0;
  bool finished_ = false;
  double seconds_ = 0;
  std::vector<float> absMax_;
  std::vector<double> sumAbs_, sum_;
  std::size_t keep_;                    ///< top |x| values kept per channel
  std::vector<float> top_;         ///< [k][keep_], unordered
  std::vector<uint32_t> topCount_; ///< filled entries per channel
  std::vector<float> topMin_;      ///< smallest kept value once full
  std::vector<uint32_t> topMinAt_;
  std::vector<double> xtx_;        ///< [kp][kp]; rows j hold i >= j (upper)
  std::vector<double> block_;      ///< [kBlockRows][kp] rows converted to f64
  std::vector<double> xtxOut_;     ///< [k][k] symmetric, after finish()
  std::vector<float> p999_;
  std::vector<float> samples_;     ///< [sampleRows][k]
  uint64_t rng_;
};

} // namespace qcc::observe

#endif // QCC_RUNTIME_OBSERVE_ACCUMULATOR_H
