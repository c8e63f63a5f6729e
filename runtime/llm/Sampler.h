//===- Sampler.h - token sampling: greedy, temperature, top-k, top-p ------===//
#ifndef QCC_RUNTIME_LLM_SAMPLER_H
#define QCC_RUNTIME_LLM_SAMPLER_H

#include "qcc-c/llm.h"

#include <cstdint>
#include <vector>

namespace qcc {
namespace llm {

/// A portable 64-bit RNG (splitmix64): the same seed gives the same stream on
/// every platform, unlike std:: distributions.
class Rng {
public:
  explicit Rng(uint64_t seed) : state(seed) {}
  uint64_t next();
  /// Uniform double in [0, 1) with 53 random bits.
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

private:
  uint64_t state;
};

/// Sampler of qcc_llm_sampler_options_t (see include/qcc-c/llm.h for the
/// order of the steps).
class Sampler {
public:
  explicit Sampler(const qcc_llm_sampler_options_t &options)
      : opts(options), rng(options.seed) {}
  /// Picks a token from `logits` [vocab]; `history` feeds the repetition
  /// penalty.
  int32_t sample(const float *logits, int32_t vocab, const int32_t *history,
                 size_t historyLength);
  /// The candidates (token ids) of the last non-greedy call with their
  /// probabilities after top-k/top-p and renormalization, for tests.
  const std::vector<std::pair<int32_t, double>> &support() const {
    return candidates;
  }

private:
  qcc_llm_sampler_options_t opts;
  Rng rng;
  std::vector<float> work;
  std::vector<std::pair<int32_t, double>> candidates;
};

} // namespace llm
} // namespace qcc

/// The opaque C handle.
struct qcc_llm_sampler_s {
  qcc::llm::Sampler sampler;
};

#endif // QCC_RUNTIME_LLM_SAMPLER_H
