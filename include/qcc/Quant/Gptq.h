//===- Gptq.h - GPTQ: second-order weight rounding with error feedback -----===//
//
// Frantar, Ashkboos, Hoefler, Alistarh, "GPTQ: Accurate Post-Training
// Quantization for Generative Pre-trained Transformers" (ICLR 2023).
//
// Given the layer Hessian H = 2 X^T X (K x K, f64, X the calibration inputs
// of the layer) GPTQ quantizes W[N, K] one input column at a time and spreads
// each column's rounding error over the columns not yet quantized, using the
// upper Cholesky factor U of H^-1 (H^-1 = U^T U):
//
//   for each column i (in processing order):
//     q_i   = Q(w_i)                     (the group's scale/min, see below)
//     e_i   = (w_i - q_i) / U[i, i]
//     w_j  -= e_i * U[i, j]   for every later column j
//
// Details of this implementation (docs/Quantization.md has an example):
//  - dead input columns (H[i,i] == 0: the input is always 0) get H[i,i] = 1
//    and W[:, i] = 0 before anything else;
//  - dampening: H += lambda I with lambda = dampFrac * mean(diag(H)); if H is
//    still not positive definite lambda is multiplied by 10 (up to 4 times);
//  - lazy batch updates: columns are processed in blocks of blockSize; inside
//    a block updates are immediate, later columns receive the block's updates
//    at the block end (the same arithmetic, in the same order, as the plain
//    column-by-column algorithm, just cache friendly);
//  - act-order ("desc_act"): columns are processed by decreasing diag(H)
//    (stable, ties by index) with STATIC natural groups: group g still covers
//    the natural columns [g*G, min((g+1)*G, K)), so scales stay in natural order and
//    the result is an ordinary QuantizedWeight;
//  - a group's scale/min is computed when the group is FIRST REACHED in the
//    processing order, from the current (error-updated, including any
//    pending lazy updates) values of all its columns. Without act-order this
//    is the paper's group-wise GPTQ; per-channel schemes (one group) use the
//    original weights.
//===----------------------------------------------------------------------===//
#ifndef QCC_QUANT_GPTQ_H
#define QCC_QUANT_GPTQ_H

#include "qcc/Quant/QuantizedWeight.h"

#include <optional>
#include <string>

namespace qcc::quant {

/// Knobs of GPTQ (defaults are the paper's).
struct GptqOptions {
  int64_t blockSize = 128; ///< lazy-update block (columns)
  double dampFrac = 0.01;  ///< lambda = dampFrac * mean(diag(H))
  bool actOrder = false;   ///< process columns by decreasing diag(H)
};

/// What GPTQ returns.
struct GptqResult {
  QuantizedWeight weight;
  /// tr(dW H dW^T) with dW = dequant(weight) - W and the H given (undamped):
  /// the layer's summed squared output error on the calibration inputs
  /// times 2 when H = 2 X^T X.
  double loss = 0;
  /// The same quantity for round-to-nearest in the same scheme (reference).
  double rtnLoss = 0;
  double damping = 0;       ///< lambda actually added to the diagonal
  int64_t deadColumns = 0;  ///< inputs with H[i,i] == 0
};

/// Runs GPTQ on row-major f32 W[n, k] with the row-major f64 H[k, k].
/// Returns nullopt and sets \p error (one line) for an invalid scheme, a
/// non-finite H, or an H that stays indefinite after dampening.
std::optional<GptqResult> gptq(const float *w, int64_t n, int64_t k, const double *h,
                               const Scheme &s, const GptqOptions &opts, std::string &error);

} // namespace qcc::quant

#endif // QCC_QUANT_GPTQ_H
