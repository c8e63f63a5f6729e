//===- Sensitivity.cpp - qcc --sensitivity: Hessian estimates and measured KL -===//
//
// For every linear layer and every candidate scheme (Scheme.h,
// defaultCandidates or --candidates):
//   hessian: quant::hessianSensitivity(W, 2 X^T X, scheme) / rows, from the
//            statistics file (no model run);
//   kl:      the mean over the held tokens of KL(p_f32 || p_q) of the next-
//            token distribution with ONLY that layer rounded to the scheme
//            (RTN). One model.so is compiled with a weight-delta hook on
//            every linear (qcc-insert-delta-hooks, runtime/sensitivity); the
//            driver selects one layer and dW = dequant(RTN(W)) - W per run.
// The Spearman rank correlation of hessian against kl (all pairs, and per
// scheme) goes into the file's sensitivity_summary (StatsFile.h).
//===----------------------------------------------------------------------===//
#include "Sensitivity.h"
#include "Calibrate.h"
#include "CalibrateEncoder.h"
#include "EncoderText.h"
#include "StageUtil.h"

#include "qcc-c/llm.h"
#include "qcc/Dialect/Qcc/IR/QccOps.h"
#include "qcc/Quant/Numerics.h"
#include "qcc/Quant/QuadraticForm.h"
#include "qcc/Quant/QuantizedWeight.h"
#include "qcc/Quant/RankCorrelation.h"
#include "qcc/Runtime/Delta.h"
#include "qcc/Target/Common/ExternalWeights.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/Pass/PassManager.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Regex.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <dlfcn.h>
#include <functional>
#include <set>
#include <thread>

using namespace mlir;

namespace qcc {
using namespace qcc::stage;
namespace {





/// Seconds since construction.
struct Clock {
  std::chrono::steady_clock::time_point t0 = std::chrono::steady_clock::now();
  double operator()() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  }
};

/// Reads a constant 2-D f32 weight (qcc.external_weight or a dense /
/// dense_resource arith.constant) as row-major [out, in], transposing a
/// [in, out] operand.
bool readWeight(Value w, bool transposed, std::vector<float> &out, std::string &error) {
  auto type = dyn_cast<RankedTensorType>(w.getType());
  Operation *def = w.getDefiningOp();
  if (!type || !type.getElementType().isF32() || type.getRank() != 2 || !def) {
    error = "is not a 2-D f32 constant";
    return false;
  }
  uint64_t numel = static_cast<uint64_t>(type.getNumElements());
  std::vector<float> raw;
  if (def->getName().getStringRef() == "qcc.external_weight") {
    ExternalWeight ew;
    if (llvm::Error e = describeExternalWeight(def, ew)) {
      error = llvm::toString(std::move(e));
      return false;
    }
    raw.resize(numel);
    if (llvm::Error e = readExternalWeight(ew, reinterpret_cast<char *>(raw.data()), numel * 4)) {
      error = llvm::toString(std::move(e));
      return false;
    }
  } else if (auto cst = dyn_cast<arith::ConstantOp>(def)) {
    if (auto dense = dyn_cast<DenseElementsAttr>(cst.getValue())) {
      auto values = dense.getValues<float>();
      raw.assign(values.begin(), values.end());
    } else if (auto res = dyn_cast<DenseResourceElementsAttr>(cst.getValue())) {
      AsmResourceBlob *blob = res.getRawHandle().getBlob();
      if (blob && blob->getData().size() == numel * 4) {
        raw.resize(numel);
        std::memcpy(raw.data(), blob->getData().data(), numel * 4);
      }
    }
  }
  if (raw.size() != numel) {
    error = "has no readable constant data";
    return false;
  }
  for (float v : raw)
    if (!std::isfinite(v)) {
      error = "holds a non-finite value";
      return false;
    }
  if (!transposed) {
    out = std::move(raw);
    return true;
  }
  int64_t rows = type.getDimSize(0), cols = type.getDimSize(1); // [in, out]
  out.resize(numel);
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t j = 0; j < cols; ++j)
      out[j * rows + i] = raw[i * cols + j];
  return true;
}

/// The weight operand of a linear layer and whether it is stored [in, out].
std::pair<Value, bool> weightOperand(Operation *op) {
  if (auto gemm = dyn_cast<GemmOp>(op))
    return {gemm.getB(), !gemm.getTransB()};
  if (auto mm = dyn_cast<MatMulOp>(op))
    return {mm.getRhs(), true};
  return {Value(), false};
}

/// W' - W for W rounded to \p s: RTN for the quantized formats, f16 / bf16
/// rounding, zero for f32.
std::vector<float> weightDelta(const SensitivityLayer &l, const quant::Scheme &s) {
  std::vector<float> d(l.weight.size(), 0.0f);
  switch (s.format) {
  case quant::Format::F32:
    return d;
  case quant::Format::F16:
  case quant::Format::BF16:
    for (size_t i = 0; i < d.size(); ++i)
      d[i] = (s.format == quant::Format::F16 ? quant::roundToHalf(l.weight[i])
                                             : quant::roundToBFloat16(l.weight[i])) -
             l.weight[i];
    return d;
  default: {
    std::vector<float> q = quant::quantizeRTN(l.weight.data(), l.out, l.in, s).dequantize();
    for (size_t i = 0; i < d.size(); ++i)
      d[i] = q[i] - l.weight[i];
    return d;
  }
  }
}

/// log-softmax of \p v logits into \p out.
void logSoftmax(const float *logits, int64_t v, float *out) {
  float m = *std::max_element(logits, logits + v);
  double sum = 0;
  for (int64_t i = 0; i < v; ++i)
    sum += std::exp(static_cast<double>(logits[i] - m));
  float lse = m + static_cast<float>(std::log(sum));
  for (int64_t i = 0; i < v; ++i)
    out[i] = logits[i] - lse;
}

/// KL(p || q) in nats for reference log-probs \p logp (and p = exp(logp))
/// and logits \p q.
double klDivergence(const float *logp, const float *p, const float *q, int64_t v) {
  float m = *std::max_element(q, q + v);
  double sum = 0;
  for (int64_t i = 0; i < v; ++i)
    sum += std::exp(q[i] - m); // f32 exp, f64 sum
  double lse = m + std::log(sum);
  double kl = 0;
  for (int64_t i = 0; i < v; ++i)
    kl += static_cast<double>(p[i]) * (static_cast<double>(logp[i]) - (q[i] - lse));
  return kl;
}

/// The weight-delta API of the loaded library \p soPath, or null.
const qcc_delta_api_v1_t *deltaApi(const std::string &soPath) {
  void *lib = dlopen(soPath.c_str(), RTLD_NOW | RTLD_NOLOAD);
  auto apiFn = lib ? reinterpret_cast<const qcc_delta_api_v1_t *(*)()>(
                         dlsym(lib, QCC_DELTA_API_SYMBOL))
                   : nullptr;
  if (lib)
    dlclose(lib); // the open model keeps its own reference
  return apiFn ? apiFn() : nullptr;
}

/// Whether \p a and \p b name the same file.
bool sameFile(const std::string &a, const std::string &b) {
  llvm::SmallString<256> ra, rb;
  if (llvm::sys::fs::real_path(a, ra) || llvm::sys::fs::real_path(b, rb))
    return a == b;
  return ra == rb;
}

} // namespace

int beginSensitivity(const DriverOptions &o, ModuleOp module, SensitivityState &state) {
  if (o.sensitivity.empty())
    return 0;
  if (o.sensitivity != "hessian" && o.sensitivity != "kl" && o.sensitivity != "all")
    return fail("unknown --sensitivity '" + o.sensitivity + "' (expected hessian, kl or all)");
  state.active = true;
  state.hessian = o.sensitivity != "kl";
  state.kl = o.sensitivity != "hessian";
  if (o.statsPath.empty())
    return fail("--sensitivity needs --stats <file.qstats> (the statistics of --calib, where the "
                "sensitivities are written)");
  if (!o.calibPath.empty())
    return fail("--sensitivity and --calib are separate runs: calibrate first (qcc --calib text "
                "--stats s.qstats), then qcc --sensitivity=" + o.sensitivity + " --stats s.qstats");
  if (!o.outputPath.empty() || o.emit != EmitKind::SharedLib)
    return fail("--sensitivity writes the statistics file only; -o and -emit do not apply");
  if (!o.quantize.empty() || !o.planPath.empty())
    return fail("--sensitivity measures the float model; --quantize and --plan do not apply");
  if (o.sensWindows <= 0)
    return fail("--sens-windows must be positive, got " + llvm::Twine(o.sensWindows));
  if (o.sensSeqLen <= 1)
    return fail("--sens-seqlen must be at least 2, got " + llvm::Twine(o.sensSeqLen));
  if (o.candidates.empty()) {
    state.candidates = quant::defaultCandidates();
  } else {
    std::string error;
    auto list = quant::parseSchemeList(o.candidates, error);
    if (!list)
      return fail("bad --candidates '" + o.candidates + "': " + error);
    state.candidates = *list;
  }
  for (const quant::Scheme &s : state.candidates)
    if (s.isW8A8() && state.kl)
      return fail("--candidates: w8a8 also quantizes activations at run time; the KL "
                  "measurement rounds weights only (use int8_pc_sym)");
  std::optional<llvm::Regex> only;
  if (!o.sensLayers.empty()) {
    only.emplace(o.sensLayers);
    std::string why;
    if (!only->isValid(why))
      return fail("bad --sens-layers regex '" + o.sensLayers + "': " + why);
  }

  std::string error;
  std::optional<quant::CalibrationStats> stats = quant::readStats(o.statsPath, error);
  if (!stats)
    return fail(error);
  if (!quant::checkStatsModel(*stats, modelFingerprint(module, o.inputPath), o.statsPath, error))
    return fail(error);
  state.stats = std::move(*stats);

  std::set<std::string> seen;
  for (const LinearLayer &l : findLinearLayers(module)) {
    if (!seen.insert(l.name).second)
      continue;
    if (only && !only->match(l.name))
      continue;
    auto it = state.stats.layers.find(l.name);
    if (it == state.stats.layers.end())
      return fail(o.statsPath + ": has no statistics for layer '" + l.name +
                  "' of the model (calibrate again with --calib)");
    if (state.hessian && (it->second.xtx.empty() || it->second.rows == 0))
      return fail(o.statsPath + ": layer '" + l.name +
                  "' has no X^T X (needed for --sensitivity=hessian)");
    for (const quant::Scheme &s : state.candidates) {
      std::string why;
      if (!s.validFor(l.out, l.in, &why))
        return fail("scheme " + s.name() + " cannot quantize layer '" + l.name + "' [" +
                    llvm::Twine(l.out) + ", " + llvm::Twine(l.in) + "]: " + why);
    }
    SensitivityLayer sl;
    sl.name = l.name;
    sl.out = l.out;
    sl.in = l.in;
    auto [w, transposed] = weightOperand(l.op);
    if (!w || !readWeight(w, transposed, sl.weight, error))
      return fail("cannot read the weight of layer '" + l.name + "' of '" + o.inputPath +
                  "': " + error);
    state.layers.push_back(std::move(sl));
  }
  if (state.layers.empty())
    return fail(only ? "--sens-layers '" + o.sensLayers + "' matches no linear layer of '" +
                           o.inputPath + "'"
                     : "'" + o.inputPath + "' has no linear layer");
  if (!state.kl)
    return 0;

  bool isLLM = false;
  module.walk([&](Operation *op) {
    if (auto attrs = op->getAttrOfType<DictionaryAttr>("qcc.model_attrs"))
      if (auto kind = attrs.getAs<StringAttr>("qcc.kind"))
        isLLM |= kind.getValue() == "causal-lm";
  });
  if (!isLLM && isEncoderModel(module)) {
    state.encoder = true;
    state.tokenizerPath = modelAttr(module, "qcc.tokenizer");
    if (state.tokenizerPath.empty())
      return fail("'" + o.inputPath + "' has no tokenizer (tokenizer.json beside config.json) "
                  "for the held-out sentences of --sensitivity=" + o.sensitivity);
    if (llvm::StringRef(modelAttr(module, "qcc.vocab_size")).getAsInteger(10, state.vocab) ||
        state.vocab <= 0)
      return fail("'" + o.inputPath + "' does not record its vocabulary size (qcc.vocab_size)");
    if (o.sensSentences <= 0)
      return fail("--sens-sentences must be positive, got " + llvm::Twine(o.sensSentences));
    // Sentences longer than the position table are cut to it.
    int64_t positions = 0;
    if (!llvm::StringRef(modelAttr(module, "qcc.context_length")).getAsInteger(10, positions) &&
        positions > 1)
      state.maxTokens = positions;
  } else if (!isLLM) {
    return fail("--sensitivity=" + o.sensitivity + " measures the model's output on text and "
                "needs a causal-LM checkpoint (.gguf, HF directory) or an encoder (BERT-style HF "
                "directory); '" + o.inputPath + "' is neither "
                "(--sensitivity=hessian works on any model)");
  }
  PassManager pm(module.getContext());
  pm.addPass(createInsertDeltaHooks());
  if (failed(pm.run(module)))
    return fail("inserting the weight-delta hooks into '" + o.inputPath + "' failed");
  std::map<std::string, int64_t> ids;
  for (const DeltaHookInfo &h : listDeltaHooks(module))
    ids[h.layer] = h.id;
  for (SensitivityLayer &l : state.layers) {
    auto it = ids.find(l.name);
    if (it == ids.end())
      return fail("layer '" + l.name + "' got no weight-delta hook");
    l.hookId = it->second;
  }
  llvm::SmallString<256> so;
  if (std::error_code ec = llvm::sys::fs::createTemporaryFile("qcc-sens", "so", so))
    return fail("cannot create a temporary file: " + ec.message());
  state.soPath = so.str().str();
  llvm::errs() << "qcc: sensitivity: " << state.layers.size() << " layers x "
               << state.candidates.size() << " schemes; compiling the KL build\n";
  return 0;
}

namespace {

/// The Hessian estimates of every layer x candidate into \p update.
void computeHessian(const SensitivityState &state, quant::CalibrationStats &update) {
  Clock clock;
  int threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  size_t n = state.layers.size();
  for (size_t i = 0; i < n; ++i) {
    const SensitivityLayer &l = state.layers[i];
    const quant::LayerStats &ls = state.stats.layers.at(l.name);
    // hessianSensitivity(W, H = 2 X^T X, s) = 1/2 tr(dW H dW^T) = sum_r dw_r^T X^T X dw_r,
    // computed with the register-tiled quadraticFormSum (QuadraticForm.h).
    for (const quant::Scheme &s : state.candidates) {
      std::vector<float> dw = weightDelta(l, s);
      double v = quant::quadraticFormSum(dw.data(), l.out, l.in, ls.xtx.data(), threads) /
                 static_cast<double>(ls.rows);
      update.layers[l.name].sensitivity[s.name()].hessian = v;
    }
    double t = clock();
    if (i + 1 == n || (i + 1) % 10 == 0 || n <= 20)
      llvm::errs() << "qcc: sensitivity: hessian: layer " << (i + 1) << "/" << n << " ("
                   << l.name << "), elapsed " << duration(t) << ", ETA "
                   << duration(t / static_cast<double>(i + 1) * static_cast<double>(n - i - 1))
                   << "\n";
  }
}

/// For every selected layer x candidate: selects dW = weightDelta(layer,
/// scheme) on the layer's hook, runs \p measure (one forward; it sets the
/// loss and returns 0 or an exit code), checks that the hook ran with the
/// right shape and stores the loss in \p update's `kl` slot. Progress lines
/// "qcc: sensitivity: <tag>: layer i/N (...), elapsed, ETA".
int measurePairs(const SensitivityState &state, const qcc_delta_api_v1_t *api, const char *tag,
                 const Clock &clock, quant::CalibrationStats &update,
                 const std::function<int(double &loss)> &measure) {
  double runStart = clock();
  size_t n = state.layers.size(), pairs = n * state.candidates.size(), done = 0;
  for (size_t i = 0; i < n; ++i) {
    const SensitivityLayer &l = state.layers[i];
    for (const quant::Scheme &s : state.candidates) {
      std::vector<float> dw = weightDelta(l, s);
      api->select(l.hookId, dw.data(), l.out, l.in);
      double loss = 0;
      int rc = measure(loss);
      int64_t applied = api->applied(), mismatched = api->mismatched();
      api->clear();
      if (rc)
        return rc;
      if (mismatched || applied == 0)
        return fail("the weight-delta hook of layer '" + l.name + "' " +
                    (mismatched ? "saw another shape" : "never ran"));
      update.layers[l.name].sensitivity[s.name()].kl = loss;
      ++done;
    }
    double t = clock() - runStart;
    llvm::errs() << "qcc: sensitivity: " << tag << ": layer " << (i + 1) << "/" << n << " ("
                 << l.name << "), elapsed " << duration(clock()) << ", ETA "
                 << duration(t / static_cast<double>(done) * static_cast<double>(pairs - done))
                 << "\n";
  }
  return 0;
}

/// Measures KL of every layer x candidate on the linked KL build into \p update.
int measureKL(const DriverOptions &o, SensitivityState &state, quant::CalibrationStats &update,
              quant::SensitivitySummary &summary) {
  Clock clock;
  std::string textPath = o.sensText.empty() ? state.stats.source : o.sensText;
  auto buffer = llvm::MemoryBuffer::getFile(textPath, /*IsText=*/false);
  if (!buffer)
    return fail("cannot read the sensitivity text '" + textPath + "': " +
                buffer.getError().message() +
                (o.sensText.empty() ? " (the statistics' calibration text; give --sens-text)" : ""));
  llvm::StringRef text = (*buffer)->getBuffer();
  int64_t windows = o.sensWindows, seqLen = o.sensSeqLen;

  LlmHandle h;
  qcc_llm_options_t lo;
  qcc_llm_options_initialize(&lo);
  lo.num_sequences = static_cast<int32_t>(windows);
  lo.context_capacity = static_cast<int32_t>(seqLen);
  if (std::string e = statusText(qcc_llm_open(state.soPath.c_str(), &lo, &h.llm)); !e.empty())
    return fail("cannot load the sensitivity build of '" + o.inputPath + "': " + e);
  qcc_llm_info_t info;
  if (std::string e = statusText(qcc_llm_get_info(h.llm, &info)); !e.empty())
    return fail(e);
  if (!info.has_tokenizer)
    return fail("'" + o.inputPath + "' has no tokenizer to encode '" + textPath + "'");
  size_t count = 0;
  if (std::string e = statusText(
          qcc_llm_tokenize(h.llm, text.data(), text.size(), 1, nullptr, 0, &count));
      !e.empty())
    return fail("cannot tokenize '" + textPath + "': " + e);
  std::vector<int32_t> tokens(count);
  if (std::string e = statusText(qcc_llm_tokenize(h.llm, text.data(), text.size(), 1,
                                                  tokens.data(), tokens.size(), &count));
      !e.empty())
    return fail("cannot tokenize '" + textPath + "': " + e);
  tokens.resize(count);
  // Held out: after the calibration windows when the text is the calibration text.
  int64_t offset = sameFile(textPath, state.stats.source) ? state.stats.samples * state.stats.seqLen
                                                          : 0;
  int64_t need = offset + windows * seqLen;
  if (static_cast<int64_t>(tokens.size()) < need)
    return fail("'" + textPath + "' has " + llvm::Twine(tokens.size()) + " tokens; --sens-windows " +
                llvm::Twine(windows) + " x --sens-seqlen " + llvm::Twine(seqLen) +
                (offset ? " after the " + std::to_string(offset) + " calibration tokens" : "") +
                " need " + llvm::Twine(need));
  std::vector<int32_t> batch(tokens.begin() + offset, tokens.begin() + need);
  if (!o.sensTokensPath.empty()) {
    std::error_code ec;
    llvm::raw_fd_ostream os(o.sensTokensPath, ec);
    if (ec)
      return fail("cannot write '" + o.sensTokensPath + "': " + ec.message());
    os.write(reinterpret_cast<const char *>(batch.data()), batch.size() * sizeof(int32_t));
  }

  const qcc_delta_api_v1_t *api = deltaApi(state.soPath);
  if (!api)
    return fail("the sensitivity build of '" + o.inputPath + "' does not export " +
                QCC_DELTA_API_SYMBOL);
  int64_t vocab = info.vocab_size, rows = windows * seqLen;

  // One forward of all windows (one sequence each); `use` sees the logits of
  // every token, split over the llm's thread count (rows are independent).
  int threads = std::max(1, static_cast<int>(info.num_threads));
  std::vector<const float *> all(static_cast<size_t>(windows * seqLen));
  auto forward = [&](const std::function<void(int64_t row, const float *logits)> &use) -> int {
    if (std::string e = statusText(qcc_llm_reset(h.llm, -1)); !e.empty())
      return fail(e);
    if (std::string e = statusText(
            qcc_llm_forward(h.llm, batch.data(), static_cast<int32_t>(seqLen)));
        !e.empty())
      return fail("the sensitivity forward failed: " + e);
    for (int64_t w = 0; w < windows; ++w)
      for (int64_t t = 0; t < seqLen; ++t) {
        const float *logits = nullptr;
        if (std::string e = statusText(qcc_llm_logits(h.llm, static_cast<int32_t>(w),
                                                      static_cast<int32_t>(t), &logits));
            !e.empty())
          return fail(e);
        all[w * seqLen + t] = logits;
      }
    std::vector<std::thread> pool;
    int64_t total = windows * seqLen;
    for (int th = 0; th < threads; ++th)
      pool.emplace_back([&, th] {
        for (int64_t r = th; r < total; r += threads)
          use(r, all[r]);
      });
    for (std::thread &t : pool)
      t.join();
    return 0;
  };

  api->clear();
  std::vector<float> logp(static_cast<size_t>(rows * vocab)), p(logp.size());
  double t0 = clock();
  if (int rc = forward([&](int64_t r, const float *logits) {
        logSoftmax(logits, vocab, logp.data() + r * vocab);
      }))
    return rc;
  for (size_t i = 0; i < logp.size(); ++i)
    p[i] = std::exp(logp[i]);
  double perForward = clock() - t0;
  size_t pairs = state.layers.size() * state.candidates.size();
  llvm::errs() << "qcc: sensitivity: kl: " << windows << " windows x " << seqLen << " tokens of '"
               << textPath << "' from token " << offset << " (" << info.num_threads
               << " threads); baseline forward " << duration(perForward) << ", " << pairs
               << " runs, ETA " << duration(perForward * static_cast<double>(pairs)) << "\n";
  double runStart = clock();
  if (int rc = measurePairs(state, api, "kl", clock, update, [&](double &kl) {
        std::vector<double> perRow(static_cast<size_t>(rows));
        int rc = forward([&](int64_t r, const float *logits) {
          perRow[r] = klDivergence(logp.data() + r * vocab, p.data() + r * vocab, logits, vocab);
        });
        double sum = 0;
        for (double v : perRow)
          sum += v;
        // Mean over tokens; KL >= 0 (a negative mean is rounding noise).
        kl = std::max(0.0, sum / static_cast<double>(rows));
        return rc;
      }))
    return rc;
  llvm::errs() << "qcc: sensitivity: kl: " << pairs << " runs in " << duration(clock() - runStart)
               << " (" << llvm::format("%.2f", (clock() - runStart) / static_cast<double>(pairs))
               << " s per forward of " << rows << " tokens)\n";
  summary.klMetric = "kl";
  summary.klSource = textPath;
  summary.klWindows = windows;
  summary.klSeqLen = seqLen;
  summary.klTokenOffset = offset;
  return 0;
}

/// The encoder form of measureKL: for every layer x candidate, the mean over
/// held-out sentences of 1 - cos between the F32 and the perturbed model's
/// sentence embeddings (output "sentence_embedding", else every row of the
/// first output), stored where causal LMs store KL (summary.klMetric =
/// "cosine"). The sentences are the sensitivity half of the calibration
/// text's held-out ones (EncoderText.h), or every k-th of --sens-text.
int measureEncoderLoss(const DriverOptions &o, SensitivityState &state,
                       quant::CalibrationStats &update, quant::SensitivitySummary &summary) {
  Clock clock;
  std::string textPath = o.sensText.empty() ? state.stats.source : o.sensText;
  std::vector<std::string> sentences;
  if (std::string e = readSentences(textPath, "sensitivity text", sentences); !e.empty())
    return fail(e + (o.sensText.empty() ? " (the statistics' calibration text; give --sens-text)"
                                        : ""));
  bool held = sameFile(textPath, state.stats.source);
  std::vector<size_t> pick =
      held ? heldOutSentences(sentences.size(), state.stats.samples, HeldOut::Sensitivity,
                              o.sensSentences)
           : calibrationSentences(sentences.size(), o.sensSentences);
  if (pick.empty())
    return fail("'" + textPath + "' has " + llvm::Twine(sentences.size()) +
                " sentences, all used by calibration: no held-out sentence for the measured "
                "sensitivity (give --sens-text)");
  EncoderSentences text;
  int64_t maxTokens = state.maxTokens > 0 ? std::min(o.sensSeqLen, state.maxTokens) : o.sensSeqLen;
  if (std::string e = tokenizeSentences(sentences, pick, state.tokenizerPath, state.vocab,
                                        maxTokens, textPath, o.inputPath, text);
      !e.empty())
    return fail(e);
  EncoderRunner runner;
  if (std::string e = runner.open(state.soPath); !e.empty())
    return fail("cannot load the sensitivity build of '" + o.inputPath + "': " + e);
  int64_t output = std::max<int64_t>(runner.findOutput("sentence_embedding"), 0);
  std::vector<EncoderBatch> batches = groupByLength(text.ids, 2048);
  // All sentences through the model; rows of `width` floats, batch order.
  int64_t width = 0;
  auto forward = [&](std::vector<float> &rows) -> int {
    rows.clear();
    std::vector<float> part;
    for (const EncoderBatch &b : batches) {
      if (std::string e = runner.run(text, b, output, &part, &width); !e.empty())
        return fail("the sensitivity run of '" + o.inputPath + "' failed: " + e);
      rows.insert(rows.end(), part.begin(), part.end());
    }
    return 0;
  };
  const qcc_delta_api_v1_t *api = deltaApi(state.soPath);
  if (!api)
    return fail("the sensitivity build of '" + o.inputPath + "' does not export " +
                QCC_DELTA_API_SYMBOL);
  api->clear();
  std::vector<float> ref, rows;
  double t0 = clock();
  if (int rc = forward(ref))
    return rc;
  double perForward = clock() - t0;
  int64_t numRows = width > 0 ? static_cast<int64_t>(ref.size()) / width : 0;
  size_t pairs = state.layers.size() * state.candidates.size();
  llvm::errs() << "qcc: sensitivity: cosine: " << text.ids.size() << " held-out sentences of '"
               << textPath << "' (output " << output << ", " << numRows << " rows of " << width
               << "; " << runner.numThreads() << " threads); baseline forward "
               << duration(perForward) << ", " << pairs << " runs, ETA "
               << duration(perForward * static_cast<double>(pairs)) << "\n";
  if (int rc = measurePairs(state, api, "cosine", clock, update, [&](double &loss) {
        if (int rc = forward(rows))
          return rc;
        double sum = 0;
        for (int64_t r = 0; r < numRows; ++r)
          sum += cosineLoss(ref.data() + r * width, rows.data() + r * width, width);
        loss = sum / static_cast<double>(numRows);
        return 0;
      }))
    return rc;
  summary.klMetric = "cosine";
  summary.klSource = textPath;
  summary.klWindows = static_cast<int64_t>(text.ids.size());
  summary.klSeqLen = text.maxLength;
  summary.klTokenOffset = 0;
  return 0;
}

/// Spearman rho of hessian vs kl over every (layer, scheme) pair of \p stats
/// that has both, and per scheme.
void rankCorrelation(const quant::CalibrationStats &stats, quant::SensitivitySummary &summary) {
  std::vector<double> ha, ka;
  std::map<std::string, std::pair<std::vector<double>, std::vector<double>>> by;
  for (const auto &[name, l] : stats.layers)
    for (const auto &[scheme, s] : l.sensitivity)
      if (s.hessian && s.kl) {
        ha.push_back(*s.hessian);
        ka.push_back(*s.kl);
        by[scheme].first.push_back(*s.hessian);
        by[scheme].second.push_back(*s.kl);
      }
  summary.pairs = static_cast<int64_t>(ha.size());
  summary.spearman = quant::spearman(ha, ka);
  summary.spearmanByScheme.clear();
  llvm::errs() << "qcc: sensitivity: Spearman rank correlation hessian vs kl: ";
  if (summary.spearman)
    llvm::errs() << llvm::format("%.4f", *summary.spearman);
  else
    llvm::errs() << "undefined";
  llvm::errs() << " over " << ha.size() << " (layer, scheme) pairs\n";
  for (const auto &[scheme, v] : by) {
    std::optional<double> rho = quant::spearman(v.first, v.second);
    if (rho)
      summary.spearmanByScheme[scheme] = *rho;
    llvm::errs() << "qcc: sensitivity:   " << scheme << ": "
                 << (rho ? llvm::formatv("{0:F4}", *rho).str() : std::string("undefined"))
                 << " over " << v.first.size() << " layers\n";
  }
}

} // namespace

int finishSensitivity(const DriverOptions &o, SensitivityState &state) {
  quant::CalibrationStats update;
  update.model = state.stats.model;
  update.source = state.stats.source;
  update.samples = state.stats.samples;
  update.seqLen = state.stats.seqLen;
  for (const SensitivityLayer &l : state.layers) {
    quant::LayerStats &u = update.layers[l.name];
    u.inFeatures = l.in;
    u.outFeatures = l.out;
  }
  quant::SensitivitySummary summary;
  if (state.stats.summary)
    summary = *state.stats.summary;
  if (state.hessian)
    computeHessian(state, update);
  if (state.kl) {
    int rc = state.encoder ? measureEncoderLoss(o, state, update, summary)
                           : measureKL(o, state, update, summary);
    llvm::sys::fs::remove(state.soPath);
    if (rc)
      return rc;
  }
  std::string error;
  quant::CalibrationStats merged = std::move(state.stats); // X^T X is large: no copy
  if (!quant::mergeStats(merged, update, error))
    return fail(o.statsPath + ": " + error);
  rankCorrelation(merged, summary);
  merged.summary = summary;
  if (!quant::writeStats(merged, o.statsPath, error))
    return fail(error);
  llvm::errs() << "qcc: sensitivity: wrote " << o.sensitivity << " sensitivities of "
               << state.layers.size() << " layers x " << state.candidates.size()
               << " schemes into '" << o.statsPath << "'\n";
  return 0;
}

} // namespace qcc
