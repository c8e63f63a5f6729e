//===- QuantPipelineVerifyEncoder.cpp - F32 vs quantized encoder on sentences -===//
//
// The budget pipeline's verification for encoders (BERT, MiniLM): held-out
// sentences of the calibration text (the verification half, EncoderText.h)
// through the F32 and the quantized build; per sentence the cosine of the
// two sentence embeddings.
//===----------------------------------------------------------------------===//
#include "EncoderText.h"
#include "QuantPipeline.h"
#include "StageUtil.h"

#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <chrono>

namespace qcc {
using namespace qcc::stage;

bool isEncoderLibrary(const std::string &soPath) {
  EncoderRunner runner;
  return runner.open(soPath).empty();
}

std::optional<report::Verification> verifyEncoderModels(const VerifyRequest &r, std::string &note,
                                                        std::string &error) {
  auto t0 = std::chrono::steady_clock::now();
  std::vector<std::string> sentences;
  if (std::string e = readSentences(r.textPath, "verification text", sentences); !e.empty()) {
    error = e;
    return std::nullopt;
  }
  std::vector<size_t> pick = heldOutSentences(sentences.size(), r.calibSentences,
                                              HeldOut::Verification, r.sentences);
  if (pick.empty()) {
    error = "'" + r.textPath + "' has " + std::to_string(sentences.size()) +
            " sentences, all used by calibration: no held-out sentence to verify on";
    return std::nullopt;
  }
  if (static_cast<int64_t>(pick.size()) < r.sentences)
    note = "only " + std::to_string(pick.size()) + " held-out sentences of '" + r.textPath +
           "' are left for verification";
  EncoderSentences text;
  // The ids come from the model's own tokenizer (bounds-checked at calibration).
  if (std::string e = tokenizeSentences(sentences, pick, r.tokenizerPath, /*vocab=*/0, r.seqLen,
                                        r.textPath, r.f32Library, text);
      !e.empty()) {
    error = e;
    return std::nullopt;
  }
  EncoderRunner f32, quant;
  if (std::string e = f32.open(r.f32Library); !e.empty()) {
    error = "cannot load the F32 build '" + r.f32Library + "': " + e;
    return std::nullopt;
  }
  if (std::string e = quant.open(r.quantLibrary); !e.empty()) {
    error = "cannot load the quantized build '" + r.quantLibrary + "': " + e;
    return std::nullopt;
  }
  int64_t output = std::max<int64_t>(f32.findOutput("sentence_embedding"), 0);
  report::Verification v;
  v.encoder = true;
  v.text = r.textPath;
  double lossSum = 0, cosSum = 0;
  int64_t rows = 0;
  std::vector<EncoderBatch> batches = groupByLength(text.ids, 2048);
  for (size_t bi = 0; bi < batches.size(); ++bi) {
    std::vector<float> a, b;
    int64_t wa = 0, wb = 0;
    std::string e = f32.run(text, batches[bi], output, &a, &wa);
    if (e.empty())
      e = quant.run(text, batches[bi], output, &b, &wb);
    if (e.empty() && (wa != wb || a.size() != b.size() || wa <= 0))
      e = "the F32 and quantized builds give outputs of different shapes";
    if (!e.empty()) {
      error = "verification batch " + std::to_string(bi + 1) + " failed: " + e;
      return std::nullopt;
    }
    for (size_t row = 0; row * wa < a.size(); ++row) {
      double loss = cosineLoss(a.data() + row * wa, b.data() + row * wa, wa);
      lossSum += loss;
      cosSum += 1 - loss;
      v.minCos = std::min(v.minCos, 1 - loss);
      ++rows;
    }
  }
  v.sentences = static_cast<int64_t>(text.ids.size());
  v.meanCosLoss = lossSum / static_cast<double>(rows);
  v.meanCos = cosSum / static_cast<double>(rows);
  double spent = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  llvm::errs() << "qcc: verify: " << v.sentences << " held-out sentences (" << rows
               << " embedding rows) in " << seconds(spent) << "\n";
  return v;
}

} // namespace qcc
