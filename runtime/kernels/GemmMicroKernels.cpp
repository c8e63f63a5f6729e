//===- GemmMicroKernels.cpp - 6x16 f32 micro-kernels (AVX2+FMA, portable) -===//
//
// The innermost GEMM loop: an MR x NR = 6 x 16 tile of C accumulates in
// registers over a packed A sliver (k-major, 6 floats per k) and a packed B
// panel (k-major, 16 floats per k). The AVX2 variant is compiled for
// avx2+fma with a function attribute, so the runtime archive itself keeps
// the baseline x86-64 ISA and picks the variant at run time (cpuid).
//
//===----------------------------------------------------------------------===//
#include "GemmKernels.h"

#include <cpuid.h>
#include <immintrin.h>

namespace qcc::rt::gemm {

void microKernelPortable(int64_t kc, const float *ap, int64_t lda,
                         const float *bp, float *c, int64_t ldc, bool load,
                         const float *bias, bool relu, int64_t rows) {
  float acc[kMR][kNR] = {};
  for (int64_t k = 0; k < kc; ++k)
    for (int64_t i = 0; i < rows; ++i) {
      float a = lda ? ap[i * lda + k] : ap[k * kMR + i];
      for (int64_t j = 0; j < kNR; ++j)
        acc[i][j] += a * bp[k * kNR + j];
    }
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t j = 0; j < kNR; ++j) {
      float v = acc[i][j];
      if (load)
        v += c[i * ldc + j];
      if (bias)
        v += bias[j];
      if (relu) // NaN stays NaN, -0 becomes +0 (arith.maximumf)
        v = v < 0.0f ? 0.0f : v + 0.0f;
      c[i * ldc + j] = v;
    }
}

/// Stores one 8-lane accumulator with the epilogue.
__attribute__((target("avx2,fma"), always_inline)) static inline void
storeLanes(float *dst, __m256 acc, bool load, const float *bias, bool relu) {
  if (load)
    acc = _mm256_add_ps(acc, _mm256_loadu_ps(dst));
  if (bias)
    acc = _mm256_add_ps(acc, _mm256_loadu_ps(bias));
  // max(0, NaN) is NaN and max(0, -0) is +0, as arith.maximumf (ONNX Relu):
  // vmaxps returns its second operand for NaN or equal inputs; + 0 turns
  // -0 into +0 and leaves everything else unchanged.
  if (relu)
    acc = _mm256_add_ps(_mm256_max_ps(_mm256_setzero_ps(), acc),
                        _mm256_setzero_ps());
  _mm256_storeu_ps(dst, acc);
}

/// The AVX2 micro-kernel for the first R rows of the tile (R = kMR for full
/// tiles; fewer for the last rows of M, so edges waste no FMAs). The
/// accumulator arrays are fully unrolled into 2R ymm registers. Packed:
/// A(i, k) = ap[k*MR + i] (a packed sliver); otherwise A(i, k) =
/// ap[i*lda + k] (rows of A read in place, as MLAS does: no packing).
template <int R, bool Packed>
__attribute__((target("avx2,fma"))) static void
microKernelAvx2Rows(int64_t kc, const float *ap, int64_t lda, const float *bp,
                    float *c, int64_t ldc, bool load, const float *bias,
                    bool relu) {
  __m256 acc0[R], acc1[R];
  const float *rowPtr[R];
#pragma clang loop unroll(full)
  for (int i = 0; i < R; ++i) {
    acc0[i] = _mm256_setzero_ps(), acc1[i] = _mm256_setzero_ps();
    rowPtr[i] = ap + i * lda;
  }
  int64_t aStep = Packed ? kMR : 1;
#define QCC_GEMM_STEP(K)                                                       \
  {                                                                            \
    __m256 b0 = _mm256_load_ps(bp + (K) * kNR);                                \
    __m256 b1 = _mm256_load_ps(bp + (K) * kNR + 8);                            \
    _Pragma("clang loop unroll(full)") for (int i = 0; i < R; ++i) {           \
      __m256 a = Packed ? _mm256_broadcast_ss(ap + (K) * kMR + i)              \
                        : _mm256_broadcast_ss(rowPtr[i] + (K));                \
      acc0[i] = _mm256_fmadd_ps(a, b0, acc0[i]);                               \
      acc1[i] = _mm256_fmadd_ps(a, b1, acc1[i]);                               \
    }                                                                          \
  }
#define QCC_GEMM_ADVANCE(N)                                                    \
  {                                                                            \
    if (Packed)                                                                \
      ap += (N) * aStep;                                                       \
    else                                                                       \
      _Pragma("clang loop unroll(full)") for (int i = 0; i < R; ++i)           \
          rowPtr[i] += (N);                                                    \
    bp += (N) * kNR;                                                           \
  }
  int64_t k = 0;
  for (; k + 4 <= kc; k += 4) {
    _mm_prefetch(reinterpret_cast<const char *>(bp + 8 * kNR), _MM_HINT_T0);
    QCC_GEMM_STEP(0)
    QCC_GEMM_STEP(1)
    QCC_GEMM_STEP(2)
    QCC_GEMM_STEP(3)
    QCC_GEMM_ADVANCE(4)
  }
  for (; k < kc; ++k) {
    QCC_GEMM_STEP(0)
    QCC_GEMM_ADVANCE(1)
  }
#undef QCC_GEMM_ADVANCE
#undef QCC_GEMM_STEP
  const float *bias1 = bias ? bias + 8 : nullptr;
#pragma clang loop unroll(full)
  for (int i = 0; i < R; ++i) {
    storeLanes(c + i * ldc, acc0[i], load, bias, relu);
    storeLanes(c + i * ldc + 8, acc1[i], load, bias1, relu);
  }
}

template <bool Packed>
__attribute__((target("avx2,fma"))) static void
microKernelAvx2Dispatch(int64_t kc, const float *ap, int64_t lda,
                        const float *bp, float *c, int64_t ldc, bool load,
                        const float *bias, bool relu, int64_t rows) {
  switch (rows) {
  case 1:
    return microKernelAvx2Rows<1, Packed>(kc, ap, lda, bp, c, ldc, load, bias,
                                          relu);
  case 2:
    return microKernelAvx2Rows<2, Packed>(kc, ap, lda, bp, c, ldc, load, bias,
                                          relu);
  case 3:
    return microKernelAvx2Rows<3, Packed>(kc, ap, lda, bp, c, ldc, load, bias,
                                          relu);
  case 4:
    return microKernelAvx2Rows<4, Packed>(kc, ap, lda, bp, c, ldc, load, bias,
                                          relu);
  case 5:
    return microKernelAvx2Rows<5, Packed>(kc, ap, lda, bp, c, ldc, load, bias,
                                          relu);
  default:
    return microKernelAvx2Rows<kMR, Packed>(kc, ap, lda, bp, c, ldc, load,
                                            bias, relu);
  }
}

__attribute__((target("avx2,fma"))) void
microKernelAvx2(int64_t kc, const float *ap, int64_t lda, const float *bp,
                float *c, int64_t ldc, bool load, const float *bias, bool relu,
                int64_t rows) {
  if (lda)
    return microKernelAvx2Dispatch<false>(kc, ap, lda, bp, c, ldc, load, bias,
                                          relu, rows);
  return microKernelAvx2Dispatch<true>(kc, ap, 0, bp, c, ldc, load, bias,
                                       relu, rows);
}

bool hostHasAvx2Fma() {
  unsigned eax, ebx, ecx, edx;
  if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx))
    return false;
  bool fma = ecx & bit_FMA, osxsave = ecx & bit_OSXSAVE, avx = ecx & bit_AVX;
  if (!fma || !osxsave || !avx)
    return false;
  // The OS must save the ymm state (XCR0 bits 1 and 2).
  unsigned lo, hi;
  __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  if ((lo & 6) != 6)
    return false;
  if (!__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx))
    return false;
  return ebx & bit_AVX2;
}

} // namespace qcc::rt::gemm
