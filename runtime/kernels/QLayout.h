//===- QLayout.h - packed quantized-weight layout (internal to kernels) ---===//
//
// Geometry, header and scalar codecs of the blobs of include/qcc/Runtime/
// QKernels.h, shared by QPack.cpp (pack/unpack, no thread pool) and the
// QGemm*.cpp kernels. Nothing outside runtime/kernels includes this file:
// the byte layout is private (see the comment at the top of QPack.cpp and
// docs/Quantization.md, "Packed weights and kernels").
//
//===----------------------------------------------------------------------===//
#ifndef QCC_RUNTIME_KERNELS_QLAYOUT_H
#define QCC_RUNTIME_KERNELS_QLAYOUT_H

#include <cstdint>
#include <cstring>

namespace qcc::rt::q {

/// "QCCW" little-endian: the first four bytes of every blob.
constexpr uint32_t kMagic = 0x57434351u;
/// Layout version stored in the header (bump when the layout changes).
constexpr uint8_t kVersion = 1;
/// Bytes of the header in front of the rows.
constexpr int64_t kHeaderBytes = 32;
/// Codes per chunk: every row's codes are packed in chunks of 64 (the row is
/// zero-padded to a multiple of 64 codes); a chunk takes 8 * bits bytes.
constexpr int64_t kChunk = 64;

/// Where everything of one scheme lives in its blob.
struct Layout {
  /// INT8_W8A8_AZP is stored as format INT8_W8A8 (same weights, same
  /// kernels) with azp set; the header keeps QCC_QF_INT8_W8A8_AZP.
  int32_t format = 0, bits = 0;
  bool azp = false;
  int64_t N = 0, K = 0, group = 0;
  /// Groups per row (ceil(K / group): the last one may be partial) and the
  /// row's K rounded up to kChunk.
  int64_t groups = 0, kPad = 0;
  /// Byte offsets inside a row record, and the record's size:
  /// [f16 scales x groups][f16 mins x groups (UNIFORM only)][codes].
  int64_t minsOffset = 0, codesOffset = 0, rowBytes = 0;
  /// Whole blob: header + N * rowBytes.
  uint64_t total = 0;
  bool hasMin() const { return minsOffset != codesOffset; }
  /// F16 / BF16: 2-byte weights, no scales (codesOffset 0).
  bool isHalf() const { return bits == 16; }
};

/// Fills `l` for a scheme; false if the scheme is not supported.
bool makeLayout(int32_t format, int32_t bits, int64_t N, int64_t K,
                int64_t group, Layout &l);

/// True when `blob` starts with the header of exactly this layout.
bool headerMatches(const Layout &l, const void *blob);

/// IEEE half <-> float (round to nearest even; overflow gives inf).
float halfToFloat(uint16_t h);
uint16_t floatToHalf(float f);

/// Reads an unaligned little-endian f16 and widens it.
inline float loadHalf(const uint8_t *p) {
  uint16_t h;
  std::memcpy(&h, p, 2);
  return halfToFloat(h);
}

/// bfloat16 bits -> float (exact: the high half of an f32).
inline float bf16ToFloat(uint16_t h) {
  uint32_t bits = uint32_t(h) << 16;
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

/// A finite f32 rounded to the nearest f16 / bf16 (ties to even),
/// saturating at the largest finite value (qcc_rt_qpack_f32's rounding).
uint16_t floatToHalfSaturating(float f);
uint16_t floatToBF16Saturating(float f);

/// FP8 E4M3 (finite variant, 0x7f/0xff NaN) to float.
float fp8e4m3ToFloat(uint8_t code);

/// QLoRA's NormalFloat4 table.
extern const float kNF4Table[16];

/// Unpacks the 64 codes of one chunk (8 * bits bytes at `src`).
void unpackChunk(int32_t bits, const uint8_t *src, uint8_t codes[kChunk]);

/// Packs 64 codes (already masked to `bits`) into 8 * bits bytes at `dst`.
void packChunk(int32_t bits, const uint8_t codes[kChunk], uint8_t *dst);

/// Dequantizes elements [k0, k1) of one row record to f32 (out[k - k0]);
/// k0 must be a multiple of kChunk. The portable reference decoder.
void dequantRowPortable(const Layout &l, const uint8_t *row, int64_t k0,
                        int64_t k1, float *out);

/// The W8A8 activation quantization of one row of A (K values): returns the
/// scale max|a| / 127 (0 for an all-zero row) and writes the int8 codes
/// round_half_away(a / scale) clamped to [-127, 127] (0 when scale is 0),
/// widened to int16.
float quantizeActivationRow(const float *a, int64_t K, int16_t *q);

/// The INT8_W8A8_AZP activation quantization of one row of A, group by
/// group (groups of `group` along K, the last one partial): for group g with
/// values a, lo = min(min a, 0), hi = max(max a, 0), scales[g] = (hi - lo) /
/// 255 (0 when hi == lo) and q[k] = u - zp, u = clamp(round_half_away(a /
/// scale) + zp, 0, 255), zp = round_half_away(-lo / scale) (so q in [-255,
/// 255], 0 when the scale is 0; a NaN gives u = 0).
void quantizeActivationRowAzp(const float *a, int64_t K, int64_t group, int16_t *q,
                              float *scales);

} // namespace qcc::rt::q

#endif // QCC_RUNTIME_KERNELS_QLAYOUT_H
