//===- GGUFUniform.h - GGUF quantized blocks as uniform codes + scales -----===//
//
// GGUF's block-quantized tensor types are group-wise uniform quantization:
// every element is w = q * scale + min with an integer code q and one
// (scale, min) pair per group of 32 (or 16) elements along a row. This
// header maps each type to that form so that qcc can keep a GGUF weight in
// its native precision (qcc_rt_qpack of include/qcc/Runtime/QKernels.h)
// instead of dequantizing it. No MLIR, no runtime dependency.
//
//   Q4_0  bits 4, group 32: q = nibble,           scale = d, min = -8 d   exact
//   Q4_1  bits 4, group 32: q = nibble,           scale = d, min = m      exact
//   Q5_0  bits 5, group 32: q = nibble | qh << 4, scale = d, min = -16 d  exact
//   Q5_1  bits 5, group 32: q = nibble | qh << 4, scale = d, min = m      exact
//   Q8_0  bits 8, group 32: q = int8 + 128,       scale = d, min = -128 d exact
//   Q4_K / Q5_K  bits 4 / 5, group 32: scale = d * sc6, min = -dmin * m6
//   Q6_K  bits 6, group 16: q = 6-bit + 0,        scale = d * sc8, min = -32 scale
//   Q3_K  bits 3, group 16: q = 2 low bits | (hmask ? 4 : 0), scale = d * sc6s,
//         min = -4 scale
//   Q2_K  bits 2, group 16: scale = d * sc4, min = -dmin * m4
//
// "exact": GGUF stores d and m as f16, so the f16 scales/mins of the packed
// blob are the same numbers and the dequantized weights are bit-identical.
// The K-quants store a super-block f16 factor times a small integer (4 to 8
// bits): that product needs up to 19 significant bits, and the packed blob
// keeps it as f16 (11 bits), so their scales and mins are rounded to the
// nearest f16 -- a relative error of at most 2^-11 per group scale
// (documented-approximate; docs/Quantization.md).
//
//===----------------------------------------------------------------------===//
#ifndef QCC_IMPORT_GGUFUNIFORM_H
#define QCC_IMPORT_GGUFUNIFORM_H

#include "qcc/Import/GGUF.h"

#include <cstdint>

namespace qcc::gguf {

/// The uniform scheme of a block-quantized type: bits and group size, and
/// whether the mapping is exact. False for F32/F16/BF16 (not quantized).
bool uniformScheme(TensorType type, int &bits, int64_t &group, bool &exact);

/// Converts the blocks of \p t (numel elements, a multiple of the block size,
/// in ggml order = row-major of the reversed dims) into one code per element
/// (\p codes, numel bytes) and f32 \p scales / \p mins (numel / group each),
/// such that codes[i] * scales[i / group] + mins[i / group] equals
/// dequantize(t)[i] (up to the f16 rounding of K-quant scales). False if the
/// type is not block-quantized.
bool toUniform(const TensorInfo &t, uint8_t *codes, float *scales, float *mins);

} // namespace qcc::gguf

#endif // QCC_IMPORT_GGUFUNIFORM_H
