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

namespace mlir::func {
class FuncOp;
} // namespace mlir::func

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

/// The activation of an epilogue (qcc_rt_sgemm flags QCC_GEMM_RELU,
/// QCC_GEMM_GELU_ERF, QCC_GEMM_GELU_TANH).
enum class SgemmActivation { None, Relu, GeluErf, GeluTanh };

/// An elementwise op that qcc_rt_sgemm can apply in its epilogue (flags
/// QCC_GEMM_BIAS plus an activation) to the product it reads:
///   out[..., n] = x[..., n] + bias[n]                        (None)
///   out[..., n] = maximumf(x[..., n] + bias[n], 0)           (Relu)
///   out[..., n] = gelu(x[..., n] + bias[n]), erf or tanh form (GeluErf/Tanh)
struct SgemmEpilogue {
  /// Index of x (the product, identity map) and of the rank-1 bias (indexed
  /// by the innermost loop) among the op's DPS inputs.
  unsigned xInput = 0, biasInput = 1;
  SgemmActivation activation = SgemmActivation::None;
};

/// Matches the form of `op` (on tensors or buffers; which op produced x is
/// the caller's business): a linalg.generic with only parallel loops, f32
/// operands, inputs x and bias as above, one init with an identity map that
/// the body does not read, and a body `yield x + bias`,
/// `yield maximumf(x + bias, 0)` (operands in either order), or a GELU of
/// s = x + bias: any expression in s of constants, addf/subf/mulf/divf/negf,
/// math.powf and exactly one kind of math.erf (erf form) or math.tanh (tanh
/// form) whose value equals 0.5 s (1 + erf(s / sqrt 2)), resp.
/// 0.5 s (1 + tanh(sqrt(2/pi) (s + 0.044715 s^3))), to 2e-6 (relative) at
/// 24 probe points in [-8, 8], evaluated in double. Any way of writing GELU
/// (PyTorch's export, ONNX Gelu's lowering, x * Phi(x)) matches; a
/// different function does not.
std::optional<SgemmEpilogue> matchSgemmEpilogue(mlir::linalg::LinalgOp op);

/// Rewrites every linalg.batch_matmul on tensors whose operands or result
/// go through linalg.transpose views (attention heads) into a contraction
/// generic that reads and writes the untransposed tensors (strided operands
/// of qcc_rt_sgemm); see FoldTransposes.cpp.
void foldTransposesIntoSgemmOperands(mlir::func::FuncOp func);

/// The op whose result `v` is, looking through tensor/memref expand_shape
/// and collapse_shape (each with a single use when on tensors).
mlir::Value stripReshapes(mlir::Value v);

} // namespace qcc::x86

#endif // QCC_LIB_TARGET_X86_SGEMMMATCH_H
