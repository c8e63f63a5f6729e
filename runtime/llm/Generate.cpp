//===- Generate.cpp - qcc_llm_generate: prefill, sample, decode, stream ---===//
#include "Detokenizer.h"
#include "Llm.h"
#include "Sampler.h"

#include "qcc/Tokenizer/Tokenizer.h"

#include <chrono>
#include <new>

using namespace qcc::llm;
using qcc::rt::makeStatus;

namespace {

double secondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
      .count();
}

/// Per-sequence state of a generation.
struct Row {
  bool active = false;
  int32_t generated = 0;
  std::vector<int32_t> history;
  std::unique_ptr<Sampler> sampler;
  qcc_llm_detokenizer_s detok{nullptr, false, {}};
};

qcc_status_t generateImpl(qcc_llm_t *llm, const char *const *prompts,
                          int32_t numPrompts,
                          const qcc_llm_sampler_options_t &so,
                          const qcc_llm_generate_options_t &go,
                          qcc_llm_stream_fn stream, void *user,
                          qcc_llm_generate_stats_t &stats) {
  const int32_t B = llm->info.num_sequences;
  const int64_t C = llm->info.context_capacity;
  std::vector<Row> rows(static_cast<size_t>(B));
  size_t longest = 0;
  for (int32_t b = 0; b < numPrompts; ++b) {
    if (!prompts[b])
      return makeStatus(QCC_STATUS_INVALID_ARGUMENT,
                        "prompt " + std::to_string(b) + " is null");
    Row &r = rows[b];
    r.history = llm->tokenizer->encode(prompts[b], go.add_special != 0);
    if (r.history.empty())
      return makeStatus(QCC_STATUS_INVALID_ARGUMENT,
                        "prompt " + std::to_string(b) +
                            " has no tokens (an empty prompt needs a BOS "
                            "token)");
    if (static_cast<int64_t>(r.history.size()) > C)
      return makeStatus(QCC_STATUS_INVALID_ARGUMENT,
                        "prompt " + std::to_string(b) + " has " +
                            std::to_string(r.history.size()) +
                            " tokens, more than the context capacity " +
                            std::to_string(C));
    longest = std::max(longest, r.history.size());
    qcc_llm_sampler_options_t seeded = so;
    seeded.seed = so.seed + static_cast<uint64_t>(b);
    r.sampler = std::make_unique<Sampler>(seeded);
    r.detok = {llm->tokenizer.get(), go.skip_special != 0, {}};
    r.active = go.max_tokens > 0;
    stats.prompt_tokens += static_cast<int64_t>(r.history.size());
  }
  llm->cache.reset(-1);
  std::vector<int32_t> batch(static_cast<size_t>(B) * longest,
                             QCC_LLM_PAD_TOKEN);
  for (int32_t b = 0; b < numPrompts; ++b)
    std::copy(rows[b].history.begin(), rows[b].history.end(),
              batch.begin() + b * longest);
  auto start = std::chrono::steady_clock::now();
  if (qcc_status_t st =
          qcc_llm_forward(llm, batch.data(), static_cast<int32_t>(longest)))
    return st;
  stats.prefill_seconds = secondsSince(start);

  std::vector<int32_t> next(static_cast<size_t>(B));
  while (true) {
    bool any = false;
    for (int32_t b = 0; b < B; ++b) {
      Row &r = rows[b];
      next[b] = QCC_LLM_PAD_TOKEN;
      if (!r.active)
        continue;
      const float *logits = nullptr;
      if (qcc_status_t st = qcc_llm_logits(llm, b, -1, &logits))
        return st;
      int32_t token = r.sampler->sample(logits, llm->info.vocab_size,
                                        r.history.data(), r.history.size());
      r.history.push_back(token);
      ++r.generated;
      ++stats.generated_tokens;
      bool stop = (go.stop_at_eos && token == llm->info.eos_id) ||
                  r.generated >= go.max_tokens || llm->cache.length(b) >= C;
      std::string_view piece;
      if (token < static_cast<int32_t>(llm->tokenizer->vocabSize())) {
        std::string bytes = llm->tokenizer->decode({token}, go.skip_special);
        piece = r.detok.streamer.push(bytes);
      }
      if (stream && stream(user, b, token, piece.data(), piece.size()))
        stop = true;
      if (stop) {
        r.active = false;
        std::string_view rest = r.detok.streamer.flush();
        if (stream && !rest.empty())
          stream(user, b, QCC_LLM_PAD_TOKEN, rest.data(), rest.size());
        continue;
      }
      next[b] = token;
      any = true;
    }
    if (!any)
      break;
    auto stepStart = std::chrono::steady_clock::now();
    if (qcc_status_t st = qcc_llm_forward(llm, next.data(), 1))
      return st;
    stats.decode_seconds += secondsSince(stepStart);
    ++stats.decode_steps;
    for (int32_t b = 0; b < B; ++b)
      stats.decode_tokens += next[b] >= 0;
  }
  return nullptr;
}

} // namespace

extern "C" {

void qcc_llm_generate_options_initialize(qcc_llm_generate_options_t *options) {
  if (!options)
    return;
  *options = {};
  options->struct_size = sizeof(*options);
  options->max_tokens = 128;
  options->stop_at_eos = 1;
  options->add_special = 1;
  options->skip_special = 0;
}

qcc_status_t qcc_llm_generate(qcc_llm_t *llm, const char *const *prompts,
                              int32_t num_prompts,
                              const qcc_llm_sampler_options_t *sampler_options,
                              const qcc_llm_generate_options_t *options,
                              qcc_llm_stream_fn stream, void *user,
                              qcc_llm_generate_stats_t *out_stats) {
  if (!llm || !prompts)
    return makeStatus(QCC_STATUS_INVALID_ARGUMENT, "llm or prompts is null");
  if (num_prompts < 1 || num_prompts > llm->info.num_sequences)
    return makeStatus(QCC_STATUS_INVALID_ARGUMENT,
                      std::to_string(num_prompts) +
                          " prompts for an llm opened with " +
                          std::to_string(llm->info.num_sequences) +
                          " sequences (need 1 to num_sequences)");
  if (!llm->tokenizer)
    return makeStatus(QCC_STATUS_NOT_FOUND, noTokenizerMessage(llm));
  qcc_llm_generate_options_t go;
  qcc_llm_generate_options_initialize(&go);
  if (options) {
    if (options->struct_size < sizeof(go))
      return makeStatus(QCC_STATUS_INCOMPATIBLE,
                        "qcc_llm_generate_options_t was not initialized");
    go = *options;
  }
  qcc_llm_sampler_options_t so;
  qcc_llm_sampler_options_initialize(&so);
  if (sampler_options) {
    qcc_llm_sampler_t *check = nullptr;
    if (qcc_status_t st = qcc_llm_sampler_create(sampler_options, &check))
      return st;
    qcc_llm_sampler_free(check);
    so = *sampler_options;
  }
  qcc_llm_generate_stats_t stats = {};
  qcc_status_t st = nullptr;
  try {
    st = generateImpl(llm, prompts, num_prompts, so, go, stream, user, stats);
  } catch (const std::bad_alloc &) {
    st = makeStatus(QCC_STATUS_OUT_OF_MEMORY, "out of memory");
  } catch (const std::exception &e) {
    st = makeStatus(QCC_STATUS_INVALID_ARGUMENT, e.what());
  }
  if (out_stats)
    *out_stats = stats;
  return st;
}

} // extern "C"
