//===- Perplexity.cpp - windows, top-K log-probs, bucket KL, logits files -===//
#include "Perplexity.h"

#include <algorithm>
#include <cmath>
#include <cstring>

using namespace qcc::ppl;

std::vector<Window> qcc::ppl::slidingWindows(int64_t n, int64_t ctx,
                                             int64_t stride,
                                             int64_t maxWindows) {
  std::vector<Window> windows;
  int64_t prevEnd = 0;
  for (int64_t begin = 0; begin < n; begin += stride) {
    int64_t end = std::min(begin + ctx, n);
    windows.push_back({begin, end, std::max(prevEnd, begin + 1)});
    prevEnd = end;
    if (end == n ||
        (maxWindows > 0 && static_cast<int64_t>(windows.size()) >= maxWindows))
      break;
  }
  return windows;
}

double qcc::ppl::logSumExp(const float *row, int64_t vocab) {
  float m = row[0];
  for (int64_t v = 1; v < vocab; ++v)
    m = std::max(m, row[v]);
  double s = 0;
  for (int64_t v = 0; v < vocab; ++v)
    s += std::exp(static_cast<double>(row[v]) - m);
  return m + std::log(s);
}

void qcc::ppl::topK(const float *row, int64_t vocab, double lse, int k,
                    TopK &out) {
  k = static_cast<int>(std::min<int64_t>(k, vocab));
  std::vector<int32_t> order(static_cast<size_t>(vocab));
  for (int64_t v = 0; v < vocab; ++v)
    order[v] = static_cast<int32_t>(v);
  std::partial_sort(order.begin(), order.begin() + k, order.end(),
                    [&](int32_t a, int32_t b) {
                      return row[a] > row[b] || (row[a] == row[b] && a < b);
                    });
  out.ids.assign(order.begin(), order.begin() + k);
  out.logProbs.resize(k);
  for (int i = 0; i < k; ++i)
    out.logProbs[i] = static_cast<float>(row[out.ids[i]] - lse);
}

double qcc::ppl::bucketKL(const TopK &ref, const float *row, double lse) {
  double kl = 0, pSum = 0, qSum = 0;
  for (size_t i = 0; i < ref.ids.size(); ++i) {
    double logP = ref.logProbs[i];
    double logQ = row[ref.ids[i]] - lse;
    double p = std::exp(logP);
    kl += p * (logP - logQ);
    pSum += p;
    qSum += std::exp(logQ);
  }
  double pRest = 1 - pSum, qRest = 1 - qSum;
  if (pRest > 1e-12)
    kl += pRest * std::log(pRest / std::max(qRest, 1e-30));
  return kl;
}

namespace {
const char kMagic[8] = {'Q', 'C', 'C', 'L', 'G', 'T', '0', '1'};
}

bool qcc::ppl::writeHeader(FILE *f, const LogitsHeader &h) {
  uint32_t u[4] = {h.vocab, h.k, h.ctx, h.stride};
  return std::fwrite(kMagic, 1, 8, f) == 8 && std::fwrite(u, 4, 4, f) == 4 &&
         std::fwrite(&h.count, 8, 1, f) == 1;
}

bool qcc::ppl::writeRecord(FILE *f, const TopK &r) {
  return std::fwrite(&r.target, 4, 1, f) == 1 &&
         std::fwrite(r.ids.data(), 4, r.ids.size(), f) == r.ids.size() &&
         std::fwrite(r.logProbs.data(), 4, r.logProbs.size(), f) ==
             r.logProbs.size();
}

bool qcc::ppl::readHeader(FILE *f, const std::string &path, LogitsHeader &h,
                          std::string &error) {
  char magic[8];
  uint32_t u[4];
  if (std::fread(magic, 1, 8, f) != 8 || std::memcmp(magic, kMagic, 8)) {
    error = "'" + path + "' is not a qcc-perplexity logits file (bad magic)";
    return false;
  }
  if (std::fread(u, 4, 4, f) != 4 || std::fread(&h.count, 8, 1, f) != 1) {
    error = "'" + path + "': truncated header";
    return false;
  }
  h.vocab = u[0], h.k = u[1], h.ctx = u[2], h.stride = u[3];
  if (h.k == 0 || h.k > h.vocab) {
    error = "'" + path + "': bad top-k " + std::to_string(h.k) +
            " for a vocabulary of " + std::to_string(h.vocab);
    return false;
  }
  long here = std::ftell(f);
  std::fseek(f, 0, SEEK_END);
  long size = std::ftell(f);
  std::fseek(f, here, SEEK_SET);
  uint64_t want = h.count * (4 + 8ull * h.k);
  if (size < here || static_cast<uint64_t>(size - here) != want) {
    error = "'" + path + "': " + std::to_string(size - here) +
            " bytes of records, expected " + std::to_string(want) + " for " +
            std::to_string(h.count) + " tokens of top-" + std::to_string(h.k);
    return false;
  }
  return true;
}

bool qcc::ppl::readRecord(FILE *f, uint32_t k, TopK &r) {
  r.ids.resize(k);
  r.logProbs.resize(k);
  return std::fread(&r.target, 4, 1, f) == 1 &&
         std::fread(r.ids.data(), 4, k, f) == k &&
         std::fread(r.logProbs.data(), 4, k, f) == k;
}
