//===- CalibrateEncoder.h - qcc --calib for encoders (BERT, MiniLM) -------===//
#ifndef QCC_DRIVER_CALIBRATEENCODER_H
#define QCC_DRIVER_CALIBRATEENCODER_H

#include "Calibrate.h"

#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <string>
#include <vector>

namespace qcc {

/// The tokenized calibration sentences of an encoder, prepared before the
/// calibration build is compiled (so that a bad text or a missing tokenizer
/// fails fast).
struct EncoderCalibration {
  std::string tokenizerPath;              ///< the model's tokenizer.json
  int64_t sentencesInText = 0;            ///< before the selection
  std::vector<std::vector<int32_t>> ids;  ///< selected sentences, [CLS] ... [SEP]
  int64_t maxLength = 0;                  ///< longest selected sentence (tokens)
  int64_t truncated = 0;                  ///< sentences cut to --calib-seqlen
};

/// Splits calibration text into sentences: blank lines end a paragraph,
/// inside a paragraph runs of ASCII whitespace (newlines included) are one
/// space and a sentence ends after a word whose last character is '.', '!'
/// or '?'. Pieces without a letter or digit (ASCII alphanumeric or any
/// non-ASCII byte) are dropped. Python equivalent (test/Quant/Inputs):
///   for p in re.split(r"\n[ \t\r\f\v]*\n", text):
///     words = [w for w in re.split(r"[ \t\n\r\f\v]+", p) if w]
///     re.split(r"(?<=[.!?]) ", " ".join(words))
std::vector<std::string> splitSentences(llvm::StringRef text);

/// True when @main's qcc.model_attrs say qcc.kind = "encoder".
bool isEncoderModel(mlir::ModuleOp module);

/// For an encoder: reads --calib, splits it into sentences, selects
/// --calib-samples of them evenly (every k-th, k = count / samples),
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
