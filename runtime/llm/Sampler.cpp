//===- Sampler.cpp - greedy / temperature / top-k / top-p sampling --------===//
#include "Sampler.h"

#include "../Internal.h"

#include <algorithm>
#include <cmath>
#include <new>
#include <unordered_set>

using namespace qcc::llm;
using qcc::rt::makeStatus;

uint64_t Rng::next() {
  uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

int32_t Sampler::sample(const float *logits, int32_t vocab,
                        const int32_t *history, size_t historyLength) {
  work.assign(logits, logits + vocab);
  // Repetition penalty (CTRL / HF): divide positive logits, multiply negative
  // ones, once per distinct token of the recent history.
  if (opts.repetition_penalty != 1.0f && history && historyLength) {
    size_t window =
        opts.repetition_window > 0
            ? std::min<size_t>(historyLength,
                               static_cast<size_t>(opts.repetition_window))
            : historyLength;
    std::unordered_set<int32_t> seen;
    for (size_t i = historyLength - window; i < historyLength; ++i) {
      int32_t t = history[i];
      if (t < 0 || t >= vocab || !seen.insert(t).second)
        continue;
      float &l = work[t];
      l = l > 0 ? l / opts.repetition_penalty : l * opts.repetition_penalty;
    }
  }
  candidates.clear();
  if (!(opts.temperature > 0)) {
    int32_t best = 0;
    for (int32_t i = 1; i < vocab; ++i)
      if (work[i] > work[best])
        best = i;
    return best;
  }
  std::vector<int32_t> order(static_cast<size_t>(vocab));
  for (int32_t i = 0; i < vocab; ++i)
    order[i] = i;
  auto byLogit = [&](int32_t a, int32_t b) {
    return work[a] > work[b] || (work[a] == work[b] && a < b);
  };
  size_t keep = static_cast<size_t>(vocab);
  if (opts.top_k > 0 && static_cast<size_t>(opts.top_k) < keep) {
    keep = static_cast<size_t>(opts.top_k);
    std::partial_sort(order.begin(), order.begin() + keep, order.end(),
                      byLogit);
    order.resize(keep);
  } else {
    std::sort(order.begin(), order.end(), byLogit);
  }
  double maxLogit = work[order[0]] / opts.temperature;
  double total = 0;
  for (int32_t id : order) {
    double p = std::exp(work[id] / opts.temperature - maxLogit);
    candidates.emplace_back(id, p);
    total += p;
  }
  for (auto &c : candidates)
    c.second /= total;
  if (opts.top_p < 1.0f) {
    double mass = 0;
    size_t n = 0;
    while (n < candidates.size()) {
      mass += candidates[n++].second;
      if (mass >= opts.top_p)
        break;
    }
    candidates.resize(n);
    for (auto &c : candidates)
      c.second /= mass;
  }
  double u = rng.uniform(), acc = 0;
  for (const auto &c : candidates) {
    acc += c.second;
    if (u < acc)
      return c.first;
  }
  return candidates.back().first;
}

extern "C" {

void qcc_llm_sampler_options_initialize(qcc_llm_sampler_options_t *options) {
  if (!options)
    return;
  *options = {};
  options->struct_size = sizeof(*options);
  options->temperature = 0.8f;
  options->top_k = 40;
  options->top_p = 0.95f;
  options->repetition_penalty = 1.0f;
  options->repetition_window = 64;
  options->seed = 0;
}

qcc_status_t qcc_llm_sampler_create(const qcc_llm_sampler_options_t *options,
                                    qcc_llm_sampler_t **out_sampler) {
  if (!out_sampler)
    return makeStatus(QCC_STATUS_INVALID_ARGUMENT, "out_sampler is null");
  *out_sampler = nullptr;
  qcc_llm_sampler_options_t o;
  qcc_llm_sampler_options_initialize(&o);
  if (options) {
    if (options->struct_size < sizeof(o))
      return makeStatus(QCC_STATUS_INCOMPATIBLE,
                        "qcc_llm_sampler_options_t was not initialized with "
                        "qcc_llm_sampler_options_initialize");
    o = *options;
  }
  if (std::isnan(o.temperature) || std::isnan(o.top_p) || o.top_p <= 0 ||
      o.top_k < 0 || !(o.repetition_penalty > 0))
    return makeStatus(QCC_STATUS_INVALID_ARGUMENT,
                      "sampler options out of range (need top_p in (0, 1], "
                      "top_k >= 0, repetition_penalty > 0, temperature not "
                      "NaN)");
  auto *s = new (std::nothrow) qcc_llm_sampler_s{Sampler(o)};
  if (!s)
    return makeStatus(QCC_STATUS_OUT_OF_MEMORY, "out of memory");
  *out_sampler = s;
  return nullptr;
}

qcc_status_t qcc_llm_sampler_sample(qcc_llm_sampler_t *sampler,
                                    const float *logits, int32_t vocab_size,
                                    const int32_t *history,
                                    size_t history_length, int32_t *out_token) {
  if (!sampler || !logits || !out_token || vocab_size <= 0)
    return makeStatus(QCC_STATUS_INVALID_ARGUMENT,
                      "sampler, logits or out_token is null, or vocab_size "
                      "is not positive");
  try {
    *out_token =
        sampler->sampler.sample(logits, vocab_size, history, history_length);
  } catch (const std::bad_alloc &) {
    return makeStatus(QCC_STATUS_OUT_OF_MEMORY, "out of memory");
  }
  return nullptr;
}

void qcc_llm_sampler_free(qcc_llm_sampler_t *sampler) { delete sampler; }

} // extern "C"
