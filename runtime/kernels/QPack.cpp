//===- QPack.cpp - packed quantized weights: schemes, pack, unpack --------===//
//
// The blob layout of include/qcc/Runtime/QKernels.h, its scheme checks and
// the reference (portable) codecs. The compiler links this file (through
// qcc_kernels) to pack blobs at compile time, so it does not use the thread
// pool. The kernels that read blobs are QGemm.cpp / QGemmAvx2.cpp.
//
// Blob of a W[N, K] weight (all integers little-endian, no alignment
// assumed anywhere: every read is an unaligned-safe memcpy or loadu):
//
//   header, 32 bytes: u32 magic "QCCW", u8 version (1), u8 format, u8 bits,
//                     u8 0, i64 N, i64 K, i64 group
//   N row records of rowBytes each, row n at 32 + n * rowBytes:
//     f16 scale[G]          G = ceil(K / group) (the last group may be
//                           partial), IEEE half, round to nearest even
//     f16 min[G]            UNIFORM only
//     codes                 ceil(K / 64) chunks of 64 codes, 8 * bits bytes
//                           each (codes past K are 0)
//
// A chunk of 64 codes q[0..63] splits each code into a low part of 4 bits
// (bits 4, 5, 6) or 2 bits (bits 2, 3) and a high part, each stored so that
// one SIMD load plus shifts and masks yields codes in order:
//
//   4-bit part, 32 bytes: byte i = q[i] | q[i + 32] << 4        (i < 32)
//   2-bit part, 16 bytes: byte i = q[i] | q[i + 16] << 2 |
//                                  q[i + 32] << 4 | q[i + 48] << 6 (i < 16)
//   1-bit plane, 8 bytes: bit j (byte j / 8, bit j % 8) = that bit of q[j]
//
//   bits 2: 2-bit part of q            bits 3: 2-bit part of q & 3, plane q >> 2
//   bits 4: 4-bit part of q            bits 5: 4-bit part of q & 15, plane q >> 4
//   bits 6: 4-bit part of q & 15, then 2-bit part of q >> 4
//   bits 8: 64 bytes, q[i]             (NF4 = bits 4, FP8 / W8A8 = bits 8)
//   bits 16: 128 bytes, q[i] as little-endian u16 (F16 / BF16: the row
//            record is just the K weights in order, zero-padded; no scales)
//
// So codes 0..31 of a chunk (one 32-wide group, or the first half of a
// longer one) come from the low nibbles / first two 2-bit fields, and 32..63
// from the high ones.
//
//===----------------------------------------------------------------------===//
#include "qcc/Runtime/QKernels.h"

#include "QLayout.h"

#include <cmath>
#include <cstring>
#include <limits>

namespace qcc::rt::q {

const float kNF4Table[16] = {
    -1.0f,
    -0.6961928009986877f,
    -0.5250730514526367f,
    -0.39491748809814453f,
    -0.28444138169288635f,
    -0.18477343022823334f,
    -0.09105003625154495f,
    0.0f,
    0.07958029955625534f,
    0.16093020141124725f,
    0.24611230194568634f,
    0.33791524171829224f,
    0.44070982933044006f,
    0.5626170039176941f,
    0.7229568362236023f,
    1.0f,
};

bool makeLayout(int32_t format, int32_t bits, int64_t N, int64_t K,
                int64_t group, Layout &l) {
  switch (format) {
  case QCC_QF_UNIFORM:
    if (bits != 2 && bits != 3 && bits != 4 && bits != 5 && bits != 6 &&
        bits != 8)
      return false;
    break;
  case QCC_QF_NF4:
    if (bits != 4)
      return false;
    break;
  case QCC_QF_FP8_E4M3:
  case QCC_QF_INT8_W8A8:
  case QCC_QF_INT8_W8A8_AZP:
    if (bits != 8)
      return false;
    break;
  case QCC_QF_F16:
  case QCC_QF_BF16:
    if (bits != 16 || group != K) // no scales: one "group" per row
      return false;
    break;
  default:
    return false;
  }
  // Sizes: positive and small enough that no size computation below can
  // overflow (2^31 rows of up to 2^31 columns). group need not divide K:
  // the last group of a row is then partial (K - (G - 1) * group codes).
  constexpr int64_t kMaxDim = (int64_t(1) << 31) - 1;
  if (N < 1 || K < 1 || group < 1 || N > kMaxDim || K > kMaxDim ||
      group > kMaxDim)
    return false;
  l.azp = format == QCC_QF_INT8_W8A8_AZP;
  l.format = l.azp ? QCC_QF_INT8_W8A8 : format;
  l.bits = bits;
  l.N = N;
  l.K = K;
  l.group = group;
  l.groups = (K + group - 1) / group;
  l.kPad = (K + kChunk - 1) / kChunk * kChunk;
  bool half = bits == 16;
  l.minsOffset = half ? 0 : 2 * l.groups;
  l.codesOffset = l.minsOffset + (format == QCC_QF_UNIFORM ? 2 * l.groups : 0);
  l.rowBytes = l.codesOffset + l.kPad / kChunk * 8 * bits;
  l.total = uint64_t(kHeaderBytes) + uint64_t(N) * uint64_t(l.rowBytes);
  return true;
}

/// Writes the 32-byte header of `l` at `dst`.
static void writeHeader(const Layout &l, uint8_t *dst) {
  uint8_t h[kHeaderBytes] = {};
  std::memcpy(h, &kMagic, 4);
  h[4] = kVersion;
  h[5] = uint8_t(l.azp ? QCC_QF_INT8_W8A8_AZP : l.format);
  h[6] = uint8_t(l.bits);
  std::memcpy(h + 8, &l.N, 8);
  std::memcpy(h + 16, &l.K, 8);
  std::memcpy(h + 24, &l.group, 8);
  std::memcpy(dst, h, kHeaderBytes);
}

bool headerMatches(const Layout &l, const void *blob) {
  if (!blob)
    return false;
  uint8_t expected[kHeaderBytes];
  writeHeader(l, expected);
  return std::memcmp(expected, blob, kHeaderBytes) == 0;
}

float halfToFloat(uint16_t h) {
  uint32_t sign = uint32_t(h & 0x8000u) << 16;
  uint32_t exp = (h >> 10) & 31u, mant = h & 0x3ffu;
  uint32_t bits;
  if (exp == 0) {
    float v = std::ldexp(float(mant), -24); // zero or subnormal: exact
    std::memcpy(&bits, &v, 4);
    bits |= sign;
  } else if (exp == 31) {
    bits = sign | 0x7f800000u | (mant << 13);
  } else {
    bits = sign | ((exp + 112) << 23) | (mant << 13);
  }
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

uint16_t floatToHalf(float f) {
  uint32_t x;
  std::memcpy(&x, &f, 4);
  uint16_t sign = uint16_t((x >> 16) & 0x8000u);
  uint32_t ax = x & 0x7fffffffu;
  if (ax > 0x7f800000u)
    return sign | 0x7e00u; // NaN
  if (ax >= 0x477ff000u)
    return sign | 0x7c00u; // >= 65520 rounds to infinity
  if (ax < 0x38800000u) {
    // Below 2^-14: a half subnormal (or zero) in units of 2^-24; the
    // scaling is exact and nearbyint rounds to nearest even. 1024 units is
    // the smallest normal, whose encoding is also 1024.
    float v;
    std::memcpy(&v, &ax, 4);
    return sign | uint16_t(std::nearbyint(v * 16777216.0f));
  }
  uint32_t h = ((((ax >> 23) - 112) << 10) | ((ax & 0x7fffffu) >> 13));
  uint32_t rest = ax & 0x1fffu;
  if (rest > 0x1000u || (rest == 0x1000u && (h & 1u)))
    ++h; // a carry into the exponent is still the right encoding
  return sign | uint16_t(h);
}

uint16_t floatToHalfSaturating(float f) {
  uint16_t h = floatToHalf(f);
  if ((h & 0x7fffu) == 0x7c00u) // a finite f >= 65520 rounded to inf
    h = uint16_t((h & 0x8000u) | 0x7bffu);
  return h;
}

uint16_t floatToBF16Saturating(float f) {
  uint32_t x;
  std::memcpy(&x, &f, 4);
  uint32_t r = x + 0x7fffu + ((x >> 16) & 1u); // ties to even on 16 bits
  uint16_t h = uint16_t(r >> 16);
  if ((h & 0x7fffu) == 0x7f80u) // carried into inf
    h = uint16_t((h & 0x8000u) | 0x7f7fu);
  return h;
}

float fp8e4m3ToFloat(uint8_t code) {
  if ((code & 0x7fu) == 0x7fu)
    return std::numeric_limits<float>::quiet_NaN();
  int exp = (code >> 3) & 15, mant = code & 7;
  float v = exp ? std::ldexp(float(8 + mant), exp - 10)
                : std::ldexp(float(mant), -9);
  return (code & 0x80u) ? -v : v;
}

/// 4-bit part of a chunk: 32 bytes.
static void pack4(const uint8_t *q, uint8_t *dst) {
  for (int i = 0; i < 32; ++i)
    dst[i] = uint8_t((q[i] & 15) | (q[i + 32] & 15) << 4);
}
static void unpack4(const uint8_t *src, uint8_t *q) {
  for (int i = 0; i < 32; ++i) {
    q[i] = src[i] & 15;
    q[i + 32] = src[i] >> 4;
  }
}
/// 2-bit part of a chunk: 16 bytes.
static void pack2(const uint8_t *q, uint8_t *dst) {
  for (int i = 0; i < 16; ++i)
    dst[i] = uint8_t((q[i] & 3) | (q[i + 16] & 3) << 2 | (q[i + 32] & 3) << 4 |
                     (q[i + 48] & 3) << 6);
}
static void unpack2(const uint8_t *src, uint8_t *q) {
  for (int i = 0; i < 16; ++i)
    for (int f = 0; f < 4; ++f)
      q[i + 16 * f] = (src[i] >> (2 * f)) & 3;
}
/// 1-bit plane: 8 bytes.
static void packPlane(const uint8_t *q, uint8_t *dst) {
  std::memset(dst, 0, 8);
  for (int j = 0; j < 64; ++j)
    dst[j / 8] |= uint8_t((q[j] & 1) << (j % 8));
}
static void unpackPlane(const uint8_t *src, uint8_t *q) {
  for (int j = 0; j < 64; ++j)
    q[j] = (src[j / 8] >> (j % 8)) & 1;
}

void packChunk(int32_t bits, const uint8_t codes[kChunk], uint8_t *dst) {
  uint8_t lo[kChunk], hi[kChunk];
  switch (bits) {
  case 8:
    std::memcpy(dst, codes, kChunk);
    return;
  case 4:
    pack4(codes, dst);
    return;
  case 2:
    pack2(codes, dst);
    return;
  default:
    break;
  }
  int lowBits = bits == 3 ? 2 : 4;
  for (int j = 0; j < kChunk; ++j) {
    lo[j] = codes[j] & ((1 << lowBits) - 1);
    hi[j] = codes[j] >> lowBits;
  }
  if (lowBits == 2) {
    pack2(lo, dst);
    packPlane(hi, dst + 16);
  } else {
    pack4(lo, dst);
    if (bits == 5)
      packPlane(hi, dst + 32);
    else
      pack2(hi, dst + 32);
  }
}

void unpackChunk(int32_t bits, const uint8_t *src, uint8_t codes[kChunk]) {
  uint8_t hi[kChunk];
  switch (bits) {
  case 8:
    std::memcpy(codes, src, kChunk);
    return;
  case 4:
    unpack4(src, codes);
    return;
  case 2:
    unpack2(src, codes);
    return;
  case 3:
    unpack2(src, codes);
    unpackPlane(src + 16, hi);
    for (int j = 0; j < kChunk; ++j)
      codes[j] |= uint8_t(hi[j] << 2);
    return;
  case 5:
    unpack4(src, codes);
    unpackPlane(src + 32, hi);
    break;
  case 6:
    unpack4(src, codes);
    unpack2(src + 32, hi);
    break;
  default:
    std::memset(codes, 0, kChunk);
    return;
  }
  for (int j = 0; j < kChunk; ++j)
    codes[j] |= uint8_t(hi[j] << 4);
}

void dequantRowPortable(const Layout &l, const uint8_t *row, int64_t k0,
                        int64_t k1, float *out) {
  const uint8_t *codes = row + l.codesOffset;
  if (l.isHalf()) {
    for (int64_t k = k0; k < k1; ++k) {
      uint16_t h;
      std::memcpy(&h, codes + 2 * k, 2);
      out[k - k0] = l.format == QCC_QF_F16 ? halfToFloat(h) : bf16ToFloat(h);
    }
    return;
  }
  int64_t chunkBytes = 8 * l.bits;
  uint8_t q[kChunk];
  for (int64_t c0 = k0; c0 < k1; c0 += kChunk) {
    unpackChunk(l.bits, codes + c0 / kChunk * chunkBytes, q);
    int64_t end = c0 + kChunk < k1 ? c0 + kChunk : k1;
    for (int64_t k = c0; k < end; ++k) {
      int64_t g = k / l.group;
      float scale = loadHalf(row + 2 * g);
      uint8_t code = q[k - c0];
      float w;
      switch (l.format) {
      case QCC_QF_UNIFORM:
        w = float(code) * scale + loadHalf(row + l.minsOffset + 2 * g);
        break;
      case QCC_QF_NF4:
        w = kNF4Table[code & 15] * scale;
        break;
      case QCC_QF_FP8_E4M3:
        w = fp8e4m3ToFloat(code) * scale;
        break;
      default: // QCC_QF_INT8_W8A8
        w = float(int8_t(code)) * scale;
        break;
      }
      out[k - k0] = w;
    }
  }
}

float quantizeActivationRow(const float *a, int64_t K, int16_t *q) {
  float amax = 0.0f;
  for (int64_t k = 0; k < K; ++k)
    amax = std::fmax(amax, std::fabs(a[k]));
  float scale = amax / 127.0f;
  for (int64_t k = 0; k < K; ++k) {
    float r = scale > 0.0f ? std::round(a[k] / scale) : 0.0f;
    r = std::fmin(std::fmax(r, -127.0f), 127.0f); // NaN -> -127 (fmax)
    q[k] = int16_t(r);
  }
  return scale;
}

void quantizeActivationRowAzp(const float *a, int64_t K, int64_t group, int16_t *q,
                              float *scales) {
  for (int64_t g = 0, k0 = 0; k0 < K; ++g, k0 += group) {
    int64_t k1 = k0 + group < K ? k0 + group : K;
    float lo = 0.0f, hi = 0.0f;
    for (int64_t k = k0; k < k1; ++k) {
      lo = std::fmin(lo, a[k]);
      hi = std::fmax(hi, a[k]);
    }
    float scale = (hi - lo) / 255.0f;
    scales[g] = scale > 0.0f ? scale : 0.0f;
    if (!(scale > 0.0f)) {
      for (int64_t k = k0; k < k1; ++k)
        q[k] = 0;
      continue;
    }
    float zp = std::fmin(std::round(-lo / scale), 255.0f);
    for (int64_t k = k0; k < k1; ++k) {
      float u = std::round(a[k] / scale) + zp;
      u = std::fmin(std::fmax(u, 0.0f), 255.0f); // NaN -> 0 (fmax)
      q[k] = int16_t(u - zp);
    }
  }
}

} // namespace qcc::rt::q

using namespace qcc::rt::q;

namespace {

/// Whether a 2-byte F16 / BF16 code is inf or NaN (exponent all ones).
bool halfCodeNonFinite(int32_t format, uint16_t h) {
  return format == QCC_QF_F16 ? (h & 0x7c00u) == 0x7c00u
                              : (h & 0x7f80u) == 0x7f80u;
}

/// F16 / BF16 blob from 2-byte codes (little-endian); false, nothing
/// written, if a code is inf or NaN.
bool packHalf(const Layout &l, const uint8_t *codes, void *out) {
  int64_t count = l.N * l.K;
  for (int64_t i = 0; i < count; ++i) {
    uint16_t h = uint16_t(codes[2 * i] | codes[2 * i + 1] << 8);
    if (halfCodeNonFinite(l.format, h))
      return false;
  }
  uint8_t *dst = static_cast<uint8_t *>(out);
  writeHeader(l, dst);
  for (int64_t n = 0; n < l.N; ++n) {
    uint8_t *row = dst + kHeaderBytes + n * l.rowBytes;
    std::memcpy(row, codes + 2 * n * l.K, size_t(2 * l.K));
    std::memset(row + 2 * l.K, 0, size_t(l.rowBytes - 2 * l.K));
  }
  return true;
}

} // namespace

extern "C" {

int32_t qcc_rt_qscheme_valid(int32_t format, int32_t bits, int64_t N,
                             int64_t K, int64_t group) {
  Layout l;
  return makeLayout(format, bits, N, K, group, l) ? 1 : 0;
}

uint64_t qcc_rt_qpacked_size(int32_t format, int32_t bits, int64_t N,
                             int64_t K, int64_t group) {
  Layout l;
  return makeLayout(format, bits, N, K, group, l) ? l.total : 0;
}

int32_t qcc_rt_qpack(int32_t format, int32_t bits, int64_t N, int64_t K,
                     int64_t group, const uint8_t *codes, const float *scales,
                     const float *mins, void *out) {
  Layout l;
  if (!makeLayout(format, bits, N, K, group, l) || !codes || !out)
    return -1;
  if (l.isHalf())
    return packHalf(l, codes, out) ? 0 : -1;
  if (!scales || (l.hasMin() && !mins))
    return -1;
  // Check everything before writing anything: every scale and min must be a
  // finite half, and FP8 codes must not be NaN.
  int64_t nScales = N * l.groups;
  for (int64_t i = 0; i < nScales; ++i) {
    if (!std::isfinite(halfToFloat(floatToHalf(scales[i]))))
      return -1;
    if (l.hasMin() && !std::isfinite(halfToFloat(floatToHalf(mins[i]))))
      return -1;
  }
  if (format == QCC_QF_FP8_E4M3)
    for (int64_t i = 0; i < N * K; ++i)
      if ((codes[i] & 0x7fu) == 0x7fu)
        return -1;
  uint8_t *dst = static_cast<uint8_t *>(out);
  writeHeader(l, dst);
  uint8_t mask = uint8_t((1u << bits) - 1u);
  int64_t chunkBytes = 8 * bits;
  for (int64_t n = 0; n < N; ++n) {
    uint8_t *row = dst + kHeaderBytes + n * l.rowBytes;
    for (int64_t g = 0; g < l.groups; ++g) {
      uint16_t s = floatToHalf(scales[n * l.groups + g]);
      std::memcpy(row + 2 * g, &s, 2);
      if (l.hasMin()) {
        uint16_t m = floatToHalf(mins[n * l.groups + g]);
        std::memcpy(row + l.minsOffset + 2 * g, &m, 2);
      }
    }
    const uint8_t *src = codes + n * K;
    for (int64_t c0 = 0; c0 < l.kPad; c0 += kChunk) {
      uint8_t q[kChunk] = {};
      for (int64_t k = c0; k < c0 + kChunk && k < K; ++k)
        q[k - c0] = src[k] & mask;
      packChunk(bits, q, row + l.codesOffset + c0 / kChunk * chunkBytes);
    }
  }
  return 0;
}

int32_t qcc_rt_qpack_f32(int32_t format, int64_t N, int64_t K, const float *w,
                         void *out) {
  Layout l;
  if ((format != QCC_QF_F16 && format != QCC_QF_BF16) ||
      !makeLayout(format, 16, N, K, K, l) || !w || !out)
    return -1;
  int64_t count = N * K;
  for (int64_t i = 0; i < count; ++i)
    if (!std::isfinite(w[i]))
      return -1;
  uint8_t *dst = static_cast<uint8_t *>(out);
  writeHeader(l, dst);
  for (int64_t n = 0; n < N; ++n) {
    uint8_t *row = dst + kHeaderBytes + n * l.rowBytes;
    for (int64_t k = 0; k < K; ++k) {
      float v = w[n * K + k];
      uint16_t h = format == QCC_QF_F16 ? floatToHalfSaturating(v)
                                        : floatToBF16Saturating(v);
      std::memcpy(row + 2 * k, &h, 2);
    }
    std::memset(row + 2 * K, 0, size_t(l.rowBytes - 2 * K));
  }
  return 0;
}

int32_t qcc_rt_qunpack_f32(int32_t format, int32_t bits, int64_t N, int64_t K,
                           int64_t group, const void *packed, float *w) {
  Layout l;
  if (!makeLayout(format, bits, N, K, group, l) || !w ||
      !headerMatches(l, packed))
    return -1;
  const uint8_t *rows = static_cast<const uint8_t *>(packed) + kHeaderBytes;
  for (int64_t n = 0; n < N; ++n)
    dequantRowPortable(l, rows + n * l.rowBytes, 0, K, w + n * K);
  return 0;
}

const float *qcc_rt_nf4_table(void) { return kNF4Table; }

} // extern "C"
