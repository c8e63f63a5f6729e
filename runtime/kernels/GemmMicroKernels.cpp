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

void microKernelPortable(int64_t kc, const float *ap, const float *bp,
                         float *c, int64_t ldc, bool load, const float *bias,
                         bool relu) {
  float acc[kMR][kNR] = {};
  for (int64_t k = 0; k < kc; ++k)
    for (int64_t i = 0; i < kMR; ++i) {
      float a = ap[k * kMR + i];
      for (int64_t j = 0; j < kNR; ++j)
        acc[i][j] += a * bp[k * kNR + j];
    }
  for (int64_t i = 0; i < kMR; ++i)
    for (int64_t j = 0; j < kNR; ++j) {
      float v = acc[i][j];
      if (load)
        v += c[i * ldc + j];
      if (bias)
        v += bias[j];
      if (relu)
        v = v > 0.0f ? v : 0.0f;
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
  if (relu)
    acc = _mm256_max_ps(acc, _mm256_setzero_ps());
  _mm256_storeu_ps(dst, acc);
}

__attribute__((target("avx2,fma"))) void
microKernelAvx2(int64_t kc, const float *ap, const float *bp, float *c,
                int64_t ldc, bool load, const float *bias, bool relu) {
  __m256 c00 = _mm256_setzero_ps(), c01 = _mm256_setzero_ps();
  __m256 c10 = _mm256_setzero_ps(), c11 = _mm256_setzero_ps();
  __m256 c20 = _mm256_setzero_ps(), c21 = _mm256_setzero_ps();
  __m256 c30 = _mm256_setzero_ps(), c31 = _mm256_setzero_ps();
  __m256 c40 = _mm256_setzero_ps(), c41 = _mm256_setzero_ps();
  __m256 c50 = _mm256_setzero_ps(), c51 = _mm256_setzero_ps();
#define QCC_GEMM_STEP(K)                                                       \
  {                                                                            \
    __m256 b0 = _mm256_load_ps(bp + (K) * kNR);                                \
    __m256 b1 = _mm256_load_ps(bp + (K) * kNR + 8);                            \
    __m256 a = _mm256_broadcast_ss(ap + (K) * kMR + 0);                        \
    c00 = _mm256_fmadd_ps(a, b0, c00);                                         \
    c01 = _mm256_fmadd_ps(a, b1, c01);                                         \
    a = _mm256_broadcast_ss(ap + (K) * kMR + 1);                               \
    c10 = _mm256_fmadd_ps(a, b0, c10);                                         \
    c11 = _mm256_fmadd_ps(a, b1, c11);                                         \
    a = _mm256_broadcast_ss(ap + (K) * kMR + 2);                               \
    c20 = _mm256_fmadd_ps(a, b0, c20);                                         \
    c21 = _mm256_fmadd_ps(a, b1, c21);                                         \
    a = _mm256_broadcast_ss(ap + (K) * kMR + 3);                               \
    c30 = _mm256_fmadd_ps(a, b0, c30);                                         \
    c31 = _mm256_fmadd_ps(a, b1, c31);                                         \
    a = _mm256_broadcast_ss(ap + (K) * kMR + 4);                               \
    c40 = _mm256_fmadd_ps(a, b0, c40);                                         \
    c41 = _mm256_fmadd_ps(a, b1, c41);                                         \
    a = _mm256_broadcast_ss(ap + (K) * kMR + 5);                               \
    c50 = _mm256_fmadd_ps(a, b0, c50);                                         \
    c51 = _mm256_fmadd_ps(a, b1, c51);                                         \
  }
  int64_t k = 0;
  for (; k + 4 <= kc; k += 4) {
    _mm_prefetch(reinterpret_cast<const char *>(bp + 8 * kNR), _MM_HINT_T0);
    QCC_GEMM_STEP(0)
    QCC_GEMM_STEP(1)
    QCC_GEMM_STEP(2)
    QCC_GEMM_STEP(3)
    ap += 4 * kMR;
    bp += 4 * kNR;
  }
  for (; k < kc; ++k) {
    QCC_GEMM_STEP(0)
    ap += kMR;
    bp += kNR;
  }
#undef QCC_GEMM_STEP
  const float *bias1 = bias ? bias + 8 : nullptr;
  storeLanes(c + 0 * ldc, c00, load, bias, relu);
  storeLanes(c + 0 * ldc + 8, c01, load, bias1, relu);
  storeLanes(c + 1 * ldc, c10, load, bias, relu);
  storeLanes(c + 1 * ldc + 8, c11, load, bias1, relu);
  storeLanes(c + 2 * ldc, c20, load, bias, relu);
  storeLanes(c + 2 * ldc + 8, c21, load, bias1, relu);
  storeLanes(c + 3 * ldc, c30, load, bias, relu);
  storeLanes(c + 3 * ldc + 8, c31, load, bias1, relu);
  storeLanes(c + 4 * ldc, c40, load, bias, relu);
  storeLanes(c + 4 * ldc + 8, c41, load, bias1, relu);
  storeLanes(c + 5 * ldc, c50, load, bias, relu);
  storeLanes(c + 5 * ldc + 8, c51, load, bias1, relu);
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
