//===- Numerics.cpp - f16 rounding, FP8 E4M3, NF4 and per-group quantizers -===//
//
// FP8 E4M3 follows "FP8 Formats for Deep Learning" (Micikevicius et al. 2022,
// the E4M3 variant without infinities); NF4 is the NormalFloat4 of QLoRA
// (Dettmers et al. 2023). Round-to-nearest everywhere is ties-to-even.
//===----------------------------------------------------------------------===//
#include "qcc/Quant/Numerics.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>

namespace qcc::quant {

float roundToHalf(float x) {
  if (std::isnan(x))
    return x;
  constexpr float kMaxHalf = 65504.0f;
  float a = std::fabs(x);
  if (a == 0.0f)
    return x;
  if (a > kMaxHalf)
    return std::copysign(kMaxHalf, x);
  // Spacing of halfs around |x|: 2^(e - 10) for normals (e = floor(log2|x|)),
  // 2^-24 below 2^-14 (subnormals). Dividing by a power of two is exact.
  int ex = 0;
  std::frexp(a, &ex); // a = m * 2^ex, m in [0.5, 1)
  int e = ex - 1;
  float ulp = e < -14 ? std::ldexp(1.0f, -24) : std::ldexp(1.0f, e - 10);
  float r = std::nearbyint(x / ulp) * ulp;
  if (std::fabs(r) > kMaxHalf)
    r = std::copysign(kMaxHalf, x);
  return r;
}

float roundToBFloat16(float x) {
  if (std::isnan(x) || std::isinf(x))
    return x;
  uint32_t u;
  std::memcpy(&u, &x, 4);
  u += 0x7fffu + ((u >> 16) & 1u); // round to nearest even on the low 16 bits
  u &= 0xffff0000u;
  if ((u & 0x7fffffffu) == 0x7f800000u) // a finite x carried into inf:
    u -= 0x10000u;                      // saturate to +-max bfloat16 (0x7f7f)
  float r;
  std::memcpy(&r, &u, 4);
  return r;
}

namespace {

/// Values of the non-negative finite E4M3 codes 0..126, ascending.
const std::array<float, 127> &fp8Values() {
  static const std::array<float, 127> table = [] {
    std::array<float, 127> t{};
    for (int c = 0; c < 127; ++c) {
      int e = c >> 3, m = c & 7;
      t[c] = e == 0 ? std::ldexp(static_cast<float>(m) / 8.0f, -6)
                    : std::ldexp(1.0f + static_cast<float>(m) / 8.0f, e - 7);
    }
    return t;
  }();
  return table;
}

} // namespace

uint8_t encodeFP8E4M3(float x) {
  if (std::isnan(x))
    return 0;
  const auto &v = fp8Values();
  uint8_t sign = std::signbit(x) && x != 0.0f ? 0x80 : 0x00;
  float a = std::fabs(x);
  int code;
  if (a >= v[126]) {
    code = 126;
  } else {
    // Largest i with v[i] <= a, then round to nearest, ties to the even code
    // (the even mantissa; midpoints have 5 significant bits, exact in f32).
    int i = static_cast<int>(std::upper_bound(v.begin(), v.end(), a) - v.begin()) - 1;
    float mid = (v[i] + v[i + 1]) * 0.5f;
    if (a < mid)
      code = i;
    else if (a > mid)
      code = i + 1;
    else
      code = (i % 2 == 0) ? i : i + 1;
  }
  return static_cast<uint8_t>(sign | code);
}

float decodeFP8E4M3(uint8_t code) {
  int c = code & 0x7f;
  if (c == 0x7f)
    return std::nanf("");
  float v = fp8Values()[c];
  return (code & 0x80) ? -v : v;
}

const float *nf4Table() {
  static const float table[16] = {
      -1.0f, -0.6961928009986877f, -0.5250730514526367f, -0.39491748809814453f,
      -0.28444138169288635f, -0.18477343022823334f, -0.09105003625154495f, 0.0f,
      0.07958029955625534f, 0.16093020141124725f, 0.24611230194568634f,
      0.33791524171829224f, 0.44070982933044434f, 0.5626170039176941f,
      0.7229568362236023f, 1.0f};
  return table;
}

GroupParams chooseParams(const float *w, int64_t count, int64_t stride, const Scheme &s) {
  constexpr float kTinyHalf = 5.9604644775390625e-08f; // 2^-24
  GroupParams p;
  float mn = w[0], mx = w[0], am = 0.0f;
  for (int64_t i = 0; i < count; ++i) {
    float v = w[i * stride];
    mn = std::min(mn, v);
    mx = std::max(mx, v);
    am = std::max(am, std::fabs(v));
  }
  auto finish = [&](float raw, bool nonConstant) {
    float s16 = roundToHalf(raw);
    if (s16 == 0.0f && nonConstant)
      s16 = kTinyHalf;
    return s16;
  };
  switch (s.format) {
  case Format::Uniform:
    if (s.symmetric) {
      float half = std::ldexp(1.0f, s.bits - 1);
      p.scale = finish(am / (half - 1.0f), am > 0.0f);
      p.min = -half * p.scale; // exact: a power of two times an f16
    } else {
      float levels = std::ldexp(1.0f, s.bits) - 1.0f;
      p.scale = finish((mx - mn) / levels, mx > mn);
      p.min = roundToHalf(mn);
    }
    break;
  case Format::NF4:
    p.scale = finish(am, am > 0.0f);
    break;
  case Format::FP8E4M3:
    p.scale = finish(am / 448.0f, am > 0.0f);
    break;
  case Format::Int8W8A8:
  case Format::Int8W8A8Azp:
    p.scale = finish(am / 127.0f, am > 0.0f);
    break;
  default:
    break;
  }
  return p;
}

uint8_t encode(float w, const GroupParams &p, const Scheme &s) {
  switch (s.format) {
  case Format::Uniform: {
    if (p.scale == 0.0f)
      return 0;
    float x = std::nearbyint((w - p.min) / p.scale);
    float top = std::ldexp(1.0f, s.bits) - 1.0f;
    if (!(x > 0.0f)) // also NaN
      return 0;
    return static_cast<uint8_t>(std::min(x, top));
  }
  case Format::NF4: {
    if (p.scale == 0.0f)
      return 7;
    float x = w / p.scale;
    const float *t = nf4Table();
    int best = 0;
    float bestDist = std::fabs(x - t[0]);
    for (int i = 1; i < 16; ++i) {
      float d = std::fabs(x - t[i]);
      if (d < bestDist) {
        bestDist = d;
        best = i;
      }
    }
    return static_cast<uint8_t>(best);
  }
  case Format::FP8E4M3:
    if (p.scale == 0.0f)
      return 0;
    return encodeFP8E4M3(w / p.scale);
  case Format::Int8W8A8:
  case Format::Int8W8A8Azp: {
    if (p.scale == 0.0f)
      return 0;
    float x = std::nearbyint(w / p.scale);
    if (!(x == x))
      x = 0.0f;
    x = std::clamp(x, -127.0f, 127.0f);
    return static_cast<uint8_t>(static_cast<int8_t>(x));
  }
  default:
    return 0;
  }
}

float decode(uint8_t q, const GroupParams &p, const Scheme &s) {
  switch (s.format) {
  case Format::Uniform: {
    float prod = static_cast<float>(q) * p.scale;
    return prod + p.min;
  }
  case Format::NF4:
    return nf4Table()[q & 15] * p.scale;
  case Format::FP8E4M3:
    return decodeFP8E4M3(q) * p.scale;
  case Format::Int8W8A8:
  case Format::Int8W8A8Azp:
    return static_cast<float>(static_cast<int8_t>(q)) * p.scale;
  default:
    return 0.0f;
  }
}

} // namespace qcc::quant
