/*===- Observe.h - calibration observers inside a model.so --------*- C -*-===*
 *
 * A calibration build of a model (qcc --calib) calls qcc_rt_observe_f32 on
 * the input of every linear layer (qcc.observe, lowered by
 * qcc-lower-observers). runtime/observe accumulates, per observer id:
 * per-channel absmax, sum |x|, sum x, the row count, X^T X (f64, K x K),
 * the 99.9th percentile of |x| per channel and a seeded reservoir sample of
 * rows. The model.so then exports one extra symbol, qcc_observer_api_v1,
 * that the driver finds with dlsym; normal builds contain none of this (the
 * archive member is only linked when the model calls qcc_rt_observe_f32).
 *
 * Thread safety: each observer has its own mutex; the call happens on the
 * thread running the model, X^T X is split over qcc_rt_parallel_for.
 *===----------------------------------------------------------------------===*/
#ifndef QCC_RUNTIME_OBSERVE_H
#define QCC_RUNTIME_OBSERVE_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Settings of the next calibration run (every observer is reset). */
typedef struct qcc_observer_config_v1_t {
  /** Rows each observer is expected to see: sizes the per-channel top-value
   * buffers that make the 99.9th percentile exact up to this many rows. */
  int64_t expected_rows;
  /** Rows kept by reservoir sampling (0: none). */
  int64_t sample_rows;
  /** Seed of the reservoir sampling. */
  uint64_t seed;
  /** 0: skip X^T X (K^2 per row). */
  int32_t with_xtx;
} qcc_observer_config_v1_t;

/** What one observer accumulated; pointers stay valid until the next
 * configure call or the unloading of the model.so. */
typedef struct qcc_observer_stats_v1_t {
  int64_t channels;        /**< K */
  int64_t rows;            /**< rows accumulated */
  int64_t calls;           /**< qcc_rt_observe_f32 calls */
  const float *absmax;     /**< [K] max |x_j| */
  const double *sum_abs;   /**< [K] sum |x_j| */
  const double *sum;       /**< [K] sum x_j */
  const double *xtx;       /**< [K*K] sum over rows of x^T x (NULL without) */
  const float *p999;       /**< [K] 99.9th percentile of |x_j| (nearest rank) */
  int32_t p999_exact;      /**< 1 when rows <= expected_rows */
  int64_t sample_rows;     /**< rows in samples (min(rows, sample_rows)) */
  const float *samples;    /**< [sample_rows, K] */
  double seconds;          /**< time spent accumulating */
} qcc_observer_stats_v1_t;

/** The functions a calibration model.so exports through qcc_observer_api_v1. */
typedef struct qcc_observer_api_v1_t {
  /** Resets every observer and applies `config`. */
  void (*configure)(const qcc_observer_config_v1_t *config);
  /** 1 + the largest observer id seen (0 when none ran). */
  int64_t (*count)(void);
  /** Finalizes and returns observer `id`; 0 on success, 1 if it never ran. */
  int32_t (*stats)(int64_t id, qcc_observer_stats_v1_t *out);
} qcc_observer_api_v1_t;

/** Name of the exported symbol: const qcc_observer_api_v1_t *(void). */
#define QCC_OBSERVER_API_SYMBOL "qcc_observer_api_v1"

/** Called by the generated code: x is an f32 memref [rows, cols] passed as
 * its descriptor (allocated, aligned, offset, sizes, strides). */
void qcc_rt_observe_f32(int64_t id, float *allocated, float *aligned, int64_t offset,
                        int64_t rows, int64_t cols, int64_t row_stride, int64_t col_stride);

#ifdef __cplusplus
}
#endif

#endif /* QCC_RUNTIME_OBSERVE_H */
