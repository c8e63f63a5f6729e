//===- Numerics.h - f16 rounding, FP8 E4M3 and NF4 codes, group quantizers -===//
//
// The scalar building blocks every algorithm shares: rounding to IEEE half
// (how scales and mins are stored), the FP8 E4M3 ("fn": no infinities, max 448,
// 0x7f/0xff NaN) encoding with round-to-nearest-even, the NF4 table of QLoRA
// (Dettmers et al. 2023), and the per-group quantizer (choose scale/min of a
// group, encode one weight, decode one code) used by RTN, GPTQ and AWQ.
//===----------------------------------------------------------------------===//
#ifndef QCC_QUANT_NUMERICS_H
#define QCC_QUANT_NUMERICS_H

#include "qcc/Quant/Scheme.h"

#include <cstdint>

namespace qcc::quant {

/// Rounds \p x to the nearest IEEE half (ties to even), returned as float.
/// Finite values beyond the half range saturate to +-65504.
float roundToHalf(float x);

/// Rounds \p x to the nearest bfloat16 (ties to even), returned as float.
/// Finite values beyond the bfloat16 range saturate to +-0x1.fep127.
float roundToBFloat16(float x);

/// The FP8 E4M3 code (sign bit | 4-bit exponent, bias 7 | 3-bit mantissa)
/// nearest to \p x, ties to even mantissa; |x| >= 448 saturates to +-448
/// (0x7e / 0xfe), NaN becomes 0 (callers never pass NaN).
uint8_t encodeFP8E4M3(float x);
/// The value of an FP8 E4M3 code (NaN for 0x7f / 0xff).
float decodeFP8E4M3(uint8_t code);

/// The 16 NF4 values (ascending, nf4Table()[7] == 0), as in QLoRA.
const float *nf4Table();

/// Scale and min of one group, already rounded to f16 (min is 0 for formats
/// without one).
struct GroupParams {
  float scale = 0;
  float min = 0;
};

/// Chooses the parameters of a group of \p count weights for \p s:
///  - Uniform asym: scale = (max - min) / (2^b - 1), min = min(w)
///  - Uniform sym:  scale = max|w| / (2^(b-1) - 1), min = -2^(b-1) * scale
///  - NF4: scale = max|w|;  FP8 E4M3: scale = max|w| / 448;
///  - W8A8: scale = max|w| / 127.
/// The scale is rounded to f16 before the min is derived (sym) and both are
/// f16 values; a scale that would round to 0 for a non-constant group
/// becomes the smallest f16 subnormal. \p stride steps between weights.
GroupParams chooseParams(const float *w, int64_t count, int64_t stride, const Scheme &s);

/// The code of weight \p w under \p p (nearest representable value; uniform
/// and W8A8 use round-half-to-even on (w - min) / scale, then clamp).
uint8_t encode(float w, const GroupParams &p, const Scheme &s);
/// The weight a code stands for: q*scale + min (uniform), table[q]*scale
/// (NF4), fp8(q)*scale (FP8), (int8)q*scale (W8A8). Computed in float.
float decode(uint8_t q, const GroupParams &p, const Scheme &s);

} // namespace qcc::quant

#endif // QCC_QUANT_NUMERICS_H
