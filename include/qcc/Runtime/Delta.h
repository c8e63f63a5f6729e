/*===- Delta.h - run-time weight-delta hooks of a sensitivity build -*- C -*-===*
 *
 * A sensitivity build of a model (qcc --sensitivity=kl) passes the output of
 * every linear layer y = x W^T (+ b) through qcc_rt_linear_delta_f32 (pass
 * qcc-insert-delta-hooks). The hook copies y and, when its id is the layer
 * the driver selected, adds x dW^T: the model then computes the layer with
 * the weight W + dW, e.g. dW = dequant(RTN(W)) - W, so ONE compiled model
 * measures the effect of quantizing any single layer. runtime/sensitivity
 * holds the selection; the model.so exports qcc_delta_api_v1 (found with
 * dlsym). Normal builds contain none of this (the archive member is only
 * linked when the model calls qcc_rt_linear_delta_f32).
 *
 * Thread safety: select/clear must not run concurrently with the model.
 *===----------------------------------------------------------------------===*/
#ifndef QCC_RUNTIME_DELTA_H
#define QCC_RUNTIME_DELTA_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** The functions a sensitivity model.so exports through qcc_delta_api_v1. */
typedef struct qcc_delta_api_v1_t {
  /** Selects hook `id`: from now on its output gets x dW^T added, dW being
   * row-major [n, k] (the caller keeps `dw` alive until the next select or
   * clear). Resets the counters. */
  void (*select)(int64_t id, const float *dw, int64_t n, int64_t k);
  /** No hook adds anything (the float model). Resets the counters. */
  void (*clear)(void);
  /** Calls of the selected hook that added the delta since select. */
  int64_t (*applied)(void);
  /** Calls of the selected hook whose N or K differed from the delta's
   * (nothing was added). */
  int64_t (*mismatched)(void);
} qcc_delta_api_v1_t;

/** Name of the exported symbol: const qcc_delta_api_v1_t *(void). */
#define QCC_DELTA_API_SYMBOL "qcc_delta_api_v1"

/** Called by the generated code: y_out[M, N] = y_in + (id selected ?
 * x[M, K] dW^T : 0); all three row-major and contiguous. */
void qcc_rt_linear_delta_f32(int64_t id, int64_t m, int64_t n, int64_t k, const float *x,
                             const float *y_in, float *y_out);

#ifdef __cplusplus
}
#endif

#endif /* QCC_RUNTIME_DELTA_H */
