//===- qcc-perplexity.cpp - sliding-window perplexity of a causal LM -----===//
//
//   qcc-perplexity model.so text.txt... [--ctx 512] [--stride 256] [--json]
//       [--max-windows N] [--save-logits F.bin] [--compare-logits F.bin]
//       [--top-k 32] [--threads T] [--tokenizer FILE] [--progress]
//
// The files are joined with "\n\n" and tokenized once (with BOS when the
// tokenizer asks for it); the windows, NLL, standard errors and the logits
// file are defined in Perplexity.h and docs/Runtime.md.
// Exit codes: 0 success, 2 any error.
//
//===----------------------------------------------------------------------===//
#include "Perplexity.h"

#include "qcc-c/llm.h"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <climits>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

using namespace qcc::ppl;

namespace {

const char *kUsage =
    "usage: qcc-perplexity model.so text.txt... [options]\n"
    "  --ctx N               window length in tokens (default 512)\n"
    "  --stride N            window step (default ctx/2); each window scores\n"
    "                        only the tokens the previous one did not\n"
    "  --max-windows N       evaluate at most N windows\n"
    "  --json                print one JSON object instead of text\n"
    "  --save-logits F       write the top-K log-probabilities of every\n"
    "                        scored token to F\n"
    "  --compare-logits F    compare with a saved file: mean KL(ref || this)\n"
    "                        and top-1 agreement\n"
    "  --top-k K             log-probabilities stored per token (default 32)\n"
    "  --threads T           threads (0 = all CPUs, default)\n"
    "  --progress            report progress on stderr every 10 s\n"
    "  --tokenizer FILE      tokenizer.json or .gguf (default: the model's)\n";

int error(const std::string &msg) {
  std::fprintf(stderr, "qcc-perplexity: error: %s\n", msg.c_str());
  return 2;
}

int error(qcc_status_t st) {
  std::string msg = qcc_status_message(st);
  qcc_status_free(st);
  return error(msg);
}

struct Options {
  std::string model, tokenizer, saveLogits, compareLogits;
  std::vector<std::string> files;
  int64_t ctx = 512, stride = 0, maxWindows = 0, topK = 32;
  int threads = 0;
  bool json = false, progress = false;
};

int parseArgs(int argc, char **argv, Options &o) {
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&](std::string &out) {
      if (i + 1 >= argc)
        return false;
      out = argv[++i];
      return true;
    };
    auto integer = [&](int64_t &out, int64_t min) {
      std::string v;
      if (!value(v))
        return false;
      char *end = nullptr;
      long long x = std::strtoll(v.c_str(), &end, 10);
      if (v.empty() || *end || x < min)
        return false;
      out = x;
      return true;
    };
    int64_t n;
    if (a == "-h" || a == "--help") {
      std::printf("%s", kUsage);
      std::exit(0);
    } else if (a == "--ctx") {
      if (!integer(o.ctx, 2))
        return error("--ctx needs an integer >= 2");
    } else if (a == "--stride") {
      if (!integer(o.stride, 1))
        return error("--stride needs an integer >= 1");
    } else if (a == "--max-windows") {
      if (!integer(o.maxWindows, 1))
        return error("--max-windows needs an integer >= 1");
    } else if (a == "--top-k") {
      if (!integer(o.topK, 1))
        return error("--top-k needs an integer >= 1");
    } else if (a == "--threads") {
      if (!integer(n, 0))
        return error("--threads needs an integer >= 0");
      o.threads = static_cast<int>(n);
    } else if (a == "--json") {
      o.json = true;
    } else if (a == "--progress") {
      o.progress = true;
    } else if (a == "--save-logits") {
      if (!value(o.saveLogits))
        return error("--save-logits needs a file");
    } else if (a == "--compare-logits") {
      if (!value(o.compareLogits))
        return error("--compare-logits needs a file");
    } else if (a == "--tokenizer") {
      if (!value(o.tokenizer))
        return error("--tokenizer needs a file");
    } else if (!a.empty() && a[0] == '-') {
      return error("unknown option '" + a + "'\n" + kUsage);
    } else if (o.model.empty()) {
      o.model = a;
    } else {
      o.files.push_back(a);
    }
  }
  if (o.model.empty() || o.files.empty())
    return error(std::string("need a model and at least one text file\n") +
                 kUsage);
  if (o.stride == 0)
    o.stride = o.ctx / 2;
  if (o.stride > o.ctx)
    return error("--stride " + std::to_string(o.stride) +
                 " is larger than --ctx " + std::to_string(o.ctx) +
                 " (tokens between windows would never be scored)");
  return 0;
}

/// Reads the files and joins them with "\n\n".
bool readText(const std::vector<std::string> &files, std::string &text,
              std::string &err) {
  for (size_t i = 0; i < files.size(); ++i) {
    std::ifstream in(files[i], std::ios::binary);
    if (!in) {
      err = "cannot read '" + files[i] + "': " + std::strerror(errno);
      return false;
    }
    std::stringstream ss;
    ss << in.rdbuf();
    text += (i ? "\n\n" : "") + ss.str();
  }
  return true;
}

std::string jsonString(const std::string &s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

/// Mean and standard error of the mean of a sum / sum of squares.
void meanStderr(double sum, double sumSq, double n, double &mean, double &se) {
  mean = sum / n;
  double var = n > 1 ? (sumSq - n * mean * mean) / (n - 1) : 0;
  se = std::sqrt(std::max(var, 0.0) / n);
}

struct Llm {
  qcc_llm_t *llm = nullptr;
  ~Llm() { qcc_llm_free(llm); }
};

struct File {
  FILE *f = nullptr;
  ~File() {
    if (f)
      std::fclose(f);
  }
};

} // namespace

int main(int argc, char **argv) {
  Options o;
  if (int rc = parseArgs(argc, argv, o))
    return rc;
  std::string text, err;
  if (!readText(o.files, text, err))
    return error(err);
  if (text.find_first_not_of(" \t\r\n") == std::string::npos)
    return error("the text of " + o.files[0] +
                 (o.files.size() > 1 ? " ..." : "") + " is empty");

  qcc_llm_options_t lo;
  qcc_llm_options_initialize(&lo);
  lo.context_capacity =
      static_cast<int32_t>(std::min<int64_t>(o.ctx, INT32_MAX));
  lo.num_threads = o.threads;
  lo.tokenizer_path = o.tokenizer.empty() ? nullptr : o.tokenizer.c_str();
  Llm m;
  if (qcc_status_t st = qcc_llm_open(o.model.c_str(), &lo, &m.llm))
    return error(st);
  qcc_llm_info_t info;
  qcc_status_free(qcc_llm_get_info(m.llm, &info));
  const int64_t V = info.vocab_size;

  size_t count = 0;
  if (qcc_status_t st = qcc_llm_tokenize(m.llm, text.data(), text.size(), 1,
                                         nullptr, 0, &count))
    return error(st);
  std::vector<int32_t> tokens(count);
  if (qcc_status_t st = qcc_llm_tokenize(m.llm, text.data(), text.size(), 1,
                                         tokens.data(), count, &count))
    return error(st);
  if (tokens.size() < 2)
    return error("the text has " + std::to_string(tokens.size()) +
                 " token(s); perplexity needs at least 2");
  std::vector<Window> windows = slidingWindows(
      static_cast<int64_t>(tokens.size()), o.ctx, o.stride, o.maxWindows);
  uint64_t scored = 0;
  for (const Window &w : windows)
    scored += w.end - w.firstScored;

  File save, ref;
  LogitsHeader header{static_cast<uint32_t>(V),
                      static_cast<uint32_t>(std::min<int64_t>(o.topK, V)),
                      static_cast<uint32_t>(o.ctx),
                      static_cast<uint32_t>(o.stride), scored};
  LogitsHeader refHeader;
  if (!o.compareLogits.empty()) {
    ref.f = std::fopen(o.compareLogits.c_str(), "rb");
    if (!ref.f)
      return error("cannot read '" + o.compareLogits +
                   "': " + std::strerror(errno));
    if (!readHeader(ref.f, o.compareLogits, refHeader, err))
      return error(err);
    if (refHeader.vocab != header.vocab || refHeader.count != scored ||
        refHeader.ctx != header.ctx || refHeader.stride != header.stride)
      return error("'" + o.compareLogits + "' has vocab " +
                   std::to_string(refHeader.vocab) + ", ctx " +
                   std::to_string(refHeader.ctx) + ", stride " +
                   std::to_string(refHeader.stride) + " and " +
                   std::to_string(refHeader.count) +
                   " scored tokens; this run has vocab " + std::to_string(V) +
                   ", ctx " + std::to_string(o.ctx) + ", stride " +
                   std::to_string(o.stride) + " and " + std::to_string(scored) +
                   " (same text, --ctx, --stride and --max-windows needed)");
  }
  if (!o.saveLogits.empty()) {
    save.f = std::fopen(o.saveLogits.c_str(), "wb");
    if (!save.f || !writeHeader(save.f, header))
      return error("cannot write '" + o.saveLogits +
                   "': " + std::strerror(errno));
  }

  double nllSum = 0, nllSq = 0, klSum = 0, klSq = 0;
  uint64_t agree = 0, done = 0, evaluated = 0;
  TopK record, refRecord;
  auto start = std::chrono::steady_clock::now();
  auto lastReport = start;
  for (const Window &w : windows) {
    auto now = std::chrono::steady_clock::now();
    if (o.progress && done &&
        std::chrono::duration<double>(now - lastReport).count() >= 10) {
      double elapsed = std::chrono::duration<double>(now - start).count();
      std::fprintf(stderr,
                   "qcc-perplexity: window %zu/%zu, %llu tokens scored, "
                   "running perplexity %.4f, %.1f tokens/s\n",
                   static_cast<size_t>(&w - windows.data()), windows.size(),
                   static_cast<unsigned long long>(done),
                   std::exp(nllSum / done), evaluated / elapsed);
      lastReport = now;
    }
    if (qcc_status_t st = qcc_llm_reset(m.llm, 0))
      return error(st);
    if (qcc_status_t st =
            qcc_llm_prefill(m.llm, 0, tokens.data() + w.begin,
                            static_cast<int32_t>(w.end - w.begin)))
      return error(st);
    evaluated += w.end - w.begin;
    for (int64_t t = w.firstScored; t < w.end; ++t) {
      const float *row = nullptr;
      if (qcc_status_t st = qcc_llm_logits(
              m.llm, 0, static_cast<int32_t>(t - 1 - w.begin), &row))
        return error(st);
      double lse = logSumExp(row, V);
      double nll = lse - row[tokens[t]];
      nllSum += nll;
      nllSq += nll * nll;
      if (save.f || ref.f) {
        topK(row, V, lse, static_cast<int>(header.k), record);
        record.target = tokens[t];
      }
      if (save.f && !writeRecord(save.f, record))
        return error("cannot write '" + o.saveLogits +
                     "': " + std::strerror(errno));
      if (ref.f) {
        if (!readRecord(ref.f, refHeader.k, refRecord))
          return error("'" + o.compareLogits + "': truncated record " +
                       std::to_string(done));
        if (refRecord.target != tokens[t])
          return error("'" + o.compareLogits + "': scored token " +
                       std::to_string(done) + " is id " +
                       std::to_string(refRecord.target) + ", this text has " +
                       std::to_string(tokens[t]) +
                       " (different text or "
                       "tokenizer)");
        for (int32_t id : refRecord.ids)
          if (id < 0 || id >= V)
            return error("'" + o.compareLogits + "': record " +
                         std::to_string(done) + " holds id " +
                         std::to_string(id) + " outside the vocabulary");
        double kl = bucketKL(refRecord, row, lse);
        klSum += kl;
        klSq += kl * kl;
        agree += record.ids[0] == refRecord.ids[0];
      }
      ++done;
    }
  }
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();

  double meanNll, seNll;
  meanStderr(nllSum, nllSq, static_cast<double>(done), meanNll, seNll);
  double ppl = std::exp(meanNll), seP = ppl * seNll; // delta method
  double meanKl = 0, seKl = 0;
  if (ref.f)
    meanStderr(klSum, klSq, static_cast<double>(done), meanKl, seKl);
  double agreement = done ? static_cast<double>(agree) / done : 0;
  double tps = seconds > 0 ? evaluated / seconds : 0;

  if (o.json) {
    std::string files;
    for (size_t i = 0; i < o.files.size(); ++i)
      files += (i ? ", " : "") + jsonString(o.files[i]);
    std::printf("{\"model\": %s, \"files\": [%s], \"tokens\": %zu, "
                "\"ctx\": %lld, \"stride\": %lld, \"windows\": %zu, "
                "\"scored_tokens\": %llu, \"mean_nll\": %.9g, "
                "\"mean_nll_stderr\": %.9g, \"perplexity\": %.9g, "
                "\"perplexity_stderr\": %.9g, \"evaluated_tokens\": %llu, "
                "\"seconds\": %.6g, \"tokens_per_second\": %.6g, "
                "\"threads\": %d",
                jsonString(o.model).c_str(), files.c_str(), tokens.size(),
                static_cast<long long>(o.ctx), static_cast<long long>(o.stride),
                windows.size(), static_cast<unsigned long long>(done), meanNll,
                seNll, ppl, seP, static_cast<unsigned long long>(evaluated),
                seconds, tps, info.num_threads);
    if (ref.f)
      std::printf(", \"compare\": {\"reference\": %s, \"top_k\": %u, "
                  "\"mean_kl\": %.9g, \"mean_kl_stderr\": %.9g, "
                  "\"top1_agreement\": %.9g}",
                  jsonString(o.compareLogits).c_str(), refHeader.k, meanKl,
                  seKl, agreement);
    std::printf("}\n");
    return 0;
  }
  std::printf("%s: %zu file(s), %zu tokens, ctx %lld, stride %lld, %zu "
              "window(s), %llu scored tokens\n",
              o.model.c_str(), o.files.size(), tokens.size(),
              static_cast<long long>(o.ctx), static_cast<long long>(o.stride),
              windows.size(), static_cast<unsigned long long>(done));
  std::printf("perplexity: %.4f +/- %.4f (mean NLL %.6f +/- %.6f nats)\n", ppl,
              seP, meanNll, seNll);
  std::printf("speed: %llu tokens in %.3f s (%.1f tokens/s, %d thread(s))\n",
              static_cast<unsigned long long>(evaluated), seconds, tps,
              info.num_threads);
  if (ref.f)
    std::printf("compare with %s: mean KL(ref || this) %.6g +/- %.2g nats "
                "(top-%u + rest buckets), top-1 agreement %.2f%% (%llu/%llu)\n",
                o.compareLogits.c_str(), meanKl, seKl, refHeader.k,
                100 * agreement, static_cast<unsigned long long>(agree),
                static_cast<unsigned long long>(done));
  if (save.f)
    std::printf("saved top-%u log-probabilities of %llu tokens to %s\n",
                header.k, static_cast<unsigned long long>(done),
                o.saveLogits.c_str());
  return 0;
}
