//===- SgemmMatch.h - which linalg contractions qcc_rt_sgemm computes -----===//
//
// Shared by qcc-x86-tile-and-vectorize (which leaves these ops alone on
// tensors) and qcc-x86-lower-matmul-to-ukernel (which replaces them by calls
// on buffers), so both agree on the set.
//
//===----------------------------------------------------------------------===//
#ifndef QCC_LIB_TARGET_X86_SGEMMMATCH_H
#define QCC_LIB_TARGET_X86_SGEMMMATCH_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"

#include <optional>

namespace qcc::x86 {

/// Where each GEMM role sits in the shape of one operand: the operand
/// dimension indexed by the batch / row / column loop, or -1 when the operand
/// is not indexed by that loop (a broadcast; stride 0). Rows and columns are
/// (m, k) for A, (k, n) for B and (m, n) for C.
struct SgemmOperandDims {
  int batch = -1, row = -1, col = -1;
};

/// An f32 (batch) matmul that qcc_rt_sgemm computes:
///   C[b, m, n] += sum_k A[b, m, k] * B[b, k, n]
/// with at most one batch loop; loops of static extent 1 are ignored.
struct SgemmMatch {
  /// Index of A and B among the op's DPS inputs.
  unsigned aInput = 0, bInput = 1;
  SgemmOperandDims a, b, c;
};

/// Matches `op` (on tensors or buffers): two f32 inputs, one f32 init, a
/// multiply-add body, projected-permutation maps, exactly one m, n and k loop
/// and at most one batch loop of extent other than 1.
std::optional<SgemmMatch> matchSgemm(mlir::linalg::LinalgOp op);

} // namespace qcc::x86

#endif // QCC_LIB_TARGET_X86_SGEMMMATCH_H
