//===- StatsFile.h - the calibration statistics file (JSON + binary blob) ---===//
//
// What calibration measures about a model, saved so that later runs (GPTQ,
// AWQ, SmoothQuant, sensitivity, the budget solver) reuse it without running
// the model again. Two files: <name>.json (readable; small per-channel
// vectors inline) and a companion blob (named in the JSON, by default
// <name>.json.bin) holding the big arrays (X^T X in f64, sample rows in f32)
// at 8-byte aligned offsets, each with an FNV-1a 64 checksum in the JSON.
// Identical arrays (q/k/v projections share their input) are stored once.
// docs/Quantization.md shows an example. Every error is one line naming the
// file, the layer and the key.
//===----------------------------------------------------------------------===//
#ifndef QCC_QUANT_STATSFILE_H
#define QCC_QUANT_STATSFILE_H

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace qcc::quant {

/// One tensor of the model the statistics were measured on.
struct TensorShape {
  std::string name;
  std::vector<int64_t> shape;
  bool operator==(const TensorShape &o) const { return name == o.name && shape == o.shape; }
};

/// Identifies the model: statistics of another model are refused.
struct ModelFingerprint {
  std::string path; ///< informational (models move)
  std::string arch; ///< e.g. "llama", "bert"
  std::vector<TensorShape> tensors;
  /// Checksum of arch, names and shapes (not the path, not the values).
  std::string digest() const;
};

/// Sensitivity of one layer to one scheme (either may be missing).
struct SchemeSensitivity {
  std::optional<double> hessian; ///< 1/2 tr(dW H dW^T), Sensitivity.h
  std::optional<double> kl;      ///< measured KL of the logits, only this layer quantized
};

/// Statistics of the input of one linear layer W[out, in].
struct LayerStats {
  int64_t inFeatures = 0, outFeatures = 0;
  uint64_t rows = 0;              ///< activation rows (tokens) accumulated
  std::vector<float> absMax;      ///< [in] max |x_j|
  std::vector<float> meanAbs;     ///< [in] mean |x_j|
  std::vector<float> p999;        ///< [in] 99.9th percentile of |x_j| (empty if not measured)
  std::vector<double> xtx;        ///< [in, in] sum over rows of x^T x (empty if not measured)
  int64_t sampleRows = 0;         ///< rows kept in `samples`
  std::vector<float> samples;     ///< [sampleRows, in] a few input rows (SmoothQuant's search)
  std::map<std::string, SchemeSensitivity> sensitivity; ///< by canonical scheme name
};

// SENS: how the sensitivities were measured and how well they agree.
/// The "sensitivity_summary" object: the KL protocol and the Spearman rank
/// correlation of the Hessian estimates against the measured KL.
struct SensitivitySummary {
  /// What the per-layer `kl` values measure: "kl" (causal LMs: next-token
  /// KL(p_f32 || p_q), nats per token) or "cosine" (encoders: 1 - cos of the
  /// sentence embeddings, mean over held-out sentences). JSON "kl_metric",
  /// absent = "kl".
  std::string klMetric = "kl";
  std::string klSource;      ///< held text of the KL measurement
  int64_t klWindows = 0;     ///< windows (sequences) of that text
  int64_t klSeqLen = 0;      ///< tokens per window
  int64_t klTokenOffset = 0; ///< first token used (after the calibration windows)
  int64_t pairs = 0;         ///< (layer, scheme) pairs with both values
  std::optional<double> spearman; ///< over all pairs, in [-1, 1]
  std::map<std::string, double> spearmanByScheme; ///< per canonical scheme name
  bool operator==(const SensitivitySummary &o) const {
    return klMetric == o.klMetric && klSource == o.klSource && klWindows == o.klWindows && klSeqLen == o.klSeqLen &&
           klTokenOffset == o.klTokenOffset && pairs == o.pairs && spearman == o.spearman &&
           spearmanByScheme == o.spearmanByScheme;
  }
};
// end SENS

/// The whole file.
struct CalibrationStats {
  ModelFingerprint model;
  std::string source;    ///< calibration data (informational)
  int64_t samples = 0;   ///< calibration sequences
  int64_t seqLen = 0;    ///< tokens per sequence
  std::map<std::string, LayerStats> layers; ///< by qcc.layer name
  std::optional<SensitivitySummary> summary; ///< SENS: written by qcc --sensitivity
};

/// Writes \p stats to \p jsonPath and its blob \p jsonPath + ".bin" (both
/// replaced atomically). false + \p error on I/O failure or inconsistent
/// vectors (sizes not matching inFeatures).
bool writeStats(const CalibrationStats &stats, const std::string &jsonPath, std::string &error);

/// Reads and fully validates a statistics file (JSON structure, sizes, finite
/// values, blob bounds and checksums, scheme names).
std::optional<CalibrationStats> readStats(const std::string &jsonPath, std::string &error);

/// Whether \p stats were measured on \p model (same digest); the error names
/// the file and the first tensor that differs.
bool checkStatsModel(const CalibrationStats &stats, const ModelFingerprint &model,
                     const std::string &jsonPath, std::string &error);

/// Partial update: layers of \p update replace those of \p base; sensitivity
/// entries merge per scheme (update wins), so a run that measured only some
/// layers or schemes adds to an existing file. Model and calibration must
/// agree (false + \p error otherwise). A summary in \p update replaces
/// that of \p base.
bool mergeStats(CalibrationStats &base, const CalibrationStats &update, std::string &error);

} // namespace qcc::quant

#endif // QCC_QUANT_STATSFILE_H
