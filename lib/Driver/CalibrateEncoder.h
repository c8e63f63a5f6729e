//===- CalibrateEncoder.h - qcc --calib for encoders (BERT, MiniLM) -------===//
#ifndef QCC_DRIVER_CALIBRATEENCODER_H
#define QCC_DRIVER_CALIBRATEENCODER_H

#include "Calibrate.h"
#include "EncoderText.h"

#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <string>
#include <vector>

namespace qcc {

/// The tokenized calibration sentences of an encoder, prepared before the
/// calibration build is compiled (so that a bad text or a missing tokenizer
/// fails fast).
struct EncoderCalibration {
  std::string tokenizerPath; ///< the model's tokenizer.json
  EncoderSentences text;     ///< the selected sentences (calibrationSentences), tokenized
};

/// @main's qcc.model_attrs entry \p key (e.g. "qcc.tokenizer"), or "".
std::string modelAttr(mlir::ModuleOp module, llvm::StringRef key);

/// True when @main's qcc.model_attrs say qcc.kind = "encoder".
bool isEncoderModel(mlir::ModuleOp module);

/// For an encoder: reads --calib, splits it into sentences, selects
/// --calib-samples of them evenly (calibrationSentences: every k-th,
/// k = count / samples),
/// tokenizes them with the model's tokenizer (qcc.tokenizer), truncates to
/// --calib-seqlen tokens (keeping the final [SEP]) and stores them in
/// state.encoder. Returns 0 or the exit code (after printing the error).
int prepareEncoderCalibration(const DriverOptions &options, mlir::ModuleOp module,
                              CalibrationState &state);

/// Runs the calibration build of an encoder on state.encoder's sentences
/// and fills \p out. Padding never enters the statistics: sentences are
/// grouped by token count and each batch holds sentences of one length only
/// (attention_mask all 1, no padding rows), at most 2048 tokens a batch.
int runEncoderCalibration(const DriverOptions &options, CalibrationState &state,
                          quant::CalibrationStats &out);

} // namespace qcc

#endif // QCC_DRIVER_CALIBRATEENCODER_H
