//===- QuantPipeline.h - qcc model --calib t.txt --avg-bits 4.5 -o m.so ----===//
//
// The budgeted pipeline of issue 5 item 7: statistics (calibrate unless
// --stats already has them) -> sensitivity (unless the statistics have what
// the budget needs) -> solve (Budget.h) -> plan file -> compile with the
// plan -> verify (F32 vs quantized on held-out windows of the calibration
// text) -> report (Report.h). Each stage is a runDriver() call or a library
// call; progress goes to stderr ("qcc: pipeline [i/N] stage ..."). -o is
// written only when every stage succeeded.
//===----------------------------------------------------------------------===//
#ifndef QCC_DRIVER_QUANTPIPELINE_H
#define QCC_DRIVER_QUANTPIPELINE_H

#include "Report.h"

#include "qcc/Driver/Driver.h"

#include <optional>
#include <string>

namespace qcc {

/// Whether any budget option (or an option that needs one) is set.
bool hasBudgetOptions(const DriverOptions &options);

/// Runs the pipeline; returns the exit code (errors printed as one line).
int runQuantPipeline(const DriverOptions &options);

/// What the verification stage compares.
struct VerifyRequest {
  std::string f32Library, quantLibrary, textPath;
  int64_t windows = 0, seqLen = 0;
  int64_t tokenOffset = 0; ///< skip the tokens calibration and sensitivity used
  /// Encoders: the model's tokenizer.json, the calibration sentence count
  /// (the held-out sentences exclude them, EncoderText.h) and how many
  /// held-out sentences to compare.
  std::string tokenizerPath;
  int64_t calibSentences = 0, sentences = 0;
};

/// Whether \p soPath is an encoder build (inputs input_ids, attention_mask,
/// token_type_ids).
bool isEncoderLibrary(const std::string &soPath);

/// The encoder form of verifyModels: the verification half of the held-out
/// sentences of the calibration text (EncoderText.h) through both builds;
/// mean 1 - cos, min and mean cosine of the sentence embeddings.
std::optional<report::Verification> verifyEncoderModels(const VerifyRequest &request,
                                                        std::string &note, std::string &error);

/// Loads both libraries, runs the same held-out windows through them and
/// measures mean NLL of each and mean KL(p_f32 || p_quant) over every token
/// after the first of each window. Progress: window i/N, elapsed, ETA.
/// nullopt + \p error on failure; \p note says when fewer windows fit.
std::optional<report::Verification> verifyModels(const VerifyRequest &request,
                                                 std::string &note, std::string &error);

} // namespace qcc

#endif // QCC_DRIVER_QUANTPIPELINE_H
