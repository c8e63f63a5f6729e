//===- QGemmKernels.h - kernels behind qcc_rt_qgemm (internal) ------------===//
#ifndef QCC_RUNTIME_KERNELS_QGEMMKERNELS_H
#define QCC_RUNTIME_KERNELS_QGEMMKERNELS_H

#include "QLayout.h"

#include <cstdint>

namespace qcc::rt::q {

/// One call of qcc_rt_qgemm, validated.
struct QProblem {
  Layout l;
  int64_t M = 0;
  /// A as given (row stride lda) and, for INT8_W8A8 (_AZP), its per-row
  /// quantization as exact int16 values aq16[m * kPad + k] (zero past K;
  /// [-127, 127] symmetric, u - zp in [-255, 255] with a zero point), so
  /// that A ~ aq16 * aScale: aScale[m * aGroups + g] for k in weight group g
  /// (aGroups == 1 for INT8_W8A8: one scale per row; == groups for _AZP).
  const float *a = nullptr;
  int64_t lda = 0;
  const float *aScale = nullptr;
  int64_t aGroups = 1;
  const int16_t *aq16 = nullptr;
  /// For the AVX2 UNIFORM GEMV with group >= 64: sum of each group of each
  /// row of A, aSum[m * groups + g] (null otherwise).
  const float *aSum = nullptr;
  /// The first row record of the blob (past the header).
  const uint8_t *rows = nullptr;
  float *c = nullptr;
  int64_t ldc = 0;
  const float *bias = nullptr; ///< null unless QCC_QGEMM_BIAS
  bool accumulate = false, relu = false;
  /// Rows of W (columns of C) per parallel task.
  int64_t rowsPerTask = 0;
};

/// Applies the epilogue to one element of C.
inline void storeOut(float *dst, float v, bool accumulate, const float *bias,
                     bool relu) {
  if (accumulate)
    v += *dst;
  if (bias)
    v += *bias;
  if (relu)
    v = v > 0.0f ? v : 0.0f;
  *dst = v;
}

/// Portable kernel: rows [n0, n1) of W, all M rows of A (any scheme).
void qgemmRowsPortable(const QProblem &p, int64_t n0, int64_t n1);

/// AVX2+FMA GEMV for M <= 4 and group % 32 == 0, K % 32 == 0 (F16 / BF16:
/// any K): rows [n0, n1) of W. Call only when hostHasAvx2Fma16() is true.
void qgemvRowsAvx2(const QProblem &p, int64_t n0, int64_t n1);

/// AVX2+FMA GEMM for M > 4 (any group): the whole product.
void qgemmAvx2(const QProblem &p);

/// INT8_W8A8 GEMM (M > 4) in integers (QGemmW8A8Avx2.cpp): needs p.aq16
/// and every group boundary on an even k. Returns false, doing nothing,
/// when it does not apply (or is switched off).
bool qgemmW8A8IntAvx2(const QProblem &p);
/// Switches the integer W8A8 GEMM off (true: the f32 path on fake-quantized
/// A) or back on; for tests and benchmarks.
void qgemmForceW8A8F32(bool f32);

/// True when the CPU and the OS support AVX2, FMA and F16C.
bool hostHasAvx2Fma16();

/// 0 = portable kernels, 1 = AVX2+FMA (what qcc_rt_qgemm uses now).
int32_t qgemmIsa();
/// Forces the portable kernels (true) or the best ones (false); for tests
/// and benchmarks.
void qgemmForcePortable(bool portable);

} // namespace qcc::rt::q

#endif // QCC_RUNTIME_KERNELS_QGEMMKERNELS_H
