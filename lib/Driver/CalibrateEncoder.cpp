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




bool isSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/// A letter or digit: ASCII alphanumeric or any byte of a non-ASCII character.
bool hasWordChar(llvm::StringRef s) {
  return llvm::any_of(s, [](char c) {
    auto u = static_cast<unsigned char>(c);
    return u >= 0x80 || (u >= '0' && u <= '9') || (u >= 'a' && u <= 'z') ||
           (u >= 'A' && u <= 'Z');
  });
}

/// @main's qcc.model_attrs entry \p key, or "".
std::string modelAttr(ModuleOp module, llvm::StringRef key) {
  std::string value;
  module.walk([&](Operation *op) {
    if (auto attrs = op->getAttrOfType<DictionaryAttr>("qcc.model_attrs"))
      if (auto v = attrs.getAs<StringAttr>(key))
        value = v.str();
  });
  return value;
}

/// The open model, context and tensors of one run, freed on scope exit.
struct RunHandles {
  qcc_model_t *model = nullptr;
  qcc_context_t *context = nullptr;
  ~RunHandles() {
    qcc_context_free(context);
    qcc_model_free(model);
  }
};

/// Runs one batch of \p b sentences of \p s tokens (ids row-major).
std::string runBatch(RunHandles &h, const int64_t inputOrder[3], std::vector<int64_t> &ids,
                     int64_t b, int64_t s) {
  std::vector<int64_t> mask(ids.size(), 1), types(ids.size(), 0);
  int64_t shape[2] = {b, s};
  size_t bytes = ids.size() * sizeof(int64_t);
  int64_t *data[3] = {ids.data(), mask.data(), types.data()};
  qcc_tensor_t *inputs[3] = {nullptr, nullptr, nullptr};
  qcc_tensor_t *outputs[2] = {nullptr, nullptr};
  std::string error;
  for (int i = 0; i < 3 && error.empty(); ++i)
    error = statusText(qcc_tensor_wrap(QCC_ELEMENT_TYPE_I64, 2, shape, data[i], bytes,
                                       &inputs[inputOrder[i]]));
  if (error.empty())
    error = statusText(qcc_model_run(h.model, h.context, inputs, 3, outputs, 2));
  for (qcc_tensor_t *t : inputs)
    qcc_tensor_free(t);
  for (qcc_tensor_t *t : outputs)
    qcc_tensor_free(t);
  return error;
}

} // namespace

std::vector<std::string> splitSentences(llvm::StringRef text) {
  std::vector<std::string> out;
  std::string current;
  auto flush = [&] {
    if (hasWordChar(current))
      out.push_back(current);
    current.clear();
  };
  llvm::SmallVector<llvm::StringRef> lines;
  text.split(lines, '\n');
  for (llvm::StringRef line : lines) {
    size_t i = 0, n = line.size();
    bool blank = true;
    while (i < n) {
      while (i < n && isSpace(line[i]))
        ++i;
      size_t start = i;
      while (i < n && !isSpace(line[i]))
        ++i;
      if (i == start)
        break;
      blank = false;
      llvm::StringRef word = line.slice(start, i);
      if (!current.empty())
        current += ' ';
      current += word.str();
      if (word.back() == '.' || word.back() == '!' || word.back() == '?')
        flush();
    }
    if (blank) // a blank line ends the paragraph
      flush();
  }
  flush();
  return out;
}

bool isEncoderModel(ModuleOp module) { return modelAttr(module, "qcc.kind") == "encoder"; }

int prepareEncoderCalibration(const DriverOptions &o, ModuleOp module, CalibrationState &state) {
  auto enc = std::make_shared<EncoderCalibration>();
  auto buffer = llvm::MemoryBuffer::getFile(o.calibPath, /*IsText=*/false);
  if (!buffer)
    return fail("cannot read calibration text '" + o.calibPath + "': " +
                buffer.getError().message());
  std::vector<std::string> sentences = splitSentences((*buffer)->getBuffer());
  if (sentences.empty())
    return fail("calibration text '" + o.calibPath +
                "' has no sentences (no letters or digits outside whitespace and punctuation)");
  enc->sentencesInText = static_cast<int64_t>(sentences.size());
  enc->tokenizerPath = modelAttr(module, "qcc.tokenizer");
  if (enc->tokenizerPath.empty())
    return fail("'" + o.inputPath + "' has no tokenizer (tokenizer.json beside config.json) to "
                "encode the calibration text '" + o.calibPath + "'");
  std::unique_ptr<tokenizer::Tokenizer> tok;
  try {
    tok = tokenizer::Tokenizer::fromJsonFile(enc->tokenizerPath);
  } catch (const std::exception &e) {
    return fail(llvm::Twine("cannot load the tokenizer of '") + o.inputPath + "': " + e.what());
  }
  // Ids the embedding table does not have would be read out of bounds.
  int64_t vocab = 0;
  if (llvm::StringRef(modelAttr(module, "qcc.vocab_size")).getAsInteger(10, vocab) || vocab <= 0)
    return fail("'" + o.inputPath + "' does not record its vocabulary size (qcc.vocab_size)");
  // Every k-th sentence, so that the whole text is represented.
  int64_t count = std::min<int64_t>(o.calibSamples, enc->sentencesInText);
  int64_t step = std::max<int64_t>(1, enc->sentencesInText / count);
  for (int64_t i = 0; i < count; ++i) {
    const std::string &s = sentences[static_cast<size_t>(i * step)];
    std::vector<int32_t> ids;
    try {
      ids = tok->encode(s, /*addSpecial=*/true);
    } catch (const std::exception &e) {
      return fail(llvm::Twine("cannot tokenize '") + o.calibPath + "': " + e.what());
    }
    for (int32_t id : ids)
      if (id < 0 || id >= vocab)
        return fail("the tokenizer '" + enc->tokenizerPath + "' gives id " + llvm::Twine(id) +
                    " for sentence " + llvm::Twine(i * step + 1) + " of '" + o.calibPath +
                    "', outside the vocabulary of '" + o.inputPath + "' (" +
                    llvm::Twine(vocab) + " ids)");
    if (static_cast<int64_t>(ids.size()) > o.calibSeqLen) {
      int32_t last = ids.back(); // [SEP]
      ids.resize(static_cast<size_t>(o.calibSeqLen));
      if (o.calibSeqLen >= 2)
        ids.back() = last;
      ++enc->truncated;
    }
    enc->maxLength = std::max<int64_t>(enc->maxLength, static_cast<int64_t>(ids.size()));
    enc->ids.push_back(std::move(ids));
  }
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
  RunHandles h;
  if (std::string e = statusText(qcc_model_open(state.soPath.c_str(), nullptr, &h.model));
      !e.empty())
    return fail("cannot load the calibration build of '" + o.inputPath + "': " + e);
  if (std::string e = statusText(qcc_context_create(nullptr, &h.context)); !e.empty())
    return fail(e);
  // The model's order of the three inputs (Contract 5: ids, mask, types).
  int64_t order[3];
  const char *names[3] = {"input_ids", "attention_mask", "token_type_ids"};
  if (qcc_model_input_count(h.model) != 3 || qcc_model_output_count(h.model) != 2)
    return fail("the calibration build of '" + o.inputPath +
                "' does not have the encoder interface (3 inputs, 2 outputs)");
  for (int i = 0; i < 3; ++i)
    if ((order[i] = qcc_model_find_input(h.model, names[i])) < 0)
      return fail("the calibration build of '" + o.inputPath + "' has no input '" + names[i] +
                  "'");

  if (!o.calibTokensPath.empty()) {
    std::error_code ec;
    llvm::raw_fd_ostream os(o.calibTokensPath, ec);
    if (ec)
      return fail("cannot write '" + o.calibTokensPath + "': " + ec.message());
    for (const std::vector<int32_t> &s : enc.ids)
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
  std::map<int64_t, std::vector<size_t>> byLength;
  int64_t tokens = 0;
  for (size_t i = 0; i < enc.ids.size(); ++i) {
    byLength[static_cast<int64_t>(enc.ids[i].size())].push_back(i);
    tokens += static_cast<int64_t>(enc.ids[i].size());
  }
  std::vector<std::pair<int64_t, std::vector<size_t>>> batches;
  for (const auto &[len, members] : byLength) {
    size_t per = static_cast<size_t>(std::max<int64_t>(1, kTokensPerBatch / len));
    for (size_t i = 0; i < members.size(); i += per)
      batches.push_back({len, std::vector<size_t>(members.begin() + i,
                                                  members.begin() +
                                                      std::min(members.size(), i + per))});
  }
  qcc_observer_config_v1_t config{};
  config.expected_rows = tokens;
  config.sample_rows = o.calibSampleRows;
  config.seed = 0x5eed;
  config.with_xtx = 1;
  api->configure(&config);

  llvm::errs() << "qcc: calibration: " << enc.sentencesInText << " sentences in '"
               << o.calibPath << "'; running " << enc.ids.size() << " of them (" << tokens
               << " tokens, at most " << enc.maxLength << " a sentence";
  if (enc.truncated)
    llvm::errs() << ", " << enc.truncated << " cut to --calib-seqlen " << o.calibSeqLen;
  llvm::errs() << ") in " << batches.size() << " unpadded batches of equal-length sentences ("
               << qcc_context_num_threads(h.context) << " threads)\n";
  double runStart = elapsed();
  int64_t done = 0, reported = 0;
  for (size_t bi = 0; bi < batches.size(); ++bi) {
    const auto &[len, members] = batches[bi];
    std::vector<int64_t> ids;
    ids.reserve(members.size() * static_cast<size_t>(len));
    for (size_t m : members)
      ids.insert(ids.end(), enc.ids[m].begin(), enc.ids[m].end());
    if (std::string e = runBatch(h, order, ids, static_cast<int64_t>(members.size()), len);
        !e.empty())
      return fail("calibration batch " + llvm::Twine(bi + 1) + " (" +
                  llvm::Twine(members.size()) + " x " + llvm::Twine(len) +
                  " tokens) failed: " + e);
    done += static_cast<int64_t>(members.size()) * len;
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
  out.samples = static_cast<int64_t>(enc.ids.size());
  out.seqLen = enc.maxLength;
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
