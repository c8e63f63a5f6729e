//===- CalibrateEncoder.cpp - qcc --calib for encoders (BERT, MiniLM) -----===//
//
// The encoder counterpart of Calibrate.cpp's causal-LM windows: the text is
// split into sentences, tokenized with the model's WordPiece tokenizer
// (runtime/tokenizer), and run through the observer build with the runtime's
// model API (qcc_model_run on input_ids / attention_mask / token_type_ids).
// Batches hold sentences of one token count only, so there is no padding
// and every row an observer sees is a real token.
//===----------------------------------------------------------------------===//
#include "CalibrateEncoder.h"
#include "StageUtil.h"

#include "qcc-c/runtime.h"
#include "qcc/Runtime/Observe.h"
#include "qcc/Tokenizer/Tokenizer.h"

#include "mlir/IR/BuiltinAttributes.h"

#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <dlfcn.h>
#include <map>

using namespace mlir;

namespace qcc {
using namespace qcc::stage;
namespace {

/// Most tokens (batch x length) in one calibration batch.
constexpr int64_t kTokensPerBatch = 2048;

} // namespace

std::string modelAttr(ModuleOp module, llvm::StringRef key) {
  std::string value;
  module.walk([&](Operation *op) {
    if (auto attrs = op->getAttrOfType<DictionaryAttr>("qcc.model_attrs"))
      if (auto v = attrs.getAs<StringAttr>(key))
        value = v.str();
  });
  return value;
}

bool isEncoderModel(ModuleOp module) { return modelAttr(module, "qcc.kind") == "encoder"; }

int prepareEncoderCalibration(const DriverOptions &o, ModuleOp module, CalibrationState &state) {
  auto enc = std::make_shared<EncoderCalibration>();
  std::vector<std::string> sentences;
  if (std::string e = readSentences(o.calibPath, "calibration text", sentences); !e.empty())
    return fail(e);
  enc->tokenizerPath = modelAttr(module, "qcc.tokenizer");
  if (enc->tokenizerPath.empty())
    return fail("'" + o.inputPath + "' has no tokenizer (tokenizer.json beside config.json) to "
                "encode the calibration text '" + o.calibPath + "'");
  // Ids the embedding table does not have would be read out of bounds.
  int64_t vocab = 0;
  if (llvm::StringRef(modelAttr(module, "qcc.vocab_size")).getAsInteger(10, vocab) || vocab <= 0)
    return fail("'" + o.inputPath + "' does not record its vocabulary size (qcc.vocab_size)");
  // Every k-th sentence, so that the whole text is represented.
  if (std::string e = tokenizeSentences(
          sentences, calibrationSentences(sentences.size(), o.calibSamples), enc->tokenizerPath,
          vocab, o.calibSeqLen, o.calibPath, o.inputPath, enc->text);
      !e.empty())
    return fail(e);
  state.encoder = std::move(enc);
  return 0;
}

int runEncoderCalibration(const DriverOptions &o, CalibrationState &state,
                          quant::CalibrationStats &out) {
  const EncoderCalibration &enc = *state.encoder;
  auto t0 = std::chrono::steady_clock::now();
  auto elapsed = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  };
  EncoderRunner runner;
  if (std::string e = runner.open(state.soPath, /*outputs=*/2); !e.empty())
    return fail("cannot load the calibration build of '" + o.inputPath + "': " + e);

  if (!o.calibTokensPath.empty()) {
    std::error_code ec;
    llvm::raw_fd_ostream os(o.calibTokensPath, ec);
    if (ec)
      return fail("cannot write '" + o.calibTokensPath + "': " + ec.message());
    for (const std::vector<int32_t> &s : enc.text.ids)
      os.write(reinterpret_cast<const char *>(s.data()), s.size() * sizeof(int32_t));
  }

  void *lib = dlopen(state.soPath.c_str(), RTLD_NOW | RTLD_NOLOAD);
  auto apiFn = lib ? reinterpret_cast<const qcc_observer_api_v1_t *(*)()>(
                         dlsym(lib, QCC_OBSERVER_API_SYMBOL))
                   : nullptr;
  if (lib)
    dlclose(lib); // the model keeps its own reference
  if (!apiFn)
    return fail("the calibration build of '" + o.inputPath + "' does not export " +
                QCC_OBSERVER_API_SYMBOL);
  const qcc_observer_api_v1_t *api = apiFn();

  // Sentences of one length per batch: no padding rows reach the observers.
  std::vector<EncoderBatch> batches = groupByLength(enc.text.ids, kTokensPerBatch);
  int64_t tokens = 0;
  for (const std::vector<int32_t> &s : enc.text.ids)
    tokens += static_cast<int64_t>(s.size());
  qcc_observer_config_v1_t config{};
  config.expected_rows = tokens;
  config.sample_rows = o.calibSampleRows;
  config.seed = 0x5eed;
  config.with_xtx = 1;
  api->configure(&config);

  llvm::errs() << "qcc: calibration: " << enc.text.sentencesInText << " sentences in '"
               << o.calibPath << "'; running " << enc.text.ids.size() << " of them (" << tokens
               << " tokens, at most " << enc.text.maxLength << " a sentence";
  if (enc.text.truncated)
    llvm::errs() << ", " << enc.text.truncated << " cut to --calib-seqlen " << o.calibSeqLen;
  llvm::errs() << ") in " << batches.size() << " unpadded batches of equal-length sentences ("
               << runner.numThreads() << " threads)\n";
  double runStart = elapsed();
  int64_t done = 0, reported = 0;
  for (size_t bi = 0; bi < batches.size(); ++bi) {
    const EncoderBatch &batch = batches[bi];
    if (std::string e = runner.run(enc.text, batch, -1, nullptr, nullptr); !e.empty())
      return fail("calibration batch " + llvm::Twine(bi + 1) + " (" +
                  llvm::Twine(batch.members.size()) + " x " + llvm::Twine(batch.length) +
                  " tokens) failed: " + e);
    done += static_cast<int64_t>(batch.members.size()) * batch.length;
    // About ten progress lines, by tokens done.
    if (bi + 1 == batches.size() || done * 10 / tokens > reported) {
      reported = done * 10 / tokens;
      double spent = elapsed() - runStart;
      llvm::errs() << "qcc: calibration: batch " << (bi + 1) << "/" << batches.size() << ", "
                   << done << "/" << tokens << " tokens, elapsed " << seconds(elapsed())
                   << ", ETA "
                   << seconds(spent / static_cast<double>(done) *
                              static_cast<double>(tokens - done))
                   << "\n";
    }
  }

  std::map<std::string, int64_t> outFeatures;
  for (const quant::TensorShape &t : state.fingerprint.tensors)
    outFeatures[t.name] = t.shape[0];
  out.model = state.fingerprint;
  out.source = o.calibPath;
  out.samples = static_cast<int64_t>(enc.text.ids.size());
  out.seqLen = enc.text.maxLength;
  for (const ObserverInfo &obs : state.observers) {
    qcc_observer_stats_v1_t s{};
    if (api->stats(obs.id, &s) != 0)
      return fail("observer " + llvm::Twine(obs.id) + " (" + obs.layers.front() +
                  ") saw no input during calibration");
    if (s.channels != obs.channels || s.rows != tokens)
      return fail("observer " + llvm::Twine(obs.id) + " (" + obs.layers.front() + ") saw " +
                  llvm::Twine(s.rows) + " rows of " + llvm::Twine(s.channels) +
                  " channels, expected " + llvm::Twine(tokens) + " of " +
                  llvm::Twine(obs.channels));
    storeObserverStats(obs, s, outFeatures, out);
  }
  llvm::errs() << "qcc: calibration: model + observers " << seconds(elapsed() - runStart)
               << "\n";
  return 0;
}

} // namespace qcc
