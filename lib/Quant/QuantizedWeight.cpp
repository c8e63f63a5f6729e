//===- QuantizedWeight.cpp - round-to-nearest quantization and dequantization -===//
#include "qcc/Quant/QuantizedWeight.h"
#include "qcc/Quant/Numerics.h"

#include <algorithm>
#include <cassert>

namespace qcc::quant {

QuantizedWeight makeQuantizedWeight(int64_t n, int64_t k, const Scheme &s) {
  QuantizedWeight q;
  q.n = n;
  q.k = k;
  q.scheme = s;
  q.scheme.group = s.groupSize(k);
  int64_t groups = n * q.scheme.groupsPerRow(k);
  q.codes.assign(static_cast<size_t>(n * k), 0);
  q.scales.assign(static_cast<size_t>(groups), 0.0f);
  if (s.hasMins())
    q.mins.assign(static_cast<size_t>(groups), 0.0f);
  return q;
}

QuantizedWeight quantizeRTN(const float *w, int64_t n, int64_t k, const Scheme &s) {
  assert(s.isQuantized() && s.validFor(n, k) && "scheme cannot quantize this weight");
  QuantizedWeight q = makeQuantizedWeight(n, k, s);
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
