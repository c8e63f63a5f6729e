//===- GGUFUniform.cpp - GGUF blocks to uniform codes/scales/mins ---------===//
//
// The mapping of GGUFUniform.h. Element order inside each block follows the
// reader's dequantizer (GGUF.cpp) exactly, so codes[i] * scale + min is the
// dequantized value of element i.
//
//===----------------------------------------------------------------------===//
#include "qcc/Import/GGUFUniform.h"

#include "qcc/Import/HalfFloat.h"

#include <cstring>

namespace qcc::gguf {

namespace {

float f16(const uint8_t *p) {
  uint16_t h;
  std::memcpy(&h, p, 2);
  return halfToFloat(h);
}

/// The 6-bit scale and min of sub-block j of a Q4_K/Q5_K super-block.
void scaleMin6(int j, const uint8_t *q, int &sc, int &mn) {
  if (j < 4) {
    sc = q[j] & 63;
    mn = q[j + 4] & 63;
  } else {
    sc = (q[j + 4] & 15) | (q[j - 4] >> 6) << 4;
    mn = (q[j + 4] >> 4) | (q[j] >> 6) << 4;
  }
}

/// One 256-element K-quant super-block at p -> codes c[256], 8 or 16 groups.
void superBlock(TensorType type, const uint8_t *p, uint8_t *c, float *s, float *m) {
  switch (type) {
  case TensorType::Q2_K: {
    const uint8_t *scales = p, *q = p + 16;
    float d = f16(p + 80), dmin = f16(p + 82);
    int is = 0;
    for (int n = 0; n < 256; n += 128, q += 32)
      for (int shift = 0; shift < 8; shift += 2)
        for (int half = 0; half < 2; ++half, ++is) {
          s[is] = d * float(scales[is] & 15);
          m[is] = -dmin * float(scales[is] >> 4);
          for (int l = 0; l < 16; ++l)
            *c++ = (q[l + 16 * half] >> shift) & 3;
        }
    return;
  }
  case TensorType::Q3_K: {
    const uint8_t *hm = p, *q = p + 32, *raw = p + 96;
    float d = f16(p + 108);
    int is = 0;
    uint8_t mask = 1;
    for (int n = 0; n < 256; n += 128, q += 32)
      for (int shift = 0; shift < 8; shift += 2, mask <<= 1)
        for (int half = 0; half < 2; ++half, ++is) {
          int low = is < 8 ? raw[is] & 15 : raw[is - 8] >> 4;
          int high = (raw[8 + is % 4] >> (2 * (is / 4))) & 3;
          s[is] = d * float((low | high << 4) - 32);
          m[is] = -4.0f * s[is];
          for (int l = 16 * half; l < 16 * half + 16; ++l)
            *c++ = uint8_t(((q[l] >> shift) & 3) | ((hm[l] & mask) ? 4 : 0));
        }
    return;
  }
  case TensorType::Q4_K:
  case TensorType::Q5_K: {
    bool five = type == TensorType::Q5_K;
    float d = f16(p), dmin = f16(p + 2);
    const uint8_t *scales = p + 4, *qh = p + 16, *ql = p + (five ? 48 : 16);
    for (int j = 0, is = 0; j < 256; j += 64, ql += 32, is += 2) {
      int sc1, mn1, sc2, mn2;
      scaleMin6(is, scales, sc1, mn1);
      scaleMin6(is + 1, scales, sc2, mn2);
      s[is] = d * float(sc1), m[is] = -dmin * float(mn1);
      s[is + 1] = d * float(sc2), m[is + 1] = -dmin * float(mn2);
      int bit = j / 32;
      for (int l = 0; l < 32; ++l)
        *c++ = uint8_t((ql[l] & 15) | (five && (qh[l] >> bit & 1) ? 16 : 0));
      for (int l = 0; l < 32; ++l)
        *c++ = uint8_t((ql[l] >> 4) | (five && (qh[l] >> (bit + 1) & 1) ? 16 : 0));
    }
    return;
  }
  case TensorType::Q6_K: {
    const uint8_t *ql = p, *qh = p + 128;
    const int8_t *sc = reinterpret_cast<const int8_t *>(p + 192);
    float d = f16(p + 208);
    // Group g covers elements [16g, 16g + 16); the dequantizer scales element
    // l + 32r of half n (l < 32) by sc[8n + 2r + l / 16], i.e. group g by sc[g].
    for (int g = 0; g < 16; ++g) {
      s[g] = d * float(sc[g]);
      m[g] = -32.0f * s[g];
    }
    for (int n = 0; n < 256; n += 128, ql += 64, qh += 32, c += 128)
      for (int l = 0; l < 32; ++l) {
        c[l] = uint8_t((ql[l] & 15) | ((qh[l] >> 0) & 3) << 4);
        c[l + 32] = uint8_t((ql[l + 32] & 15) | ((qh[l] >> 2) & 3) << 4);
        c[l + 64] = uint8_t((ql[l] >> 4) | ((qh[l] >> 4) & 3) << 4);
        c[l + 96] = uint8_t((ql[l + 32] >> 4) | ((qh[l] >> 6) & 3) << 4);
      }
    return;
  }
  default:
    return;
  }
}

} // namespace

bool uniformScheme(TensorType type, int &bits, int64_t &group, bool &exact) {
  exact = true;
  group = 32;
  switch (type) {
  case TensorType::Q4_0: case TensorType::Q4_1: bits = 4; return true;
  case TensorType::Q5_0: case TensorType::Q5_1: bits = 5; return true;
  case TensorType::Q8_0: bits = 8; return true;
  default: break;
  }
  exact = false;
  switch (type) {
  case TensorType::Q4_K: bits = 4; return true;
  case TensorType::Q5_K: bits = 5; return true;
  case TensorType::Q6_K: bits = 6, group = 16; return true;
  case TensorType::Q3_K: bits = 3, group = 16; return true;
  case TensorType::Q2_K: bits = 2, group = 16; return true;
  default: return false;
  }
}

bool toUniform(const TensorInfo &t, uint8_t *codes, float *scales, float *mins) {
  int bits;
  int64_t group;
  bool exact;
  if (!uniformScheme(t.type, bits, group, exact))
    return false;
  size_t blockElems, blockBytes;
  blockLayout(t.type, blockElems, blockBytes);
  const uint8_t *p = t.data;
  uint64_t nb = t.numel / blockElems;
  if (blockElems == 256) {
    int64_t groups = 256 / group;
    for (uint64_t b = 0; b < nb; ++b, p += blockBytes)
      superBlock(t.type, p, codes + 256 * b, scales + groups * b, mins + groups * b);
    return true;
  }
  for (uint64_t b = 0; b < nb; ++b, p += blockBytes, codes += 32) {
    float d = f16(p);
    switch (t.type) {
    case TensorType::Q8_0:
      scales[b] = d, mins[b] = -128.0f * d;
      for (int j = 0; j < 32; ++j)
        codes[j] = uint8_t(int(int8_t(p[2 + j])) + 128);
      break;
    case TensorType::Q4_0:
    case TensorType::Q4_1: {
      bool hasMin = t.type == TensorType::Q4_1;
      scales[b] = d, mins[b] = hasMin ? f16(p + 2) : -8.0f * d;
      const uint8_t *qs = p + (hasMin ? 4 : 2);
      for (int j = 0; j < 16; ++j) {
        codes[j] = qs[j] & 15;
        codes[j + 16] = qs[j] >> 4;
      }
      break;
    }
    case TensorType::Q5_0:
    case TensorType::Q5_1: {
      bool hasMin = t.type == TensorType::Q5_1;
      scales[b] = d, mins[b] = hasMin ? f16(p + 2) : -16.0f * d;
      const uint8_t *q = p + (hasMin ? 4 : 2);
      uint32_t qh;
      std::memcpy(&qh, q, 4);
      const uint8_t *qs = q + 4;
      for (int j = 0; j < 16; ++j) {
        codes[j] = uint8_t((qs[j] & 15) | ((qh >> j) & 1) << 4);
        codes[j + 16] = uint8_t((qs[j] >> 4) | ((qh >> (j + 16)) & 1) << 4);
      }
      break;
    }
    default:
      return false;
    }
  }
  return true;
}

} // namespace qcc::gguf
