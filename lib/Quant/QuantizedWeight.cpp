//===- QuantizedWeight.cpp - round-to-nearest quantization and dequantization -===//
#include "qcc/Quant/QuantizedWeight.h"
#include "qcc/Quant/Numerics.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstring>

namespace qcc::quant {

namespace {

/// The f16 bit pattern of \p v, which must be a finite half value.
uint16_t halfBitsOf(float v) {
  uint16_t sign = std::signbit(v) ? 0x8000u : 0u;
  float a = std::fabs(v);
  if (a == 0.0f)
    return sign;
  int e = std::ilogb(a);
  if (e < -14) // subnormal: a multiple of 2^-24
    return sign | static_cast<uint16_t>(std::ldexp(a, 24));
  auto mant = static_cast<uint16_t>(std::ldexp(a, 10 - e) - 1024.0f);
  return sign | static_cast<uint16_t>((e + 15) << 10) | mant;
}

/// The bfloat16 bit pattern of \p v, which must be a bfloat16 value.
uint16_t bf16BitsOf(float v) {
  uint32_t u;
  std::memcpy(&u, &v, 4);
  return static_cast<uint16_t>(u >> 16);
}

float halfFromBits(uint16_t h) {
  int e = (h >> 10) & 31, m = h & 1023;
  float a = e == 0 ? std::ldexp(static_cast<float>(m), -24)
                   : std::ldexp(static_cast<float>(1024 + m), e - 25);
  return (h & 0x8000u) ? -a : a;
}

float bf16FromBits(uint16_t h) {
  uint32_t u = static_cast<uint32_t>(h) << 16;
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

} // namespace

QuantizedWeight makeQuantizedWeight(int64_t n, int64_t k, const Scheme &s) {
  QuantizedWeight q;
  q.n = n;
  q.k = k;
  q.scheme = s;
  q.scheme.group = s.groupSize(k);
  if (s.isHalf()) { // 2 bytes per weight, no scales
    q.codes.assign(static_cast<size_t>(2 * n * k), 0);
    return q;
  }
  int64_t groups = n * q.scheme.groupsPerRow(k);
  q.codes.assign(static_cast<size_t>(n * k), 0);
  q.scales.assign(static_cast<size_t>(groups), 0.0f);
  if (s.hasMins())
    q.mins.assign(static_cast<size_t>(groups), 0.0f);
  return q;
}

QuantizedWeight quantizeRTN(const float *w, int64_t n, int64_t k, const Scheme &s) {
  assert(s.isPacked() && s.validFor(n, k) && "scheme cannot quantize this weight");
  QuantizedWeight q = makeQuantizedWeight(n, k, s);
  if (s.isHalf()) {
    bool f16 = s.format == Format::F16;
    for (int64_t i = 0; i < n * k; ++i) {
      uint16_t h = f16 ? halfBitsOf(roundToHalf(w[i])) : bf16BitsOf(roundToBFloat16(w[i]));
      q.codes[2 * i] = static_cast<uint8_t>(h & 0xff);
      q.codes[2 * i + 1] = static_cast<uint8_t>(h >> 8);
    }
    return q;
  }
  int64_t g = q.scheme.group, gpr = q.groupsPerRow();
  for (int64_t r = 0; r < n; ++r)
    for (int64_t j = 0; j < gpr; ++j) {
      int64_t len = std::min(g, k - j * g); // the last group may be partial
      const float *src = w + r * k + j * g;
      GroupParams p = chooseParams(src, len, 1, s);
      q.scales[r * gpr + j] = p.scale;
      if (s.hasMins())
        q.mins[r * gpr + j] = p.min;
      uint8_t *dst = q.codes.data() + r * k + j * g;
      for (int64_t i = 0; i < len; ++i)
        dst[i] = encode(src[i], p, s);
    }
  return q;
}

std::vector<float> QuantizedWeight::dequantize() const {
  std::vector<float> w(static_cast<size_t>(n * k));
  if (scheme.isHalf()) {
    for (int64_t i = 0; i < n * k; ++i) {
      auto h = static_cast<uint16_t>(codes[2 * i] | codes[2 * i + 1] << 8);
      w[i] = scheme.format == Format::F16 ? halfFromBits(h) : bf16FromBits(h);
    }
    return w;
  }
  int64_t g = scheme.groupSize(k), gpr = groupsPerRow();
  for (int64_t r = 0; r < n; ++r)
    for (int64_t j = 0; j < gpr; ++j) {
      GroupParams p;
      p.scale = roundToHalf(scales[r * gpr + j]);
      p.min = mins.empty() ? 0.0f : roundToHalf(mins[r * gpr + j]);
      for (int64_t i = 0, len = std::min(g, k - j * g); i < len; ++i) {
        int64_t idx = r * k + j * g + i;
        w[idx] = decode(codes[idx], p, scheme);
      }
    }
  return w;
}

} // namespace qcc::quant
