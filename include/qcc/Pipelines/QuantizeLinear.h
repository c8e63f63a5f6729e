//===- QuantizeLinear.h - the qcc-quantize-linear pass ----------*- C++ -*-===//
#ifndef QCC_PIPELINES_QUANTIZELINEAR_H
#define QCC_PIPELINES_QUANTIZELINEAR_H

#include <memory>
#include <string>

namespace mlir {
class Pass;
} // namespace mlir

namespace qcc {

/// Options of qcc-quantize-linear.
struct QuantizeLinearOptions {
  /// A qcc::quant::Scheme name (include/qcc/Quant/Scheme.h): int8_pc_sym,
  /// int4_g128_asym, nf4_g64, fp8_e4m3_pc, w8a8, ...
  std::string scheme = "int4_g128_asym";
  /// Only layers whose name matches this regex (llvm::Regex, unanchored
  /// search); "" = every layer.
  std::string layers;
  /// The side file the packed blobs are written to (overwritten); the new
  /// qcc.external_weight ops name it with format "raw". Made absolute.
  std::string sideFile = "qcc-packed.bin";
};

/// Round-to-nearest weight quantization of linear layers:
///
///   qcc.gemm %x, %W, %b {trans_b}   (W [N, K] a constant: qcc.external_weight,
///   qcc.gemm %x, %W, %b             dense or dense_resource arith.constant;
///   qcc.matmul %x, %W               W [K, N] for the last two)
///     ==>  qcc.qlinear %x, %blob, %b {format, bits, group_size, out_features}
///
/// with %blob = qcc.external_weight (format raw) of the packed blob
/// qcc_rt_qpack built from quantizeRTN's codes, written to the side file.
/// Layers are named by their qcc.layer attribute (else the weight's tensor
/// or symbol name); the qlinear carries it. A layer the scheme cannot
/// quantize (e.g. int7: no kernel) stays f32 and one warning counts them.
/// Implemented as the uniform round-to-nearest case of qcc-apply-quant-plan
/// (include/qcc/Pipelines/ApplyQuantPlan.h), which shares all the IR code.
std::unique_ptr<mlir::Pass>
createQuantizeLinearPass(const QuantizeLinearOptions &options = {});

/// Registers `qcc-quantize-linear{scheme=... layers=... side-file=...}`.
void registerQuantizeLinearPass();

} // namespace qcc

#endif // QCC_PIPELINES_QUANTIZELINEAR_H
