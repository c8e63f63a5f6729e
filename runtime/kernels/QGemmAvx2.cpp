//===- QGemmAvx2.cpp - AVX2+FMA kernels of qcc_rt_qgemm -------------------===//
//
// Compiled for the baseline ISA with avx2/fma/f16c function attributes;
// QGemm.cpp calls these only when cpuid says the host has them.
//
// GEMV (M <= 4, group and K multiples of 32, or F16 / BF16; LLM decode,
// memory bound): one pass over
// each row record of the blob. Per 32-code sub-block, one or two unaligned
// loads expand (shifts, masks, bit-plane byte shuffles; QPack.cpp's layout)
// to 32 code bytes, then 4 x 8 floats (code value; NF4 table value via two
// vpermps; FP8 E4M3 bits moved into an f16 and widened by vcvtph2ps); each
// float is dequantized in a register (q * scale + min, one FMA; UNIFORM
// groups >= 64 instead scale per group and add min * sum(a)) and multiplied
// into the M rows of A.
// F16 / BF16 widen 8 weights per load (vcvtph2ps; bf16: zero-extend to
// 32 bits and shift left 16) and multiply them into A, scalar past K / 8 * 8.
// INT8_W8A8 instead multiplies int8 weights (sign-extended to int16) with
// the int16-widened int8 activations in vpmaddwd, accumulates int32 per
// group and scales once per group.
//
// GEMM (M > 4; prefill): A is packed once into MR-row slivers (INT8_W8A8:
// its fake-quantized values); parallel over 64-column panels of C, each K
// block of 256 dequantizes 64 rows of W into an f32 panel (in L2) that the
// 6x16 f32 micro-kernel of GemmMicroKernels.cpp streams for every sliver.
//
//===----------------------------------------------------------------------===//
#include "qcc/Runtime/QKernels.h"

#include "GemmKernels.h"
#include "QGemmKernels.h"

#include <cpuid.h>
#include <immintrin.h>

#include <algorithm>
#include <cstring>
#include <new>

extern "C" void qcc_rt_parallel_for(int64_t lb, int64_t ub,
                                    void (*body)(int64_t, int64_t, void *),
                                    void *ctx);

#define QCC_AVX2 __attribute__((target("avx2,fma,f16c")))
#define QCC_AVX2_INLINE __attribute__((target("avx2,fma,f16c"), always_inline)) inline

namespace qcc::rt::q {

namespace {

/// Widens an unaligned f16 (F16C).
QCC_AVX2_INLINE float halfAt(const uint8_t *p) {
  uint16_t h;
  std::memcpy(&h, p, 2);
  return _cvtsh_ss(h);
}

/// Codes [32h, 32h + 32) of a chunk's 4-bit part (32 bytes at `p`).
QCC_AVX2_INLINE __m256i low4(const uint8_t *p, int h) {
  __m256i x = _mm256_loadu_si256(reinterpret_cast<const __m256i *>(p));
  return _mm256_and_si256(_mm256_srli_epi16(x, 4 * h), _mm256_set1_epi8(15));
}

/// Codes [32h, 32h + 32) of a chunk's 2-bit part (16 bytes at `p`).
QCC_AVX2_INLINE __m256i low2(const uint8_t *p, int h) {
  __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i *>(p));
  __m128i three = _mm_set1_epi8(3);
  __m128i lo = _mm_and_si128(_mm_srli_epi16(x, 4 * h), three);
  __m128i hi = _mm_and_si128(_mm_srli_epi16(x, 4 * h + 2), three);
  return _mm256_set_m128i(hi, lo);
}

/// Bits [32h, 32h + 32) of a chunk's 1-bit plane (8 bytes at `p`) as bytes
/// that are `value` where the bit is set and 0 elsewhere.
QCC_AVX2_INLINE __m256i plane(const uint8_t *p, int h, char value) {
  uint32_t bits;
  std::memcpy(&bits, p + 4 * h, 4);
  __m256i v = _mm256_set1_epi32(int(bits));
  // Byte j of the result looks at byte j / 8 of `bits`.
  const __m256i spread = _mm256_setr_epi8(
      0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, //
      2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3);
  const __m256i bitOf = _mm256_set1_epi64x(int64_t(0x8040201008040201ull));
  __m256i t = _mm256_and_si256(_mm256_shuffle_epi8(v, spread), bitOf);
  return _mm256_and_si256(_mm256_cmpeq_epi8(t, bitOf), _mm256_set1_epi8(value));
}

/// The 32 codes [32h, 32h + 32) of the chunk at `chunk`, one per byte.
template <int Bits>
QCC_AVX2_INLINE __m256i decode32(const uint8_t *chunk, int h) {
  if constexpr (Bits == 8)
    return _mm256_loadu_si256(reinterpret_cast<const __m256i *>(chunk + 32 * h));
  else if constexpr (Bits == 4)
    return low4(chunk, h);
  else if constexpr (Bits == 2)
    return low2(chunk, h);
  else if constexpr (Bits == 3)
    return _mm256_or_si256(low2(chunk, h), plane(chunk + 16, h, 4));
  else if constexpr (Bits == 5)
    return _mm256_or_si256(low4(chunk, h), plane(chunk + 32, h, 16));
  else // 6
    return _mm256_or_si256(low4(chunk, h),
                           _mm256_slli_epi16(low2(chunk + 32, h), 4));
}

/// Bytes 8i..8i+7 of 32 code bytes, zero-extended to int32 lanes.
QCC_AVX2_INLINE __m256i lanes(__m256i q, int i) {
  __m128i half = i < 2 ? _mm256_castsi256_si128(q) : _mm256_extracti128_si256(q, 1);
  if (i & 1)
    half = _mm_srli_si128(half, 8);
  return _mm256_cvtepu8_epi32(half);
}

/// NF4 values of 8 codes from the 16-entry table (two halves `lo`, `hi`,
/// already multiplied by the group scale).
QCC_AVX2_INLINE __m256 nf4Lookup(__m256i idx, __m256 lo, __m256 hi) {
  __m256 a = _mm256_permutevar8x32_ps(lo, idx), b = _mm256_permutevar8x32_ps(hi, idx);
  return _mm256_blendv_ps(a, b, _mm256_castsi256_ps(_mm256_slli_epi32(idx, 28)));
}

/// The format's value of 8 codes (int32 lanes), before the group scale.
template <int Format>
QCC_AVX2_INLINE __m256 codeValues(__m256i idx) {
  if constexpr (Format == QCC_QF_UNIFORM) {
    return _mm256_cvtepi32_ps(idx);
  } else if constexpr (Format == QCC_QF_NF4) {
    return nf4Lookup(idx, _mm256_loadu_ps(kNF4Table), _mm256_loadu_ps(kNF4Table + 8));
  } else if constexpr (Format == QCC_QF_FP8_E4M3) {
    // |v| = mant * 2^(max(e, 1) - 10), mant = m + (e ? 8 : 0): exact in
    // f32 (NaN codes are rejected by qcc_rt_qpack).
    __m256i e = _mm256_and_si256(_mm256_srli_epi32(idx, 3), _mm256_set1_epi32(15));
    __m256i m = _mm256_and_si256(idx, _mm256_set1_epi32(7));
    __m256i normal = _mm256_cmpgt_epi32(e, _mm256_setzero_si256());
    m = _mm256_or_si256(m, _mm256_and_si256(normal, _mm256_set1_epi32(8)));
    __m256i pow2 = _mm256_slli_epi32(
        _mm256_add_epi32(_mm256_max_epi32(e, _mm256_set1_epi32(1)),
                         _mm256_set1_epi32(127 - 10)),
        23);
    __m256 v = _mm256_mul_ps(_mm256_cvtepi32_ps(m), _mm256_castsi256_ps(pow2));
    __m256i sign = _mm256_slli_epi32(_mm256_and_si256(idx, _mm256_set1_epi32(0x80)), 24);
    return _mm256_or_ps(v, _mm256_castsi256_ps(sign));
  } else { // INT8_W8A8: sign-extend the byte
    return _mm256_cvtepi32_ps(_mm256_srai_epi32(_mm256_slli_epi32(idx, 24), 24));
  }
}

/// Horizontal sum of 8 lanes.
QCC_AVX2_INLINE float hsum(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

/// FP8 E4M3 values of 32 codes times 2^-8, in order: moving the code's
/// bits into an f16 (sign to bit 15, exponent+mantissa to bits 7..14) gives
/// exactly fp8(q) * 2^-8, subnormals included (bias 15 vs 7), and F16C
/// widens it (vcvtph2ps converts f16 subnormals exactly).
QCC_AVX2_INLINE void fp8x32(__m256i q, __m256 v[4]) {
  for (int half = 0; half < 2; ++half) {
    __m128i b = half ? _mm256_extracti128_si256(q, 1) : _mm256_castsi256_si128(q);
    __m256i w = _mm256_cvtepu8_epi16(b);
    __m256i h = _mm256_or_si256(
        _mm256_slli_epi16(_mm256_and_si256(w, _mm256_set1_epi16(0x80)), 8),
        _mm256_slli_epi16(_mm256_and_si256(w, _mm256_set1_epi16(0x7f)), 7));
    v[2 * half] = _mm256_cvtph_ps(_mm256_castsi256_si128(h));
    v[2 * half + 1] = _mm256_cvtph_ps(_mm256_extracti128_si256(h, 1));
  }
}

/// Weight-only GEMV over rows [n0, n1) of W for M rows of A.
///
/// Each weight is dequantized in a register (q * scale + min: the value
/// qcc_rt_qunpack_f32 gives) and multiplied into the M rows of A, except
/// for UNIFORM groups of >= 64 codes (p.aSum set), which use
///   sum_k a_k (q_k s + m) = s * sum_k a_k q_k + m * sum_k a_k
/// with sum_k a_k precomputed per call: one FMA per weight less (the
/// rounding then scales with sum |a| (|q s| + |m|) instead of sum |a w|).
template <int M, int Format, int Bits>
QCC_AVX2 void gemvRows(const QProblem &p, int64_t n0, int64_t n1) {
  constexpr int NA = M == 1 ? 4 : 2; // accumulators per row of A
  const Layout &l = p.l;
  const int64_t chunkBytes = 8 * Bits, subPerGroup = l.group / 32;
  const int64_t subBlocks = l.K / 32; // the last group may be partial
  const bool split = Format == QCC_QF_UNIFORM && p.aSum;
  for (int64_t n = n0; n < n1; ++n) {
    const uint8_t *row = p.rows + n * l.rowBytes, *codes = row + l.codesOffset;
    __m256 acc[M][NA];
    float minTerm[M] = {};
    for (int m = 0; m < M; ++m)
      for (int i = 0; i < NA; ++i)
        acc[m][i] = _mm256_setzero_ps();
    int64_t j = 0; // 32-code sub-block
    for (int64_t g = 0; g < l.groups; ++g) {
      float scale = halfAt(row + 2 * g);
      __m256 s = _mm256_set1_ps(scale);
      if (split) {
        // Integer-valued codes times A, scaled once per group.
        __m256 gacc[M][NA];
        for (int m = 0; m < M; ++m)
          for (int i = 0; i < NA; ++i)
            gacc[m][i] = _mm256_setzero_ps();
        for (int64_t end = std::min(j + subPerGroup, subBlocks); j < end; ++j) {
          if constexpr (Bits == 4) {
            // A whole chunk in this group: 8 bytes -> 8 int32 lanes hold
            // codes 8r.. (low nibbles) and 32 + 8r.. (high nibbles).
            if ((j & 1) == 0 && j + 1 < end) {
              const uint8_t *c = codes + (j >> 1) * chunkBytes;
              const float *a = p.a + 32 * j;
              for (int r = 0; r < 4; ++r) {
                __m256i x = _mm256_cvtepu8_epi32(
                    _mm_loadl_epi64(reinterpret_cast<const __m128i *>(c + 8 * r)));
                __m256 lo = _mm256_cvtepi32_ps(
                    _mm256_and_si256(x, _mm256_set1_epi32(15)));
                __m256 hi = _mm256_cvtepi32_ps(_mm256_srli_epi32(x, 4));
                for (int m = 0; m < M; ++m) {
                  const float *am = a + m * p.lda;
                  gacc[m][r % NA] = _mm256_fmadd_ps(
                      lo, _mm256_loadu_ps(am + 8 * r), gacc[m][r % NA]);
                  gacc[m][(r + NA / 2) % NA] = _mm256_fmadd_ps(
                      hi, _mm256_loadu_ps(am + 32 + 8 * r),
                      gacc[m][(r + NA / 2) % NA]);
                }
              }
              ++j; // and the loop's ++j: two sub-blocks
              continue;
            }
          }
          __m256i q = decode32<Bits>(codes + (j >> 1) * chunkBytes, int(j & 1));
          for (int i = 0; i < 4; ++i) {
            __m256 v = _mm256_cvtepi32_ps(lanes(q, i));
            for (int m = 0; m < M; ++m)
              gacc[m][i % NA] = _mm256_fmadd_ps(
                  v, _mm256_loadu_ps(p.a + m * p.lda + 32 * j + 8 * i),
                  gacc[m][i % NA]);
          }
        }
        float mn = halfAt(row + l.minsOffset + 2 * g);
        for (int m = 0; m < M; ++m) {
          __m256 t = gacc[m][0];
          for (int i = 1; i < NA; ++i)
            t = _mm256_add_ps(t, gacc[m][i]);
          acc[m][0] = _mm256_fmadd_ps(t, s, acc[m][0]);
          minTerm[m] += mn * p.aSum[m * l.groups + g];
        }
        continue;
      }
      __m256 mn = Format == QCC_QF_UNIFORM
                      ? _mm256_set1_ps(halfAt(row + l.minsOffset + 2 * g))
                      : _mm256_setzero_ps();
      if constexpr (Format == QCC_QF_UNIFORM && Bits == 4) {
        // Group 32 (GGUF Q4_0 / Q4_1): groups g and g + 1 are the two
        // halves of one chunk; 8 bytes -> 8 int32 lanes hold codes 8r..
        // of group g (low nibbles) and of group g + 1 (high nibbles).
        if (subPerGroup == 1 && (j & 1) == 0 && j + 1 < subBlocks) {
          __m256 s1 = _mm256_set1_ps(halfAt(row + 2 * (g + 1)));
          __m256 mn1 = _mm256_set1_ps(halfAt(row + l.minsOffset + 2 * (g + 1)));
          const uint8_t *c = codes + (j >> 1) * chunkBytes;
          const float *a = p.a + 32 * j;
          for (int r = 0; r < 4; ++r) {
            __m256i x = _mm256_cvtepu8_epi32(
                _mm_loadl_epi64(reinterpret_cast<const __m128i *>(c + 8 * r)));
            __m256 w0 = _mm256_fmadd_ps(
                _mm256_cvtepi32_ps(_mm256_and_si256(x, _mm256_set1_epi32(15))),
                s, mn);
            __m256 w1 = _mm256_fmadd_ps(
                _mm256_cvtepi32_ps(_mm256_srli_epi32(x, 4)), s1, mn1);
            for (int m = 0; m < M; ++m) {
              const float *am = a + m * p.lda;
              acc[m][r % NA] = _mm256_fmadd_ps(
                  w0, _mm256_loadu_ps(am + 8 * r), acc[m][r % NA]);
              acc[m][(r + NA / 2) % NA] = _mm256_fmadd_ps(
                  w1, _mm256_loadu_ps(am + 32 + 8 * r),
                  acc[m][(r + NA / 2) % NA]);
            }
          }
          j += 2;
          ++g; // and the loop's ++g: two groups
          continue;
        }
      }
      __m256 tlo = _mm256_setzero_ps(), thi = _mm256_setzero_ps();
      if constexpr (Format == QCC_QF_FP8_E4M3)
        s = _mm256_set1_ps(scale * 256.0f); // fp8x32 gives values * 2^-8
      if constexpr (Format == QCC_QF_NF4) {
        tlo = _mm256_mul_ps(_mm256_loadu_ps(kNF4Table), s);
        thi = _mm256_mul_ps(_mm256_loadu_ps(kNF4Table + 8), s);
      }
      for (int64_t end = std::min(j + subPerGroup, subBlocks); j < end; ++j) {
        __m256i q = decode32<Bits>(codes + (j >> 1) * chunkBytes, int(j & 1));
        __m256 fp8[4];
        if constexpr (Format == QCC_QF_FP8_E4M3)
          fp8x32(q, fp8);
        for (int i = 0; i < 4; ++i) {
          __m256 w;
          if constexpr (Format == QCC_QF_FP8_E4M3)
            w = _mm256_mul_ps(fp8[i], s);
          else if constexpr (Format == QCC_QF_NF4)
            w = nf4Lookup(lanes(q, i), tlo, thi);
          else if constexpr (Format == QCC_QF_UNIFORM)
            w = _mm256_fmadd_ps(codeValues<Format>(lanes(q, i)), s, mn);
          else
            w = _mm256_mul_ps(codeValues<Format>(lanes(q, i)), s);
          for (int m = 0; m < M; ++m)
            acc[m][i % NA] = _mm256_fmadd_ps(
                w, _mm256_loadu_ps(p.a + m * p.lda + 32 * j + 8 * i),
                acc[m][i % NA]);
        }
      }
    }
    for (int m = 0; m < M; ++m) {
      __m256 t = acc[m][0];
      for (int i = 1; i < NA; ++i)
        t = _mm256_add_ps(t, acc[m][i]);
      storeOut(p.c + m * p.ldc + n, hsum(t) + minTerm[m], p.accumulate,
               p.bias ? p.bias + n : nullptr, p.relu);
    }
  }
}

/// INT8_W8A8 GEMV: int16 x int16 -> int32 dot products per group.
template <int M>
QCC_AVX2 void gemvRowsW8A8(const QProblem &p, int64_t n0, int64_t n1) {
  const Layout &l = p.l;
  const int64_t subPerGroup = l.group / 32, subBlocks = l.K / 32;
  // Flush the int32 sums at least every 2^14 sub-blocks (no overflow:
  // each lane adds 4 products of at most 255 * 128 per sub-block, and
  // 2^14 * 4 * 255 * 128 < 2^31).
  const int64_t flushEvery = int64_t(1) << 14;
  for (int64_t n = n0; n < n1; ++n) {
    const uint8_t *row = p.rows + n * l.rowBytes, *codes = row + l.codesOffset;
    __m256 facc[M];
    for (int m = 0; m < M; ++m)
      facc[m] = _mm256_setzero_ps();
    int64_t j = 0;
    for (int64_t g = 0; g < l.groups; ++g) {
      float ws = halfAt(row + 2 * g);
      __m256 s[M]; // weight scale, times the (row, group) activation scale
      for (int m = 0; m < M; ++m)
        s[m] = _mm256_set1_ps(p.aGroups > 1 ? ws * p.aScale[m * p.aGroups + g] : ws);
      for (int64_t end = std::min(j + subPerGroup, subBlocks); j < end;) {
        int64_t stop = std::min(end, j + flushEvery);
        __m256i iacc[M];
        for (int m = 0; m < M; ++m)
          iacc[m] = _mm256_setzero_si256();
        for (; j < stop; ++j) {
          const uint8_t *src = codes + (j >> 1) * 64 + 32 * (j & 1);
          __m256i w0 = _mm256_cvtepi8_epi16(
              _mm_loadu_si128(reinterpret_cast<const __m128i *>(src)));
          __m256i w1 = _mm256_cvtepi8_epi16(
              _mm_loadu_si128(reinterpret_cast<const __m128i *>(src + 16)));
          for (int m = 0; m < M; ++m) {
            const int16_t *a = p.aq16 + m * l.kPad + 32 * j;
            __m256i a0 = _mm256_loadu_si256(reinterpret_cast<const __m256i *>(a));
            __m256i a1 = _mm256_loadu_si256(reinterpret_cast<const __m256i *>(a + 16));
            iacc[m] = _mm256_add_epi32(
                iacc[m], _mm256_add_epi32(_mm256_madd_epi16(w0, a0),
                                          _mm256_madd_epi16(w1, a1)));
          }
        }
        for (int m = 0; m < M; ++m)
          facc[m] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(iacc[m]), s[m], facc[m]);
      }
    }
    for (int m = 0; m < M; ++m)
      storeOut(p.c + m * p.ldc + n,
               hsum(facc[m]) * (p.aGroups > 1 ? 1.0f : p.aScale[m]), p.accumulate,
               p.bias ? p.bias + n : nullptr, p.relu);
  }
}

/// 8 F16 / BF16 weights at `p` (unaligned), widened exactly to f32.
template <int Format>
QCC_AVX2_INLINE __m256 load8Half(const uint8_t *p) {
  __m128i h = _mm_loadu_si128(reinterpret_cast<const __m128i *>(p));
  if constexpr (Format == QCC_QF_F16)
    return _mm256_cvtph_ps(h);
  else
    return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(h), 16));
}

/// One F16 / BF16 weight, widened.
template <int Format> QCC_AVX2_INLINE float loadHalfWeight(const uint8_t *p) {
  uint16_t h;
  std::memcpy(&h, p, 2);
  if constexpr (Format == QCC_QF_F16)
    return _cvtsh_ss(h);
  else
    return bf16ToFloat(h);
}

/// F16 / BF16 GEMV over rows [n0, n1) of W for M rows of A (any K).
template <int M, int Format>
QCC_AVX2 void gemvRowsHalf(const QProblem &p, int64_t n0, int64_t n1) {
  constexpr int NA = M == 1 ? 4 : 2; // accumulators per row of A
  const Layout &l = p.l;
  const int64_t K = l.K, k32 = K / 32 * 32, k8 = K / 8 * 8;
  for (int64_t n = n0; n < n1; ++n) {
    const uint8_t *w = p.rows + n * l.rowBytes + l.codesOffset;
    __m256 acc[M][NA];
    for (int m = 0; m < M; ++m)
      for (int i = 0; i < NA; ++i)
        acc[m][i] = _mm256_setzero_ps();
    int64_t k = 0;
    for (; k < k32; k += 32)
      for (int i = 0; i < 4; ++i) {
        __m256 v = load8Half<Format>(w + 2 * (k + 8 * i));
        for (int m = 0; m < M; ++m)
          acc[m][i % NA] = _mm256_fmadd_ps(
              v, _mm256_loadu_ps(p.a + m * p.lda + k + 8 * i), acc[m][i % NA]);
      }
    for (; k < k8; k += 8) {
      __m256 v = load8Half<Format>(w + 2 * k);
      for (int m = 0; m < M; ++m)
        acc[m][0] = _mm256_fmadd_ps(v, _mm256_loadu_ps(p.a + m * p.lda + k),
                                    acc[m][0]);
    }
    for (int m = 0; m < M; ++m) {
      __m256 t = acc[m][0];
      for (int i = 1; i < NA; ++i)
        t = _mm256_add_ps(t, acc[m][i]);
      float s = hsum(t);
      for (int64_t kk = k8; kk < K; ++kk)
        s += loadHalfWeight<Format>(w + 2 * kk) * p.a[m * p.lda + kk];
      storeOut(p.c + m * p.ldc + n, s, p.accumulate,
               p.bias ? p.bias + n : nullptr, p.relu);
    }
  }
}

template <int M>
QCC_AVX2 void gemvDispatch(const QProblem &p, int64_t n0, int64_t n1) {
  switch (p.l.format) {
  case QCC_QF_UNIFORM:
    switch (p.l.bits) {
    case 2:
      return gemvRows<M, QCC_QF_UNIFORM, 2>(p, n0, n1);
    case 3:
      return gemvRows<M, QCC_QF_UNIFORM, 3>(p, n0, n1);
    case 4:
      return gemvRows<M, QCC_QF_UNIFORM, 4>(p, n0, n1);
    case 5:
      return gemvRows<M, QCC_QF_UNIFORM, 5>(p, n0, n1);
    case 6:
      return gemvRows<M, QCC_QF_UNIFORM, 6>(p, n0, n1);
    default:
      return gemvRows<M, QCC_QF_UNIFORM, 8>(p, n0, n1);
    }
  case QCC_QF_NF4:
    return gemvRows<M, QCC_QF_NF4, 4>(p, n0, n1);
  case QCC_QF_FP8_E4M3:
    return gemvRows<M, QCC_QF_FP8_E4M3, 8>(p, n0, n1);
  case QCC_QF_F16:
    return gemvRowsHalf<M, QCC_QF_F16>(p, n0, n1);
  case QCC_QF_BF16:
    return gemvRowsHalf<M, QCC_QF_BF16>(p, n0, n1);
  default:
    return gemvRowsW8A8<M>(p, n0, n1);
  }
}

/// Dequantizes elements [k0, k1) of one row (k0 % 32 == 0, group % 32 ==
/// 0, k1 a multiple of 32 or K) to f32.
template <int Format, int Bits>
QCC_AVX2 void dequantRow(const Layout &l, const uint8_t *row, int64_t k0,
                         int64_t k1, float *out) {
  const uint8_t *codes = row + l.codesOffset;
  for (int64_t j = k0 / 32; j * 32 < k1; ++j) {
    int64_t g = 32 * j / l.group;
    __m256 s = _mm256_set1_ps(halfAt(row + 2 * g));
    __m256 mn = Format == QCC_QF_UNIFORM
                    ? _mm256_set1_ps(halfAt(row + l.minsOffset + 2 * g))
                    : _mm256_setzero_ps();
    __m256i q = decode32<Bits>(codes + (j >> 1) * 8 * Bits, int(j & 1));
    for (int i = 0; i < 4; ++i) {
      __m256 v = codeValues<Format>(lanes(q, i));
      __m256 w = Format == QCC_QF_UNIFORM ? _mm256_fmadd_ps(v, s, mn)
                                          : _mm256_mul_ps(v, s);
      _mm256_storeu_ps(out + 32 * (j - k0 / 32) + 8 * i, w);
    }
  }
}

/// Widens F16 / BF16 elements [k0, k1) of one row to f32 (any k0, k1).
template <int Format>
QCC_AVX2 void dequantRowHalf(const Layout &l, const uint8_t *row, int64_t k0,
                             int64_t k1, float *out) {
  const uint8_t *w = row + l.codesOffset;
  int64_t k = k0;
  for (; k + 8 <= k1; k += 8)
    _mm256_storeu_ps(out + (k - k0), load8Half<Format>(w + 2 * k));
  for (; k < k1; ++k)
    out[k - k0] = loadHalfWeight<Format>(w + 2 * k);
}

using DequantFn = void (*)(const Layout &, const uint8_t *, int64_t, int64_t,
                           float *);

DequantFn dequantFor(const Layout &l) {
  if (l.format == QCC_QF_F16)
    return dequantRowHalf<QCC_QF_F16>;
  if (l.format == QCC_QF_BF16)
    return dequantRowHalf<QCC_QF_BF16>;
  if (l.group % 32 != 0 || l.K % 32 != 0)
    return dequantRowPortable;
  switch (l.format) {
  case QCC_QF_UNIFORM:
    switch (l.bits) {
    case 2:
      return dequantRow<QCC_QF_UNIFORM, 2>;
    case 3:
      return dequantRow<QCC_QF_UNIFORM, 3>;
    case 4:
      return dequantRow<QCC_QF_UNIFORM, 4>;
    case 5:
      return dequantRow<QCC_QF_UNIFORM, 5>;
    case 6:
      return dequantRow<QCC_QF_UNIFORM, 6>;
    default:
      return dequantRow<QCC_QF_UNIFORM, 8>;
    }
  case QCC_QF_NF4:
    return dequantRow<QCC_QF_NF4, 4>;
  case QCC_QF_FP8_E4M3:
    return dequantRow<QCC_QF_FP8_E4M3, 8>;
  default:
    return dequantRow<QCC_QF_INT8_W8A8, 8>;
  }
}

constexpr int64_t kMR = gemm::kMR, kNR = gemm::kNR;
/// K block and C column panel of the GEMM path.
constexpr int64_t kKC = 256, kNC = 64;
static_assert(kKC % kChunk == 0 && kNC % kNR == 0, "blocking");

/// A 64-byte aligned float buffer.
struct AlignedFloats {
  float *data = nullptr;
  size_t size = 0;
  ~AlignedFloats() { ::operator delete(data, std::align_val_t(64)); }
  float *get(size_t n) {
    if (n > size) {
      ::operator delete(data, std::align_val_t(64));
      data = static_cast<float *>(::operator new(n * sizeof(float), std::align_val_t(64)));
      size = n;
    }
    return data;
  }
};

struct GemmCtx {
  const QProblem *p;
  const float *packedA; ///< K block k0 at k0 * mPad; sliver s at s * MR * kb
  int64_t mPad;
  DequantFn dequant;
};

QCC_AVX2 void gemmPanel(const GemmCtx &g, int64_t j0) {
  const QProblem &p = *g.p;
  const Layout &l = p.l;
  thread_local AlignedFloats panelBuf, rowBuf;
  float *bp = panelBuf.get(kNC * kKC);
  float *tmp = rowBuf.get(kKC);
  int64_t nb = std::min(kNC, l.N - j0);
  int64_t panels = (nb + kNR - 1) / kNR;
  for (int64_t k0 = 0; k0 < l.K; k0 += kKC) {
    int64_t kb = std::min(kKC, l.K - k0);
    // Dequantize W[j0:j0+nb, k0:k0+kb] into NR-column panels, k-major.
    for (int64_t jj = 0; jj < panels * kNR; ++jj) {
      float *dst = bp + (jj / kNR) * kb * kNR + jj % kNR;
      if (jj < nb) {
        g.dequant(l, p.rows + (j0 + jj) * l.rowBytes, k0, k0 + kb, tmp);
        for (int64_t k = 0; k < kb; ++k)
          dst[k * kNR] = tmp[k];
      } else {
        for (int64_t k = 0; k < kb; ++k)
          dst[k * kNR] = 0.0f;
      }
    }
    bool last = k0 + kb == l.K, load = p.accumulate || k0 > 0;
    bool relu = last && p.relu;
    for (int64_t i0 = 0; i0 < p.M; i0 += kMR) {
      const float *ap = g.packedA + k0 * g.mPad + i0 * kb;
      int64_t mr = std::min(kMR, p.M - i0);
      for (int64_t pn = 0; pn < panels; ++pn) {
        int64_t jc = j0 + pn * kNR, nr = std::min(kNR, l.N - jc);
        float *c = p.c + i0 * p.ldc + jc;
        const float *bias = last && p.bias ? p.bias + jc : nullptr;
        const float *b = bp + pn * kb * kNR;
        if (mr == kMR && nr == kNR) {
          gemm::microKernelAvx2(kb, ap, /*lda=*/0, b, c, p.ldc, load, bias, relu, kMR);
          continue;
        }
        // Edge tile: compute on a stack tile, merge the valid part.
        alignas(32) float tile[kMR * kNR] = {};
        alignas(32) float tileBias[kNR] = {};
        for (int64_t i = 0; i < mr && load; ++i)
          for (int64_t jx = 0; jx < nr; ++jx)
            tile[i * kNR + jx] = c[i * p.ldc + jx];
        for (int64_t jx = 0; bias && jx < nr; ++jx)
          tileBias[jx] = bias[jx];
        gemm::microKernelAvx2(kb, ap, /*lda=*/0, b, tile, kNR, load,
                              bias ? tileBias : nullptr, relu, kMR);
        for (int64_t i = 0; i < mr; ++i)
          for (int64_t jx = 0; jx < nr; ++jx)
            c[i * p.ldc + jx] = tile[i * kNR + jx];
      }
    }
  }
}

void gemmBody(int64_t lo, int64_t hi, void *ctx) {
  const GemmCtx &g = *static_cast<const GemmCtx *>(ctx);
  for (int64_t t = lo; t < hi; ++t)
    gemmPanel(g, t * kNC);
}

} // namespace

void qgemvRowsAvx2(const QProblem &p, int64_t n0, int64_t n1) {
  switch (p.M) {
  case 1:
    return gemvDispatch<1>(p, n0, n1);
  case 2:
    return gemvDispatch<2>(p, n0, n1);
  case 3:
    return gemvDispatch<3>(p, n0, n1);
  default:
    return gemvDispatch<4>(p, n0, n1);
  }
}

void qgemmAvx2(const QProblem &p) {
  const Layout &l = p.l;
  int64_t mPad = (p.M + kMR - 1) / kMR * kMR;
  // Pack A (INT8_W8A8: fake-quantized) into MR-row slivers per K block.
  thread_local AlignedFloats aBuf;
  float *packedA = aBuf.get(size_t(mPad * l.K));
  for (int64_t k0 = 0; k0 < l.K; k0 += kKC) {
    int64_t kb = std::min(kKC, l.K - k0);
    float *blk = packedA + k0 * mPad;
    for (int64_t i = 0; i < mPad; ++i) {
      float *d = blk + (i / kMR) * kMR * kb + i % kMR;
      if (i >= p.M) {
        for (int64_t k = 0; k < kb; ++k)
          d[k * kMR] = 0.0f;
      } else if (p.aq16) {
        const int16_t *q = p.aq16 + i * l.kPad + k0;
        for (int64_t k = 0; k < kb; ++k)
          d[k * kMR] = float(q[k]) *
                       p.aScale[i * p.aGroups + (p.aGroups > 1 ? (k0 + k) / l.group : 0)];
      } else {
        const float *a = p.a + i * p.lda + k0;
        for (int64_t k = 0; k < kb; ++k)
          d[k * kMR] = a[k];
      }
    }
  }
  GemmCtx g{&p, packedA, mPad, dequantFor(l)};
  qcc_rt_parallel_for(0, (l.N + kNC - 1) / kNC, gemmBody, &g);
  // Do not pin a huge packed A to the calling thread.
  if (aBuf.size > (size_t(1) << 24)) {
    ::operator delete(aBuf.data, std::align_val_t(64));
    aBuf.data = nullptr;
    aBuf.size = 0;
  }
}

bool hostHasAvx2Fma16() {
  if (!gemm::hostHasAvx2Fma())
    return false;
  unsigned eax, ebx, ecx, edx;
  if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx))
    return false;
  return ecx & bit_F16C;
}

} // namespace qcc::rt::q
