//===- QGemmW8A8Avx2.cpp - int8 x int8 prefill GEMM of INT8_W8A8 (AVX2) ---===//
//
// qcc_rt_qgemm for INT8_W8A8 (and _AZP) with M > 4 (prefill), in integers: A
// is already quantized per row (QGemm.cpp: exact int16 values aq16, in
// [-127, 127], or u - zp in [-255, 255] with a zero point, scale aScale[m]),
// W's codes are int8 with an f16 scale per (row, group). Then
//
//   C[m, n] = aScale[m] * sum_g wScale[n, g] * isum_g(m, n)      (INT8_W8A8)
//   C[m, n] = sum_g aScale[m, g] * wScale[n, g] * isum_g(m, n)   (_AZP),
//   isum_g(m, n) = sum_{k in group g} aq[m, k] * wq[n, k]     (exact int32)
//
// which is the fake-quantized f32 product of the other paths up to the f32
// rounding of the final scaling. Blocking: parallel over 64-column panels of
// C; each panel's 64 rows of W are widened to int16 and interleaved by k
// pairs (16 columns x 2 k = one 32-byte vector), so `vpmaddwd` of that
// vector with a broadcast (a[m, 2p], a[m, 2p + 1]) pair gives 8 columns'
// two-term dot products; a 6 x 16 register tile accumulates int32 per group
// (flushed at least every 2^14 pairs: |sum| <= 2^15 * 255 * 128 < 2^31) and
// folds it into an f32 tile with the group's 16 column scales.
//
// Applies when every group boundary falls on an even k (group even, or one
// group per row); otherwise qcc_rt_qgemm keeps the f32 path.
//
//===----------------------------------------------------------------------===//
#include "qcc/Runtime/QKernels.h"

#include "QGemmKernels.h"

#include <immintrin.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <vector>

extern "C" void qcc_rt_parallel_for(int64_t lb, int64_t ub,
                                    void (*body)(int64_t, int64_t, void *),
                                    void *ctx);

#define QCC_AVX2 __attribute__((target("avx2,fma,f16c")))

namespace qcc::rt::q {

namespace {

std::atomic<bool> forceF32{false};

/// Rows of A per register tile, columns of C per tile, columns per task.
constexpr int64_t kRows = 6, kCols = 16, kPanel = 64;
/// Most k pairs summed in int32 before folding into f32.
constexpr int64_t kFlushPairs = int64_t(1) << 14;

struct Ctx {
  const QProblem *p;
  int64_t pairs;   ///< k pairs per row: kPad / 2
  int64_t mPad;    ///< M rounded up to kRows
  const int16_t *a; ///< int16 A, mPad rows of kPad (zero rows past M)
};

/// Widens and interleaves W[j0 : j0 + kCols) (rows past N are zero) into
/// `dst`: pair p of column c at dst[(p * kCols + c) * 2 + {0, 1}]; the
/// column scales of group g at scales[g * kCols + c] (0 past N).
void packBlock(const QProblem &p, int64_t j0, int64_t pairs, int16_t *dst,
               float *scales) {
  const Layout &l = p.l;
  for (int64_t c = 0; c < kCols; ++c) {
    int64_t n = j0 + c;
    if (n >= l.N) {
      for (int64_t q = 0; q < pairs; ++q)
        dst[(q * kCols + c) * 2] = dst[(q * kCols + c) * 2 + 1] = 0;
      for (int64_t g = 0; g < l.groups; ++g)
        scales[g * kCols + c] = 0.0f;
      continue;
    }
    const uint8_t *row = p.rows + n * l.rowBytes;
    const int8_t *codes = reinterpret_cast<const int8_t *>(row + l.codesOffset);
    for (int64_t q = 0; q < pairs; ++q) { // codes past K are 0 in the blob
      dst[(q * kCols + c) * 2] = codes[2 * q];
      dst[(q * kCols + c) * 2 + 1] = codes[2 * q + 1];
    }
    for (int64_t g = 0; g < l.groups; ++g)
      scales[g * kCols + c] = loadHalf(row + 2 * g);
  }
}

/// C rows [m0, m0 + kRows) x columns [j0, j0 + kCols) from a packed block.
QCC_AVX2 void tile(const Ctx &x, int64_t m0, int64_t j0, const int16_t *w,
                   const float *scales) {
  const QProblem &p = *x.p;
  const Layout &l = p.l;
  const int64_t groupPairs = l.groups == 1 ? x.pairs : l.group / 2;
  __m256 f[kRows][2];
  for (int r = 0; r < kRows; ++r)
    f[r][0] = f[r][1] = _mm256_setzero_ps();
  const int16_t *a = x.a + m0 * l.kPad;
  for (int64_t g = 0, q = 0; g < l.groups; ++g) {
    int64_t gEnd = g + 1 == l.groups ? x.pairs : std::min(x.pairs, q + groupPairs);
    __m256 s0 = _mm256_loadu_ps(scales + g * kCols);
    __m256 s1 = _mm256_loadu_ps(scales + g * kCols + 8);
    while (q < gEnd) {
      int64_t stop = std::min(gEnd, q + kFlushPairs);
      __m256i acc[kRows][2];
      for (int r = 0; r < kRows; ++r)
        acc[r][0] = acc[r][1] = _mm256_setzero_si256();
      for (; q < stop; ++q) {
        const __m256i *wq = reinterpret_cast<const __m256i *>(w + q * kCols * 2);
        __m256i w0 = _mm256_loadu_si256(wq), w1 = _mm256_loadu_si256(wq + 1);
        for (int r = 0; r < kRows; ++r) {
          int32_t pair;
          std::memcpy(&pair, a + r * l.kPad + 2 * q, 4);
          __m256i av = _mm256_set1_epi32(pair);
          acc[r][0] = _mm256_add_epi32(acc[r][0], _mm256_madd_epi16(w0, av));
          acc[r][1] = _mm256_add_epi32(acc[r][1], _mm256_madd_epi16(w1, av));
        }
      }
      for (int r = 0; r < kRows; ++r) {
        __m256 t0 = s0, t1 = s1;
        if (p.aGroups > 1) { // the (row, group) activation scale
          __m256 as = _mm256_set1_ps(
              m0 + r < p.M ? p.aScale[(m0 + r) * p.aGroups + g] : 0.0f);
          t0 = _mm256_mul_ps(s0, as);
          t1 = _mm256_mul_ps(s1, as);
        }
        f[r][0] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(acc[r][0]), t0, f[r][0]);
        f[r][1] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(acc[r][1]), t1, f[r][1]);
      }
    }
  }
  alignas(32) float out[kCols];
  for (int r = 0; r < kRows && m0 + r < p.M; ++r) {
    int64_t m = m0 + r;
    __m256 as = _mm256_set1_ps(p.aGroups > 1 ? 1.0f : p.aScale[m]);
    _mm256_store_ps(out, _mm256_mul_ps(f[r][0], as));
    _mm256_store_ps(out + 8, _mm256_mul_ps(f[r][1], as));
    for (int64_t c = 0; c < kCols && j0 + c < l.N; ++c)
      storeOut(p.c + m * p.ldc + j0 + c, out[c], p.accumulate,
               p.bias ? p.bias + j0 + c : nullptr, p.relu);
  }
}

void panelBody(int64_t lo, int64_t hi, void *ctx) {
  const Ctx &x = *static_cast<const Ctx *>(ctx);
  const QProblem &p = *x.p;
  thread_local std::vector<int16_t> w;
  thread_local std::vector<float> scales;
  w.resize(size_t(x.pairs * kCols * 2));
  scales.resize(size_t(p.l.groups * kCols));
  for (int64_t t = lo; t < hi; ++t)
    for (int64_t j0 = t * kPanel; j0 < std::min(p.l.N, (t + 1) * kPanel);
         j0 += kCols) {
      packBlock(p, j0, x.pairs, w.data(), scales.data());
      for (int64_t m0 = 0; m0 < p.M; m0 += kRows)
        tile(x, m0, j0, w.data(), scales.data());
    }
}

} // namespace

bool qgemmW8A8IntAvx2(const QProblem &p) {
  const Layout &l = p.l;
  if (forceF32.load(std::memory_order_relaxed) ||
      l.format != QCC_QF_INT8_W8A8 || !p.aq16 || !p.aScale ||
      (l.groups > 1 && l.group % 2 != 0))
    return false;
  Ctx x{&p, l.kPad / 2, (p.M + kRows - 1) / kRows * kRows, nullptr};
  // A's int16 rows, padded with zero rows to a multiple of kRows.
  std::vector<int16_t> a(size_t(x.mPad * l.kPad), 0);
  std::memcpy(a.data(), p.aq16, size_t(p.M * l.kPad) * sizeof(int16_t));
  x.a = a.data();
  qcc_rt_parallel_for(0, (l.N + kPanel - 1) / kPanel, panelBody, &x);
  return true;
}

void qgemmForceW8A8F32(bool f32) { forceF32.store(f32); }

} // namespace qcc::rt::q
