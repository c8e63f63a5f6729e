//===- Report.h - qcc --report DIR: what the budget solver chose and why ---===//
//
// report.json (every layer: name, shape, sensitivity per scheme, chosen
// scheme, method, bits, predicted loss; totals: size, average bits,
// compression vs FP16, predicted and measured perplexity change),
// report.md (the same as a table), plan.json (the plan file) and
// sensitivity.png (per-layer sensitivity, log scale, against chosen bits).
//===----------------------------------------------------------------------===//
#ifndef QCC_DRIVER_REPORT_H
#define QCC_DRIVER_REPORT_H

#include "Budget.h"

#include <cstdint>
#include <optional>
#include <string>

namespace qcc::report {

/// The verification stage's measurement on held-out windows.
struct Verification {
  std::string text;        ///< the text file
  int64_t windows = 0;     ///< windows of seqLen tokens
  int64_t seqLen = 0;
  int64_t tokenOffset = 0; ///< first token (after calibration and sensitivity)
  int64_t scoredTokens = 0;
  double nllF32 = 0, nllQuant = 0; ///< mean NLL per scored token (nats)
  double meanKl = 0;               ///< mean KL(p_f32 || p_quant) per scored token
  /// Encoders (windows/seqLen/nll unused): held-out sentences, and the
  /// cosine of each quantized sentence embedding to the F32 one.
  bool encoder = false;
  int64_t sentences = 0;
  double meanCosLoss = 0; ///< mean 1 - cos (what the cosine sensitivities predict)
  double minCos = 1, meanCos = 1;
  double pplF32() const;
  double pplQuant() const;
  /// pplQuant / pplF32 - 1.
  double pplIncrease() const;
};

/// Everything the report describes.
struct ReportInput {
  std::string modelPath, statsPath, outputPath;
  const budget::Assignment *assignment = nullptr;
  const quant::CalibrationStats *stats = nullptr;
  const quant::QuantPlan *plan = nullptr;
  std::optional<Verification> verification;
  uint64_t f32LibraryBytes = 0, quantLibraryBytes = 0; ///< 0: not built
};

/// Creates \p dir if needed and writes the four files; false + \p error
/// (naming the file) on failure.
bool writeReport(const std::string &dir, const ReportInput &in, std::string &error);

/// The chart alone (sensitivity.png), \p width x \p height pixels.
bool writeSensitivityChart(const ReportInput &in, const std::string &path, int width, int height,
                           std::string &error);

} // namespace qcc::report

#endif // QCC_DRIVER_REPORT_H
