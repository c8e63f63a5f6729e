//===- ApplyQuantPlanIR.h - IR helpers of the plan-driven quantization -----===//
//
// The IR side of qcc-apply-quant-plan / qcc-quantize-linear (ApplyQuantPlan.h):
// matching linear layers y = x W^T + b with a constant W, reading f32
// constants, writing blobs to the side file, rewriting a layer into
// qcc.qlinear, replacing a weight / bias / norm parameter with new values,
// and folding per-input-channel factors 1/s into the producer of x.
//===----------------------------------------------------------------------===//
#ifndef QCC_LIB_PIPELINES_APPLYQUANTPLANIR_H
#define QCC_LIB_PIPELINES_APPLYQUANTPLANIR_H

#include "qcc/Pipelines/ApplyQuantPlan.h"
#include "qcc/Quant/QuantizedWeight.h"

#include "mlir/IR/BuiltinOps.h"

#include "mlir/IR/Operation.h"
#include "mlir/IR/Value.h"
#include "llvm/Support/raw_ostream.h"

#include <optional>
#include <string>
#include <vector>

namespace qcc::applyplan {

/// A linear layer the pass can rewrite: y = x W^T + b, W [N, K] constant.
struct Linear {
  mlir::Operation *op = nullptr;
  mlir::Value x, bias, weight; ///< weight as in the IR ([N, K], or [K, N])
  bool weightIsKN = false;     ///< W stored [K, N] (gemm without trans_b, matmul)
  int64_t n = 0, k = 0;
};

/// Matches qcc.gemm (alpha 1, beta 1, no trans_a) / qcc.matmul with a 2-D
/// static weight, an input whose last dim is K and an optional f32 [N] bias.
std::optional<Linear> matchLinear(mlir::Operation *op);

/// Reads a static f32 constant (qcc.external_weight, dense or dense_resource
/// arith.constant) as row-major floats. false without \p error: not a
/// constant this pass understands; false with \p error: a read failure.
bool readConstant(mlir::Value v, std::vector<float> &out, std::string &error);

/// Reads W of \p l as row-major [N, K] (transposing a [K, N] weight).
bool readWeightNK(const Linear &l, std::vector<float> &out, std::string &error);

/// The side file: blobs appended 64-byte aligned.
class SideFile {
public:
  /// Opens (truncates) \p path, made absolute; false + \p error on failure.
  bool open(const std::string &path, std::string &error);
  /// Appends \p size bytes; returns their offset.
  uint64_t append(const void *data, uint64_t size);
  /// Flushes and closes; false + \p error on a write error.
  bool close(std::string &error);
  const std::string &path() const { return path_; }
  bool isOpen() const { return out_ != nullptr; }

private:
  std::string path_;
  std::unique_ptr<llvm::raw_fd_ostream> out_;
  uint64_t offset_ = 0;
};

/// Replaces the linear \p l by qcc.qlinear on the packed \p q (written to
/// \p side); the bias is \p bias (the layer's own when null). Erases the old
/// op and its weight op when unused. false + \p error if packing fails.
bool emitQLinear(Linear &l, const std::string &name, const quant::QuantizedWeight &q,
                 mlir::Value bias, SideFile &side, std::string &error);

/// Replaces the weight of \p l by the f32 W[N, K] \p w (written to \p side,
/// in the layer's own layout) and its bias by \p bias if non-null.
void replaceWeight(Linear &l, const std::string &name, const std::vector<float> &w,
                   mlir::Value bias, SideFile &side);

/// An arith.constant tensor<f32> of \p values with \p shape, before \p at.
mlir::Value makeConstant(mlir::Operation *at, llvm::ArrayRef<int64_t> shape,
                         llvm::ArrayRef<float> values);

/// Where the factor 1/s of a group's shared input x is folded.
enum class FoldKind {
  Norm,          ///< qcc.rms_norm / qcc.layer_norm feeding only the group: gamma (beta) / s
  ProducerRows,  ///< a linear producing x (directly or through an elementwise
                 ///< product) whose rows and bias are divided by s
  Mul,           ///< an explicit qcc.mul by 1/s inserted after x's producer
};

/// Folds 1/s into a norm, or inserts a qcc.mul: the two folds that do not
/// touch another linear layer's weight (the ProducerRows case is decided by
/// the caller, which owns the producer's weights). \p group: the ops that
/// consume x (every user of x must be one of them for a Norm fold). Returns
/// the kind used; the error case (a norm whose gamma is not a constant) falls
/// back to Mul.
FoldKind foldIntoNormOrMul(mlir::Value x, llvm::ArrayRef<mlir::Operation *> group,
                           llvm::ArrayRef<float> s, std::string &what);

/// The linear op whose output carries x's channels one to one, so that its
/// rows can absorb 1/s: x itself is its result, or x = qcc.mul(a, b) of
/// same-typed operands with one of them its result; every use on the way
/// must be the next step (x used only by \p group). nullptr otherwise.
mlir::Operation *rowFoldProducer(mlir::Value x, llvm::ArrayRef<mlir::Operation *> group);

/// Runs the whole plan (ApplyQuantPlan.h) on \p module; errors and warnings
/// are emitted on the module, prefixed by \p passName.
mlir::LogicalResult runApplyQuantPlan(mlir::ModuleOp module,
                                      const ApplyQuantPlanOptions &options,
                                      llvm::StringRef passName);

} // namespace qcc::applyplan

#endif // QCC_LIB_PIPELINES_APPLYQUANTPLANIR_H
