//===- toy_lm.cpp - a hand-written Contract-5 causal-LM model.so for tests ===//
//
// Built by the tests with the host C++ compiler:
//   clang++ -shared -fPIC -I<qcc>/include toy_lm.cpp -o toy.so
//     [-DTOY_TOKENIZER=\"path\"] [-DTOY_KIND=\"causal-lm\"] [-DTOY_VOCAB=259]
//     [-DTOY_CONTEXT=64] [-DTOY_SCALE=3.0] [-DTOY_NO_ATTRS]
//     [-DTOY_ATTR_LAYERS=2]
// It implements the model ABI of include/qcc-c/model_abi.h directly, with
// Contract 5's signature (L = 2 layers, Hkv = 1, D = 4) and `attr` records.
//
// Semantics (reproduced by test/Tools/Inputs/toy_reference.py):
//   present_key[i,l,b,0,:]   = (t, p, l, 1),  present_value = (t, -p, l, 2)
//   for t = input_ids[b,i], p = positions[b,i]; and
//   logits[b,i,v] = TOY_SCALE sin(0.37 v + 0.11 (h mod 97) + 0.05 t)
//                   + cos(0.7 v + 0.5 p)
//   where h = sum of the token ids of the sequence so far: the cached tokens
//   (past_key[j,0,b,0,0] for j < positions[b,0]) plus input_ids[b,0..i].
// It checks the runtime's cache bookkeeping: every valid slot j of row b must
// hold the key/value the model produced for position j (else run fails with
// a message naming the slot), P >= 1 and P >= positions[b,0], and positions
// must be consecutive within a row.
//===----------------------------------------------------------------------===//
#include "qcc-c/model_abi.h"

#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#ifndef TOY_VOCAB
#define TOY_VOCAB 259
#endif
#ifndef TOY_CONTEXT
#define TOY_CONTEXT 64
#endif
#ifndef TOY_SCALE
#define TOY_SCALE 3.0
#endif
#ifndef TOY_ATTR_LAYERS
#define TOY_ATTR_LAYERS 2
#endif
#ifndef TOY_KIND
#define TOY_KIND "causal-lm"
#endif

namespace {
constexpr int64_t L = 2, H = 1, D = 4, V = TOY_VOCAB;

std::string escape(const std::string &s) {
  if (s.empty())
    return "%";
  std::string out;
  const char *ok = "_.:/+,-";
  for (unsigned char c : s) {
    if (std::isalnum(c) || std::strchr(ok, c)) {
      out += static_cast<char>(c);
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

std::string buildMetadata() {
  std::string m = "qcc-model-metadata 1\nsource toy_lm.cpp\n";
  m += "input input_ids i64 2 -1 -1 batch seq\n";
  m += "input positions i64 2 -1 -1 batch seq\n";
  m += "input past_key f32 5 -1 2 -1 1 4 past % batch % %\n";
  m += "input past_value f32 5 -1 2 -1 1 4 past % batch % %\n";
  m += "output logits f32 3 -1 -1 " + std::to_string(V) + " batch seq %\n";
  m += "output present_key f32 5 -1 2 -1 1 4 seq % batch % %\n";
  m += "output present_value f32 5 -1 2 -1 1 4 seq % batch % %\n";
#ifndef TOY_NO_ATTRS
  m += "attr qcc.kind " + escape(TOY_KIND) + "\n";
  m += "attr qcc.arch toy\n";
  m += "attr qcc.num_layers " + std::to_string(TOY_ATTR_LAYERS) + "\n";
  m += "attr qcc.num_kv_heads 1\nattr qcc.head_dim 4\n";
  m += "attr qcc.vocab_size " + std::to_string(V) + "\n";
  m += "attr qcc.context_length " + std::to_string(TOY_CONTEXT) + "\n";
  m += "attr qcc.eos_id 256\n";
#ifdef TOY_TOKENIZER
  m += "attr qcc.tokenizer " + escape(TOY_TOKENIZER) + "\n";
#endif
#endif
  m += "end\n";
  return m;
}

const std::string &metadata() {
  static const std::string m = buildMetadata();
  return m;
}

int32_t fail(char *error, size_t cap, const std::string &msg) {
  std::snprintf(error, cap, "toy: %s", msg.c_str());
  return QCC_STATUS_INVALID_ARGUMENT;
}

int32_t run(const qcc_executor_t *, const qcc_buffer_view_t *in, size_t nin,
            qcc_buffer_view_t *out, size_t nout, char *error, size_t cap) {
  if (nin != 4 || nout != 3)
    return fail(error, cap, "wants 4 inputs and 3 outputs");
  if (in[0].rank != 2 || in[1].rank != 2 || in[2].rank != 5 ||
      in[3].rank != 5 || in[0].element_type != QCC_ELEMENT_TYPE_I64 ||
      in[1].element_type != QCC_ELEMENT_TYPE_I64 ||
      in[2].element_type != QCC_ELEMENT_TYPE_F32 ||
      in[3].element_type != QCC_ELEMENT_TYPE_F32)
    return fail(error, cap, "bad input types or ranks");
  const int64_t B = in[0].shape[0], S = in[0].shape[1], P = in[2].shape[0];
  if (in[1].shape[0] != B || in[1].shape[1] != S || in[2].shape[1] != L ||
      in[2].shape[2] != B || in[2].shape[3] != H || in[2].shape[4] != D ||
      std::memcmp(in[2].shape, in[3].shape, 5 * sizeof(int64_t)))
    return fail(error, cap, "inconsistent input shapes");
  if (P < 1)
    return fail(error, cap, "past_key has P = 0 slots (Contract 5: P >= 1)");
  const auto *ids = static_cast<const int64_t *>(in[0].data);
  const auto *pos = static_cast<const int64_t *>(in[1].data);
  const auto *pk = static_cast<const float *>(in[2].data);
  const auto *pv = static_cast<const float *>(in[3].data);
  auto slot = [&](int64_t j, int64_t l, int64_t b) {
    return ((j * L + l) * B + b) * H * D;
  };
  for (int64_t b = 0; b < B; ++b) {
    int64_t p0 = pos[b * S];
    if (p0 < 0 || p0 > P)
      return fail(error, cap,
                  "sequence " + std::to_string(b) + " starts at position " +
                      std::to_string(p0) + " but only " + std::to_string(P) +
                      " cache slots were passed");
    for (int64_t i = 0; i < S; ++i) {
      if (pos[b * S + i] != p0 + i)
        return fail(error, cap,
                    "positions of sequence " + std::to_string(b) +
                        " are not consecutive");
      if (ids[b * S + i] < 0 || ids[b * S + i] >= V)
        return fail(error, cap, "token id out of range");
    }
    for (int64_t j = 0; j < p0; ++j)
      for (int64_t l = 0; l < L; ++l) {
        const float *k = pk + slot(j, l, b), *v = pv + slot(j, l, b);
        float t = k[0];
        bool ok = t >= 0 && t < V && t == std::floor(t) && k[1] == j &&
                  k[2] == l && k[3] == 1 && v[0] == t && v[1] == -j &&
                  v[2] == l && v[3] == 2;
        if (!ok)
          return fail(error, cap,
                      "cache slot " + std::to_string(j) + " of sequence " +
                          std::to_string(b) + " (layer " + std::to_string(l) +
                          ") holds key (" + std::to_string(k[0]) + ", " +
                          std::to_string(k[1]) +
                          ", ...), not the entry of "
                          "position " +
                          std::to_string(j));
      }
  }
  auto *logits = static_cast<float *>(std::malloc(B * S * V * sizeof(float)));
  size_t presentBytes = S * L * B * H * D * sizeof(float);
  auto *keys =
      static_cast<float *>(std::malloc(presentBytes ? presentBytes : 1));
  auto *values =
      static_cast<float *>(std::malloc(presentBytes ? presentBytes : 1));
  for (int64_t b = 0; b < B; ++b) {
    int64_t p0 = pos[b * S];
    int64_t h = 0;
    for (int64_t j = 0; j < p0; ++j)
      h += static_cast<int64_t>(pk[slot(j, 0, b)]);
    for (int64_t i = 0; i < S; ++i) {
      int64_t t = ids[b * S + i], p = pos[b * S + i];
      h += t;
      float *row = logits + (b * S + i) * V;
      for (int64_t v = 0; v < V; ++v)
        row[v] = static_cast<float>(
            TOY_SCALE * std::sin(0.37 * v + 0.11 * (h % 97) + 0.05 * t) +
            std::cos(0.7 * v + 0.5 * p));
      for (int64_t l = 0; l < L; ++l) {
        float *k = keys + ((i * L + l) * B + b) * H * D;
        float *v = values + ((i * L + l) * B + b) * H * D;
        k[0] = t, k[1] = p, k[2] = l, k[3] = 1;
        v[0] = t, v[1] = -p, v[2] = l, v[3] = 2;
      }
    }
  }
  auto set = [&](qcc_buffer_view_t &o, float *data, int32_t rank,
                 std::initializer_list<int64_t> shape) {
    std::memset(&o, 0, sizeof o);
    o.element_type = QCC_ELEMENT_TYPE_F32;
    o.rank = rank;
    int k = 0;
    for (int64_t d : shape)
      o.shape[k++] = d;
    o.data = o.allocation = data;
  };
  set(out[0], logits, 3, {B, S, V});
  set(out[1], keys, 5, {S, L, B, H, D});
  set(out[2], values, 5, {S, L, B, H, D});
  return QCC_STATUS_OK;
}

qcc_model_api_v1_t makeApi() {
  qcc_model_api_v1_t api;
  api.abi_version = QCC_MODEL_ABI_VERSION;
  api.struct_size = sizeof(api);
  api.metadata = metadata().c_str();
  api.run = run;
  return api;
}
} // namespace

extern "C" __attribute__((visibility("default"))) const void *
qcc_get_api(uint32_t version) {
  static const qcc_model_api_v1_t api = makeApi();
  return version == QCC_MODEL_ABI_VERSION ? &api : nullptr;
}
