//===- Calibrate.cpp - qcc --calib / --stats: measure and reuse statistics --===//
//
// --calib: the float model is built with an observer on the input of every
// linear layer (qcc-insert-observers, qcc-lower-observers), compiled to a
// temporary model.so, loaded through the runtime's LLM API, fed N windows of
// S tokens of the calibration text (prefill, batch 1, empty cache), and the
// observers' statistics (runtime/observe, exported as qcc_observer_api_v1)
// are written with QccQuant's statistics file writer (StatsFile.h).
// --stats alone: the file is read and checked against the model.
//===----------------------------------------------------------------------===//
#include "Calibrate.h"
#include "CalibrateEncoder.h"
#include "StageUtil.h"

#include "qcc-c/llm.h"
#include "qcc/Runtime/Observe.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/Pass/PassManager.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <dlfcn.h>
#include <map>

using namespace mlir;

namespace qcc {
using namespace qcc::stage;
namespace {





} // namespace

quant::ModelFingerprint modelFingerprint(ModuleOp module, const std::string &path) {
  quant::ModelFingerprint fp;
  fp.path = path;
  fp.arch = "mlir";
  module.walk([&](Operation *op) {
    if (auto attrs = op->getAttrOfType<DictionaryAttr>("qcc.model_attrs"))
      if (auto arch = attrs.getAs<StringAttr>("qcc.arch"))
        fp.arch = arch.str();
  });
  std::map<std::string, std::vector<int64_t>> seen;
  for (const LinearLayer &l : findLinearLayers(module))
    if (seen.emplace(l.name, std::vector<int64_t>{l.out, l.in}).second)
      fp.tensors.push_back({l.name, {l.out, l.in}});
  return fp;
}

int beginCalibration(const DriverOptions &o, ModuleOp module, CalibrationState &state) {
  if (o.calibPath.empty() && o.statsPath.empty())
    return 0;
  if (o.calibPath.empty()) {
    // Reuse: read, validate and check that the statistics are this model's.
    std::string error;
    std::optional<quant::CalibrationStats> stats = quant::readStats(o.statsPath, error);
    if (!stats)
      return fail(error);
    if (!quant::checkStatsModel(*stats, modelFingerprint(module, o.inputPath), o.statsPath,
                                error))
      return fail(error);
    llvm::errs() << "qcc: using calibration statistics '" << o.statsPath << "' ("
                 << stats->layers.size() << " layers, " << stats->samples << " x "
                 << stats->seqLen << " tokens of '" << stats->source << "')\n";
    return 0;
  }
  if (o.statsPath.empty())
    return fail("--calib needs --stats <out.qstats> (where to write the statistics)");
  if (!o.outputPath.empty() || o.emit != EmitKind::SharedLib)
    return fail("--calib writes the statistics file only; -o and -emit do not apply");
  if (o.calibSamples <= 0)
    return fail("--calib-samples must be positive, got " + llvm::Twine(o.calibSamples));
  if (o.calibSeqLen <= 0)
    return fail("--calib-seqlen must be positive, got " + llvm::Twine(o.calibSeqLen));
  if (o.calibSampleRows < 0)
    return fail("--calib-rows must not be negative, got " + llvm::Twine(o.calibSampleRows));
  if (llvm::sys::fs::is_directory(o.calibPath))
    return fail("calibration text '" + o.calibPath +
                "' is a directory (directories of .npy input batches for non-LLM models are "
                "not supported yet)");
  uint64_t size = 0;
  if (std::error_code ec = llvm::sys::fs::file_size(o.calibPath, size))
    return fail("cannot read calibration text '" + o.calibPath + "': " + ec.message());
  if (size == 0)
    return fail("calibration text '" + o.calibPath + "' is empty");
  bool isLLM = false;
  int64_t contextLength = 0;
  module.walk([&](Operation *op) {
    if (auto attrs = op->getAttrOfType<DictionaryAttr>("qcc.model_attrs")) {
      if (auto kind = attrs.getAs<StringAttr>("qcc.kind"))
        isLLM |= kind.getValue() == "causal-lm";
      if (auto ctx = attrs.getAs<StringAttr>("qcc.context_length"))
        (void)ctx.getValue().getAsInteger(10, contextLength);
    }
  });
  // BERTCAL: encoders calibrate on sentences (CalibrateEncoder.cpp).
  if (!isLLM && isEncoderModel(module)) {
    if (int rc = prepareEncoderCalibration(o, module, state))
      return rc;
  } else if (!isLLM) {
    return fail("--calib with a text file needs a causal-LM or encoder checkpoint (.gguf, HF "
                "directory); '" + o.inputPath + "' is not one");
  }
  if (contextLength > 0 && o.calibSeqLen > contextLength)
    return fail("--calib-seqlen " + llvm::Twine(o.calibSeqLen) + " exceeds the context length " +
                llvm::Twine(contextLength) + " of '" + o.inputPath + "'");

  state.fingerprint = modelFingerprint(module, o.inputPath);
  if (state.fingerprint.tensors.empty())
    return fail("'" + o.inputPath + "' has no linear layer to calibrate");
  // listObservers reads the qcc.observe ops, so list them between the passes.
  {
    PassManager insert(module.getContext());
    insert.addPass(createInsertObservers());
    if (failed(insert.run(module)))
      return fail("inserting the calibration observers into '" + o.inputPath + "' failed");
    state.observers = listObservers(module);
    PassManager lower(module.getContext());
    lower.addPass(createLowerObservers());
    if (failed(lower.run(module)))
      return fail("lowering the calibration observers of '" + o.inputPath + "' failed");
  }
  llvm::SmallString<256> so;
  if (std::error_code ec = llvm::sys::fs::createTemporaryFile("qcc-calib", "so", so))
    return fail("cannot create a temporary file: " + ec.message());
  state.soPath = so.str().str();
  state.active = true;
  llvm::errs() << "qcc: calibration: " << state.fingerprint.tensors.size() << " linear layers, "
               << state.observers.size() << " observers; compiling\n";
  return 0;
}

namespace {

/// Runs the windows and collects the statistics; the .so stays loaded while
/// the observers' arrays are read.
int runWindows(const DriverOptions &o, CalibrationState &state, quant::CalibrationStats &out) {
  auto t0 = std::chrono::steady_clock::now();
  auto elapsed = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  };
  auto buffer = llvm::MemoryBuffer::getFile(o.calibPath, /*IsText=*/false);
  if (!buffer)
    return fail("cannot read calibration text '" + o.calibPath + "': " +
                buffer.getError().message());
  llvm::StringRef text = (*buffer)->getBuffer();

  LlmHandle h;
  qcc_llm_options_t lo;
  qcc_llm_options_initialize(&lo);
  lo.num_sequences = 1;
  lo.context_capacity = static_cast<int32_t>(std::min<int64_t>(o.calibSeqLen, INT32_MAX));
  if (std::string e = statusText(qcc_llm_open(state.soPath.c_str(), &lo, &h.llm)); !e.empty())
    return fail("cannot load the calibration build of '" + o.inputPath + "': " + e);
  qcc_llm_info_t info;
  if (std::string e = statusText(qcc_llm_get_info(h.llm, &info)); !e.empty())
    return fail(e);
  if (!info.has_tokenizer)
    return fail("'" + o.inputPath + "' has no tokenizer to encode '" + o.calibPath + "'");

  size_t count = 0;
  if (std::string e = statusText(
          qcc_llm_tokenize(h.llm, text.data(), text.size(), 1, nullptr, 0, &count));
      !e.empty())
    return fail("cannot tokenize '" + o.calibPath + "': " + e);
  std::vector<int32_t> tokens(count);
  if (std::string e = statusText(qcc_llm_tokenize(h.llm, text.data(), text.size(), 1,
                                                  tokens.data(), tokens.size(), &count));
      !e.empty())
    return fail("cannot tokenize '" + o.calibPath + "': " + e);
  tokens.resize(count);
  if (tokens.empty())
    return fail("calibration text '" + o.calibPath + "' has no tokens");

  // Consecutive windows from the start of the text.
  int64_t seqLen = o.calibSeqLen, windows = o.calibSamples;
  int64_t available = static_cast<int64_t>(tokens.size()) / seqLen;
  if (available == 0) {
    llvm::errs() << "qcc: calibration: note: '" << o.calibPath << "' has " << tokens.size()
                 << " tokens, fewer than --calib-seqlen " << seqLen
                 << "; using one window of all of them\n";
    seqLen = static_cast<int64_t>(tokens.size());
    windows = 1;
  } else if (available < windows) {
    llvm::errs() << "qcc: calibration: note: '" << o.calibPath << "' has " << tokens.size()
                 << " tokens: " << available << " windows of " << seqLen << " instead of "
                 << windows << "\n";
    windows = available;
  }
  if (!o.calibTokensPath.empty()) {
    std::error_code ec;
    llvm::raw_fd_ostream os(o.calibTokensPath, ec);
    if (ec)
      return fail("cannot write '" + o.calibTokensPath + "': " + ec.message());
    os.write(reinterpret_cast<const char *>(tokens.data()),
             static_cast<size_t>(windows * seqLen) * sizeof(int32_t));
  }

  void *lib = dlopen(state.soPath.c_str(), RTLD_NOW | RTLD_NOLOAD);
  auto apiFn = lib ? reinterpret_cast<const qcc_observer_api_v1_t *(*)()>(
                         dlsym(lib, QCC_OBSERVER_API_SYMBOL))
                   : nullptr;
  if (lib)
    dlclose(lib); // the llm keeps its own reference
  if (!apiFn)
    return fail("the calibration build of '" + o.inputPath + "' does not export " +
                QCC_OBSERVER_API_SYMBOL);
  const qcc_observer_api_v1_t *api = apiFn();
  qcc_observer_config_v1_t config{};
  config.expected_rows = windows * seqLen;
  config.sample_rows = o.calibSampleRows;
  config.seed = 0x5eed;
  config.with_xtx = 1;
  api->configure(&config);

  llvm::errs() << "qcc: calibration: " << tokens.size() << " tokens in '" << o.calibPath
               << "'; running " << windows << " windows of " << seqLen << " tokens ("
               << info.num_threads << " threads)\n";
  double runStart = elapsed();
  for (int64_t w = 0; w < windows; ++w) {
    if (std::string e = statusText(qcc_llm_reset(h.llm, -1)); !e.empty())
      return fail(e);
    if (std::string e = statusText(qcc_llm_prefill(
            h.llm, 0, tokens.data() + w * seqLen, static_cast<int32_t>(seqLen)));
        !e.empty())
      return fail("calibration window " + llvm::Twine(w + 1) + " failed: " + e);
    double done = elapsed() - runStart;
    llvm::errs() << "qcc: calibration: window " << (w + 1) << "/" << windows << ", elapsed "
                 << duration(elapsed()) << ", ETA "
                 << duration(done / static_cast<double>(w + 1) * (windows - w - 1)) << "\n";
  }

  std::map<std::string, int64_t> outFeatures;
  for (const quant::TensorShape &t : state.fingerprint.tensors)
    outFeatures[t.name] = t.shape[0];
  out.model = state.fingerprint;
  out.source = o.calibPath;
  out.samples = windows;
  out.seqLen = seqLen;
  double observeSeconds = 0;
  for (const ObserverInfo &obs : state.observers) {
    qcc_observer_stats_v1_t s{};
    if (api->stats(obs.id, &s) != 0)
      return fail("observer " + llvm::Twine(obs.id) + " (" + obs.layers.front() +
                  ") saw no input during calibration");
    if (s.channels != obs.channels)
      return fail("observer " + llvm::Twine(obs.id) + " saw " + llvm::Twine(s.channels) +
                  " channels, expected " + llvm::Twine(obs.channels));
    observeSeconds += s.seconds;
    storeObserverStats(obs, s, outFeatures, out);
  }
  llvm::errs() << "qcc: calibration: model + observers " << duration(elapsed() - runStart)
               << ", of which observers " << duration(observeSeconds) << "\n";
  return 0;
}

} // namespace

int finishCalibration(const DriverOptions &o, CalibrationState &state) {
  quant::CalibrationStats stats;
  int rc = state.encoder ? runEncoderCalibration(o, state, stats) // BERTCAL
                         : runWindows(o, state, stats);
  llvm::sys::fs::remove(state.soPath);
  if (rc)
    return rc;
  std::string error;
  if (!quant::writeStats(stats, o.statsPath, error))
    return fail(error);
  uint64_t jsonSize = 0, binSize = 0;
  llvm::sys::fs::file_size(o.statsPath, jsonSize);
  llvm::sys::fs::file_size(o.statsPath + ".bin", binSize);
  llvm::errs() << "qcc: calibration: wrote '" << o.statsPath << "' (" << stats.layers.size()
               << " layers; " << jsonSize << " + " << binSize << " bytes)\n";
  return 0;
}

} // namespace qcc

void qcc::storeObserverStats(const ObserverInfo &obs, const qcc_observer_stats_v1_t &s,
                             const std::map<std::string, int64_t> &outFeatures,
                             quant::CalibrationStats &out) {
  quant::LayerStats ls;
  int64_t k = s.channels;
  ls.inFeatures = k;
  ls.rows = static_cast<uint64_t>(s.rows);
  ls.absMax.assign(s.absmax, s.absmax + k);
  ls.meanAbs.resize(static_cast<size_t>(k));
  for (int64_t c = 0; c < k; ++c)
    ls.meanAbs[static_cast<size_t>(c)] =
        static_cast<float>(s.sum_abs[c] / static_cast<double>(s.rows));
  ls.p999.assign(s.p999, s.p999 + k);
  if (s.xtx)
    ls.xtx.assign(s.xtx, s.xtx + k * k);
  ls.sampleRows = s.sample_rows;
  ls.samples.assign(s.samples, s.samples + s.sample_rows * k);
  for (const std::string &layer : obs.layers) {
    quant::LayerStats copy = ls;
    auto it = outFeatures.find(layer);
    copy.outFeatures = it == outFeatures.end() ? 0 : it->second;
    out.layers[layer] = std::move(copy);
  }
}
