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
  std::vector<uint8_t> codes;       ///< n*k, one code per byte (int8 bytes for W8A8)
  std::vector<float> scales, mins;  ///< n*ceil(k/group); mins empty when the format has none

  /// Groups per row: ceil(k / scheme.group) (the last one may be partial).
  int64_t groupsPerRow() const { return scheme.groupsPerRow(k); }
  /// f32 W[n, k]; scales/mins are rounded through f16 first.
  std::vector<float> dequantize() const;
};

/// Round-to-nearest quantization of the row-major f32 W[n, k]. Requires
/// s.isQuantized() and s.validFor(n, k) (asserted); weights must be finite.
QuantizedWeight quantizeRTN(const float *w, int64_t n, int64_t k, const Scheme &s);

/// An empty QuantizedWeight shaped for W[n, k] in \p s (codes zero, scales
/// and mins sized), with scheme.group resolved; the algorithms fill it in.
QuantizedWeight makeQuantizedWeight(int64_t n, int64_t k, const Scheme &s);

} // namespace qcc::quant

#endif // QCC_QUANT_QUANTIZEDWEIGHT_H
