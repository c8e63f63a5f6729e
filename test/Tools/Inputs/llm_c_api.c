/* llm_c_api.c - drives include/qcc-c/llm.h from C99 for test/Tools/c-api.test. */
/*
 * Usage: llm_c_api MODEL.so. Opens the model with 2 sequences, round-trips text
 * through tokenize/detokenize, streams "h\xC3\xA9!" token by token through the
 * detokenizer (the 2-byte character must arrive whole), and generates from two
 * prompts with a callback that stops sequence 0 after 3 tokens.
 */
#include "qcc-c/llm.h"

#include <stdio.h>
#include <string.h>

static int check(qcc_status_t st, const char *what) {
  if (!st)
    return 0;
  printf("FAIL %s: %s\n", what, qcc_status_message(st));
  qcc_status_free(st);
  return 1;
}

static int counts[2];

static int32_t on_token(void *user, int32_t seq, int32_t token,
                        const char *piece, size_t length) {
  (void)user;
  (void)piece;
  (void)length;
  if (token >= 0)
    ++counts[seq];
  return seq == 0 && counts[0] == 3; /* stop sequence 0 after 3 tokens */
}

int main(int argc, char **argv) {
  qcc_llm_options_t o;
  qcc_llm_t *llm = NULL;
  qcc_llm_info_t info;
  int32_t ids[64];
  size_t n = 0, len = 0;
  char text[64];
  const char *prompts[2] = {"Hi", "Hello there"};
  qcc_llm_sampler_options_t so;
  qcc_llm_generate_options_t go;
  qcc_llm_generate_stats_t stats;
  qcc_llm_detokenizer_t *d = NULL;
  const char *piece;
  size_t plen, i;

  if (argc != 2)
    return 2;
  qcc_llm_options_initialize(&o);
  o.num_sequences = 2;
  o.context_capacity = 32;
  if (check(qcc_llm_open(argv[1], &o, &llm), "open") ||
      check(qcc_llm_get_info(llm, &info), "info"))
    return 1;
  printf("vocab %d layers %d sequences %d capacity %d tokenizer %d\n",
         info.vocab_size, info.num_layers, info.num_sequences,
         info.context_capacity, info.has_tokenizer);

  if (check(qcc_llm_tokenize(llm, "h\xC3\xA9!", 4, 1, ids, 64, &n), "tokenize") ||
      check(qcc_llm_detokenize(llm, ids, n, 0, text, sizeof text, &len),
            "detokenize"))
    return 1;
  printf("tokens %zu round trip %s\n", n,
         len == 4 && memcmp(text, "h\xC3\xA9!", 4) == 0 ? "ok" : "BAD");

  if (check(qcc_llm_detokenizer_create(llm, 0, &d), "detokenizer"))
    return 1;
  for (i = 0; i < n; ++i) {
    if (check(qcc_llm_detokenizer_push(d, ids[i], &piece, &plen), "push"))
      return 1;
    printf("piece %zu: %zu bytes\n", i, plen);
  }
  qcc_llm_detokenizer_flush(d, &piece, &plen);
  printf("flush: %zu bytes\n", plen);
  qcc_llm_detokenizer_free(d);

  qcc_llm_sampler_options_initialize(&so);
  so.temperature = 0;
  qcc_llm_generate_options_initialize(&go);
  go.max_tokens = 6;
  if (check(qcc_llm_generate(llm, prompts, 2, &so, &go, on_token, NULL, &stats),
            "generate"))
    return 1;
  printf("generated %d and %d tokens; lengths %d and %d; prompt tokens %lld\n",
         counts[0], counts[1], qcc_llm_sequence_length(llm, 0),
         qcc_llm_sequence_length(llm, 1), (long long)stats.prompt_tokens);
  qcc_llm_free(llm);
  return 0;
}
