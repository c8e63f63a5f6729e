/* runtime.h - the qcc runtime C API: open compiled models (model.so), create tensors, run. */
/*
 * Usage (error handling elided; every function returns a qcc_status_t that is
 * NULL on success and must be freed with qcc_status_free otherwise):
 *
 *   qcc_model_t *model;       qcc_model_open("model.so", NULL, &model);
 *   qcc_context_options_t o;  qcc_context_options_initialize(&o); o.num_threads = 4;
 *   qcc_context_t *ctx;       qcc_context_create(&o, &ctx);
 *   int64_t shape[2] = {1, 4};
 *   qcc_tensor_t *x;          qcc_tensor_wrap(QCC_ELEMENT_TYPE_F32, 2, shape, buf,
 *                                             sizeof(buf), &x);
 *   qcc_tensor_t *y = NULL;   qcc_model_run(model, ctx, &x, 1, &y, 1);
 *   const float *out = (const float *)qcc_tensor_data(y);
 *   qcc_tensor_free(y); qcc_tensor_free(x); qcc_context_free(ctx); qcc_model_free(model);
 *
 * Ownership: every object returned through an `out_` parameter is owned by the
 * caller and released with the matching qcc_<object>_free function. Strings and
 * arrays returned by accessors are owned by the object they come from and stay
 * valid until that object is freed.
 *
 * Thread safety: a qcc_model_t is immutable after qcc_model_open and may be run
 * from any number of threads at once. A qcc_context_t (thread pool) may be shared
 * by concurrent runs. A qcc_tensor_t may be read concurrently; it must not be
 * freed while a run uses it. Statuses are not shared between threads.
 *
 * No function of this API aborts the process on bad input: it returns a status.
 */
#ifndef QCC_C_RUNTIME_H
#define QCC_C_RUNTIME_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Version of this API; bumped on any incompatible change. */
#define QCC_API_VERSION 1

#if defined(_WIN32)
#define QCC_API_EXPORT __declspec(dllexport)
#else
#define QCC_API_EXPORT __attribute__((visibility("default")))
#endif

/*===----------------------------------------------------------------------===*/
/* Status                                                                     */
/*===----------------------------------------------------------------------===*/

/** Canonical status codes (values are stable). */
typedef enum qcc_status_code_e {
  QCC_STATUS_OK = 0,
  QCC_STATUS_INVALID_ARGUMENT = 1, /**< wrong count, dtype, shape, null pointer */
  QCC_STATUS_NOT_FOUND = 2,        /**< missing file or symbol */
  QCC_STATUS_OUT_OF_MEMORY = 3,
  QCC_STATUS_INCOMPATIBLE = 4,     /**< ABI / metadata version mismatch */
  QCC_STATUS_INTERNAL = 5,         /**< bug or corrupted model */
  QCC_STATUS_UNAVAILABLE = 6,      /**< resource (threads, dlopen) unavailable */
} qcc_status_code_t;

/** An error status; NULL means success. Owned by the caller. */
typedef struct qcc_status_s *qcc_status_t;

/** The code of `status` (QCC_STATUS_OK for NULL). */
QCC_API_EXPORT qcc_status_code_t qcc_status_code(qcc_status_t status);
/** The human-readable message of `status` ("" for NULL); owned by `status`. */
QCC_API_EXPORT const char *qcc_status_message(qcc_status_t status);
/** The name of a status code ("OK", "INVALID_ARGUMENT", ...). */
QCC_API_EXPORT const char *qcc_status_code_name(qcc_status_code_t code);
/** Frees `status` (no-op for NULL). */
QCC_API_EXPORT void qcc_status_free(qcc_status_t status);

/*===----------------------------------------------------------------------===*/
/* Element types                                                              */
/*===----------------------------------------------------------------------===*/

/** Element types of tensors (values are stable and used in the model ABI). */
typedef enum qcc_element_type_e {
  QCC_ELEMENT_TYPE_INVALID = 0,
  QCC_ELEMENT_TYPE_F32 = 1,
  QCC_ELEMENT_TYPE_F64 = 2,
  QCC_ELEMENT_TYPE_F16 = 3,
  QCC_ELEMENT_TYPE_BF16 = 4,
  QCC_ELEMENT_TYPE_I8 = 5,
  QCC_ELEMENT_TYPE_I16 = 6,
  QCC_ELEMENT_TYPE_I32 = 7,
  QCC_ELEMENT_TYPE_I64 = 8,
  QCC_ELEMENT_TYPE_U8 = 9,
  QCC_ELEMENT_TYPE_U16 = 10,
  QCC_ELEMENT_TYPE_U32 = 11,
  QCC_ELEMENT_TYPE_U64 = 12,
  QCC_ELEMENT_TYPE_BOOL = 13, /**< one byte per element, 0 or 1 */
} qcc_element_type_t;

/** Size in bytes of one element (0 for INVALID or unknown values). */
QCC_API_EXPORT size_t qcc_element_type_size(qcc_element_type_t type);
/** Short name of an element type ("f32", "i64", "bool", ...). */
QCC_API_EXPORT const char *qcc_element_type_name(qcc_element_type_t type);
/** Parses a short name; returns QCC_ELEMENT_TYPE_INVALID when unknown. */
QCC_API_EXPORT qcc_element_type_t qcc_element_type_parse(const char *name);

/** Maximum tensor rank supported by the runtime. */
#define QCC_MAX_RANK 16

/*===----------------------------------------------------------------------===*/
/* Tensors                                                                    */
/*===----------------------------------------------------------------------===*/

/** A dense row-major tensor: element type, shape and a data buffer. */
typedef struct qcc_tensor_s qcc_tensor_t;

/** Creates a zero-filled tensor owning a 64-byte-aligned buffer. */
QCC_API_EXPORT qcc_status_t qcc_tensor_create(qcc_element_type_t type,
                                              int32_t rank,
                                              const int64_t *shape,
                                              qcc_tensor_t **out_tensor);
/**
 * Wraps a caller-owned buffer of `byte_size` bytes without copying. The buffer
 * must outlive the tensor and hold at least product(shape) elements.
 */
QCC_API_EXPORT qcc_status_t qcc_tensor_wrap(qcc_element_type_t type,
                                            int32_t rank, const int64_t *shape,
                                            void *data, size_t byte_size,
                                            qcc_tensor_t **out_tensor);
/** Frees the tensor (and its buffer when owned). No-op for NULL. */
QCC_API_EXPORT void qcc_tensor_free(qcc_tensor_t *tensor);
/** The element type of `tensor`. */
QCC_API_EXPORT qcc_element_type_t qcc_tensor_element_type(const qcc_tensor_t *tensor);
/** The rank of `tensor`. */
QCC_API_EXPORT int32_t qcc_tensor_rank(const qcc_tensor_t *tensor);
/** The shape of `tensor` (rank entries; owned by the tensor). */
QCC_API_EXPORT const int64_t *qcc_tensor_shape(const qcc_tensor_t *tensor);
/** The number of elements of `tensor`. */
QCC_API_EXPORT int64_t qcc_tensor_element_count(const qcc_tensor_t *tensor);
/** The size in bytes of the data of `tensor`. */
QCC_API_EXPORT size_t qcc_tensor_byte_size(const qcc_tensor_t *tensor);
/** The data of `tensor` (row-major, contiguous). */
QCC_API_EXPORT void *qcc_tensor_data(const qcc_tensor_t *tensor);

/*===----------------------------------------------------------------------===*/
/* Contexts (thread pools)                                                    */
/*===----------------------------------------------------------------------===*/

/** Options of qcc_context_create. Initialize with qcc_context_options_initialize. */
typedef struct qcc_context_options_t {
  /** Size of the struct, set by the initializer (ABI evolution). */
  size_t struct_size;
  /**
   * Number of threads that execute parallel loops, including the calling
   * thread: 1 runs everything on the caller; 0 uses the number of CPUs.
   */
  int32_t num_threads;
} qcc_context_options_t;

/** Sets `options` to the defaults (num_threads = 0: one per CPU). */
QCC_API_EXPORT void qcc_context_options_initialize(qcc_context_options_t *options);

/** Execution context: owns a thread pool used by the parallel loops of runs. */
typedef struct qcc_context_s qcc_context_t;

/** Creates a context; `options` may be NULL for the defaults. */
QCC_API_EXPORT qcc_status_t qcc_context_create(const qcc_context_options_t *options,
                                               qcc_context_t **out_context);
/** The number of threads of `context` (including the caller). */
QCC_API_EXPORT int32_t qcc_context_num_threads(const qcc_context_t *context);
/** Stops the pool's threads and frees the context. No run may be in flight. */
QCC_API_EXPORT void qcc_context_free(qcc_context_t *context);

/*===----------------------------------------------------------------------===*/
/* Models                                                                     */
/*===----------------------------------------------------------------------===*/

/** Options of qcc_model_open. Initialize with qcc_model_options_initialize. */
typedef struct qcc_model_options_t {
  /** Size of the struct, set by the initializer (ABI evolution). */
  size_t struct_size;
  /** Reserved flags; must be 0. */
  uint32_t flags;
} qcc_model_options_t;

/** Sets `options` to the defaults. */
QCC_API_EXPORT void qcc_model_options_initialize(qcc_model_options_t *options);

/** A compiled model loaded from a model.so. */
typedef struct qcc_model_s qcc_model_t;

/** Description of one input or output of a model; owned by the model. */
typedef struct qcc_value_info_t {
  /** The ONNX value name. */
  const char *name;
  qcc_element_type_t element_type;
  int32_t rank;
  /** `rank` dimensions; -1 marks a dynamic dimension. */
  const int64_t *dims;
  /** `rank` symbolic dimension names ("" when static or unnamed). */
  const char *const *dim_names;
} qcc_value_info_t;

/**
 * Loads the compiled model at `path` (dlopen with RTLD_LOCAL | RTLD_NOW) and
 * parses its metadata. `options` may be NULL. Several models (even several
 * copies of the same file) can be open in one process.
 */
QCC_API_EXPORT qcc_status_t qcc_model_open(const char *path,
                                           const qcc_model_options_t *options,
                                           qcc_model_t **out_model);
/** Unloads the model. No run may be in flight. No-op for NULL. */
QCC_API_EXPORT void qcc_model_free(qcc_model_t *model);
/** Number of inputs of `model`. */
QCC_API_EXPORT size_t qcc_model_input_count(const qcc_model_t *model);
/** Number of outputs of `model`. */
QCC_API_EXPORT size_t qcc_model_output_count(const qcc_model_t *model);
/** Describes input `index` of `model` (INVALID_ARGUMENT when out of range). */
QCC_API_EXPORT qcc_status_t qcc_model_input_info(const qcc_model_t *model,
                                                 size_t index,
                                                 qcc_value_info_t *out_info);
/** Describes output `index` of `model` (INVALID_ARGUMENT when out of range). */
QCC_API_EXPORT qcc_status_t qcc_model_output_info(const qcc_model_t *model,
                                                  size_t index,
                                                  qcc_value_info_t *out_info);
/** Index of the input called `name`, or -1. */
QCC_API_EXPORT int64_t qcc_model_find_input(const qcc_model_t *model,
                                            const char *name);

/**
 * Runs `model` once. `inputs` holds `num_inputs` tensors in model order; their
 * count, element types and shapes are checked against the model (INVALID_ARGUMENT
 * with a message naming the input on mismatch; dynamic dimensions bound to the
 * same symbolic name must agree). On success `outputs[i]` (num_outputs entries,
 * which must equal the model's output count) receives a new tensor owned by the
 * caller. `context` supplies the thread pool; NULL runs serially on the caller.
 * On failure no output is written.
 */
QCC_API_EXPORT qcc_status_t qcc_model_run(const qcc_model_t *model,
                                          qcc_context_t *context,
                                          qcc_tensor_t *const *inputs,
                                          size_t num_inputs,
                                          qcc_tensor_t **outputs,
                                          size_t num_outputs);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* QCC_C_RUNTIME_H */
