//===- QuantizedWeight.h - unpacked quantized weights and round-to-nearest -===//
//
// QuantizedWeight is exactly what qcc_rt_qpack (QKernels.h) takes: one code
// per weight and f32 scales/mins per (row, group), f16-representable.
// quantizeRTN is plain round-to-nearest with per-group absmax / min-max
// parameters (the baseline every paper compares with; see Numerics.h for
// the exact formulas of each format).
//===----------------------------------------------------------------------===//
#ifndef QCC_QUANT_QUANTIZEDWEIGHT_H
#define QCC_QUANT_QUANTIZEDWEIGHT_H

#include "qcc/Quant/Scheme.h"

#include <cstdint>
#include <vector>

namespace qcc::quant {

/// A quantized W[n, k]; scheme.group is the resolved group size (k for a
/// per-channel scheme), as qcc_rt_qpack expects.
struct QuantizedWeight {
  int64_t n = 0, k = 0;
  Scheme scheme;
  /// n*k, one code per byte (int8 bytes for W8A8); F16 / BF16: 2*n*k, the
  /// little-endian 16-bit pattern of each weight.
  std::vector<uint8_t> codes;
  /// n*ceil(k/group); mins empty when the format has none; both empty for
  /// F16 / BF16.
  std::vector<float> scales, mins;

  /// Groups per row: ceil(k / scheme.group) (the last one may be partial).
  int64_t groupsPerRow() const { return scheme.groupsPerRow(k); }
  /// f32 W[n, k]; scales/mins are rounded through f16 first.
  std::vector<float> dequantize() const;
};

/// Round-to-nearest quantization of the row-major f32 W[n, k]. Requires
/// s.isPacked() and s.validFor(n, k) (asserted); weights must be finite.
/// F16 / BF16: each weight rounded to nearest even (roundToHalf /
/// roundToBFloat16: finite overflow saturates), bit for bit what
/// qcc_rt_qpack_f32 stores.
QuantizedWeight quantizeRTN(const float *w, int64_t n, int64_t k, const Scheme &s);

/// An empty QuantizedWeight shaped for W[n, k] in \p s (codes zero, scales
/// and mins sized), with scheme.group resolved; the algorithms fill it in.
QuantizedWeight makeQuantizedWeight(int64_t n, int64_t k, const Scheme &s);

} // namespace qcc::quant

#endif // QCC_QUANT_QUANTIZEDWEIGHT_H
