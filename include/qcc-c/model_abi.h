/* model_abi.h - the versioned binary interface that every qcc-compiled model.so exports. */
/*
 * A model.so exports exactly two symbols:
 *
 *   const void *qcc_get_api(uint32_t version);   returns a qcc_model_api_v1_t* for
 *                                                version QCC_MODEL_ABI_VERSION,
 *                                                NULL for an unknown version;
 *   const char qcc_model_metadata_v1[];          the model metadata text (below).
 *
 * Everything else in model.so (generated code, the embedded runtime glue, its
 * thread-local state) has hidden visibility, so any number of models can be
 * dlopen'ed (RTLD_LOCAL) into one process without symbol clashes. Applications
 * normally use the higher-level API of <qcc-c/runtime.h> (libqcc_runtime),
 * which is built on this interface; it is public so that a program can also
 * drive a model.so with nothing but dlopen/dlsym.
 *
 * Metadata text (Contract 4), one record per line, tokens separated by one
 * space; names are escaped: bytes outside [A-Za-z0-9_.:/+,-] become %XX (hex)
 * and the empty string is written as a lone "%":
 *
 *   qcc-model-metadata 1
 *   source <escaped source path>
 *   target <escaped CPU name> <escaped LLVM feature string>   (optional)
 *   input <name> <element type> <rank> <dim>... <dim name>...
 *   output <name> <element type> <rank> <dim>... <dim name>...
 *   attr <escaped key> <escaped value>                        (zero or more)
 *   end
 *
 * `<element type>` is a qcc_element_type_name ("f32", "i64", "bool", ...),
 * `<dim>` is a non-negative integer or -1 for a dynamic dimension, `<dim name>`
 * its symbolic name ("%" when none). `attr` records carry the string
 * entries of @main's `qcc.model_attrs` dictionary in key order (Contract 5:
 * qcc.kind, qcc.arch, qcc.num_layers, ..., qcc.tokenizer). Unknown records are skipped. The runtime
 * refuses to run a model whose `target` record enables x86 features the host
 * CPU lacks (QCC_STATUS_UNAVAILABLE instead of an illegal instruction). Inputs and outputs appear in the order of
 * the compiled function's arguments and results.
 */
#ifndef QCC_C_MODEL_ABI_H
#define QCC_C_MODEL_ABI_H

#include <stddef.h>
#include <stdint.h>

#include "qcc-c/runtime.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Version of qcc_model_api_v1_t understood by this header. */
#define QCC_MODEL_ABI_VERSION 1

/** Name of the exported function returning the API table. */
#define QCC_MODEL_GET_API_SYMBOL "qcc_get_api"
/** Name of the exported metadata text. */
#define QCC_MODEL_METADATA_SYMBOL "qcc_model_metadata_v1"

/** Body of a parallel loop: runs iterations [lo, hi) with the captured `ctx`. */
typedef void (*qcc_parallel_body_fn)(int64_t lo, int64_t hi, void *ctx);

/**
 * A parallel executor provided by the caller of `run` (normally a qcc_context_t
 * thread pool). `parallel_for` must run body over a partition of [lb, ub) and
 * return when every chunk is done; it may be called concurrently from several
 * runs and from inside a body (it must then not deadlock).
 */
typedef struct qcc_executor_t {
  void *self;
  void (*parallel_for)(void *self, int64_t lb, int64_t ub,
                       qcc_parallel_body_fn body, void *ctx);
} qcc_executor_t;

/** A dense row-major buffer passed to or returned from `run`. */
typedef struct qcc_buffer_view_t {
  int32_t element_type; /**< a qcc_element_type_t */
  int32_t rank;
  int64_t shape[QCC_MAX_RANK];
  /** Inputs: contiguous data (read only). Outputs: contiguous result data. */
  void *data;
  /** Outputs: the block to release with free(); the caller owns it. */
  void *allocation;
} qcc_buffer_view_t;

/** The table returned by qcc_get_api(QCC_MODEL_ABI_VERSION). */
typedef struct qcc_model_api_v1_t {
  uint32_t abi_version; /**< QCC_MODEL_ABI_VERSION */
  uint32_t struct_size; /**< sizeof(qcc_model_api_v1_t) */
  /** The metadata text (same as qcc_model_metadata_v1). */
  const char *metadata;
  /**
   * Validates the inputs against the metadata, then runs the model with
   * `executor` (NULL: serial) as the pool of qcc_rt_parallel_for. Returns a
   * qcc_status_code_t; on error writes a NUL-terminated message of at most
   * `error_capacity` bytes to `error` and leaves `outputs` untouched. Thread
   * safe: the compiled code keeps no mutable global state.
   */
  int32_t (*run)(const qcc_executor_t *executor, const qcc_buffer_view_t *inputs,
                 size_t num_inputs, qcc_buffer_view_t *outputs,
                 size_t num_outputs, char *error, size_t error_capacity);
} qcc_model_api_v1_t;

/** Type of the exported qcc_get_api function. */
typedef const void *(*qcc_get_api_fn)(uint32_t version);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* QCC_C_MODEL_ABI_H */
