//===- GemmActivation.cpp - GELU epilogues of qcc_rt_sgemm (AVX2, scalar) -===//
//
// GELU in its two forms, applied by qcc_rt_sgemm to C right after a tile's
// product (QCC_GEMM_GELU_ERF, QCC_GEMM_GELU_TANH), while the tile is in L1:
//
//   erf form:  gelu(x) = 0.5 x (1 + erf(x / sqrt 2)) = x Phi(x)
//   tanh form: gelu(x) = 0.5 x (1 + tanh(u)) = x / (1 + exp(-2u)),
//              u = sqrt(2/pi) (x + 0.044715 x^3)
//
// Both are evaluated without the cancellation of 1 + erf / 1 + tanh for
// negative x (which the unfused graph suffers), so the relative error stays
// small in the tails:
//   erf:  |x| < 0.5:  x/2 + (x/2) * x P(x^2)      (P: erf(x/sqrt2) / x)
//         |x| >= 0.5: erfc(|x|/sqrt2) = exp(-x^2/2) * t Q(t), t = 1/(1+|x|/2),
//                     with x^2 split exactly into hi + lo (FMA) so exp sees
//                     the exact argument; x >= 0.5: x (1 - erfc/2),
//                     x <= -0.5: (x/2) erfc.
//   tanh: x * sigmoid(2u), sigmoid from exp(-|2u|) (never overflows), 2u
//         in double-float (exact x^2 and products by FMA, TwoSum) so exp's
//         argument is accurate for large |u|.
// P, Q and the exp polynomial are least-squares fits (weighted to relative
// error) made with numpy; exp is Cody-Waite reduced (ln 2 split in hi/lo) and
// returned times 2^64, so that a subnormal result is rounded only once, at
// the end.
//
// Accuracy (test/Unit/Runtime/GemmGeluTest.cpp sweeps ~10^6 inputs over
// all finite f32 against a double reference of the exact function): both
// forms within 6 ulp of the result everywhere (measured 5.2 ulp at most),
// subnormal results included. Special values follow the formula: NaN -> NaN,
// +inf -> +inf, -inf -> NaN (-inf * 0).
//
// With the AVX2 kernel every element (edges and strided C included) goes
// through the vector code, so all paths give the same bits. The scalar
// functions (portable kernel) perform the same operations without libm
// (model.so needs only libc and libstdc++): FMA through double, rounding by
// the 1.5 * 2^23 trick.
//
//===----------------------------------------------------------------------===//
#include "GemmKernels.h"

#include <cstdint>
#include <cstring>
#include <immintrin.h>

#pragma clang fp contract(off)

namespace qcc::rt::gemm {
namespace {

/// a * b + c rounded once through double (the product of two floats is
/// exact in double): model.so must not need libm (no fmaf call on hosts
/// without FMA). Equals a true FMA except in rare double-rounding cases.
inline float fmaScalar(float a, float b, float c) {
  return static_cast<float>(static_cast<double>(a) * b + c);
}

/// min / max without libm; NaN in `x` gives `bound` (like vminps/vmaxps
/// with the bound second).
inline float minScalar(float x, float bound) { return x < bound ? x : bound; }
inline float maxScalar(float x, float bound) { return x > bound ? x : bound; }
inline float absScalar(float x) { return __builtin_fabsf(x); }

/// erf(x / sqrt 2) / x = sum_i kSmall[i] x^(2i), |x| <= 0.5.
constexpr float kSmall[] = {
    0.7978845834732056f,     -0.13298076391220093f, 0.0199471116065979f,
    -0.002374623902142048f,  0.00023060914827510715f,
    -1.793410410755314e-05f};
/// erfc(a / sqrt 2) exp(a^2 / 2) = t * sum_i kTail[i] t^i, t = 1/(1 + a/2),
/// 0.5 <= a <= 15.
constexpr float kTail[] = {
    0.3989424705505371f,   0.3989455997943878f,  0.29894763231277466f,
    0.1045185774564743f,   -0.17035292088985443f, 0.03979704529047012f,
    -1.0408453941345215f,  2.5226833820343018f,  -2.6074411869049072f,
    1.335798978805542f,    -0.2810872793197632f};
/// exp(r) = sum_i kExp[i] r^i, |r| <= ln(2) / 2.
constexpr float kExp[] = {1.0f,
                          1.0f,
                          0.4999999403953552f,
                          0.16666460037231445f,
                          0.04166823625564575f,
                          0.008371556177735329f,
                          0.0013824834022670984f};
constexpr float kLog2e = 1.4426950408889634f;
/// ln 2 = kLn2Hi + kLn2Lo; kLn2Hi has 16 significant bits, so n * kLn2Hi is
/// exact for the |n| <= 150 used here.
constexpr float kLn2Hi = 0.693145751953125f;
constexpr float kLn2Lo = 1.428606765330187e-06f;
/// Arguments of expNegScaled below this (and NaN) give 0.
constexpr float kExpMin = -104.0f;
/// expNegScaled returns exp(x) * 2^64 (>= 2^-86, normal); the callers' last
/// multiplication by kExpUnscale rounds once, so results that are subnormal
/// are rounded correctly from the full-precision value.
constexpr float kExpUnscale = 0x1p-64f;
/// |x| at which the erf form's tail is evaluated at most.
constexpr float kTailMax = 15.0f;
/// |x| from which the erf form uses the erfc tail.
constexpr float kTailFrom = 0.5f;
/// 2 sqrt(2/pi) = kTanh0 + kTanh0Lo and 2 sqrt(2/pi) * 0.044715 = kTanh1 +
/// kTanh1Lo: 2u = x (kTanh0 + kTanh1 x^2), computed in double-float.
constexpr float kTanh0 = 1.5957691669464111f;
constexpr float kTanh0Lo = -4.534068054340423e-08f;
constexpr float kTanh1 = 0.07135481387376785f;
constexpr float kTanh1Lo = 2.3988324659995897e-09f;
/// |x| from which the tanh form's sigmoid is exactly 0 or 1 in f32.
constexpr float kTanhClamp = 30.0f;

template <size_t N> float hornerScalar(const float (&c)[N], float t) {
  float r = c[N - 1];
  for (size_t i = N - 1; i-- > 0;)
    r = fmaScalar(r, t, c[i]);
  return r;
}

/// exp(x) * 2^64 for kExpMin <= x <= 0; 0 below kExpMin and for NaN.
float expNegScaledScalar(float x) {
  if (!(x >= kExpMin))
    return 0.0f;
  // Round to nearest even by the 1.5 * 2^23 trick (|x * log2e| <= 151).
  float n = (x * kLog2e + 0x1.8p23f) - 0x1.8p23f;
  float r = fmaScalar(n, -kLn2Hi, x);
  r = fmaScalar(n, -kLn2Lo, r);
  float p = hornerScalar(kExp, r);
  uint32_t bits = static_cast<uint32_t>(static_cast<int32_t>(n) + 127 + 64)
                  << 23;
  float scale;
  std::memcpy(&scale, &bits, sizeof scale);
  return p * scale;
}

template <size_t N>
__attribute__((target("avx2,fma"), always_inline)) inline __m256
hornerAvx2(const float (&c)[N], __m256 t) {
  __m256 r = _mm256_set1_ps(c[N - 1]);
  for (size_t i = N - 1; i-- > 0;)
    r = _mm256_fmadd_ps(r, t, _mm256_set1_ps(c[i]));
  return r;
}

__attribute__((target("avx2,fma"), always_inline)) inline __m256
expNegScaledAvx2(__m256 x) {
  __m256 inRange = _mm256_cmp_ps(x, _mm256_set1_ps(kExpMin), _CMP_GE_OQ);
  x = _mm256_max_ps(x, _mm256_set1_ps(kExpMin)); // NaN -> kExpMin
  __m256 n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(kLog2e)),
                             _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m256 r = _mm256_fmadd_ps(n, _mm256_set1_ps(-kLn2Hi), x);
  r = _mm256_fmadd_ps(n, _mm256_set1_ps(-kLn2Lo), r);
  __m256 p = hornerAvx2(kExp, r);
  __m256i e = _mm256_add_epi32(_mm256_cvtps_epi32(n),
                               _mm256_set1_epi32(127 + 64));
  __m256 scale = _mm256_castsi256_ps(_mm256_slli_epi32(e, 23));
  return _mm256_and_ps(_mm256_mul_ps(p, scale), inRange);
}

__attribute__((target("avx2,fma"), always_inline)) inline __m256
geluErfAvx2(__m256 x) {
  __m256 signMask = _mm256_set1_ps(-0.0f);
  __m256 half = _mm256_set1_ps(0.5f), one = _mm256_set1_ps(1.0f);
  __m256 ax = _mm256_andnot_ps(signMask, x);
  __m256 a = _mm256_min_ps(ax, _mm256_set1_ps(kTailMax));
  __m256 h = _mm256_mul_ps(half, x);
  // |x| < 0.5
  __m256 e = _mm256_mul_ps(x, hornerAvx2(kSmall, _mm256_mul_ps(x, x)));
  __m256 small = _mm256_fmadd_ps(h, e, h);
  // |x| >= 0.5: erfc(a / sqrt 2) = exp(-(hi + lo) / 2) t Q(t).
  __m256 hi = _mm256_mul_ps(a, a);
  __m256 lo = _mm256_fmsub_ps(a, a, hi);
  __m256 ex = expNegScaledAvx2(_mm256_mul_ps(_mm256_set1_ps(-0.5f), hi));
  ex = _mm256_fmadd_ps(ex, _mm256_mul_ps(_mm256_set1_ps(-0.5f), lo), ex);
  __m256 t = _mm256_div_ps(one, _mm256_fmadd_ps(half, a, one));
  __m256 erfcScaled =
      _mm256_mul_ps(_mm256_mul_ps(hornerAvx2(kTail, t), t), ex);
  __m256 unscale = _mm256_set1_ps(kExpUnscale);
  __m256 erfc = _mm256_mul_ps(erfcScaled, unscale);
  __m256 up = _mm256_mul_ps(x, _mm256_fnmadd_ps(half, erfc, one));
  __m256 down = _mm256_mul_ps(_mm256_mul_ps(h, erfcScaled), unscale);
  __m256 tail = _mm256_blendv_ps(
      down, up, _mm256_cmp_ps(x, _mm256_setzero_ps(), _CMP_GT_OQ));
  return _mm256_blendv_ps(
      small, tail, _mm256_cmp_ps(ax, _mm256_set1_ps(kTailFrom), _CMP_GE_OQ));
}

__attribute__((target("avx2,fma"), always_inline)) inline __m256
geluTanhAvx2(__m256 x) {
  __m256 one = _mm256_set1_ps(1.0f);
  __m256 xc = _mm256_min_ps(_mm256_max_ps(x, _mm256_set1_ps(-kTanhClamp)),
                            _mm256_set1_ps(kTanhClamp));
  // w + wl = kTanh0 + kTanh1 x^2 (double-float: x^2 and the products split
  // exactly with FMAs, the sum with TwoSum).
  __m256 p = _mm256_mul_ps(xc, xc);
  __m256 pl = _mm256_fmsub_ps(xc, xc, p);
  __m256 k1 = _mm256_set1_ps(kTanh1), k0 = _mm256_set1_ps(kTanh0);
  __m256 q = _mm256_mul_ps(k1, p);
  __m256 ql = _mm256_fmsub_ps(k1, p, q);
  __m256 w = _mm256_add_ps(k0, q);
  __m256 bb = _mm256_sub_ps(w, k0);
  __m256 err = _mm256_add_ps(_mm256_sub_ps(k0, _mm256_sub_ps(w, bb)),
                             _mm256_sub_ps(q, bb));
  __m256 wl = _mm256_add_ps(
      _mm256_add_ps(err, ql),
      _mm256_fmadd_ps(k1, pl,
                      _mm256_fmadd_ps(_mm256_set1_ps(kTanh1Lo), p,
                                      _mm256_set1_ps(kTanh0Lo))));
  // v + vl = 2u = x (w + wl).
  __m256 v = _mm256_mul_ps(xc, w);
  __m256 vl = _mm256_add_ps(_mm256_fmsub_ps(xc, w, v), _mm256_mul_ps(xc, wl));
  __m256 positive = _mm256_cmp_ps(v, _mm256_setzero_ps(), _CMP_GE_OQ);
  __m256 signMask = _mm256_set1_ps(-0.0f);
  // exp(-|v + vl|) * 2^64 = exp(-|v|) (1 -+ vl) * 2^64.
  __m256 s = expNegScaledAvx2(_mm256_or_ps(v, signMask));
  __m256 al = _mm256_blendv_ps(vl, _mm256_xor_ps(vl, signMask), positive);
  s = _mm256_fmadd_ps(s, al, s);
  __m256 unscale = _mm256_set1_ps(kExpUnscale);
  __m256 d = _mm256_add_ps(one, _mm256_mul_ps(s, unscale));
  __m256 up = _mm256_div_ps(x, d);
  __m256 down = _mm256_mul_ps(_mm256_div_ps(_mm256_mul_ps(x, s), d), unscale);
  return _mm256_blendv_ps(down, up, positive);
}

template <Activation Act>
__attribute__((target("avx2,fma"))) void
geluRowsAvx2Impl(float *c, int64_t ldc, int64_t rows, int64_t cols) {
  for (int64_t i = 0; i < rows; ++i) {
    float *row = c + i * ldc;
    int64_t j = 0;
    for (; j + 8 <= cols; j += 8) {
      __m256 x = _mm256_loadu_ps(row + j);
      _mm256_storeu_ps(row + j, Act == Activation::GeluErf ? geluErfAvx2(x)
                                                            : geluTanhAvx2(x));
    }
    if (j < cols) { // the last 1-7 columns, through one padded vector
      alignas(32) float lanes[8] = {};
      for (int64_t l = 0; j + l < cols; ++l)
        lanes[l] = row[j + l];
      __m256 x = _mm256_load_ps(lanes);
      _mm256_store_ps(lanes, Act == Activation::GeluErf ? geluErfAvx2(x)
                                                         : geluTanhAvx2(x));
      for (int64_t l = 0; j + l < cols; ++l)
        row[j + l] = lanes[l];
    }
  }
}

/// Strided C: 8 elements at a time through a buffer (same bits as above).
template <Activation Act>
__attribute__((target("avx2,fma"))) void
geluStridedAvx2Impl(float *c, int64_t ldc, int64_t csn, int64_t rows,
                    int64_t cols) {
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t j = 0; j < cols; j += 8) {
      int64_t n = cols - j < 8 ? cols - j : 8;
      alignas(32) float lanes[8] = {};
      for (int64_t l = 0; l < n; ++l)
        lanes[l] = c[i * ldc + (j + l) * csn];
      __m256 x = _mm256_load_ps(lanes);
      _mm256_store_ps(lanes, Act == Activation::GeluErf ? geluErfAvx2(x)
                                                         : geluTanhAvx2(x));
      for (int64_t l = 0; l < n; ++l)
        c[i * ldc + (j + l) * csn] = lanes[l];
    }
}

} // namespace

float geluErf(float x) {
  float ax = absScalar(x);
  float a = minScalar(ax, kTailMax);
  float h = 0.5f * x;
  float e = x * hornerScalar(kSmall, x * x);
  float small = fmaScalar(h, e, h);
  if (!(ax >= kTailFrom))
    return small; // also NaN
  float hi = a * a;
  float lo = fmaScalar(a, a, -hi);
  float ex = expNegScaledScalar(-0.5f * hi);
  ex = fmaScalar(ex, -0.5f * lo, ex);
  float t = 1.0f / fmaScalar(0.5f, a, 1.0f);
  float erfcScaled = (hornerScalar(kTail, t) * t) * ex;
  float erfc = erfcScaled * kExpUnscale;
  return x > 0.0f ? x * fmaScalar(-0.5f, erfc, 1.0f)
                  : (h * erfcScaled) * kExpUnscale;
}

float geluTanh(float x) {
  float xc = minScalar(maxScalar(x, -kTanhClamp), kTanhClamp);
  float p = xc * xc;
  float pl = fmaScalar(xc, xc, -p);
  float q = kTanh1 * p;
  float ql = fmaScalar(kTanh1, p, -q);
  float w = kTanh0 + q;
  float bb = w - kTanh0;
  float err = (kTanh0 - (w - bb)) + (q - bb);
  float wl = (err + ql) + fmaScalar(kTanh1, pl, fmaScalar(kTanh1Lo, p, kTanh0Lo));
  float v = xc * w;
  float vl = fmaScalar(xc, w, -v) + xc * wl;
  bool positive = v >= 0.0f;
  float s = expNegScaledScalar(-absScalar(v));
  float al = positive ? -vl : vl;
  s = fmaScalar(s, al, s);
  float d = 1.0f + s * kExpUnscale;
  return positive ? x / d : ((x * s) / d) * kExpUnscale;
}

void geluRowsPortable(Activation act, float *c, int64_t ldc, int64_t csn,
                      int64_t rows, int64_t cols) {
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t j = 0; j < cols; ++j) {
      float &v = c[i * ldc + j * csn];
      v = act == Activation::GeluErf ? geluErf(v) : geluTanh(v);
    }
}

void geluRowsAvx2(Activation act, float *c, int64_t ldc, int64_t csn,
                  int64_t rows, int64_t cols) {
  if (csn != 1) {
    if (act == Activation::GeluErf)
      geluStridedAvx2Impl<Activation::GeluErf>(c, ldc, csn, rows, cols);
    else
      geluStridedAvx2Impl<Activation::GeluTanh>(c, ldc, csn, rows, cols);
  } else if (act == Activation::GeluErf) {
    geluRowsAvx2Impl<Activation::GeluErf>(c, ldc, rows, cols);
  } else {
    geluRowsAvx2Impl<Activation::GeluTanh>(c, ldc, rows, cols);
  }
}

} // namespace qcc::rt::gemm
