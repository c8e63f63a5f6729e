//===- QGemm.cpp - qcc_rt_qgemm: validation, dispatch, portable kernel ----===//
//
// C = A * dequant(W)^T for the packed blobs of QPack.cpp. This file checks
// the call, quantizes A per row for INT8_W8A8 (symmetric int8) and
// INT8_W8A8_AZP (uint8 with a zero point; both held as exact int16 values,
// Layout::azp tells them apart, the weights and kernels are shared), and
// dispatches:
//
//   AVX2+FMA+F16C, M <= 4, group, K % 32 == 0 -> qgemvRowsAvx2 (QGemmAvx2.cpp),
//     (F16 / BF16: any K)                      parallel over blocks of rows
//   AVX2+FMA+F16C, M > 4, INT8_W8A8         -> qgemmW8A8IntAvx2 (int8 x int8,
//                                              QGemmW8A8Avx2.cpp) when groups
//                                              split K at even k
//   AVX2+FMA+F16C, M > 4                    -> qgemmAvx2 (dequantized
//                                              W panels x 6x16 micro-kernel)
//   otherwise                               -> qgemmRowsPortable (below)
//
// A blob whose header does not match the scheme is a compiler bug: C is
// filled with NaN and the failure is reported through qcc_rt_check_failed
// when the model runtime provides it (model.so), else on stderr.
//
//===----------------------------------------------------------------------===//
#include "qcc/Runtime/QKernels.h"

#include "QGemmKernels.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <limits>
#include <vector>

extern "C" void qcc_rt_parallel_for(int64_t lb, int64_t ub,
                                    void (*body)(int64_t, int64_t, void *),
                                    void *ctx);
/// Defined by ModelRuntime.cpp in model.so; absent in other links.
extern "C" __attribute__((weak)) void
qcc_rt_check_failed(const char *message, int64_t actual, int64_t expected);

namespace qcc::rt::q {

namespace {

std::atomic<bool> forcePortable{false};

/// A thread-local growable float buffer (for one dequantized row).
std::vector<float> &rowScratch() {
  thread_local std::vector<float> buf;
  return buf;
}

void portableBody(int64_t lo, int64_t hi, void *ctx) {
  const QProblem &p = *static_cast<const QProblem *>(ctx);
  for (int64_t t = lo; t < hi; ++t) {
    int64_t n0 = t * p.rowsPerTask;
    int64_t n1 = n0 + p.rowsPerTask < p.l.N ? n0 + p.rowsPerTask : p.l.N;
    qgemmRowsPortable(p, n0, n1);
  }
}

void gemvAvx2Body(int64_t lo, int64_t hi, void *ctx) {
  const QProblem &p = *static_cast<const QProblem *>(ctx);
  for (int64_t t = lo; t < hi; ++t) {
    int64_t n0 = t * p.rowsPerTask;
    int64_t n1 = n0 + p.rowsPerTask < p.l.N ? n0 + p.rowsPerTask : p.l.N;
    qgemvRowsAvx2(p, n0, n1);
  }
}

/// Reports a bad call and makes C visibly wrong (NaN).
void failCall(const char *what, int64_t M, int64_t N, float *c, int64_t ldc) {
  if (qcc_rt_check_failed)
    qcc_rt_check_failed(what, 0, 1);
  else
    std::fprintf(stderr, "%s\n", what);
  if (!c || ldc < N)
    return;
  for (int64_t m = 0; m < M; ++m)
    for (int64_t n = 0; n < N; ++n)
      c[m * ldc + n] = std::numeric_limits<float>::quiet_NaN();
}

} // namespace

void qgemmRowsPortable(const QProblem &p, int64_t n0, int64_t n1) {
  const Layout &l = p.l;
  std::vector<float> &w = rowScratch();
  if (int64_t(w.size()) < l.K)
    w.resize(l.K);
  bool w8a8 = l.format == QCC_QF_INT8_W8A8;
  for (int64_t n = n0; n < n1; ++n) {
    const uint8_t *row = p.rows + n * l.rowBytes;
    dequantRowPortable(l, row, 0, l.K, w.data());
    for (int64_t m = 0; m < p.M; ++m) {
      float acc = 0.0f;
      if (w8a8) {
        const int16_t *qa = p.aq16 + m * l.kPad;
        if (p.aGroups == 1) {
          for (int64_t k = 0; k < l.K; ++k)
            acc += float(qa[k]) * w[k];
          acc *= p.aScale[m];
        } else {
          for (int64_t k = 0; k < l.K; ++k)
            acc += float(qa[k]) * p.aScale[m * p.aGroups + k / l.group] * w[k];
        }
      } else {
        const float *a = p.a + m * p.lda;
        for (int64_t k = 0; k < l.K; ++k)
          acc += a[k] * w[k];
      }
      storeOut(p.c + m * p.ldc + n, acc, p.accumulate,
               p.bias ? p.bias + n : nullptr, p.relu);
    }
  }
}

int32_t qgemmIsa() {
  static const bool avx2 = hostHasAvx2Fma16();
  return avx2 && !forcePortable.load(std::memory_order_relaxed) ? 1 : 0;
}

void qgemmForcePortable(bool portable) { forcePortable.store(portable); }

} // namespace qcc::rt::q

using namespace qcc::rt::q;

extern "C" void qcc_rt_qgemm(int64_t flags, int32_t format, int32_t bits,
                             int64_t group, int64_t M, int64_t N, int64_t K,
                             const float *a, int64_t lda, const void *packed,
                             float *c, int64_t ldc, const float *bias) {
  QProblem p;
  if (M <= 0)
    return;
  if (!makeLayout(format, bits, N, K, group, p.l) || !a || lda < K || !c ||
      ldc < N || ((flags & QCC_QGEMM_BIAS) && !bias)) {
    failCall("qcc_rt_qgemm: invalid scheme, sizes or operands", M, N, c, ldc);
    return;
  }
  if (!headerMatches(p.l, packed)) {
    failCall("qcc_rt_qgemm: the packed weight's header does not match its "
             "scheme (format, bits, N, K, group)",
             M, N, c, ldc);
    return;
  }
  p.M = M;
  p.a = a;
  p.lda = lda;
  p.rows = static_cast<const uint8_t *>(packed) + kHeaderBytes;
  p.c = c;
  p.ldc = ldc;
  p.bias = (flags & QCC_QGEMM_BIAS) ? bias : nullptr;
  p.accumulate = flags & QCC_QGEMM_ACCUMULATE;
  p.relu = flags & QCC_QGEMM_RELU;

  // INT8_W8A8 / _AZP: per-row quantized activations as int16 (vpmaddwd
  // takes them as they are), zero-padded to kPad.
  std::vector<int16_t> aq16;
  std::vector<float> aScale;
  if (p.l.format == QCC_QF_INT8_W8A8) {
    aq16.assign(size_t(M * p.l.kPad), 0);
    p.aGroups = p.l.azp ? p.l.groups : 1;
    aScale.resize(size_t(M * p.aGroups));
    for (int64_t m = 0; m < M; ++m) {
      int16_t *q = aq16.data() + m * p.l.kPad;
      if (p.l.azp)
        quantizeActivationRowAzp(a + m * lda, K, group, q, aScale.data() + m * p.aGroups);
      else
        aScale[m] = quantizeActivationRow(a + m * lda, K, q);
    }
    p.aq16 = aq16.data();
    p.aScale = aScale.data();
  }

  bool avx2 = qgemmIsa() == 1;
  // F16 / BF16 (group == K) take any K: their GEMV has a scalar tail.
  bool fastGemv = avx2 && (p.l.isHalf() || (group % 32 == 0 && K % 32 == 0));
  if (avx2 && M > 4) {
    if (!qgemmW8A8IntAvx2(p)) // int8 x int8 for W8A8 when it applies
      qgemmAvx2(p);
    return;
  }
  std::vector<float> aSum;
  if (fastGemv && format == QCC_QF_UNIFORM && group >= 64) {
    aSum.resize(size_t(M * p.l.groups));
    for (int64_t m = 0; m < M; ++m)
      for (int64_t g = 0; g < p.l.groups; ++g) {
        double s = 0; // in double: one rounding per group sum
        for (int64_t k = g * group; k < std::min((g + 1) * group, K); ++k)
          s += a[m * lda + k];
        aSum[m * p.l.groups + g] = float(s);
      }
    p.aSum = aSum.data();
  }
  // At least ~16 tasks (load balance), at most ~64 KiB of packed weight per
  // task (so small tasks stay cheap to schedule), multiples of 4 rows.
  int64_t byBytes = (int64_t(1) << 16) / p.l.rowBytes;
  int64_t byCount = (N + 15) / 16;
  int64_t rows = byCount < byBytes ? byCount : byBytes;
  p.rowsPerTask = rows < 4 ? 4 : (rows + 3) / 4 * 4;
  int64_t tasks = (N + p.rowsPerTask - 1) / p.rowsPerTask;
  qcc_rt_parallel_for(0, tasks, fastGemv ? gemvAvx2Body : portableBody, &p);
}
