//===- EncoderText.h - sentences, batches and runs of an encoder model.so -===//
//
// Encoders (BERT, MiniLM) take sentences, not token windows. Calibration
// (CalibrateEncoder.cpp), the measured sensitivity (Sensitivity.cpp) and the
// budget pipeline's verification (QuantPipelineVerify.cpp) all split a text
// into sentences, pick some of them evenly, tokenize them with the model's
// WordPiece tokenizer, group them into unpadded batches of equal length and
// run them through a compiled encoder; these are their common pieces.
//
// Which sentences each stage takes from one text (n sentences in it):
//   calibration   every k-th from the first, k = n / count   (selectSentences)
//   held out      the others, split alternately into two halves: sensitivity
//                 takes the first half, verification the second
//                 (heldOutSentences), so the three sets never overlap.
//===----------------------------------------------------------------------===//
#ifndef QCC_DRIVER_ENCODERTEXT_H
#define QCC_DRIVER_ENCODERTEXT_H

#include "qcc-c/runtime.h"

#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <string>
#include <vector>

namespace qcc {

/// Splits text into sentences: blank lines end a paragraph, inside a
/// paragraph runs of ASCII whitespace (newlines included) are one space and a
/// sentence ends after a word whose last character is '.', '!' or '?'.
/// Pieces without a letter or digit (ASCII alphanumeric or any non-ASCII
/// byte) are dropped. Python equivalent (test/Quant/Inputs):
///   for p in re.split(r"\n[ \t\r\f\v]*\n", text):
///     words = [w for w in re.split(r"[ \t\n\r\f\v]+", p) if w]
///     re.split(r"(?<=[.!?]) ", " ".join(words))
std::vector<std::string> splitSentences(llvm::StringRef text);

/// Indices of the calibration sentences among \p n: min(count, n) of them,
/// every k-th from 0 with k = max(1, n / count).
std::vector<size_t> calibrationSentences(size_t n, int64_t count);

/// Which half of the held-out sentences a stage takes.
enum class HeldOut { Sensitivity, Verification };

/// Up to \p count indices among \p n sentences that are not calibration
/// sentences (calibrationSentences(n, calibCount)): the held-out ones split
/// alternately into halves, \p half chosen, then every k-th of that half.
std::vector<size_t> heldOutSentences(size_t n, int64_t calibCount, HeldOut half, int64_t count);

/// Tokenized sentences of one text.
struct EncoderSentences {
  int64_t sentencesInText = 0;            ///< before the selection
  std::vector<std::vector<int32_t>> ids;  ///< selected sentences, [CLS] ... [SEP]
  int64_t maxLength = 0;                  ///< longest selected sentence (tokens)
  int64_t truncated = 0;                  ///< sentences cut to the length limit
};

/// Tokenizes the sentences \p pick of \p sentences with the tokenizer.json at
/// \p tokenizerPath, truncating to \p maxTokens (keeping the final [SEP]).
/// \p vocab > 0 checks every id against the embedding table. \p textPath and
/// \p modelPath only name things in errors. Returns "" or the error.
std::string tokenizeSentences(const std::vector<std::string> &sentences,
                              const std::vector<size_t> &pick, const std::string &tokenizerPath,
                              int64_t vocab, int64_t maxTokens, const std::string &textPath,
                              const std::string &modelPath, EncoderSentences &out);

/// Reads \p textPath and splits it (splitSentences); "" or the error, which
/// calls the file \p what (e.g. "calibration text").
std::string readSentences(const std::string &textPath, const std::string &what,
                          std::vector<std::string> &out);

/// 1 - cos(a, b) of two rows of \p n floats, computed as |a/|a| - b/|b||^2 / 2
/// in double (no cancellation when the rows are nearly parallel); 0 when
/// either row is zero.
double cosineLoss(const float *a, const float *b, int64_t n);

/// Sentences of one token count, run as one unpadded batch.
struct EncoderBatch {
  int64_t length = 0;          ///< tokens per sentence
  std::vector<size_t> members; ///< indices into EncoderSentences::ids
};

/// Groups \p ids by token count into batches of at most \p maxTokens tokens
/// (at least one sentence each), in increasing length.
std::vector<EncoderBatch> groupByLength(const std::vector<std::vector<int32_t>> &ids,
                                        int64_t maxTokens);

/// An open encoder model.so with the three-input interface (input_ids,
/// attention_mask, token_type_ids in any order) and its context.
class EncoderRunner {
public:
  EncoderRunner() = default;
  EncoderRunner(const EncoderRunner &) = delete;
  EncoderRunner &operator=(const EncoderRunner &) = delete;
  ~EncoderRunner();

  /// Opens \p soPath; "" or the error. \p outputs: the output count the
  /// caller expects (0: any).
  std::string open(const std::string &soPath, int64_t outputs = 0);

  /// Runs \p batch of \p sentences (attention mask all 1, token types 0).
  /// With \p output >= 0, copies that output into \p values (row-major) and
  /// its last dimension into \p width. "" or the error.
  std::string run(const EncoderSentences &sentences, const EncoderBatch &batch, int64_t output,
                  std::vector<float> *values, int64_t *width);

  /// Index of the output named \p name, or -1.
  int64_t findOutput(const char *name) const;
  int64_t numOutputs() const;
  int32_t numThreads() const;

private:
  qcc_model_t *model_ = nullptr;
  qcc_context_t *context_ = nullptr;
  int64_t order_[3] = {0, 1, 2};
};

} // namespace qcc

#endif // QCC_DRIVER_ENCODERTEXT_H
