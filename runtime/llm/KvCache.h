//===- KvCache.h - the runtime-owned KV cache of a causal LM (Contract 5) -===//
#ifndef QCC_RUNTIME_LLM_KVCACHE_H
#define QCC_RUNTIME_LLM_KVCACHE_H

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

namespace qcc {
namespace llm {

/// K and V caches of shape [C, L, B, Hkv, D] (position outermost, so the
/// first P slots are a contiguous prefix the model reads without a copy) and
/// the number of tokens cached per sequence.
class KvCache {
public:
  /// Allocates zero-filled caches (calloc: pages are committed only when
  /// first written, so a large capacity costs address space, not memory).
  /// Returns false (with `error`) when a dimension is not positive, the size
  /// overflows or the allocation fails.
  bool init(int64_t capacity, int64_t layers, int64_t sequences,
            int64_t kvHeads, int64_t headDim, std::string &error);

  int64_t capacity() const { return C; }
  int64_t sequences() const { return B; }
  /// Floats of one position slot (L * B * Hkv * D).
  int64_t slotSize() const { return L * B * H * D; }
  /// Tokens cached for sequence `b`.
  int64_t length(int64_t b) const { return lengths[b]; }
  /// Slots the model must see: max over sequences of length, at least 1.
  int64_t pastSlots() const;

  /// Number of real (non-padding) tokens of each row of `tokens` [B, S]
  /// (pad = negative id). Returns false with `error` when a real token
  /// follows a pad, an id is >= `vocab`, or a row would exceed the capacity.
  bool countRealTokens(const int32_t *tokens, int64_t S, int64_t vocab,
                       std::vector<int64_t> &real, std::string &error) const;

  /// Appends the first real[b] tokens of present K/V ([S, L, B, Hkv, D]) of
  /// each row b at positions length(b)... and advances the lengths.
  void append(const float *presentK, const float *presentV, int64_t S,
              const std::vector<int64_t> &real);

  /// Empties sequence `b` (-1: all).
  void reset(int64_t b);

  float *keys() { return k.get(); }
  float *values() { return v.get(); }
  const float *keys() const { return k.get(); }
  const float *values() const { return v.get(); }

private:
  struct Free {
    void operator()(float *p) const { std::free(p); }
  };
  int64_t C = 0, L = 0, B = 0, H = 0, D = 0;
  std::unique_ptr<float[], Free> k, v;
  std::vector<int64_t> lengths;
};

} // namespace llm
} // namespace qcc

#endif // QCC_RUNTIME_LLM_KVCACHE_H
