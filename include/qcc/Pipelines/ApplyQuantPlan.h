//===- ApplyQuantPlan.h - the qcc-apply-quant-plan pass ----------*- C++ -*-===//
//
// Per-layer quantization as a plan file (include/qcc/Quant/PlanFile.h) says,
// with the rounding methods and smoothing of lib/Quant:
//
//   * every linear layer y = x W^T + b (qcc.gemm / qcc.matmul with a constant
//     W, named by qcc.layer) gets its plan entry: f32 stays; a quantized scheme
//     becomes qcc.qlinear on a packed blob in the side file, rounded by the
//     entry's method: rtn (quantizeRTN), gptq (quant::gptq on the layer's
//     X^T X from the statistics file, act-order, damping 0.01) or awq;
//     f16 / bf16 entries become qcc.qlinear with f16 / bf16 blobs (QF16);
//   * scale folding: layers that share one input x (q/k/v after attn_norm,
//     gate/up after ffn_norm) share one factor vector s; the layers compute
//     (x / s) (W diag(s))^T, which equals x W^T in exact arithmetic. s is
//     SmoothQuant's (w8a8 entries with smoothquant_alpha or "smoothquant":
//     true: alpha searched per group on the statistics' sample rows for the
//     least summed W8A8 output error) or else AWQ's (any awq entry in the
//     group: alpha searched jointly on X^T X). 1/s is folded into x's
//     producer: the gamma (and beta) of a qcc.rms_norm / qcc.layer_norm
//     that feeds only the group; the rows (and bias) of a linear whose output
//     is x, or one factor of x = qcc.mul(a, b) (Llama's ffn_up feeding
//     ffn_down through the SwiGLU product); otherwise an explicit qcc.mul by
//     1/s is inserted (Llama's attn_output: its input is the attention
//     output, which with GQA has no per-channel linear producer).
//   * fold-only: the same factors are computed and folded but every weight
//     stays f32 (W diag(s) written to the side file): the model is the float
//     model up to rounding, which the equivalence tests check.
//
// Errors (one line, non-zero exit): unreadable plan or statistics, a plan for
// another model (digest), layers the plan names but the model lacks or misses
// (without "default"), a method that needs statistics the file lacks.
//
// Example:
//
//   qcc-opt m.mlir '--qcc-apply-quant-plan=plan=p.json stats=s.qstats side-file=m.bin'
//
// with p.json
//
//   {"format": "qcc-quant-plan", "version": 1, "default": "int4_g128_asym",
//    "default_method": "gptq",
//    "layers": {"blk.0.attn_q.weight": {"scheme": "w8a8", "smoothquant": true}}}
//===----------------------------------------------------------------------===//
#ifndef QCC_PIPELINES_APPLYQUANTPLAN_H
#define QCC_PIPELINES_APPLYQUANTPLAN_H

#include <memory>
#include <string>

namespace mlir {
class Pass;
} // namespace mlir

namespace qcc {

/// Options of qcc-apply-quant-plan. Either a plan file or a uniform scheme.
struct ApplyQuantPlanOptions {
  /// The plan file; "" = the uniform plan below.
  std::string plan;
  /// Uniform plan: every layer (matching `layers`) gets this scheme with
  /// this method ("rtn", "gptq", "awq"); layers the scheme cannot quantize
  /// stay f32 (one warning). smoothQuant: w8a8 with alpha searched.
  std::string scheme;
  std::string method = "rtn";
  bool smoothQuant = false;
  /// Uniform plan only: regex of the layer names (llvm::Regex search).
  std::string layers;
  /// The statistics file (needed for gptq, awq and SmoothQuant).
  std::string stats;
  /// Side file for packed blobs and rescaled f32 weights (overwritten).
  std::string sideFile = "qcc-packed.bin";
  /// Fold the smoothing factors but keep every weight f32.
  bool foldOnly = false;
};

/// The pass (see the file comment).
std::unique_ptr<mlir::Pass> createApplyQuantPlanPass(const ApplyQuantPlanOptions &options);

/// Registers `qcc-apply-quant-plan{plan= stats= side-file= fold-only= scheme=
/// method= smoothquant= layers=}`.
void registerApplyQuantPlanPass();

} // namespace qcc

#endif // QCC_PIPELINES_APPLYQUANTPLAN_H
