/* llm.h - the qcc generation API: causal LMs, KV cache, sampling, streaming. */
/*
 * Built on <qcc-c/runtime.h> and implemented in libqcc_runtime. A causal LM
 * compiled by qcc is a model.so that follows Contract 5 (docs/Design.md,
 * docs/Runtime.md): @main(input_ids i64[B,S], positions i64[B,S],
 * past_key f32[P,L,B,Hkv,D], past_value f32[P,L,B,Hkv,D]) ->
 * (logits f32[B,S,V], present_key f32[S,L,B,Hkv,D], present_value ...) and
 * metadata `attr` records qcc.kind=causal-lm, qcc.num_layers, ....
 *
 * Usage (error handling elided; every function returning qcc_status_t
 * returns NULL on success):
 *
 *   qcc_llm_options_t o;  qcc_llm_options_initialize(&o);
 *   o.context_capacity = 512;
 *   qcc_llm_t *llm;       qcc_llm_open("model.so", &o, &llm);
 *   qcc_llm_sampler_options_t s; qcc_llm_sampler_options_initialize(&s);
 *   qcc_llm_generate_options_t g; qcc_llm_generate_options_initialize(&g);
 *   const char *prompt = "Once upon a time";
 *   qcc_llm_generate(llm, &prompt, 1, &s, &g, on_token, user, NULL);
 *   qcc_llm_free(llm);
 *
 * The runtime owns one KV cache of shape [C, L, B, Hkv, D] per K and V
 * (C = context capacity, B = number of sequences). Sequence b holds
 * qcc_llm_sequence_length(b) tokens; a forward call appends the present
 * keys/values of its real (non-padding) tokens at their positions.
 *
 * Ownership: objects returned through `out_` parameters belong to the caller
 * and are released with the matching _free function. Pointers returned by
 * accessors stay valid until the owning object is freed or, for logits and
 * detokenizer pieces, until the next call that changes them.
 *
 * Thread safety: a qcc_llm_t (its cache and logits) must be used by one thread
 * at a time; the model's parallel loops use the llm's own thread pool. A
 * sampler or detokenizer belongs to one thread at a time.
 */
#ifndef QCC_C_LLM_H
#define QCC_C_LLM_H

#include <stddef.h>
#include <stdint.h>

#include "qcc-c/runtime.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Version of this API; bumped on any incompatible change. */
#define QCC_LLM_API_VERSION 1

/** Padding token for qcc_llm_forward: right padding only, ignored. */
#define QCC_LLM_PAD_TOKEN (-1)

/*===----------------------------------------------------------------------===*/
/* Opening a causal-LM model                                                  */
/*===----------------------------------------------------------------------===*/

/** Options of qcc_llm_open. Initialize with qcc_llm_options_initialize. */
typedef struct qcc_llm_options_t {
  /** Size of the struct, set by the initializer (ABI evolution). */
  size_t struct_size;
  /**
   * KV-cache capacity C in tokens per sequence; 0 uses the model's
   * qcc.context_length, capped at 4096. Larger than qcc.context_length is
   * an error.
   */
  int32_t context_capacity;
  /** Number of sequences B decoded together (>= 1; default 1). */
  int32_t num_sequences;
  /** Threads of the llm's pool (0 = one per CPU, the default). */
  int32_t num_threads;
  /**
   * Tokenizer source: a tokenizer.json or a .gguf holding tokenizer.ggml.*
   * arrays. NULL (default) uses the model's qcc.tokenizer attribute; when
   * that is absent too the llm opens without a tokenizer and the text
   * functions return NOT_FOUND.
   */
  const char *tokenizer_path;
} qcc_llm_options_t;

/** Sets `options` to the defaults. */
QCC_API_EXPORT void qcc_llm_options_initialize(qcc_llm_options_t *options);

/** A causal LM with its KV cache, logits, thread pool and tokenizer. */
typedef struct qcc_llm_s qcc_llm_t;

/**
 * Opens the model.so at `path` and checks that it is a causal LM: metadata
 * attr qcc.kind=causal-lm, the integer attrs qcc.num_layers, qcc.num_kv_heads,
 * qcc.head_dim, qcc.vocab_size, qcc.context_length, and the Contract-5
 * signature (names, element types, ranks, static dims agreeing with the
 * attrs). INCOMPATIBLE with a message naming the file and what is wrong
 * otherwise. Allocates the KV cache (zero-filled) and loads the tokenizer.
 */
QCC_API_EXPORT qcc_status_t qcc_llm_open(const char *path,
                                         const qcc_llm_options_t *options,
                                         qcc_llm_t **out_llm);
/** Frees the llm (model, cache, tokenizer, pool). No-op for NULL. */
QCC_API_EXPORT void qcc_llm_free(qcc_llm_t *llm);

/** Dimensions and special tokens of an opened llm. */
typedef struct qcc_llm_info_t {
  int32_t num_layers;       /**< L */
  int32_t num_kv_heads;     /**< Hkv */
  int32_t head_dim;         /**< D */
  int32_t vocab_size;       /**< V */
  int32_t context_length;   /**< the model's maximum positions */
  int32_t context_capacity; /**< C, the cache capacity chosen at open */
  int32_t num_sequences;    /**< B */
  int32_t bos_id;           /**< -1 when unknown */
  int32_t eos_id;           /**< -1 when unknown */
  int32_t has_tokenizer;    /**< 1 when a tokenizer is loaded */
  int32_t num_threads;      /**< size of the llm's thread pool */
} qcc_llm_info_t;

/** Fills `out_info`. */
QCC_API_EXPORT qcc_status_t qcc_llm_get_info(const qcc_llm_t *llm,
                                             qcc_llm_info_t *out_info);
/**
 * The value of metadata attribute `key` (e.g. "qcc.arch"), NULL when absent.
 * Owned by the llm.
 */
QCC_API_EXPORT const char *qcc_llm_attribute(const qcc_llm_t *llm,
                                             const char *key);

/*===----------------------------------------------------------------------===*/
/* KV cache and forward passes                                                */
/*===----------------------------------------------------------------------===*/

/** Number of tokens cached for `sequence` (-1 when out of range). */
QCC_API_EXPORT int32_t qcc_llm_sequence_length(const qcc_llm_t *llm,
                                               int32_t sequence);
/** Empties `sequence` (-1: every sequence). Cache contents are not cleared. */
QCC_API_EXPORT qcc_status_t qcc_llm_reset(qcc_llm_t *llm, int32_t sequence);

/**
 * Runs the model on `num_tokens` new tokens per sequence: `tokens` holds
 * B x num_tokens ids, row-major (row b for sequence b). A row may end with
 * QCC_LLM_PAD_TOKEN entries (right padding; a row may be all padding): padded
 * tokens are computed but neither cached nor counted. Each sequence's real
 * tokens get positions length(b), length(b)+1, ...; their keys/values are
 * appended to the cache. INVALID_ARGUMENT (nothing changes) when a real token
 * is outside [0, V) or follows a pad, or when a sequence would exceed the
 * context capacity ("context is full"). Logits of this call are available
 * through qcc_llm_logits until the next forward.
 */
QCC_API_EXPORT qcc_status_t qcc_llm_forward(qcc_llm_t *llm,
                                            const int32_t *tokens,
                                            int32_t num_tokens);
/**
 * Prefill of one sequence: runs `count` tokens for `sequence` (every other
 * sequence gets padding). Equivalent to qcc_llm_forward with one real row.
 */
QCC_API_EXPORT qcc_status_t qcc_llm_prefill(qcc_llm_t *llm, int32_t sequence,
                                            const int32_t *tokens,
                                            int32_t count);
/**
 * One decode step: `tokens` holds one id per sequence (B entries;
 * QCC_LLM_PAD_TOKEN leaves a sequence unchanged).
 */
QCC_API_EXPORT qcc_status_t qcc_llm_decode(qcc_llm_t *llm,
                                           const int32_t *tokens);
/**
 * Logits (V floats) of the last forward for `sequence` at token `index` of
 * that call; index -1 means the row's last real token. Owned by the llm,
 * valid until the next forward. NOT_FOUND when there are none.
 */
QCC_API_EXPORT qcc_status_t qcc_llm_logits(const qcc_llm_t *llm,
                                           int32_t sequence, int32_t index,
                                           const float **out_logits);
/**
 * Read-only view of the K (`which` = 0) or V (1) cache, [C, L, B, Hkv, D]
 * f32 row-major, for inspection and tests. Owned by the llm.
 */
QCC_API_EXPORT const float *qcc_llm_cache_data(const qcc_llm_t *llm,
                                               int32_t which);

/*===----------------------------------------------------------------------===*/
/* Tokenizer                                                                  */
/*===----------------------------------------------------------------------===*/

/**
 * Encodes `length` bytes of UTF-8 `text`. `add_special` adds BOS when the
 * tokenizer asks for it. On success `*out_count` is the number of ids; at
 * most `capacity` are written to `ids` (call with capacity 0 to size the
 * buffer; a too small buffer is not an error, check *out_count).
 */
QCC_API_EXPORT qcc_status_t qcc_llm_tokenize(const qcc_llm_t *llm,
                                             const char *text, size_t length,
                                             int32_t add_special, int32_t *ids,
                                             size_t capacity,
                                             size_t *out_count);
/**
 * Decodes ids to bytes (`skip_special` drops control tokens). At most
 * `capacity` bytes are written to `text` (no NUL); `*out_length` is the full
 * length. INVALID_ARGUMENT for an id outside the vocabulary.
 */
QCC_API_EXPORT qcc_status_t qcc_llm_detokenize(const qcc_llm_t *llm,
                                               const int32_t *ids, size_t count,
                                               int32_t skip_special, char *text,
                                               size_t capacity,
                                               size_t *out_length);

/**
 * The tokenizer's chat template (a .gguf's tokenizer.chat_template, Jinja
 * text), NULL when none is known. Owned by the llm. The runtime does not
 * evaluate it; qcc-run --chat recognizes ChatML templates.
 */
QCC_API_EXPORT const char *qcc_llm_chat_template(const qcc_llm_t *llm);

/**
 * Incremental detokenizer: turns a stream of ids into text pieces that never
 * split a UTF-8 character (bytes of an incomplete character are held back
 * until it completes; invalid bytes are released as they are).
 */
typedef struct qcc_llm_detokenizer_s qcc_llm_detokenizer_t;

/** Creates a detokenizer for the llm's tokenizer (NOT_FOUND if it has none). */
QCC_API_EXPORT qcc_status_t
qcc_llm_detokenizer_create(const qcc_llm_t *llm, int32_t skip_special,
                           qcc_llm_detokenizer_t **out_detokenizer);
/**
 * Appends `token`; `*out_piece` / `*out_length` receive the newly complete
 * text (possibly empty), owned by the detokenizer until the next call.
 */
QCC_API_EXPORT qcc_status_t
qcc_llm_detokenizer_push(qcc_llm_detokenizer_t *detokenizer, int32_t token,
                         const char **out_piece, size_t *out_length);
/** Releases the held-back bytes (an incomplete character at the end). */
QCC_API_EXPORT void
qcc_llm_detokenizer_flush(qcc_llm_detokenizer_t *detokenizer,
                          const char **out_piece, size_t *out_length);
/** Frees the detokenizer. No-op for NULL. */
QCC_API_EXPORT void
qcc_llm_detokenizer_free(qcc_llm_detokenizer_t *detokenizer);

/*===----------------------------------------------------------------------===*/
/* Sampling                                                                   */
/*===----------------------------------------------------------------------===*/

/**
 * Sampler options. Order of application: repetition penalty, then greedy
 * (temperature <= 0: argmax, lowest id on ties), else logits / temperature,
 * top-k, softmax, top-p (smallest set of most probable tokens whose mass
 * reaches top_p), renormalize, draw with the seeded RNG.
 */
typedef struct qcc_llm_sampler_options_t {
  size_t struct_size;
  float temperature;        /**< <= 0: greedy (default 0.8) */
  int32_t top_k;            /**< 0: off (default 40) */
  float top_p;              /**< >= 1: off (default 0.95) */
  float repetition_penalty; /**< 1: off (default); > 1 penalizes history */
  /** The last N history tokens are penalized (default 64). */
  int32_t repetition_window;
  uint64_t seed; /**< RNG seed (default 0): same seed, same draws */
} qcc_llm_sampler_options_t;

/** Sets `options` to the defaults above. */
QCC_API_EXPORT void
qcc_llm_sampler_options_initialize(qcc_llm_sampler_options_t *options);

/** A sampler: options and a seeded RNG (xoshiro-style, portable). */
typedef struct qcc_llm_sampler_s qcc_llm_sampler_t;

/** Creates a sampler; `options` may be NULL for the defaults. */
QCC_API_EXPORT qcc_status_t qcc_llm_sampler_create(
    const qcc_llm_sampler_options_t *options, qcc_llm_sampler_t **out_sampler);
/**
 * Picks a token from `vocab_size` logits. `history` (may be NULL) holds the
 * tokens seen so far for the repetition penalty. Deterministic for a seed and
 * a sequence of calls.
 */
QCC_API_EXPORT qcc_status_t qcc_llm_sampler_sample(
    qcc_llm_sampler_t *sampler, const float *logits, int32_t vocab_size,
    const int32_t *history, size_t history_length, int32_t *out_token);
/** Frees the sampler. No-op for NULL. */
QCC_API_EXPORT void qcc_llm_sampler_free(qcc_llm_sampler_t *sampler);

/*===----------------------------------------------------------------------===*/
/* Generation                                                                 */
/*===----------------------------------------------------------------------===*/

/**
 * Streaming callback: sequence `sequence` produced `token`, whose newly
 * complete text is `piece` (`length` bytes, not NUL-terminated, possibly
 * empty). Return non-zero to stop that sequence.
 */
typedef int32_t (*qcc_llm_stream_fn)(void *user, int32_t sequence,
                                     int32_t token, const char *piece,
                                     size_t length);

/** Generation options. Initialize with qcc_llm_generate_options_initialize. */
typedef struct qcc_llm_generate_options_t {
  size_t struct_size;
  int32_t max_tokens;   /**< new tokens per sequence (default 128) */
  int32_t stop_at_eos;  /**< stop a sequence at the EOS id (default 1) */
  int32_t add_special;  /**< tokenize prompts with BOS if asked (default 1) */
  int32_t skip_special; /**< leave special tokens out of pieces (default 0) */
} qcc_llm_generate_options_t;

/** Sets `options` to the defaults above. */
QCC_API_EXPORT void
qcc_llm_generate_options_initialize(qcc_llm_generate_options_t *options);

/** Token counts and times of one qcc_llm_generate call. */
typedef struct qcc_llm_generate_stats_t {
  int64_t prompt_tokens;    /**< real tokens of all prompts */
  double prefill_seconds;   /**< time of the prefill forward */
  int64_t generated_tokens; /**< tokens sampled (all rows) */
  int64_t decode_tokens;    /**< real tokens fed to decode steps (all rows) */
  int32_t decode_steps;     /**< decode forwards run */
  double decode_seconds;    /**< time of the decode forwards */
} qcc_llm_generate_stats_t;

/**
 * Resets every sequence, prefills prompt i into sequence i (num_prompts <= B;
 * the other sequences stay idle), then samples and decodes until each
 * sequence has max_tokens new tokens, produced EOS (when stop_at_eos; the EOS
 * token is still reported), hit the context capacity, or its callback
 * returned non-zero. Sequence i samples with seed options->seed + i. When a
 * sequence ends with bytes of an incomplete UTF-8 character held back, the
 * callback receives them with token QCC_LLM_PAD_TOKEN.
 * `stream` may be NULL; `out_stats` may be NULL.
 */
QCC_API_EXPORT qcc_status_t qcc_llm_generate(
    qcc_llm_t *llm, const char *const *prompts, int32_t num_prompts,
    const qcc_llm_sampler_options_t *sampler_options,
    const qcc_llm_generate_options_t *options, qcc_llm_stream_fn stream,
    void *user, qcc_llm_generate_stats_t *out_stats);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* QCC_C_LLM_H */
