//===- Forward.cpp - forward passes over the KV cache (prefill, decode) ---===//
#include "Llm.h"

#include <new>

using qcc::rt::makeStatus;

namespace {

/// Checks that output `index` of a run has shape `expect`.
bool checkOutput(const qcc_llm_t *llm, qcc_tensor_t *const *outs, int index,
                 const std::vector<int64_t> &expect, std::string &error) {
  const qcc_tensor_t *t = outs[index];
  bool ok = t->elementType == QCC_ELEMENT_TYPE_F32 &&
            t->rank == static_cast<int32_t>(expect.size());
  for (size_t d = 0; ok && d < expect.size(); ++d)
    ok = t->shape[d] == expect[d];
  if (ok)
    return true;
  std::string got = "[", want = "[";
  for (int32_t d = 0; d < t->rank; ++d)
    got += (d ? "," : "") + std::to_string(t->shape[d]);
  for (size_t d = 0; d < expect.size(); ++d)
    want += (d ? "," : "") + std::to_string(expect[d]);
  error = "model '" + llm->path + "' returned output " +
          llm->model->sig.outputs[index].name + " of shape " + got +
          "], expected " + want + "]";
  return false;
}

qcc_status_t forwardImpl(qcc_llm_t *llm, const int32_t *tokens, int64_t S) {
  qcc::llm::KvCache &cache = llm->cache;
  const qcc_llm_info_t &info = llm->info;
  const int64_t B = info.num_sequences;
  std::vector<int64_t> real;
  std::string error;
  if (!cache.countRealTokens(tokens, S, info.vocab_size, real, error))
    return makeStatus(QCC_STATUS_INVALID_ARGUMENT, error);
  llm->inputIds.resize(static_cast<size_t>(B * S));
  llm->positions.resize(static_cast<size_t>(B * S));
  // An idle (all-pad) row starts at position 0: it attends to no cache slot
  // and its positions stay inside the model's range however full it is.
  for (int64_t b = 0; b < B; ++b)
    for (int64_t i = 0; i < S; ++i) {
      int32_t t = tokens[b * S + i];
      llm->inputIds[b * S + i] = t < 0 ? 0 : t;
      llm->positions[b * S + i] = (real[b] ? cache.length(b) : 0) + i;
    }
  const int64_t P = cache.pastSlots();
  const int64_t ids[2] = {B, S};
  const int64_t past[5] = {P, info.num_layers, B, info.num_kv_heads,
                           info.head_dim};
  const size_t pastBytes =
      static_cast<size_t>(P * cache.slotSize()) * sizeof(float);
  qcc_tensor_t *in[4] = {nullptr, nullptr, nullptr, nullptr};
  qcc_tensor_t *out[3] = {nullptr, nullptr, nullptr};
  auto cleanup = [&] {
    for (qcc_tensor_t *t : in)
      qcc_tensor_free(t);
    for (qcc_tensor_t *t : out)
      qcc_tensor_free(t);
  };
  qcc_status_t st = nullptr;
  if ((st = qcc_tensor_wrap(QCC_ELEMENT_TYPE_I64, 2, ids, llm->inputIds.data(),
                            llm->inputIds.size() * 8, &in[0])) ||
      (st = qcc_tensor_wrap(QCC_ELEMENT_TYPE_I64, 2, ids, llm->positions.data(),
                            llm->positions.size() * 8, &in[1])) ||
      (st = qcc_tensor_wrap(QCC_ELEMENT_TYPE_F32, 5, past, cache.keys(),
                            pastBytes, &in[2])) ||
      (st = qcc_tensor_wrap(QCC_ELEMENT_TYPE_F32, 5, past, cache.values(),
                            pastBytes, &in[3])) ||
      (st = qcc_model_run(llm->model, llm->context, in, 4, out, 3))) {
    cleanup();
    return st;
  }
  const std::vector<int64_t> present = {S, info.num_layers, B,
                                        info.num_kv_heads, info.head_dim};
  if (!checkOutput(llm, out, 0, {B, S, info.vocab_size}, error) ||
      !checkOutput(llm, out, 1, present, error) ||
      !checkOutput(llm, out, 2, present, error)) {
    cleanup();
    return makeStatus(QCC_STATUS_INTERNAL, error);
  }
  cache.append(static_cast<const float *>(out[1]->data),
               static_cast<const float *>(out[2]->data), S, real);
  qcc_tensor_free(llm->logits);
  llm->logits = out[0];
  out[0] = nullptr;
  llm->lastReal = std::move(real);
  cleanup();
  return nullptr;
}

} // namespace

extern "C" {

qcc_status_t qcc_llm_forward(qcc_llm_t *llm, const int32_t *tokens,
                             int32_t num_tokens) {
  if (!llm || !tokens)
    return makeStatus(QCC_STATUS_INVALID_ARGUMENT, "llm or tokens is null");
  if (num_tokens < 1)
    return makeStatus(QCC_STATUS_INVALID_ARGUMENT,
                      "num_tokens must be >= 1, got " +
                          std::to_string(num_tokens));
  try {
    return forwardImpl(llm, tokens, num_tokens);
  } catch (const std::bad_alloc &) {
    return makeStatus(QCC_STATUS_OUT_OF_MEMORY, "out of memory");
  }
}

qcc_status_t qcc_llm_prefill(qcc_llm_t *llm, int32_t sequence,
                             const int32_t *tokens, int32_t count) {
  if (!llm || (!tokens && count))
    return makeStatus(QCC_STATUS_INVALID_ARGUMENT, "llm or tokens is null");
  if (sequence < 0 || sequence >= llm->info.num_sequences)
    return makeStatus(QCC_STATUS_INVALID_ARGUMENT,
                      "sequence " + std::to_string(sequence) +
                          " is out of range [0, " +
                          std::to_string(llm->info.num_sequences) + ")");
  if (count < 1)
    return makeStatus(QCC_STATUS_INVALID_ARGUMENT,
                      "prefill needs at least one token");
  try {
    std::vector<int32_t> rows(static_cast<size_t>(llm->info.num_sequences) *
                                  count,
                              QCC_LLM_PAD_TOKEN);
    std::copy(tokens, tokens + count, rows.begin() + sequence * count);
    return forwardImpl(llm, rows.data(), count);
  } catch (const std::bad_alloc &) {
    return makeStatus(QCC_STATUS_OUT_OF_MEMORY, "out of memory");
  }
}

qcc_status_t qcc_llm_decode(qcc_llm_t *llm, const int32_t *tokens) {
  return qcc_llm_forward(llm, tokens, 1);
}

qcc_status_t qcc_llm_logits(const qcc_llm_t *llm, int32_t sequence,
                            int32_t index, const float **out_logits) {
  if (!llm || !out_logits)
    return makeStatus(QCC_STATUS_INVALID_ARGUMENT, "llm or out_logits is null");
  *out_logits = nullptr;
  if (!llm->logits)
    return makeStatus(QCC_STATUS_NOT_FOUND, "no forward has run yet");
  if (sequence < 0 || sequence >= llm->info.num_sequences)
    return makeStatus(QCC_STATUS_INVALID_ARGUMENT,
                      "sequence " + std::to_string(sequence) +
                          " is out of range");
  int64_t S = llm->logits->shape[1];
  int64_t i = index;
  if (index == -1) {
    if (llm->lastReal[sequence] == 0)
      return makeStatus(QCC_STATUS_NOT_FOUND,
                        "sequence " + std::to_string(sequence) +
                            " had no real token in the last forward");
    i = llm->lastReal[sequence] - 1;
  }
  if (i < 0 || i >= S)
    return makeStatus(QCC_STATUS_INVALID_ARGUMENT,
                      "token index " + std::to_string(index) +
                          " is out of range [0, " + std::to_string(S) + ")");
  *out_logits = static_cast<const float *>(llm->logits->data) +
                (sequence * S + i) * llm->info.vocab_size;
  return nullptr;
}

int32_t qcc_llm_sequence_length(const qcc_llm_t *llm, int32_t sequence) {
  if (!llm || sequence < 0 || sequence >= llm->info.num_sequences)
    return -1;
  return static_cast<int32_t>(llm->cache.length(sequence));
}

qcc_status_t qcc_llm_reset(qcc_llm_t *llm, int32_t sequence) {
  if (!llm)
    return makeStatus(QCC_STATUS_INVALID_ARGUMENT, "llm is null");
  if (sequence < -1 || sequence >= llm->info.num_sequences)
    return makeStatus(QCC_STATUS_INVALID_ARGUMENT,
                      "sequence " + std::to_string(sequence) +
                          " is out of range");
  llm->cache.reset(sequence);
  return nullptr;
}

const float *qcc_llm_cache_data(const qcc_llm_t *llm, int32_t which) {
  if (!llm || (which != 0 && which != 1))
    return nullptr;
  return which == 0 ? llm->cache.keys() : llm->cache.values();
}

} // extern "C"
