//===- QuantPipelineVerify.cpp - F32 vs quantized on held-out windows ------===//
#include "QuantPipeline.h"
#include "StageUtil.h"

#include "qcc-c/llm.h"

#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>
#include <climits>
#include <cmath>
#include <cstdio>
#include <vector>

namespace qcc {
using namespace qcc::stage;

namespace {



/// log(sum(exp(row))) in double precision.
double logSumExp(const float *row, int64_t n) {
  float m = row[0];
  for (int64_t i = 1; i < n; ++i)
    m = std::max(m, row[i]);
  double s = 0;
  for (int64_t i = 0; i < n; ++i)
    s += std::exp(static_cast<double>(row[i]) - m);
  return m + std::log(s);
}


} // namespace

std::optional<report::Verification> verifyModels(const VerifyRequest &r, std::string &note,
                                                 std::string &error) {
  auto t0 = std::chrono::steady_clock::now();
  auto elapsed = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  };
  auto buffer = llvm::MemoryBuffer::getFile(r.textPath, /*IsText=*/false);
  if (!buffer) {
    error = "cannot read the verification text '" + r.textPath + "': " +
            buffer.getError().message();
    return std::nullopt;
  }
  llvm::StringRef text = (*buffer)->getBuffer();
  qcc_llm_options_t lo;
  qcc_llm_options_initialize(&lo);
  lo.num_sequences = 1;
  lo.context_capacity = static_cast<int32_t>(std::min<int64_t>(r.seqLen, INT32_MAX));
  LlmHandle f32, quant;
  if (std::string e = statusText(qcc_llm_open(r.f32Library.c_str(), &lo, &f32.llm)); !e.empty()) {
    error = "cannot load the F32 build '" + r.f32Library + "': " + e;
    return std::nullopt;
  }
  if (std::string e = statusText(qcc_llm_open(r.quantLibrary.c_str(), &lo, &quant.llm));
      !e.empty()) {
    error = "cannot load the quantized build '" + r.quantLibrary + "': " + e;
    return std::nullopt;
  }
  qcc_llm_info_t info, qinfo;
  if (std::string e = statusText(qcc_llm_get_info(f32.llm, &info)); !e.empty()) {
    error = e;
    return std::nullopt;
  }
  if (std::string e = statusText(qcc_llm_get_info(quant.llm, &qinfo)); !e.empty()) {
    error = e;
    return std::nullopt;
  }
  if (info.vocab_size != qinfo.vocab_size) {
    error = "the F32 and quantized builds have different vocabularies";
    return std::nullopt;
  }
  size_t count = 0;
  std::string e = statusText(qcc_llm_tokenize(f32.llm, text.data(), text.size(), 1, nullptr, 0, &count));
  std::vector<int32_t> tokens(count);
  if (e.empty())
    e = statusText(qcc_llm_tokenize(f32.llm, text.data(), text.size(), 1, tokens.data(),
                                    tokens.size(), &count));
  if (!e.empty()) {
    error = "cannot tokenize '" + r.textPath + "': " + e;
    return std::nullopt;
  }
  tokens.resize(count);
  int64_t available = (static_cast<int64_t>(tokens.size()) - r.tokenOffset) / r.seqLen;
  int64_t windows = std::min(r.windows, std::max<int64_t>(available, 0));
  if (windows <= 0) {
    error = "'" + r.textPath + "' has " + std::to_string(tokens.size()) +
            " tokens: no held-out window of " + std::to_string(r.seqLen) +
            " tokens after the first " + std::to_string(r.tokenOffset) +
            " (used by calibration and sensitivity)";
    return std::nullopt;
  }
  if (windows < r.windows)
    note = "only " + std::to_string(windows) + " held-out windows of " +
           std::to_string(r.seqLen) + " tokens fit after token " + std::to_string(r.tokenOffset) +
           " of '" + r.textPath + "'";

  report::Verification v;
  v.text = r.textPath;
  v.windows = windows;
  v.seqLen = r.seqLen;
  v.tokenOffset = r.tokenOffset;
  const int64_t V = info.vocab_size;
  double nllF = 0, nllQ = 0, kl = 0;
  int64_t scored = 0;
  for (int64_t w = 0; w < windows; ++w) {
    const int32_t *win = tokens.data() + r.tokenOffset + w * r.seqLen;
    for (qcc_llm_t *m : {f32.llm, quant.llm}) {
      std::string err = statusText(qcc_llm_reset(m, 0));
      if (err.empty())
        err = statusText(qcc_llm_prefill(m, 0, win, static_cast<int32_t>(r.seqLen)));
      if (!err.empty()) {
        error = "verification window " + std::to_string(w + 1) + " failed: " + err;
        return std::nullopt;
      }
    }
    for (int64_t t = 1; t < r.seqLen; ++t) {
      const float *rf = nullptr, *rq = nullptr;
      std::string err = statusText(qcc_llm_logits(f32.llm, 0, static_cast<int32_t>(t - 1), &rf));
      if (err.empty())
        err = statusText(qcc_llm_logits(quant.llm, 0, static_cast<int32_t>(t - 1), &rq));
      if (!err.empty()) {
        error = "verification window " + std::to_string(w + 1) + ": " + err;
        return std::nullopt;
      }
      double lf = logSumExp(rf, V), lq = logSumExp(rq, V);
      nllF += lf - rf[win[t]];
      nllQ += lq - rq[win[t]];
      double k = 0;
      for (int64_t i = 0; i < V; ++i) {
        double lpf = rf[i] - lf, lpq = rq[i] - lq;
        k += std::exp(lpf) * (lpf - lpq);
      }
      kl += std::max(k, 0.0);
      ++scored;
    }
    double done = elapsed();
    llvm::errs() << "qcc: verify: window " << (w + 1) << "/" << windows << ", elapsed "
                 << seconds(done) << ", ETA "
                 << seconds(done / static_cast<double>(w + 1) * static_cast<double>(windows - w - 1))
                 << "\n";
  }
  v.scoredTokens = scored;
  v.nllF32 = nllF / static_cast<double>(scored);
  v.nllQuant = nllQ / static_cast<double>(scored);
  v.meanKl = kl / static_cast<double>(scored);
  return v;
}

} // namespace qcc
