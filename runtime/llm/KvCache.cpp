//===- KvCache.cpp - KV cache bookkeeping: padding rows, capacity, appends ===//
#include "KvCache.h"

#include <algorithm>
#include <cstring>

using namespace qcc::llm;

bool KvCache::init(int64_t capacity, int64_t layers, int64_t sequences,
                   int64_t kvHeads, int64_t headDim, std::string &error) {
  int64_t dims[] = {capacity, layers, sequences, kvHeads, headDim};
  const char *names[] = {"context capacity", "num_layers", "num_sequences",
                         "num_kv_heads", "head_dim"};
  int64_t total = 1;
  for (int i = 0; i < 5; ++i) {
    if (dims[i] <= 0) {
      error = std::string(names[i]) + " must be positive, got " +
              std::to_string(dims[i]);
      return false;
    }
    if (total > (int64_t(1) << 40) / dims[i]) {
      error = "KV cache of " + std::to_string(capacity) + "x" +
              std::to_string(layers) + "x" + std::to_string(sequences) + "x" +
              std::to_string(kvHeads) + "x" + std::to_string(headDim) +
              " floats is too large";
      return false;
    }
    total *= dims[i];
  }
  k.reset(static_cast<float *>(std::calloc(total, sizeof(float))));
  v.reset(static_cast<float *>(std::calloc(total, sizeof(float))));
  if (!k || !v) {
    error = "cannot allocate a KV cache of 2 x " +
            std::to_string(total * sizeof(float)) + " bytes";
    return false;
  }
  C = capacity, L = layers, B = sequences, H = kvHeads, D = headDim;
  lengths.assign(static_cast<size_t>(B), 0);
  return true;
}

int64_t KvCache::pastSlots() const {
  int64_t p = 1;
  for (int64_t n : lengths)
    p = std::max(p, n);
  return p;
}

bool KvCache::countRealTokens(const int32_t *tokens, int64_t S, int64_t vocab,
                              std::vector<int64_t> &real,
                              std::string &error) const {
  real.assign(static_cast<size_t>(B), 0);
  for (int64_t b = 0; b < B; ++b) {
    int64_t n = 0;
    for (int64_t i = 0; i < S; ++i) {
      int32_t t = tokens[b * S + i];
      if (t < 0) {
        continue;
      }
      if (n != i) {
        error = "sequence " + std::to_string(b) + ": token " +
                std::to_string(i) +
                " follows padding (only right padding "
                "is allowed)";
        return false;
      }
      if (t >= vocab) {
        error = "sequence " + std::to_string(b) + ": token id " +
                std::to_string(t) + " at index " + std::to_string(i) +
                " is outside the vocabulary of " + std::to_string(vocab);
        return false;
      }
      ++n;
    }
    if (lengths[b] + n > C) {
      error = "sequence " + std::to_string(b) + ": context is full (" +
              std::to_string(lengths[b]) + " cached + " + std::to_string(n) +
              " new tokens > capacity " + std::to_string(C) + ")";
      return false;
    }
    real[b] = n;
  }
  return true;
}

void KvCache::append(const float *presentK, const float *presentV, int64_t S,
                     const std::vector<int64_t> &real) {
  const int64_t row = H * D;
  for (int64_t b = 0; b < B; ++b) {
    for (int64_t i = 0; i < real[b] && i < S; ++i) {
      int64_t pos = lengths[b] + i;
      for (int64_t l = 0; l < L; ++l) {
        int64_t src = ((i * L + l) * B + b) * row;
        int64_t dst = ((pos * L + l) * B + b) * row;
        std::memcpy(&k[dst], presentK + src, row * sizeof(float));
        std::memcpy(&v[dst], presentV + src, row * sizeof(float));
      }
    }
    lengths[b] += std::min(real[b], S);
  }
}

void KvCache::reset(int64_t b) {
  if (b < 0)
    std::fill(lengths.begin(), lengths.end(), 0);
  else
    lengths[b] = 0;
}
