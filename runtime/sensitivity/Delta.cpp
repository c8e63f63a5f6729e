//===- Delta.cpp - qcc_rt_linear_delta_f32 and the qcc_delta_api_v1 export -===//
//
// The weight-delta hooks of a sensitivity model.so (include/qcc/Runtime/
// Delta.h): one global selection (id, dW); the selected hook adds x dW^T
// with qcc_rt_sgemm (accumulate), every other hook only copies y.
//===----------------------------------------------------------------------===//
#include "qcc/Runtime/Delta.h"
#include "qcc/Runtime/Kernels.h"

#include <atomic>
#include <cstring>

namespace {

struct Selection {
  int64_t id = -1; ///< -1: none
  const float *dw = nullptr;
  int64_t n = 0, k = 0;
  std::atomic<int64_t> applied{0}, mismatched{0};
};

Selection &selection() {
  static Selection s;
  return s;
}

void select(int64_t id, const float *dw, int64_t n, int64_t k) {
  Selection &s = selection();
  s.id = dw ? id : -1;
  s.dw = dw;
  s.n = n;
  s.k = k;
  s.applied = 0;
  s.mismatched = 0;
}

void clear() { select(-1, nullptr, 0, 0); }

int64_t applied() { return selection().applied.load(); }
int64_t mismatched() { return selection().mismatched.load(); }

const qcc_delta_api_v1_t kApi = {select, clear, applied, mismatched};

} // namespace

extern "C" void qcc_rt_linear_delta_f32(int64_t id, int64_t m, int64_t n, int64_t k,
                                        const float *x, const float *y_in, float *y_out) {
  if (m <= 0 || n <= 0)
    return;
  if (y_out != y_in)
    std::memcpy(y_out, y_in, static_cast<size_t>(m * n) * sizeof(float));
  Selection &s = selection();
  if (id != s.id || !s.dw)
    return;
  if (n != s.n || k != s.k) {
    ++s.mismatched;
    return;
  }
  // y_out[M, N] += x[M, K] * dW[N, K]^T.
  qcc_rt_sgemm(QCC_GEMM_ACCUMULATE, 1, m, n, k, x, 0, 0, k, 1, s.dw, 0, 0, 1, k, y_out, 0, 0, n,
               1, nullptr, 0, 0);
  ++s.applied;
}

/// The one extra export of a sensitivity model.so (found with dlsym).
extern "C" __attribute__((visibility("default"))) const qcc_delta_api_v1_t *
qcc_delta_api_v1(void) {
  return &kApi;
}
