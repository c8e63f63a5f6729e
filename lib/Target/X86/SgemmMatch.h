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

/// An elementwise op that qcc_rt_sgemm can apply in its epilogue (flags
/// QCC_GEMM_BIAS, QCC_GEMM_RELU) to the product it reads:
///   out[..., n] = x[..., n] + bias[n]               (relu = false)
///   out[..., n] = maximumf(x[..., n] + bias[n], 0)  (relu = true)
struct SgemmEpilogue {
  /// Index of x (the product, identity map) and of the rank-1 bias (indexed
  /// by the innermost loop) among the op's DPS inputs.
  unsigned xInput = 0, biasInput = 1;
  bool relu = false;
};

/// Matches the form of `op` (on tensors or buffers; which op produced x is
/// the caller's business): a linalg.generic with only parallel loops, f32
/// operands, inputs x and bias as above, one init with an identity map that
/// the body does not read, and a body `yield x + bias` or
/// `yield maximumf(x + bias, 0)` (operands in either order).
std::optional<SgemmEpilogue> matchSgemmEpilogue(mlir::linalg::LinalgOp op);

/// The op whose result `v` is, looking through tensor/memref expand_shape
/// and collapse_shape (each with a single use when on tensors).
mlir::Value stripReshapes(mlir::Value v);

} // namespace qcc::x86

#endif // QCC_LIB_TARGET_X86_SGEMMMATCH_H
